"""Where a page shows its headline: the page's words in order (``PageText``), and the text blocks
right above the article's first paragraph, told apart as a headline, a deck (standfirst) or
furniture (a byline, a date, a caption, a row of links).

Pages built before headings had a meaning (2000s table layouts) show the headline as a block of
bold or large text, a ``<td class="heading">``, sometimes plain text, whose ``<title>`` is the
site's tagline. Such a headline is the nearest block above the first paragraph that is neither
furniture nor a link; the deck, when there is one, is the block right under it, set as a
heading of its own or named so by its class (``dek``, ``standfirst``, ``subhead``, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from .furniture.dates import dateline
from .furniture.families import breadcrumb, credit
from .furniture.text import nwords

_WORDS = re.compile(r"\w+")
_NON_WORDS = re.compile(r"\W+")
_BLOCK_TAGS = frozenset(
    "p div td th tr table tbody thead tfoot h1 h2 h3 h4 h5 h6 li ul ol dl dd dt center blockquote form section"
    " article header footer aside main nav body html figure figcaption pre address fieldset br hr".split())
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_STYLED_CLASS = re.compile(r"head|title|hdr", re.I)
_DECK_CLASS = re.compile(r"dek|deck|standfirst|strap|subhead|subtitle|abstract|summary|intro|teaser", re.I)
_DECK_ONLY_CLASS = re.compile(r"dek|deck|standfirst|strap|subhead|subtitle", re.I)  # never a lead paragraph's
_FURNITURE_CLASS = re.compile(r"cap|credit|photo|pic|img|image|byline|auth|date|time|stamp|posted|crumb|nav|tool"
                              r"|share|menu|tags?\b|source|promo|advert|sponsor|comment|related|login", re.I)
_FURNITURE_TEXT = re.compile(
    r"^(?:by|posted|published|updated|last updated|contributed by|written by|filed|source|photo|image)\b"
    r"|^from (?:our |staff |wire )?(?:correspondent|reporter|staff|agenc|wire|news)"
    r"|©|\bstaff\b|\b(?:reporter|correspondent|writer|agencies|news (?:service|agency)|press (?:trust|association))\b"
    r"|\b(?:associated|united|canadian|australian) press\b|\b\d{4}-\d\d-\d\d\b|\b\d\d?/\d\d?/\d\d(?:\d\d)?\b", re.I)
_PARAGRAPH_END = re.compile(r"[.!?:;…\"'”’)\]]\s*$")
_COPYRIGHT = re.compile(r"©|\bcopyright\b|\ball rights reserved\b", re.I)
_CODE = re.compile(r"[<>{}]|document\.|function\s*\(")  # script written out as text
_INVISIBLE = frozenset({"script", "style", "noscript", "select", "textarea", "title"})
_TEXTS = etree.XPath(".//text()[not(parent::script or parent::style or parent::noscript or parent::title)]",
                     smart_strings=False)
_MARKED_HEADLINE = etree.XPath('boolean(.//*[@itemprop="headline"])')
_CONTAINING = etree.XPath(".//text()[contains(normalize-space(.), $needle)]")
WINDOW_CHARS = 1500  # text above the first paragraph searched for the headline (some 250 words)
WINDOW_BLOCKS = 15
MIN_WORDS, MAX_WORDS = 3, 30
DECK_MAX_WORDS = 40
PLAIN_DECK_WORDS = 20


def tokens(text: str) -> list[str]:
    return _WORDS.findall(text.lower())


@dataclass(frozen=True)
class Block:
    """A run of text sharing one block element: its text, whether a heading tag or a headline
    class sets it apart (``styled``), whether it names itself a deck, whether it is furniture
    (a link, a byline, a date, a caption)."""
    text: str
    styled: bool
    deck_like: bool
    furniture: bool
    first: bool = False  # the first paragraph's own block: a deck when set as one, never the headline

    @property
    def key(self) -> str:
        return " ".join(tokens(self.text))

    def headline_like(self) -> bool:
        n = nwords(self.text)
        return not (self.furniture or self.first) and MIN_WORDS <= n <= MAX_WORDS and not _sentence(self.text)

    def deck_shaped(self) -> bool:
        """Right under the headline: a deck when set as one (a heading, a class naming it), or
        a short plain line that is neither furniture, nor a sentence of prose, nor set off as a
        heading of its own."""
        n = nwords(self.text)
        if self.furniture or not MIN_WORDS <= n <= DECK_MAX_WORDS:
            return False
        return self.deck_like or not self.styled and n <= PLAIN_DECK_WORDS and not _sentence(self.text)


def _sentence(text: str) -> bool:
    """A caption or a sentence of prose ends on a full stop; a headline does not."""
    s = text.rstrip(" '\"’”")
    return s.endswith(".") and not s.endswith("...")


def first_prose(lines: list[str]) -> str | None:
    """The article's first paragraph: its first line of prose (ten words or more, a third of
    them in lower case, ending as a sentence ends unless long; not a sentence-case headline,
    not a table row of links an extraction kept, not a copyright line)."""
    return next((line for line in lines[:60] if "|" not in line and _prose(line)), None)


def _prose(line: str) -> bool:
    words = _WORDS.findall(line)
    return len(words) >= 10 and 3 * sum(w.islower() for w in words) >= len(words) \
        and (len(words) >= 25 or bool(_PARAGRAPH_END.search(line))) and not _COPYRIGHT.search(line)


class PageText:
    """The page's visible words, lower-cased, to find where a candidate title stands (read from
    the tree on first use only: most pages never need them), and the text blocks around the
    article's first paragraph, found by walking the tree from it."""

    def __init__(self, tree: HtmlElement):
        body = tree.find("body") if tree.tag == "html" else None
        self._tree = body if body is not None else tree  # a page parsed as a fragment has no <body>
        self._joined: str | None = None
        self._first: dict[str, tuple | None] = {}  # first paragraph's line -> its text's position

    @property
    def joined(self) -> str:
        if self._joined is None:
            nodes = _TEXTS(self._tree)[:20000]
            self._joined = " " + _NON_WORDS.sub(" ", " ".join(nodes).lower()).strip() + " "  # its words, one space apart
        return self._joined

    def marks_headline(self) -> bool:
        """Whether an element is marked as the headline (schema.org microdata): the publisher's
        headline, as an og:title or a JSON-LD headline is."""
        return bool(_MARKED_HEADLINE(self._tree))

    def positions(self, text: str) -> list[int]:
        needle = " " + " ".join(tokens(text)) + " "
        out, start = [], self.joined.find(needle)
        while start >= 0 and len(out) < 50:
            out.append(start)
            start = self.joined.find(needle, start + 1)
        return out

    def body_start(self, lines: list[str]) -> int | None:
        """Where the article's first paragraph (``first_prose``) stands in ``joined``."""
        line = first_prose(lines)
        if line is None:
            return None
        found = self.joined.find(" " + " ".join(tokens(line)[:8]) + " ")
        return found if found >= 0 else None

    def first_paragraph(self, lines: list[str]) -> tuple | None:
        """The position, (element, tail), of a text of the article's first paragraph: the first
        text of the page holding five words of it in a row (tried at a few places in the line:
        markup may cut it)."""
        line = first_prose(lines)
        if line is None:
            return None
        if line not in self._first:
            words, found = line.split(), None
            for at in range(0, min(len(words) - 4, 16), 5):
                hits = _CONTAINING(self._tree, needle=" ".join(words[at:at + 5]))
                if hits:
                    found = (hits[0].getparent(), hits[0].is_tail)
                    break
            self._first[line] = found
        return self._first[line]

    def blocks_above(self, start: tuple) -> list[Block]:
        """The text blocks above the first paragraph (whose text is at ``start``), nearest
        first, within ``WINDOW_BLOCKS`` blocks and ``WINDOW_CHARS`` characters; led by that
        paragraph's own block when it is set as a deck (the extraction kept the deck as text)."""
        first = _make_block(_line(_walk(*start, forward=True))[::-1], first=True)
        out: list[Block] = [first] if first.deck_like else []
        parts, chars, in_first = [], 0, True
        for text, el, tail, broke in _walk(*start, forward=False):
            if broke:
                if parts and not in_first:  # text before the first paragraph in its line: a dateline
                    out.append(_make_block(parts))
                parts, in_first = [], False
                if len(out) >= WINDOW_BLOCKS or chars > WINDOW_CHARS:
                    return out
            if not text.isspace():
                parts.append((text, _chain(el, tail)))
                chars += len(text)
        if parts and not in_first and len(out) < WINDOW_BLOCKS:
            out.append(_make_block(parts))
        return out


