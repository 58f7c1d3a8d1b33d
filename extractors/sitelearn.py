"""Furniture learnt per site: blocks that recur across the pages of one site.

Every stored page contributes the fingerprints of its lines; a site's profile counts on how
many *independent* pages each fingerprint occurs. A line that recurs is furniture when it
reads like furniture, not merely because it repeats:

- short recurring lines (labels, headlines in a rail, "Share", bylines of the desk) go;
- a recurring line of prose goes only when it speaks to the reader or about the site
  (you/we, subscribe, copyright, "is a leading ...", a URL) — a standing background paragraph
  that a site repeats on purpose across a running story is third-person reporting and stays;
- pages that share a prose paragraph (copies, rewrites, a running story) count once, so two
  versions of one story never teach each other that their own sentences are furniture;
- after a removed recurring line in the last part of the body, the headline-like lines that
  follow it (a rail whose headlines change from page to page) go too.

Pure functions: the warehouse keeps the fingerprints, the flows call these.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"’”»)]*\s*$")
_URL = re.compile(r"https?://|www\.|\b[\w.-]+@[\w-]+\.\w+")
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
    return hashlib.blake2b(normalize_line(line).encode("utf-8"), digest_size=8).hexdigest()


def body_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def page_fingerprints(text: str) -> dict[str, str]:
    """fingerprint -> first line with it, for each distinct line of a page."""
    out: dict[str, str] = {}
    for line in body_lines(text):
        if len(normalize_line(line)) >= 2:
            out.setdefault(fingerprint(line), line)
    return out


def reads_like_furniture(line: str) -> bool:
    return bool(_META.search(line.lower()) or _URL.search(line))


def is_prose(line: str) -> bool:
    return len(line.split()) >= LONG_WORDS and bool(_SENTENCE_END.search(line))


@dataclass(frozen=True)
class SiteProfile:
    """How many independent pages of a site each line fingerprint occurs on."""

    pages: int = 0  # independent pages (copies of one story count once)
    counts: Mapping[str, int] = field(default_factory=dict)

    def recurring(self, fp: str) -> bool:
        return self.pages >= 2 and self.counts.get(fp, 0) >= 2


def build_profile(pages: Mapping[str, Iterable[tuple[str, bool]]]) -> SiteProfile:
    """``pages``: page id -> (fingerprint, is_plain_prose) for each of its lines, where
    is_plain_prose marks long third-person sentences (candidates for a shared story).

    Pages that share a plain prose line are one story (a copy, a rewrite, a running story):
    they are merged before counting, unless that line is on more than half of the site's
    pages (then it is the site's own standing text, and says nothing about stories)."""
    ids = list(pages)
    parent = {p: p for p in ids}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    prose_pages: dict[str, list[str]] = defaultdict(list)
    fps_by_page: dict[str, set[str]] = {}
    for pid in ids:
        fps = set()
        for fp, prose in pages[pid]:
            fps.add(fp)
            if prose:
                prose_pages[fp].append(pid)
        fps_by_page[pid] = fps
    limit = max(2, len(ids) // 2)
    for _fp, holders in prose_pages.items():
        if 2 <= len(holders) <= limit:
            root = find(holders[0])
            for other in holders[1:]:
                parent[find(other)] = root
    groups: dict[str, set[str]] = defaultdict(set)
    for pid in ids:
        groups[find(pid)] |= fps_by_page[pid]
    counts: dict[str, int] = defaultdict(int)
    for fps in groups.values():
        for fp in fps:
            counts[fp] += 1
    return SiteProfile(pages=len(groups), counts=dict(counts))


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
        if is_prose(line) and not reads_like_furniture(line):
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


def line_rows(text: str) -> list[tuple[str, bool]]:
    """(fingerprint, is_plain_prose) per distinct line: what the warehouse stores per page."""
    return [(fp, is_prose(line) and not reads_like_furniture(line)) for fp, line in page_fingerprints(text).items()]
