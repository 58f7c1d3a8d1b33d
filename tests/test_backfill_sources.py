"""Backfills from a URL list, a sitemap with a date window, and WARC files: exactly the expected
articles, nothing added by a second run, and an interrupted backfill resumes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from flows.demo.server import LoopbackSites, Site
from flows.settings import build_settings
from tests.pages import article_html, rows

pytestmark = pytest.mark.prefect
REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 5, 1, 9, 0, tzinfo=timezone.utc)


_q = rows  # read-only look into the warehouse file


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    for i in range(6):
        p = root / "news" / f"s{i}.html"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(article_html(f"Backfill story {i}", T0 + timedelta(days=10 * i), n=i))
    s = Site(root=root, prefix="/b")
    with LoopbackSites({"b": s}):
        yield s


def _sources(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text("[fetch]\nper_host_delay = 0.0\nper_host_concurrency = 4\n")
    return str(path)


def _stored(db: Path) -> int:
    """Raw pages stored so far, read as `chipwire query` reads (0 while nothing is there)."""
    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError

    try:
        return Warehouse(db, lock_wait=2).operations.query("select count(*) from raw_pages")[1][0][0]
    except WarehouseError:
        return 0


def test_urls_file(prefect_harness, tmp_path, site):
    from flows.backfill import backfill_urls_flow

    urls = tmp_path / "urls.txt"
    urls.write_text("# three stories, one twice\n" + "\n".join(site.url(f"news/s{i}.html") for i in (0, 1, 2, 1)))
    settings = build_settings(db=str(tmp_path / "w.duckdb"), sources=_sources(tmp_path), progress=False, workers=1)
    first = backfill_urls_flow(settings, str(urls))
    assert first["articles_new"] == 3
    assert sorted(t for (t,) in _q(settings.db_path, "select title from articles")) == [
        "Backfill story 0", "Backfill story 1", "Backfill story 2"]
    hits = dict(site.hits)
    again = backfill_urls_flow(settings, str(urls))
    assert again.get("articles_new", 0) == 0 and again.get("pages_fetched", 0) == 0
    assert {k: v for k, v in site.hits.items() if k.endswith(".html")} == {k: v for k, v in hits.items() if k.endswith(".html")}


def test_sitemap_index_with_window(prefect_harness, tmp_path, site):
    from flows.backfill import backfill_sitemap_flow

    news = "".join(
        f"<url><loc>{site.url(f'news/s{i}.html')}</loc><news:news><news:publication>"
        f"<news:name>B</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{(T0 + timedelta(days=10 * i)).isoformat()}</news:publication_date>"
        f"<news:title>Backfill story {i}</news:title></news:news></url>" for i in range(3))
    plain = "".join(f"<url><loc>{site.url(f'news/s{i}.html')}</loc>"
                    f"<lastmod>{(T0 + timedelta(days=10 * i)).date()}</lastmod></url>" for i in range(3, 6))
    site.routes["/b/sitemap-news.xml"] = lambda h: (200, {"Content-Type": "application/xml"}, (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{news}</urlset>').encode())
    site.routes["/b/sitemap-pages.xml"] = lambda h: (200, {"Content-Type": "application/xml"}, (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{plain}</urlset>').encode())
    site.routes["/b/sitemap.xml"] = lambda h: (200, {"Content-Type": "application/xml"}, (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('sitemap-news.xml')}</loc></sitemap>"
        f"<sitemap><loc>{site.url('sitemap-pages.xml')}</loc></sitemap></sitemapindex>").encode())
    settings = build_settings(db=str(tmp_path / "w.duckdb"), sources=_sources(tmp_path), progress=False, workers=1)
    since, until = (T0 + timedelta(days=10)).date(), (T0 + timedelta(days=40)).date()  # stories 1..4
    counts = backfill_sitemap_flow(settings, site.url("sitemap.xml"), since, until)
    assert counts["articles_new"] == 4
    titles = sorted(t for (t,) in _q(settings.db_path, "select title from articles"))
    assert titles == [f"Backfill story {i}" for i in (1, 2, 3, 4)]
    assert "/b/news/s0.html" not in site.hits and "/b/news/s5.html" not in site.hits
    again = backfill_sitemap_flow(settings, site.url("sitemap.xml"), since, until)
    assert again.get("articles_new", 0) == 0 and again.get("pages_fetched", 0) == 0


def _warc(path: Path, site_url) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)

        def response(url, status, ctype, body, date):
            headers = StatusAndHeaders(f"{status} X", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                            warc_headers_dict={"WARC-Date": date})
            writer.write_record(rec)

        response(site_url("w/a.html"), 200, "text/html; charset=utf-8",
                 article_html("Archived story A", T0, n=40).encode(), "2025-06-01T10:00:00Z")
        response(site_url("w/b.html"), 200, "text/html", article_html("Archived story B", T0, n=41).encode(),
                 "2025-06-02T11:30:00Z")
        response(site_url("w/report.pdf"), 200, "application/pdf", b"%PDF-1.4 " + b"0" * 500, "2025-06-02T11:31:00Z")
        response(site_url("w/gone.html"), 404, "text/html", b"<html>gone</html>", "2025-06-02T11:32:00Z")
        revisit = writer.create_revisit_record(site_url("w/a.html"), digest="sha1:AAAA",
                                               refers_to_uri=site_url("w/a.html"),
                                               refers_to_date="2025-06-01T10:00:00Z",
                                               warc_headers_dict={"WARC-Date": "2025-06-03T00:00:00Z"})
        writer.write_record(revisit)


def test_warc_files(prefect_harness, tmp_path):
    from flows.backfill import backfill_warc_flow

    warc = tmp_path / "news.warc.gz"
    _warc(warc, lambda p: f"https://archive.example.org/{p}")
    settings = build_settings(db=str(tmp_path / "w.duckdb"), progress=False, workers=1)
    counts = backfill_warc_flow(settings, [str(warc)])
    assert counts["articles_new"] == 2
    assert counts["warc_skipped_revisit"] == 1 and counts["warc_skipped_non_html"] == 1
    assert counts["warc_skipped_non_2xx"] == 1
    rows = dict(_q(settings.db_path, "select title, fetched_at from articles"))
    assert rows == {"Archived story A": datetime(2025, 6, 1, 10, tzinfo=timezone.utc),
                    "Archived story B": datetime(2025, 6, 2, 11, 30, tzinfo=timezone.utc)}
    again = backfill_warc_flow(settings, [str(warc)])
    assert again.get("articles_new", 0) == 0 and again["records_stored"] == 0


def test_interrupted_backfill_resumes(prefect_harness, cli_env, tmp_path):
    """A backfill killed (SIGKILL) after its first pages were stored: the same backfill,
    run again, fetches the rest and stores each page once. The pages past the first three are
    held by the server until the kill, so the kill never races the work."""
    import threading

    from flows.backfill import backfill_urls_flow

    root = tmp_path / "slow"
    s = Site(root=root, prefix="/s")
    pages = {f"/s/p{i}.html": article_html(f"Slow story {i}", T0, n=60 + i).encode() for i in range(8)}
    gate = threading.Event()

    def held(handler):
        if handler.path not in ("/s/p0.html", "/s/p1.html", "/s/p2.html"):
            gate.wait(timeout=120)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, pages[handler.path]

    for path in pages:
        s.routes[path] = held
    with LoopbackSites({"s": s}):
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(s.url(p.removeprefix("/s/")) for p in pages))
        sources = tmp_path / "sources.toml"
        sources.write_text("[fetch]\nper_host_delay = 0.0\nper_host_concurrency = 8\n")
        db = tmp_path / "data" / "w.duckdb"
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "backfill", "--urls", str(urls), "--db", str(db),
                                 "--sources", str(sources), "--no-progress"], env=cli_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while _stored(db) < 3 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert _stored(db) == 3, "the free pages were not stored"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        gate.set()
        settings = build_settings(db=str(db), sources=str(sources), progress=False, workers=1)
        counts = backfill_urls_flow(settings, str(urls))
    assert _q(db, "select count(*), count(distinct title) from articles") == [(8, 8)]
    assert counts["urls_listed"] == 8
