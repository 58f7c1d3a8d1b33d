"""extractors.sitemaps: sitemaps, indexes, news sitemaps and text sitemaps -> frozen entries."""

from __future__ import annotations

import dataclasses
import gzip
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from extractors.errors import ExtractorError
from extractors.sitemaps import (
    DateArgError,
    Sitemap,
    SitemapEntry,
    SitemapError,
    SitemapRef,
    in_window,
    parse_date_arg,
    parse_sitemap,
    parse_w3c_datetime,
    ref_may_match,
)

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
UTC = timezone.utc
URL = "https://news.example.com/sitemap.xml"

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <!-- generated -->
  <url>
    <loc>
      https://news.example.com/2025/05/01/h20-licence/
    </loc>
    <lastmod>2025-05-02T08:00:00+02:00</lastmod>
    <xhtml:link rel="alternate" hreflang="de" href="https://news.example.com/de/h20/"/>
    <image:image><image:loc>https://news.example.com/img/h20.jpg</image:loc></image:image>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>en-US</news:language></news:publication>
      <news:publication_date>2025-04-30T23:30:00-05:00</news:publication_date>
      <news:title>  Commerce  revokes
        H20 licences </news:title>
    </news:news>
  </url>
  <url><loc>https://news.example.com/2025/05/03/entity-list/</loc><lastmod>2025-05-03</lastmod></url>
  <url><loc>https://news.example.com/undated/</loc></url>
  <url><loc>/relative/path/</loc></url>
  <url><loc>ftp://news.example.com/file</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><loc></loc></url>
  <url><lastmod>2025-05-01</lastmod></url>
  <url><loc>https://news.example.com/2025/05/03/entity-list/</loc><lastmod>2025-06-01</lastmod></url>
</urlset>
"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.com/sitemap-2025-04.xml.gz</loc><lastmod>2025-04-30T23:59:59Z</lastmod></sitemap>
  <sitemap><loc>https://news.example.com/sitemap-2025-05.xml</loc><lastmod>not a date</lastmod></sitemap>
  <sitemap><loc>sitemap-relative.xml</loc></sitemap>
