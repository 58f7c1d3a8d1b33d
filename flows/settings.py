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


def apply_prefect_environment(settings: Settings) -> None:
    """Called by the entry point just before the first Prefect import."""
    for key, value in prefect_environment(settings).items():
        if key == "PREFECT_LOGGING_LEVEL" or key not in os.environ or key.startswith(("PREFECT_HOME", "DO_NOT")):
            os.environ[key] = value
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
