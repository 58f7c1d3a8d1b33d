"""Two real `chipwire ingest` processes on one warehouse, started a second apart, and
`chipwire query` while they load: all exit 0, every article once, no page fetched twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.demo.run import write_demo_sources
from flows.demo.server import LoopbackSites, bundled_sites

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.prefect


def test_two_ingests_at_once(tmp_path):
    sites = bundled_sites()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    db = tmp_path / "data" / "shared.duckdb"
    with LoopbackSites(sites):
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        cmd = [sys.executable, "-m", "flows.cli", "ingest", "--no-progress", "--sources", str(sources), "--db", str(db)]
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        queries = []
        while first.poll() is None or second.poll() is None:
            if db.exists():
                q = subprocess.run([sys.executable, "-m", "flows.cli", "query", "--db", str(db), "--format", "csv",
                                    "select count(*) from runs"], env=env, capture_output=True, text=True)
                queries.append(q.returncode)
            time.sleep(1)
        out1, err1 = first.communicate(timeout=300)
        out2, err2 = second.communicate(timeout=300)
        assert first.returncode == 0, err1[-2000:]
        assert second.returncode == 0, err2[-2000:]
        assert queries and all(code == 0 for code in queries)
        page_hits = {path: n for site in sites.values() for path, n in site.hits.items() if path.endswith(".html")}
    from flows.localserver import running, stop

    assert running(db.parent / "prefect") is not None  # the two commands started one local server, and shared it
    stop(db.parent / "prefect")
    con = duckdb.connect(str(db), read_only=True)
    try:
        n, distinct = con.execute("select count(*), count(distinct canonical_url) from articles").fetchone()
        runs = con.execute("select status from runs").fetchall()
        done = con.execute("select sum(articles_new), sum(pages_fetched) from runs").fetchone()
    finally:
        con.close()
    assert n == distinct == 19
    assert runs == [("completed",), ("completed",)]
    assert done == (19, 19), done  # each article and each page counted once, by the run that did it
    assert all(n == 1 for path, n in page_hits.items() if "/private/" not in path), page_hits
