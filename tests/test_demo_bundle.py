"""The bundled demo outlets through the real stages (no Prefect: plain function calls), checked
against the bundle's MANIFEST: titles, dates and languages stated in og/meta tags, JSON-LD,
<time> elements and visible datelines, in English and German."""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone

import pytest

from flows.demo.server import LoopbackSites, bundled_sites, bundled_sites_dir
from tests.pages import ingest_with_stages
from warehouse.db import Warehouse


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    sites = bundled_sites()
    with LoopbackSites(sites):
        wh = Warehouse(tmp / "demo.duckdb")
        wh.migrate()
        ingest_with_stages(wh, sites, tmp / "sources.toml")
        bases = {name: site.base for name, site in sites.items()}
        yield wh, bases


def manifest() -> list[dict]:
    return tomllib.loads((bundled_sites_dir() / "MANIFEST.toml").read_text())["articles"]


def test_every_manifest_article_is_ingested_once_with_its_metadata(ingested):
    wh, bases = ingested
    cols, rows = wh.operations.query("select canonical_url, title, published_at, language, syndicated_from, text from articles")
    got = {r[0]: dict(zip(cols, r)) for r in rows}
    expected = manifest()
    assert len(got) == len(expected)
    for art in expected:
        url = f"{bases[art['outlet']]}/{art['path']}"
        assert url in got, url
        row = got[url]
        assert row["title"] == art["title"]
        want = datetime.fromisoformat(art["published"]).astimezone(timezone.utc)
        if art["outlet"] == "asiachipnews":  # a visible dateline states the day only
            assert row["published_at"].date() == want.date(), url
        else:
            assert row["published_at"] == want, url
        assert row["language"] == art["language"], url
        assert len(row["text"].split()) > 150
        if art["syndicated_from"]:
            outlet, path = art["syndicated_from"].split("/", 1)
            assert row["syndicated_from"] == f"{bases[outlet]}/{path}"
        else:
            assert row["syndicated_from"] is None


def test_seed_bodies_survive_extraction(ingested):
    wh, _ = ingested
    from tests.conftest import SEEDS

    seeded = [a for a in manifest() if a["seed"]]
    assert len(seeded) == 5
    _, rows = wh.operations.query("select text from articles")
    texts = [r[0] for r in rows]
    clean_dir = SEEDS / "clean"
    if not clean_dir.is_dir():
        pytest.skip("../shared/seeds is not here")
    for art in seeded:
        paragraphs = [p for p in (clean_dir / f"{art['seed']}.txt").read_text().splitlines() if p.strip()]
        body = next(t for t in texts if paragraphs[0][:60] in t)
        missing = [p for p in paragraphs if p.strip() not in body]
        assert not missing, (art["seed"], missing[:1])


def test_robots_and_dead_pages_are_failures_not_articles(ingested):
    wh, _ = ingested
    _, rows = wh.operations.query("select stage, reason from failures order by stage")
    assert [r[0] for r in rows] == ["fetch", "robots"]


def _tokens(text: str) -> list[str]:
    import re

    return re.findall(r"\w+", text.lower())


