"""The article's title: the headline as the page shows it, without the outlet's name or a date.

A page's declared title (og:title, JSON-LD headline, ``<title>``) often carries the outlet's name
or a date (``… - WELT``, ``| Börsen-Zeitung``, ``– DW – 05/12/2025``) and sometimes nothing but
the outlet's name or its tagline. The rule:

1. split the declared title on separators (`` | ``, `` - ``, `` – ``, `` :: ``, `` > ``, `` : ``,
   ...) and drop, from either edge, the segments that name the site (its declared names and its
   host, compared without case, accents or punctuation) or are dates; when what is left still
   has several segments and one is a headline among short labels (``Headline - World -
   Sport``), keep that one;
2. a heading of the page (``h1``-``h3``, ``itemprop=headline``, a class naming a headline or a
   title) that says the same is the headline as shown: it is taken as written;
3. when the declared title is missing, is only the site's name, is not text (a broken
   ``<title>`` holding script), or appears nowhere among the page's headings while a heading
   stands right above the article's first paragraph, that heading is the title;
4. on a page that declares no publisher's headline (no og:title, no JSON-LD headline, no
   ``itemprop=headline``: the table layouts of the 2000s), the blocks of text above the first paragraph are read
   (``title_blocks``): the nearest that is a declared title, or a run of one's words (``Clips:
   Headline`` shown as ``Headline``), is the title; when the page shows no declared title at
   all (a tagline), the nearest block set off as a heading; and the deck set right under the
   headline is part of the title. A publisher's headline is taken without its deck.

A title that merely contains the site's name keeps it ("BBC apologises over ..."): only whole
segments at the edges go.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import islice

from lxml.etree import Element
from lxml.html import HtmlElement

from .furniture.dates import dateline
from .furniture.text import CJK_CHARS as _CJK_CHAR, nwords
from .title_blocks import Block, PageText, tokens as _tokens  # one word splitter for titles and blocks

# an underscore or a full-width bar joins the parts of many Chinese and Japanese titles without
# spaces ("标题_新浪科技_新浪网", "標題｜天下雜誌", "标题丨36氪"): always a separator
_SEPARATOR = re.compile(r"\s+[|–—·•»«›‹>:]\s+|\s+-{1,2}\s+|\s+::\s+|\s*[|｜丨]\s*|\s+/\s+"
                        rf"|(?<=[{_CJK_CHAR}])\s*_+\s*|\s*_+\s*(?=[{_CJK_CHAR}])")
# a hyphen, dash or colon next to CJK text, no spaces: the outlet's name ("标题-新华网", "見出し：日本
# 経済新聞"), or the headline's own ("外国专家：中美合作…", "미-중 무역협상"): cut only off a site's name or a date
_CJK_JOIN = re.compile(rf"(?<=[{_CJK_CHAR}])[-–—:：](?=\S)|(?<=\S)[-–—:：](?=[{_CJK_CHAR}])")
_WORDS = re.compile(r"\w+")
_CODE = re.compile(r"[{}<>]|function\s*\(|\bvar\s|document\.|window\.|\w\(\"|;\s*\w+\.\w+")
_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3"})
_NOT_TITLED = frozenset({"html", "body", "head", "title"})  # a class naming a title does not make these headings
_NEAR = 1500  # characters of page text (some 250 words) above the first paragraph: "right above"
MAX_WORDS = 40  # a longer "title" is a sentence, a deck or junk


@functools.lru_cache(maxsize=4096)
def _squash(text: str) -> frozenset[str]:
    """A name compared without case, accents, punctuation or spaces (two spellings of umlauts)."""
    low = text.lower()
    out = set()
    for form in (low, low.translate(_UMLAUT)):
        plain = "".join(c for c in unicodedata.normalize("NFKD", form) if not unicodedata.combining(c))
        out.add(re.sub(r"[\W_]+", "", plain))
    return frozenset(s for s in out if s)


def site_names(names: Iterable[str | None], host: str | None) -> frozenset[str]:
    """The squashed forms by which a page may name its own site: declared names and the host."""
    out: set[str] = set()
    for name in names:
        if name and len(name) <= 80:
            out |= _squash(name)
    host = (host or "").lower().removeprefix("www.")
    if host:
        out |= _squash(host)
        labels = host.split(".")
        country = len(labels) >= 3 and len(labels[-2]) <= 3 and len(labels[-1]) == 2  # bbc.co.uk
        main = labels[-3] if country else labels[-2] if len(labels) >= 2 else labels[0]
        out |= {s for s in _squash(main) if len(s) >= 3}
        out |= _squash(".".join(labels[-3:] if country else labels[-2:]))  # the domain without "news."
    return frozenset(out)


_DOMAIN = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b", re.I)


def name_without_title(name: str | None, titles: Iterable[str | None]) -> str | None:
    """A declared site name that repeats the page's title (``og:site_name`` set to the whole
    ``<title>``, "Headline | Outlet", or to the headline itself) names the site by its other
    parts only, or not at all: else the headline would be read as the site's name and dropped."""
    if not name:
        return name
    keys = {key for key in (" ".join(_tokens(t)) for t in titles if t) if key.count(" ") >= 2}
    parts = [s.strip() for s in _SEPARATOR.split(name) if s and s.strip()]
    kept = [s for s in parts if " ".join(_tokens(s)) not in keys]
    if len(kept) == len(parts):
        return name
    return _rejoin(name, kept) if kept else None


