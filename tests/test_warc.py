"""flows.warc: WARC/ARC files -> HTML captures, with every other record counted, never raised."""

from __future__ import annotations

import functools
import gzip
import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.warc import SKIP_REASONS, WarcItem, WarcStats, iter_warc, read_warc

WARC_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "warc"
UTC = timezone.utc


def article(title: str, n: int = 4) -> bytes:
    paras = "".join(
        f"<p>Paragraph {i}: the Commerce Department's Bureau of Industry and Security said on Thursday that "
        f"exports of advanced AI accelerators to China would need a licence.</p>" for i in range(n))
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{paras}</article></body></html>").encode()


BODY_A = article("US revokes Nvidia H20 export licences")
BODY_B = article("Entity List grows by 80 Chinese firms", n=12)
BODY_SNIFF = b"\n  " + article("Page served without a Content-Type")
BODY_C = (b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>XHTML'
          b"</title></head><body><p>Huawei Ascend chips and the foreign direct product rule.</p></body></html>")
PDF = b"%PDF-1.7\n" + b"\x00" * 300


def http(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("latin-1") + body


def chunked(data: bytes, size: int = 100, last: bool = True) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size))
    return out + (b"0\r\n\r\n" if last else b"")


def _response(writer: WARCWriter, uri: str, raw_http: bytes, date: str = "2025-05-01T10:00:00Z", **extra) -> None:
    headers = {"WARC-Date": date, **{k.replace("_", "-"): v for k, v in extra.items()}}
    record = writer.create_warc_record(uri, "response", payload=io.BytesIO(raw_http), length=len(raw_http),
                                       warc_headers_dict=headers)
    writer.write_record(record)


