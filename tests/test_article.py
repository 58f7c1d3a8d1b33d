"""Article extraction on small realistic pages: metadata, dates, language, charsets, canonicals."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from extractors.article import EntryHints, choose_published, decode_html, extract_article
from extractors.errors import ExtractionError, NotAnArticle
from extractors.urls import article_id

UTC = timezone.utc
URL = "https://www.chipwire.example.com/news/commerce-rules?utm_source=rss"
OWN = "https://www.chipwire.example.com/news/commerce-rules"
TITLE = "Commerce tightens AI chip export rules"

BODY_EN = [
    "The Commerce Department on Tuesday published new rules that tighten export controls on advanced artificial "
    "intelligence chips, extending restrictions to dozens of additional countries and closing loopholes that allowed "
    "Chinese firms to buy accelerators through overseas subsidiaries.",
    "Officials said the measures target high-bandwidth memory, chipmaking tools and the most capable graphics "
    "processors, including products designed specifically to fall below earlier performance thresholds. Companies "
    "will need licenses for shipments that exceed the new limits.",
    "Industry groups warned that the rules could cost American suppliers billions of dollars in lost sales, while "
    "analysts noted that domestic Chinese manufacturers have accelerated their own designs in response to previous "
    "rounds of restrictions imposed over the last three years.",
    "The agency said it would review license applications on a case by case basis and that allied governments in "
    "Europe and Asia had been consulted during the drafting process. A public comment period will remain open for "
    "sixty days before the rules become final.",
]
BODY_DE = [
    "Die Bundesregierung hat am Dienstag neue Regeln für den Export von Halbleitern vorgestellt, die vor allem die "
    "Ausfuhr von Hochleistungschips für künstliche Intelligenz nach China einschränken sollen. Wirtschaftsminister "
    "Müller sprach von einem notwendigen Schritt zum Schutz der nationalen Sicherheit.",
    "Die neuen Zölle und Genehmigungspflichten betreffen nach Angaben des Ministeriums insbesondere "
    "Lithografiesysteme, Speicherchips mit hoher Bandbreite sowie spezialisierte Grafikprozessoren. Unternehmen "
    "müssen künftig für jede Lieferung eine Lizenz beantragen, wenn bestimmte Leistungsgrenzen überschritten werden.",
    "Vertreter der Industrie warnten, dass die Maßnahmen deutsche Zulieferer Milliarden kosten könnten. Gleichzeitig "
    "betonten Fachleute, dass chinesische Hersteller ihre eigenen Entwicklungen in den vergangenen Jahren deutlich "
    "beschleunigt hätten und die Abhängigkeit von europäischen Werkzeugen geringer werde.",
    "Die Regelungen sollen nach einer Anhörungsfrist von sechzig Tagen in Kraft treten. Die Europäische Kommission "
    "kündigte an, die Vorschläge zu prüfen und mit den Mitgliedstaaten abzustimmen, bevor weitere gemeinsame "
    "Schritte beschlossen werden.",
    "Ob die Zölle tatsächlich wirken, ist unter Ökonomen umstritten. Einige erwarten, dass sich die Lieferketten "
    "lediglich verlagern und die Preise für Kunden in Europa steigen werden.",
]
BODY_FR = [
    "Le gouvernement américain a annoncé mardi de nouvelles restrictions sur les exportations de puces "
    "d'intelligence artificielle vers la Chine, étendant les contrôles à des dizaines de pays supplémentaires et "
    "fermant des failles qui permettaient aux entreprises chinoises d'acheter des accélérateurs par l'intermédiaire "
    "de filiales étrangères.",
    "Selon les responsables du ministère du Commerce, les mesures visent la mémoire à large bande passante, les "
    "outils de fabrication de semi-conducteurs et les processeurs graphiques les plus performants, y compris les "
    "produits conçus pour rester juste en dessous des seuils précédents.",
    "Les représentants de l'industrie ont averti que ces règles pourraient coûter des milliards de dollars aux "
    "fournisseurs américains, tandis que les analystes ont souligné que les fabricants chinois ont accéléré leurs "
    "propres conceptions en réponse aux séries de restrictions précédentes.",
    "L'agence a indiqué qu'elle examinerait les demandes de licence au cas par cas et que les gouvernements alliés "
    "en Europe et en Asie avaient été consultés pendant la rédaction. Une période de consultation publique restera "
    "ouverte pendant soixante jours.",
]
BODY_ZH = [
    "美国商务部周二公布了新的出口管制规定，进一步收紧对先进人工智能芯片的出口限制，并将管制范围扩大到数十个国家，"
    "堵住了中国企业通过海外子公司购买加速器的漏洞。",
    "官员表示，这些措施针对高带宽存储器、芯片制造设备以及性能最强的图形处理器，其中包括专门设计为低于此前性能门槛的"
    "产品。企业今后向相关地区出货时，如果超过新的限制，必须申请许可证。",
    "行业团体警告说，这些规定可能使美国供应商损失数十亿美元的销售额。分析人士则指出，在过去三年多轮限制措施之后，"
    "中国国内制造商已经加快了自主芯片的设计和生产。",
    "该机构表示，将逐案审查许可证申请，并称在起草过程中已经与欧洲和亚洲的盟国政府进行了磋商。新规定在最终生效之前，"
    "将有六十天的公众意见征询期。",
]


def page(head: str = "", paras=None, html_attrs: str = "", before: str = "", title: str = TITLE,
         charset: str = "utf-8", footer: str = "Copyright 2025 Chip Policy Wire. All rights reserved.") -> str:
    ps = "\n".join(f"<p>{p}</p>" for p in (BODY_EN if paras is None else paras))
    return f"""<!DOCTYPE html>
