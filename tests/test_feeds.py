"""Feed parsing: RSS 2.0, Atom 1.0, RSS 1.0; broken, hostile and real feeds."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.errors import FeedError
from extractors.feeds import ParsedFeed, parse_feed
from extractors.urls import is_http_url

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
FEEDS = CORPORA / "feeds"

UTC = timezone.utc

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Chip Policy Wire</title><link>https://chipwire.example.com/</link>
  <description>Export controls, daily</description><language>en-us</language>
  <item>
    <title>US tightens &lt;b&gt;AI chip&lt;/b&gt; rules</title>
    <link>/news/rules?utm_source=rss</link>
    <guid isPermaLink="false">cpw-1</guid>
    <pubDate>Tue, 07 Oct 2025 14:30:00 +0200</pubDate>
    <dc:creator>Jane Doe</dc:creator>
    <description>&lt;p&gt;The Commerce Department &amp;amp; its allies.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Permalink guid only</title>
    <guid isPermaLink="true">https://chipwire.example.com/news/second</guid>
    <pubDate>Wed, 08 Oct 2025 09:00:00 GMT</pubDate>
    <author>desk@chipwire.example.com (Ed Itor)</author>
  </item>
  <item><title>No link at all</title><guid isPermaLink="false">x-3</guid></item>
  <item>
    <title>German item</title><link>https://chipwire.example.com/de/1</link>
    <dc:language>de-DE</dc:language><description>   </description>
  </item>
</channel>
</rss>"""

ATOM10 = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr-FR">
  <title>Puces Info</title><id>urn:uuid:60a76c80</id><updated>2025-10-08T10:00:00Z</updated>
  <link rel="self" href="https://puces.example.fr/feeds/atom.xml"/>
  <entry>
    <title type="html">Nouvelles r&#232;gles pour les puces</title>
    <id>tag:puces.example.fr,2025:1</id>
    <link rel="enclosure" type="audio/mpeg" href="https://cdn.example.fr/a.mp3"/>
    <link rel="alternate" type="text/html" href="../articles/1"/>
    <published>2025-10-07T08:00:00-04:00</published>
    <updated>2025-10-07T16:30:00+02:00</updated>
    <author><name>Marie Curie</name></author>
    <summary>R\u00e9sum\u00e9 de l'article</summary>
  </entry>
  <entry>
    <title>Seulement mis \u00e0 jour</title><id>tag:puces.example.fr,2025:2</id>
    <link href="https://puces.example.fr/articles/2"/>
    <updated>2025-10-06T12:00:00Z</updated>
  </entry>
</feed>""".encode()

RSS10 = b"""<?xml version="1.0" encoding="iso-8859-1"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://halbleiter.example.de/">
    <title>Halbleiterblick</title><link>https://halbleiter.example.de/</link>
    <description>Nachrichten</description><dc:language>de</dc:language>
    <items><rdf:Seq><rdf:li rdf:resource="https://halbleiter.example.de/a/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://halbleiter.example.de/a/1">
    <title>Z\xf6lle auf Chips</title><link>https://halbleiter.example.de/a/1</link>
    <dc:date>2025-10-07T19:03:02+01:00</dc:date><dc:creator>Hans M\xfcller</dc:creator>
    <description>Die Bundesregierung ...</description>
  </item>