def write_news_warc(out, gz: bool) -> None:
    """Sixteen records: four usable captures, three ignored, nine skipped for seven reasons."""
    w = WARCWriter(out, gzip=gz)
    w.write_record(w.create_warcinfo_record("news.warc", {"software": "chipwire tests", "format": "WARC 1.0"}))
    req = b"GET /2025/05/01/h20/ HTTP/1.1\r\nHost: news.example.com\r\n\r\n"
    w.write_record(w.create_warc_record("https://news.example.com/2025/05/01/h20/", "request",
                                        payload=io.BytesIO(req), length=len(req)))
    _response(w, "https://news.example.com/2025/05/01/h20/",
              http("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY_A))),
                              ("Date", "Thu, 01 May 2025 09:59:59 GMT")], BODY_A),
              WARC_Record_ID="<urn:uuid:00000000-0000-4000-8000-00000000000a>")
    meta = b"outlinks: https://news.example.com/\r\n"
    w.write_record(w.create_warc_record("https://news.example.com/2025/05/01/h20/", "metadata",
                                        payload=io.BytesIO(meta), length=len(meta),
                                        warc_content_type="application/warc-fields"))
    _response(w, "https://news.example.com/2025/05/02/entity-list/",
              http("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                              ("Transfer-Encoding", "chunked")], chunked(gzip.compress(BODY_B))),
              date="2025-05-02T11:30:00.123456Z")
    w.write_record(w.create_revisit_record(
        "https://news.example.com/2025/05/01/h20/", digest="sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH",
        refers_to_uri="https://news.example.com/2025/05/01/h20/", refers_to_date="2025-05-01T10:00:00Z",
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": "2025-05-03T00:00:00Z"}))
    _response(w, "https://news.example.com/files/rule.pdf",
              http("200 OK", [("Content-Type", "application/pdf")], PDF))
    _response(w, "https://news.example.com/gone/",
              http("404 Not Found", [("Content-Type", "text/html")], article("Not found")))
    _response(w, "https://news.example.com/cut/",
              http("200 OK", [("Content-Type", "text/html")], article("Cut short")[:200]), WARC_Truncated="length")
    _response(w, "https://news.example.com/no-type/", http("200 OK", [("Server", "old")], BODY_SNIFF))
    _response(w, "https://news.example.com/xhtml/",
              http("200 OK", [("Content-Type", "application/xhtml+xml; charset=utf-8")], BODY_C))
    _response(w, "https://news.example.com/old-path/",
              http("301 Moved Permanently", [("Location", "https://news.example.com/new/"),
                                             ("Content-Type", "text/html")], b"<html>moved</html>"))
    dns = b"news.example.com.\t300\tIN\tA\t93.184.216.34\n"
    w.write_record(w.create_warc_record("dns:news.example.com", "response", payload=io.BytesIO(dns),
                                        length=len(dns), warc_content_type="text/dns"))
    _response(w, "https://news.example.com/partial/",
              http("206 Partial Content", [("Content-Type", "text/html"), ("Content-Range", "bytes 0-99/5000")],
                   BODY_A[:100]))
    _response(w, "https://news.example.com/logo.png",
              http("200 OK", [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    _response(w, "https://news.example.com/blank/", http("200 OK", [("Content-Type", "text/html")], b" \n"))


EXPECTED_ITEMS = [
    WarcItem(url="https://news.example.com/2025/05/01/h20/", fetched_at=datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
             status=200, content_type="text/html; charset=utf-8", body=BODY_A,
             record_id="<urn:uuid:00000000-0000-4000-8000-00000000000a>"),
    ("https://news.example.com/2025/05/02/entity-list/", datetime(2025, 5, 2, 11, 30, 0, 123456, tzinfo=UTC),
     "text/html", BODY_B),
    ("https://news.example.com/no-type/", datetime(2025, 5, 1, 10, 0, tzinfo=UTC), "text/html", BODY_SNIFF),
    ("https://news.example.com/xhtml/", datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
     "application/xhtml+xml; charset=utf-8", BODY_C),
]
EXPECTED_SKIPPED = {"revisit": 1, "non_html": 2, "non_2xx": 2, "truncated": 2, "non_http": 1, "empty": 1}


@functools.lru_cache(maxsize=None)  # the same bytes all session (record ids and dates are random)
def news_warc_bytes(gz: bool) -> bytes:
    out = io.BytesIO()
    write_news_warc(out, gz)
    return out.getvalue()


def check_invariant(stats: WarcStats) -> None:
    assert stats.records == stats.used + stats.ignored + stats.skipped_total
    assert set(stats.skipped) <= set(SKIP_REASONS)


def assert_news_items(items: list[WarcItem]) -> None:
    assert items[0] == EXPECTED_ITEMS[0]
    got = [(i.url, i.fetched_at, i.content_type, i.body) for i in items[1:]]
    assert got == EXPECTED_ITEMS[1:]
    assert all(i.status == 200 for i in items)
    assert all(i.record_id.startswith("<urn:uuid:") for i in items)
    assert len({i.record_id for i in items}) == 4


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_news_warc(tmp_path, gz):
    path = tmp_path / ("news.warc.gz" if gz else "news.warc")
    path.write_bytes(news_warc_bytes(gz))
    items, stats = read_warc(path)
    assert_news_items(items)
    assert (stats.files, stats.records, stats.used, stats.ignored) == (1, 16, 4, 3)
    assert dict(stats.skipped) == EXPECTED_SKIPPED
    assert stats.damaged == []
    check_invariant(stats)


def test_whole_file_gzip_is_read_too(tmp_path):
    """One gzip stream over the whole file: warcio alone refuses it ("non-chunked gzip")."""
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(news_warc_bytes(False)))
    items, stats = read_warc(path)
    assert_news_items(items)
    assert stats.records == 16 and stats.damaged == []


def test_name_does_not_matter(tmp_path):
    path = tmp_path / "news.bin"
    path.write_bytes(news_warc_bytes(True))
    assert len(read_warc(path)[0]) == 4


def test_stats_accumulate_over_files(tmp_path):
    a, b = tmp_path / "a.warc.gz", tmp_path / "b.warc"
    a.write_bytes(news_warc_bytes(True))
    b.write_bytes(news_warc_bytes(False))
    stats = WarcStats()
    items = list(iter_warc(a, stats)) + list(iter_warc(b, stats))
    assert len(items) == 8
    assert (stats.files, stats.records, stats.used) == (2, 32, 8)
    counts = stats.as_dict()
    assert counts["warc_used"] == 8 and counts["warc_skipped_revisit"] == 2 and counts["warc_skipped_too_large"] == 0
    assert counts["warc_damaged"] == 0
    assert all(isinstance(v, int) for v in counts.values())


def test_too_large(tmp_path):
    path = tmp_path / "news.warc"
    path.write_bytes(news_warc_bytes(False))
    items, stats = read_warc(path, max_bytes=len(BODY_A) + 10)
    assert [i.url for i in items] == ["https://news.example.com/2025/05/01/h20/", "https://news.example.com/no-type/",
                                      "https://news.example.com/xhtml/"]
    assert stats.skipped["too_large"] == 1


def test_missing_path_raises_at_the_call(tmp_path):
    with pytest.raises(FileNotFoundError):
        iter_warc(tmp_path / "nope.warc.gz")


@pytest.mark.parametrize("data, message", [
    (b"", "not a WARC or ARC file"),
    (b"<!doctype html><html><body>hello</body></html>", "not a WARC or ARC file: it begins '<!doctype html>"),
    (gzip.compress(b"just text\n" * 50), "not a WARC or ARC file: it begins 'just text'"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\x13" * 50, "not a WARC or ARC file"),
    (bytes(range(256)) * 4, "not a WARC or ARC file"),
])
def test_not_a_warc_is_damage_not_an_exception(tmp_path, data, message):
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(data)
    items, stats = read_warc(path)
    assert items == [] and stats.records == 0
    assert len(stats.damaged) == 1 and stats.damaged[0].startswith("bad.warc.gz: ")
    assert message in stats.damaged[0]


# -- hand-made records for what warcio's writer will not produce -----------------------------

def raw_record(uri: str | None, block: bytes, rtype: str = "response", length: int | None = None,
               headers: dict | None = None, date: str | None = "2025-05-01T10:00:00Z") -> bytes:
    lines = ["WARC/1.0", f"WARC-Type: {rtype}", f"WARC-Record-ID: <urn:uuid:{abs(hash((uri, block))) % 10**12:012d}>"]
    if uri is not None:
        lines.append(f"WARC-Target-URI: {uri}")
    if date is not None:
        lines.append(f"WARC-Date: {date}")
    lines.append("Content-Type: application/http; msgtype=response")
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if length != -1:
        lines.append(f"Content-Length: {len(block) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


GOOD = raw_record("https://news.example.com/good/", http("200 OK", [("Content-Type", "text/html")], BODY_A))
GOOD_2 = raw_record("https://news.example.com/after/", http("200 OK", [("Content-Type", "text/html")], BODY_B))


def _read_bytes(tmp_path, data: bytes, gz: bool = False, name: str = "t.warc"):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return read_warc(path)


def test_content_length_too_short_is_truncated_and_reading_goes_on(tmp_path):
    block = http("200 OK", [("Content-Type", "text/html")], BODY_A)
    bad = raw_record("https://news.example.com/short/", block, length=len(block) - 4)
    items, stats = _read_bytes(tmp_path, GOOD + bad + GOOD_2)
    assert [i.url for i in items] == ["https://news.example.com/good/", "https://news.example.com/after/"]
    assert stats.skipped == {"truncated": 1}


def test_content_length_too_long_stops_without_raising(tmp_path):
    block = http("200 OK", [("Content-Type", "text/html")], BODY_A)
    bad = raw_record("https://news.example.com/long/", block, length=len(block) + 300)
    items, stats = _read_bytes(tmp_path, GOOD + bad + GOOD_2 + GOOD_2)
    assert [i.url for i in items][:1] == ["https://news.example.com/good/"]
    assert "https://news.example.com/long/" not in [i.url for i in items]
    assert stats.skipped["truncated"] == 1
    check_invariant(stats)


def test_missing_content_length_is_damage(tmp_path):
    bad = raw_record("https://news.example.com/nolen/", http("200 OK", [("Content-Type", "text/html")], BODY_A),
                     length=-1)
    items, stats = _read_bytes(tmp_path, GOOD + bad + GOOD_2)
    assert [i.url for i in items] == ["https://news.example.com/good/"]
    assert len(stats.damaged) == 1 and "Content-Length" in stats.damaged[0]
    check_invariant(stats)


@pytest.mark.parametrize("block", [
    b"this is not an HTTP response at all\r\n\r\n<html></html>",
    b"HTTP/1.1 abc OK\r\nContent-Type: text/html\r\n\r\n<html></html>",
    b"HTTP/1.1 700 Odd\r\nContent-Type: text/html\r\n\r\n<html></html>",
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: br\r\n\r\n\x1b\x00\x00",
])
def test_unparseable_records_are_skipped(tmp_path, block):
    items, stats = _read_bytes(tmp_path, GOOD + raw_record("https://news.example.com/odd/", block) + GOOD_2)
    assert [i.url for i in items] == ["https://news.example.com/good/", "https://news.example.com/after/"]
    assert stats.skipped == {"unparseable": 1}


def test_http2_status_line_and_bad_target_uri(tmp_path):
    h2 = raw_record("<https://news.example.com/h2/>", b"HTTP/2 200\r\ncontent-type: text/html\r\n\r\n" + BODY_A)
    items, stats = _read_bytes(tmp_path, h2)
    assert [(i.url, i.status) for i in items] == [("https://news.example.com/h2/", 200)]


def test_fetched_at_falls_back_to_the_http_date(tmp_path):
    dated = raw_record("https://news.example.com/d/", http(
        "200 OK", [("Content-Type", "text/html"), ("Date", "Fri, 02 May 2025 08:00:00 GMT")], BODY_A), date="garbage")
    undated = raw_record("https://news.example.com/u/", http("200 OK", [("Content-Type", "text/html")], BODY_A),
                         date=None)
    items, _ = _read_bytes(tmp_path, dated + undated)
    assert [i.fetched_at for i in items] == [datetime(2025, 5, 2, 8, 0, tzinfo=UTC), None]


def test_chunked_without_its_last_chunk_is_truncated(tmp_path):
    block = http("200 OK", [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                 chunked(BODY_A, last=False))
    items, stats = _read_bytes(tmp_path, raw_record("https://news.example.com/c/", block) + GOOD_2)
    assert [i.url for i in items] == ["https://news.example.com/after/"]
    assert stats.skipped == {"truncated": 1}


def test_cut_gzip_payload_is_truncated(tmp_path):
    block = http("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], gzip.compress(BODY_A)[:-12])
    items, stats = _read_bytes(tmp_path, raw_record("https://news.example.com/g/", block) + GOOD_2)
    assert [i.url for i in items] == ["https://news.example.com/after/"]
    assert stats.skipped == {"truncated": 1}


def test_encoding_header_on_a_decoded_body_is_tolerated(tmp_path):
    block = http("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], BODY_A)
    items, _ = _read_bytes(tmp_path, raw_record("https://news.example.com/g/", block))
    assert [i.body for i in items] == [BODY_A]


def test_deflate_payload(tmp_path):
    import zlib

    block = http("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "deflate")], zlib.compress(BODY_A))
    raw = zlib.compressobj(wbits=-15)
    raw_block = http("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "deflate")],
                     raw.compress(BODY_B) + raw.flush())
    items, _ = _read_bytes(tmp_path, raw_record("https://a.example/z", block) + raw_record("https://a.example/r", raw_block))
    assert [i.body for i in items] == [BODY_A, BODY_B]


def test_sniffing_only_when_the_type_is_missing_or_unknown(tmp_path):
    unknown = raw_record("https://a.example/u", http("200 OK", [("Content-Type", "application/unknown")], BODY_A))
    plain = raw_record("https://a.example/p", http("200 OK", [("Content-Type", "text/plain")], BODY_A))
    binary = raw_record("https://a.example/b", http("200 OK", [], PDF))
    items, stats = _read_bytes(tmp_path, unknown + plain + binary)
    assert [(i.url, i.content_type) for i in items] == [("https://a.example/u", "text/html")]
    assert stats.skipped == {"non_html": 2}


def test_segmented_record_is_truncated(tmp_path):
    seg = raw_record("https://a.example/s", http("200 OK", [("Content-Type", "text/html")], BODY_A),
                     headers={"WARC-Segment-Number": "1"})
    items, stats = _read_bytes(tmp_path, seg)
    assert items == [] and stats.skipped == {"truncated": 1}


# -- damage anywhere ---------------------------------------------------------------------------

FULL_URLS = [i[0] if isinstance(i, tuple) else i.url for i in EXPECTED_ITEMS]
FULL_BODIES = {url: (i[3] if isinstance(i, tuple) else i.body) for url, i in zip(FULL_URLS, EXPECTED_ITEMS)}


def _member_ends(data: bytes) -> set[int]:
    import zlib

    ends, pos = {0}, 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        d.decompress(data[pos:])
        pos = len(data) - len(d.unused_data)
        ends.add(pos)
    return ends


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "plain"])
def test_cut_anywhere_never_raises_nor_yields_a_partial_body(tmp_path, gz):
    data = news_warc_bytes(gz)
    path = tmp_path / "cut.warc"
    step = max(1, len(data) // 400)
    boundaries = _member_ends(data) if gz else set()
    for cut in list(range(0, len(data), step)) + [len(data) - 1, len(data) - 3]:
        path.write_bytes(data[:cut])
        items, stats = read_warc(path)
        urls = [i.url for i in items]
        assert urls == FULL_URLS[:len(urls)], cut
        for item in items:
            assert item.body == FULL_BODIES[item.url], cut
        check_invariant(stats)
        if gz and cut not in boundaries:
            assert stats.damaged, cut  # a gzip stream cut inside a member is always noticed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), gz=st.booleans())
def test_corrupted_bytes_never_raise(tmp_path, data, gz):
    blob = bytearray(news_warc_bytes(gz))
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    path = tmp_path / "corrupt.warc"
    path.write_bytes(bytes(blob))
    items, stats = read_warc(path)
    check_invariant(stats)
    assert all(isinstance(i.body, bytes) and i.body for i in items)
    assert all(200 <= i.status < 300 for i in items)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=400), prefix=st.sampled_from([b"", b"WARC/1.0\r\n", b"filedesc://x 1 2 3 4\n"]))
def test_arbitrary_bytes_never_raise(tmp_path, blob, prefix):
    path = tmp_path / "junk.warc"
    path.write_bytes(prefix + blob)
    items, stats = read_warc(path)
    check_invariant(stats)


# -- the real corpus -----------------------------------------------------------------------------

def _corpus_files() -> list[Path]:
    return sorted(p for p in WARC_CORPUS.glob("*") if p.is_file()) if WARC_CORPUS.is_dir() else []


needs_corpus = pytest.mark.skipif(not WARC_CORPUS.is_dir(), reason="../shared/corpora/warc is not here")


@needs_corpus
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_reads_without_raising(path):
    items, stats = read_warc(path)
    check_invariant(stats)
    for item in items:
        assert item.url.startswith(("http://", "https://")) and 200 <= item.status < 300
        assert item.fetched_at is not None and item.fetched_at.tzinfo is not None
        assert b"<html" in item.body[:2000].lower()


# file name -> (urls yielded, records, ignored, skipped, damaged?)
CORPUS_EXPECTED = {
    "cc_whirlwind__whirlwind.warc.gz": (["https://an.wikipedia.org/wiki/Escopete"], 4, 3, {}, False),
    "cc_whirlwind__whirlwind.warc.wat.gz": ([], 2, 2, {}, False),
    "cc_whirlwind__whirlwind.warc.wet.gz": ([], 2, 2, {}, False),
    "warcio__example.warc.gz": (["http://example.com/"], 6, 4, {"revisit": 1}, False),
    # one gzip stream for the whole file: warcio alone stops after the first record
    "warcio__example-bad-non-chunked.warc.gz": (["http://example.com/"], 6, 4, {"revisit": 1}, False),
    # four request records with odd digests: nothing to use, no revisit in it
    "warcio__example-digest.warc": ([], 4, 4, {}, False),
    "warcio__example-iana.org-chunked.warc": (["http://www.iana.org/"], 3, 2, {}, False),
    # the response's Content-Length is short by the gzip trailer's last bytes
    "warcio__example-trunc.warc": ([], 4, 3, {"truncated": 1}, False),
    "warcio__example-wget-bad-target-uri.warc.gz": (["http://example.com/"], 6, 5, {}, False),
    # gzip members that do not align with records
    "warcio__example-wrong-chunks.warc.gz": (["http://example.com/"], 2, 1, {}, False),
    "warcio__example.arc.gz": (["http://example.com/"], 2, 1, {}, False),
    "LICENSE.warcio": ([], 0, 0, {}, True),
    "LICENSE.whirlwind": ([], 0, 0, {}, True),
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTED))
def test_corpus_expectations(name):
    path = WARC_CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} is not in the corpus")
    urls, records, ignored, skipped, damaged = CORPUS_EXPECTED[name]
    items, stats = read_warc(path)
    assert [i.url for i in items] == urls
    assert (stats.records, stats.ignored, dict(stats.skipped)) == (records, ignored, skipped)
    assert bool(stats.damaged) is damaged
    for item in items:
        if item.url == "http://example.com/":
            assert b"<title>Example Domain</title>" in item.body


@needs_corpus
def test_whirlwind_response():
    (item,), _ = read_warc(WARC_CORPUS / "cc_whirlwind__whirlwind.warc.gz")
    assert item.fetched_at == datetime(2024, 5, 18, 1, 58, 10, tzinfo=UTC)
    assert item.content_type == "text/html; charset=UTF-8"
    assert item.record_id == "<urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6>"
    assert b"Escopete" in item.body


@needs_corpus
def test_arc_record_id_is_stable():
    path = WARC_CORPUS / "warcio__example.arc.gz"
    (first,), _ = read_warc(path)
    (second,), _ = read_warc(path)
    assert first.record_id == second.record_id and first.record_id.startswith("<urn:chipwire:arc:")
    assert first.fetched_at == datetime(2014, 2, 16, 5, 2, 21, tzinfo=UTC)
