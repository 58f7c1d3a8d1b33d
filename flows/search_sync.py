"""Keeping the search index beside the warehouse fresh: what the flows and `chipwire search` call.

The flows call ``refresh_index(run)`` after each stage that changes articles (a loaded batch,
site cleaning) and ``refresh_index(run, full=True)`` after classification, the last stage of
every flow (ingest, every backfill, reextract, reclassify). The first compares only the
articles changed since the index's last update; the full one compares every article, and so
also catches what an interrupted run, a crash or an older chipwire left behind, and drops
articles the warehouse no longer has. Both run in the flow's own process, the one that writes
the warehouse, never in the extraction workers (issue 17: memory that adds up per process).

A failure to update the index never fails a run that loaded its data: the run notes it, and the
next run (or `chipwire search`) catches up.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

LOCK_WAIT = 30.0  # seconds a run waits for another process writing the index
# an incremental update is skipped when the index was brought up to date less than this long
# ago (a compare-and-commit costs ~0.4 s at 100,000 articles; batches load every few seconds):
# articles are searchable within this many seconds of loading, and the full update after
# classification takes whatever was skipped
MIN_INTERVAL = timedelta(seconds=10)


def refresh_index(run, full: bool = False) -> None:
    """Bring the index of ``run``'s warehouse up to date (see the module docstring)."""
    from warehouse.search import SearchIndex, last_synced

    if run.stop.is_set():
        return  # stopping: the next run's full comparison catches up
    index = SearchIndex(run.wh.path)
    try:
        since = None if full else last_synced(index)
        if since is not None and datetime.now(timezone.utc) - since < MIN_INTERVAL:
            return
        report = index.sync(run.wh, since=since, wait=LOCK_WAIT)
    except Exception as err:  # noqa: BLE001 - whatever it is, the run's data is loaded: note it, go on
        note = f"search index not updated ({str(err).splitlines()[0] if str(err) else type(err).__name__}); " \
               "the next run catches up"
        if note not in run.notes:
            run.notes.append(note)
        return
    run.counts.add(search_indexed=report.indexed, search_removed=report.removed)


def prepare_for_search(settings, reindex: bool = False, refresh: bool = True):
    """The index `chipwire search` reads, built first if missing (or ``reindex``), and brought up
    to date when that can be done at once. Returns (index, a note for the user or None)."""
    from warehouse.db import Warehouse
    from warehouse.errors import SearchIndexBusy, WarehouseError, WarehouseLocked
    from warehouse.search import SearchIndex

    db: Path = settings.db_path
    if db.is_dir():
        raise WarehouseError(f"{db}: is a directory, not a DuckDB file")
    if not db.exists():
        raise WarehouseError(f"{db}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)")
    index = SearchIndex(db)
    if reindex or index.current() is None:
        try:
            report = index.sync(Warehouse(db, lock_wait=settings.lock_wait), rebuild=True, wait=settings.lock_wait)
        except OSError as err:
            raise WarehouseError(f"{index.dir}: cannot build the search index ({err.strerror or err})") from None
        return index, f"search index built: {report.indexed} articles in {report.seconds:.1f} s"
    if not refresh:
        return index, None
    try:
        index.sync(Warehouse(db, lock_wait=0.0), wait=0.0)
    except (SearchIndexBusy, WarehouseLocked):
        pass  # a run is writing: it keeps the index fresh itself
    except (WarehouseError, OSError) as err:
        return index, f"searching the index as it is (could not update it: {str(err).splitlines()[0]})"
    return index, None