<html{html_attrs}><head><meta charset="{charset}"><title>{title} | Chip Policy Wire</title>{head}</head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About us</a></nav></header>
<main><article><h1>{title}</h1>{before}
{ps}
</article></main>
<footer><p>{footer}</p></footer></body></html>"""


def extract(html: str | bytes, **kw):
    body = html.encode("utf-8") if isinstance(html, str) else html
    return extract_article(body, url=kw.pop("url", URL), **kw)


def assert_utc(when: datetime | None) -> None:
    assert when is not None and when.tzinfo is not None and when.utcoffset() == timedelta(0)


def test_fixture_bodies_are_long_enough():
    for body in (BODY_EN, BODY_DE, BODY_FR):
        assert len(" ".join(body).split()) >= 150
    assert len("".join(BODY_ZH)) >= 300  # characters: Chinese has no spaces


# -- title, date, author ------------------------------------------------------------------------


def test_og_meta_tags_and_published_time_with_offset():
    art = extract(page(
        '<meta property="og:title" content="Commerce tightens AI chip export rules">'
        '<meta property="article:published_time" content="2025-10-03T14:30:00+02:00">'
        '<meta name="author" content="Jane Doe">'
    ))
    assert art.title == TITLE
    assert art.published_at == datetime(2025, 10, 3, 12, 30, tzinfo=UTC)
    assert_utc(art.published_at)
    assert art.author == "Jane Doe"
    assert art.language == "en"
    assert art.url == URL and art.final_url == URL
    assert art.canonical_url == OWN and art.syndicated_from is None
    assert art.article_id == article_id(OWN)
    assert art.text.startswith("The Commerce Department on Tuesday")
    assert "Copyright" not in art.text and "About us" not in art.text
    assert art.word_count >= 150


def test_json_ld_news_article():
    art = extract(page(
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "headline": "Commerce tightens AI chip export rules", "datePublished": "2025-09-14T08:15:00-04:00",'
        ' "author": {"@type": "Person", "name": "John Roe"}}</script>'
    ))
    assert art.title == TITLE
    assert art.published_at == datetime(2025, 9, 14, 12, 15, tzinfo=UTC)
    assert art.author == "John Roe"


def test_time_element_gives_date_and_time():
    art = extract(page(before='<p class="byline">By Ann Lee, <time datetime="2025-08-21T09:00:00-04:00">'
                              '21 August 2025</time></p>'))
    assert art.published_at == datetime(2025, 8, 21, 13, 0, tzinfo=UTC)
    assert art.author == "Ann Lee"


def test_visible_dateline_only():
    art = extract(page(before="<p>Published: 3 October 2025</p>"))
    assert art.published_at == datetime(2025, 10, 3, tzinfo=UTC)
    assert_utc(art.published_at)


def test_dateline_on_the_first_of_the_month_is_kept():
    art = extract(page(before="<p>Published: 1 October 2025</p>"))
    assert art.published_at == datetime(2025, 10, 1, tzinfo=UTC)


def test_copyright_year_is_not_a_publication_date():
    art = extract(page())  # the only date on the page is the footer's "Copyright 2025"
    assert art.published_at is None


def test_feed_hint_fills_the_time_when_the_page_has_only_a_date():
    hint = datetime(2025, 10, 3, 18, 45, tzinfo=timezone(timedelta(hours=2)))
    art = extract(page(before="<p>Published: 3 October 2025</p>"), hints=EntryHints(published_at=hint))
    assert art.published_at == datetime(2025, 10, 3, 16, 45, tzinfo=UTC)
    assert_utc(art.published_at)


def test_feed_hint_does_not_override_a_full_page_timestamp():
    hint = datetime(2025, 10, 5, 6, 0, tzinfo=UTC)
    art = extract(page('<meta property="article:published_time" content="2025-10-03T14:30:00+02:00">'),
                  hints=EntryHints(published_at=hint, author="Feed Author", title="Feed title"))
    assert art.published_at == datetime(2025, 10, 3, 12, 30, tzinfo=UTC)
    assert art.author == "Feed Author"  # the page names none: the feed's is used
    assert art.title == TITLE  # the page's title wins


def test_feed_hint_is_the_date_when_the_page_has_none():
    art = extract(page(footer="Chip Policy Wire"), hints=EntryHints(published_at=datetime(2025, 10, 3, 7, 5, tzinfo=UTC)))
    assert art.published_at == datetime(2025, 10, 3, 7, 5, tzinfo=UTC)


def test_choose_published():
    feed = datetime(2025, 10, 3, 16, 45, tzinfo=UTC)
    assert choose_published("2025-10-03T14:30:00+0200", feed) == datetime(2025, 10, 3, 12, 30, tzinfo=UTC)
    assert choose_published("2025-10-03", feed) == feed
    assert choose_published("2025-10-03T00:00:00", feed) == feed
    # a feed timestamp far from the page's date does not replace it
    assert choose_published("2025-10-03", datetime(2025, 12, 1, 8, 0, tzinfo=UTC)) == datetime(2025, 10, 3, tzinfo=UTC)
    assert choose_published(None, feed) == feed
    assert choose_published(None, None) is None
    assert choose_published("not a date", None) is None
    # a naive feed timestamp is taken as UTC, whatever the machine's zone
    naive = choose_published(None, datetime(2025, 10, 3, 16, 45))
    assert naive == feed and naive.utcoffset() == timedelta(0)
    assert choose_published("2025-10-03", datetime(2025, 10, 3, 16, 45)) == feed
    # an offset timestamp from the feed comes back in UTC
    out = choose_published(None, datetime(2025, 10, 3, 18, 45, tzinfo=timezone(timedelta(hours=2))))
    assert out == feed and out.utcoffset() == timedelta(0)


# -- language -----------------------------------------------------------------------------------


def test_language_from_html_lang():
    art = extract(page(paras=BODY_DE, html_attrs=' lang="de-DE"', title="Neue Regeln für Chipexporte"),
                  url="https://halbleiter.example.de/a/1")
    assert art.language == "de"


@pytest.mark.parametrize(
    "paras, title, lang",
    [
        (BODY_DE, "Neue Regeln für Chipexporte", "de"),
        (BODY_FR, "Nouvelles restrictions sur les puces", "fr"),
        (BODY_ZH, "美国收紧人工智能芯片出口管制", "zh"),
    ],
    ids=["de", "fr", "zh"],
)
def test_language_detected_without_lang_attribute(paras, title, lang):
    art = extract(page(paras=paras, title=title, footer=""), url="https://news.example.net/a/1")
    assert art.language == lang
    assert art.title == title
    assert paras[0][:15] in art.text


def test_chinese_article_is_not_a_stub():
    art = extract(page(paras=BODY_ZH, title="美国收紧人工智能芯片出口管制", footer=""), url="https://news.example.cn/a/1")
    assert art.word_count >= 25
    assert "美国商务部周二公布" in art.text


def test_a_wrong_template_declaration_loses_to_a_clear_text():
    art = extract(page(paras=BODY_DE, html_attrs=' lang="en"', title="Neue Regeln für Chipexporte"))
    assert art.language == "de"


# -- charsets -----------------------------------------------------------------------------------


def test_utf8_bytes_declared_as_latin1():
    html = page(paras=BODY_DE, title="Zölle für Chips: Müller warnt", charset="iso-8859-1")
    body = html.encode("utf-8")
    assert "Müller" in decode_html(body, "text/html; charset=iso-8859-1")
    art = extract_article(body, url="https://halbleiter.example.de/a/2", content_type="text/html; charset=iso-8859-1")
    assert art.title == "Zölle für Chips: Müller warnt"
    assert "Wirtschaftsminister Müller" in art.text and "Zölle" in art.text


def _decomposed(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text)


def test_text_written_with_combining_marks_is_stored_composed():
    """A page that spells "é" as "e" + U+0301 is stored in NFC: the word an analyst types (and a
    search or furniture pattern holds) matches it."""
    import unicodedata

    html = page(paras=[_decomposed(p) for p in BODY_FR], title=_decomposed("Puces: l'Amérique étend ses contrôles"))
    assert "e\u0301" in html
    art = extract(html, url="https://puces.example.fr/a/1")
    assert art.title == "Puces: l'Amérique étend ses contrôles"
    for value in (art.title, art.text, art.extracted_text):
        assert unicodedata.is_normalized("NFC", value)
    assert "étendant les contrôles" in art.text


def test_json_ld_body_with_escaped_combining_marks_is_stored_composed():
    import json
    import unicodedata

    body = "\n".join(_decomposed(p) for p in BODY_FR)
    ld = json.dumps({"@type": "NewsArticle", "headline": _decomposed("Puces: l'Amérique étend ses contrôles"),
                     "articleBody": body})  # ensure_ascii: the marks arrive as \u0301 escapes
    assert "\\u0301" in ld
    html = page(head=f'<script type="application/ld+json">{ld}</script>', paras=["Lire la suite."],
                title="Puces")
    art = extract(html, url="https://puces.example.fr/a/2")
    assert unicodedata.is_normalized("NFC", art.text) and "étendant les contrôles" in art.text


def test_text_file_with_combining_marks_is_stored_composed():
    import unicodedata

    from extractors.article import extract_text_article

    text = _decomposed("Puces: l'Amérique étend ses contrôles\n\n" + "\n\n".join(BODY_FR))
    art = extract_text_article(text.encode("utf-8"), url="file:///saved/puces.txt")
    assert art.title == "Puces: l'Amérique étend ses contrôles"
    assert unicodedata.is_normalized("NFC", art.text) and "étendant les contrôles" in art.text


def test_latin1_bytes_declared_as_utf8_in_the_header():
    html = page(paras=BODY_DE, title="Zölle für Chips: Müller warnt", charset="utf-8")
    body = html.encode("latin-1")
    text = decode_html(body, "text/html; charset=utf-8")
    assert "Zölle" in text and "Müller" in text and "\ufffd" not in text
    art = extract_article(body, url="https://halbleiter.example.de/a/3", content_type="text/html; charset=utf-8")
    assert art.title == "Zölle für Chips: Müller warnt"
    assert "Zölle" in art.text


def test_latin1_declaration_reads_windows_1252_punctuation():
    body = ('<html><head><meta charset="iso-8859-1"></head><body><p>\u201eZölle\u201c \u2013 sagt Müller</p>'
            "</body></html>").encode("cp1252")
    text = decode_html(body)
    assert "\u201eZölle\u201c \u2013 sagt Müller" in text


def test_real_latin1_with_bytes_undefined_in_windows_1252():
    body = b'<html><head><meta charset="iso-8859-1"></head><body><p>M\xfcller \x81</p></body></html>'
    assert "Müller \x81" in decode_html(body)


def test_bom_wins():
    assert decode_html(b"\xef\xbb\xbf<p>M\xc3\xbcller</p>", "text/html; charset=iso-8859-1") == "<p>Müller</p>"
    assert decode_html(b"\xff\xfe" + "<p>Müller</p>".encode("utf-16-le")) == "<p>Müller</p>"


# -- canonical and syndication ------------------------------------------------------------------


def test_same_site_canonical_is_the_canonical_url():
    art = extract(page('<link rel="canonical" href="https://chipwire.example.com/news/commerce-rules">'))
    assert art.canonical_url == "https://chipwire.example.com/news/commerce-rules"
    assert art.syndicated_from is None
    assert art.article_id == article_id("https://chipwire.example.com/news/commerce-rules")
    # the same story reached by another URL of the site gets the same id
    again = extract(page('<link rel="canonical" href="/news/commerce-rules">'),
                    url="https://chipwire.example.com/amp/commerce-rules")
    assert again.article_id == art.article_id


def test_cross_site_canonical_marks_a_syndicated_copy():
    art = extract(page('<link rel="canonical" href="https://original.example.org/story/1">'))
    assert art.canonical_url == OWN  # the copy stays its own article
    assert art.syndicated_from == "https://original.example.org/story/1"
    assert art.article_id == article_id(OWN)
    assert "original.example.org" not in art.source  # named after where it was found


def test_site_name_from_meta_and_hints():
    art = extract(page('<meta property="og:site_name" content="Chip Policy Wire">'))
    assert art.source == "Chip Policy Wire"
    art = extract(page(), hints=EntryHints(source_name="CPW feed"))
    assert art.source == "CPW feed"


def test_final_url_after_redirect_is_the_page_url():
    art = extract(page(), url="https://chipwire.example.com/r/123", final_url="https://chipwire.example.com/news/x")
    assert art.url == "https://chipwire.example.com/r/123"
    assert art.canonical_url == "https://chipwire.example.com/news/x"


# -- text cleaning and failures -----------------------------------------------------------------


@pytest.mark.parametrize(
    "before",
    [f"<p>{TITLE}</p>", f"<h2>{TITLE}</h2>", f"<p><strong>{TITLE.upper()}</strong></p>"],
    ids=["p", "h2", "upper"],
)
def test_duplicated_title_line_is_stripped(before):
    art = extract(page(before=before))
    assert not art.text.lower().startswith(TITLE.lower())
    assert art.text.startswith("The Commerce Department")


def test_title_like_sentence_later_in_the_text_is_kept():
    paras = BODY_EN[:2] + [TITLE + "."] + BODY_EN[2:]
    art = extract(page(paras=paras))
    assert TITLE in art.text


@pytest.mark.parametrize("item", ['<a href="/section/{i}">Section {i}</a>',
                                  '<a href="/section/{i}"><span>Section</span> <b>{i}</b></a>'], ids=["plain", "nested"])
def test_navigation_only_page_is_not_an_article(item):
    links = "".join("<li>" + item.format(i=i) + "</li>" for i in range(30))
    html = f"<html><head><title>Home</title></head><body><nav><ul>{links}</ul></nav></body></html>"
    with pytest.raises(NotAnArticle):
        extract(html)


def test_short_stub_is_not_an_article():
    with pytest.raises(NotAnArticle):
        extract(page(paras=["Subscribe to read the full story."]))


def test_links_inside_paragraphs_do_not_make_an_article_navigation():
    paras = [p.replace("export controls", '<a href="/tag/export-controls">export controls</a>') for p in BODY_EN]
    assert extract(page(paras=paras)).word_count >= 150


@pytest.mark.parametrize(
    "body",
    [os.urandom(6000), bytes(range(256)) * 30, b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000, b""],
    ids=["random", "all-bytes", "png", "empty"],
)
def test_binary_bytes_are_an_extraction_error(body):
    with pytest.raises(ExtractionError):
        extract_article(body, url=URL)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2025-10-03T14:30:00-07:00">',
        '<meta property="article:published_time" content="2025-10-03T23:30:00+09:00">',
        '<meta name="date" content="2025-10-03">',
        '<meta property="article:published_time" content="2025-10-03T14:30:00">',
        "",
    ],
)
def test_published_at_is_always_utc(head):
    art = extract(page(head, before="<p>Updated 3 October 2025</p>"),
                  hints=EntryHints(published_at=datetime(2025, 10, 3, 9, 0, tzinfo=timezone(timedelta(hours=-5)))))
    assert_utc(art.published_at)
    assert art.published_at.date() in (datetime(2025, 10, 3).date(), datetime(2025, 10, 4).date())


def test_future_dates_are_not_taken():
    now = datetime(2025, 10, 10, tzinfo=UTC)
    art = extract(page('<meta property="article:published_time" content="2031-01-01T10:00:00Z">', footer=""),
                  now=now, hints=EntryHints(published_at=datetime(2025, 10, 9, 8, 0, tzinfo=UTC)))
    assert art.published_at == datetime(2025, 10, 9, 8, 0, tzinfo=UTC)


def _pages_for_metadata():
    import glob
    import gzip
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    pages = [Path(p).read_bytes() for p in sorted(glob.glob(str(repo / "flows" / "demo" / "**" / "*.html"),
                                                              recursive=True))]
    aeb = sorted((repo.parent / "shared" / "corpora" / "aeb" / "html").glob("*.html.gz"))
    return pages + [gzip.open(p).read() for p in aeb[::6]]


def test_page_metadata_reads_what_trafilatura_reads():
    """`page_metadata` follows trafilatura's extract_metadata minus the date (read source by
    source in extractors.published), the site name, categories, tags and licence: the fields it reads must
    stay identical (this fails if a trafilatura release changes how it reads them)."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    from extractors.article import page_metadata

    params = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z",
              "max_date": "2026-12-01"}
    pages = _pages_for_metadata()
    assert len(pages) >= 20
    for i, body in enumerate(pages):
        url = f"https://news.example/story-{i}.html"
        ours = page_metadata(trafilatura.load_html(body), url)
        theirs = extract_metadata(trafilatura.load_html(body), url, params)
        for field in ("title", "author", "description", "url"):
            assert getattr(ours, field) == getattr(theirs, field), (i, field)


