"""A page's title, author and description, read as ``trafilatura.extract_metadata`` reads them,
at a fraction of the cost.

The costly part of trafilatura's reading is the author when no meta tag names one (most pages
of news aggregators): ``extract_author`` copies the whole tree, prunes the copy with XPath
expressions and searches it with three more; libxml2 evaluates each ``contains`` and each
``re:test`` (a Python call) on every element, about 4-5 ms a page. Here one pass over the page's
own tree applies the same tests to each element (the same regular expressions, the same
attribute comparisons) and leaves out the elements the pruning would remove; where the result
could differ from the copy's (an author candidate that holds a pruned element, whose text the
pruning changes; a ``<rel>`` element, whose text the expressions read), trafilatura's own
``extract_author`` runs. tests/test_article.py pins trafilatura's expressions and compares the
result with ``extract_metadata`` on real pages.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from trafilatura.settings import Document

__all__ = ["page_metadata"]

# trafilatura's AUTHOR_XPATHS (three, tried in turn) and AUTHOR_DISCARD_XPATHS (what its copy of
# the tree is pruned of), as tests on one element; the regular expressions are those of their
# re:test calls (lxml runs them with re.search). tests/test_article.py pins the expressions:
# a trafilatura release that changes them fails there.
_TAGS_0 = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_TAGS_1 = frozenset({"a", "div", "h3", "h4", "p", "span"})
_TAGS_DISCARD = frozenset({"a", "div", "section", "span"})
_CLASS_0 = re.compile("author-?name|AuthorName|authorName")
_ID_1 = re.compile("author|zuozhe|bianji|xiaobian")
_CLASS_1 = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_ID_2 = re.compile("[Aa]uthor")
_CLASS_2 = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
_ID_DISCARD = re.compile("^comments|comment-?list|ProductReviews")
_CLASS_DISCARD = re.compile("^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
                            "article-(?:share|support)|print|category|meta-date|meta-reviewer")


def _author_expression(el, tag: str, cls: str, ident: str) -> int | None:
    """Which of trafilatura's author expressions (0, 1, 2) first selects this element."""
    get = el.get
    if tag == "author" or tag in _TAGS_0 and (
            get("rel") == "author" or ident == "author" or cls == "author" or get("itemprop") == "author name"
            or get("data-testid") in ("AuthorCard", "AuthorURL") or _CLASS_0.search(cls)):
        return 0
    itemprop = get("itemprop") or ""
    if tag in _TAGS_1 and (cls in ("byline", "username", "byl", "BBL") or "author" in itemprop
                           or _ID_1.search(ident) or _CLASS_1.search(cls)):
        return 1
    if "Byline" in (get("data-component") or "") or "author" in itemprop or _ID_2.search(ident) or _CLASS_2.search(cls):
        return 2
    return None


def _discarded(el, tag: str, cls: str, ident: str) -> bool:
    """Selected by trafilatura's AUTHOR_DISCARD_XPATHS (the root excepted: ``.//*``)."""
    if tag in ("time", "figure"):
        return True
    return tag in _TAGS_DISCARD and (
        ident == "comments" or cls in ("comments", "title", "date") or bool(_ID_DISCARD.search(ident))
        or bool(_CLASS_DISCARD.search(cls)) or "Figure" in (el.get("data-component") or ""))


def _scan(tree: HtmlElement) -> tuple[list[list], set]:
    """One pass over the page: each author expression's elements (document order) and the
    elements trafilatura's pruning removes."""
    from lxml.etree import Element

    found: list[list] = [[], [], []]
    pruned = set()
    for el in tree.iter(Element):
        tag, cls, ident = el.tag, el.get("class") or "", el.get("id") or ""
        k = _author_expression(el, tag, cls, ident)
        if k is not None:
            found[k].append(el)
        if el is not tree and _discarded(el, tag, cls, ident):
            pruned.add(el)
    return found, pruned


def _author(tree: HtmlElement) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``, without its copy of the tree: the author
    expressions' matches that the copy's pruning would remove (pruned elements and what they
    hold) are left out; a candidate holding a pruned element (its text would change) sends the
    page to trafilatura's own function."""
    from trafilatura.metadata import extract_author, normalize_authors, trim  # what extract_author uses

    if tree.getparent() is not None or tree.find(".//rel") is not None:
        return extract_author(tree)  # not a whole page, or an element the expressions read the text of
    found, pruned = _scan(tree)
    holds_pruned = {a for el in pruned for a in el.iterancestors()} if pruned else set()
    for results in found:
        for elem in results:
            if elem in pruned or any(a in pruned for a in elem.iterancestors()):
                continue
            if elem in holds_pruned:
                return extract_author(tree)  # the copy's pruning would change its text
            content = trim(" ".join(elem.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def page_metadata(tree: HtmlElement, url: str) -> Document:
    """Title, author and description, read as ``trafilatura.extract_metadata`` reads them (same
    functions, same order, same fallbacks), minus the date (``published`` reads it, source by
    source), the site name (read from og:site_name and JSON-LD only: trafilatura's fallbacks
    guess it from the title) and the categories, tags and licence chipwire does not store: those
    searches cost about 10% of a page's extraction. Keep in step with trafilatura's
    ``metadata.extract_metadata``."""
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title, extract_url

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura guards its JSON-LD reader the same way
        pass
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or _author(tree)
    meta.url = meta.url or extract_url(tree, url)
    meta.clean_and_trim()
    return meta
