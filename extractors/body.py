"""The article body: trafilatura's extraction, a check that it did not lose the body, and a
second opinion when it did.

The first extraction uses the options chosen on AEB (``fast``, ``favor_recall``: quick, best
there). No fixed option set suits every page: on some the first keeps a menu, a contact box or
a third of the article while trafilatura's default settings (which compare with readability
and jusText) find it all, on others it is the reverse. So the body is *checked*, and only a
lost body costs a second extraction (from the same parsed tree):

- lost: the first yields no article (too short, or only navigation), or it covers less than
  ``LOST_COVERAGE`` of the words of what the page says its article is: its structured
  ``articleBody`` when it has one, else its densest block of prose (the element whose own
  paragraphs hold the most words in sentences, links excluded);
- then the second opinion (trafilatura's defaults) is taken when it is an article and covers
  that reference by ``BETTER_BY`` more than the first (or the first is no article at all);
- a structured body is taken itself when neither extraction covers ``STRUCTURED_COVERAGE`` of
  it (a script-built page whose HTML carries a teaser or half the text). A body read from
  embedded page state (``__NEXT_DATA__`` and the like: the longest prose under a body-like key,
  a guess, unlike JSON-LD's ``articleBody``) must moreover hold ``CONTAINS`` of the extraction's
  words: the fuller text of the same article does, a reader's comment or one section of the
  article does not (trafilatura's evaluation pages: a news site's comment had replaced its
  8,000-character article).

The thresholds were measured on AEB and the ``tune`` part of L3S-GN1 (docs/extraction.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import trafilatura
from lxml.html import HtmlElement

from . import prune
from .errors import ExtractionError

# trafilatura's pruning expressions selected in Python: the same elements, ~3 x faster (prune.py);
# done once per process, before the first extraction, and only where the expressions are the
# ones the selectors were written for
prune.install()

# chosen by measurement on AEB with the furniture cleaner after it: docs/extraction.md
FIRST_OPTIONS = {"include_comments": False, "include_tables": True, "deduplicate": False, "fast": True,
                 "favor_recall": True}
SECOND_OPTIONS = {"include_comments": False, "include_tables": True, "deduplicate": False}
LOST_COVERAGE = 0.5  # the first covers less than this share of the reference's words: lost
BETTER_BY = 0.2  # the second opinion must cover this much more of the reference
STRUCTURED_COVERAGE = 0.5  # below this, the structured body itself is the article
CONTAINS = 0.5  # an embedded-state body must hold this share of the extraction's words to replace it
MIN_REFERENCE_WORDS = 50  # a shorter block of prose says nothing about the article's length
LAYOUT_CELL_WORDS = 25  # a table cell this long holds a paragraph: the table is layout
_WORD = re.compile(r"\w+")
_INLINE = frozenset({"a", "b", "i", "em", "strong", "span", "font", "br", "u", "small", "big", "sup", "sub",
                     "abbr", "cite", "q", "img", "mark", "time"})
_PROSE_TAGS = ("p", "div", "td", "article", "section", "font", "span", "blockquote")


@dataclass(frozen=True)
class Candidate:
    """One reading of the body: ``text`` cleaned, ``problem`` why it is no article (or None)."""

    text: str
    source: str
    problem: str | None = None
    title: str | None = None


def run_trafilatura(tree: HtmlElement, url: str, options: dict) -> str:
    """trafilatura's body text (it works on a copy: the tree can be read again), with layout
    tables turned back into paragraphs."""
    from trafilatura.xml import xmltotxt

    try:
        doc = trafilatura.bare_extraction(tree, url=url, with_metadata=False, **options)
        if doc is None:
            return ""
        if doc.body is not None and doc.body.find(".//table") is not None:
            return (xmltotxt(flatten_layout_tables(doc.body), False) or "").strip()
    except Exception as err:
        raise ExtractionError(f"trafilatura failed: {type(err).__name__}: {err}") from None
    return (doc.text or "").strip()


_BLOCKS = frozenset({"p", "head", "list", "quote", "table", "code"})


def _is_layout(table) -> bool:
    """A table used for page layout, not data: one column, or a cell holding a paragraph."""
    rows = table.findall("row")
    cols = max((len(r.findall("cell")) for r in rows), default=0)
    longest = max((len(" ".join(c.itertext()).split()) for r in rows for c in r.findall("cell")), default=0)
    return cols <= 1 or longest >= LAYOUT_CELL_WORDS


def _cell_blocks(cell) -> list:
    """A layout cell's content as blocks: its block children as they are, its loose text (split
    at line breaks) as paragraphs."""
    from lxml import etree

    out, para = [], etree.Element("p")
    para.text = cell.text
    for child in list(cell):
        if child.tag in _BLOCKS or child.tag == "lb":
            out.append(para)
            para = etree.Element("p")
            para.text = child.tail
            child.tail = None
            if child.tag != "lb":
                out.append(child)
        else:
            para.append(child)
    out.append(para)
    return [b for b in out if b.tag != "p" or "".join(b.itertext()).strip()]


def flatten_layout_tables(body):
    """trafilatura writes a table one row a line, every cell of a row on that line: a layout
    table (old pages set whole articles in them) comes out as the article glued to the menu
    beside it. Such tables become paragraphs again, cell by cell; data tables stay rows."""
    for table in list(body.iter("table")):
        parent = table.getparent()
        if parent is None or table.find("row") is None or not _is_layout(table):
            continue
        blocks = [b for row in table.findall("row") for cell in row.findall("cell") for b in _cell_blocks(cell)]
        at = parent.index(table)
        if not blocks:
            continue
        blocks[-1].tail = table.tail
        parent.remove(table)
        for i, block in enumerate(blocks):
            parent.insert(at + i, block)
    return body


def _own_text(el: HtmlElement) -> tuple[str, int]:
    """An element's own text (its text, its inline children's, the tails) and how many of its
    words are the text of its links (each child's text read once)."""
    parts = [el.text or ""]
    linked = 0
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag in _INLINE:
            text = child.text_content() or ""
            parts.append(text)
            if tag == "a":
                linked += len(text.split())
        parts.append(child.tail or "")
    return " ".join(parts), linked


def prose_block(tree: HtmlElement) -> str:
    """The page's densest block of prose: the element whose own paragraphs (ten words or more,
    links under a third) hold the most words. A reference for the body's size, not the body."""
    blocks: dict[HtmlElement, list[str]] = {}
    for el in tree.iter(*_PROSE_TAGS):
        text, linked = _own_text(el)
        words = len(text.split())
        if words < 10 or linked * 3 > words:
            continue
        holder = el.getparent() if el.tag == "p" and el.getparent() is not None else el
        blocks.setdefault(holder, []).append(text)
    if not blocks:
        return ""
    return "\n".join(max(blocks.values(), key=lambda texts: sum(len(t.split()) for t in texts)))


def _words(text: str) -> Counter:
    return Counter(map(str.lower, _WORD.findall(text)))


def coverage(reference: str | Counter, text: str) -> float:
    """The share of the reference's words (with their counts) that ``text`` holds; the
    reference as text or as its word counts (``_words``: counted once for several texts)."""
    ref = reference if isinstance(reference, Counter) else _words(reference)
    if not ref:
        return 1.0
    got = _words(text)
    return sum((ref & got).values()) / sum(ref.values())


def _reference(tree: HtmlElement, structured_body: str | None) -> str:
    if structured_body:
        return structured_body
    block = prose_block(tree)
    return block if len(block.split()) >= MIN_REFERENCE_WORDS else ""


def choose_body(tree: HtmlElement, url: str, structured_body: str | None, structured_from: str | None,
                read: Callable[[str, str], Candidate]) -> Candidate:
    """The body by the rules in the module's docstring. ``read(raw_text, source)`` cleans an
    extraction and says whether it is an article."""
    first = read(run_trafilatura(tree, url, FIRST_OPTIONS), "html")
    reference = _reference(tree, structured_body)
    reference_words = _words(reference) if reference else None
    first_cover = coverage(reference_words, first.text) if reference else 1.0
    if first.problem is None and first_cover >= LOST_COVERAGE:
        return first
    second = read(run_trafilatura(tree, url, SECOND_OPTIONS), "html-second-opinion")
    best = replace(first, source="html-checked")  # checked, and kept
    if second.problem is None and (
        first.problem is not None or reference and coverage(reference_words, second.text) >= first_cover + BETTER_BY
    ):
        best = second
    if structured_body and coverage(structured_body, best.text if best.problem is None else "") < STRUCTURED_COVERAGE:
        if structured_from == "embedded-json" and best.problem is None and coverage(best.text, structured_body) < CONTAINS:
            return best  # a guess from page state that is another text (a comment, one section): not the article
        structured = read(structured_body, structured_from or "json-ld")
        if structured.problem is None:
            return structured
    return best
