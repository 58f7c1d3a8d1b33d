"""The fetch-pages stage (collect.fetch_pages, flows/pagefetch.py) against real loopback servers
and a real warehouse: hosts interleaved, a time budget, renewed leases, our own faults
(issue 12, items 3, 6 and 9). Host names (``a-slow.test``, ``z-good.test``) come from an
in-process DNS (tests/fakedns.py) and point at 127.0.0.1; the rows are URLs the user listed."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from extractors.sources import FetchPolicy, parse_sources
from flows import collect
from flows.demo.server import LoopbackSites, Site
from flows.fetch import origin_key
from tests import fakedns
from tests.pages import article_html, rss20
from warehouse.db import Warehouse
from warehouse.records import WaitingPage

T0 = datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)
HTML = {"Content-Type": "text/html; charset=utf-8"}
POLICY = FetchPolicy(per_host_concurrency=2, per_host_delay=0, timeout=60, deadline=60, retries=1)


@pytest.fixture
def dns(monkeypatch):
    fake = fakedns.install(monkeypatch)
    for name in ("a-slow.test", "z-good.test", "feeds.test"):
        fake.set(name, ["127.0.0.1"])
    return fake


@pytest.fixture
def sites():
    slow, good = Site(), Site()
    with LoopbackSites({"slow": slow, "good": good}) as servers:
        for site in servers.sites.values():
            site.server.handle_error = lambda request, client_address: None
        yield slow, good


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "w.duckdb")
    w.migrate()
    return w


class Stuck:
    """A route that holds every request until ``release`` (or 30 s), noting what it holds."""

    def __init__(self):
        self.release = threading.Event()
        self.started: list[str] = []

    def __call__(self, handler):
        self.started.append(handler.path)
        self.release.wait(30)
        return 200, HTML, article_html(f"Slow {handler.path}", T0).encode()


def _url(site: Site, name: str, path: str) -> str:
    return f"http://{name}:{site.server.server_address[1]}{path}"


def _list(wh: Warehouse, urls: list[str]) -> None:
    """The URLs as the user lists them, due in this order (one discovery time each)."""
    for url in urls:
        wh.frontier.add([{"url": url, "link": url, "origin": "page", "trusted_origin": origin_key(url)}])


def _q(wh: Warehouse, sql: str, params=None) -> list[tuple]:
    with wh.connect() as con:
        return con.execute(sql, params or []).fetchall()


def _slow_and_good(sites, wh, n_slow: int = 60, n_good: int = 5) -> tuple[Stuck, list[str], list[str]]:
    slow, good = sites
    stuck = Stuck()
    slow_urls = [_url(slow, "a-slow.test", f"/slow/{i}.html") for i in range(n_slow)]
    good_urls = [_url(good, "z-good.test", f"/good/{i}.html") for i in range(n_good)]
    for i in range(n_slow):
        slow.routes[f"/slow/{i}.html"] = stuck
    for i in range(n_good):
        good.routes[f"/good/{i}.html"] = lambda h: (200, HTML, article_html(f"Good {h.path}", T0).encode())
    _list(wh, slow_urls + good_urls)
    return stuck, slow_urls, good_urls


# -- item 6: one slow host ---------------------------------------------------------------------------


def test_the_good_hosts_pages_are_stored_while_a_slow_host_holds_its_own_slots(dns, sites, wh):
    """60 slow links due before 5 good ones on another host: the good pages are stored (and
    handed to extraction) while the slow host still holds its first two requests."""
    stuck, slow_urls, good_urls = _slow_and_good(sites, wh)
    due = wh.frontier.due()
    assert [r["url"] for r in due] == slow_urls + good_urls  # the slow ones first
    good_stored = threading.Event()
    handed: list[str] = []

    def handoff(rows: list[WaitingPage]) -> None:
        handed.extend(r.url for r in rows)
        if set(good_urls) <= set(handed):
            good_stored.set()

    counts: dict = {}
    fetching = threading.Thread(target=lambda: counts.update(collect.fetch_pages(POLICY, wh, due, handoff=handoff)))
    fetching.start()
    try:
        stored_early = good_stored.wait(25)
        held_then = list(stuck.started)
        stored_then = {u for (u,) in _q(wh, "select url from raw_pages")}
    finally:
        stuck.release.set()
        fetching.join(120)
    assert stored_early, "the good host's pages waited for the slow host"
    assert set(good_urls) <= stored_then and not stored_then & set(slow_urls)
    assert len(held_then) <= POLICY.per_host_concurrency  # the slow host used its own slots only
    assert counts["pages_fetched"] == 65 and counts["pages_failed"] == 0
    assert _q(wh, "select count(*) from raw_pages") == [(65,)]


def test_a_budget_leaves_what_is_not_fetched_pending_not_failed(dns, sites, wh):
    stuck, slow_urls, good_urls = _slow_and_good(sites, wh)
    run = wh.runs.start("ingest", None)
    due = wh.frontier.due(claim_for=run)
    started = time.monotonic()
    try:
        counts = collect.fetch_pages(POLICY, wh, due, run_id=run, budget=3.0)
        elapsed = time.monotonic() - started
    finally:
        stuck.release.set()
    assert elapsed < 20  # the budget, not the stuck host's 30 s
    assert counts["pages_fetched"] == 5 and counts["pages_failed"] == 0 and counts["pages_left"] == 60
    assert {u for (u,) in _q(wh, "select url from raw_pages")} == set(good_urls)
    assert _q(wh, "select count(*) from failures") == [(0,)]
    rows = _q(wh, "select state, attempts, claimed_until is null from frontier where url like '%a-slow%' "
                  "group by all")
    assert rows == [("pending", 0, True)]  # not failed, no attempt counted, its lease ended
    # an overlapping run takes them at once, though this run is still going
    assert {r["url"] for r in wh.frontier.due(claim_for=wh.runs.start("ingest", None))} == set(slow_urls)


def test_leases_are_renewed_while_fetching_and_a_lease_taken_by_another_run_is_not_fetched(dns, sites, wh):
    slow, _ = sites
    stuck = Stuck()
    urls = [_url(slow, "a-slow.test", f"/slow/{i}.html") for i in range(3)]
    for i in range(3):
        slow.routes[f"/slow/{i}.html"] = stuck
    _list(wh, urls)
    lease = timedelta(seconds=3)
    run_a, run_b = wh.runs.start("ingest", None), wh.runs.start("ingest", None)  # both alive (this process)
    due = wh.frontier.due(claim_for=run_a, lease=lease)
    (first_until,) = {u for (u,) in _q(wh, "select claimed_until from frontier")}
    policy = replace(POLICY, per_host_concurrency=1)
    fetching = threading.Thread(target=collect.fetch_pages, args=(policy, wh, due),
                                kwargs={"run_id": run_a, "lease": lease})
    fetching.start()
    waiter = threading.Event()
    try:
        while not stuck.started and fetching.is_alive():
            waiter.wait(0.05)
        with wh.transaction() as con:  # another run takes the last URL's lease meanwhile
            con.execute("update frontier set claimed_by = ?, claimed_until = ? where url = ?",
                        [run_b, datetime.now(timezone.utc) + timedelta(hours=1), urls[2]])
        # wait until the first lease has run out (its URLs would be due again without renewal)
        while datetime.now(timezone.utc) < first_until + timedelta(seconds=1):
            waiter.wait(0.1)
        overlapping = wh.frontier.due(claim_for="run-C")
        renewed = _q(wh, "select claimed_until from frontier where url = ?", [urls[1]])[0][0]
    finally:
        stuck.release.set()
        fetching.join(120)
    assert overlapping == []  # nothing of run A's is due for an overlapping run
    assert renewed > first_until
    assert slow.hits.get("/slow/0.html") == 1 and slow.hits.get("/slow/1.html") == 1
    assert "/slow/2.html" not in slow.hits  # run B holds it now: A does not fetch it
    assert _q(wh, "select state, claimed_by from frontier where url = ?", [urls[2]]) == [("pending", run_b)]


# -- item 3: our faults never lose a URL ----------------------------------------------------------


def test_http_431_and_a_request_we_cannot_build_leave_the_url_pending_for_good(dns, sites, wh):
    _, good = sites
    good.routes["/431.html"] = lambda h: (431, {"Content-Type": "text/plain"}, b"too large")
    good.routes["/page.html"] = lambda h: (200, HTML, article_html("Fine", T0).encode())
    u431, page = _url(good, "z-good.test", "/431.html"), _url(good, "z-good.test", "/page.html")
    _list(wh, [u431, page])
    with wh.transaction() as con:  # many transient failures already: any other would be given up now
        con.execute("update frontier set attempts = 20")
    broken = replace(POLICY)
    object.__setattr__(broken, "user_agent", "chipwire/1.0\r\nX-Injected: 1")  # slipped past validation
    collect.fetch_pages(broken, wh, wh.frontier.due())
    collect.fetch_pages(POLICY, wh, wh.frontier.due())  # the user fixed the setting: the page is fetched
    states = dict(_q(wh, "select url, state || ' ' || coalesce(cast(next_attempt_at is null as varchar), '') "
                         "from frontier"))
    assert states[u431] == "pending true"  # still pending, due at the next run, never given up
    assert states[page] == "fetched true"
    (reason, transient), = _q(wh, "select reason, transient from failures where url = ?", [u431])
    assert "431" in reason and transient


# -- item 9: one feed, however its URL is written -----------------------------------------------------


def test_the_same_feed_written_three_ways_is_polled_once(dns, sites, wh):
    _, good = sites
    port = good.server.server_address[1]
    good.routes["/rss.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss20(
        "Feeds", [("One", f"http://feeds.test:{port}/one.html", T0)]).encode())
    sources = parse_sources(
        "[fetch]\nper_host_delay = 0\n"
        f'[[feeds]]\nurl = "http://Feeds.TEST:{port}/rss.xml"\n'
        f'[[feeds]]\nurl = "HTTP://feeds.test:{port}/./rss.xml#latest"\n'
        f'[[feeds]]\nurl = "http://feeds.test:{port}/rss.xml"\n', "sources.toml")
    counts = collect.poll_feeds(sources, wh)
    assert counts["feeds_polled"] == 1 and good.hits["/rss.xml"] == 1
    assert _q(wh, "select feed_url from feeds") == [(f"http://feeds.test:{port}/rss.xml",)]
