"""Run settings: built once at the entry point (CLI, deployment) and passed down.

Nothing else in the project reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path


def default_sources_path() -> Path:
    return Path(str(resources.files("deploy") / "sources.toml"))


def default_taxonomy_path() -> Path:
    return Path(str(resources.files("deploy") / "taxonomy.toml"))


@dataclass(frozen=True)
class Settings:
    db_path: Path
    sources_path: Path
    taxonomy_path: Path
    batch_size: int = 200  # pages per fetch/extract/load batch (one task run each)
    workers: int = 0  # extraction processes; 0 = as many as there are cores
    progress: bool = True
    lock_wait: float = 60.0  # seconds to wait for another writer before giving up
    # where extraction batches run: "local" (a process pool in this process, the default),
    # "dask" (a local Dask cluster), or "dask://HOST:PORT" / "tcp://HOST:PORT" (an existing one)
    task_runner: str = "local"
    # keep the warehouse open between a run's transactions (other chipwire processes still get
    # their turn at once: docs/operations.md); False: open and close it at every transaction,
    # for those who open the file with other programs while runs go on
    keep_open: bool = True

    @property
    def data_dir(self) -> Path:
        return self.db_path.resolve().parent

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def build_settings(
    db: str | None = None,
    sources: str | None = None,
    taxonomy: str | None = None,
    environ: dict[str, str] | None = None,
    **extra,
) -> Settings:
    """Command-line values win, then CHIPWIRE_* variables, then the shipped defaults."""
    env = os.environ if environ is None else environ
    db_path = Path(db or env.get("CHIPWIRE_DB") or "data/chipwire.duckdb")
    sources_path = Path(sources or env.get("CHIPWIRE_SOURCES") or default_sources_path())
    taxonomy_path = Path(taxonomy or env.get("CHIPWIRE_TAXONOMY") or default_taxonomy_path())
    if "task_runner" not in extra and env.get("CHIPWIRE_TASK_RUNNER"):
        extra["task_runner"] = env["CHIPWIRE_TASK_RUNNER"]
    if "lock_wait" not in extra and env.get("CHIPWIRE_LOCK_WAIT"):
        try:
            extra["lock_wait"] = max(0.0, float(env["CHIPWIRE_LOCK_WAIT"]))
        except ValueError:
            pass
    if "keep_open" not in extra and env.get("CHIPWIRE_KEEP_OPEN"):
        extra["keep_open"] = env["CHIPWIRE_KEEP_OPEN"].strip().lower() not in ("0", "false", "no", "off")
    return Settings(db_path=db_path, sources_path=sources_path, taxonomy_path=taxonomy_path, **extra)


def prefect_environment(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The variables Prefect must see before it is imported: quiet, offline, its home under
    the data directory, a patient ephemeral server (it takes 12-21 s to start here)."""
    env = os.environ if environ is None else environ
    values = {
        "PREFECT_HOME": str(settings.prefect_home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": env.get("PREFECT_LOGGING_LEVEL", "WARNING"),
        "PREFECT_LOGGING_LOG_PRINTS": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
    if env.get("PREFECT_API_URL"):
        values.pop("PREFECT_HOME")  # a running server was named: use it, keep the user's profile
    return values


_HOME_LOCK = None  # keeps the shared Prefect home's lock for the life of the process


def _claim_home(settings: Settings) -> Path:
    """The shared Prefect home under the data directory, or, when another chipwire process
    is using it (two runs at once each start an ephemeral server on its SQLite file), a
    private one for this process, removed at exit."""
    global _HOME_LOCK
    import atexit
    import fcntl
    import shutil

    home = settings.prefect_home
    home.mkdir(parents=True, exist_ok=True)
    handle = open(home / ".in-use.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        private = home / "runs" / str(os.getpid())
        private.mkdir(parents=True, exist_ok=True)
        atexit.register(shutil.rmtree, private, True)
        return private
    _HOME_LOCK = handle
    return home


def running_server_url(settings: Settings) -> str | None:
    """The API URL of the Prefect server `chipwire serve` runs for this data directory, if it
    answers right now."""
    import json
    import urllib.request

    info = settings.prefect_home / "server.json"
    try:
        url = json.loads(info.read_text())["api_url"]
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=1.0) as resp:  # loopback only
            return url if resp.status == 200 else None
    except (OSError, ValueError, KeyError):
        return None


def apply_prefect_environment(settings: Settings) -> None:
    """Called by the entry point just before the first Prefect import: Prefect reads its
    settings from the environment once."""
    values = prefect_environment(settings)
    if not os.environ.get("PREFECT_API_URL"):
        served = running_server_url(settings)
        if served:  # `chipwire serve` is up: report there instead of starting an ephemeral server
            values.pop("PREFECT_HOME", None)
            values["PREFECT_API_URL"] = served
        else:
            values["PREFECT_HOME"] = str(_claim_home(settings))
    for key, value in values.items():
        os.environ[key] = value
