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
_FOLLOWING = etree.XPath("following::text()[position() <= 60]")
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


def first_prose(lines: list[str]) -> list[str] | None:
    """The words (lower-cased) of the article's first paragraph: its first line of prose (ten
    words or more, a third of them in lower case, ending as a sentence ends unless long; not a
    sentence-case headline, not a table row of links an extraction kept, not a copyright line)."""
    for line in lines[:40]:
        words = _WORDS.findall(line)
        if len(words) >= 10 and "|" not in line and 3 * sum(w.islower() for w in words) >= len(words) \
                and (len(words) >= 25 or _PARAGRAPH_END.search(line)) and not _COPYRIGHT.search(line):
            return [w.lower() for w in words]
    return None


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
            self._joined = " " + _NON_WORDS.sub(" ", " ".join(self._nodes).lower()).strip() + " "  # its words, one space apart
        return self._joined

    def positions(self, text: str) -> list[int]:
        needle = " " + " ".join(tokens(text)) + " "
        out, start = [], self.joined.find(needle)
        while start >= 0 and len(out) < 50:
            out.append(start)
            start = self.joined.find(needle, start + 1)
        return out

    def body_start(self, lines: list[str]) -> int | None:
        """Where the article's first paragraph stands (``first_prose``)."""
        words = first_prose(lines)
        if words is None:
            return None
        found = self.joined.find(" " + " ".join(words[:8]) + " ")
        return found if found >= 0 else None

    def deck_under(self, title: str, lines: list[str]) -> Block | None:
        """The block right under the page's ``h1`` that reads ``title`` (the first paragraph's
        block, ``first``, when that comes next), without reading the whole page's text."""
        key = " ".join(tokens(title))
        heading = next((h for h in self._tree.iter("h1") if " ".join(tokens(h.text_content())) == key), None)
        if heading is None:
            return None
        parts, earlier = [], None
        for node in _FOLLOWING(heading):
            chain = _chain(node)
            if earlier is not None and _new_line(earlier, node, chain) and parts:
                break
            if node.strip():
                parts.append((str(node), chain))
                earlier = node
        if not parts:
            return None
        block = _make_block(parts[::-1])
        opening = first_prose(lines)
        if opening and block.key.startswith(" ".join(opening[:8])):
            return _make_block(parts[::-1], first=True)
        return block

    def _node_at(self, position: int) -> int | None:
        """The index of the text node whose words start after ``position`` of ``joined`` (the
        space before a word; each node adds its tokens and one space: the tokens of the joined
        text are the nodes' tokens in order)."""
        offset = 1
        for i, node in enumerate(self._nodes):
            if node.isspace():
                continue
            words = _NON_WORDS.sub(" ", node.lower()).strip()
            if words:
                offset += len(words) + 1
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
        later, parts, chars, in_first = self._nodes[index], [], 0, True
        for node in reversed(self._nodes[max(0, index - 400):index]):
            chain = _chain(node)
            if _new_line(node, later, chain):
                if parts and not in_first:  # text before the first paragraph in its line: a dateline
                    out.append(_make_block(parts))
                parts, in_first = [], False
                if len(out) >= WINDOW_BLOCKS or chars > WINDOW_CHARS:
                    break
            if node.strip():
                parts.append((str(node), chain))
                chars += len(node)
            later = node
        if parts and not in_first and len(out) < WINDOW_BLOCKS:
            out.append(_make_block(parts))
        return out

    def _first_block(self, index: int) -> Block:
        earlier, parts = self._nodes[index], [(str(self._nodes[index]), _chain(self._nodes[index]))]
        for node in self._nodes[index + 1:index + 30]:
            chain = _chain(node)
            if _new_line(earlier, node, chain):
                break
            parts.append((str(node), chain))
            earlier = node
        parts.reverse()  # _make_block takes them nearest first
        return _make_block(parts, first=True)


def _chain(node) -> tuple[HtmlElement, ...]:
    """The elements from a text node's own up to its block element (the nearest block-level)."""
    el = node.getparent()
    if el is not None and node.is_tail:
        el = el.getparent()
    chain = []
    while el is not None:
        chain.append(el)
        if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS:
            break
        el = el.getparent()
    return tuple(chain)


def _new_line(earlier, later, later_chain: tuple) -> bool:
    """Whether two text nodes next to each other in the page are on different lines: in
    different block elements, or with a ``<br>`` or a block element's edge between them."""
    if not later_chain or later_chain[-1] is not _block(earlier):
        return True
    goal = (earlier.getparent(), earlier.is_tail)
    el, tail = later.getparent(), later.is_tail
    for _ in range(60):  # step back in document order from ``later`` to ``earlier``
        if (el, tail) == goal:
            return False
        if el is None:
            return True
        tag = el.tag if isinstance(el.tag, str) else ""
        if tail:  # cross el's end tag
            if tag in _BLOCK_TAGS:
                return True
            el, tail = (el[-1], True) if len(el) else (el, False)
        else:  # cross el's start tag
            if tag in _BLOCK_TAGS:
                return True
            prev = el.getprevious()
            el, tail = (prev, True) if prev is not None else (el.getparent(), False)
    return True


def _block(node) -> HtmlElement | None:
    chain = _chain(node)
    return chain[-1] if chain else None


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
