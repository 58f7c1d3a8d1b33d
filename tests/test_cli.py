"""The `chipwire` command as users run it: real processes, real files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.demo.server import LoopbackSites, Site
from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]


def chipwire(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 120):
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


@pytest.fixture
def site():
    s = Site(prefix="/x")
    s.routes["/x/feed.xml"] = lambda h: (200, {"Content-Type": "application/rss+xml"},
                                          b'<rss version="2.0"><channel><title>t</title></channel></rss>')
    with LoopbackSites({"x": s}):
        yield s


@pytest.mark.parametrize(
    "body, expected",
    [
        ('[[feeds]]\nurl = "{feed}"\ncolour = "red"\n', ["feeds[0]", "unknown key 'colour'"]),
        ('[[feeds]]\nurl = "{feed}"\n[[feeds]]\nname = "no url"\n', ["feeds[1]", "missing url"]),
        ('[[feeds]]\nurl = "ftp://example.com/feed.xml"\n', ["feeds[0]", "http(s)", "ftp://"]),
        ('[fetch]\nper_host_delay = "slow"\n[[feeds]]\nurl = "{feed}"\n', ["fetch", "per_host_delay"]),
        ('[[feeds]\nurl = "{feed}"\n', ["not valid TOML"]),
    ],
)
def test_bad_sources_file_fails_fast_with_one_line_and_fetches_nothing(tmp_path, site, body, expected):
    sources = tmp_path / "bad-sources.toml"
    sources.write_text(body.format(feed=site.url("feed.xml")))
    db = tmp_path / "w.duckdb"
    started = time.monotonic()
    proc = chipwire("ingest", "--sources", str(sources), "--db", str(db))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "bad-sources.toml" in lines[0]
    for word in expected:
        assert word in lines[0]
    assert site.requests == []  # nothing fetched
    assert not db.exists()  # nothing written either
    assert time.monotonic() - started < 15  # refused before Prefect starts


def test_missing_sources_file(tmp_path):
    proc = chipwire("ingest", "--sources", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "w.duckdb"))
    assert proc.returncode != 0 and "nope.toml" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.fixture
def warehouse(tmp_path) -> Path:
    db = tmp_path / "wh.duckdb"
    Warehouse(db).migrate()
    return db


def test_query_refuses_writes(warehouse):
    for sql in ("create table x(a int)", "insert into runs (run_id, flow, started_at, status) values ('a','b',now(),'c')",
                "delete from articles", "drop table articles", f"copy articles to '{warehouse.parent / 'out.csv'}'",
                "select 1; drop table articles"):
        proc = chipwire("query", "--db", str(warehouse), sql)
        assert proc.returncode != 0, sql
        assert "refused" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (warehouse.parent / "out.csv").exists()
    cols, rows = Warehouse(warehouse).operations.query("select count(*) from information_schema.tables where table_name = 'x'")
    assert rows == [(0,)]


def test_query_answers_in_each_format(warehouse):
    proc = chipwire("query", "--db", str(warehouse), "select count(*) as n from articles")
    assert proc.returncode == 0 and " n " in proc.stdout and "0" in proc.stdout
    proc = chipwire("query", "--db", str(warehouse), "--format", "csv", "select 1 as a, 'x' as b")
    assert proc.stdout.splitlines() == ["a,b", "1,x"]
    proc = chipwire("query", "--db", str(warehouse), "--format", "json", "select 1 as a, 'x' as b")
    assert proc.returncode == 0 and '"a": 1' in proc.stdout and '"b": "x"' in proc.stdout


def test_query_on_missing_warehouse_says_what_to_do(tmp_path):
    proc = chipwire("query", "--db", str(tmp_path / "none.duckdb"), "select 1")
    assert proc.returncode != 0 and "chipwire ingest" in proc.stderr


def test_query_on_a_file_that_is_not_duckdb(tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("just some text, not a database\n" * 100)
    proc = chipwire("query", "--db", str(bogus), "select 1")
    assert proc.returncode != 0 and "notes.duckdb" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert bogus.read_text().startswith("just some text")  # untouched


def test_help_is_fast_and_does_not_import_prefect():
    code = ("import sys; from flows.cli import main\n"
            "try:\n    main(['query', '--help'])\nexcept SystemExit: pass\n"
            "assert 'prefect' not in sys.modules, 'prefect imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "read-only" in proc.stdout
    for command in ("ingest", "query", "demo"):
        out = chipwire(command, "--help").stdout
        assert "--db" in out


def test_export_command(warehouse, tmp_path):
    proc = chipwire("export", str(tmp_path / "parquet"), "--db", str(warehouse))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "parquet" / "articles.parquet").is_file()


def test_export_into_a_folder_with_an_apostrophe(warehouse, tmp_path):
    out = tmp_path / "analyst's exports"
    proc = chipwire("export", str(out), "--db", str(warehouse))
    assert proc.returncode == 0, proc.stderr
    assert (out / "articles.parquet").is_file() and (out / "story_copies.parquet").is_file()


def test_run_markdown_lists_stages_feeds_and_failures():
    from flows.summary import run_markdown

    md = run_markdown("ingest", {"run_id": "r1", "feeds_polled": 2, "articles_new": 5},
                      {"feeds": [("Alpha", 200, "ok", 12, 0)], "failures": [("fetch", "HTTP 404", 3)]})
    assert "| feeds polled | 2 |" in md and "| articles new | 5 |" in md
    assert "| Alpha | 200 | ok | 12 | 0 |" in md and "| fetch | HTTP 404 | 3 |" in md
