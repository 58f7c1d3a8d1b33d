"""flows.fetch.Fetcher against real HTTP servers on 127.0.0.1 (flows.demo.server)."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from dataclasses import replace

import pytest

from extractors.sources import FetchPolicy
from flows.demo.server import LoopbackSites, Site
from flows.errors import ClientFault, RefusedURL, RobotsDisallowed, TerminalFetchError, TransientFetchError
from flows.fetch import Fetcher, FetchRequest, FetchResult, origin_key

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello from loopback.</p></body></html>"
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}

FAST = FetchPolicy(
    per_host_concurrency=4,
    per_host_delay=0.0,
    user_agent="chipwire-test/1.0",
    timeout=3.0,
    deadline=5.0,
    max_bytes=1_000_000,
    retries=3,
)


def html(handler):
    return 200, HTML_TYPE, HTML


def fetch(policy: FetchPolicy, *requests: FetchRequest) -> list[FetchResult]:
    async def go():
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch_many(list(requests))

    return asyncio.run(go())


def trusted(site: Site, path: str, **kw) -> FetchRequest:
    """A request for a URL the user listed: its own origin is trusted even on loopback."""
    url = site.url(path)
    return FetchRequest(url=url, trusted_origin=origin_key(url), **kw)


@pytest.fixture
def sites():
    """Two loopback sites, each its own origin (own port)."""
    with LoopbackSites({"a": Site(), "b": Site()}) as servers:
        quiet(servers)
        yield servers


def quiet(servers: LoopbackSites) -> None:
    # our client drops connections on purpose (caps, deadlines): the server's next readline
    # then sees a reset, which socketserver would print as a traceback
    for site in servers.sites.values():
        site.server.handle_error = lambda request, client_address: None


# -- plain success, redirects -----------------------------------------------------------------


def test_200_html_after_same_origin_301(sites):
    a = sites["a"]
    a.routes["/old"] = lambda h: (301, {"Location": "/new?x=1"}, b"")
    a.routes["/new"] = lambda h: (200, {**HTML_TYPE, "ETag": '"v1"', "Last-Modified": "Tue, 07 Oct 2025 10:00:00 GMT"}, HTML)
    (res,) = fetch(FAST, trusted(a, "/old"))
    assert res.ok, res.error
    assert res.status == 200
    assert res.final_url == a.url("/new?x=1")
    assert res.body == HTML
    assert res.content_type.startswith("text/html")
    assert res.etag == '"v1"' and res.last_modified == "Tue, 07 Oct 2025 10:00:00 GMT"
    assert res.fetched_at is not None and res.fetched_at.tzinfo is not None
    assert res.attempts == 1
    assert a.hits["/old"] == 1 and a.hits["/new"] == 1
    # our User-Agent is sent
    assert any(headers.get("user-agent") == "chipwire-test/1.0" for _, headers in a.requests)


def test_redirect_loop_is_terminal(sites):
    a = sites["a"]
    a.routes["/loop"] = lambda h: (302, {"Location": "/loop"}, b"")
    (res,) = fetch(FAST, trusted(a, "/loop"))
    assert isinstance(res.error, TerminalFetchError)
    assert "redirects" in res.error.reason
    assert a.hits["/loop"] <= 6


# -- status codes, content types, retries ------------------------------------------------------


def test_404_is_terminal_and_not_retried(sites):
    a = sites["a"]
    a.routes["/gone"] = lambda h: (404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
    (res,) = fetch(FAST, trusted(a, "/gone"))
    assert not res.ok
    assert isinstance(res.error, TerminalFetchError) and not res.error.transient
    assert res.error.stage == "fetch"
    assert res.error.status == 404
    assert res.attempts == 1
    assert a.hits["/gone"] == 1


def test_a_content_encoding_we_did_not_ask_for_is_a_recorded_failure_not_stored_bytes(sites):
    a = sites["a"]
    a.routes["/br"] = lambda h: (200, {"Content-Type": "text/html", "Content-Encoding": "br"}, b"\x1b\x03\x00\xf8")
    (res,) = fetch(FAST, trusted(a, "/br"))
    assert isinstance(res.error, TerminalFetchError)
    assert "content encoding: br" in res.error.reason
    assert res.body is None and res.attempts == 1


def test_pdf_is_not_html(sites):
    a = sites["a"]
    a.routes["/report.pdf"] = lambda h: (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + b"x" * 100)
    (res,) = fetch(FAST, trusted(a, "/report.pdf"))
    assert isinstance(res.error, TerminalFetchError)
    assert "not HTML" in res.error.reason
    assert res.body is None
    assert a.hits["/report.pdf"] == 1


def test_feed_request_accepts_xml(sites):
    a = sites["a"]
    a.routes["/rss.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, b"<rss version='2.0'/>")
    a.routes["/img"] = lambda h: (200, {"Content-Type": "image/png"}, b"\x89PNG")
    ok, img = fetch(FAST, trusted(a, "/rss.xml", kind="feed"), trusted(a, "/img", kind="feed"))
    assert ok.ok and ok.body == b"<rss version='2.0'/>"
    assert isinstance(img.error, TerminalFetchError) and "not a feed" in img.error.reason


def _flaky(failures: int, status: int = 503, headers: dict | None = None):
    calls = {"n": 0}

    def route(handler):
        calls["n"] += 1
        if calls["n"] <= failures:
            return status, {"Content-Type": "text/plain", **(headers or {})}, b"busy"
        return 200, HTML_TYPE, HTML

    return route


def test_503_twice_then_200_is_ok_after_three_attempts(sites):
    a = sites["a"]
    a.routes["/flaky"] = _flaky(2)
    (res,) = fetch(FAST, trusted(a, "/flaky"))
    assert res.ok, res.error
    assert res.attempts == 3
    assert res.body == HTML
    assert a.hits["/flaky"] == 3


def test_429_with_retry_after_is_honoured(sites):
    a = sites["a"]
    a.routes["/limited"] = _flaky(1, status=429, headers={"Retry-After": "1"})
    start = time.monotonic()
    (res,) = fetch(FAST, trusted(a, "/limited"))
    elapsed = time.monotonic() - start
    assert res.ok, res.error
    assert res.attempts == 2
    assert elapsed >= 0.9  # waited as told
    assert a.hits["/limited"] == 2


def test_retry_after_beyond_the_cap_is_left_to_the_next_run(sites):
    a = sites["a"]
    a.routes["/later"] = _flaky(5, status=503, headers={"Retry-After": "3600"})
    start = time.monotonic()
    (res,) = fetch(FAST, trusted(a, "/later"))
    assert isinstance(res.error, TransientFetchError)
    assert res.error.retry_after == 3600
    assert res.attempts == 1 and time.monotonic() - start < 2


def test_503_forever_is_transient_after_retries_attempts(sites):
    a = sites["a"]
    a.routes["/down"] = lambda h: (503, {"Content-Type": "text/plain"}, b"down")
    policy = replace(FAST, retries=2)
    (res,) = fetch(policy, trusted(a, "/down"))
    assert isinstance(res.error, TransientFetchError) and res.error.transient
    assert res.error.status == 503
    assert res.attempts == 2
    assert a.hits["/down"] == 2


def test_connection_refused_is_transient():
    with LoopbackSites({"x": Site()}) as servers:
        url = servers["x"].url("/a")
    # the server is gone now: nothing listens on that port
    (res,) = fetch(replace(FAST, retries=1), FetchRequest(url=url, trusted_origin=origin_key(url)))
    assert isinstance(res.error, TransientFetchError)


# -- conditional GET --------------------------------------------------------------------------


def test_conditional_get_304(sites):
    a = sites["a"]

    def route(handler):
        if handler.headers.get("If-None-Match") == '"abc"':
            return 304, {"ETag": '"abc"'}, None
        return 200, {**HTML_TYPE, "ETag": '"abc"'}, HTML

    a.routes["/feed"] = route
    first, second = fetch(FAST, trusted(a, "/feed"), trusted(a, "/feed", etag='"abc"',
                                                                last_modified="Tue, 07 Oct 2025 10:00:00 GMT"))
    assert first.ok and first.status == 200 and not first.not_modified and first.etag == '"abc"'
    assert second.ok and second.not_modified and second.status == 304
    assert second.body is None
    assert second.etag == '"abc"'
    assert second.last_modified == "Tue, 07 Oct 2025 10:00:00 GMT"  # kept from the request
    sent = [headers for path, headers in a.requests if path == "/feed"]
    assert sorted(h.get("if-none-match") for h in sent if h.get("if-none-match")) == ['"abc"']
    assert any(h.get("if-modified-since") == "Tue, 07 Oct 2025 10:00:00 GMT" for h in sent)


# -- robots.txt -------------------------------------------------------------------------------


def test_robots_disallow_and_robots_fetched_once(sites):
    a = sites["a"]
    a.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
    for i in range(6):
        a.routes[f"/news/{i}"] = html
    a.routes["/private/x"] = html
    requests = [trusted(a, f"/news/{i}") for i in range(6)] + [trusted(a, "/private/x")]
    results = fetch(FAST, *requests)
    assert all(r.ok for r in results[:6]), [r.error for r in results[:6]]
    blocked = results[6]
    assert isinstance(blocked.error, RobotsDisallowed)
    assert blocked.error.stage == "robots" and not blocked.error.transient
    assert "/private/x" not in a.hits  # never requested
    assert a.hits["/robots.txt"] == 1


def test_robots_group_for_our_user_agent_wins(sites):
    b = sites["b"]
    b.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"},
                                         b"User-agent: *\nDisallow: /\n\nUser-agent: chipwire-test\nDisallow: /secret\n")
    b.routes["/news"] = html
    b.routes["/secret"] = html
    news, secret = fetch(FAST, trusted(b, "/news"), trusted(b, "/secret"))
    assert news.ok, news.error
    assert isinstance(secret.error, RobotsDisallowed)
    assert "/secret" not in b.hits


def test_robots_cache_shared_between_fetchers(sites):
    a = sites["a"]
    a.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")
    a.routes["/page"] = html
    cache: dict = {}

    async def go():
        for _ in range(3):
            async with Fetcher(FAST, robots_cache=cache) as fetcher:
                assert (await fetcher.fetch(trusted(a, "/page"))).ok

    asyncio.run(go())
    assert a.hits["/robots.txt"] == 1 and a.hits["/page"] == 3


def test_robots_ignored_when_the_policy_says_so(sites):
    a = sites["a"]
    a.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /\n")
    a.routes["/page"] = html
    (res,) = fetch(replace(FAST, respect_robots=False), trusted(a, "/page"))
    assert res.ok
    assert "/robots.txt" not in a.hits


def test_missing_robots_allows_everything(sites):
    a = sites["a"]  # no route: the server answers 404
    a.routes["/page"] = html
    (res,) = fetch(FAST, trusted(a, "/page"))
    assert res.ok and a.hits["/robots.txt"] == 1


def test_robots_5xx_means_not_now(sites):
    a = sites["a"]
    a.routes["/robots.txt"] = lambda h: (500, {"Content-Type": "text/plain"}, b"oops")
    a.routes["/page"] = html
    (res,) = fetch(replace(FAST, retries=1), trusted(a, "/page"))
    assert isinstance(res.error, TransientFetchError)
    assert "/page" not in a.hits


# -- size caps, bombs, trickles ---------------------------------------------------------------


def test_declared_body_larger_than_max_bytes(sites):
    a = sites["a"]
    big = b"<html><body>" + b"x" * 200_000 + b"</body></html>"
    a.routes["/big"] = lambda h: (200, HTML_TYPE, big)
    (res,) = fetch(replace(FAST, max_bytes=50_000), trusted(a, "/big"))
    assert isinstance(res.error, TerminalFetchError) and not res.error.transient
    assert "too large" in res.error.reason
    assert res.attempts == 1


def test_chunked_body_without_content_length_is_cut(sites):
    a = sites["a"]
    state = {"sent": 0}

    def chunked(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"y" * 8000 + b"</p>\n"
        try:
            for _ in range(200):  # ~1.6 MB if nobody stops reading
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                state["sent"] += len(chunk)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        handler.close_connection = True
        return None, None, None

    a.routes["/stream"] = chunked
    (res,) = fetch(replace(FAST, max_bytes=100_000), trusted(a, "/stream"))
    assert isinstance(res.error, TerminalFetchError)
    assert "too large" in res.error.reason


def test_small_chunked_body_is_read_whole(sites):
    a = sites["a"]

    def chunked(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for part in (b"<html><body>", b"<p>chunked</p>", b"</body></html>"):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        handler.wfile.write(b"0\r\n\r\n")
        return None, None, None

    a.routes["/chunks"] = chunked
    (res,) = fetch(FAST, trusted(a, "/chunks"))
    assert res.ok and res.body == b"<html><body><p>chunked</p></body></html>"


def test_gzip_bomb_is_cut(sites):
    a = sites["a"]
    bomb = gzip.compress(b"\0" * 10_000_000, compresslevel=9)
    assert len(bomb) < 50_000  # small on the wire ...
    a.routes["/bomb"] = lambda h: (200, {**HTML_TYPE, "Content-Encoding": "gzip"}, bomb)
    start = time.monotonic()
    (res,) = fetch(replace(FAST, max_bytes=1_000_000), trusted(a, "/bomb"))
    assert isinstance(res.error, TerminalFetchError)  # ... but too large once decoded
    assert "too large" in res.error.reason
    assert res.body is None
    assert time.monotonic() - start < 5


def test_gzip_encoded_page_is_decoded(sites):
    a = sites["a"]
    a.routes["/gz"] = lambda h: (200, {**HTML_TYPE, "Content-Encoding": "gzip"}, gzip.compress(HTML))
    (res,) = fetch(FAST, trusted(a, "/gz"))
    assert res.ok and res.body == HTML


def test_trickling_response_hits_the_deadline(sites):
    a = sites["a"]
    stop = threading.Event()

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(40):
                if stop.is_set():
                    break
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass
        handler.close_connection = True
        return None, None, None

    a.routes["/slow"] = trickle
    policy = replace(FAST, deadline=2.0, timeout=1.5, retries=1)
    start = time.monotonic()
    try:
        (res,) = fetch(policy, trusted(a, "/slow"))
    finally:
        stop.set()
    elapsed = time.monotonic() - start
    assert isinstance(res.error, TransientFetchError) and res.error.transient
    assert "deadline" in res.error.reason
    assert elapsed < 5


# -- address checks (SSRF) ---------------------------------------------------------------------


def test_loopback_link_from_another_origin_is_refused(sites):
    a, b = sites["a"], sites["b"]
    b.routes["/internal"] = html
    # a link found in a.'s feed that points at b. (another origin on 127.0.0.1)
    req = FetchRequest(url=b.url("/internal"), trusted_origin=origin_key(a.url("/rss.xml")))
    (res,) = fetch(FAST, req)
    assert isinstance(res.error, RefusedURL)
    assert res.error.stage == "refused" and not res.error.transient
    assert b.hits == {}  # not even robots.txt


def test_loopback_without_trusted_origin_is_refused(sites):
    a = sites["a"]
    a.routes["/x"] = html
    (res,) = fetch(FAST, FetchRequest(url=a.url("/x")))
    assert isinstance(res.error, RefusedURL)
    assert a.hits == {}


def test_same_origin_redirect_to_another_loopback_port_is_refused(sites):
    a, b = sites["a"], sites["b"]
    a.routes["/go"] = lambda h: (302, {"Location": b.url("/admin")}, b"")
    b.routes["/admin"] = html
    (res,) = fetch(FAST, trusted(a, "/go"))
    assert isinstance(res.error, RefusedURL)
    assert a.hits.get("/go") == 1
    assert b.hits == {}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://127.0.0.1/x", "http://",
                                 "http://example.com:99999/x", "data:text/html,<p>hi</p>"])
def test_non_http_urls_are_refused(url):
    (res,) = fetch(FAST, FetchRequest(url=url, trusted_origin="http://example.com:80"))
    assert isinstance(res.error, RefusedURL)
    assert res.attempts == 1


def test_redirect_to_non_http_scheme_is_refused(sites):
    a = sites["a"]
    a.routes["/to-file"] = lambda h: (301, {"Location": "file:///etc/passwd"}, b"")
    (res,) = fetch(FAST, trusted(a, "/to-file"))
    assert isinstance(res.error, RefusedURL)


# -- politeness -------------------------------------------------------------------------------


def _counting_site(sites, n: int, hold: float = 0.15):
    a = sites["a"]
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def route(handler):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(hold)
        with lock:
            state["now"] -= 1
        return 200, HTML_TYPE, HTML

    for i in range(n):
        a.routes[f"/p/{i}"] = route
    return a, state


def test_per_host_concurrency_one_means_one_at_a_time(sites):
    a, state = _counting_site(sites, 6)
    results = fetch(replace(FAST, per_host_concurrency=1), *(trusted(a, f"/p/{i}") for i in range(6)))
    assert all(r.ok for r in results)
    assert state["max"] == 1


def test_per_host_concurrency_allows_parallel_requests(sites):
    # the counter itself works: with a higher limit the server does see overlap
    a, state = _counting_site(sites, 6)
    results = fetch(replace(FAST, per_host_concurrency=3), *(trusted(a, f"/p/{i}") for i in range(6)))
    assert all(r.ok for r in results)
    assert 2 <= state["max"] <= 3


def test_per_host_delay_spaces_requests(sites):
    a = sites["a"]
    times = []
    a.routes["/robots.txt"] = lambda h: (404, {}, b"")

    def route(handler):
        times.append(time.monotonic())
        return 200, HTML_TYPE, HTML

    for i in range(3):
        a.routes[f"/d/{i}"] = route
    results = fetch(replace(FAST, per_host_delay=0.3), *(trusted(a, f"/d/{i}") for i in range(3)))
    assert all(r.ok for r in results)
    times.sort()
    assert all(later - earlier >= 0.25 for earlier, later in zip(times, times[1:]))


def test_invalid_host_names_are_refused_and_do_not_sink_the_batch(sites):
    a = sites["a"]
    a.routes["/fine"] = html
    bad = ["http://" + "a" * 70 + ".example.com/x", "http://a..b/x", "http://.../", "http://[::1/x"]
    results = fetch(FAST, *(FetchRequest(url=u) for u in bad), trusted(a, "/fine"))
    assert [type(r.error) for r in results[:4]] == [RefusedURL] * 4
    assert results[4].ok and results[4].body == HTML


# -- robots.txt over 500 KiB (issue 12, item 4) ------------------------------------------------------


def _padded_robots(head: bytes, size: int) -> bytes:
    line = b"# " + b"x" * 97 + b"\n"
    return head + line * (size // len(line))


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_10_mb_disallow_all_robots_txt_is_read_not_ignored(sites, encoding):
    """RFC 9309: parse the first 500 KiB. A robots.txt over the cap used to count as none at all."""
    a = sites["a"]
    body = _padded_robots(b"User-agent: *\nDisallow: /\n", 10_000_000)
    headers = {"Content-Type": "text/plain"}
    if encoding == "gzip":
        body, headers = gzip.compress(body), {**headers, "Content-Encoding": "gzip"}
    a.routes["/robots.txt"] = lambda h: (200, headers, body)
    a.routes["/page"] = html
    (res,) = fetch(FAST, trusted(a, "/page"))
    assert isinstance(res.error, RobotsDisallowed), res.error
    assert "/page" not in a.hits


def test_robots_rules_past_500_kib_are_not_read(sites):
    a = sites["a"]
    body = _padded_robots(b"User-agent: *\nDisallow: /early\n", 600_000) + b"Disallow: /late\n"
    a.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, body)
    a.routes["/early"] = a.routes["/late"] = html
    early, late = fetch(FAST, trusted(a, "/early"), trusted(a, "/late"))
    assert isinstance(early.error, RobotsDisallowed)
    assert late.ok, late.error


def test_an_unreadable_robots_txt_means_not_now_not_everything_allowed(sites):
    a = sites["a"]
    a.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"},
                                         b"\x1f\x8b\x08\x00 this is not gzip")
    a.routes["/page"] = html
    (res,) = fetch(replace(FAST, retries=1), trusted(a, "/page"))
    assert isinstance(res.error, TransientFetchError) and "robots.txt unreachable" in res.error.reason
    assert "/page" not in a.hits


# -- our own faults (issue 12, item 3) ---------------------------------------------------------------


def test_http_431_is_our_fault_never_the_urls(sites):
    a = sites["a"]
    a.routes["/page"] = lambda h: (431, {"Content-Type": "text/plain"}, b"Request Header Fields Too Large")
    (res,) = fetch(FAST, trusted(a, "/page"))
    assert isinstance(res.error, ClientFault) and res.error.ours and res.error.transient
    assert res.attempts == 1  # the same request would get the same answer: not retried now
    assert a.hits["/page"] == 1


def test_http_431_for_robots_txt_is_our_fault_too(sites):
    a = sites["a"]
    a.routes["/robots.txt"] = lambda h: (431, {"Content-Type": "text/plain"}, b"Request Header Fields Too Large")
    a.routes["/page"] = html
    (res,) = fetch(FAST, trusted(a, "/page"))
    assert isinstance(res.error, ClientFault) and "431" in res.error.reason
    assert "/page" not in a.hits


def test_a_request_the_client_cannot_build_is_our_fault_not_a_terminal_failure(sites):
    """A policy that slipped past validation (forced here): aiohttp raises ValueError for the
    header at send time. That says nothing about the URL."""
    a = sites["a"]
    a.routes["/page"] = html
    policy = replace(FAST)
    object.__setattr__(policy, "user_agent", "chipwire/1.0\r\nX-Injected: 1")
    (res,) = fetch(policy, trusted(a, "/page"))
    assert isinstance(res.error, ClientFault) and not isinstance(res.error, TerminalFetchError)
    assert "ValueError" in res.error.reason
    assert not any("x-injected" in headers for _, headers in a.requests)


def test_validators_a_server_sent_are_not_sent_back_when_they_are_not_header_safe(sites):
    a = sites["a"]
    a.routes["/page"] = html
    (res,) = fetch(FAST, trusted(a, "/page", etag='"v1"\r\nX-Injected: 1', last_modified="x" * 5000))
    assert res.ok, res.error
    sent = [headers for path, headers in a.requests if path == "/page"][0]
    assert "if-none-match" not in sent and "if-modified-since" not in sent


# -- hosts interleaved (issue 12, item 6) -------------------------------------------------------------


def _named(site: Site, name: str, path: str) -> FetchRequest:
    """A request to ``site`` under the host name ``name`` (a listed URL; see LOOPBACK_NAMES)."""
    url = f"http://{name}:{site.server.server_address[1]}{path}"
    return FetchRequest(url=url, trusted_origin=origin_key(url))


def LOOPBACK_NAMES(host: str, port: int) -> list[str]:  # noqa: N802 -- a resolver for Fetcher(resolver=)
    return ["127.0.0.1"] if host.endswith(".test") else []


def test_a_slow_host_never_holds_back_another_hosts_results(sites):
    """60 links to a slow host sorted ahead of 5 to a good one: the good host's pages all come
    out while the slow host still holds its first requests."""
    slow, good = sites["a"], sites["b"]
    release = threading.Event()
    watchdog = threading.Timer(20, release.set)  # were the good host held back, the test ends anyway
    started = []

    def stuck(handler):
        started.append(handler.path)
        release.wait(30)
        return 200, HTML_TYPE, HTML

    for i in range(60):
        slow.routes[f"/slow/{i}"] = stuck
    for i in range(5):
        good.routes[f"/good/{i}"] = html
    requests = [_named(slow, "slow.test", f"/slow/{i}") for i in range(60)]
    requests += [_named(good, "good.test", f"/good/{i}") for i in range(5)]
    order: list[int] = []
    released_after: list[int] = []

    async def go():
        policy = replace(FAST, per_host_concurrency=2, deadline=60, timeout=60)
        async with Fetcher(policy, resolver=LOOPBACK_NAMES, max_connections=8) as fetcher:
            async for done in fetcher.stream(requests):
                order.extend(i for i, _ in done)
                if not release.is_set() and sum(1 for i in order if i >= 60) == 5:
                    released_after.append((len(order), len(started)))
                    release.set()  # the good host is through: let the slow one go on

    watchdog.start()
    try:
        asyncio.run(go())
    finally:
        release.set()
        watchdog.cancel()
    assert sorted(order) == list(range(65))
    # the five good ones came first, while the slow host held its own two slots, no more
    assert [n for n, _ in released_after] == [5], (released_after, order[:10])
    assert released_after[0][1] <= 2
    assert max(slow.hits.get(f"/slow/{i}", 0) for i in range(60)) == 1


def test_stream_stops_at_its_budget_and_returns_nothing_of_what_it_dropped(sites):
    slow, good = sites["a"], sites["b"]
    release = threading.Event()
    slow.routes["/stuck"] = lambda h: (release.wait(30), (200, HTML_TYPE, HTML))[1]
    good.routes["/fine"] = html
    got = []

    async def go():
        async with Fetcher(FAST, resolver=LOOPBACK_NAMES) as fetcher:
            requests = [_named(slow, "slow.test", "/stuck"), _named(good, "good.test", "/fine")]
            async for done in fetcher.stream(requests, budget=1.5):
                got.extend(done)

    try:
        start = time.monotonic()
        asyncio.run(go())
        elapsed = time.monotonic() - start
    finally:
        release.set()
    assert [i for i, _ in got] == [1] and got[0][1].ok, got
    assert elapsed < 10  # the budget, not the stuck host's 30 s