</rdf:RDF>"""


def test_rss20():
    feed = parse_feed(RSS20, "https://chipwire.example.com/feed.xml", "application/rss+xml; charset=utf-8")
    assert isinstance(feed, ParsedFeed)
    assert feed.format == "rss20"
    assert feed.title == "Chip Policy Wire"
    assert feed.language == "en"
    assert feed.bozo is None
    assert feed.skipped == 1  # the item with no link and a non-permalink guid
    first, second, german = feed.entries
    assert first.link == "https://chipwire.example.com/news/rules?utm_source=rss"  # relative -> absolute
    assert first.entry_id == "cpw-1"
    assert first.title == "US tightens AI chip rules"  # markup stripped
    assert first.author == "Jane Doe"
    assert first.published_at == datetime(2025, 10, 7, 12, 30, tzinfo=UTC)
    assert first.published_at.utcoffset().total_seconds() == 0
    assert first.summary == "The Commerce Department & its allies."
    assert first.language == "en"
    assert not first.opaque
    # a permalink guid is the link; RSS <author> "email (Name)" gives the name
    assert second.link == "https://chipwire.example.com/news/second"
    assert second.author == "Ed Itor"
    assert second.published_at == datetime(2025, 10, 8, 9, 0, tzinfo=UTC)
    # item language wins over the channel's; a blank summary is no summary
    assert german.language == "de"
    assert german.summary is None
    assert german.published_at is None


def test_atom10():
    feed = parse_feed(ATOM10, "https://puces.example.fr/feeds/atom.xml", "application/atom+xml")
    assert feed.format == "atom10"
    assert feed.title == "Puces Info"
    assert feed.language == "fr"
    assert feed.bozo is None
    first, second = feed.entries
    assert first.link == "https://puces.example.fr/articles/1"  # the alternate link, not the enclosure
    assert first.entry_id == "tag:puces.example.fr,2025:1"
    assert first.title == "Nouvelles règles pour les puces"
    assert first.author == "Marie Curie"
    assert first.published_at == datetime(2025, 10, 7, 12, 0, tzinfo=UTC)
    assert first.updated_at == datetime(2025, 10, 7, 14, 30, tzinfo=UTC)
    assert first.summary == "Résumé de l'article"
    assert first.language == "fr"
    # an entry with only <updated>: that is the best publication date there is
    assert second.updated_at == datetime(2025, 10, 6, 12, 0, tzinfo=UTC)
    assert second.published_at == second.updated_at


def test_rss10_rdf_in_latin1():
    feed = parse_feed(RSS10, "https://halbleiter.example.de/rss.rdf", "application/rdf+xml")
    assert feed.format == "rss10"
    assert feed.title == "Halbleiterblick"
    assert feed.language == "de"
    (entry,) = feed.entries
    assert entry.link == "https://halbleiter.example.de/a/1"
    assert entry.title == "Zölle auf Chips"
    assert entry.author == "Hans Müller"
    # dc:date is RSS 1.0's publication date
    assert entry.published_at == datetime(2025, 10, 7, 18, 3, 2, tzinfo=UTC)
    assert entry.language == "de"


def test_well_formed_feed_without_content_type_is_not_bozo():
    # a missing or odd Content-Type is a fact about the HTTP answer, not a broken feed
    assert parse_feed(RSS20, "https://chipwire.example.com/feed.xml").bozo is None
    assert parse_feed(RSS20, "https://chipwire.example.com/feed.xml", "text/html").bozo is None


def test_malformed_but_usable_feed():
    broken = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken & proud</title>
<item><title>One</title><link>https://broken.example.com/1</link></item>
<item><title>Two <b>unclosed</title><link>https://broken.example.com/2</link></item>
</channel>"""
    feed = parse_feed(broken, "https://broken.example.com/rss", "application/rss+xml")
    assert feed.bozo  # the problem is kept for the feed's state ...
    assert "\n" not in feed.bozo and len(feed.bozo) <= 300
    assert [e.link for e in feed.entries][:1] == ["https://broken.example.com/1"]  # ... and entries are used
    assert len(feed.entries) >= 1


HTML_PAGE = b"""<!DOCTYPE html><html><head><title>Welcome</title></head>
<body><h1>Not a feed</h1><p>This is a <a href="/x">web page</a>.</p></body></html>"""


@pytest.mark.parametrize(
    "data",
    [HTML_PAGE, b"", b"\x00\x01\x02\xff\xfe" * 200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"{\"items\": []}", b"plain text"],
    ids=["html", "empty", "binary", "pdf", "json", "text"],
)
def test_non_feed_bytes(data):
    try:
        feed = parse_feed(data, "https://example.com/feed", "text/html")
    except FeedError as err:
        assert str(err)
    else:  # allowed only as an empty, well-formed answer
        assert feed.entries == ()


def test_html_page_is_a_feed_error():
    with pytest.raises(FeedError):
        parse_feed(HTML_PAGE, "https://example.com/feed", "text/html")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_feed_error(data):
    try:
        feed = parse_feed(data, "https://example.com/feed")
    except FeedError:
        return
    assert isinstance(feed, ParsedFeed)


