"""Red-team cases of issue 12 that the other suites do not already hold (SSRF through DNS is in
test_ssrf_dns.py, query's sandbox in test_query.py, settings bounds in test_sources.py,
robots.txt and interleaving in test_fetch.py / test_pagefetch.py, processes outliving a run in
test_interrupt.py): stored bodies that vanished, and a full disk.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from flows.demo.run import write_demo_sources
from flows.demo.server import LoopbackSites, bundled_sites
from warehouse.db import Warehouse

from tests.pages import chipwire_process as chipwire
from tests.pages import warehouse_rows as q

pytestmark = pytest.mark.prefect


def test_missing_body_files_are_failures_and_fetched_again(tmp_path, cli_env):
    """Delete most body files, then reextract: the pages that still have theirs are extracted,
    each missing one is a recorded failure queued to be fetched again (never `fetched` for
    ever), and the next ingest fetches them."""
    sites = bundled_sites()
    db = tmp_path / "data" / "w.duckdb"
    with LoopbackSites(sites):
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        ingest = ["ingest", "--sources", str(sources), "--db", str(db), "--no-progress"]
        assert chipwire(cli_env, *ingest).returncode == 0
        bodies = sorted((db.with_name(db.name + ".bodies")).rglob("*.zz"))
        assert len(bodies) == 19
        for path in bodies[:14]:
            path.unlink()
        redo = chipwire(cli_env, "reextract", "--db", str(db), "--no-progress")
        assert redo.returncode == 0, redo.stderr[-2000:]
        assert q(db, "select pages_requeued, articles_updated from runs where flow = 'reextract'") == [(19, 5)]
        assert q(db, "select state, count(*) from frontier where url in (select url from raw_pages) "
                     "group by 1 order by 1") == [("done", 5), ("pending", 14)]
        assert q(db, "select count(*) from failures where reason like 'raw body missing%'") == [(14,)]
        hits_before = sum(n for site in sites.values() for p, n in site.hits.items() if p.endswith(".html"))
        again = chipwire(cli_env, *ingest)
        assert again.returncode == 0, again.stderr[-2000:]
        hits_after = sum(n for site in sites.values() for p, n in site.hits.items() if p.endswith(".html"))
    assert hits_after - hits_before == 14  # fetched again, unconditionally, and only those
    assert q(db, "select count(*) from failures where reason like 'raw body missing%'") == [(0,)]
    assert q(db, "select count(*) from frontier where state = 'fetched'") == [(0,)]
    assert len(list((db.with_name(db.name + ".bodies")).rglob("*.zz"))) == 19


@contextlib.contextmanager
def _small_disk(path: Path, size: str):
    path.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here ({mounted.stderr.strip()[:100]})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path, cli_env):
    sites = bundled_sites()
    with _small_disk(tmp_path / "disk", "24m") as disk, LoopbackSites(sites):
        db = disk / "data" / "w.duckdb"
        wh = Warehouse(db)
        wh.migrate()
        wh.release()
        filler = disk / "filler"
        with open(filler, "wb") as f:  # leave about 64 KB
            stat = os.statvfs(disk)
            f.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - 64 * 1024))
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        ingest = ["ingest", "--sources", str(sources), "--db", str(db), "--no-progress"]
        full = chipwire(cli_env, *ingest)
        assert full.returncode != 0
        lines = full.stderr.strip().splitlines()
        assert len(lines) == 1 and "disk full at" in lines[0] and str(disk) in lines[0], full.stderr[-3000:]
        assert not [p for p in disk.rglob("*.tmp")]  # no stray temporary body file
        filler.unlink()  # room again: the same command carries on
        again = chipwire(cli_env, *ingest)
        assert again.returncode == 0, again.stderr[-3000:]
        assert q(db, "select count(*) from articles") == [(19,)]
