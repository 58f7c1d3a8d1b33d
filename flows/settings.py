"""Run settings: built once at the entry point (CLI, deployment) and passed down.

Nothing else in the project reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
    poll_all: bool = False  # poll every feed, also those backing off after failures (ingest --now)
    # use (and start when none answers) the local Prefect server of the data directory, which
    # stops after ``server_idle`` seconds unused (flows/localserver.py); False: an ephemeral one
    local_server: bool = True
    server_idle: float = 1200.0
    # the classifier's model file (None: the one shipped in the package): $CHIPWIRE_MODEL, else
    # the model `chipwire train` wrote beside the warehouse (trained_model_path), when there is one
    model_path: Path | None = None

    @property
    def data_dir(self) -> Path:
        return self.db_path.resolve().parent

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"


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
        extra["keep_open"] = _flag(env["CHIPWIRE_KEEP_OPEN"])
    if "local_server" not in extra and env.get("CHIPWIRE_LOCAL_SERVER"):
        extra["local_server"] = _flag(env["CHIPWIRE_LOCAL_SERVER"])
    if "server_idle" not in extra and env.get("CHIPWIRE_SERVER_IDLE"):
        try:
            extra["server_idle"] = max(5.0, parse_duration(env["CHIPWIRE_SERVER_IDLE"]))
        except ValueError:
            pass
    if "model_path" not in extra:
        extra["model_path"] = model_setting(env.get("CHIPWIRE_MODEL"), db_path)
    return Settings(db_path=db_path, sources_path=sources_path, taxonomy_path=taxonomy_path, **extra)


SHIPPED_MODEL = "shipped"  # CHIPWIRE_MODEL=shipped: the package's model, even beside a trained one


def trained_model_path(db_path: Path) -> Path:
    """Where `chipwire train` writes the model of a warehouse: beside it, <db name>.model.npz."""
    return db_path.with_name(db_path.name + ".model.npz")


def model_setting(value: str | None, db_path: Path) -> Path | None:
    """The model file a run classifies with: ``value`` ($CHIPWIRE_MODEL; ``shipped``: the
    package's), else the warehouse's trained model when it exists, else None (the package's)."""
    if value and value.strip().lower() == SHIPPED_MODEL:
        return None
    if value and value.strip():
        return Path(value.strip()).expanduser().resolve()
    trained = trained_model_path(db_path)
    return trained.resolve() if trained.is_file() else None


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off")


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``30m``, ``2h``, ``1d`` or ``1h30m``; ValueError otherwise."""
    import re

    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"not a duration: {text!r} (e.g. 90s, 30m, 2h, 1d)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


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
        # Prefect's console output stays out of chipwire's (warnings and errors still reach
        # the server and its UI); chipwire prints its own one-line errors and run summary
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": env.get("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL"),
        "PREFECT_LOGGING_LOG_PRINTS": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
    if env.get("PREFECT_API_URL"):
        values.pop("PREFECT_HOME")  # a running server was named: use it, keep the user's profile
    return values
