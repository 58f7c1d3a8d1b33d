"""Shared fixtures: real loopback sites, real DuckDB files, one Prefect test harness per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DO_NOT_TRACK", "1")

# Property tests explore new random inputs on a developer's machine; CI (``.ci/run`` sets
# HYPOTHESIS_PROFILE=ci) replays a fixed, derandomized set so a red build is reproducible and
# not a matter of luck. Inputs that once failed are pinned with ``@example`` in the tests.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
SEEDS = REPO.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not here (a fresh clone without shared/)")
    return CORPORA


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """Prefect's own test harness (a temporary local API + SQLite), once per session (~20 s)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory) -> str:
    """One real local Prefect server (flows/localserver.py, its own home and port) for every
    `chipwire` subprocess the tests start: they report to it instead of each starting one."""
    from flows import localserver

    home = tmp_path_factory.mktemp("prefect-server")
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_LOGGING_LEVEL": "WARNING", "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    info, _ = localserver.ensure(home, env, idle=3600)
    yield info.api_url
    localserver.stop(home)


@pytest.fixture
def cli_env(prefect_api) -> dict[str, str]:
    """The environment of a `chipwire` subprocess: this checkout, the tests' Prefect server."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": prefect_api}
    env.pop("PREFECT_HOME", None)
    return env
