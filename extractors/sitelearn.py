"""Furniture learnt per outlet: blocks that recur across the pages of one outlet.

An outlet is what ``urls.outlet_of`` keys it by (host plus a handle path, plus the declared
site name; a declared name alone for saved files): several outlets may share one domain.
Every stored page contributes the fingerprints of its lines; an outlet's profile counts on
how many *independent* pages (stories) each fingerprint occurs. A line that recurs is
furniture when it reads like furniture, not merely because it repeats:

- short recurring lines (labels, headlines in a rail, "Share", an address, a review count,
  bylines of the desk) go;
- a recurring line of prose goes only when it speaks to the reader or about the site
  (you/we, subscribe, copyright, "is a leading ...", a URL, or the outlet's own name as its
  subject: "Acme is a family firm ..."); a standing background paragraph that an outlet
  repeats on purpose across a running story is third-person reporting and stays;
- pages that share most of their prose (copies, rewrites, a running story) count once, so
  two versions of one story never teach each other that their own sentences are furniture;
  one shared paragraph (an outlet's standing text) does not make its pages one story;
- an outlet teaches nothing before it has ``MIN_STORIES`` stories: two pages cannot tell a
  shared topic from furniture;
- after a removed recurring line in the last part of the body, the headline-like lines that
  follow it (a rail whose headlines change from page to page) go too.

Pure functions: the warehouse keeps the fingerprints, the flows call these.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"’”»)]*\s*$")
_URL = re.compile(r"https?://|www\.|\b[\w.-]+@[\w-]+\.\w+")
_WORD = re.compile(r"\w+")
_LEAD_WORDS = frozenset({"the", "about", "at", "la", "le", "les", "el", "der", "die", "das"})
# Words by which a line addresses the reader or talks about the site, in a few languages.
_META = re.compile(
    r"\b(you|your|we|our|us|subscribe|subscription|newsletter|sign[ -]?up|log ?in|follow|click|download|"
    r"register|copyright|rights reserved|disclaimer|advice|affiliate|sponsored|cookies?|privacy|terms of|"
    r"advertis\w*|is a (leading|global|digital|premier|trusted)|founded in|headquartered|for more information|"
    r"learn more|contact us|about us|reproduc\w+|permission|"
    r"is an? (?:\w+ ){0,3}(?:publication|newsletter|site|website|outlet|magazine|agency|blog|newsroom|service)|"
    r"recommendation to (?:buy|sell)|investment advice|constitutes?|"
    r"sie|ihr|ihre|abonn\w+|anmelden|datenschutz|werbung|"
    r"vous|votre|nous|notre|abonnez|inscri\w+|publicité|"
    r"usted|su suscripción|suscr[ií]b\w+|nosotros|nuestr[oa]s?|publicidad)\b",
)  # matched against the lower-cased line: a big alternation runs ~4x faster without re.I
LONG_WORDS = 15  # a line this long is prose, not a label


def normalize_line(line: str) -> str:
    return _SPACE.sub(" ", _DIGITS.sub("0", line.strip().lower()))


def fingerprint(line: str) -> str:
    return _digest(normalize_line(line))


def _digest(normalized: str) -> str:
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).hexdigest()


def body_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def page_fingerprints(text: str) -> dict[str, str]:
    """fingerprint -> first line with it, for each distinct line of a page."""
    out: dict[str, str] = {}
    for line in body_lines(text):
        normalized = normalize_line(line)
        if len(normalized) >= 2:
            out.setdefault(_digest(normalized), line)  # fingerprint(line), the line normalised once
    return out


def reads_like_furniture(line: str) -> bool:
    return bool(_META.search(line.lower()) or _URL.search(line))


def is_prose(line: str) -> bool:
    return len(line.split()) >= LONG_WORDS and bool(_SENTENCE_END.search(line))


# Two pages are one story (a copy, a rewrite, a running story) when they share at least this
# share of the smaller page's plain prose lines (and two lines, unless both pages have at most
# two): one shared standing paragraph does not make an outlet's pages one story.
MERGE_SHARE = 0.5
MAX_HOLDERS = 50  # a prose line on more pages than this is the outlet's, not one story's
MIN_STORIES = 3  # an outlet teaches nothing before it has this many independent pages (stories)
MIN_PAGES = 2  # then a line recurs when it is on this many of them


@dataclass(frozen=True)
class SiteProfile:
    """How many independent pages of a site each recurring line fingerprint occurs on."""

    pages: int = 0  # independent pages (copies of one story count once)
    counts: Mapping[str, int] = field(default_factory=dict)  # built with those on >= MIN_PAGES only
    plain: frozenset[str] = frozenset()  # of those, the ones some page holds as plain third-person prose

    @property
    def teaches(self) -> bool:
        """Whether the site has enough stories to tell its furniture from a shared topic."""
        return self.pages >= MIN_STORIES

    def recurring(self, fp: str) -> bool:
        return self.teaches and self.counts.get(fp, 0) >= MIN_PAGES


class _Stories:
    """Union-find over page ids."""

    def __init__(self, ids: Iterable[str]):
        self.parent = {p: p for p in ids}

    def find(self, p: str) -> str:
        while self.parent[p] != p:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        return p

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(b)] = self.find(a)


def _shared_prose(prose_by_page: dict[str, set[str]]) -> Counter:
    """(page, page) -> how many plain prose lines the two share (lines on at most MAX_HOLDERS pages)."""
    holders: dict[str, list[str]] = defaultdict(list)
    for pid, fps in prose_by_page.items():
        for fp in fps:
            holders[fp].append(pid)
    return shared_prose(holders.values())


def shared_prose(holders: Iterable[Sequence[str]]) -> Counter:
    """(page, page) -> how many plain prose lines the two share, from each line's holders (the
    pages it is on), counting the lines on 2 to MAX_HOLDERS pages."""
    shared: Counter = Counter()
    for pids in holders:
        if 2 <= len(pids) <= MAX_HOLDERS:
            for i, a in enumerate(pids):
                for b in pids[i + 1:]:
                    shared[(a, b)] += 1
    return shared


def one_story(shared: int, prose_a: int, prose_b: int) -> bool:
    """Whether two pages sharing ``shared`` plain prose lines are one story."""
    small, large = min(prose_a, prose_b), max(prose_a, prose_b)
    if small == 0 or shared < MERGE_SHARE * small:
        return False
    return shared >= 2 or large <= 2


def story_of(prose_lines: Mapping[str, int], shared: Mapping[tuple[str, str], int]) -> dict[str, str]:
    """page id -> its story (one of its pages' ids), from how many plain prose lines each page
    has and how many two pages share (``shared_prose``): pages that share most of their plain
    prose are one story (``one_story``)."""
    stories = _Stories(prose_lines)
    for (a, b), n in shared.items():
        if one_story(n, prose_lines[a], prose_lines[b]):
            stories.join(a, b)
    return {pid: stories.find(pid) for pid in prose_lines}


def build_profile(pages: Mapping[str, Iterable[tuple[str, bool]]]) -> SiteProfile:
    """``pages``: page id -> (fingerprint, is_plain_prose) for each of its lines, where
    is_plain_prose marks long third-person sentences that do not speak of the outlet.

    Pages that share most of their plain prose are one story (``story_of``) and count once;
    then each fingerprint counts the stories it occurs in. (The warehouse computes the same
    from its stored lines without holding them: `Articles.sites_prose`, `sites_recurring`.)"""
    fps_by_page: dict[str, set[str]] = {}
    prose_by_page: dict[str, set[str]] = {}
    for pid, rows in pages.items():
        rows = list(rows)
        fps_by_page[pid] = {fp for fp, _ in rows}
        prose_by_page[pid] = {fp for fp, prose in rows if prose}
    story = story_of({pid: len(fps) for pid, fps in prose_by_page.items()}, _shared_prose(prose_by_page))
    groups: dict[str, set[str]] = defaultdict(set)
    for pid, fps in fps_by_page.items():
        groups[story[pid]] |= fps
    counts: Counter = Counter(fp for fps in groups.values() for fp in fps)
    # only what recurs is kept (all that `recurring` and `strip_site_furniture` ask about): a
    # large site's profile is its furniture, not every line it ever printed
    recurs = {fp: n for fp, n in counts.items() if n >= MIN_PAGES}
    plain = frozenset(fp for fps in prose_by_page.values() for fp in fps if fp in recurs)
    return SiteProfile(pages=len(groups), counts=recurs, plain=plain)


@dataclass(frozen=True)
class SiteCleanResult:
    text: str
    removed: tuple[str, ...]


def strip_site_furniture(text: str, profile: SiteProfile) -> SiteCleanResult:
    """Remove the lines of ``text`` that the site's profile marks as its furniture."""
    lines = body_lines(text)
    if profile.pages < 2 or not lines:
        return SiteCleanResult("\n".join(lines), ())
    drop = [False] * len(lines)
    for i, line in enumerate(lines):
        if not profile.recurring(fingerprint(line)):
            continue
        if is_prose(line) and fingerprint(line) in profile.plain:
            continue  # a standing paragraph of reporting: content
        drop[i] = True
    # a rail: after a dropped recurring line in the last part of the body, headline-like lines go too
    tail_start = int(len(lines) * 0.6)
    in_rail = False
    for i in range(tail_start, len(lines)):
        if drop[i]:
            in_rail = True
        elif in_rail and not _SENTENCE_END.search(lines[i]) and len(lines[i].split()) <= 20:
            drop[i] = True
        else:
            in_rail = False
    if all(drop):  # never empty a page: a site whose pages are all alike teaches nothing
        return SiteCleanResult("\n".join(lines), ())
    kept = [ln for ln, d in zip(lines, drop) if not d]
    return SiteCleanResult("\n".join(kept), tuple(ln for ln, d in zip(lines, drop) if d))


def speaks_of_outlet(line: str, names: Iterable[str]) -> bool:
    """A line whose subject is the outlet itself ("Acme is a family firm building ...", "The
    Daily Ledger has covered ..."): it starts with one of the outlet's names (spaced or not:
    "Acme Oak" for acmeoak.com), or with the first word of one (four letters or more)."""
    words = [w.lower() for w in _WORD.findall(line)[:10]]
    while words and words[0] in _LEAD_WORDS:
        words = words[1:]
    if not words:
        return False
    for name in names:
        name_words = [w.lower() for w in _WORD.findall(name or "")]
        while name_words and name_words[0] in _LEAD_WORDS:
            name_words = name_words[1:]
        squashed = "".join(name_words)
        if len(squashed) < 3:
            continue
        joined = "".join(words[:len(name_words)]), "".join(words[:2]), "".join(words[:3])
        if squashed in joined or len(words[0]) >= 4 and words[0] == name_words[0]:
            return True
    return False


def line_rows(text: str, names: Iterable[str] = ()) -> list[tuple[str, bool]]:
    """(fingerprint, is_plain_prose) per distinct line: what the warehouse stores per page.
    ``names``: the names the outlet goes by (``ExtractedArticle.outlet_names``); a line that
    speaks of the outlet is not plain prose (a standing self-description is furniture)."""
    names = tuple(n for n in names if n)
    return [(fp, is_prose(line) and not reads_like_furniture(line) and not speaks_of_outlet(line, names))
            for fp, line in page_fingerprints(text).items()]
