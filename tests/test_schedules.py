"""Schedules that fire by themselves, end to end, from the installed package.

Nobody triggers the runs these tests wait for: a real Prefect server (its own home and port),
the work pool, `prefect deploy` of deploy/prefect.yaml (a copy whose ingest runs every 30 s)
and a process worker must produce a completed ingest that wrote its `runs` row; and
`chipwire serve --every 1m` must run at least two ingests unattended, one of them started by
its schedule. A scheduler that fails (as Prefect 3.8.8's does on SQLAlchemy 2.1) fails these.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flows.demo.run import write_demo_sources
from flows.demo.server import LoopbackSites, bundled_sites
from warehouse.db import Warehouse
from warehouse.errors import WarehouseError

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.prefect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(api_url: str, path: str, body: dict | None = None):
    req = urllib.request.Request(api_url + path, data=json.dumps(body or {}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(api_url + "/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _ingest_runs(api_url: str) -> list[dict]:
    """Completed flow runs of the chipwire-ingest flow, and whether a schedule made them."""
    runs = _api(api_url, "/flow_runs/filter", {"flows": {"name": {"any_": ["chipwire-ingest"]}},
                                               "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
                                               "limit": 50})
    return [{"state": r["state_type"], "auto": r["auto_scheduled"], "name": r["name"]} for r in runs]


def _warehouse_runs(db: Path) -> list[tuple]:
    try:
        return Warehouse(db, lock_wait=2).operations.query("SELECT flow, status FROM runs ORDER BY started_at")[1]
    except WarehouseError:
        return []


def _wait(what: str, check, timeout: float, procs=()) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"{proc.args[:4]} ended ({proc.returncode}) before {what}: {_tail(proc)}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def _tail(proc) -> str:
    with contextlib.suppress(Exception):
        return (proc.stderr.read() or "")[-3000:]
    return ""


@contextlib.contextmanager
def _process(cmd: list[str], env: dict, cwd: Path, log: Path):
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _every_30_seconds(yaml_text: str) -> str:
    """deploy/prefect.yaml with the ingest schedule an interval of 30 s instead of its cron."""
    changed, n = re.subn(r'cron: "\*/30 \* \* \* \*"', "interval: 30", yaml_text)
    assert n == 1, "deploy/prefect.yaml no longer has the */30 cron the test replaces"
    return changed


def test_deployed_schedule_fires_on_a_worker(tmp_path):
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api_url,
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_WORKER_QUERY_SECONDS": "2"}
    prefect = [sys.executable, "-m", "prefect"]
    sites = bundled_sites()
    db = tmp_path / "data" / "scheduled.duckdb"
    yaml_copy = tmp_path / "prefect.yaml"
    yaml_copy.write_text(_every_30_seconds((REPO / "deploy" / "prefect.yaml").read_text()))
    with LoopbackSites(sites), \
            _process([*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-background"],
                     env, tmp_path, tmp_path / "server.log") as server:
        _wait("the Prefect server to answer", lambda: _healthy(api_url), 180, [server])
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        subprocess.run([*prefect, "work-pool", "create", "chipwire-pool", "--type", "process"], env=env,
                       check=True, capture_output=True, timeout=120)
        deployed = subprocess.run([*prefect, "deploy", "--prefect-file", str(yaml_copy), "--all"],
                                  env=env, cwd=REPO, capture_output=True, text=True, timeout=180)
        assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]
        worker_env = {**env, "CHIPWIRE_SOURCES": str(sources), "CHIPWIRE_DB": str(db)}
        with _process([*prefect, "worker", "start", "--pool", "chipwire-pool"], worker_env, REPO,
                      tmp_path / "worker.log") as worker:
            done = _wait("an ingest run nobody triggered to complete",
                         lambda: [r for r in _ingest_runs(api_url) if r["auto"] and r["state"] == "COMPLETED"],
                         300, [server, worker])
            assert done
            _wait("its runs row", lambda: ("ingest", "completed") in _warehouse_runs(db), 60)
    assert "bulk_dml" not in (tmp_path / "server.log").read_text(errors="replace")
    rows = Warehouse(db).operations.query("select count(*) from articles")[1]
    assert rows[0][0] == 19


def test_serve_runs_ingests_on_its_own(tmp_path):
    """Two ingests nobody asked for (one at start, one by the schedule), a UI that answers, a
    printed hint that starts a run as written, and SIGTERM ending it within 10 s."""
    sites = bundled_sites()
    env = {**os.environ, "PYTHONPATH": str(REPO), "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    db = tmp_path / "data" / "served.duckdb"
    record = tmp_path / "data" / "prefect" / "server.json"
    console = tmp_path / "serve.err"
    with LoopbackSites(sites), open(console, "w") as err_file:
        sources = write_demo_sources(sites, tmp_path / "sources.toml")
        proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--every", "1m", "--db", str(db),
                                 "--sources", str(sources)], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=err_file, text=True, start_new_session=True)
        try:
            hint = _wait("serve's hint", lambda: re.search(r"start a run yourself: (PREFECT_API_URL=\S+) (prefect .*?'chipwire-ingest/ingest')",
                                                           console.read_text()), 180, [proc])
            ui = re.search(r"Prefect UI \(runs, schedules, logs\): (\S+)", console.read_text()).group(1)
            with urllib.request.urlopen(ui, timeout=10) as page:
                assert page.status == 200 and b"<html" in page.read(2000).lower()
            _wait("two completed ingests", lambda: _warehouse_runs(db).count(("ingest", "completed")) >= 2, 180, [proc])
            _wait("the report serve refreshes", lambda: db.with_name("report.html").is_file(), 60, [proc])
            api_url = hint.group(1).split("=", 1)[1]
            _wait("the run its schedule made to complete in Prefect too",
                  lambda: any(r["auto"] for r in _ingest_runs(api_url)), 120, [proc])
            # the hint, as written, starts a run that serve executes
            ran = subprocess.run(f"{hint.group(1)} {sys.executable} -m {hint.group(2)}", shell=True, env=env,
                                 capture_output=True, text=True, timeout=120)
            assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
            _wait("the hinted run to complete", lambda: _warehouse_runs(db).count(("ingest", "completed")) >= 3, 120, [proc])
            sent = time.monotonic()
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
            took = time.monotonic() - sent
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    err = console.read_text()
    assert proc.returncode == 143, err[-3000:]
    assert took < 10, took
    assert "Traceback" not in err, err[-3000:]
    assert "stopped" in err.strip().splitlines()[-1], err
    assert not record.exists()  # serve started the server and stopped it with itself
