"""The passes of the cleaner. Each does one thing, over a ``Page`` (the lines, which are still
alive, and why the others were cut); line families come from ``families.classify``.

Order within one round (``one_pass``): glued widget prefixes, URLs split over two lines, the
top block, the middle of the body, then the bottom block (peeled, then anchored, then what
follows the article's copyright notice) until it stops changing. ``strip_furniture`` runs rounds to a fixed point.
"""

from __future__ import annotations

import re

from .dates import DATE, dateline
from .families import (ANCHORS, ANYWHERE, BOTTOM, EDGE, TOP, LineCtx, classify, closing_notice, related_label, section_tags,
                       tag_list, title_case)
from .headline import matches_title, title_variants
from .patterns import GLUED, SUMMARY, TOC_TOKEN, URL_FRAGMENT, URL_ONLY
from .text import WORD, ends_sentence, ends_with_period, headline_like, is_, list_item, nwords, tokens


_UNSEEN = object()


class Page:
    """``memo``: line families already found, by (line, context, where): one dict for every
    round of one page (a line's family depends on nothing else), so that the rounds and passes
    that look at a line again do not run the family tests again."""

    def __init__(self, lines: list[str], title: str | None, url: str | None, memo: dict | None = None):
        self.lines = lines
        self.memo = {} if memo is None else memo
        self.alive = [True] * len(lines)
        self.removed: dict[int, str] = {}
        self.prefix: dict[int, str] = {}  # glued widget prefix cut off a line
        self.title = title
        self.url = url
        self.ctx = LineCtx(url)
        self.variants = title_variants(title)

    def idx(self) -> list[int]:
        return [i for i, a in enumerate(self.alive) if a]

    def cut(self, i: int, family: str) -> None:
        if self.alive[i]:
            self.alive[i] = False
            self.removed[i] = family

    def family(self, line: str, *wheres: str) -> str | None:
        return self.classify(line, self.ctx, *wheres)

    def classify(self, line: str, ctx: LineCtx, *wheres: str) -> str | None:
        """``families.classify``, each (line, ctx, where) tested once."""
        for where in wheres:
            key = (line, ctx, where)
            fam = self.memo.get(key, _UNSEEN)
            if fam is _UNSEEN:
                fam = self.memo[key] = classify(line, ctx, where)
            if fam is not None:
                return fam
        return None

    def repeats_title(self, line: str) -> bool:
        """An exact repeat of the title (or of one of its parts)."""
        return bool(self.variants) and bool(tokens(line)) and tokens(line) in self.variants


# --- the top block ------------------------------------------------------------------------------


def inferred_title(page: Page, order: list[int]) -> bool:
    """Without a known title: is the first line a headline, as a naive capture puts it?"""
    if len(order) < 2:
        return False
    first, second = page.lines[order[0]], page.lines[order[1]]
    if not headline_like(first, 25) or nwords(first) < 2 or list_item(first):
        return False
    if tokens(first) == tokens(second):
        return True
    return dateline(second) or is_(SUMMARY, second) or (
        len(order) > 2 and section_tags(second) and nwords(second) <= 3 and dateline(page.lines[order[2]])
    )


def _title_at(page: Page, order: list[int], k: int, title_seen: bool) -> bool:
    line = page.lines[order[k]]
    if page.variants and matches_title(line, page.variants, loose=k < 4):
        return True
    if not page.variants and k == 0 and inferred_title(page, order):
        page.variants = title_variants(line)
        return True
    return title_seen and page.repeats_title(line)


def _label_over_title(page: Page, line: str, nxt: str) -> bool:
    """A section label over the headline ("Business")."""
    return (nwords(line) <= 3 and not ends_sentence(line) and not list_item(line) and bool(nxt)
            and bool(page.variants) and matches_title(nxt, page.variants, loose=True))


def _cut_run(page: Page, order: list[int], k: int, family: str, keep_going) -> int:
    """Cut order[k], then the lines after it while ``keep_going(line)``; the next index."""
    page.cut(order[k], family)
    k += 1
    while k < len(order) and keep_going(page.lines[order[k]]):
        page.cut(order[k], family)
        k += 1
    return k


