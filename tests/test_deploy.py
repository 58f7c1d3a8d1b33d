"""deploy/prefect.yaml in Prefect's documented shape: entrypoints resolve, schedules parse,
and `chipwire serve` serves the same schedules against a local server it starts and stops."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SPEC = yaml.safe_load((REPO / "deploy" / "prefect.yaml").read_text())


def test_yaml_shape():
    assert {"name", "definitions", "deployments", "pull"} <= set(SPEC)
    assert {"work_pools", "schedules"} <= set(SPEC["definitions"])
    names = [d["name"] for d in SPEC["deployments"]]
    assert len(names) == len(set(names)) and {"ingest", "backfill", "reextract", "maintenance"} <= set(names)


@pytest.mark.parametrize("deployment", SPEC["deployments"], ids=lambda d: d["name"])
def test_every_entrypoint_imports_a_flow(deployment):
    from prefect import Flow

    path, _, attr = deployment["entrypoint"].partition(":")
    assert (REPO / path).is_file()
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    obj = getattr(module, attr)
    assert isinstance(obj, Flow)
    assert deployment["work_pool"]["name"] == "chipwire-pool"
    params = set(deployment.get("parameters") or {})
    assert params <= set(obj.parameters.properties), params


@pytest.mark.parametrize("deployment", [d for d in SPEC["deployments"] if d.get("schedules")], ids=lambda d: d["name"])
def test_every_schedule_parses_and_matches_serve(deployment):
    from prefect.client.schemas.schedules import CronSchedule

    from flows.deployments import SCHEDULES

    for sched in deployment["schedules"]:
        parsed = CronSchedule(cron=sched["cron"], timezone=sched.get("timezone", "UTC"))
        assert parsed.cron == SCHEDULES[deployment["name"]]
    unscheduled = {d["name"] for d in SPEC["deployments"] if not d.get("schedules")}
    assert all(SCHEDULES[name] is None for name in unscheduled)


@pytest.mark.prefect
def test_serve_starts_a_local_server_serves_and_stops_it(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PREFECT_API_URL", None)
    db = tmp_path / "data" / "w.duckdb"
    sources = tmp_path / "sources.toml"
    sources.write_text('[[pages]]\nurl = "http://127.0.0.1:9/nothing"\n')
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--db", str(db), "--sources", str(sources)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    record = tmp_path / "data" / "prefect" / "server.json"
    try:
        deadline = time.monotonic() + 240
        names = set()
        while time.monotonic() < deadline and proc.poll() is None:
            if record.exists():
                api = json.loads(record.read_text())["api_url"]
                req = urllib.request.Request(api + "/deployments/filter", data=b"{}", method="POST",
                                             headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=5) as resp:
                        names = {d["name"] for d in json.load(resp)}
                except OSError:
                    pass
                if {"ingest", "maintenance", "reextract"} <= names:
                    break
            time.sleep(1)
        assert {"ingest", "maintenance", "reextract"} <= names, proc.stderr.read() if proc.poll() is not None else names
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "stopped" in err.splitlines()[-1], err[-2000:]
    assert not record.exists()  # the server serve started was stopped with it, and its record removed
    with pytest.raises(OSError):
        urllib.request.urlopen(api + "/health", timeout=2)
