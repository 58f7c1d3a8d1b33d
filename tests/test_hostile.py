"""Hostile input at the pipeline level: the ingest finishes, in bounded time and memory, keeps
what is an article and records in `failures` what is not.

tests/test_fetch.py covers each hostile answer against the Fetcher alone; here the same kinds of
answers (and whole feed corpora) go through the feed stage, a real `ingest` flow and the real
`chipwire` command. Every server is on 127.0.0.1, started by the test.
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from extractors.article import decode_html, extract_article
from extractors.clean import clean_text
from extractors.errors import ExtractorError
from extractors.sitelearn import build_profile, line_rows
from extractors.sources import parse_sources
from extractors.urls import canonicalize
from flows import collect
from flows.demo.server import LoopbackSites, Site
from flows.settings import build_settings
from tests.pages import article_html, rss20
from warehouse.db import Warehouse
from warehouse.errors import WarehouseError

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO.parent / "shared" / "corpora" / "feeds"
FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)
MB = 1024 * 1024


def _q(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _quiet(servers: LoopbackSites) -> None:
    # the fetcher hangs up on purpose (caps, deadlines): not worth a traceback on stderr
    for site in servers.sites.values():
        site.server.handle_error = lambda request, client_address: None


def _warehouse(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "wh.duckdb")
    wh.migrate()
    return wh


def _cli_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    return env


# -- 1. every feed of the shared corpora through the feed stage -------------------------------


def _corpus_files() -> list[Path]:
    if not FEEDS.is_dir():
        pytest.skip("../shared/corpora/feeds is not here (a fresh clone without shared/)")
    return sorted(p for p in FEEDS.rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)


def _summary_items() -> dict[str, int]:
    """real-outlets/SUMMARY.tsv: file name -> item count ('20e')."""
    items = {}
    summary = FEEDS / "real-outlets" / "SUMMARY.tsv"
    for line in summary.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 4 and cols[3].rstrip("e").isdigit():
            items[cols[0]] = int(cols[3].rstrip("e"))
    return items


def test_every_corpus_feed_through_the_feed_stage(tmp_path):
    files = _corpus_files()
    site = Site(root=FEEDS)
    with LoopbackSites({"corpus": site}) as servers:
        _quiet(servers)
        url_of = {site.url(quote(p.relative_to(FEEDS).as_posix())): p for p in files}
        toml = ["[fetch]\nper_host_concurrency = 16\nper_host_delay = 0\ntimeout = 5.0\ndeadline = 10.0\n"]
        toml += [f'[[feeds]]\nurl = "{url}"\n' for url in url_of]
        sources = parse_sources("".join(toml), str(tmp_path / "sources.toml"))
        assert len(sources.feeds) == len(files)
        wh = _warehouse(tmp_path)
        started = time.monotonic()
        counts = collect.poll_feeds(sources, wh)  # no exception escapes
        elapsed = time.monotonic() - started
    db = wh.path
    assert elapsed < 60, elapsed
    assert counts["feeds_polled"] == len(files)
    # every feed was answered (200) and has its state row; the failed ones are in `failures`
    assert _q(db, "select count(*) from feeds where last_status = 200") == [(len(files),)]
    failed = dict(_q(db, "select url, reason from failures where stage = 'feed'"))
    errored = {u for (u,) in _q(db, "select feed_url from feeds where last_error is not null")}
    assert set(failed) == errored
    assert counts["feeds_failed"] == len(failed)
    assert all(reason and len(reason) < 1000 for reason in failed.values())
    assert len(failed) < 0.02 * len(files), sorted(failed)  # the suite is mostly well-formed
    # usable feeds queued their links (pending, never fetched here: they point to real hosts)
    queued = dict(_q(db, "select feed_url, count(*) from frontier group by 1"))
    refused = dict(_q(db, "select feed_url, count(*) from failures where stage = 'refused' group by 1"))
    assert counts["entries_new"] == sum(queued.values()) > 100
    for name, n in _summary_items().items():
        url = site.url(quote(f"real-outlets/{name}"))
        if n > 0:
            assert url not in failed, (name, failed.get(url))
            assert queued.get(url, 0) + refused.get(url, 0) > 0, name
    assert _q(db, "select count(*) from frontier "
                  "where state <> 'pending' or not regexp_matches(url, '^https?://')") == [(0,)]
    assert _q(db, "select count(*) from raw_pages") == [(0,)]
    # nothing unbounded stored from hostile titles
    assert _q(db, "select coalesce(max(length(entry_title)), 0) < 100000 from frontier") == [(True,)]


# -- 2. XML entity expansion -------------------------------------------------------------------


def _billion_laughs(link: str) -> bytes:
    ents = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    ents += [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(ents) + "\n]>\n"
            '<rss version="2.0"><channel><title>&lol9;</title><link>http://example.invalid/</link>'
            f"<item><title>&lol9;</title><link>{link}</link><description>&lol9;</description></item>"
            "</channel></rss>").encode()


def _quadratic_blowup(link: str) -> bytes:
    big = "A" * 100_000
    refs = "&big;" * 20_000  # 2 GB if expanded
    return ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "' + big + '">]>\n'
            f'<rss version="2.0"><channel><title>q</title><item><title>{refs}</title><link>{link}</link>'
            "</item></channel></rss>").encode()


def _external_entity(link: str) -> bytes:
    return ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            '<rss version="2.0"><channel><title>x&xxe;</title><item><title>t&xxe;</title>'
            f"<link>{link}</link><description>&xxe;</description></item></channel></rss>").encode()


def test_entity_expansion_in_feeds_is_bounded(tmp_path):
    site = Site()
    bodies = {"/laughs.xml": _billion_laughs, "/quadratic.xml": _quadratic_blowup, "/xxe.xml": _external_entity}
    with LoopbackSites({"s": site}) as servers:
        _quiet(servers)
        for path, make in bodies.items():
            body = make(site.url(path.replace(".xml", ".html")))
            site.routes[path] = lambda h, body=body: (200, {"Content-Type": "application/rss+xml"}, body)
        toml = "[fetch]\nper_host_delay = 0\n" + "".join(f'[[feeds]]\nurl = "{site.url(p)}"\n' for p in bodies)
        sources = parse_sources(toml, "sources.toml")
        wh = _warehouse(tmp_path)
        rss_before = _max_rss_mb()
        started = time.monotonic()
        counts = collect.poll_feeds(sources, wh)
        elapsed = time.monotonic() - started
        rss_growth = _max_rss_mb() - rss_before
    assert elapsed < 5, elapsed
    assert rss_growth < 200, rss_growth
    assert counts["feeds_polled"] == 3
    db = wh.path
    # each feed is either usable (its link queued) or a recorded failure; nothing huge stored
    assert counts["feeds_failed"] + len(_q(db, "select distinct feed_url from frontier")) == 3
    stored = _q(db, "select coalesce(title, '') || coalesce(last_error, '') || coalesce(bozo, '') from feeds")
    stored += _q(db, "select coalesce(entry_title, '') || link from frontier")
    stored += _q(db, "select reason from failures")
    # (the quadratic feed's raw title is 100 KB of "&big;" references: stored as sent, not expanded)
    assert stored and max(len(s) for (s,) in stored) < 200_000
    assert not any("root:" in s or "lollollollollol" in s for (s,) in stored)
    assert _q(db, "select count(*) from feeds where last_status = 200") == [(3,)]


# -- 3. one real ingest run through a hostile site ------------------------------------------------


def _gzip_bomb(inflated: int = 300 * MB) -> bytes:
    """A gzip body inflating to ``inflated`` bytes of zeros, built without holding them."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    chunk = b"\0" * MB
    parts = [z.compress(chunk) for _ in range(inflated // MB)]
    parts.append(z.flush())
    return b"".join(parts)


class Endless:
    """Routes that write their answer themselves, forever or for long, until the client hangs up.

    ``stop`` ends them all at teardown; ``sent`` counts what went out (to prove the client cut)."""

    def __init__(self):
        self.stop = threading.Event()
        self.sent: dict[str, int] = {}

    def _head(self, handler, ctype: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Connection", "close")  # no Content-Length: the body runs until close
        handler.end_headers()
        handler.close_connection = True

    def huge(self, total: int = 200 * MB):
        chunk = (b"<p>" + b"x" * 65_000 + b"</p>\n")

        def route(handler):
            self._head(handler, "text/html; charset=utf-8")
            sent = 0
            try:
                handler.wfile.write(b"<!DOCTYPE html><html><body>")
                while sent < total and not self.stop.is_set():
                    handler.wfile.write(chunk)  # the same chunk again: never 200 MB in memory
                    sent += len(chunk)
            except OSError:
                pass
            self.sent[handler.path] = sent
            return None, None, None

        return route

    def trickle(self):
        def route(handler):
            self._head(handler, "text/html; charset=utf-8")
            sent = 0
            try:
                while not self.stop.is_set():
                    handler.wfile.write(b"x")
                    sent += 1
                    self.stop.wait(1.0)
            except OSError:
                pass
            self.sent[handler.path] = sent
            return None, None, None

        return route


def test_gzip_bomb_is_cut_without_inflating_a_whole_network_chunk():
    """Before flows/fetch.py decoded gzip itself (bounded by the cap), httpx inflated each 64 KB
    network chunk whole: ~64 MB at once from a bomb, whatever max_bytes said (135 MB peak for a 5 MB
    cap). Deflate in both its forms (zlib-wrapped and raw) and gzip still decode; garbage does not."""
    import asyncio
    import gzip
    import tracemalloc

    from extractors.sources import FetchPolicy
    from flows.fetch import Fetcher, FetchRequest, origin_key

    page = article_html("Compressed article", T0).encode()
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    bodies = {"/bomb": ("gzip", _gzip_bomb(100 * MB)), "/gzip": ("gzip", gzip.compress(page)),
              "/zlib": ("deflate", zlib.compress(page)), "/raw": ("deflate", raw.compress(page) + raw.flush()),
              "/garbage": ("gzip", b"\x1f\x8b\x08\x00" + b"not gzip at all" * 50)}
    site = Site()
    with LoopbackSites({"s": site}) as servers:
        _quiet(servers)
        for path, (encoding, body) in bodies.items():
            headers = {"Content-Type": "text/html", "Content-Encoding": encoding}
            site.routes[path] = lambda h, headers=headers, body=body: (200, headers, body)

        async def go():
            async with Fetcher(FetchPolicy(per_host_delay=0, max_bytes=2 * MB, retries=1)) as fetcher:
                return await fetcher.fetch_many([FetchRequest(url=site.url(p), trusted_origin=origin_key(site.url(p)))
                                                 for p in bodies])

        tracemalloc.start()
        try:
            results = dict(zip(bodies, asyncio.run(go())))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "too large" in results["/bomb"].error.reason and results["/bomb"].body is None
    assert peak < 32 * MB, peak / MB
    for path in ("/gzip", "/zlib", "/raw"):
        assert results[path].ok and results[path].body == page, (path, results[path].error)
    assert "undecodable" in results["/garbage"].error.reason and not results["/garbage"].error.transient


def _wrong_charset_pages() -> tuple[bytes, bytes]:
    """Two German articles with "Zölle" whose declarations lie:
    (a) bytes in windows-1252, header says utf-8, <meta> says iso-8859-1;
    (b) bytes in utf-8, header says iso-8859-1, <meta> says iso-8859-1."""
    html = article_html("Neue Zölle auf Halbleiter aus China", T0, lang="de", n=77)
    extra = "<p>Die Zölle treffen Händler in Süddeutschland und Österreich gleichermaßen hart.</p>"
    html = html.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    html = html.replace("</article>", extra + "</article>")
    return html.encode("cp1252"), html.replace("Neue Zölle", "Höhere Zölle").encode("utf-8")


@pytest.mark.prefect
def test_hostile_site_through_a_real_ingest(prefect_harness, tmp_path):
    from flows.ingest import ingest_flow

    endless = Endless()
    a, b = Site(), Site()
    with LoopbackSites({"a": a, "b": b}) as servers:
        _quiet(servers)
        latin_body, utf8_body = _wrong_charset_pages()
        rng = random.Random(1234)
        binary = b"\x89PNG\r\n\x1a\n" + rng.randbytes(60_000)
        bomb = _gzip_bomb()
        assert len(bomb) < 1 * MB
        html = {"Content-Type": "text/html; charset=utf-8"}
        a.routes.update({
            "/good.html": lambda h: (200, html, article_html("Good article on chip export curbs", T0, n=1).encode()),
            "/charset-latin.html": lambda h: (200, html, latin_body),
            "/charset-utf8.html": lambda h: (200, {"Content-Type": "text/html; charset=iso-8859-1"}, utf8_body),
            "/bomb.html": lambda h: (200, {**html, "Content-Encoding": "gzip"}, bomb),
            "/huge.html": endless.huge(),
            "/trickle.html": endless.trickle(),
            "/binary.html": lambda h: (200, {"Content-Type": "text/html"}, binary),
            "/redirect.html": lambda h: (302, {"Location": b.url("/admin")}, b""),
        })
        b.routes["/admin"] = lambda h: (200, html, b"<p>internal</p>")
        b_port = b.server.server_address[1]
        links = {
            "good": a.url("/good.html"),
            "latin": a.url("/charset-latin.html"),
            "utf8": a.url("/charset-utf8.html"),
            "bomb": a.url("/bomb.html"),
            "huge": a.url("/huge.html"),
            "trickle": a.url("/trickle.html"),
            "binary": a.url("/binary.html"),
            "redirect": a.url("/redirect.html"),
            "other_port": b.url("/internal"),
            "localhost": f"http://localhost:{b_port}/via-localhost",
            "ipv6_loopback": f"http://[::1]:{b_port}/via-v6",
            "decimal_ip": f"http://2130706433:{b_port}/via-decimal",
            "zero": f"http://0.0.0.0:{b_port}/via-zero",
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "ten": "http://10.0.0.1/admin",
            "router": "http://192.168.1.1/",
            "file": "file:///etc/passwd",
            "javascript": "javascript:alert(1)",
        }
        a.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss20(
            "Hostile Wire", [(f"Item {k}", url, T0 + timedelta(minutes=i)) for i, (k, url) in enumerate(links.items())]
        ).encode())
        sources = tmp_path / "sources.toml"
        sources.write_text(
            "[fetch]\nper_host_concurrency = 8\nper_host_delay = 0\ntimeout = 3.0\ndeadline = 3.0\n"
            f"max_bytes = {5 * MB}\nretries = 2\n"
            f'[[feeds]]\nurl = "{a.url("/feed.xml")}"\nname = "Hostile Wire"\n'
        )
        settings = build_settings(db=str(tmp_path / "data" / "w.duckdb"), sources=str(sources),
                                  progress=False, workers=1)
        rss_before = _max_rss_mb()
        started = time.monotonic()
        try:
            first = ingest_flow(settings)
            elapsed = time.monotonic() - started
            rss_growth = _max_rss_mb() - rss_before
            second = ingest_flow(settings)  # the transient failure (trickle) is tried again
        finally:
            endless.stop.set()
        db = settings.db_path

        assert elapsed < 60, elapsed
        assert rss_growth < 700, rss_growth
        assert first["feeds_polled"] == 1 and first.get("feeds_failed", 0) == 0
        # the articles: the good one and both lying-charset pages, decoded right
        arts = dict(_q(db, "select url, text from articles"))
        assert set(arts) == {links["good"], links["latin"], links["utf8"]}, sorted(arts)
        assert "Commerce Department" in arts[links["good"]]
        for key in ("latin", "utf8"):
            text = arts[links[key]]
            assert "Zölle treffen Händler in Süddeutschland und Österreich" in text, text[:300]
            assert "Ã" not in text and "\ufffd" not in text
        titles = {t for (t,) in _q(db, "select title from articles")}
        assert {"Neue Zölle auf Halbleiter aus China", "Höhere Zölle auf Halbleiter aus China"} <= titles

        failures = {u: (stage, reason) for u, stage, reason in _q(db, "select url, stage, reason from failures")}

        def failure(key: str) -> tuple[str, str]:
            url = canonicalize(links[key])
            assert url in failures, (key, url, sorted(failures))
            return failures[url]

        for key in ("bomb", "huge"):
            stage, reason = failure(key)
            assert stage == "fetch" and "too large" in reason, (key, reason)
        stage, reason = failure("trickle")
        assert stage == "fetch" and "deadline" in reason, reason
        stage, reason = failure("binary")
        assert stage == "extract" and "binary" in reason, reason
        for key in ("redirect", "other_port", "localhost", "ipv6_loopback", "decimal_ip", "zero",
                    "metadata", "ten", "router"):
            stage, reason = failure(key)
            assert stage == "refused", (key, stage, reason)
        # nothing reached the other loopback port: not a page, not even its robots.txt
        assert b.requests == [], b.requests
        # the fetcher cut the endless answers long before their end
        assert endless.sent.get("/huge.html", 0) < 50 * MB
        # file: and javascript: links are not http(s): never queued, never fetched, never articles
        # (the contract admits only http(s) URLs; an entry without one is skipped by the parser)
        for key in ("file", "javascript"):
            rows = _q(db, "select state from frontier where link = ? or url = ?", [links[key]] * 2)
            assert rows == [], (key, rows)
        # nothing huge stored
        assert _q(db, "select coalesce(max(body_size), 0) from raw_pages")[0][0] <= 5 * MB
        assert _q(db, "select coalesce(max(length(text)), 0) from articles")[0][0] < 100_000
        # a page is only fetched once per run, hostile or not (no tight retry loop on terminal errors)
        assert a.hits.get("/bomb.html") == 1 and a.hits.get("/huge.html") == 1 and a.hits.get("/redirect.html") == 1

        # the second run exits cleanly, adds nothing, downloads no stored page again
        assert second.get("articles_new", 0) == 0
        assert _q(db, "select count(*), count(distinct article_id) from articles") == [(3, 3)]
        assert a.hits["/good.html"] == 1
        assert _q(db, "select status from runs order by started_at") == [("completed",), ("completed",)]


# -- 4. SIGKILL in the middle of loading, then run again ---------------------------------------------


def _article_count(db: Path) -> int | None:
    """Peeks the way `chipwire query` does: a run keeps the file open, and lets a waiting
    chipwire process in after its current transaction."""
    try:
        return Warehouse(db, lock_wait=2).operations.query("select count(*) from articles")[1][0][0]
    except WarehouseError:  # not created yet, or the writer holds the lock right now
        return None


@pytest.mark.prefect
def test_sigkill_mid_load_then_rerun_completes(tmp_path, cli_env):
    """SIGKILL while the run is loading: the pages past the first 20 are held by the server
    until the kill, so the run is certainly mid-way when it dies (no race with its end)."""
    n, free = 60, 20
    root = tmp_path / "site"
    site = Site(root=root, prefix="/k")
    gate = threading.Event()
    with LoopbackSites({"k": site}) as servers:
        _quiet(servers)
        items = []
        for i in range(n):
            when = T0 + timedelta(hours=i)
            path = root / "news" / f"story-{i:02d}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            # long pages: extraction takes a while, so the load phase has many batches to kill in
            html = article_html(f"Export control story number {i}", when, n=i)
            html = html.replace("</article>", "".join(
                f"<p>Further detail {j} for story {i}: licences, thresholds and enforcement were discussed "
                f"again by officials and analysts on day {j}.</p>" for j in range(40)) + "</article>")
            path.write_text(html, encoding="utf-8")
            if i >= free:
                site.routes[f"/k/news/story-{i:02d}.html"] = _held(path, gate)
            items.append((f"Story {i}", site.url(f"news/story-{i:02d}.html"), when))
        (root / "feed.xml").write_text(rss20("Kill Wire", items), encoding="utf-8")
        sources = tmp_path / "sources.toml"
        sources.write_text("[fetch]\nper_host_concurrency = 8\nper_host_delay = 0\n"
                           f'[[feeds]]\nurl = "{site.url("feed.xml")}"\n')
        db = tmp_path / "data" / "w.duckdb"
        cmd = [sys.executable, "-m", "flows.cli", "ingest", "--sources", str(sources), "--db", str(db),
               "--no-progress", "--batch-size", "5", "--workers", "1"]
        proc = subprocess.Popen(cmd, env=cli_env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and proc.poll() is None and (_article_count(db) or 0) < free:
                time.sleep(0.05)
            assert proc.poll() is None, proc.stderr.read()[-2000:]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr.read()[-2000:])
        assert _article_count(db) == free  # readable at once: the killed run's log is replayed
        gate.set()
        again = subprocess.run(cmd, env=cli_env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
        assert again.returncode == 0, again.stderr[-3000:]
    assert _q(db, "select count(*), count(distinct article_id), count(distinct url) from articles") == [(n, n, n)]
    assert _q(db, "select count(*) from articles where text is null or trim(text) = ''") == [(0,)]
    assert _q(db, "select count(*) from failures") == [(0,)]
    assert _q(db, "select state, count(*) from frontier group by 1") == [("done", n)]
    runs = _q(db, "select status, finished_at is null from runs where flow = 'ingest' order by started_at")
    assert runs == [("running", True), ("completed", False)], runs
    hits = {p: v for p, v in site.hits.items() if p.endswith(".html")}
    assert all(hits[f"/k/news/story-{i:02d}.html"] == 1 for i in range(free)), hits  # stored: never again
    assert max(hits.values()) <= 2, hits  # a held page: asked once by each run at most


def _held(path: Path, gate: threading.Event):
    def route(_handler):
        gate.wait(timeout=120)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, path.read_bytes()
    return route


# -- 5. an unusable warehouse: locked by another program, or not DuckDB at all -------------------


def _chipwire(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          env=_cli_env(), timeout=timeout)


@pytest.fixture
def locked_db(tmp_path):
    """A DuckDB file another (non-chipwire) process keeps open read-write."""
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         "con = duckdb.connect(sys.argv[1])\n"
         "con.execute('create table t as select 1 as x')\n"
         "print('holding', flush=True)\n"
         "time.sleep(120)\n", str(db)],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield db
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_query_on_a_warehouse_held_by_another_program(locked_db):
    started = time.monotonic()
    proc = _chipwire("query", "--db", str(locked_db), "select 1", timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(locked_db) in lines[0] and "locked" in lines[0]
    assert 9 <= elapsed < 20, elapsed  # waited briefly (10 s) for the writer, then gave up


def test_ingest_on_a_warehouse_held_by_another_program(locked_db, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[feeds]]\nurl = "http://127.0.0.1:9/feed.xml"\n')
    args = ["ingest", "--sources", str(sources), "--db", str(locked_db), "--no-progress", "--lock-wait", "3"]
    proc = subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          env=_cli_env(), timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(locked_db) in lines[0] and "locked" in lines[0], proc.stderr


@pytest.mark.parametrize("content", [
    b"just some notes, not a database\n" * 200,
    bytes(16 * 1024),
    random.Random(7).randbytes(64 * 1024),
    # a SQLite file: DuckDB would fetch its sqlite extension and open it, were autoloading not off
    b"SQLite format 3\x00" + bytes(4096),
])
def test_a_file_that_is_not_duckdb_is_refused_and_left_alone(tmp_path, content):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_bytes(content)
    sources = tmp_path / "sources.toml"
    sources.write_text('[fetch]\nper_host_delay = 0\n[[feeds]]\nurl = "http://127.0.0.1:9/feed.xml"\n')
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (["ingest", "--sources", str(sources), "--db", str(bogus), "--no-progress"],
                 ["query", "--db", str(bogus), "select 1"]):
        proc = _chipwire(*args, timeout=60)
        assert proc.returncode != 0, (args[0], proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, (args[0], proc.stderr)
        assert "notes.duckdb" in lines[0], lines[0]
        assert bogus.read_bytes() == content, args[0]
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .wal or data dir either


# -- 6. properties of the pure stages on arbitrary input ---------------------------------------

CHARSETS = ["utf-8", "iso-8859-1", "latin1", "windows-1252", "cp1251", "koi8-r", "shift_jis", "euc-jp", "gb2312",
            "big5", "utf-16", "utf-16le", "utf-32", "utf-7", "ascii", "us-ascii", "x-unknown", "", "\x00", "utf-8\"x"]
CONTENT_TYPES = st.one_of(st.none(), st.sampled_from(CHARSETS).map(lambda c: f"text/html; charset={c}"),
                          st.text(max_size=40))


def _html_bytes():
    """Arbitrary bytes, and html-ish documents with a (possibly lying) <meta charset> and text
    in some encoding."""
    doc = st.builds(
        lambda cs, text, enc, tail: (f'<html><head><meta charset="{cs}"></head><body><p>'.encode()
                                     + text.encode(enc, errors="ignore") + b"</p>" + tail),
        st.sampled_from(CHARSETS), st.text(max_size=300), st.sampled_from(["utf-8", "cp1252", "utf-16", "cp1251"]),
        st.binary(max_size=50),
    )
    return st.one_of(st.binary(max_size=3000), doc)


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_html_bytes(), content_type=CONTENT_TYPES)
def test_decode_html_never_raises(body, content_type):
    text = decode_html(body, content_type)
    assert isinstance(text, str)
    if body and not body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            assert text == body.decode("utf-8")  # valid UTF-8 is UTF-8, whatever is declared
        except UnicodeDecodeError:
            pass


@pytest.mark.parametrize("label", ["base64", "rot13", "hex", "zlib", "bz2", "uu", "quopri", "undefined"])
def test_decode_html_ignores_codecs_that_are_not_text_encodings(label):
    body = b'<html><head><meta charset="' + label.encode() + b'"></head><body><p>Z\xf6lle</p></body></html>'
    assert "Zölle" in decode_html(body)
    assert "Zölle" in decode_html(b"<p>Z\xf6lle</p>", f"text/html; charset={label}")


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_html_bytes(), content_type=CONTENT_TYPES)
def test_extract_article_raises_only_extractor_errors(body, content_type):
    try:
        art = extract_article(body, url="https://example.com/news/1", content_type=content_type)
    except ExtractorError:
        return
    assert isinstance(art.text, str) and art.text.strip()
    assert art.article_id and art.canonical_url.startswith("https://")


_LINES = st.one_of(
    st.sampled_from(["Subscribe to our newsletter", "Share this article", "Read more:", "Advertisement",
                     "The Commerce Department tightened export rules on advanced chips on Monday.",
                     "Nvidia said it would apply for licences.", "© Example News. All rights reserved.",
                     "Related: Huawei Ascend", ""]),
    st.text(max_size=80),
)
_TEXTS = st.lists(_LINES, max_size=20).map("\n".join)


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS, others=st.lists(_TEXTS, min_size=0, max_size=5), title=st.one_of(st.none(), st.text(max_size=40)))
def test_clean_text_with_a_learnt_site_profile_never_adds_text(text, others, title):
    """clean_text with the site's learnt furniture (strip_furniture alone is covered in
    test_furniture): never raises, every output line is a line (or part of one) of the input."""
    pages = {f"p{i}": line_rows(page) for i, page in enumerate([text, *others, *others])}
    try:
        profile = build_profile(pages)
    except Exception as err:  # noqa: BLE001 -- building a profile from any page set must work
        pytest.fail(f"build_profile raised {type(err).__name__}: {err}")
    out = clean_text(text, title=title, url="https://example.com/a", profile=profile)
    assert isinstance(out, str)
    for line in out.split("\n"):
        assert line in text, line