def token_f1(pred: str, true: str) -> float:
    from collections import Counter

    p, t = Counter(_tokens(pred)), Counter(_tokens(true))
    overlap = sum((p & t).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def test_site_furniture_is_gone_from_every_seed_page_and_bodies_are_intact(ingested):
    """The seed bodies sit in the outlets' templates among the sites' furniture: after the run
    each stored text is the seed's clean body."""
    from tests.conftest import SEEDS

    if not (SEEDS / "clean").is_dir():
        pytest.skip("../shared/seeds is not here")
    wh, bases = ingested
    _, rows = wh.operations.query("select canonical_url, text, description from articles")
    by_url = {r[0]: r[1] for r in rows}
    dek = {r[0]: " ".join(_tokens(r[2] or "")) for r in rows}
    for art in manifest():
        if not art["seed"]:
            continue
        clean = (SEEDS / "clean" / f"{art['seed']}.txt").read_text()
        text = by_url[f"{bases[art['outlet']]}/{art['path']}"]
        assert token_f1(text, clean) >= 0.97, (art["path"], token_f1(text, clean))
        clean_lines = {" ".join(_tokens(x)) for x in clean.splitlines() if x.strip()}
        # a standfirst (the page's own description, often the lead on other sites) may stay
        url = f"{bases[art['outlet']]}/{art['path']}"
        extra = [x for x in text.splitlines() if " ".join(_tokens(x)) not in clean_lines | {dek[url]}]
        assert not extra, (art["path"], extra[:3])


def _site_state(wh):
    _, texts = wh.operations.query("select article_id, text from articles order by 1")
    _, furniture = wh.operations.query("select site, line, pages from site_furniture order by 1, 2")
    return texts, furniture


def test_sites_cleaned_in_batches_or_stopped_midway_reach_the_same_state(ingested, monkeypatch):
    """Site cleaning reads and writes many sites together (one scan, one transaction a batch):
    batches of two sites give what the run gave; a stop after the first site writes that site
    alone, and the next run finishes the rest.

    The outlets' keys hold their loopback ports, so which outlet sorts first (and is cleaned
    first) changes from run to run: the test picks its outlets by size, never by position."""
    import threading

    from flows import refine

    wh, _ = ingested
    after_run = _site_state(wh)
    sites = set(wh.articles.all_sites())
    assert len(sites) >= 3 and after_run[1], "the demo's outlets teach some furniture"

    def undo():
        with wh.transaction() as con:
            con.execute("UPDATE articles SET text = extracted_text")
            con.execute("DELETE FROM site_furniture")

    try:
        undo()
        assert _site_state(wh) != after_run
        monkeypatch.setattr(refine, "SITES_PER_BATCH", 2)
        report = refine.clean_sites(wh, sites)
        assert report.counts["sites_cleaned"] == len(sites) and _site_state(wh) == after_run

        # pages of three articles: every site larger than a page is read, cleaned and written in
        # parts, its furniture learnt from all its pages and written once the site is done
        undo()
        sizes = wh.articles.site_sizes(sorted(sites))
        assert max(sizes.values()) > 3, "a site larger than a page"
        monkeypatch.setattr(refine, "ARTICLES_PER_BATCH", 3)
        done = []
        report = refine.clean_sites(wh, sites, progress=done.append)
        assert report.counts["sites_cleaned"] == len(sites) == len(done) and _site_state(wh) == after_run

        # stopped after the first page, inside a site larger than a page: what is cleaned stays,
        # that site's furniture is not written yet, and the next cleaning finishes it. Cleaning
        # goes in key order, so it starts at a large site and takes the sites after it.
        undo()
        large = min(s for s in sites if sizes[s] > 3)
        stop, pages = threading.Event(), []
        read = wh.articles.articles_at
        monkeypatch.setattr(wh.articles, "articles_at",  # stop asked while the first page is in hand
                            lambda *a, **k: (pages.append(page := read(*a, **k)), stop.set(), page)[2])
        report = refine.clean_sites(wh, {s for s in sites if s >= large}, stop=stop)
        assert len(pages) == 1 and {a["site"] for a in pages[0]} == {large} and len(pages[0]) == 3
        assert report.counts["sites_cleaned"] == 0 and _site_state(wh)[1] == []
        monkeypatch.setattr(wh.articles, "articles_at", read)
        refine.clean_sites(wh, sites)
        assert _site_state(wh) == after_run
        monkeypatch.setattr(refine, "ARTICLES_PER_BATCH", 1000)

        undo()
        stop = threading.Event()
        report = refine.clean_sites(wh, sites, progress=lambda n: stop.set(), stop=stop)
        assert report.counts["sites_cleaned"] == 1
        first = sorted(sites)[0]
        _, furniture = _site_state(wh)
        assert {row[0] for row in furniture} <= {first}
        refine.clean_sites(wh, sites)
        assert _site_state(wh) == after_run
    finally:  # the module's warehouse is shared: leave it as the run left it, pass or fail
        monkeypatch.undo()
        undo()
        refine.clean_sites(wh, sites)
    assert _site_state(wh) == after_run


def test_site_batches_hold_a_bounded_number_of_sites_and_articles(monkeypatch):
    from flows import refine

    monkeypatch.setattr(refine, "SITES_PER_BATCH", 3)
    monkeypatch.setattr(refine, "ARTICLES_PER_BATCH", 10)
    sizes = {"a": 4, "b": 4, "c": 1, "d": 1, "e": 1, "f": 25, "g": 2}
    batches = refine.site_batches(sizes)
    assert [s for b in batches for s in b] == sorted(sizes)  # every site once, in order
    assert batches == [["a", "b", "c"], ["d", "e"], ["f"], ["g"]]
    assert all(len(b) <= 3 and (len(b) == 1 or sum(sizes[s] for s in b) <= 10) for b in batches)
    assert refine.site_batches({}) == []


def test_site_cleaning_reads_pages_of_keys_each_text_once_even_when_rows_moved(ingested):
    """Site cleaning holds a page of a batch's articles in memory: the batch's keys come by site
    and storage order, a page of keys reads exactly its articles, in its order (by its range of
    rowids, or by id when a checkpoint moved them); a text equal to its extracted text is one
    string shared by both keys, a cleaned one keeps its own, and both are read right."""
    from flows import refine

    wh, _ = ingested
    before = _site_state(wh)
    sites = sorted(wh.articles.all_sites())
    with wh.transaction() as con:  # one site's cleaning undone: its texts are their extractions again
        con.execute("UPDATE articles SET text = extracted_text WHERE site = $s", {"s": sites[0]})
    try:
        _, rows = wh.operations.query("select article_id, text, extracted_text, site from articles "
                                      "where extracted_text is not null order by 1")
        keys = wh.articles.sites_keys(sites)
        assert sorted(aid for _, aid, _ in keys) == [r[0] for r in rows]  # each article once
        assert [k[0] for k in keys] == sorted(k[0] for k in keys)  # by site: a site ends before the next begins
        for site in sites:  # within a site, in storage order
            rowids = [rid for s, _, rid in keys if s == site]
            assert rowids == sorted(rowids)
        assert wh.articles.sites_keys(sites[1:]) == [k for k in keys if k[0] != sites[0]]
        every = wh.articles.articles_at(keys)
        assert [(a["site"], a["article_id"]) for a in every] == [k[:2] for k in keys]
        paged = [a for i in range(0, len(keys), 4) for a in wh.articles.articles_at(keys[i:i + 4])]
        assert paged == every
        # rows moved since their keys were read (each key holding another article's rowid, or all
        # of them past the table's end): the rowids' range misses them, so they are read by id,
        # in the keys' order
        stored = sorted(keys, key=lambda k: k[2])  # the 5 first stored articles, with the 5 last ones' rowids
        first, last = stored[:5], stored[-5:]
        assert len(keys) >= 10 and max(k[2] for k in first) < min(k[2] for k in last)
        expected = wh.articles.articles_at(first)
        assert [a["article_id"] for a in expected] == [k[1] for k in first]
        swapped = [(s, aid, rid) for (s, aid, _), (_, _, rid) in zip(first, last)]
        assert wh.articles.articles_at(swapped) == expected
        far = [(s, aid, 10**9 + i) for i, (s, aid, _) in enumerate(first)]
        assert wh.articles.articles_at(far) == expected
        assert wh.articles.articles_at([(sites[0], "no-such-article", 0)]) == []
        got = {a["article_id"]: a for a in every}
        same = [r[0] for r in rows if r[1] == r[2]]
        assert same and len(same) < len(rows), "some texts cleaned, some not"
        for aid, text, extracted, site in rows:
            assert (got[aid]["text"], got[aid]["extracted_text"], got[aid]["site"]) == (text, extracted, site)
        assert all(got[aid]["text"] is got[aid]["extracted_text"] for aid in same)
    finally:
        refine.clean_sites(wh, {sites[0]})
    assert _site_state(wh) == before


def test_a_run_that_releases_its_instance_often_stores_the_same(ingested, tmp_path, monkeypatch):
    """The run's DuckDB instance is released every RELEASE_EVERY loaded pages and after each
    page of site cleaning (memory that does not grow with the run): released after every page
    and cleaning two articles a page, an ingest stores what the usual one stored."""
    from flows import pipeline, refine

    wh0, _ = ingested
    monkeypatch.setattr(pipeline, "RELEASE_EVERY", 1)
    monkeypatch.setattr(refine, "ARTICLES_PER_BATCH", 2)
    released = []
    release = Warehouse.release
    monkeypatch.setattr(Warehouse, "release", lambda self: (released.append(self.is_kept_open), release(self))[1])
    sites = bundled_sites()

    def state(wh):  # the texts and the furniture learnt, whatever the loopback ports were
        texts, furniture = _site_state(wh)
        return sorted(text for _, text in texts), sorted((line, pages) for _, line, pages in furniture)

    with LoopbackSites(sites):
        wh = Warehouse(tmp_path / "again.duckdb")
        wh.migrate()
        with wh.kept_open():
            ingest_with_stages(wh, sites, tmp_path / "sources.toml")
    assert released.count(True) > len(manifest()) // 2, "released while kept open, batch after batch"
    assert state(wh) == state(wh0)
