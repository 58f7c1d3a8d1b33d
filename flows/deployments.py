"""Deployment entrypoints: flows with plain parameters, for schedules and workers.

`deploy/prefect.yaml` points its entrypoints here, and `chipwire serve` serves the same flows
with the same schedules (SCHEDULES). Settings are built here, at the entry point, from the
parameters and CHIPWIRE_* variables of the worker's environment.
"""

from __future__ import annotations

from prefect import flow

# Imports are absolute: a worker loads this file by its path, not as part of the package.

from flows.settings import build_settings

# deployment name -> cron (UTC); None = run on demand only
SCHEDULES: dict[str, str | None] = {
    "ingest": "*/30 * * * *",
    "maintenance": "15 3 * * *",
    "backfill": None,
    "reextract": None,
    "reclassify": None,
}


@flow(name="chipwire-ingest", log_prints=False)
def ingest(db: str | None = None, sources: str | None = None, taxonomy: str | None = None,
           report: str | None = None) -> dict:
    """One scheduled ingest run over the sources file; ``report``: an HTML report to refresh
    after it (`chipwire serve` passes report.html beside the warehouse)."""
    import sys

    from flows.ingest import ingest_flow, with_runner

    settings = build_settings(db=db, sources=sources, taxonomy=taxonomy, progress=False)
    counts = with_runner(ingest_flow, settings)(settings)
    if report:
        from flows.report import refresh_report

        refresh_report(settings, out=report, say=lambda line: print(f"chipwire: {line}", file=sys.stderr))
    return counts


@flow(name="chipwire-backfill", log_prints=False)
def backfill(directory: str, db: str | None = None, source: str | None = None) -> dict:
    """Backfill a folder of saved .html/.htm/.txt articles (``source``: the outlet they come from)."""
    from flows.backfill import backfill_dir_flow

    return backfill_dir_flow(build_settings(db=db, progress=False), directory, source)


@flow(name="chipwire-reextract", log_prints=False)
def reextract(db: str | None = None) -> dict:
    """Extract and clean every stored raw page again, offline."""
    from flows.backfill import reextract_flow

    return reextract_flow(build_settings(db=db, progress=False))


@flow(name="chipwire-maintenance", log_prints=False)
def maintenance(db: str | None = None, retention_days: int = 180) -> dict:
    """Daily upkeep: feed-health snapshot, raw bodies pruned past the retention, checkpoint."""
    from warehouse.db import Warehouse

    settings = build_settings(db=db, progress=False)
    wh = Warehouse(settings.db_path, lock_wait=settings.lock_wait)
    wh.migrate()
    return wh.operations.maintain(retention_days)


@flow(name="chipwire-reclassify", log_prints=False)
def reclassify(db: str | None = None, taxonomy: str | None = None) -> dict:
    """Relevance, themes, entities and clusters again over every stored article, offline."""
    from flows.backfill import reclassify_flow

    return reclassify_flow(build_settings(db=db, taxonomy=taxonomy, progress=False))


FLOWS = {"ingest": ingest, "backfill": backfill, "reextract": reextract, "reclassify": reclassify,
         "maintenance": maintenance}


def runner_deployments(settings, every: float, report: str | None = None) -> list:
    """The deployments `chipwire serve` runs in-process: ingest every ``every`` seconds (an
    interval schedule; ``report``: refreshed after each), maintenance on its cron, reextract
    and reclassify on demand."""
    from datetime import timedelta

    db, taxonomy = str(settings.db_path), str(settings.taxonomy_path)
    params = {
        "ingest": {"db": db, "sources": str(settings.sources_path), "taxonomy": taxonomy, "report": report},
        "maintenance": {"db": db},
        "reextract": {"db": db},
        "reclassify": {"db": db, "taxonomy": taxonomy},
    }
    out = []
    for name, parameters in params.items():
        fl, opts = FLOWS[name], {"name": name, "parameters": parameters, "tags": ["chipwire"]}
        if name == "ingest":
            opts["interval"] = timedelta(seconds=every)
        elif SCHEDULES[name]:
            opts["cron"] = SCHEDULES[name]
        out.append(fl.to_deployment(**opts))
    return out
