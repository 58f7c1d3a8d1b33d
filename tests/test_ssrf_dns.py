"""SSRF through DNS (issue 12, item 1), on loopback with a DNS we control in-process.

Names such as ``evil.test`` are answered by a fake ``getaddrinfo`` (tests/fakedns.py: the one the
event loop, and so both our lookups and aiohttp's default resolver, call). Two real HTTP servers share one port: the
"internal service" on 127.0.0.1 and an "outlet" on 127.0.0.2. For the tests that need a
reachable *public* address, 127.0.0.2 stands in for one (``public_127_0_0_2``): nothing may leave
the machine in a test, and which addresses are public is tested on its own in test_netguard.py.

What must hold: a link found in a feed reaches the feed's own origin only at the addresses the
feed was fetched from, and an address is checked on the connection that is actually made (a name
that answers public to the check and 127.0.0.1 to the connection never reaches 127.0.0.1). Each
test shows that nothing reached the internal service and nothing of it was stored.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timezone

import pytest

from extractors.sources import FetchPolicy, parse_sources
from flows import collect, netguard
from flows.demo.server import LoopbackSites, Site, make_handler, QuietServer
from flows.errors import RefusedURL
from flows.fetch import Fetcher, FetchRequest
from tests import fakedns
from tests.pages import article_html, rss20
from warehouse.db import Warehouse

POLICY = FetchPolicy(per_host_delay=0, timeout=3, deadline=5, retries=1)
SECRET = b"<html><body><p>AKIA-SECRET-INSTANCE-CREDENTIALS</p></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def dns(monkeypatch):
    return fakedns.install(monkeypatch)


@pytest.fixture
def public_127_0_0_2(monkeypatch):
    """127.0.0.2 counts as a public address (the stand-in for an outlet on the internet)."""
    real = netguard.is_public_address
    monkeypatch.setattr(netguard, "is_public_address", lambda a: a == "127.0.0.2" or real(a))


@pytest.fixture
def twin():
    """(internal, outlet, port): the internal service on 127.0.0.1:P, an outlet on 127.0.0.2:P."""
    internal, outlet = Site(), Site()
    with LoopbackSites({"internal": internal}) as servers:
        port = servers["internal"].server.server_address[1]
        server = QuietServer(("127.0.0.2", port), make_handler(outlet))
        outlet.server = server
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        for site in (internal, outlet):
            site.server.handle_error = lambda request, client_address: None
        internal.routes["/latest/meta-data/iam"] = lambda h: (200, HTML, SECRET)
        internal.routes["/page"] = lambda h: (200, HTML, SECRET)
        try:
            yield internal, outlet, port
        finally:
            server.shutdown()
            server.server_close()


def _warehouse(tmp_path) -> Warehouse:
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.migrate()
    return wh


def _stored(wh: Warehouse) -> list[bytes]:
    from warehouse import codec

    with wh.connect() as con:
        shas = [s for (s,) in con.execute("select sha256 from raw_pages").fetchall()]
    return [codec.unpack(wh.pages.bodies.get(s)) for s in shas]


def _feed_with_links(outlet: Site, port: int) -> dict[str, str]:
    links = {"secret": f"http://evil.test:{port}/latest/meta-data/iam",
             "story": f"http://evil.test:{port}/news/story.html"}
    outlet.routes["/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"}, rss20(
        "Evil Wire", [(k, u, T0) for k, u in links.items()]).encode())
    outlet.routes["/news/story.html"] = lambda h: (200, HTML, article_html("A story", T0).encode())
    outlet.routes["/latest/meta-data/iam"] = lambda h: (404, HTML, b"<p>no such thing here</p>")
    return links


def _poll_then_fetch(tmp_path, dns, port: int, flip_to: str | None) -> Warehouse:
    sources = parse_sources("[fetch]\nper_host_delay = 0\nretries = 1\ntimeout = 3\ndeadline = 5\n"
                            f'[[feeds]]\nurl = "http://evil.test:{port}/feed.xml"\n', "sources.toml")
    wh = _warehouse(tmp_path)
    assert collect.poll_feeds(sources, wh)["entries_seen"] == 2
    if flip_to:
        dns.set("evil.test", [flip_to])  # the name now points at the internal service
    collect.fetch_pages(sources.fetch, wh, wh.frontier.due())
    return wh


# -- (a) links on the feed's own origin ------------------------------------------------------------


def test_feed_links_on_its_origin_reach_only_the_public_address_the_feed_came_from(
        tmp_path, dns, twin, public_127_0_0_2):
    internal, outlet, port = twin
    links = _feed_with_links(outlet, port)
    dns.set("evil.test", ["127.0.0.2"])  # public while the feed is polled
    wh = _poll_then_fetch(tmp_path, dns, port, flip_to="127.0.0.1")
    assert internal.requests == []  # not the page, not even robots.txt
    assert all(SECRET not in body for body in _stored(wh))
    with wh.connect() as con:
        failures = dict(con.execute("select url, stage from failures").fetchall())
    assert failures.get(links["secret"]) == "refused", failures
    assert failures.get(links["story"]) == "refused", failures  # the whole origin moved: all of it


@pytest.mark.parametrize("flip", [True, False], ids=["name-moved", "name-stays"])
def test_feed_links_on_its_origin_reach_the_private_address_the_feed_came_from_and_no_other(
        tmp_path, dns, twin, flip):
    """An intranet feed (a private address, listed by the user) may link to its own origin: at
    the address it was fetched from, not at whatever the name says later."""
    internal, outlet, port = twin
    links = _feed_with_links(outlet, port)
    dns.set("evil.test", ["127.0.0.2"])
    wh = _poll_then_fetch(tmp_path, dns, port, flip_to="127.0.0.1" if flip else None)
    assert internal.requests == []
    with wh.connect() as con:
        trusted = {t for (t,) in con.execute("select distinct trusted_origin from frontier").fetchall()}
        stored = {u for (u,) in con.execute("select url from raw_pages").fetchall()}
    assert trusted == {f"http://evil.test:{port}#127.0.0.2"}
    if flip:
        assert stored == set() and all(SECRET not in b for b in _stored(wh))
    else:  # the control: the same links are fetched while the name keeps its address
        assert stored == {links["story"]}
        assert outlet.hits.get("/news/story.html") == 1


# -- (b) DNS rebinding between the check and the connection ---------------------------------------


@pytest.mark.parametrize("answers", [
    (["127.0.0.2"], ["127.0.0.2"], ["127.0.0.1"]),  # public, public (the two checks before), then loopback
    (["127.0.0.2"], ["127.0.0.1"]),  # public once, loopback from then on: any second lookup is caught
], ids=["public-public-loopback", "public-loopback"])
def test_rebinding_after_the_check_never_reaches_loopback(tmp_path, dns, twin, public_127_0_0_2, answers):
    internal, outlet, port = twin
    outlet.routes["/page"] = lambda h: (200, HTML, article_html("The outlet's own page", T0).encode())
    dns.set("rebind.test", *answers)
    url = f"http://rebind.test:{port}/page"
    wh = _warehouse(tmp_path)
    wh.frontier.add([{"url": url, "link": url, "origin": "feed", "feed_url": "http://elsewhere.test/feed",
                         "trusted_origin": None}])  # a link found in another site's feed
    counts = collect.fetch_pages(POLICY, wh, wh.frontier.due())
    assert internal.requests == []
    bodies = _stored(wh)
    assert all(SECRET not in b for b in bodies)
    assert counts["pages_fetched"] == 1 and b"own page" in bodies[0]  # from the address that was checked


def test_a_pooled_connection_is_checked_again_for_each_request(twin, monkeypatch):
    """A page the user listed on a private address leaves a kept-alive connection to it; then
    the name answers a public address. A link from another feed to the same host and port
    passes the check (public) but must not ride on the pooled connection to the private one."""
    internal, outlet, port = twin
    real = netguard.is_public_address
    monkeypatch.setattr(netguard, "is_public_address", lambda a: a == "127.0.0.3" or real(a))
    answer = {"now": "127.0.0.2"}
    outlet.routes["/listed"] = lambda h: (200, HTML, b"<p>listed</p>")
    outlet.routes["/other"] = lambda h: (200, HTML, b"<p>other</p>")

    async def go():
        async with Fetcher(POLICY, resolver=lambda host, port: [answer["now"]]) as fetcher:
            url = f"http://intranet.test:{port}/listed"
            listed = await fetcher.fetch(FetchRequest(url=url, trusted_origin=f"http://intranet.test:{port}"))
            answer["now"] = "127.0.0.3"  # public now (and nothing listens there)
            other = await fetcher.fetch(FetchRequest(url=f"http://intranet.test:{port}/other"))
            return listed, other

    listed, other = asyncio.run(go())
    assert listed.ok, listed.error
    assert isinstance(other.error, RefusedURL) and "127.0.0.2" in other.error.reason, other.error
    assert "/other" not in outlet.hits


@pytest.mark.parametrize("host", ["[::7f00:1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::ffff:127.0.0.1]",
                                  "[::ffff:7f00:1]", "[64:ff9b::a00:1]", "[2002:a9fe:a9fe::]", "[fec0::1]",
                                  "[2001:0:4136:e378:8000:63bf:80ff:fffe]"])
def test_ipv6_forms_of_private_addresses_are_refused(host):
    (res,) = asyncio.run(_fetch_all(FetchRequest(url=f"http://{host}:8080/latest/meta-data/")))
    assert isinstance(res.error, RefusedURL), res.error
    assert res.attempts == 1


def test_a_name_answering_an_ipv6_form_of_loopback_is_refused(dns, twin):
    internal, _, port = twin
    dns.set("sneaky.test", ["::ffff:127.0.0.1"])
    (res,) = asyncio.run(_fetch_all(FetchRequest(url=f"http://sneaky.test:{port}/page")))
    assert isinstance(res.error, RefusedURL)
    assert internal.requests == []


async def _fetch_all(*requests: FetchRequest):
    async with Fetcher(POLICY) as fetcher:
        return await fetcher.fetch_many(list(requests))
