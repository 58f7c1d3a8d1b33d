"""End to end: the real `ingest` flow (Prefect test harness) against real loopback sites,
into a real DuckDB file."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from flows.demo.server import LoopbackSites, Site
from flows.settings import build_settings
from tests.pages import article_html, atom, rss10, rss20, rows

pytestmark = pytest.mark.prefect

T0 = datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)


class Flaky:
    """503 for the first ``failures`` requests, then the page."""

    def __init__(self, failures: int, html: str):
        self.left, self.html = failures, html
        self.lock = threading.Lock()

    def __call__(self, handler):
        with self.lock:
            if self.left > 0:
                self.left -= 1
                return 503, {"Content-Type": "text/plain"}, b"busy"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, self.html.encode()


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def world(tmp_path):
    """Three outlets (RSS 2.0, Atom, RSS 1.0), each on its own loopback port."""
    roots = {name: tmp_path / "sites" / name for name in ("alpha", "beta", "gamma")}
    sites = {name: Site(root=root, prefix=f"/{name}") for name, root in roots.items()}
    with LoopbackSites(sites):
        a, b, g = sites["alpha"], sites["beta"], sites["gamma"]
        # alpha: RSS 2.0, og/meta metadata; a dead link, a PDF, a duplicated entry, tracking params
        a_items = []
        for i in range(3):
            when = T0 + timedelta(days=i)
            _write(roots["alpha"], f"news/a{i}.html", article_html(f"Alpha story {i} on chip curbs", when, n=i))
            a_items.append((f"Alpha story {i}", a.url(f"news/a{i}.html") + "?utm_source=rss&utm_medium=feed", when))
        a_items.append(("Alpha story 0 again", a.url("news/a0.html"), T0))  # duplicate entry
        a_items.append(("Dead", a.url("news/gone.html"), T0))
        a_items.append(("A report (PDF)", a.url("files/report.pdf"), T0))
        a_items.append(("Flaky once", a.url("news/flaky-once.html"), T0))
        a_items.append(("Flaky long", a.url("news/flaky-long.html"), T0))
        _write(roots["alpha"], "feed.xml", rss20("Alpha News", a_items))
        (roots["alpha"] / "files").mkdir()
        (roots["alpha"] / "files" / "report.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 2000)
        a.routes["/alpha/news/flaky-once.html"] = Flaky(1, article_html("Flaky once recovers", T0, n=10))
        a.routes["/alpha/news/flaky-long.html"] = Flaky(3, article_html("Flaky long recovers", T0, n=11))
        # beta: Atom, JSON-LD metadata, German pages declared in <html lang>
        b_items = []
        for i in range(2):
            when = T0 + timedelta(days=10 + i, hours=3)
            _write(roots["beta"], f"artikel/b{i}.html",
                   article_html(f"Beta Bericht {i} über Exportkontrollen", when, lang="de", n=i, style="jsonld"))
            b_items.append((f"Beta {i}", b.url(f"artikel/b{i}.html"), when))
        _write(roots["beta"], "atom.xml", atom("Beta Nachrichten", b_items))
        # gamma: RSS 1.0, date only in <time>, no lang attribute (detected)
        g_items = []
        for i in range(2):
            when = T0 + timedelta(days=20 + i)
            _write(roots["gamma"], f"p/g{i}.html", article_html(f"Gamma report {i}", when, n=20 + i, style="time"))
            g_items.append((f"Gamma {i}", g.url(f"p/g{i}.html"), when))
        _write(roots["gamma"], "index.rdf", rss10("Gamma Wire", g_items))
        sources = tmp_path / "sources.toml"
        sources.write_text(
            "[fetch]\nper_host_concurrency = 4\nper_host_delay = 0.0\ntimeout = 5.0\ndeadline = 10.0\n"
            f'[[feeds]]\nurl = "{a.url("feed.xml")}"\nname = "Alpha News"\n'
            f'[[feeds]]\nurl = "{b.url("atom.xml")}"\n'
            f'[[feeds]]\nurl = "{g.url("index.rdf")}"\n'
            # a page also announced by a feed: one article
            f'[[pages]]\nurl = "{a.url("news/a1.html")}"\n'
        )
        settings = build_settings(db=str(tmp_path / "wh.duckdb"), sources=str(sources), progress=False, workers=1)
        yield sites, settings


_q = rows  # read-only look into the warehouse file


def test_two_runs_end_to_end(prefect_harness, world):
    from flows.ingest import ingest_flow

    sites, settings = world
    alpha = sites["alpha"]

    first = ingest_flow(settings)
    articles = dict(_q(settings, "select canonical_url, article_id from articles"))
    # 3 alpha + flaky-once + 2 beta + 2 gamma; flaky-long is still failing after the in-run retries
    assert first["articles_new"] == 8, first
    assert len(articles) == 8
    # the duplicated entry and the [[pages]] copy of a1 are one article each
    assert _q(settings, "select count(*) from articles where title like 'Alpha story 0%'") == [(1,)]
    assert _q(settings, "select count(*) from articles where title like 'Alpha story 1%'") == [(1,)]
    assert alpha.hits["/alpha/news/a1.html"] == 1 and alpha.hits["/alpha/news/a0.html"] == 1
    # tracking parameters are gone from the canonical URLs (`url` keeps the link as found)
    assert not any("utm_" in u for u in articles)
    failures = {u.rsplit("/", 1)[-1]: (stage, reason) for u, stage, reason in
                _q(settings, "select url, stage, reason from failures")}
    assert failures["gone.html"][0] == "fetch" and "404" in failures["gone.html"][1]
    assert "not HTML" in failures["report.pdf"][1]
    assert "503" in failures["flaky-long.html"][1]
    assert "flaky-once.html" not in failures
    assert alpha.hits["/alpha/news/flaky-once.html"] == 2  # retried within the run
    assert alpha.hits["/alpha/news/flaky-long.html"] == 3  # retries exhausted for this run

    # metadata from og tags, JSON-LD and <time>; languages declared and detected
    rows = _q(settings, "select title, author, published_at, language, source from articles order by title")
    by_title = {r[0]: r for r in rows}
    a0 = by_title["Alpha story 0 on chip curbs"]
    assert a0[1] == "Jane Doe" and a0[2] == T0 and a0[3] == "en" and a0[4] == "Alpha News"
    b1 = by_title["Beta Bericht 1 über Exportkontrollen"]
    assert b1[2] == T0 + timedelta(days=11, hours=3) and b1[3] == "de"
    assert by_title["Gamma report 1"][2] == T0 + timedelta(days=21) and by_title["Gamma report 1"][3] == "en"
    # classified in the extraction workers, clustered after: every article has relevance and a
    # cluster, the on-topic fixtures have themes with evidence and entities
    assert _q(settings, "select count(*) from articles where relevance is null or cluster_id is null") == [(0,)]
    assert _q(settings, "select count(*) > 0 from article_themes t join articles a using (article_id) "
                        "where a.is_relevant and length(t.evidence) > 20") == [(True,)]
    assert _q(settings, "select count(*) > 0 from article_entities where entity = 'Nvidia'") == [(True,)]
    texts = _q(settings, "select text from articles")
    assert all("Commerce Department" in t or "Handelsministerium" in t for (t,) in texts)
    assert all("All rights reserved" not in t for (t,) in texts)

    hits_before = {s: dict(site.hits) for s, site in sites.items()}
    requests_before = {s: len(site.requests) for s, site in sites.items()}
    second = ingest_flow(settings)
    assert second["feeds_not_modified"] == 3  # every feed asked conditionally, every one said 304
    for name, site in sites.items():
        feed_requests = [h for p, h in site.requests[requests_before[name]:] if p.endswith((".xml", ".rdf"))]
        assert feed_requests and all("if-none-match" in h for h in feed_requests)
    # nothing stored was downloaded again: only the flaky page (pending from run 1) was fetched
    for name, site in sites.items():
        for path, n in site.hits.items():
            if path.endswith(".html") and "flaky-long" not in path:
                assert n == hits_before[name].get(path, 0), path
    assert second["articles_new"] == 1  # flaky-long, even though its feed answered 304
    assert _q(settings, "select count(*) from failures where url like '%flaky-long%'") == [(0,)]
    assert _q(settings, "select count(*) from articles") == [(9,)]
    assert _q(settings, "select count(*), count(distinct article_id) from articles") == [(9, 9)]
    runs = _q(settings, "select flow, status, feeds_polled, feeds_not_modified, articles_new from runs order by started_at")
    assert runs == [("ingest", "completed", 3, 0, 8), ("ingest", "completed", 3, 3, 1)]

    third = ingest_flow(settings)
    assert third.get("articles_new", 0) == 0 and third.get("pages_queued", 0) == 0
    assert _q(settings, "select count(*) from articles") == [(9,)]


def test_updated_entry_is_fetched_again(prefect_harness, tmp_path):
    """An Atom entry whose <updated> changes is a correction: fetched again, article replaced."""
    from flows.ingest import ingest_flow

    root = tmp_path / "site"
    site = Site(root=root, prefix="/s")
    with LoopbackSites({"s": site}):
        link = site.url("story.html")
        _write(root, "story.html", article_html("Original headline about H20 licences", T0))
        _write(root, "atom.xml", atom("S", [("Story", link, T0)]))
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nper_host_delay = 0.0\n[[feeds]]\nurl = "{site.url("atom.xml")}"\n')
        settings = build_settings(db=str(tmp_path / "w.duckdb"), sources=str(sources), progress=False, workers=1)
        ingest_flow(settings)
        _write(root, "story.html", article_html("Corrected headline about H20 licences", T0))
        _write(root, "atom.xml", atom("S", [("Story", link, T0)], updated={link: T0 + timedelta(hours=5)}))
        counts = ingest_flow(settings)
        assert counts["articles_updated"] == 1 and counts.get("articles_new", 0) == 0
        assert _q(settings, "select title from articles") == [("Corrected headline about H20 licences",)]
        assert site.hits["/s/story.html"] == 2