</sitemapindex>
"""


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- urlset, news ------------------------------------------------------------------------------

def test_news_sitemap_entries():
    sm = parse_sitemap(NEWS_SITEMAP, URL)
    assert sm.kind == "urlset" and sm.url == URL and sm.format == "xml" and sm.sitemaps == ()
    assert sm.entries == (
        SitemapEntry(
            loc="https://news.example.com/2025/05/01/h20-licence/",
            lastmod=_utc(2025, 5, 2, 6, 0),
            published=_utc(2025, 5, 1, 4, 30),
            title="Commerce revokes H20 licences",
            language="en",
        ),
        SitemapEntry(loc="https://news.example.com/2025/05/03/entity-list/", lastmod=_utc(2025, 5, 3)),
        SitemapEntry(loc="https://news.example.com/undated/"),
    )
    # relative, ftp, javascript, empty and missing <loc>s; the duplicate keeps its first entry
    assert sm.dropped == 5
    assert sm.repaired is None


def test_results_are_frozen():
    sm = parse_sitemap(NEWS_SITEMAP, URL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sm.entries[0].loc = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        sm.kind = "index"  # type: ignore[misc]


def test_sitemap_without_namespaces():
    data = b"<urlset><url><loc>https://a.example/1</loc><lastmod>2025-01-02</lastmod></url></urlset>"
    assert parse_sitemap(data, URL).entries == (SitemapEntry("https://a.example/1", lastmod=_utc(2025, 1, 2)),)


def test_undeclared_news_prefix_is_read():
    data = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/1</loc>'
            b"<news:news><news:publication_date>2025-03-04T05:06Z</news:publication_date>"
            b"<news:title>T</news:title></news:news></url></urlset>")
    sm = parse_sitemap(data, URL)
    assert sm.entries == (SitemapEntry("https://a.example/1", published=_utc(2025, 3, 4, 5, 6), title="T"),)
    assert sm.repaired == "undeclared namespace prefix"


def test_old_news_namespace_version():
    data = (b'<urlset xmlns:n="http://www.google.com/schemas/sitemap-news/0.84"><url><loc>https://a.example/1</loc>'
            b"<n:news><n:publication_date>2008-03-04</n:publication_date></n:news></url></urlset>")
    assert parse_sitemap(data, URL).entries == (SitemapEntry("https://a.example/1", published=_utc(2008, 3, 4)),)


def test_news_in_another_namespace_is_not_news():
    data = (b'<urlset xmlns:x="http://example.org/other"><url><loc>https://a.example/1</loc>'
            b"<x:news><x:publication_date>2025-03-04</x:publication_date></x:news></url></urlset>")
    assert parse_sitemap(data, URL).entries == (SitemapEntry("https://a.example/1"),)


def test_bare_ampersand_is_repaired_not_lost():
    data = b"<urlset><url><loc>https://a.example/?id=1&amp;p=2</loc></url><url><loc>https://a.example/?id=3&p=4</loc></url></urlset>"
    sm = parse_sitemap(data, URL)
    assert [e.loc for e in sm.entries] == ["https://a.example/?id=1&p=2", "https://a.example/?id=3&p=4"]
    assert sm.repaired == "bare '&' escaped"


def test_leading_whitespace_bom_and_cdata():
    data = b"\xef\xbb\xbf\n\n  <?xml version='1.0'?><urlset><url><loc><![CDATA[https://a.example/x]]></loc></url></urlset>"
    assert parse_sitemap(data, URL).entries == (SitemapEntry("https://a.example/x"),)


def test_other_encodings():
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><urlset><url><loc>https://a.example/caf\xe9</loc></url></urlset>'
    assert parse_sitemap(latin.encode("latin-1"), URL).entries[0].loc == "https://a.example/caf\xe9"
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><urlset><url><loc>https://a.example/u</loc></url></urlset>'
    assert parse_sitemap(utf16.encode("utf-16"), URL).entries[0].loc == "https://a.example/u"


def test_empty_urlset_is_fine():
    sm = parse_sitemap(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', URL)
    assert sm == Sitemap(url=URL, kind="urlset")


# -- index -------------------------------------------------------------------------------------

def test_sitemap_index():
    sm = parse_sitemap(INDEX, URL)
    assert sm.kind == "index" and sm.entries == ()
    assert sm.sitemaps == (
        SitemapRef("https://news.example.com/sitemap-2025-04.xml.gz", _utc(2025, 4, 30, 23, 59, 59)),
        SitemapRef("https://news.example.com/sitemap-2025-05.xml", None),
    )
    assert sm.dropped == 1


def test_ref_may_match():
    april = SitemapRef("https://a.example/s1.xml", _utc(2025, 4, 30, 23, 59))
    assert ref_may_match(april, date(2025, 4, 30), None)
    assert not ref_may_match(april, date(2025, 5, 1), None)
    assert ref_may_match(april, None, date(2025, 1, 1))  # until never prunes
    assert ref_may_match(SitemapRef("https://a.example/s2.xml"), date(2030, 1, 1))


# -- gzip ----------------------------------------------------------------------------------------

def test_gzip_by_magic_not_by_name():
    assert parse_sitemap(gzip.compress(NEWS_SITEMAP), "https://a.example/s.xml") == parse_sitemap(
        NEWS_SITEMAP, "https://a.example/s.xml")
    assert parse_sitemap(gzip.compress(INDEX), URL).kind == "index"
    # twice packed (a .xml.gz also served with Content-Encoding: gzip), multi-member
    assert parse_sitemap(gzip.compress(gzip.compress(INDEX)), URL).kind == "index"
    half = len(INDEX) // 2
    assert parse_sitemap(gzip.compress(INDEX[:half]) + gzip.compress(INDEX[half:]), URL).kind == "index"


@pytest.mark.parametrize("data, message", [
    (gzip.compress(NEWS_SITEMAP)[:-12], "truncated gzip"),
    (b"\x1f\x8b\x08\x00garbage", "gzip"),
    (gzip.compress(INDEX) + b"junk", "trailing garbage"),
])
def test_broken_gzip(data, message):
    with pytest.raises(SitemapError, match=message):
        parse_sitemap(data, URL)


def test_gzip_bomb_is_capped():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(SitemapError, match="too large"):
        parse_sitemap(bomb, URL, max_bytes=1_000_000)


# -- text sitemaps -------------------------------------------------------------------------------

def test_text_sitemap():
    data = "\ufeffhttps://a.example/1\r\n\n  https://a.example/2  \nnot a url\nhttps://a.example/1\nhttps://a b/\n".encode()
    sm = parse_sitemap(data, "https://a.example/sitemap.txt")
    assert sm.format == "text" and sm.kind == "urlset"
    assert [e.loc for e in sm.entries] == ["https://a.example/1", "https://a.example/2"]
    assert sm.dropped == 2
    assert parse_sitemap(gzip.compress(data), URL).entries == sm.entries


# -- errors --------------------------------------------------------------------------------------

def test_sitemap_error_is_an_extractor_error():
    assert issubclass(SitemapError, ExtractorError)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"  \n\t ", "empty"),
    (b"<urlset><url><loc>https://a.example/</loc></url>", "malformed XML"),
    (b"<urlset><url><loc>https://a.example/</loc></urlset>", "malformed XML"),
    (b"<html><body>Not found</body></html>", "not a sitemap: root element <html>"),
    (b'<rss version="2.0"><channel/></rss>', "a feed"),
    (b"just some words\nand more", "neither XML nor a list"),
    (b"\x00\x01\x02\xff", "neither XML nor a list"),
])
def test_not_a_sitemap(data, message):
    with pytest.raises(SitemapError, match=message) as info:
        parse_sitemap(data, URL)
    assert "\n" not in str(info.value)


def test_entities_are_refused_not_expanded():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
              + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10) for i in range(8))
              + b"]><urlset><url><loc>https://a.example/&i;</loc></url></urlset>")
    with pytest.raises(SitemapError, match="entities"):
        parse_sitemap(laughs, URL)
    xxe = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b"<urlset><url><loc>https://a.example/&e;</loc></url></urlset>")
    with pytest.raises(SitemapError, match="entities"):
        parse_sitemap(xxe, URL)


def test_external_dtd_is_not_fetched():
    data = (b'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://127.0.0.1:9/evil.dtd">'
            b"<urlset><url><loc>https://a.example/1</loc></url></urlset>")
    assert [e.loc for e in parse_sitemap(data, URL).entries] == ["https://a.example/1"]


def test_security_corpus(corpora):
    for path in sorted((corpora / "feeds" / "security").glob("*")):
        with pytest.raises(SitemapError):
            parse_sitemap(path.read_bytes(), path.name)


def test_feed_corpus_raises_only_sitemap_error(corpora):
    """1,900 real and broken feeds: none is a sitemap, none may raise anything else."""
    n = 0
    for path in sorted((corpora / "feeds").rglob("*")):
        if not path.is_file():
            continue
        n += 1
        try:
            parse_sitemap(path.read_bytes(), path.name)
        except SitemapError as err:
            assert "internal error" not in str(err), path
            assert "\n" not in str(err)
    assert n > 100


_XMLISH = st.lists(
    st.sampled_from([
        b"<urlset>", b"</urlset>", b"<url>", b"</url>", b"<loc>", b"</loc>", b"https://a.example/x", b"&", b"&amp;",
        b"<news:news>", b"</news:news>", b"<lastmod>", b"</lastmod>", b"2025-01-01T00:00Z", b"<sitemapindex>",
        b"<sitemap>", b"</sitemap>", b"</sitemapindex>", b'<?xml version="1.0"?>', b"<!DOCTYPE x [", b"]>",
        b'<!ENTITY a "b">', b"&a;", b"\x1f\x8b", b"\x00", b"\xff\xfe", b"\n", b" ", b"<![CDATA[", b"]]>",
        b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"', b"<!--", b"-->", b"<?pi x?>",
    ]),
    max_size=40,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=600), _XMLISH, _XMLISH.map(gzip.compress)))
@example(b"\x00http://\x00")  # urlsplit drops leading C0 controls: once read as a URL with a NUL host
def test_arbitrary_bytes_raise_only_sitemap_error(data):
    try:
        sm = parse_sitemap(data, URL)
    except SitemapError as err:
        assert "internal error" not in str(err)
        assert "\n" not in str(err)
        return
    assert sm.kind in ("urlset", "index")
    for entry in sm.entries:
        assert entry.loc.startswith(("http://", "https://"))
        for when in (entry.lastmod, entry.published):
            assert when is None or when.tzinfo is UTC


# -- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2025-05-01", _utc(2025, 5, 1)),
    ("2025-05", _utc(2025, 5, 1)),
    ("2025", _utc(2025, 1, 1)),
    ("2025-05-01T10:20Z", _utc(2025, 5, 1, 10, 20)),
    ("2025-05-01T10:20:30Z", _utc(2025, 5, 1, 10, 20, 30)),
    ("2025-05-01T10:20:30.45Z", _utc(2025, 5, 1, 10, 20, 30, 450000)),
    ("2025-05-01T10:20:30.123456789+00:00", _utc(2025, 5, 1, 10, 20, 30, 123456)),
    ("2025-05-01T10:20:30+02:00", _utc(2025, 5, 1, 8, 20, 30)),
    ("2025-05-01T22:20:30-05:00", _utc(2025, 5, 2, 3, 20, 30)),
    ("2025-05-01T10:20:30+0530", _utc(2025, 5, 1, 4, 50, 30)),
    ("2025-05-01T10:20:30", _utc(2025, 5, 1, 10, 20, 30)),  # no zone: UTC
    ("2025-05-01 10:20:30", _utc(2025, 5, 1, 10, 20, 30)),
    ("  2025-05-01T10:20:30z \n", _utc(2025, 5, 1, 10, 20, 30)),
    ("Thu, 01 May 2025 10:20:30 GMT", _utc(2025, 5, 1, 10, 20, 30)),
    ("Thu, 01 May 2025 10:20:30 +0200", _utc(2025, 5, 1, 8, 20, 30)),
])
def test_w3c_dates(text, expected):
    got = parse_w3c_datetime(text)
    assert got == expected and got.tzinfo is UTC


@pytest.mark.parametrize("text", [
    None, "", "   ", "yesterday", "2025-13-01", "2025-02-30", "2025-05-01T25:00Z", "2025-05-01T10:61Z",
    "2025-05-01T10:00+25:00", "0000-01-01", "0001-01-01T00:00+01:00", "20250501", "2025-5-1-1",
    "9999-12-31T23:59:59-01:00", "x" * 500,
])
def test_invalid_dates_are_none(text):
    assert parse_w3c_datetime(text) is None


def test_invalid_lastmod_is_none_in_entries():
    data = b"<urlset><url><loc>https://a.example/</loc><lastmod>2025-13-45</lastmod></url></urlset>"
    assert parse_sitemap(data, URL).entries == (SitemapEntry("https://a.example/"),)


@given(st.text(max_size=40))
def test_dates_never_raise(text):
    got = parse_w3c_datetime(text)
    assert got is None or got.tzinfo is UTC


# -- windows -----------------------------------------------------------------------------------

PUB = SitemapEntry("https://a.example/p", lastmod=_utc(2025, 6, 1), published=_utc(2025, 5, 1, 23, 59))
MOD = SitemapEntry("https://a.example/m", lastmod=_utc(2025, 5, 10, 0, 0))
NONE = SitemapEntry("https://a.example/n")


@pytest.mark.parametrize("entry, since, until, expected", [
    (PUB, None, None, True),
    (NONE, None, None, True),  # no window: entries without dates are taken
    (NONE, date(2025, 1, 1), None, False),  # a window: they are not
    (NONE, None, date(2025, 1, 1), False),
    (PUB, date(2025, 5, 1), date(2025, 5, 1), True),  # both ends inclusive
    (PUB, date(2025, 5, 2), None, False),  # publication date wins over a later lastmod
    (PUB, None, date(2025, 4, 30), False),
    (PUB, None, date(2025, 5, 1), True),
    (MOD, date(2025, 5, 10), None, True),  # lastmod when there is no publication date
    (MOD, None, date(2025, 5, 9), False),
    (MOD, date(2025, 5, 11), date(2025, 5, 31), False),
])
def test_in_window(entry, since, until, expected):
    assert in_window(entry, since, until) is expected


def test_in_window_uses_the_utc_date():
    late = SitemapEntry("https://a.example/l", published=parse_w3c_datetime("2025-05-01T23:30:00-05:00"))
    assert in_window(late, date(2025, 5, 2), date(2025, 5, 2))
    assert not in_window(late, None, date(2025, 5, 1))


def test_in_window_accepts_datetimes_as_dates():
    assert in_window(PUB, datetime(2025, 5, 1, 12, 0), datetime(2025, 5, 1, 12, 0))


@given(st.dates(), st.one_of(st.none(), st.dates()), st.one_of(st.none(), st.dates()))
def test_in_window_agrees_with_plain_comparison(day, since, until):
    entry = SitemapEntry("https://a.example/", published=datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    expected = (since is None or since <= day) and (until is None or day <= until)
    assert in_window(entry, since, until) is expected


# -- --since / --until -------------------------------------------------------------------------

def test_parse_date_arg():
    assert parse_date_arg("2025-05-01") == date(2025, 5, 1)
    assert parse_date_arg(" 2025-05-01 ") == date(2025, 5, 1)


@pytest.mark.parametrize("text, message", [
    ("2025-5-1", "expected YYYY-MM-DD"),
    ("01/05/2025", "expected YYYY-MM-DD"),
    ("2025-05-01T00:00", "expected YYYY-MM-DD"),
    ("", "expected YYYY-MM-DD"),
    ("2025-02-30", "day is out of range"),
    ("2025-13-01", "month must be in 1..12"),
])
def test_parse_date_arg_errors(text, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_date_arg(text)
    assert isinstance(info.value, DateArgError)
    assert "\n" not in str(info.value)


def test_parse_date_arg_as_argparse_type(capsys):
    import argparse

    parser = argparse.ArgumentParser(prog="chipwire backfill")
    parser.add_argument("--since", type=parse_date_arg)
    assert parser.parse_args(["--since", "2025-05-01"]).since == date(2025, 5, 1)
    with pytest.raises(SystemExit):
        parser.parse_args(["--since", "May 1"])
    assert "invalid date 'May 1': expected YYYY-MM-DD" in capsys.readouterr().err


def test_dates_are_timezone_aware_in_utc():
    for entry in parse_sitemap(NEWS_SITEMAP, URL).entries:
        for when in (entry.lastmod, entry.published):
            assert when is None or (when.tzinfo is UTC and when.utcoffset() == timedelta(0))
