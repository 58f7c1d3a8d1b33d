"""trafilatura's pruning expressions and its candidates for the article's area (BODY_XPATH),
selected in Python instead of by libxml2's XPath engine.

trafilatura drops boilerplate by evaluating a few XPath expressions over a page's tree, such as

    .//*[self::div or self::section or self::aside][re:test(@id, '...') or re:test(@class, '...')]

libxml2 evaluates every predicate on every element: the three largest cost 1.1-1.2 ms a page
each, a third of trafilatura's own run inside chipwire (py-spy, `stage_costs.py`). The same
selection in Python is lxml's C-level tag filter (`iterdescendants(*tags)`) followed by the
same regular expressions on the attributes, in document order: ~3 x faster, and the same
elements (a test compares each selector with trafilatura's own expression on real pages and on
edge cases, and the extraction's output is identical on all 802 pages of AEB and L3S-GN1).

Why not a different XPath: written with native `contains` and `starts-with` instead of
`re:test` callbacks, the expression costs the same (the per-element predicate evaluation is
the cost, not the regular expressions).

Each selector replaces, in trafilatura's own lists (`trafilatura.xpaths`), only an expression
whose text has exactly the shape it was written for (TEMPLATES: the expression with its regular
expressions cut out, whitespace collapsed); the regular expressions themselves are read from
trafilatura's text. A trafilatura whose expressions differ keeps its own: slower, never
different. `install()` says which it replaced.

XPath details kept: `.//*` is the element's descendants (elements only, not itself); a missing
attribute is the empty string; `re:test(@id|@class, p)` tests the first of the two attributes
in the element's attribute order (lxml passes a node-set's first node); `@a` alone is true when
the attribute exists, even empty.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator

from lxml import etree

_RE_TEST = re.compile(r"re:test\(([@\w|-]+), '([^']*)'\)")

# expression shape (regular expressions cut out as {}) -> tags (None: every element), and the
# test of one element given the compiled regular expressions in the order they appear
RAW_PRUNE_ADS = (".//*[self::div or self::section or self::aside][ re:test(@id, '{}') or re:test(@class, '{}')][ "
                 "not(.//h1) or re:test(@id, '{}') or re:test(@class, '{}')]")
RAW_PRUNE_SHARE = ".//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]"
COMMENTS_AND_LISTS = (".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][ "
                      "re:test(@id, '{}') or re:test(@class, '{}')][ not(self::ol or self::ul) or "
                      "re:test(@id, '{}') or re:test(@class, '{}')]")
COMMENTS = (".//*[self::div or self::list or self::section or self::details][ re:test(@id, '{}') or "
            "re:test(@class, '{}')]")
DISCARD_SECTIONS = (".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
                    "@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
                    "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, '{}') or "
                    "re:test(@id, '{}') or re:test(@class, '{}')]")
# the candidates for the article's area, tried in order (trafilatura's BODY_XPATH; only its
# first element is used, but the selectors return what the expressions return)
BODY_NAMED = (".//*[self::article or self::div or self::main or self::section][ @class='post' or @class='entry' or "
              "@itemprop='articleBody' or @id='articleContent' or re:test(@id, '{}') or re:test(@class, '{}') ][1]")
BODY_ARTICLE = "(.//article)[1]"
BODY_STORY = ("(.//*[self::article or self::div or self::main or self::section][ @role='article' or @id='article' or "
              "@id='story' or @class='postarea' or @class='art-postcontent' or @class='text' or @class='cell' or "
              "@class='story' or re:test(@id, '{}') or re:test(@class, 'fulltext', 'i') or re:test(@class, '{}') ])[1]")
BODY_CONTENT = ("(.//*[self::article or self::div or self::main or self::section][ @id='content' or @class='content' or "
                "re:test(@id, '{}') or re:test(@class, '{}') or contains(translate(@id, 'CM','cm'), 'main-content') or "
                "contains(translate(@class, 'CM','cm'), 'main-content') or contains(translate(@class, 'CP','cp'), "
                "'page-content') ])[1]")
BODY_MAIN = ("(.//*[self::article or self::div or self::section][ starts-with(@class, 'main') or starts-with(@id, 'main') "
             "or starts-with(@role, 'main')])[1]|(.//main)[1]")
DISCARD_HIDDEN = (".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or re:test(@id|@style, '{}') or "
                  "contains(@style, 'display:none') or contains(@style, 'display: none') or re:test(@id, '{}') or "
                  "re:test(@class, '{}') or @aria-hidden='true']")


def _first(el, a: str, b: str) -> str:
    """The string value of the node-set @a|@b: the first of the two in attribute order."""
    for name, value in el.items():
        if name == a or name == b:
            return value
    return ""


def _raw_prune_ads(el, r) -> bool:
    i, c = el.get("id") or "", el.get("class") or ""
    return bool((r[0].search(i) or r[1].search(c))
                and (el.find(".//h1") is None or r[2].search(i) or r[3].search(c)))


def _raw_prune_share(el, r) -> bool:
    return "elementor-share-buttons" in (el.get("class") or "")


def _comments_and_lists(el, r) -> bool:
    i, c = el.get("id") or "", el.get("class") or ""
    return bool((r[0].search(i) or r[1].search(c))
                and (el.tag not in ("ol", "ul") or r[2].search(i) or r[3].search(c)))


def _comments(el, r) -> bool:
    return bool(r[0].search(el.get("id") or "") or r[1].search(el.get("class") or ""))


def _discard_sections(el, r) -> bool:
    a = el.attrib
    if not a:
        return False
    return bool("data-lp-replacement-content" in a or "nav" in (a.get("role") or "").replace("N", "n")
                or "MostPopularStories" in (a.get("data-component") or "")
                or r[0].search(_first(el, "id", "class")) or r[1].search(a.get("id") or "")
                or r[2].search(a.get("class") or ""))


def _discard_hidden(el, r) -> bool:
    a = el.attrib
    if not a:
        return False
    style = a.get("style") or ""
    return bool(a.get("class") == "comments-title" or _first(el, "id", "class").startswith("reply-")
                or r[0].search(_first(el, "id", "style")) or "display:none" in style or "display: none" in style
                or r[1].search(a.get("id") or "") or r[2].search(a.get("class") or "")
                or a.get("aria-hidden") == "true")


# trafilatura.xpaths' lists that hold expressions of these shapes
_LISTS = ("RAW_TREE_PRUNE_XPATH", "REMOVE_COMMENTS_AND_LISTS_XPATH", "REMOVE_COMMENTS_XPATH", "OVERALL_DISCARD_XPATH",
          "BODY_XPATH")
_ELEMENTS = (etree.Element,)  # iterdescendants' filter for "every element" (no comments or PIs)
_FULLTEXT = re.compile("fulltext", re.I)


def _body_named(el, r) -> bool:
    a = el.attrib
    c = a.get("class")
    return bool(c == "post" or c == "entry" or a.get("itemprop") == "articleBody" or a.get("id") == "articleContent"
                or r[0].search(a.get("id") or "") or r[1].search(c or ""))


def _body_story(el, r) -> bool:
    a = el.attrib
    i, c = a.get("id"), a.get("class")
    return bool(a.get("role") == "article" or i in ("article", "story")
                or c in ("postarea", "art-postcontent", "text", "cell", "story")
                or r[0].search(i or "") or _FULLTEXT.search(c or "") or r[1].search(c or ""))


def _body_content(el, r) -> bool:
    i, c = el.get("id") or "", el.get("class") or ""
    return bool(i == "content" or c == "content" or r[0].search(i) or r[1].search(c)
                or "main-content" in i.replace("C", "c").replace("M", "m")
                or "main-content" in c.replace("C", "c").replace("M", "m")
                or "page-content" in c.replace("C", "c").replace("P", "p"))


def _any(el, r) -> bool:
    return True


def _body_main(tree, r) -> list:
    """(first article/div/section whose class, id or role starts with 'main') | (first main)."""
    found, area, main = [], None, None
    for el in tree.iterdescendants("article", "div", "section", "main"):
        if el.tag == "main":
            if main is None:
                main = el
                found.append(el)
        elif area is None and ((el.get("class") or "").startswith("main") or (el.get("id") or "").startswith("main")
                               or (el.get("role") or "").startswith("main")):
            area = el
            found.append(el)
        if area is not None and main is not None:
            break
    return found


# shape -> (tags, test, mode); mode "all": every match; "first": the first match in document
# order ("(...)[1]"); "first-among-siblings": a match no earlier sibling matches ("...[cond][1]");
# "custom": the test is the whole selection
SELECTORS: dict[str, tuple[tuple | None, Callable, str]] = {
    RAW_PRUNE_ADS: (("div", "section", "aside"), _raw_prune_ads, "all"),
    RAW_PRUNE_SHARE: (("div", "section", "aside"), _raw_prune_share, "all"),
    COMMENTS_AND_LISTS: (("div", "list", "section", "details", "ol", "ul"), _comments_and_lists, "all"),
    COMMENTS: (("div", "list", "section", "details"), _comments, "all"),
    DISCARD_SECTIONS: (("div", "item", "list", "p", "section", "span"), _discard_sections, "all"),
    DISCARD_HIDDEN: (None, _discard_hidden, "all"),
    BODY_NAMED: (("article", "div", "main", "section"), _body_named, "first-among-siblings"),
    BODY_ARTICLE: (("article",), _any, "first"),
    BODY_STORY: (("article", "div", "main", "section"), _body_story, "first"),
    BODY_CONTENT: (("article", "div", "main", "section"), _body_content, "first"),
    BODY_MAIN: (None, _body_main, "custom"),
}


def shape(path: str) -> tuple[str, list[str]]:
    """An XPath expression's text with its re:test patterns cut out (whitespace collapsed), and
    the patterns in order."""
    patterns = [m.group(2) for m in _RE_TEST.finditer(path)]
    cut = _RE_TEST.sub(lambda m: f"re:test({m.group(1)}, '{{}}')", path)
    return " ".join(cut.split()), patterns


class Selector:
    """Called like a compiled XPath on an element: its matching descendants in document order."""

    def __init__(self, original: etree.XPath, tags: tuple | None, test: Callable, mode: str, patterns: Iterable[str]):
        self.original = original
        self.path = original.path
        self._tags = tags or _ELEMENTS
        self._test = test
        self._mode = mode
        self._regexes = [re.compile(p) for p in patterns]

    def __call__(self, tree) -> list:
        test, r = self._test, self._regexes
        if self._mode == "custom":
            return test(tree, r)
        found = (el for el in tree.iterdescendants(*self._tags) if test(el, r))
        if self._mode == "first":
            first = next(found, None)
            return [] if first is None else [first]
        if self._mode == "first-among-siblings":
            return [el for el in found if not any(test(s, r) for s in el.itersiblings(*self._tags, preceding=True))]
        return list(found)


def selector_for(xpath) -> Selector | None:
    """The Python selector equal to a trafilatura expression, or None for one of another shape."""
    path = getattr(xpath, "path", None)
    if not isinstance(path, str):
        return None
    cut, patterns = shape(path)
    known = SELECTORS.get(cut)
    return Selector(xpath, *known, patterns) if known else None


def install() -> list[str]:
    """Put the selectors in place of the expressions they equal in trafilatura's lists (once;
    idempotent). Returns the shapes installed."""
    done = []
    for exprs, k, expr in _entries():  # replaced in place: trafilatura's modules share these lists
        sel = expr if isinstance(expr, Selector) else selector_for(expr)
        if sel is not None:
            exprs[k] = sel
            done.append(shape(sel.path)[0])
    return done


def _entries() -> Iterator[tuple[list, int, object]]:
    """(list, index, expression) of every entry of trafilatura's lists that _LISTS names."""
    from trafilatura import xpaths

    for name in _LISTS:
        exprs = getattr(xpaths, name, None)
        for k, expr in enumerate(exprs if isinstance(exprs, list) else ()):
            yield exprs, k, expr


@contextlib.contextmanager
def stock() -> Iterator[None]:
    """trafilatura's own expressions for the block (a benchmark's reference: stock trafilatura),
    the selectors again after it."""
    swapped = [(exprs, k, expr) for exprs, k, expr in _entries() if isinstance(expr, Selector)]
    for exprs, k, sel in swapped:
        exprs[k] = sel.original
    try:
        yield
    finally:
        for exprs, k, sel in swapped:
            exprs[k] = sel