def top(page: Page) -> None:
    """From the first line down, while lines are furniture; stops at the first body line."""
    order = page.idx()
    title_seen = False
    k = 0
    while k < len(order):
        line = page.lines[order[k]]
        nxt = page.lines[order[k + 1]] if k + 1 < len(order) else ""
        if _title_at(page, order, k, title_seen):
            fam = "title"
            title_seen = True
        else:
            fam = page.classify(line, LineCtx(page.url, nxt), TOP)
        if fam is None and _label_over_title(page, line, nxt):
            fam = "section"
        if fam is None and nwords(line) <= 8 and is_(SUMMARY, line):
            k = _cut_run(page, order, k, "summary", list_item)  # a summary box: its label and bullets
            continue
        if fam is None:
            fam = page.family(line, EDGE)
            if fam == "related" and related_label(line):
                k = _cut_run(page, order, k, "related", lambda s: headline_like(s, 25))
                continue
        if fam is None:
            break
        page.cut(order[k], fam)
        k += 1


# --- the middle --------------------------------------------------------------------------------


def _rail_item(page: Page, line: str) -> bool:
    return headline_like(line, 20) and (list_item(line) or nwords(line) <= 16) and page.family(line, EDGE) in (None, "related")


def middle(page: Page) -> None:
    """Only unmistakable single-line widgets, a rail label with the headlines right under it,
    and exact repeats of the title that are not sentences."""
    order = page.idx()
    k = 0
    while k < len(order):
        line = page.lines[order[k]]
        if related_label(line) and k + 1 < len(order) and headline_like(page.lines[order[k + 1]], 20):
            k = _cut_run(page, order, k, "related", lambda s: _rail_item(page, s))
            continue
        fam = page.family(line, ANYWHERE)
        if fam is None and k > 0 and page.repeats_title(line) and not ends_sentence(line):
            fam = "title"
        if fam is not None:
            page.cut(order[k], fam)
        k += 1


# --- the bottom block ------------------------------------------------------------------------------


def _headline_run(page: Page, order: list[int]) -> list[int]:
    """An unintroduced run of Title-Case headline links at the very end, after a finished
    paragraph (a list under a heading or a colon is the article's)."""
    run = []
    for j in reversed(order):
        item = page.lines[j]
        if list_item(item) and 4 <= len(WORD.findall(item)) <= 30 and (title_case(item) or _dated_link(item)):
            run.append(j)
        elif run and dateline(item, strict=True):  # a bare date between dated links
            run.append(j)
        else:
            break
    while run and not list_item(page.lines[run[-1]]):  # the run starts with a link, not a date
        run.pop()
    sentences = sum(1 for j in run if ends_sentence(page.lines[j]) and not page.lines[j].rstrip().endswith("?"))
    if not (2 <= len(run) <= 12 and len(run) < len(order) and sentences * 4 <= len(run)):
        return []
    before = page.lines[order[len(order) - len(run) - 1]].rstrip()
    return run if ends_sentence(before) and not before.endswith(":") else []


def _dated_link(item: str) -> bool:
    """A link with its date after it ("- Mazda fertigt flexibler 4. November 2021"): a related
    list in any language, where Title Case is English's sign."""
    s = item.strip().rstrip(" .)")
    last = None
    for last in DATE.finditer(s):
        pass
    return last is not None and last.end() >= len(s) and last.start() > 0 and not ends_sentence(s[:last.start()].strip())


def _last_line_family(page: Page, order: list[int]) -> str | None:
    i = order[-1]
    line = page.lines[i]
    fam = page.family(line, EDGE, BOTTOM)
    if fam is None and page.repeats_title(line) and not ends_sentence(line):
        fam = "title"
    if fam is None and len(order) >= 2 and tag_list(line) and section_tags(page.lines[order[-2]]):
        page.cut(order[-2], "section")  # the tags under a "Tags:" label
        fam = "section"
    below_cut = any(not page.alive[j] and j in page.removed for j in range(i + 1, len(page.lines)))
    if fam is None and below_cut and nwords(line) <= 3 and not ends_sentence(line) and not list_item(line):
        fam = "section"  # a bare label ("Business") left above a removed block
    return fam