# trafilatura's author expressions as extractors/pagemeta.py transcribes them (whitespace squashed):
# when a trafilatura release changes one, transcribe it again there, then here
PINNED_AUTHOR_XPATHS = (
    "//*[self::a or self::address or self::div or self::link or self::p or self::span or self::strong][ @rel='author'"
    " or @id='author' or @class='author' or @itemprop='author name' or rel='me' or @data-testid='AuthorCard' or"
    " @data-testid='AuthorURL' or re:test(@class, 'author-?name|AuthorName|authorName')]|//author",
    "//*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][ @class='byline' or @class='username'"
    " or @class='byl' or @class='BBL' or contains(@itemprop, 'author') or re:test(@id, 'author|zuozhe|bianji|xiaobian')"
    " or re:test(@class, 'author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name')]",
    "//*[ contains(@data-component, 'Byline') or contains(@itemprop, 'author') or re:test(@id, '[Aa]uthor') or"
    " re:test(@class, '[Aa]uthor|screenname|writer|[Bb]yline')]",
)
PINNED_AUTHOR_DISCARD_XPATHS = (
    ".//*[self::a or self::div or self::section or self::span][ @id='comments' or @class='comments' or"
    " @class='title' or @class='date' or re:test(@id, '^comments|comment-?list|ProductReviews') or re:test(@class,"
    " '^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|"
    "print|category|meta-date|meta-reviewer') or contains(@data-component, 'Figure')]",
    "//time|//figure",
)