def _is_site(segment: str, names: frozenset[str]) -> bool:
    """A segment that names the site: one of its names, a short segment holding one ("BBC Sport
    Online"), a part of one, or a segment that ends on the site's domain ("... at site.com")."""
    words = len(_WORDS.findall(segment))
    for form in _squash(segment):
        if form in names:
            return True
        for n in names:
            if len(n) >= 4 and (n in form and words <= 4 or form in n and len(form) >= 3):
                return True
    domains = _DOMAIN.findall(segment)
    return words <= 10 and any(f in names for d in domains for f in _squash(d))


def _is_date(segment: str) -> bool:
    return bool(re.fullmatch(r"[\d\s./:-]{6,}", segment.strip())) or dateline(segment, strict=True)


def _nwords(text: str) -> int:
    return nwords(text)  # CJK characters two to a word


def strip_site(title: str, names: frozenset[str]) -> str:
    """Drop the site's name and dates from the edges of a title (rule 1)."""
    stripped = _strip_segments(title, names)
    joins = list(_CJK_JOIN.finditer(stripped))
    if joins:
        last, first = joins[-1], joins[0]
        tail, head = stripped[last.end():].strip(), stripped[:first.start()].strip()
        if tail and (_is_site(tail, names) or _is_date(tail)):
            stripped = stripped[:last.start()].strip()
        elif head and (_is_site(head, names) or _is_date(head)):
            stripped = stripped[first.end():].strip()
    return stripped


def _strip_segments(title: str, names: frozenset[str]) -> str:
    segments = [s.strip() for s in _SEPARATOR.split(title) if s and s.strip()]
    while len(segments) > 1:
        if _is_site(segments[-1], names) or _is_date(segments[-1]):
            segments.pop()
        elif _is_site(segments[0], names) or _is_date(segments[0]):
            segments.pop(0)
        else:
            break
    if len(segments) == 1:
        return segments[0] if segments[0] != title.strip() else title.strip()
    longest = max(segments, key=_nwords)
    if all(_nwords(s) <= 3 for s in segments if s is not longest) and _nwords(longest) >= 4:
        return longest  # "Headline - World - Sport": the headline among section labels
    return _rejoin(title, segments)


def _rejoin(title: str, segments: list[str]) -> str:
    """The part of ``title`` from its first kept segment to its last (separators as written)."""
    start = title.find(segments[0])
    end = title.rfind(segments[-1])
    if start < 0 or end < 0:
        return title.strip()
    return title[start:end + len(segments[-1])].strip()


def _text(el: HtmlElement) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


def clean_declared(title: str | None) -> str | None:
    title = re.sub(r"\s+", " ", title or "").strip()
    return title or None


