"""Scale-out: the same ingest on a local Dask cluster (2 workers) gives the same warehouse."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest

from flows.demo.run import write_demo_sources
from flows.demo.server import LoopbackSites, bundled_sites
from flows.settings import build_settings

pytestmark = pytest.mark.prefect

COLUMNS = "article_id, url, canonical_url, title, author, published_at, language, text, source"


def _rows(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select {COLUMNS} from articles order by article_id").fetchall()
    finally:
        con.close()


def test_dask_runner_gives_the_same_warehouse(prefect_harness, tmp_path):
    pytest.importorskip("prefect_dask")
    from flows.ingest import ingest_flow, with_runner

    sites = bundled_sites()
    with LoopbackSites(sites):
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        local = build_settings(db=str(tmp_path / "local.duckdb"), sources=str(sources), progress=False,
                               batch_size=5)
        dask = dataclasses.replace(local, db_path=tmp_path / "dask.duckdb", task_runner="dask")
        a = with_runner(ingest_flow, local)(local)
        import sys

        b = with_runner(ingest_flow, dask)(dask)
        assert "distributed" in sys.modules  # the Dask cluster really ran
    assert a["articles_new"] == b["articles_new"] == 19
    assert _rows(local.db_path) == _rows(dask.db_path)