def test_author_expressions_are_those_pagemeta_transcribes():
    import re

    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

    def squash(x):
        return re.sub(r"\s+", " ", x.path).strip()

    assert tuple(squash(x) for x in AUTHOR_XPATHS) == PINNED_AUTHOR_XPATHS
    assert tuple(squash(x) for x in AUTHOR_DISCARD_XPATHS) == PINNED_AUTHOR_DISCARD_XPATHS


AUTHOR_CASES = [
    '<div class="byline">By Jane Doe</div>',
    '<p class="meta-author">Jane Doe</p><span class="author-name">John Roe</span>',
    '<div class="sidebar"><span class="author-name">Sidebar Person</span></div><a class="byline">Jane Doe</a>',
    '<div class="author">Jane Doe <time>3 October 2025</time> tail words</div>',
    '<div class="author">Jane <figure>photo</figure>Doe</div><p class="byline">By John Roe</p>',
    '<div id="comments"><span class="author">Commenter</span></div><h4 class="author">Jane Doe</h4>',
    '<div class="writer-box">x</div><span data-component="Byline">Jane Doe</span>',
    '<span itemprop="author">J</span><section class="author">Jane Doe</section>',
    '<p><rel>m<time>x</time>e</rel>Jane Doe</p><div class="author">Jane Doe</div>',
    '<author>Jane Doe</author>',
    '<div class="AuthorName">' + "word " * 40 + '</div><span class="author">Jane Doe</span>',
    '<p>No author here at all.</p>',
]