_xmlish = st.lists(
    st.sampled_from(
        ["<rss version='2.0'>", "<channel>", "<item>", "</item>", "<title>", "</title>", "<link>", "</link>",
         "https://x.example/a", "/rel", "&amp;", "&bogus;", "<![CDATA[", "]]>", "<feed xmlns='http://www.w3.org/2005/Atom'>",
         "<entry>", "<link href='javascript:alert(1)'/>", "<pubDate>", "Tue, 99 Foo 2025", "</pubDate>", "\x00", "é"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_xmlish)
def test_feedlike_junk_never_raises_anything_but_feed_error(text):
    try:
        feed = parse_feed(text.encode("utf-8"), "https://example.com/feed", "application/rss+xml")
    except FeedError:
        return
    for entry in feed.entries:
        assert entry.link.startswith(("http://", "https://"))
        assert entry.published_at is None or entry.published_at.tzinfo is not None


# -- entity declarations -----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lollollollollollollollollollol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><description>&xxe;</description><link>https://example.com/a</link></item>
</channel></rss>"""


def _assert_small_and_quick(data: bytes) -> None:
    start = time.monotonic()
    try:
        feed = parse_feed(data, "https://example.com/feed.xml", "application/rss+xml")
    except FeedError:
        feed = None
    assert time.monotonic() - start < 2.0
    if feed is not None:
        texts = [feed.title or ""] + [f"{e.title or ''}{e.summary or ''}" for e in feed.entries]
        assert all(len(t) < 10_000 for t in texts)
        assert all("root:" not in t for t in texts)  # no external entity read


def test_billion_laughs_is_not_expanded():
    _assert_small_and_quick(BILLION_LAUGHS)


@pytest.mark.skipif(not (FEEDS / "security").is_dir(), reason="shared corpora not present")
@pytest.mark.parametrize("name", ["doctype_contains_entity_decl.xml", "entity_in_doctype.xml"])
def test_security_corpus_entity_declarations(name):
    _assert_small_and_quick((FEEDS / "security" / name).read_bytes())


# -- the shared corpus -------------------------------------------------------------------------


@pytest.mark.skipif(not FEEDS.is_dir(), reason="shared corpora not present")
def test_every_corpus_file_parses_or_raises_feed_error():
    files = sorted(p for p in FEEDS.rglob("*") if p.is_file())
    assert len(files) > 100
    escaped = []
    for path in files:
        try:
            feed = parse_feed(path.read_bytes(), "https://feeds.example.com/feed.xml")
        except FeedError:
            continue
        except Exception as err:  # noqa: BLE001 -- collected and reported below
            escaped.append(f"{path.relative_to(FEEDS)}: {type(err).__name__}: {err}")
            continue
        for entry in feed.entries:
            assert is_http_url(entry.link), (path, entry.link)
            for when in (entry.published_at, entry.updated_at):
                assert when is None or when.utcoffset().total_seconds() == 0, (path, when)
    assert not escaped, "\n".join(escaped)


def _summary_rows():
    summary = FEEDS / "real-outlets" / "SUMMARY.tsv"
    if not summary.is_file():
        return []
    rows = []
    for line in summary.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 4 and cols[3].rstrip("e").isdigit() and int(cols[3].rstrip("e")) > 0:
            rows.append((cols[0], cols[1], int(cols[3].rstrip("e"))))
    return rows


@pytest.mark.skipif(not (FEEDS / "real-outlets" / "SUMMARY.tsv").is_file(), reason="shared corpora not present")
def test_real_outlet_feeds_yield_entries():
    rows = _summary_rows()
    assert len(rows) > 40
    for name, fmt, items in rows:
        feed = parse_feed((FEEDS / "real-outlets" / name).read_bytes(), "https://feeds.example.com/feed.xml")
        assert feed.entries, name
        assert feed.format == fmt, name
        assert len(feed.entries) + feed.skipped >= min(items, 1), name
        assert all(is_http_url(e.link) for e in feed.entries), name
        assert all(e.title or e.summary for e in feed.entries[:1]), name
