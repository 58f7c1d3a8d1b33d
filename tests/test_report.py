"""`chipwire report` without a browser: the report_ views count what they say, the SQL shown under
each chart gives exactly the rows drawn, "new since the previous report" follows the reports
table, the filters, the page is self-contained and escapes what outlets write, the command's
errors. The browser test is tests/test_report_browser.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from flows.report import Runtime, render_html, write_report
from flows.report_charts import build_specs
from warehouse.db import Warehouse
from warehouse.query import run_sql
from warehouse.records import ArticleRow, ClassRow, EntityRow, Failure, ThemeRow
from warehouse.report import Window, inline, literal, read_snapshot

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 7, 1, 9, 0, tzinfo=timezone.utc)  # a Tuesday: its week starts 2025-06-30
HOSTILE = '</script><script>window.__pwned = 1</script><img src="http://198.51.100.7/x.png">'


def _entry(url: str) -> dict:
    return {"url": url, "link": url, "origin": "feed", "feed_url": "http://feeds.example/a.xml", "trusted_origin": None}


def _article(aid: str, source: str, published: datetime | None, title: str = "T",
             url: str | None = None) -> ArticleRow:
    url = url or f"http://{source.lower()}.example/{aid}"
    return ArticleRow(article_id=aid, url=url, canonical_url=url, final_url=url, frontier_url=url,
                      title=title, text="body " * 50, fetched_at=NOW, source=source, language="en",
                      published_at=published, feed_url="http://feeds.example/a.xml")


def _classify(wh: Warehouse, rows: dict[str, tuple[bool, list[str], list[tuple[str, str, int]]]]) -> None:
    cls, themes, entities = [], [], []
    for aid, (relevant, ts, es) in rows.items():
        cls.append(ClassRow(article_id=aid, relevance=0.9 if relevant else 0.1, is_relevant=relevant,
                            primary_theme=ts[0] if ts else None, classifier_version="test"))
        themes += [ThemeRow(article_id=aid, theme=t, score=1.0 - i / 10, evidence="e", classifier_version="test")
                   for i, t in enumerate(ts)]
        entities += [EntityRow(article_id=aid, entity=e, kind=k, mentions=m) for e, k, m in es]
    wh.classification.save(cls, themes, entities, [])


def store(wh: Warehouse, articles: list[ArticleRow], classes: dict, clusters: dict[str, str] | None = None) -> None:
    wh.frontier.add([_entry(a.url) for a in articles])
    wh.articles.save(articles, [])
    _classify(wh, classes)
    wh.clusters.assign(clusters or {a.article_id: a.article_id for a in articles})


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    """Five articles in two weeks, one story told by three outlets, a failing feed, failures."""
    w = Warehouse(tmp_path / "w.duckdb")
    w.migrate()
    store(w, [
        _article("a1", "Alpha", NOW, title="Nvidia H20 licences"),
        _article("a2", "Beta", NOW + timedelta(hours=5), title="Nvidia H20 licences (copy)"),
        _article("a3", "Gamma", NOW + timedelta(hours=30), title="H20 licences, again"),
        _article("b1", "Alpha", NOW + timedelta(days=7), title="Smuggling case"),
        _article("c1", "Beta", NOW + timedelta(days=8), title="Football results"),
    ], {
        "a1": (True, ["compliant_chips", "export_controls"], [("Nvidia H20", "chip", 3), ("Nvidia", "company", 2)]),
        "a2": (True, ["compliant_chips"], [("Nvidia H20", "chip", 1)]),
        "a3": (True, ["export_controls"], [("Nvidia H20", "chip", 2), ("Commerce Department", "agency", 1)]),
        "b1": (True, ["smuggling_enforcement"], [("Nvidia", "company", 1), ("Entity List", "rule", 1)]),
        "c1": (False, [], [("Nvidia", "company", 1)]),
    }, {"a1": "a1", "a2": "a1", "a3": "a1", "b1": "b1", "c1": "c1"})
    w.feeds.save_polls([{"feed_url": "http://feeds.example/a.xml", "title": "Feed A", "ok": True, "status": 200,
                        "entries": 5},
                       {"feed_url": "http://feeds.example/b.xml", "title": "Feed B", "ok": False, "status": 503,
                        "error": "HTTP 503", "entries": 0}], [])
    w.pages.save_fetches([], [
        Failure(url="http://x.example/1", stage="fetch", reason="HTTP 404", transient=False),
        Failure(url="http://x.example/2", stage="fetch", reason="HTTP 404", transient=False),
        Failure(url="http://x.example/3", stage="fetch", reason="timeout (ServerTimeoutError)", transient=True),
        Failure(url="http://x.example/4", stage="fetch",
         reason="connection failed: ClientConnectorError: Cannot connect to host x.example:80", transient=True),
    ])
    return w


def test_views_count_relevant_articles_by_week_theme_entity_and_outlet(wh):
    with wh.connect(read_only=True) as con:
        themes = con.execute("SELECT week, theme, sum(articles), sum(primary_articles) FROM report_themes "
                             "GROUP BY ALL ORDER BY 1, 2").fetchall()
        chips = con.execute("SELECT entity, sum(articles), sum(mentions) FROM report_entities WHERE kind = 'chip' "
                            "GROUP BY 1").fetchall()
        nvidia = con.execute("SELECT sum(articles) FROM report_entities WHERE entity = 'Nvidia'").fetchone()[0]
        outlets = con.execute("SELECT source, theme, sum(articles) FROM report_source_themes GROUP BY ALL "
                              "ORDER BY 1, 2").fetchall()
        a1 = con.execute("SELECT day, week, themes FROM report_articles WHERE article_id = 'a1'").fetchone()
    w1, w2 = date(2025, 6, 30), date(2025, 7, 7)
    assert themes == [(w1, "compliant_chips", 2, 2), (w1, "export_controls", 2, 1), (w2, "smuggling_enforcement", 1, 1)]
    assert chips == [("Nvidia H20", 3, 6)]
    assert nvidia == 2  # the irrelevant c1 names Nvidia too, and is not counted
    assert outlets == [("Alpha", "compliant_chips", 1), ("Alpha", "export_controls", 1),
                       ("Alpha", "smuggling_enforcement", 1), ("Beta", "compliant_chips", 1),
                       ("Gamma", "export_controls", 1)]
    assert a1 == (date(2025, 7, 1), w1, ["compliant_chips", "export_controls"])


def test_story_feed_and_failure_views(wh):
    with wh.connect(read_only=True) as con:
        stories = con.execute("SELECT cluster_id, title, first_source, articles, outlets, spread_hours, themes "
                              "FROM report_stories ORDER BY 1").fetchall()
        feeds = con.execute("SELECT feed, health, polls, failed_polls, articles FROM report_feeds ORDER BY 1").fetchall()
        reasons = con.execute("SELECT stage, reason, transient, sum(urls) FROM report_failures GROUP BY ALL "
                              "ORDER BY 4 DESC, 2").fetchall()
    assert stories == [("a1", "Nvidia H20 licences", "Alpha", 3, 3, 30.0, ["compliant_chips", "export_controls"]),
                       ("b1", "Smuggling case", "Alpha", 1, 1, 0.0, ["smuggling_enforcement"])]  # c1: not relevant
    assert feeds == [("Feed A", "ok", 1, 0, 5), ("Feed B", "failing", 1, 1, 0)]
    assert reasons == [("fetch", "HTTP 404", False, 2), ("fetch", "connection failed", True, 1),
                       ("fetch", "timeout", True, 1)]


def test_the_sql_shown_under_each_chart_gives_exactly_the_rows_drawn(wh):
    window = Window(since=date(2025, 6, 1), until=date(2025, 7, 5), theme="export_controls")
    snapshot = read_snapshot(wh, window)
    assert [r["cluster_id"] for r in snapshot.datasets["stories"].rows] == ["a1"]
    assert {r["theme"] for r in snapshot.datasets["themes_weekly"].rows} == {"compliant_chips", "export_controls"}
    for key, data in snapshot.datasets.items():
        assert "$" not in data.sql, key
        [result] = run_sql(wh.path, data.sql)  # what `chipwire query` runs
        assert [dict(zip(result.columns, row)) for row in result.rows] == data.rows, key
        assert all(view in data.sql for view in data.views), key


def test_filters_keep_days_in_range_and_articles_with_the_theme(wh):
    everything = read_snapshot(wh, Window())
    assert everything.summary == {"articles": 5, "relevant": 4, "sources": 3, "first_day": "2025-07-01",
                                  "last_day": "2025-07-08"}
    later = read_snapshot(wh, Window(since=date(2025, 7, 3)))
    assert later.summary["relevant"] == 1 and later.datasets["stories"].rows == []
    assert [r["theme"] for r in later.datasets["themes_weekly"].rows] == ["smuggling_enforcement"]
    themed = read_snapshot(wh, Window(theme="compliant_chips"))
    assert themed.summary["relevant"] == 2
    assert {r["entity"] for r in themed.datasets["entities_top"].rows} == {"Nvidia H20", "Nvidia"}
    gap = read_snapshot(wh, Window(theme="smuggling_enforcement", until=date(2025, 7, 6)))
    assert gap.summary["relevant"] == 0 and all(not d.rows for k, d in gap.datasets.items()
                                                if k not in ("feeds", "feed_health", "failures"))


def test_weeks_without_articles_count_zero(wh):
    store(wh, [_article("d1", "Delta", NOW + timedelta(days=21))], {"d1": (True, ["geopolitics"], [])})
    rows = read_snapshot(wh, Window(theme="geopolitics")).datasets["themes_weekly"].rows
    assert rows == [{"week": "2025-07-21", "theme": "geopolitics", "articles": 1}]
    weeks = [(r["week"], r["articles"]) for r in read_snapshot(wh, Window()).datasets["themes_weekly"].rows
             if r["theme"] == "geopolitics"]
    assert weeks == [("2025-06-30", 0), ("2025-07-07", 0), ("2025-07-14", 0), ("2025-07-21", 1)]


def test_new_since_the_previous_report(wh, tmp_path):
    first = write_report(wh, tmp_path / "r1.html", runtime=_no_js())
    with wh.connect(read_only=True) as con:
        row = con.execute("SELECT previous_id, new_articles, relevant_articles, seen_until = "
                          "(SELECT max(first_seen_at) FROM articles) FROM reports").fetchone()
        left = con.execute("SELECT count(*) FROM report_new_articles").fetchone()[0]
    assert row == (None, 4, 4, True)  # the first report: every relevant article is new
    assert left == 0  # once written, nothing is new to the next report
    store(wh, [_article("e1", "Alpha", NOW - timedelta(days=30), title="Old story, found late"),
               _article("e2", "Beta", NOW + timedelta(days=2), title="A copy")],
          {"e1": (True, ["geopolitics"], []), "e2": (True, ["export_controls"], [])}, {"e1": "e1", "e2": "a1"})
    snapshot = read_snapshot(wh, Window())
    assert snapshot.previous["report_id"] == first.report_id
    assert [(r["title"], r["new_story"]) for r in snapshot.datasets["new_latest"].rows] == [
        ("A copy", False), ("Old story, found late", True)]
    assert {r["theme"]: r["articles"] for r in snapshot.datasets["new_by_theme"].rows} == {
        "export_controls": 1, "geopolitics": 1}
    second = write_report(wh, tmp_path / "r2.html", runtime=_no_js())
    with wh.connect(read_only=True) as con:
        assert con.execute("SELECT previous_id, new_articles FROM reports WHERE report_id = ?",
                           [second.report_id]).fetchone() == (first.report_id, 2)


def _no_js() -> Runtime:
    return Runtime(script="/* no runtime in this test */")


def test_page_is_self_contained_and_escapes_what_outlets_write(wh, tmp_path):
    store(wh, [_article("h1", HOSTILE, NOW, title=HOSTILE, url="http://evil.example/p?q=<b>")],
          {"h1": (True, ["export_controls"], [(HOSTILE, "company", 1)])}, {"h1": "a1"})
    with wh.connect() as con:  # an address no browser should follow from the report
        con.execute("UPDATE articles SET url = 'javascript:alert(1)' WHERE article_id = 'a2'")
    snapshot = read_snapshot(wh, Window())
    html = render_html(snapshot, build_specs(snapshot), "/*runtime*/", "test", wh.path)
    assert "<script>window.__pwned" not in html and "&lt;/script&gt;&lt;script&gt;window.__pwned" in html
    assert len(re.findall(r"<script", html)) == 2 + html.count('type="application/json"')  # runtime, draw, specs
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert 'href="javascript:' not in html
    assert "default-src 'none'" in html
    for spec in re.findall(r'<script type="application/json" id="spec-\w+">(.*?)</script>', html, flags=re.S):
        json.loads(spec)  # still valid JSON, with < > & escaped
        assert "<" not in spec


def test_specs_validate_against_vega_lite(wh):
    specs = build_specs(read_snapshot(wh, Window()), validate=True)
    assert set(specs) == {"new", "themes", "entities", "entities_weekly", "sources", "stories", "feeds", "failures"}
    assert all(spec and spec["datasets"]["rows"] for spec in specs.values())


def test_literals_for_people_quote_what_they_must():
    assert literal("it's") == "'it''s'" and literal(date(2025, 1, 2)) == "DATE '2025-01-02'" and literal(None) == "NULL"
    assert inline("x = $a AND y = $b AND z = $zz", {"a": "o'k", "b": 3}) == "x = 'o''k' AND y = 3 AND z = $zz"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "report", *args], capture_output=True, text=True,
                          cwd=cwd, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd)}, timeout=120)


def test_command_writes_beside_the_warehouse_without_prefect(wh, tmp_path):
    code = ("import sys; from flows.cli import main; rc = main(sys.argv[1:]); "
            "heavy = {'prefect', 'datasketch', 'scipy', 'trafilatura'} & set(sys.modules); "
            "assert not heavy, heavy; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, "report", "--db", str(wh.path)], capture_output=True, text=True,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip())
    assert out == wh.path.parent / "report.html" and out.stat().st_size > 100_000
    assert "8 charts" in proc.stderr
    assert (wh.path.parent / "cache").is_dir()  # the bundled JavaScript, kept for the next report


@pytest.mark.parametrize("args, message", [
    (["--theme", "nope"], "--theme 'nope': no article has this theme (themes here: compliant_chips"),
    (["--since", "2025-07-09", "--until", "2025-07-01"], "--since 2025-07-09 is after --until 2025-07-01"),
    (["--since", "1 July"], "invalid date '1 July': expected YYYY-MM-DD"),
])
def test_command_refuses_bad_options_in_one_line(wh, tmp_path, args, message):
    proc = _cli("--db", str(wh.path), "--out", str(tmp_path / "r.html"), *args, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "r.html").exists()


def test_command_says_when_it_cannot_write_and_leaves_nothing_behind(wh, tmp_path):
    (tmp_path / "taken").mkdir()
    proc = _cli("--db", str(wh.path), "--out", str(tmp_path / "taken"), cwd=tmp_path)
    assert proc.returncode == 2 and "taken: cannot write" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["taken", "w.duckdb", "w.duckdb.wal", "cache"])


def test_command_never_creates_a_warehouse(tmp_path):
    proc = _cli("--db", str(tmp_path / "none.duckdb"), cwd=tmp_path)
    assert proc.returncode == 2 and "no warehouse here yet" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_refresh_for_serve_writes_beside_the_warehouse_or_says_why_not(wh, tmp_path):
    from flows.report import refresh_report

    said: list[str] = []
    written = refresh_report(wh.path, say=said.append)
    assert written is not None and written.path == wh.path.parent / "report.html" and written.path.is_file()
    assert said == [f"report refreshed: {written.path} (8 charts, {written.seconds:.1f} s)"]
    assert refresh_report(tmp_path / "gone.duckdb", say=said.append) is None
    assert said[-1].startswith("report not refreshed: ") and "no warehouse here yet" in said[-1]
    assert not (tmp_path / "gone.duckdb").exists()


def test_the_bundle_is_cached_and_a_broken_cache_is_made_again(tmp_path):
    first = Runtime(tmp_path).script()
    [cached] = list(tmp_path.iterdir())
    assert cached.read_text(encoding="utf-8") == first and "window.vegaEmbed=" in first
    assert Runtime(tmp_path).script() == first
    cached.write_text("alert('not a bundle')", encoding="utf-8")
    assert Runtime(tmp_path).script() == first and cached.read_text(encoding="utf-8") == first
