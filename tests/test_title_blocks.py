"""Titles on pages that declare no publisher's headline (issue 15, class 3): the headline block
above the first paragraph (table layouts, a ``<title>`` that is the site's tagline or is
broken), the deck under it, and pages with og:title that keep the headline alone. The pages
are written here."""

from __future__ import annotations

import re

from lxml.html import document_fromstring, fragment_fromstring

from extractors.article import extract_article
from extractors.title_blocks import PageText, first_prose
from extractors.titles import site_names, strip_site

PARAS = [
    "The regional council voted on Tuesday evening to close the old ferry terminal at the end of the summer, "
    "ending more than sixty years of crossings between the two harbour towns.",
    "Councillors said the terminal needed repairs that would cost far more than the service earned, and that a "
    "new bridge upstream had taken most of the traffic since it opened three years ago.",
    "Residents who still use the ferry every day told the meeting that the bridge added forty minutes to their "
    "journey and asked for a smaller boat to keep running during the morning and evening.",
    "The council agreed to study a reduced timetable and to report back before the terminal closes, although "
    "members warned that the money for a new boat would have to come from elsewhere.",
]
HEADLINE = "Council votes to close ferry terminal"
DECK = "Residents ask for a smaller boat"
TAGLINE = "Harbour Gazette - news from the coast, sport and weather"


def _body() -> str:
    return "".join(f"<p>{p}</p>" for p in PARAS)


def _table_page(head_cell: str, title: str = TAGLINE, head: str = "") -> bytes:
    """A 2000s table layout: a menu, the headline cell, a date, the article."""
    menu = "".join(f"<tr><td><a href='/s{i}'>Section {i}</a></td></tr>" for i in range(6))
    return (f"<html><head><title>{title}</title>{head}</head><body><table>{menu}</table>"
            f"<table><tr><td>{head_cell}</td></tr><tr><td>Tuesday, January 8, 2008</td></tr>"
            f"<tr><td>{_body()}</td></tr></table></body></html>").encode()


def _norm(s: str | None) -> str:
    return re.sub(r"[\W_]+", " ", s or "").strip().lower()


def test_a_bold_headline_cell_beats_a_tagline_title():
    html = _table_page(f"<b><span class='headerText'><b>{HEADLINE}</b></span></b>")
    assert extract_article(html, url="https://www.harbourgazette.example/news/1").title == HEADLINE


def test_a_headline_block_under_a_broken_head():
    # nothing usable is declared: the block right above the first paragraph, past the caption
    html = (f"<html><head><title></title></head><body><div class='menu'><a href='/'>Home</a></div>"
            f"<div class='mxb'><div class='sh'>{HEADLINE}</div></div>"
            f"<div class='cap'>The old terminal seen from the harbour wall</div>{_body()}</body></html>").encode()
    assert extract_article(html, url="https://news.example.org/1").title == HEADLINE


def test_a_section_glued_to_the_declared_title_goes_when_the_page_shows_the_headline_alone():
    html = _table_page(f"<h2>{HEADLINE}</h2>", title=f"Local News: {HEADLINE}")
    assert extract_article(html, url="https://www.harbourgazette.example/news/2").title == HEADLINE


def test_the_deck_under_the_headline_is_part_of_a_dated_page_title():
    html = _table_page(f"<h1>{HEADLINE}</h1><h2>{DECK}</h2>", title=HEADLINE)
    assert extract_article(html, url="https://www.harbourgazette.example/news/3").title == f"{HEADLINE} {DECK}"


def test_a_plain_line_under_the_headline_is_its_deck_but_a_byline_is_not():
    deck = f"<td class='heading'>{HEADLINE}</td></tr><tr><td>{DECK}</td>"
    art = extract_article(_table_page(deck, title=HEADLINE), url="https://www.harbourgazette.example/news/4")
    assert art.title == f"{HEADLINE} {DECK}"
    byline = f"<td class='heading'>{HEADLINE}</td></tr><tr><td>By Jane Rivers, Staff Reporter</td>"
    art = extract_article(_table_page(byline, title=HEADLINE), url="https://www.harbourgazette.example/news/5")
    assert art.title == HEADLINE


