"""`chipwire query`: reads everything in the warehouse, writes and reads nothing else.

Every hostile statement runs against a real warehouse file with a write-ahead log and a body
store beside it, and a victim file that exists already; afterwards every file under the folder
is byte for byte and mtime for mtime what it was, and nothing was added. The query path is
also checked for what it imports, and the command for its inputs and outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from warehouse import codec
from warehouse.db import Warehouse
from warehouse.errors import QueryError, ReadOnlyViolation, WarehouseError
from warehouse.query import run_sql
from warehouse.records import ArticleRow, Failure, PackedBody, StoredPage

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 7, 1, 12, tzinfo=timezone.utc)
BODY = b"<html><body><p>A stored page of the body store.</p></body></html>"


def chipwire(*args: str, stdin: str | None = None, cwd: Path | None = None, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, input=stdin,
                          cwd=cwd, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def _article(aid: str, url: str, source: str, hours: int, **kw) -> ArticleRow:
    return ArticleRow(**{"article_id": aid, "url": url, "canonical_url": url, "final_url": url, "frontier_url": url,
                         "title": f"Title of {aid}", "text": "Nvidia H20 export licence. " * 20, "source": source,
                         "language": "en", "fetched_at": NOW, "published_at": NOW + timedelta(hours=hours), **kw})


@pytest.fixture
def loaded(tmp_path) -> Path:
    """A warehouse with articles in story clusters, a raw page in the body store, and its
    write-ahead log still beside it (the way a run leaves it between checkpoints)."""
    folder = tmp_path / "data"
    folder.mkdir()
    wh = Warehouse(folder / "wh.duckdb")
    wh.migrate()
    wh.checkpoint()
    urls = [f"http://site{i}.example/story" for i in range(4)]
    wh.frontier.add([{"url": u, "link": u, "origin": "feed", "feed_url": None, "trusted_origin": None}
                        for u in urls])
    wh.pages.save_fetches([StoredPage(url=urls[0], final_url=urls[0], status=200, content_type="text/html",
                                      fetched_at=NOW, body=PackedBody(len(BODY), hashlib.sha256(BODY).hexdigest(),
                                                                      codec.pack(BODY)))], [])
    wh.articles.save([_article("a0", urls[0], "Alpha", 0), _article("a1", urls[1], "Beta", 5),
                      _article("a2", urls[2], "Gamma", 9, syndicated_from=urls[0]), _article("b0", urls[3], "Beta", 2)],
                     [])
    wh.clusters.assign({"a0": "a0", "a1": "a0", "a2": "a0", "b0": "b0"})
    assert (folder / "wh.duckdb.wal").is_file() and any((folder / "wh.duckdb.bodies").rglob("*.zz"))
    (folder / "victim.txt").write_text("the victim's own words\n")
    (folder / "data.csv").write_text("article_id,title\nzz,from a csv\n")
    return folder / "wh.duckdb"


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).digest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()} | {
            str(p.relative_to(folder)) + "/": (b"", 0) for p in folder.rglob("*") if p.is_dir()}


def _body_file(db: Path) -> Path:
    return next((db.parent / "wh.duckdb.bodies").rglob("*.zz"))


HOSTILE = [
    # writing any file: the issue's own case, then the same through every door
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{victim}'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{new}'",
    "COPY (SELECT 'x') TO '{new}'",
    "COPY (SELECT 'x') TO '{wal}'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{wal}'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{wal}.checkpoint'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{wal}.recovery'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{db}'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{body}'",
    "EXPLAIN ANALYZE COPY (SELECT 'x') TO '{db}.tmp/x.csv'",
    "select 1; EXPLAIN ANALYZE COPY (SELECT 'x') TO '{new}'",
    "EXPORT DATABASE '{folder}/dump'",
    "PREPARE p AS SELECT 1; EXPLAIN ANALYZE COPY (SELECT 1) TO '{new}'",
    # reading any other file
    "COPY articles FROM '{csv}'",
    "EXPLAIN ANALYZE COPY articles FROM '{csv}'",
    "SELECT * FROM read_csv('{csv}')",
    "SELECT * FROM '{csv}'",
    "SELECT * FROM read_text('{body}')",
    "SELECT * FROM read_blob('{body}')",
    "SELECT * FROM glob('{folder}/*')",
    "SELECT * FROM read_parquet('{folder}/*.parquet')",
    "SELECT * FROM read_json('{csv}')",
    "SELECT * FROM sniff_csv('{csv}')",
    "IMPORT DATABASE '{folder}'",
    "SELECT * FROM query_table('{csv}')",
    "SELECT * FROM query('SELECT * FROM read_csv(''{csv}'')')",
    # other databases, extensions, the network
    "ATTACH '{folder}/other.duckdb' AS o",
    "ATTACH ':memory:' AS m",
    "ATTACH '{db}' AS again (READ_ONLY)",
    "LOAD '{folder}/evil.duckdb_extension'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('{url}')",
    # turning the guard off, or moving where DuckDB writes
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET temp_directory = '{folder}/spill'",
    "SET profiling_output = '{new}'",
    "PRAGMA enable_profiling = 'json'",
    "PRAGMA profiling_output = '{new}'",
    "SET lock_configuration = false",
    "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    # writing the warehouse
    "CREATE TABLE x AS SELECT 1",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m(a) AS a",
    "INSERT INTO runs (run_id, flow, started_at, status) VALUES ('r', 'f', now(), 's')",
    "UPDATE articles SET title = 'x'",
    "DELETE FROM articles",
    "TRUNCATE runs",
    "DROP TABLE articles",
    "DROP VIEW story_clusters",
    "ALTER TABLE runs ADD COLUMN z INTEGER",
    "COMMENT ON TABLE runs IS 'x'",
    "EXPLAIN ANALYZE DELETE FROM articles",
    "EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1",
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    "VACUUM",
    "select 1; delete from articles",
]


@pytest.mark.parametrize("sql", HOSTILE)
def test_query_can_touch_no_file_but_read_the_warehouse(loaded, httpserver, tmp_path, monkeypatch, sql):
    httpserver.expect_request("/x.csv").respond_with_data("a\n1\n")
    scratch = tmp_path / "scratch"  # where the query's private spill directory goes
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    folder = loaded.parent
    before = _snapshot(folder)
    statement = sql.format(victim=folder / "victim.txt", new=folder / "new.txt", wal=folder / "wh.duckdb.wal",
                           body=_body_file(loaded), db=loaded, folder=folder, csv=folder / "data.csv",
                           url=httpserver.url_for("/x.csv"))
    with pytest.raises(WarehouseError) as err:
        run_sql(loaded, statement, lock_wait=2)
    message = str(err.value)
    assert "\n" not in message
    assert isinstance(err.value, ReadOnlyViolation) or "belongs to an attached database" in message, message
    assert _snapshot(folder) == before  # nothing written, created or touched: warehouse, WAL, body store
    assert httpserver.log == []  # nothing reached the network
    assert list(scratch.iterdir()) == []  # the private spill directory is gone
    assert run_sql(loaded, "select count(*) from articles")[0].rows == [(4,)]


def test_the_issues_command_writes_nothing_and_says_why_in_one_line(loaded):
    folder = loaded.parent
    before = _snapshot(folder)
    proc = chipwire("query", "--db", str(loaded), "EXPLAIN ANALYZE COPY (SELECT 'x') TO 'victim2.txt'", cwd=folder)
    assert proc.returncode != 0 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "refused" in proc.stderr, proc.stderr
    assert not (folder / "victim2.txt").exists() and _snapshot(folder) == before


READS = {
    "select title from articles where article_id = 'a1'": [("Title of a1",)],
    "from articles select count(*)": [(4,)],
    "with s as (select source from articles) select count(distinct source) from s": [(3,)],
    "pivot (select source, cluster_id from articles) on cluster_id using count(*) order by source":
        [("Alpha", 1, 0), ("Beta", 1, 1), ("Gamma", 1, 0)],
    "unpivot (select 1 as a, 2 as b) on a, b into name k value v order by k": [("a", 1), ("b", 2)],
    "select column_name, count from (summarize articles) where column_name = 'source'": [("source", 4)],
    "select column_name from (describe story_copies) where column_name = 'copy_number'": [("copy_number",)],
    "select count(*) > 10 from (show tables)": [(True,)],
    "select cluster_id, articles, first_source, outlets from story_clusters order by 1":
        [("a0", 3, "Alpha", 3), ("b0", 1, "Beta", 1)],
    "select source, copy_number, is_first from story_copies where cluster_id = 'a0' order by copy_number":
        [("Alpha", 1, True), ("Beta", 2, False), ("Gamma", 3, False)],
    "select [c.source for c in copies] from story_clusters where cluster_id = 'a0'": [(["Alpha", "Beta", "Gamma"],)],
    "select count(*) from coverage_daily where source = outlet": [(3,)],
    "select count(*) > 0 from duckdb_columns() where comment is not null": [(True,)],
    "select comment is not null from warehouse_tables where table_name = 'articles'": [(True,)],
    "set variable cid = 'a0'; select count(*) from articles where cluster_id = getvariable('cid')": [(3,)],
    "create temp table t as select article_id from articles; select count(*) from t": [(4,)],
    "create temp macro twice(x) as 2 * x; select twice(21)": [(42,)],
    "prepare p as select count(*) from articles where source = $1; execute p('Beta')": [(2,)],
    "pragma version": None,
    "call pragma_version()": None,
    "pragma table_info('articles')": None,
    "explain select * from articles": None,
    "explain analyze select count(*) from articles": None,
    "select date_trunc('week', published_at) from articles limit 1": None,  # ICU, built in
    "select timezone('America/New_York', published_at)::date from articles limit 1": None,
    "select json_extract('{\"a\": [1, 2]}', '$.a[1]')": [("2",)],
    "select regexp_extract(title, '(a\\d)', 1) from articles where article_id = 'a2'": [("a2",)],
    "select current_setting('enable_external_access')": [(False,)],
    "begin; select 1; commit": [(1,)],
}


@pytest.mark.parametrize("sql", list(READS))
def test_every_read_works(loaded, sql):
    before = _snapshot(loaded.parent)
    results = run_sql(loaded, sql)
    shown = [r for r in results if r.columns]
    assert shown, sql
    if READS[sql] is not None:
        assert shown[-1].rows == READS[sql]
    assert _snapshot(loaded.parent) == before


def test_query_works_while_this_process_keeps_the_file_open(loaded):
    """A run keeps its DuckDB instance open; DuckDB opens a file once per process, so the
    in-process query closes the kept instance first (the run reopens it at its next write)."""
    wh = Warehouse(loaded)
    with wh.kept_open():
        wh.pages.save_fetches([], [Failure(url="http://x/1", stage="fetch", reason="HTTP 500", transient=True)])
        assert wh.operations.query("select count(*) from failures") == (["count_star()"], [(1,)])
        wh.pages.save_fetches([], [Failure(url="http://x/2", stage="fetch", reason="HTTP 500", transient=True)])
        assert wh.operations.query("select count(*) from failures")[1] == [(2,)]
        wh.release()


def test_errors_are_one_line_and_name_the_statement(loaded):
    cases = {
        "selec 1": (QueryError, "syntax error"),
        "select * from artcles": (QueryError, 'Did you mean "articles"'),
        "select 1;\nselect nope\nfrom runs": (QueryError, "statement 2"),
        "": (QueryError, "no SQL statement"),
        "-- a comment only": (QueryError, "no SQL statement"),
        "set TimeZone = 'UTC'; select 1": (ReadOnlyViolation, "cannot change settings"),
        "select 1; drop table articles": (ReadOnlyViolation, "statement 2"),
    }
    for sql, (kind, words) in cases.items():
        with pytest.raises(kind) as err:
            run_sql(loaded, sql)
        assert words in str(err.value) and "\n" not in str(err.value), (sql, str(err.value))


# -- the command ---------------------------------------------------------------------------------


def test_sql_from_an_argument_a_file_or_stdin(loaded, tmp_path):
    script = tmp_path / "q.sql"
    script.write_text("-- how many\nselect count(*) as n\nfrom articles;\n")
    expected = ["n", "4"]
    assert chipwire("query", "--db", str(loaded), "--format", "csv", "select count(*) as n from articles"
                    ).stdout.splitlines() == expected
    assert chipwire("query", "--db", str(loaded), "--format", "csv", "-f", str(script)).stdout.splitlines() == expected
    assert chipwire("query", "--db", str(loaded), "--format", "csv", "-", stdin=script.read_text()
                    ).stdout.splitlines() == expected
    assert chipwire("query", "--db", str(loaded), "--format", "csv", "-f", "-", stdin=script.read_text()
                    ).stdout.splitlines() == expected
    for args, words in ((["-f", str(tmp_path / "missing.sql")], "missing.sql"), ([], "no SQL given"),
                        (["select 1", "-f", str(script)], "not both")):
        proc = chipwire("query", "--db", str(loaded), *args)
        assert proc.returncode != 0 and words in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def test_several_statements_print_every_result_under_its_heading(loaded):
    sql = "select count(*) as n from articles; set variable x = 7; select getvariable('x') as x"
    proc = chipwire("query", "--db", str(loaded), sql)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "-- statement 1: select count(*) as n from articles" in out and "-- statement 3: select" in out
    assert "statement 2" not in out  # SET VARIABLE returns nothing to show
    assert out.index("statement 1") < out.index(" 4 ") < out.index("statement 3") < out.index(" 7 ")
    data = json.loads(chipwire("query", "--db", str(loaded), "--format", "json", sql).stdout)
    assert [d["rows"] for d in data] == [[{"n": 4}], [{"x": 7}]]
    csv_out = chipwire("query", "--db", str(loaded), "--format", "csv", sql).stdout.splitlines()
    assert csv_out == ["# statement 1: select count(*) as n from articles", "n", "4", "",
                       "# statement 3: select getvariable('x') as x", "x", "7"]
    proc = chipwire("query", "--db", str(loaded), "select 1 as one; select * from nowhere")
    assert proc.returncode != 0 and proc.stdout == "" and "statement 2" in proc.stderr  # all, or an error


def test_table_fits_the_terminal_and_says_when_columns_are_left_out(loaded):
    from rich.cells import cell_len

    for width in (60, 100, 160):
        proc = chipwire("query", "--db", str(loaded), "select * from articles", env={"COLUMNS": str(width)})
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert max(cell_len(line) for line in lines) <= width
        assert "…" in proc.stdout  # long cells cut with an ellipsis
        footer = " ".join(proc.stdout.split("┘\n")[-1].split())  # wrapped at the terminal's width
        assert footer.startswith("(4 rows; ") and "columns shown: --format line shows them all)" in footer
    proc = chipwire("query", "--db", str(loaded), "select article_id, source from articles order by 1",
                    env={"COLUMNS": "80"})
    assert "| a0 " in proc.stdout.replace("│", "|") and "columns shown" not in proc.stdout
    assert proc.stdout.splitlines()[-1] == "(4 rows)"


def test_line_format_shows_every_column_whole(loaded):
    proc = chipwire("query", "--db", str(loaded), "--format", "line",
                    "select article_id, text, published_at from articles where article_id = 'a0'",
                    env={"COLUMNS": "40"})
    lines = proc.stdout.splitlines()
    assert lines[0] == "  article_id = a0"
    assert lines[1] == "        text = " + "Nvidia H20 export licence. " * 20  # whole, not cut at 40
    assert lines[2] == "published_at = 2025-07-01 12:00:00+00:00"
    assert lines[-1] == "(1 row)"


def test_max_rows_and_hostile_text_in_cells(loaded):
    proc = chipwire("query", "--db", str(loaded), "--max-rows", "2",
                    "select chr(27) || '[2J' || article_id as a from articles order by 1")
    assert "\x1b" not in proc.stdout and "\\x1b[2J" in proc.stdout  # escape sequences are shown, not sent
    assert proc.stdout.splitlines()[-1] == "(4 rows; the first 2 shown: --max-rows 0 shows all)"


HEAVY = ("prefect", "datasketch", "scipy", "trafilatura", "pyarrow", "numpy", "warehouse.db")


@pytest.mark.parametrize("fmt", ["table", "line", "csv", "json"])
def test_the_query_path_imports_nothing_heavy(loaded, fmt):
    code = ("import sys\nfrom flows.cli import main\n"
            f"assert main(['query', '--db', {str(loaded)!r}, '--format', {fmt!r}, 'select * from story_clusters']) == 0\n"
            f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r})\n"
            "print('HEAVY', heavy, file=sys.stderr)\nassert not heavy\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_ctrl_c_stops_a_long_query_at_once_in_one_line(loaded, tmp_path):
    import signal
    import time

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "query", "--db", str(loaded),
                             "select sum(hash(i)) from range(100000000000) t(i)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 60
    while not any(scratch.iterdir()):  # its private spill directory: the query is on its way
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
        time.sleep(0.01)  # polling a state, not waiting for luck
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - started < 10
    assert err.count("\n") == 1 and "interrupted" in err, err
    assert list(scratch.iterdir()) == []  # removed on the way out


def test_layout_gives_room_to_what_needs_it_and_elides_the_middle():
    from flows.output import layout

    # everything fits: every column at its natural width
    assert layout([5, 10, 3], [5, 6, 3], 80) == ([0, 1, 2], [5, 10, 3])
    # not all at natural width: the narrow needs are met first, the wide column takes the rest
    shown, widths = layout([4, 200, 6], [4, 6, 6], 60)
    assert shown == [0, 1, 2] and widths[0] == 4 and widths[2] == 6 and sum(widths) + 3 * 3 + 1 == 60
    # too many columns: the first and last ones that fit, around an elision column
    shown, widths = layout([12] * 30, [12] * 30, 100)
    assert shown[0] == 0 and shown[-1] == 29 and len(shown) < 30
    assert sum(widths) + 3 * len(shown) + 1 + 4 <= 100


def test_wide_characters_are_measured_as_the_terminal_draws_them(loaded):
    from rich.cells import cell_len

    proc = chipwire("query", "--db", str(loaded), "select '英伟达 H20 出口许可' || repeat('长', 80) as title, 1 as n",
                    env={"COLUMNS": "40"})
    lines = proc.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 40 and "英伟达" in proc.stdout and "…" in proc.stdout