def peel(page: Page) -> bool:
    """Furniture lines off the end, one by one; then, once, a trailing run of headlines."""
    changed = run_done = False
    while len(order := page.idx()) > 1:
        fam = _last_line_family(page, order)
        if fam is None:
            run = [] if run_done else _headline_run(page, order)
            run_done = True
            if not run:
                break
            fam = "related"
            for j in run[1:]:
                page.cut(j, fam)
        page.cut(order[-1], fam)
        changed = True
    return changed


def _compatible(line: str, after_anchor: bool) -> bool:
    """Can this line sit inside a furniture block (below its anchor)?"""
    n = nwords(line)
    if n <= 8 and not ends_with_period(line):
        return True
    if headline_like(line, 25):
        return True
    if list_item(line) and n <= 40:
        return True
    if line.rstrip().endswith("?") and n <= 30:
        return True
    return after_anchor and n <= 30


def _anchor_position(page: Page, order: list[int]) -> int | None:
    """The highest anchor below which every line could be furniture."""
    best = None
    for pos in range(len(order) - 1, 0, -1):
        line = page.lines[order[pos]]
        fam = page.family(line, EDGE)
        if fam in ANCHORS:
            best = pos
        prev = page.lines[order[pos - 1]]
        # the one-line description under a widget's label ("Pick Six Newsletter" / "Get the day's ...")
        after_anchor = nwords(prev) <= 5 and not ends_sentence(prev) and page.family(prev, EDGE) is not None
        if fam is None and not _compatible(line, after_anchor):
            break
    return best


def anchored(page: Page) -> bool:
    """An anchor (a rail label, a comment stub, a share bar ...) takes every line after it, if
    they all look like furniture and are not most of the page."""
    order = page.idx()
    best = _anchor_position(page, order)
    if best is None:
        return False
    tail = order[best:]
    total = sum(nwords(page.lines[j]) for j in order)
    tail_words = sum(nwords(page.lines[j]) for j in tail)
    furniture_words = sum(nwords(page.lines[j]) for j in tail if page.family(page.lines[j], EDGE))
    if tail_words - furniture_words > 0.5 * total:
        return False
    for j in tail:
        page.cut(j, page.family(page.lines[j], EDGE) or "related")
    return True


_TAIL_WORDS, _TAIL_FURNITURE = 0.4, 0.5


