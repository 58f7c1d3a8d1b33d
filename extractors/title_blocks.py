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

from lxml.html import HtmlElement

from .furniture.dates import dateline
from .furniture.text import nwords

_WORDS = re.compile(r"\w+")
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


class PageText:
    """The page's visible words, lower-cased, to find where a candidate title stands; read from
    the tree on first use only (most pages never need it: their headline is their h1)."""

    def __init__(self, tree: HtmlElement):
        self._tree = tree
        self._joined: str | None = None
        self._nodes: list = []

    @property
    def joined(self) -> str:
        if self._joined is None:
            self._nodes = self._tree.xpath(
                "//body//text()[not(parent::script or parent::style or parent::noscript)]")[:20000]
            self._joined = " " + " ".join(tokens(" ".join(self._nodes))) + " "
        return self._joined

    def positions(self, text: str) -> list[int]:
        needle = " " + " ".join(tokens(text)) + " "
        out, start = [], self.joined.find(needle)
        while start >= 0 and len(out) < 50:
            out.append(start)
            start = self.joined.find(needle, start + 1)
        return out

    def body_start(self, lines: list[str]) -> int | None:
        """Where the article's first paragraph stands: the first line of prose (ten words or
        more, a third of them in lower case, ending as a sentence ends unless long; not a
        sentence-case headline, not a table row of links an extraction kept, not a copyright
        line)."""
        for line in lines[:40]:
            words = _WORDS.findall(line)
            if len(words) >= 10 and "|" not in line and 3 * sum(w.islower() for w in words) >= len(words) \
                    and (len(words) >= 25 or _PARAGRAPH_END.search(line)) and not _COPYRIGHT.search(line):
                found = self.joined.find(" " + " ".join(w.lower() for w in words[:8]) + " ")
                return found if found >= 0 else None
        return None

    def _node_at(self, position: int) -> int | None:
        """The index of the text node whose words start after ``position`` of ``joined`` (the
        space before a word; each node adds its tokens and one space: the tokens of the joined
        text are the nodes' tokens in order)."""
        offset = 1
        for i, node in enumerate(self._nodes):
            words = tokens(node)
            if words:
                offset += len(" ".join(words)) + 1
                if offset > position + 1:
                    return i
        return None

    def blocks_above(self, position: int) -> list[Block]:
        """The text blocks above the first paragraph (which starts at ``position``), nearest
        first, within ``WINDOW_BLOCKS`` blocks and ``WINDOW_CHARS`` characters; led by that
        paragraph's own block when it is set as a deck (the extraction kept the deck as text)."""
        index = self._node_at(position)
        if index is None:
            return []
        first = self._first_block(index)
        out: list[Block] = [first] if first.deck_like else []
        current, parts, chars = _block_of(self._nodes[index])[0], [], 0
        for node in reversed(self._nodes[max(0, index - 400):index]):
            block, chain = _block_of(node)
            if block is not current:
                if parts and current is not None and not _is_first_paragraph(out, current, self._nodes[index]):
                    out.append(_make_block(parts))
                current, parts = block, []
                if len(out) >= WINDOW_BLOCKS or chars > WINDOW_CHARS:
                    break
            if node.strip():
                parts.append((str(node), chain))
                chars += len(node)
        if parts and current is not None and len(out) < WINDOW_BLOCKS:
            out.append(_make_block(parts))
        return out


    def _first_block(self, index: int) -> Block:
        key, parts = _block_of(self._nodes[index])[0], []
        for node in self._nodes[index:index + 30]:
            block, chain = _block_of(node)
            if block is not key:
                break
            parts.append((str(node), chain))
        parts.reverse()  # _make_block takes them nearest first
        return _make_block(parts, first=True)


def _is_first_paragraph(out: list[Block], block: HtmlElement, first: object) -> bool:
    """Text before the first paragraph's words in its own block (a dateline) is not a block above."""
    return not [b for b in out if not b.first] and block is _block_of(first)[0]


def _block_of(node) -> tuple[HtmlElement | None, tuple[HtmlElement, ...]]:
    """A text node's block (the block element holding it; for text after a ``<br>`` or after a
    block element inside another, that element: a line of its own) and the elements from the
    node's own up to its block element."""
    el = node.getparent()
    key = None
    if el is not None and node.is_tail:
        key = el if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS else None
        el = el.getparent()
    chain = []
    while el is not None:
        chain.append(el)
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            return key if key is not None else el, tuple(chain)
        el = el.getparent()
    return key, tuple(chain)


def _make_block(parts: list[tuple[str, tuple]], first: bool = False) -> Block:
    """A block from its text nodes, nearest the first paragraph first; ``first``: the first
    paragraph's own block, a deck only when a heading or a class names it one (an ``intro``
    or ``summary`` class there is the lead paragraph's)."""
    parts.reverse()
    text = re.sub(r"\s+", " ", " ".join(p for p, _ in parts)).strip()
    linked = sum(len(p) for p, chain in parts if any(el.tag == "a" for el in chain))
    elements = {id(el): el for _, chain in parts for el in chain}.values()
    heading = any(el.tag in _HEADING_TAGS for el in elements)
    classes = " ".join(el.get("class") or "" for el in elements)
    styled = heading or _bold(elements) or bool(_STYLED_CLASS.search(classes))
    furniture = (2 * linked > len(text) and not heading) or bool(_FURNITURE_CLASS.search(classes)) \
        or bool(_FURNITURE_TEXT.search(text) or _CODE.search(text)) or dateline(text) or dateline(text, strict=True)
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