def heading_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The elements below ``tree`` that may hold a heading, in document order: ``h1``-``h3``,
    ``itemprop=headline``, a class naming a headline, or a title (not on ``html``, ``body``,
    ``head``, ``title``). One pass in Python: the XPath union it replaces
    (``.//h1 | .//h2 | .//h3 | .//*[@itemprop="headline"] | .//*[contains(@class,"headline")] |
    .//*[contains(@class,"title") and not(self::html or ...)]``) tested every element six times."""
    for el in tree.iterdescendants(Element):
        tag = el.tag
        if tag in _HEADING_TAGS:
            yield el
            continue
        cls = el.get("class")
        if (cls is not None and ("headline" in cls or "title" in cls and tag not in _NOT_TITLED)
                or el.get("itemprop") == "headline"):
            yield el


def page_headings(tree: HtmlElement) -> dict[str, tuple[str, int]]:
    """The page's heading-like texts, keyed by their tokens, in page order: (text, rank), rank 2
    for a headline element (``h1``, ``itemprop=headline``, a class naming a headline), 1 for
    other headings (``h2``, ``h3``, a class naming a title)."""
    out: dict[str, tuple[str, int]] = {}
    for el in islice(heading_elements(tree), 80):
        _add_heading(out, el)
    # an h1 past the first 80 (a page whose menus are full of "title" classes) still counts;
    # one already read is read again to the same entry
    for el in tree.iter("h1"):
        _add_heading(out, el)
    return out


def _add_heading(out: dict[str, tuple[str, int]], el: HtmlElement) -> None:
    text = _text(el)
    if not 2 <= _nwords(text) <= MAX_WORDS:
        return
    rank = 2 if el.tag == "h1" or el.get("itemprop") == "headline" or "headline" in (el.get("class") or "") else 1
    key = " ".join(_tokens(text))
    out[key] = (out[key][0], max(rank, out[key][1])) if key in out else (text, rank)


def _usable(title: str | None, names: frozenset[str]) -> bool:
    if not title or _CODE.search(title) or not 2 <= _nwords(title) <= MAX_WORDS:
        return False
    return not _is_site(title, names)


def _candidates(stripped: list[tuple[str, str]], names: frozenset[str]) -> list[str]:
    """Every reading of the declared titles: whole, stripped of the site, and each segment
    (``stripped``: each declared title with its ``strip_site`` reading)."""
    out: list[str] = []
    for title, reading in stripped:
        for cand in (reading, title, *(s.strip() for s in _SEPARATOR.split(title))):
            if cand and _usable(cand, names) and cand not in out:
                out.append(cand)
    return out


def _best_shown(cands: dict[str, tuple[str, bool]], headings: dict[str, tuple[str, int]], page: PageText,
                start: int | None, least: int = 3) -> str | None:
    """The candidate the page shows as its headline, by points: declared (+3), a headline
    element (+2) or another heading (+1), right above the first paragraph (+1), four words or
    more (+1; section labels are shorter). At least ``least`` points; on a tie one above the first
    paragraph, the nearest (else the first on the page), then the longest. A declared title
    the page shows only below the first paragraph's words still counts (a teaser may repeat
    them higher up)."""
    best, best_key = None, None
    for key, (text, declared) in cands.items():
        found = page.positions(text)
        spots = [p for p in found if start is None or p < start] or (found if declared else [])
        if not spots:
            continue
        above = start is not None and spots[-1] < start
        near = above and start - spots[-1] <= _NEAR
        points = 3 * declared + headings.get(key, ("", 0))[1] + near + (_nwords(text) >= 4)
        rank = (points, above, spots[-1] if above else -spots[0], _nwords(text))
        if points >= least and (best_key is None or rank > best_key):
            best, best_key = text, rank
    return best


def _related(text: str, declared: list[str]) -> bool:
    """A heading that rewords a declared title: half its words or more are in one."""
    words = set(_tokens(text))
    return any(len(words & set(_tokens(d))) * 2 >= len(words) for d in declared)


def choose_title(declared: list[str], names: frozenset[str], headings: dict[str, tuple[str, int]],
                 page: PageText | None, body: list[str], with_deck: bool = False) -> str | None:
    """The rules above. ``declared``: the page's declared titles, best first (og:title, JSON-LD
    headline, ``<title>``); ``headings``: ``page_headings``; ``body``: the article's lines as
    extracted, to find the headline standing above its first paragraph; ``with_deck``: the
    page declares no publisher's headline (og:title, JSON-LD; nor does microdata mark one), so
    its blocks are read (rule 4) and a deck under the headline is part of its title."""
    declared = [d for d in (clean_declared(t) for t in declared) if d]
    stripped = [(d, strip_site(d, names)) for d in declared]  # each title with its reading, once
    cands: dict[str, tuple[str, bool]] = {}
    for text in _candidates(stripped, names):
        cands.setdefault(" ".join(_tokens(text)), (text, True))
    # a heading unrelated to the declared titles stands in only for titles that say nothing
    readings = [t for _, t in stripped if _usable(t, names)]
    for key, (text, _rank) in headings.items():
        if _usable(text, names) and (not readings or _related(text, readings)):
            cands.setdefault(key, (text, False))
    # the common case: the declared title is the h1 (then even one that names the site is the
    # headline: "Install Docker Engine", "15 Jahre rete-mirabile.net")
    confirmed = next((shown[0] for shown in (headings.get(" ".join(_tokens(r)))
                                             for r in readings + _named_readings(stripped, names))
                      if shown and shown[1] == 2), None)
    with_deck = with_deck and page is not None and not page.marks_headline()  # microdata names one too
    if page is None or confirmed and not with_deck:
        return confirmed or _last_resort(readings, stripped, names)
    if not with_deck:  # a publisher's headline: the page's blocks are not read
        start = page.body_start(body)
        shown = _best_shown(cands, headings, page, start, 3 if readings else 2)
        if shown is None and start is not None:  # the declared title is nowhere on the page: a
            # headline element right above the article, of four words or more (all 4 points)
            headlines = {key: (text, False) for key, (text, rank) in headings.items() if rank == 2}
            shown = _best_shown(headlines, headings, page, start, 4)
        return shown or _last_resort(readings, stripped, names)
    at = page.first_paragraph(body)
    blocks = page.blocks_above(at) if at is not None else []
    found = _declared_block(blocks, readings, names)
    start = None
    if found is None and not confirmed:
        start = page.body_start(body)
        found = _set_off_block(blocks, [t for t, is_declared in cands.values() if is_declared], names, page, start)
    if found is not None:
        return _with_deck(blocks[found].text, blocks, with_deck)
    if confirmed:
        return _with_deck(confirmed, blocks, with_deck)
    # without a usable declared title, a heading of four words or more will do
    shown = _best_shown(cands, headings, page, start, 3 if readings else 2)
    if shown:
        return _with_deck(shown, blocks, with_deck)
    return _last_resort(readings, stripped, names)


def _named_readings(stripped: list[tuple[str, str]], names: frozenset[str]) -> list[str]:
    """Readings of the declared titles that hold the site's name among other words, so that
    ``_usable`` refuses them; never the bare name. Only from a title that had the site's name
    cut from its edge ("Install Docker Engine | Docker Documentation"): what is left is the
    headline, naming the site. A whole title naming the site ("Financial Times FT.com") is its
    label, and so is the logo's ``h1`` that repeats it. A headline when the page shows it as one."""
    out = []
    for title, reading in stripped:
        if reading and reading != title and not _usable(reading, names) and not _CODE.search(reading) and _nwords(reading) <= MAX_WORDS \
                and len(_own_words(reading, names)) >= 2:  # not "BBC Sport Online", "Axios Future"
            out.append(reading)
    return out


def _own_words(text: str, names: frozenset[str]) -> list[str]:
    """The words of ``text`` that are no part of one of the site's names."""
    return [w for w in _tokens(text) if not any(f in n for f in _squash(w) for n in names)]


def _last_resort(readings: list[str], stripped: list[tuple[str, str]], names: frozenset[str]) -> str | None:
    """The first usable reading of the declared titles; else the first that is not the bare
    site name nor code, of one word too ("Zeitphilosophie"): a page's own word for itself says
    more than no title (the weekly queries drop untitled rows)."""
    if readings:
        return readings[0]
    for _title, reading in stripped:
        if reading and not _squash(reading) & names and not _CODE.search(reading) \
                and 1 <= _nwords(reading) <= MAX_WORDS:
            return reading
    return None


def _declared_block(blocks: list[Block], readings: list[str], names: frozenset[str]) -> int | None:
    """The nearest block above the first paragraph that is a declared title or a run of one's
    words (the title with a section or the site's name around the headline as shown)."""
    spans = [" " + " ".join(_tokens(d)) + " " for d in readings]
    return next((i for i, b in enumerate(blocks)
                 if b.headline_like() and any(" " + b.key + " " in span for span in spans) and _usable(b.text, names)),
                None)


def _set_off_block(blocks: list[Block], declared: list[str], names: frozenset[str], page: PageText,
                   start: int | None) -> int | None:
    """When the page shows no declared title at all (a tagline, a broken ``<title>``): the
    nearest headline-like block above the first paragraph set off as a heading (any
    headline-like block when nothing usable is declared)."""
    if start is None or any(page.positions(d) for d in declared):
        return None
    likely = [i for i, b in enumerate(blocks) if b.headline_like()]
    styled = [i for i in likely if blocks[i].styled]
    return next((i for i in (styled or ([] if declared else likely)) if _usable(blocks[i].text, names)), None)


def _with_deck(title: str, blocks: list[Block], with_deck: bool) -> str:
    """The headline and the deck set right under it, when the page has one and ``with_deck``."""
    if not with_deck:
        return title
    key = " ".join(_tokens(title))
    for i, block in enumerate(blocks):
        if block.key == key:
            return f"{title} {blocks[i - 1].text}" if i > 0 and blocks[i - 1].deck_shaped() else title
    return title