def _line(steps) -> list[tuple[str, tuple]]:
    """The texts of a walk up to its first line break after its first text, with their
    elements' chains."""
    parts: list = []
    for text, el, tail, broke in steps:
        if broke and parts:
            break
        if not text.isspace():
            parts.append((text, _chain(el, tail)))
    return parts


def _walk(el: HtmlElement, tail: bool, forward: bool):
    """The page's texts from the position (``el``, its ``tail`` or its text) on, in document
    order or against it, as (text, element, tail, broke): ``broke`` when a ``<br>`` or a block
    element's edge lies between that text and the one before. The position's own text comes
    first when walking forward; the walk stays inside ``<body>`` and skips scripts and styles."""
    broke = False
    if forward:
        own = el.tail if tail else (el.text if _visible(el) else None)
        if own:
            yield own, el, tail, False
    for _ in range(6000):
        el, tail, crossed = _step(el, tail, forward)
        if el is None:
            return
        broke = broke or crossed
        text = el.tail if tail else (el.text if _visible(el) else None)
        if text:
            yield text, el, tail, broke
            broke = False


def _step(el: HtmlElement, tail: bool, forward: bool) -> tuple:
    """The next text position, and whether a block element's tag was crossed to reach it."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if forward:
        if not tail and len(el) and _visible(el):  # into the first child
            child = el[0]
            return child, False, isinstance(child.tag, str) and child.tag in _BLOCK_TAGS
        if not tail:  # out through el's end tag
            return el, True, tag in _BLOCK_TAGS
        nxt = el.getnext()
        if nxt is not None:
            return nxt, False, isinstance(nxt.tag, str) and nxt.tag in _BLOCK_TAGS
        parent = el.getparent()
        return (None, False, False) if parent is None or parent.tag == "body" else (parent, True, parent.tag in _BLOCK_TAGS)
    if tail:  # back in through el's end tag
        if len(el) and _visible(el):
            return el[-1], True, tag in _BLOCK_TAGS
        return el, False, tag in _BLOCK_TAGS
    prev = el.getprevious()  # back out through el's start tag
    if prev is not None:
        return prev, True, tag in _BLOCK_TAGS
    parent = el.getparent()
    return (None, False, False) if parent is None or parent.tag == "body" else (parent, False, tag in _BLOCK_TAGS)


def _visible(el: HtmlElement) -> bool:
    return isinstance(el.tag, str) and el.tag not in _INVISIBLE


def _chain(el: HtmlElement, tail: bool) -> tuple[HtmlElement, ...]:
    """The elements from a text's own up to its block element (the nearest block-level)."""
    if tail:
        el = el.getparent()
    chain = []
    while el is not None:
        chain.append(el)
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            break
        el = el.getparent()
    return tuple(chain)