@pytest.mark.parametrize("snippet", AUTHOR_CASES)
def test_author_is_trafilaturas(snippet):
    """pagemeta's one-pass author reading equals trafilatura's extract_author, pruned copy and all."""
    import trafilatura
    from trafilatura.metadata import extract_author

    from extractors.pagemeta import _author

    html = f"<html><head><title>t</title></head><body><article><p>Body text.</p>{snippet}</article></body></html>"
    assert _author(trafilatura.load_html(html)) == extract_author(trafilatura.load_html(html))


def test_author_is_trafilaturas_on_real_pages():
    import trafilatura
    from trafilatura.metadata import extract_author

    from extractors.pagemeta import _author

    for i, body in enumerate(_pages_for_metadata()):
        assert _author(trafilatura.load_html(body)) == extract_author(trafilatura.load_html(body)), i


def test_body_document_is_a_copy_of_the_body_alone():
    """What htmldate is handed for the byline date: the body's children (tails kept) under a
    new ``<html><body>``, without the head, the body's own text or attributes; the page's tree
    is left as it was."""
    from lxml.html import document_fromstring, tostring

    from extractors.published import body_document

    tree = document_fromstring('<html><head><title>T 2020-01-02</title></head><body class="b">lead '
                               '<p>Published <time datetime="2025-10-03">3 October 2025</time></p> tail'
                               '<div>x</div></body></html>')
    before = tostring(tree)
    document = body_document(tree)
    assert tostring(document) == (b'<html><body><p>Published <time datetime="2025-10-03">3 October 2025</time>'
                                  b'</p> tail<div>x</div></body></html>')
    document.find("body/p").drop_tree()
    assert tostring(tree) == before
    assert body_document(document_fromstring("<html><head><title>t</title></head></html>").find("head")) is None


def test_a_feeds_title_and_author_with_combining_marks_are_stored_composed():
    from extractors.article import extract_text_article

    hints = EntryHints(title=_decomposed("Puces: l'Amérique étend ses contrôles"), author=_decomposed("Zoé Lefèvre"))
    art = extract_text_article("\n\n".join(BODY_FR).encode("utf-8"), url="file:///saved/puces2.txt", hints=hints)
    assert art.title == "Puces: l'Amérique étend ses contrôles" and art.author == "Zoé Lefèvre"
