"""The warehouse on real DuckDB files: migrations, idempotent upserts, atomic batches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from warehouse.db import Warehouse, _migrations
from warehouse.errors import NotAWarehouse, ReadOnlyViolation

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 7, 1, tzinfo=timezone.utc)


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    w = Warehouse(tmp_path / "w.duckdb")
    w.migrate()
    return w


def entry(url, **kw):
    return {"url": url, "link": url, "origin": "feed", "feed_url": "http://f/feed", "trusted_origin": None, **kw}


def article(aid, url, **kw):
    return {"article_id": aid, "url": url, "canonical_url": url, "final_url": url, "frontier_url": url,
            "title": "T", "text": "body " * 50, "fetched_at": NOW, "source": "s", "language": "en", **kw}


def test_migrations_are_recorded_once_and_in_order(tmp_path):
    w = Warehouse(tmp_path / "m.duckdb")
    names = [m[1] for m in _migrations()]
    assert w.migrate() == names
    assert w.migrate() == []
    con = duckdb.connect(str(w.path), read_only=True)
    assert [r[0] for r in con.execute("select name from schema_migrations order by version").fetchall()] == names
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()
    assert {"articles", "article_themes", "article_entities", "failures", "runs", "feeds", "raw_pages"} <= tables


def test_contract_columns_exist(wh):
    cols, rows = wh.query("select table_name, column_name, data_type from information_schema.columns")
    have = {(t, c): d for t, c, d in rows}
    for c in ("article_id", "url", "canonical_url", "source", "title", "author", "published_at", "fetched_at",
              "language", "text", "relevance", "is_relevant", "cluster_id"):
        assert ("articles", c) in have, c
    assert have[("articles", "published_at")] == "TIMESTAMP WITH TIME ZONE"
    assert have[("articles", "relevance")] == "DOUBLE" and have[("articles", "is_relevant")] == "BOOLEAN"
    for c in ("url", "stage", "reason", "occurred_at", "attempts"):
        assert ("failures", c) in have
    for c in ("run_id", "flow", "started_at", "finished_at", "status"):
        assert ("runs", c) in have
    for c in ("article_id", "theme", "score", "evidence", "classifier_version"):
        assert ("article_themes", c) in have
    for c in ("article_id", "entity", "kind", "mentions"):
        assert ("article_entities", c) in have


def test_frontier_dedups_and_requeues_corrections(wh):
    counts = wh.add_to_frontier([entry("http://a/1"), entry("http://a/1"), entry("http://a/2")])
    assert counts["entries_new"] == 2
    assert {r["url"] for r in wh.due_urls()} == {"http://a/1", "http://a/2"}
    wh.save_fetches([], [])
    wh.save_articles([article("id1", "http://a/1")], [])
    # the same entry again: nothing new, nothing due
    assert wh.add_to_frontier([entry("http://a/1")])["entries_new"] == 0
    assert {r["url"] for r in wh.due_urls()} == {"http://a/2"}
    # an entry whose `updated` moved on is due again
    wh.add_to_frontier([entry("http://a/1", entry_updated_at=NOW)])
    wh.save_articles([article("id1", "http://a/1")], [])
    wh.add_to_frontier([entry("http://a/1", entry_updated_at=NOW + timedelta(hours=1))])
    assert "http://a/1" in {r["url"] for r in wh.due_urls()}


def test_url_known_to_lead_to_an_article_is_not_queued(wh):
    wh.add_to_frontier([entry("http://a/page")])
    wh.save_articles([article("id1", "http://a/page", canonical_url="http://a/canonical")], [])
    wh.add_to_frontier([entry("http://a/canonical")])
    assert wh.due_urls() == []


def test_article_upsert_is_idempotent(wh):
    wh.add_to_frontier([entry("http://a/1")])
    first = wh.save_articles([article("id1", "http://a/1")], [])
    again = wh.save_articles([article("id1", "http://a/1", title="T2")], [])
    assert first == {"articles_new": 1, "articles_updated": 0}
    assert again == {"articles_new": 0, "articles_updated": 1}
    assert wh.query("select count(*), max(title) from articles")[1] == [(1, "T2")]


def test_failures_are_counted_and_cleared_on_success(wh):
    wh.add_to_frontier([entry("http://a/1")])
    fail = {"url": "http://a/1", "stage": "fetch", "reason": "HTTP 503", "transient": True, "give_up": False,
            "next_attempt_at": None}
    wh.record_failures([fail])
    wh.record_failures([fail])
    assert wh.query("select stage, reason, attempts from failures")[1] == [("fetch", "HTTP 503", 2)]
    wh.save_articles([article("id1", "http://a/1")], [])
    assert wh.query("select count(*) from failures")[1] == [(0,)]


def test_a_failed_batch_leaves_nothing_half_written(wh):
    with pytest.raises(RuntimeError):
        with wh.transaction() as con:
            con.execute("insert into articles (article_id, url, canonical_url, first_seen_at, updated_at) "
                        "values ('x', 'u', 'u', now(), now())")
            raise RuntimeError("killed half-way")
    assert wh.query("select count(*) from articles")[1] == [(0,)]


def test_sigkill_during_a_load_loses_nothing_committed(tmp_path):
    db = tmp_path / "k.duckdb"
    w = Warehouse(db)
    w.migrate()
    w.add_to_frontier([entry("http://a/committed")])
    w.save_articles([article("id-committed", "http://a/committed")], [])
    script = textwrap.dedent(f"""
        import sys, time
        from warehouse.db import Warehouse
        w = Warehouse({str(db)!r})
        with w.transaction() as con:
            for i in range(500):
                con.execute("insert into articles (article_id, url, canonical_url, first_seen_at, updated_at) "
                            "values (?, 'u', 'u', now(), now())", [f"half-{{i}}"])
            print("inside", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.readline().strip() == "inside"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    w.migrate()  # the next run opens the file as usual
    assert w.query("select article_id from articles")[1] == [("id-committed",)]


def test_not_a_duckdb_file_is_a_clear_error(tmp_path):
    bogus = tmp_path / "x.duckdb"
    bogus.write_bytes(b"PK\x03\x04 this is a zip, not a warehouse" * 50)
    with pytest.raises(NotAWarehouse) as err:
        Warehouse(bogus).migrate()
    assert "x.duckdb" in str(err.value) and "\n" not in str(err.value)


def test_query_is_read_only_even_for_sneaky_statements(wh, tmp_path):
    for sql in ("attach 'other.duckdb' as o", "install httpfs", "set threads = 1; select 1",
                "update articles set title = 'x'", "checkpoint"):
        with pytest.raises(ReadOnlyViolation):
            wh.query(sql)
    assert wh.query("select 42 as answer") == (["answer"], [(42,)])


def test_export_writes_every_table_as_parquet(wh, tmp_path):
    wh.add_to_frontier([entry("http://a/1")])
    wh.save_articles([article("id1", "http://a/1")], [])
    written = wh.export_parquet(tmp_path / "out")
    names = {p.stem for p in written}
    assert {"articles", "failures", "runs", "feed_health", "coverage_daily"} <= names
    con = duckdb.connect()
    assert con.execute(f"select article_id from read_parquet('{tmp_path / 'out' / 'articles.parquet'}')").fetchall() == [("id1",)]


def test_maintenance_prunes_old_raw_bodies_and_snapshots_feeds(wh):
    import zlib

    old = NOW - timedelta(days=400)
    wh.add_to_frontier([entry("http://a/old"), entry("http://a/new")])
    page = {"status": 200, "content_type": "text/html", "body": zlib.compress(b"<html></html>"), "body_size": 13}
    wh.save_fetches([{**page, "url": "http://a/old", "final_url": "http://a/old", "fetched_at": old},
                     {**page, "url": "http://a/new", "final_url": "http://a/new", "fetched_at": datetime.now(timezone.utc)}], [])
    wh.save_articles([article("o", "http://a/old"), article("n", "http://a/new")], [])
    wh.register_feeds([("http://f/feed", "F")])
    assert wh.maintain(retention_days=180) == {"raw_pages_pruned": 1}
    assert wh.query("select url from raw_pages where body is null")[1] == [("http://a/old",)]
    assert wh.query("select count(*) from articles")[1] == [(2,)]  # articles stay
    assert wh.query("select feed_url, health from feed_health_history")[1] == [("http://f/feed", "ok")]