def _make_block(parts: list[tuple[str, tuple]], first: bool = False) -> Block:
    """A block from its text nodes, nearest the first paragraph first; ``first``: the first
    paragraph's own block, a deck only when a heading or a class names it one (an ``intro``
    or ``summary`` class there is the lead paragraph's)."""
    parts.reverse()
    text = " ".join(" ".join(p for p, _ in parts).split())
    linked = sum(len(p) for p, chain in parts if any(el.tag == "a" for el in chain))
    elements = {id(el): el for _, chain in parts for el in chain}.values()
    heading = any(el.tag in _HEADING_TAGS for el in elements)
    if 2 * linked > len(text) and not heading:  # a link (most blocks above an article: menus)
        return Block(text, False, False, True, first)
    classes = " ".join(el.get("class") or "" for el in elements)
    styled = heading or _bold(elements) or bool(_STYLED_CLASS.search(classes))
    furniture = (2 * linked > len(text) and not heading) or bool(_FURNITURE_CLASS.search(classes)) \
        or bool(_FURNITURE_TEXT.search(text) or _CODE.search(text)) or dateline(text) or dateline(text, strict=True) \
        or credit(text) or breadcrumb(text)  # "Illustration: A. Name/Axios", "Start » Film » Geschichte"
    deck_class = _DECK_ONLY_CLASS if first else _DECK_CLASS
    deck_like = (heading and not any(el.tag == "h1" for el in elements)) or bool(deck_class.search(classes))
    return Block(text, styled, deck_like, furniture, first)


def _bold(elements) -> bool:
    for el in elements:
        if el.tag in ("b", "strong", "big"):
            return True
        if el.tag == "font" and re.match(r"\+|[3-7]", (el.get("size") or "").strip()):
            return True
    return False
