"""`chipwire demo --db FILE` replaces only a warehouse it made itself: a user's warehouse, its
body store and any other file at that path are refused with one line and left byte for byte."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]


def _demo(db: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "demo", "--db", str(db), "--no-progress"],
                          env=env, cwd=db.parent, capture_output=True, text=True, timeout=timeout)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _users_warehouse(db: Path) -> None:
    wh = Warehouse(db)
    wh.migrate()
    wh.frontier.add([{"url": "http://a.example/1", "link": "http://a.example/1", "origin": "page"}])
    wh.pages.bodies.put("ab" * 32, b"a body the user fetched")
    wh.checkpoint()
    wh.release()


@pytest.mark.parametrize("kind", ["warehouse", "text file", "body store only"])
def test_demo_refuses_what_it_did_not_create(tmp_path, cli_env, kind):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "mine.duckdb"
    if kind == "warehouse":
        _users_warehouse(db)
    elif kind == "text file":
        db.write_text("my notes\n" * 50)
    else:
        (data / "mine.duckdb.bodies").mkdir()
        (data / "mine.duckdb.bodies" / "keep.zz").write_bytes(b"x")
    (data / "demo-sources.toml").write_text("# the user's own file of that name\n")
    before = _digest(data)
    done = _demo(db, cli_env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "not made by `chipwire demo`" in lines[0] and str(db) in lines[0], done.stderr
    assert _digest(data) == before  # nothing deleted, nothing overwritten, nothing added


@pytest.mark.prefect
def test_demo_replaces_its_own_warehouse_and_nothing_else(tmp_path, cli_env):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "demo.duckdb"
    neighbour = data / "demo-sources.toml"
    neighbour.write_text("# the user's own file of that name\n")
    first = _demo(db, cli_env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert Warehouse(db).operations.query("select count(*) from articles")[1] == [(19,)]
    again = _demo(db, cli_env)  # its own warehouse: rebuilt
    assert again.returncode == 0, again.stderr[-3000:]
    assert Warehouse(db).operations.query("select count(*) from runs")[1] == [(1,)]
    assert neighbour.read_text() == "# the user's own file of that name\n"
    # a warehouse put at that path afterwards is not the demo's, even with the demo's folder beside it
    db.unlink()
    _users_warehouse(db)
    refused = _demo(db, cli_env)
    assert refused.returncode == 2 and "not made by `chipwire demo`" in refused.stderr
    assert Warehouse(db).operations.query("select count(*) from frontier")[1] == [(1,)]