def after_notice(page: Page) -> bool:
    """Below the article's copyright notice, what the page shows next: other stories'
    headlines and teasers, share bars, polls. Cut when most of those lines are headlines or
    furniture and they hold under ``_TAIL_WORDS`` of the words (the anchored pass needs every
    line to look like furniture; a teaser's sentence stops it)."""
    order = page.idx()
    total = sum(nwords(page.lines[j]) for j in order)
    for pos in range(len(order) // 3, len(order) - 1):
        notice = page.lines[order[pos]]
        if not closing_notice(notice) or page.family(notice, EDGE) is None:
            continue
        tail = order[pos + 1:]
        shaped = sum(1 for j in tail if headline_like(page.lines[j], 25) or list_item(page.lines[j])
                     or page.family(page.lines[j], EDGE))
        if sum(nwords(page.lines[j]) for j in tail) <= _TAIL_WORDS * total and shaped >= _TAIL_FURNITURE * len(tail):
            page.cut(order[pos], page.family(notice, EDGE))
            for j in tail:
                page.cut(j, page.family(page.lines[j], EDGE) or "related")
            return True
    return False


def bottom(page: Page) -> bool:
    changed = peel(page)
    if len(page.idx()) <= 1:
        return changed
    return anchored(page) or after_notice(page) or changed


# --- line repairs ----------------------------------------------------------------------------------


def glued(page: Page) -> None:
    """A widget token glued onto a line's first word ("ToggleArtificial ...") is cut off it; a
    table of contents' own heading just above it goes too ("What's included?")."""
    for i in page.idx():
        line = page.lines[i]
        m = GLUED.match(line)
        if not m or not line[m.end():].strip():
            continue
        page.prefix[i] = line[: m.end()]
        page.lines[i] = line[m.end():].strip()
        order = page.idx()
        pos = order.index(i)
        if pos > 0 and TOC_TOKEN.match(m.group("tok")):
            prev = page.lines[order[pos - 1]]
            if nwords(prev) <= 6 and not prev.rstrip().endswith((".", ",", ";")):
                page.cut(order[pos - 1], "widget")


def url_fragments(page: Page) -> None:
    """A URL broken over two lines: a bare URL, then the rest of it (no spaces, slug-like)."""
    order = page.idx()
    for a, b in zip(order, order[1:]):
        first, rest = page.lines[a], page.lines[b]
        if not (page.alive[a] and URL_ONLY.match(first) and URL_FRAGMENT.match(rest) and len(rest) <= 100):
            continue
        if (
            (page.url and (first + rest).rstrip("/") == page.url.rstrip("/"))
            or first[-1] in "-/_=&?.%"
            or rest[0] in "-/_=&?.%"
            or re.fullmatch(r"[a-z0-9]+(?:[-/_.][a-z0-9]+)+/?", rest)
        ):
            page.cut(a, "url")
            page.cut(b, "url")


# --- an in-article table of contents ----------------------------------------------------------------

TOC_MIN_ENTRIES = 3  # a run this long of lines repeating later starts is a table of contents (2 under a label)


def _later_start(keys: list[tuple[str, ...]], starts: dict[str, list[int]], j: int, after: int) -> int | None:
    """The one line after ``after`` that starts with line ``j``'s words (equals it, for a
    one-word entry): the section or paragraph line ``j`` links to. None when no line or
    several do (lines repeated down the page are a repeated block, not sections)."""
    entry = keys[j]
    found = [m for m in starts.get(entry[0], ()) if m > after
             and keys[m][:len(entry)] == entry and (len(entry) >= 2 or keys[m] == entry)]
    return found[0] if len(found) == 1 else None


def _toc_run(page: Page, order: list[int], keys: list[tuple[str, ...]], starts: dict[str, list[int]], k: int) -> int:
    """How many lines from ``k`` on are entries pointing, in order, at later lines. An entry
    that repeats its target whole (a heading) must point past the previous target's next line:
    a block of lines repeated whole further down (a weekly plan, a product box) is content."""
    run, last_target = 0, -1
    while k + run < len(order):
        line = page.lines[order[k + run]]
        if not keys[k + run] or nwords(line) > 12 or ends_with_period(line):
            break
        target = _later_start(keys, starts, k + run, max(last_target, k + run))
        if target is None or keys[target] == keys[k + run] and last_target >= 0 and target - last_target < 2:
            break
        run, last_target = run + 1, target
    return run


def toc(page: Page) -> None:
    """Tables of contents and jump-link lists built from the article's own headings or the
    first words of its paragraphs: a run of short lines, each repeating the start of a later
    line, in order. The label above the run ("Contents") goes with it."""
    order = page.idx()
    keys = [tokens(page.lines[i].rstrip(" .…")) for i in order]
    starts: dict[str, list[int]] = {}
    for m, key in enumerate(keys):
        if key:
            starts.setdefault(key[0], []).append(m)
    k = 0
    while k < len(order):
        run = _toc_run(page, order, keys, starts, k)
        labelled = k > 0 and nwords(page.lines[order[k - 1]]) <= 6 and page.family(page.lines[order[k - 1]], EDGE) == "widget"
        if run >= TOC_MIN_ENTRIES or run >= 2 and labelled:
            for j in range(k - labelled, k + run):
                page.cut(order[j], "toc")
            k += run
        else:
            k += 1
