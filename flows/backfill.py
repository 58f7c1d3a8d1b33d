"""`backfill` and `reextract`: Prefect flows over saved files and stored raw pages.

``--dir``: saved .html/.htm/.txt files, recursively. Each file is stored as a raw page (so
`reextract` can run over it later) and goes through the same extraction and cleaning as a
fetched page. Its URL is the file's file:// URI, unless the document declares a canonical
http(s) URL. Idempotent (a file already stored is skipped) and resumable (stored but not yet
extracted files are extracted by the next run).
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, task

from extractors.article import declared_canonical
from extractors.urls import canonicalize
from warehouse.db import Warehouse

from .ingest import TASK_OPTS, extract_stored, recorded_run, stages
from .progress import Progress
from .settings import Settings

SUFFIXES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain; charset=utf-8"}


def scan_dir(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def file_records(paths: list[Path]) -> list[dict]:
    """One frontier entry + raw page per file."""
    records = []
    for path in paths:
        body = path.read_bytes()
        ctype = SUFFIXES[path.suffix.lower()]
        link = (declared_canonical(body) if ctype == "text/html" else None) or path.resolve().as_uri()
        fetched = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        records.append({
            "url": canonicalize(link), "link": link, "origin": "backfill", "trusted_origin": None,
            "final_url": link, "status": 200, "content_type": ctype, "fetched_at": fetched,
            "body_size": len(body), "sha256": hashlib.sha256(body).hexdigest(), "body": zlib.compress(body, 6),
        })
    return records


@task(name="store-files", **TASK_OPTS)
def store_files_task(wh: Warehouse, paths: list[Path], advance) -> dict:
    records = file_records(paths)
    states = wh.frontier_states([r["url"] for r in records])
    fresh = [r for r in records if states.get(r["url"]) not in ("done", "failed", "fetched")]
    if fresh:
        wh.add_to_frontier(fresh)
        wh.save_fetches(fresh, [])
    advance(len(paths))
    return {"files_seen": len(paths), "files_stored": len(fresh), "files_skipped": len(records) - len(fresh)}


@flow(name="backfill", validate_parameters=False, log_prints=False)
def backfill_dir_flow(settings: Settings, directory: str) -> dict:
    progress = Progress(enabled=None if settings.progress else False)
    with recorded_run(settings, "backfill", directory) as (wh, totals):
        paths = scan_dir(Path(directory))
        with progress.stage("reading files", total=len(paths)) as advance:
            for i in range(0, len(paths), settings.batch_size):
                totals.update(store_files_task(wh, paths[i:i + settings.batch_size], advance))
        totals.update(extract_stored(settings, wh, progress))
    return dict(totals)


@flow(name="reextract", validate_parameters=False, log_prints=False)
def reextract_flow(settings: Settings) -> dict:
    progress = Progress(enabled=None if settings.progress else False)
    with recorded_run(settings, "reextract", None) as (wh, totals):
        totals["pages_queued"] = wh.requeue_extraction()
        totals.update(extract_stored(settings, wh, progress, all_sites=True))
    return dict(totals)


__all__ = ["backfill_dir_flow", "reextract_flow", "scan_dir", "stages"]