def test_a_publishers_headline_keeps_the_deck_out():
    head = f'<meta property="og:title" content="{HEADLINE}">'
    html = _table_page(f"<h1>{HEADLINE}</h1><h2>{DECK}</h2>", title=HEADLINE, head=head)
    assert extract_article(html, url="https://www.harbourgazette.example/news/6").title == HEADLINE


def test_a_headline_and_its_agency_in_one_cell_are_two_lines():
    html = _table_page(f"<div>{HEADLINE}<br><font class='small'>Harbour Press Association</font></div>", title="")
    assert _norm(extract_article(html, url="https://www.harbourgazette.example/news/7").title) == _norm(HEADLINE)


def test_the_first_paragraph_is_prose_not_a_sentence_case_headline_or_a_menu():
    lines = ["| Home | Sport | Weather | Council meetings and local elections in the three harbour towns |",
             "Council votes to close the old ferry terminal at the end of the summer season",
             "© 2008 Harbour Gazette. All rights reserved, reproduction of any part is not allowed.",
             PARAS[0]]
    assert first_prose(lines) == PARAS[0]


def test_the_first_paragraph_is_found_in_a_page_parsed_as_a_fragment():
    tree = fragment_fromstring(f"<div><title>{TAGLINE}</title><b>{HEADLINE}</b>{_body()}</div>")
    text = PageText(tree)
    at = text.first_paragraph([PARAS[0]])
    assert at is not None
    assert [b.text for b in text.blocks_above(at)] == [HEADLINE]
    assert text.positions(TAGLINE) == []  # the fragment's <title> is not page text


def test_the_blocks_above_skip_links_dates_and_captions():
    tree = document_fromstring(
        f"<html><body><ul><li><a href='/a'>Another story about the harbour</a></li></ul>"
        f"<h2>{HEADLINE}</h2><div class='posted'>Posted 8 January 2008</div>"
        f"<div class='caption'>The terminal at dusk</div>{_body()}</body></html>")
    text = PageText(tree)
    blocks = text.blocks_above(text.first_paragraph([PARAS[0]]))
    assert [b.text for b in blocks if b.headline_like()] == [HEADLINE]


def test_the_sites_domain_without_its_first_label_names_the_site():
    names = site_names([], "news.bbc.co.uk")
    assert strip_site("Headline of the day - bbc.co.uk", names) == "Headline of the day"
    assert "bbccouk" in names


def test_a_microdata_headline_keeps_the_deck_out():
    html = _table_page(f"<h1 itemprop='headline'>{HEADLINE}</h1><h2>{DECK}</h2>", title=HEADLINE)
    assert extract_article(html, url="https://www.harbourgazette.example/news/8").title == HEADLINE


def test_heading_elements_are_the_xpath_union_in_document_order():
    """``heading_elements`` yields what the XPath union it replaced selected, in the same order."""
    from extractors.titles import heading_elements

    union = ('.//h1 | .//h2 | .//h3 | .//*[@itemprop="headline"] | .//*[contains(@class,"headline")]'
             ' | .//*[contains(@class,"title") and not(self::html or self::body or self::head or self::title)]')
    tree = document_fromstring(
        '<html class="title"><head><title class="title">T</title><meta class="subtitle" content="x"></head>'
        '<body class="page-title"><div class="headline-box"><h1 class="title">One</h1><h4>No</h4></div>'
        '<span itemprop="headline">Two</span><span itemprop="headline name">No</span><p class="Title">No</p>'
        '<section><h3>Three</h3><h2 class="headline">Four</h2></section><a class="entry-title">Five</a></body></html>')
    expected = tree.xpath(union)
    assert [el.tag for el in expected] == ["meta", "div", "h1", "span", "h3", "h2", "a"]
    assert list(heading_elements(tree)) == expected
    div = tree.find(".//div")
    assert list(heading_elements(div)) == div.xpath(union)  # below the element only, as ``.//``
