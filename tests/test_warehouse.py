"""The warehouse on real DuckDB files: migrations, idempotent upserts, atomic batches."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from warehouse.db import Warehouse, migrations
from warehouse.errors import NotAWarehouse, ReadOnlyViolation
from warehouse.records import ArticleRow, Failure, PackedBody, StoredPage

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
    return ArticleRow(**{"article_id": aid, "url": url, "canonical_url": url, "final_url": url, "frontier_url": url,
                         "title": "T", "text": "body " * 50, "fetched_at": NOW, "source": "s", "language": "en", **kw})


def test_migrations_are_recorded_once_and_in_order(tmp_path):
    w = Warehouse(tmp_path / "m.duckdb")
    names = [m[1] for m in migrations()]
    assert w.migrate() == names
    assert w.migrate() == []
    con = duckdb.connect(str(w.path), read_only=True)
    assert [r[0] for r in con.execute("select name from schema_migrations order by version").fetchall()] == names
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    con.close()
    assert {"articles", "article_themes", "article_entities", "failures", "runs", "feeds", "raw_pages"} <= tables


def test_contract_columns_exist(wh):
    cols, rows = wh.operations.query("select table_name, column_name, data_type from information_schema.columns")
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
    counts = wh.frontier.add([entry("http://a/1"), entry("http://a/1"), entry("http://a/2")])
    assert counts["entries_new"] == 2
    assert {r["url"] for r in wh.frontier.due()} == {"http://a/1", "http://a/2"}
    wh.pages.save_fetches([], [])
    wh.articles.save([article("id1", "http://a/1")], [])
    # the same entry again: nothing new, nothing due
    assert wh.frontier.add([entry("http://a/1")])["entries_new"] == 0
    assert {r["url"] for r in wh.frontier.due()} == {"http://a/2"}
    # an entry whose `updated` moved on is due again
    wh.frontier.add([entry("http://a/1", entry_updated_at=NOW)])
    wh.articles.save([article("id1", "http://a/1")], [])
    wh.frontier.add([entry("http://a/1", entry_updated_at=NOW + timedelta(hours=1))])
    assert "http://a/1" in {r["url"] for r in wh.frontier.due()}


def test_url_known_to_lead_to_an_article_is_not_queued(wh):
    wh.frontier.add([entry("http://a/page")])
    wh.articles.save([article("id1", "http://a/page", canonical_url="http://a/canonical")], [])
    wh.frontier.add([entry("http://a/canonical")])
    assert wh.frontier.due() == []


def test_article_upsert_is_idempotent(wh):
    wh.frontier.add([entry("http://a/1")])
    first = wh.articles.save([article("id1", "http://a/1")], [])
    again = wh.articles.save([article("id1", "http://a/1", title="T2")], [])
    assert first == {"articles_new": 1, "articles_updated": 0}
    assert again == {"articles_new": 0, "articles_updated": 1}
    assert wh.operations.query("select count(*), max(title) from articles")[1] == [(1, "T2")]


def test_failures_are_counted_and_cleared_on_success(wh):
    wh.frontier.add([entry("http://a/1")])
    fail = Failure(**{"url": "http://a/1", "stage": "fetch", "reason": "HTTP 503", "transient": True, "give_up": False,
                      "next_attempt_at": None})
    wh.pages.save_fetches([], [fail])
    wh.pages.save_fetches([], [fail])
    assert wh.operations.query("select stage, reason, attempts from failures")[1] == [("fetch", "HTTP 503", 2)]
    wh.articles.save([article("id1", "http://a/1")], [])
    assert wh.operations.query("select count(*) from failures")[1] == [(0,)]


def test_a_failed_batch_leaves_nothing_half_written(wh):
    with pytest.raises(RuntimeError):
        with wh.transaction() as con:
            con.execute("insert into articles (article_id, url, canonical_url, first_seen_at, updated_at) "
                        "values ('x', 'u', 'u', now(), now())")
            raise RuntimeError("killed half-way")
    assert wh.operations.query("select count(*) from articles")[1] == [(0,)]


def test_sigkill_during_a_load_loses_nothing_committed(tmp_path):
    db = tmp_path / "k.duckdb"
    w = Warehouse(db)
    w.migrate()
    w.frontier.add([entry("http://a/committed")])
    w.articles.save([article("id-committed", "http://a/committed")], [])
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
    assert w.operations.query("select article_id from articles")[1] == [("id-committed",)]


def test_commits_live_in_the_wal_until_the_run_ends_then_the_file_alone_holds_them(tmp_path):
    db = tmp_path / "w.duckdb"
    w = Warehouse(db)
    w.migrate()
    run = w.runs.start("ingest", None)
    w.frontier.add([entry("http://a/1")])
    w.articles.save([article("id1", "http://a/1")], [])
    # closing a connection does not checkpoint (its cost grows with the tables): the WAL holds it
    assert Path(str(db) + ".wal").exists()
    con = duckdb.connect(str(db), read_only=True)  # any reader replays it
    assert con.execute("select article_id from articles").fetchall() == [("id1",)]
    con.close()
    w.runs.finish(run, "completed", {"articles_new": 1})
    assert not Path(str(db) + ".wal").exists()
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())  # a backup of the file alone has everything committed
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute("select article_id from articles").fetchall() == [("id1",)]
    assert con.execute("select status, articles_new from runs").fetchall() == [("completed", 1)]
    con.close()


def test_a_session_keeps_one_connection_and_each_write_still_commits_alone(wh, monkeypatch):
    opened = []
    real_open = Warehouse._open
    monkeypatch.setattr(Warehouse, "_open", lambda self, ro: opened.append(ro) or real_open(self, ro))
    with wh.session():
        wh.frontier.add([entry("http://a/1")])
        wh.articles.save([article("id1", "http://a/1")], [])
        with pytest.raises(RuntimeError):
            with wh.transaction() as con:
                con.execute("insert into articles (article_id, url, canonical_url, first_seen_at, updated_at) "
                            "values ('x', 'u', 'u', now(), now())")
                raise RuntimeError("half-way")
        assert _read(wh, "select article_id from articles") == [("id1",)]
    assert opened == [False]  # one connection for all of it
    assert _read(wh, "select article_id from articles") == [("id1",)]
    assert len(opened) == 2  # and connections are per call again afterwards
    # (read through connect(): query() opens a sandboxed instance of its own, tests/test_query.py)


def _read(wh: Warehouse, sql: str) -> list[tuple]:
    with wh.connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_run_keeps_the_file_open_but_lets_another_process_in_at_once(tmp_path):
    """kept_open() saves reopening the file at every transaction; a process that waits for the
    file leaves a marker, and the keeper lets go after the transaction it is in."""
    import threading

    db = tmp_path / "w.duckdb"
    w = Warehouse(db)
    with w.kept_open():
        w.migrate()
        stop, written = threading.Event(), []

        def busy():  # never idle for a whole LINGER: only the marker can make it let go
            i = 0
            while not stop.is_set():
                w.frontier.add([entry(f"http://a/{i}")])
                written.append(i)
                i += 1
                time.sleep(0.05)

        def wait_for_writes(more_than: int) -> None:
            deadline = time.monotonic() + 30
            while len(written) <= more_than and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(written) > more_than

        t = threading.Thread(target=busy)
        t.start()
        try:
            wait_for_writes(3)  # the keeper holds the file and writes
            start = time.monotonic()
            out = subprocess.run(
                [sys.executable, "-c", "from warehouse.db import Warehouse\nimport sys\n"
                 f"print(Warehouse({str(db)!r}, lock_wait=20).operations.query('select count(*) from frontier')[1][0][0])"],
                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
            waited = time.monotonic() - start
            assert out.returncode == 0, out.stderr
            assert int(out.stdout) >= 1
            assert waited < 15  # let in long before its lock_wait, while the keeper kept writing
            wait_for_writes(len(written))  # and the keeper goes on writing after it
        finally:
            stop.set()
            t.join()
        assert not (tmp_path / "w.duckdb.waiting").exists() or not list((tmp_path / "w.duckdb.waiting").iterdir())
        w.release()
    assert w.operations.query("select count(*) from frontier")[1] == [(len(written),)]


def test_a_kept_file_is_let_go_when_idle_and_a_dead_waiters_marker_is_ignored(tmp_path):
    path = tmp_path / "w.duckdb"
    w = Warehouse(path)
    with w.kept_open() as kept:
        w.migrate()
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        waiting = tmp_path / "w.duckdb.waiting"
        waiting.mkdir()
        (waiting / f"{socket.gethostname()}-{int(dead.stdout)}").touch()  # left by a killed process
        start = time.monotonic()
        w.frontier.add([entry("http://a/1")])  # does not wait for a waiter that is gone
        assert time.monotonic() - start < 5
        assert kept.is_open
        deadline = time.monotonic() + 10
        while kept.is_open and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not kept.is_open  # idle for LINGER: closed
        con = duckdb.connect(str(path), read_only=True)  # so anything may open the file now
        assert con.execute("select count(*) from frontier").fetchone() == (1,)
        con.close()


def test_a_runs_write_ahead_log_is_folded_in_at_a_few_megabytes(tmp_path):
    """The log a reopened instance would replay (and hold in memory) stays near CHECKPOINT_AT,
    however much a kept instance writes; nothing committed is lost."""
    from warehouse.db import CHECKPOINT_AT

    path, wal = tmp_path / "w.duckdb", tmp_path / "w.duckdb.wal"
    w = Warehouse(path)
    w.migrate()
    sizes = []
    with w.kept_open():
        for batch in range(12):  # ~2 MB of log a transaction, 24 MB in all
            w.frontier.add([entry(f"http://a/{batch}/{i}/" + "x" * 400) for i in range(2000)])
            sizes.append(wal.stat().st_size if wal.exists() else 0)
            if batch % 3 == 2:
                w.release()  # as a run does every few hundred pages
    assert CHECKPOINT_AT <= 4 * 1024 * 1024
    assert max(sizes) < 7 * 1024 * 1024, sizes  # 4 MB and one transaction (DuckDB's default, 16 MB: up to 16)
    assert w.operations.query("select count(*) from frontier")[1] == [(24000,)]


def test_an_invalidated_instance_is_let_go_and_a_runs_status_still_written(tmp_path, monkeypatch):
    """DuckDB invalidates an instance whose write failed midway (an interruption can cut one
    short): the kept instance is let go, and the run's final status, written right after,
    goes to a fresh one instead of being lost."""
    import contextlib

    w = Warehouse(tmp_path / "w.duckdb")
    w.migrate()
    with w.kept_open() as kept:
        run_id = w.runs.start("ingest", None)
        assert kept.is_open
        with pytest.raises(duckdb.FatalException), w.connect():
            raise duckdb.FatalException("FATAL Error: database has been invalidated")
        assert not kept.is_open  # opened afresh by the next write

        real, broke = w.transaction, []

        @contextlib.contextmanager
        def breaks_once():
            with real() as con:
                if not broke:
                    broke.append(True)
                    raise duckdb.FatalException("FATAL Error: database has been invalidated")
                yield con

        monkeypatch.setattr(w, "transaction", breaks_once)
        w.runs.finish(run_id, "interrupted", {"articles_new": 3})
        assert broke
    assert w.operations.query("select status, articles_new from runs")[1] == [("interrupted", 3)]


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
            wh.operations.query(sql)
    assert wh.operations.query("select 42 as answer") == (["answer"], [(42,)])


def test_export_writes_every_table_as_parquet(wh, tmp_path):
    wh.frontier.add([entry("http://a/1")])
    wh.articles.save([article("id1", "http://a/1")], [])
    written = wh.operations.export_parquet(tmp_path / "out")
    names = {p.stem for p in written}
    assert {"articles", "failures", "runs", "feed_health", "coverage_daily"} <= names
    con = duckdb.connect()
    assert con.execute(f"select article_id from read_parquet('{tmp_path / 'out' / 'articles.parquet'}')").fetchall() == [("id1",)]


def test_maintenance_prunes_old_raw_bodies_and_snapshots_feeds(wh):
    import zlib

    old = NOW - timedelta(days=400)
    urls = ["http://a/old", "http://a/new", "http://a/old-copy"]
    wh.frontier.add([entry(u) for u in urls])
    shared, own = b"<html>same page</html>", b"<html>only the old one</html>"

    def page(url, body, when):
        return StoredPage(url=url, final_url=url, status=200, content_type="text/html", fetched_at=when,
                          body=PackedBody(data=zlib.compress(body), body_size=len(body),
                                          sha256=hashlib.sha256(body).hexdigest()))

    wh.pages.save_fetches([page("http://a/old", own, old), page("http://a/new", shared, datetime.now(timezone.utc)),
                     page("http://a/old-copy", shared, old)], [])
    wh.articles.save([article("o", "http://a/old"), article("n", "http://a/new"), article("c", "http://a/old-copy")], [])
    wh.feeds.register([("http://f/feed", "F")])
    files = sorted(p.name for p in wh.pages.bodies.root.rglob("*.zz"))
    assert len(files) == 2  # identical bodies share one file
    assert wh.operations.maintain(retention_days=180) == {"raw_pages_pruned": 2}
    assert wh.operations.query("select url from raw_pages where not body_file and body is null order by url")[1] == [
        ("http://a/old",), ("http://a/old-copy",)]
    # the old page's own body is gone; the shared one stays for the page that still needs it
    assert [p.name for p in wh.pages.bodies.root.rglob("*.zz")] == [f"{hashlib.sha256(shared).hexdigest()}.zz"]
    assert wh.pages.raw_bodies(urls) == {"http://a/new": zlib.compress(shared)}
    assert wh.operations.query("select count(*) from articles")[1] == [(3,)]  # articles stay
    assert wh.operations.query("select feed_url, health from feed_health_history")[1] == [("http://f/feed", "ok")]


def codec_sha256(packed: bytes) -> str:
    """The sha256 of a packed body as fetched: what the packer computes once, where it packs."""
    from warehouse import codec

    return hashlib.sha256(codec.unpack(packed)).hexdigest()


def test_raw_bodies_live_beside_the_warehouse_and_older_inline_bodies_still_read(wh):
    import zlib

    wh.frontier.add([entry("http://a/1"), entry("http://a/legacy")])
    body = zlib.compress(b"<html>page one</html>")
    wh.pages.save_fetches([StoredPage(url="http://a/1", final_url="http://a/1", status=200, content_type="text/html",
                                      fetched_at=NOW, body=PackedBody(21, codec_sha256(body), body))], [])
    assert wh.operations.query("select body is null, body_file, sha256 from raw_pages")[1] == [
        (True, True, hashlib.sha256(b"<html>page one</html>").hexdigest())]
    assert list(wh.pages.bodies.root.rglob("*.zz"))  # in the store, not in DuckDB
    # a row stored inline by an earlier version of the warehouse
    con = duckdb.connect(str(wh.path))
    con.execute("insert into raw_pages (url, final_url, status, fetched_at, body, body_file) "
                "values ('http://a/legacy', 'http://a/legacy', 200, now(), ?, false)", [zlib.compress(b"<p>old</p>")])
    con.execute("update frontier set state = 'fetched' where url = 'http://a/legacy'")
    con.close()
    assert {r.url: zlib.decompress(r.body) for r in wh.pages.fetched(10)} == {
        "http://a/1": b"<html>page one</html>", "http://a/legacy": b"<p>old</p>"}

def test_bodies_are_stored_with_zstd_and_older_zlib_bodies_still_read():
    from warehouse import codec

    page = b"<html><body>" + "Export controls on AI chips. ".encode() * 200 + b"</body></html>"
    packed = codec.pack(page)
    assert packed[:4] == b"\x28\xb5\x2f\xfd" and len(packed) < len(page) // 5
    assert codec.unpack(packed) == page
    import zlib

    assert codec.unpack(zlib.compress(page, 6)) == page  # what earlier versions stored


def test_keep_open_is_on_for_runs_unless_chipwire_keep_open_says_no(tmp_path):
    from flows.settings import build_settings

    assert build_settings(db=str(tmp_path / "w.duckdb"), environ={}).keep_open is True
    for off in ("0", "false", "no", "off"):
        assert build_settings(db=str(tmp_path / "w.duckdb"), environ={"CHIPWIRE_KEEP_OPEN": off}).keep_open is False
    assert build_settings(db=str(tmp_path / "w.duckdb"), environ={"CHIPWIRE_KEEP_OPEN": "1"}).keep_open is True


def test_every_table_view_and_column_says_what_it_means(wh):
    """Migrations must comment what they add (COMMENT ON ...; CREATE OR REPLACE VIEW drops a
    view's comments): `duckdb_columns()` and the warehouse_columns view explain the warehouse."""
    with wh.connect(read_only=True) as con:
        here = "database_name = current_database() AND schema_name = 'main' AND NOT internal"
        bare_columns = con.execute(
            f"SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE {here} "
            "AND coalesce(trim(comment), '') = '' ORDER BY 1").fetchall()
        bare_tables = con.execute(
            f"SELECT table_name FROM duckdb_tables() WHERE {here} AND coalesce(trim(comment), '') = '' UNION ALL "
            f"SELECT view_name FROM duckdb_views() WHERE {here} AND coalesce(trim(comment), '') = ''").fetchall()
        columns = con.execute(f"SELECT count(*) FROM duckdb_columns() WHERE {here}").fetchone()[0]
        guide = con.execute("SELECT comment FROM warehouse_columns WHERE table_name = 'articles' "
                            "AND column_name = 'relevance'").fetchall()
    assert bare_columns == [] and bare_tables == []
    assert columns > 150
    assert "[0, 1]" in guide[0][0]


def test_story_views_list_each_copy_and_coverage_says_source(wh):
    urls = [f"http://s{i}.example/a" for i in range(3)]
    wh.frontier.add([entry(u) for u in urls])
    wh.articles.save([article("first", urls[0], source="Alpha", published_at=NOW),
                      article("copy", urls[1], source="Beta", published_at=NOW + timedelta(hours=3)),
                      article("alone", urls[2], source="Beta", published_at=NOW + timedelta(days=1))], [])
    wh.clusters.assign({"first": "first", "copy": "first", "alone": "alone"})
    with wh.connect(read_only=True) as con:
        copies = con.execute("SELECT cluster_id, copy_number, article_id, source, title, url, published_at, is_first "
                             "FROM story_copies ORDER BY cluster_id, copy_number").fetchall()
        clusters = con.execute("SELECT cluster_id, articles, first_published, sources, first_source, outlets, "
                               "[c.article_id FOR c IN copies], copies[2].url FROM story_clusters ORDER BY 1").fetchall()
        coverage = con.execute("SELECT source, outlet, day, articles FROM coverage_daily ORDER BY 1, 3").fetchall()
    assert copies == [("alone", 1, "alone", "Beta", "T", urls[2], NOW + timedelta(days=1), True),
                      ("first", 1, "first", "Alpha", "T", urls[0], NOW, True),
                      ("first", 2, "copy", "Beta", "T", urls[1], NOW + timedelta(hours=3), False)]
    assert clusters == [("alone", 1, NOW + timedelta(days=1), ["Beta"], "Beta", 1, ["alone"], None),
                        ("first", 2, NOW, ["Alpha", "Beta"], "Alpha", 2, ["first", "copy"], urls[1])]
    day = NOW.date()
    assert coverage == [("Alpha", "Alpha", day, 1), ("Beta", "Beta", day, 1), ("Beta", "Beta", day + timedelta(days=1), 1)]


@pytest.mark.parametrize("name", ["it's here", 'say "cheese"', "x'); COPY articles TO 'pwned.csv'; --", "a*b?[c] ü 中"])
def test_export_takes_any_folder_name(wh, tmp_path, name):
    wh.frontier.add([entry("http://a/1")])
    wh.articles.save([article("id1", "http://a/1")], [])
    out = tmp_path / name / "parquet"
    written = wh.operations.export_parquet(out)
    assert {p.name for p in out.iterdir()} == {p.name for p in written}  # no temporary file left
    assert {"articles.parquet", "story_copies.parquet", "warehouse_columns.parquet"} <= {p.name for p in written}
    con = duckdb.connect()
    assert con.execute("SELECT article_id FROM read_parquet($p)", {"p": str(out / "articles.parquet")}).fetchall() == [("id1",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "w.duckdb", "w.duckdb.wal"])


def test_no_sql_of_the_warehouse_package_splices_in_a_value():
    """SQL text in warehouse/ is built from constants: values, paths and names go in as
    parameters ($name, ?) or through the relation API. The only formatted parts allowed are
    int() (LIMIT) and named fragments that are themselves constant SQL."""
    import ast

    constant_fragments = {"where", "old", "sets"}  # classify's filter, maintain's filter, finish_run's SET list
    calls = {"execute", "sql", "query", "executemany"}
    offenders = []
    for path in sorted((REPO / "warehouse").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in calls
                    and node.args):
                continue
            for part in ast.walk(node.args[0]):
                if isinstance(part, ast.FormattedValue):
                    v = part.value
                    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "int":
                        continue
                    if isinstance(v, ast.Name) and v.id in constant_fragments:
                        continue
                    offenders.append(f"{path.name}:{part.lineno}: {ast.unparse(v)}")
                elif isinstance(part, ast.BinOp) and isinstance(part.op, (ast.Mod, ast.Add)) and any(
                        isinstance(s, ast.Name) for s in (part.left, part.right)):
                    offenders.append(f"{path.name}:{part.lineno}: {ast.unparse(part)}")
    assert offenders == []


def test_a_result_fetched_in_part_blocks_the_connection_so_the_warehouse_reads_results_whole():
    """DuckDB 2.0 leaves a result that ``fetchone()`` read as unfinished (even a one-row count):
    registering or unregistering a staged table on that connection then fails
    (ResourceInUseException; DuckDB 1.x did not), and
    inside ``session()`` the connection is shared by every step of a stage. So the warehouse
    package reads whole results (``fetchall``, ``to_arrow_table``), never ``fetchone``."""
    import ast

    calls = []
    for path in sorted((REPO / "warehouse").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("fetchone", "fetchmany"):
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []


def test_articles_signed_before_the_band_keys_get_theirs_on_upgrade(tmp_path, monkeypatch):
    """A warehouse from before migration 005 holds signatures without LSH band keys: on upgrade
    its articles get the keys the pipeline would have stored (`band_keys`), so a new copy of one
    of their stories finds it; articles that have keys keep them."""
    from extractors.dedup import band_keys, signature
    from warehouse import db as dbmod
    from flows.work import bands_of
    from warehouse.records import ArticleRow

    shipped = dbmod.migrations()
    monkeypatch.setattr(dbmod, "migrations", lambda: [m for m in shipped if m[0] < 13])
    wh = Warehouse(tmp_path / "old.duckdb")
    wh.migrate()
    story = " ".join(f"the commerce department said on tuesday that licences number {i} were granted" for i in range(12))
    when = datetime(2024, 5, 1, tzinfo=timezone.utc)
    for aid, text in (("old", story), ("short", "too short to sign")):
        url = f"http://s/{aid}"
        wh.frontier.add([{"url": url, "link": url, "origin": "page"}])
        wh.articles.save([ArticleRow(article_id=aid, url=url, canonical_url=url, final_url=url, frontier_url=url,
                                     text=text, title=aid, fetched_at=when)], [])
    with wh.transaction() as con:  # signed, clustered, no band keys: as before migration 005
        con.execute("INSERT INTO article_signatures VALUES ('old', 's', $sig, $when), ('short', 's', [], $when)",
                    {"sig": list(signature(story)), "when": when})
        con.execute("UPDATE articles SET cluster_id = article_id")
    monkeypatch.setattr(dbmod, "migrations", lambda: shipped)
    assert wh.migrate() == [m[1] for m in shipped if m[0] >= 13]
    with wh.connect() as con:
        stored = con.execute("SELECT article_id, band, key FROM article_bands ORDER BY article_id, band").fetchall()
    assert [(band, key) for aid, band, key in stored] == band_keys(signature(story))
    assert {aid for aid, _, _ in stored} == {"old"}
    copy = story.replace("on tuesday", "on tuesday, according to a statement,")
    found = wh.clusters.candidate_copies([bands_of("new", signature(copy))])
    assert [c[0] for c in found] == ["old"]


def test_a_packed_body_holds_no_more_memory_than_its_size():
    """Compressed bodies wait in memory between fetching and extraction by the hundred: each must
    cost its compressed size, not the compressor's worst-case buffer (about the body's size)."""
    import tracemalloc

    from warehouse import codec

    body = ("<p>" + " ".join(f"word{i % 5000}" for i in range(60_000)) + "</p>").encode()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        packed = codec.pack(body)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(packed) < len(body) / 3
    assert held < 1.5 * len(packed) + 4096, (held, len(packed), len(body))
    assert codec.unpack(packed) == body


def _learnt_sites():
    """Pages of five sites as line rows (what extraction stores): stories in one to four copies
    (a copy adds or drops a line), furniture lines, a standing paragraph on many pages, a prose
    line on more than MAX_HOLDERS pages, a site too small to teach, pages sharing one paragraph."""
    import random

    from extractors.sitelearn import MAX_HOLDERS, line_rows

    rng = random.Random(11)
    words = ("chip export rule licence shipment vendor court ministry factory wafer quota tariff customs agency "
             "board market analyst quarter supply broker cloud model server rack memory foundry").split()

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(16, 24))).capitalize() + "."

    furniture = ["Share this article", "Most read", "Sign up for our newsletter", "Markets | Technology",
                 "Reporting by the desk; editing by the night team"]
    standing = sentence()
    sites: dict[str, dict[str, list[tuple[str, bool]]]] = {}
    for site, stories, copies in (("a.example", 14, 4), ("b.example", MAX_HOLDERS + 6, 1), ("c.example", 2, 1),
                                  ("d.example", 9, 3), ("e.example", 6, 2)):
        pages = sites.setdefault(site, {})
        shared = sentence()  # on every page of b (more holders than MAX_HOLDERS), on some of d
        for s in range(stories):
            prose = [sentence() for _ in range(rng.randint(1, 6))]
            for c in range(rng.randint(1, copies)):
                lines = rng.sample(furniture, 3) + prose[: len(prose) - (c % 2)] + [f"Related: story {rng.randint(0, 40)}"]
                if c == 2:
                    lines.append(sentence())  # a copy with a line of its own
                if site in ("b.example", "d.example") and (site == "b.example" or s % 3 == 0):
                    lines.append(shared)
                if site == "a.example" and s % 2 == 0:
                    lines.append(standing)
                pages[f"{site}-{s}-{c}"] = line_rows("\n".join(lines))
    return sites


