"""extractors/prune.py: trafilatura's pruning expressions selected in Python must select exactly
what trafilatura's own XPath expressions select (same elements, same order), in every case."""

from __future__ import annotations

import gzip
from pathlib import Path

import lxml.html
import pytest
import trafilatura
from trafilatura import xpaths

from extractors import prune
from extractors.body import FIRST_OPTIONS, SECOND_OPTIONS

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _selectors() -> list[prune.Selector]:
    prune.install()
    return [e for name in prune._LISTS for e in getattr(xpaths, name) if isinstance(e, prune.Selector)]


def test_every_expression_of_the_installed_trafilatura_is_replaced():
    """All six shapes are found in the trafilatura this project pins: a trafilatura whose
    expressions changed keeps its own (correct, slower), and this test says so."""
    sels = _selectors()
    assert sorted(prune.shape(s.path)[0] for s in sels) == sorted(prune.SELECTORS)
    assert prune.install() == [prune.shape(s.path)[0] for s in sels]  # idempotent


def test_an_expression_of_another_shape_is_left_alone():
    from lxml.etree import XPath

    other = XPath(".//*[self::div][re:test(@id, 'x') and re:test(@class, 'y')]",
                  namespaces={"re": "http://exslt.org/regular-expressions"})
    assert prune.selector_for(other) is None
    assert prune.selector_for(object()) is None


EDGE_CASES = """<html><body>
<div id="comments" class="x">a</div><div class="x" id="comments">b</div>
<div class="comment-list">c</div><div id="Commentary">d</div><section id="comol">e</section>
<ul id="comments"><li>f</li></ul><ol class="post-comments"><li>g</li></ol><ul class="article-comments">h</ul>
<details class="comment">i</details><!-- a comment --><?pi x?>
<div class="infinite-scroll"><h1>kept: has a headline</h1></div><div class="infinite-scroll">j</div>
<aside id="mvp-post-add-box"><h1>k</h1></aside><section class="elementor-share-buttons x">l</section>
<div role="Navigation">m</div><span role="NAV">n</span><p data-lp-replacement-content="">o</p>
<div data-component="MostPopularStories">p</div><div id="x" class="cookie-bar">q</div>
<div class="cookie-bar" id="x">r</div><div id="cookie" class="x">s</div><p class="share-this">t</p>
<p id="sidebar">u</p><span class="byline">v</span><div class=" ad here">w</div><div class="ad-slot">x</div>
<em class="comments-title">y</em><b id="reply-1">z</b><b class="reply-2" id="q">aa</b><b id="q" class="reply-3">bb</b>
<i id="x" style="visibility: hidden">cc</i><i style="visibility: hidden" id="x">dd</i><i id="hidden-thing">ee</i>
<i style="display:none">ff</i><i style="display: none">gg</i><i id="akismet">hh</i><i class="x hidden">ii</i>
<i class="hide-me">jj</i><i aria-hidden="true">kk</i><i aria-hidden="false">ll</i><i class="">mm</i><i id="">nn</i>
<div><div class="sidebar"><p class="message">nested</p></div></div>
<div><p>x</p><div class="post">first post</div><div class="entry">second</div></div>
<section><div class="x"></div><article itemprop="articleBody">ab</article><div id="articleContent">ac</div></section>
<div class="post-body"><div class="article-body">inner</div></div><div class="FullText">ad</div>
<div id="Main-Content">ae</div><div class="Page-Content">af</div><div id="content">ag</div><div class="text">ah</div>
<div role="main">ai</div><section id="mainbar">aj</section><main>ak</main><main>al</main><article>am</article>
</body></html>"""


@pytest.mark.parametrize("html", [EDGE_CASES], ids=["edge-cases"])
def test_each_selector_selects_what_its_expression_selects(html):
    tree = lxml.html.fromstring(html)
    for el in tree.iter("li"):  # trafilatura's converted trees name lists and items so
        el.tag = "item"
    for sel in _selectors():
        for root in (tree, tree.find("body")):
            assert sel(root) == sel.original(root), prune.shape(sel.path)[0][:60]
    assert any(sel(tree) for sel in _selectors())


def _pages(limit: int) -> list[bytes]:
    files = sorted((CORPORA / "aeb" / "html").glob("*.html.gz"))[:limit] + \
        sorted((CORPORA / "l3s-gn1" / "html").glob("*.html.gz"))[:limit]
    if not files:
        pytest.skip("needs ../shared/corpora (AEB, L3S-GN1)")
    return [gzip.open(f).read() for f in files]


def test_on_real_pages_every_selection_is_the_same(monkeypatch):
    """Inside real extractions (raw trees, cleaned and converted trees, the article's area
    candidates; each option set chipwire or a user's trafilatura uses), each selector returns
    what its expression returns, wherever trafilatura calls it."""
    sels = _selectors()
    compared = set()
    select = prune.Selector.__call__

    def checked(self, tree):
        got = select(self, tree)
        assert got == self.original(tree), prune.shape(self.path)[0][:60]
        compared.add(id(self))
        return got

    monkeypatch.setattr(prune.Selector, "__call__", checked)
    for html in _pages(40):
        for options in (FIRST_OPTIONS, SECOND_OPTIONS, {}, {"favor_precision": True}):
            tree = trafilatura.load_html(html)
            if tree is not None:
                trafilatura.bare_extraction(tree, **options)
    assert compared == {id(s) for s in sels}  # every selector was exercised


def test_extraction_is_the_same_with_trafilaturas_own_expressions():
    _selectors()
    for html in _pages(15):
        fast = trafilatura.extract(html, include_tables=True)
        with prune.stock():
            assert not any(isinstance(e, prune.Selector) for name in prune._LISTS for e in getattr(xpaths, name))
            own = trafilatura.extract(html, include_tables=True)
        assert fast == own
    assert any(isinstance(e, prune.Selector) for e in xpaths.OVERALL_DISCARD_XPATH)  # back after the block