def test_the_warehouse_learns_a_site_as_build_profile_does_from_its_lines(wh):
    """Site cleaning's profiles are counted by the warehouse (a site's stored lines are never
    held in memory): the same profile as `build_profile` of those lines, site by site, with
    stories merged, standing and over-shared prose, and sites too small to teach."""
    from extractors.sitelearn import build_profile
    from flows import refine

    sites = _learnt_sites()
    wh.articles.save([article(pid, f"http://{site}/{pid}", site=site, site_lines=tuple(rows))
                      for site, pages in sites.items() for pid, rows in pages.items()], [])
    profiles, lined, recurs = refine.learn_sites(wh, sorted(sites))
    assert set(profiles) == set(sites)
    for site, pages in sites.items():
        want = build_profile(pages)
        assert profiles[site] == want, site
        assert {pid for pid in pages if pid in recurs} == {
            pid for pid, rows in pages.items() if any(want.recurring(fp) for fp, _ in rows)}, site
    assert lined == {pid for pages in sites.values() for pid in pages}
    a, c = profiles["a.example"], profiles["c.example"]
    assert 1 < a.pages < len(sites["a.example"]) and a.plain, "copies merged; the standing paragraph is plain prose"
    assert c.pages < 3 and not any(pid in recurs for pid in sites["c.example"]), "too small to teach"
