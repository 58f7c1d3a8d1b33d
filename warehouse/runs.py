"""Runs: one row per flow run, from its start to its counts and status."""

from __future__ import annotations

import os
import socket
import uuid
from typing import TYPE_CHECKING

import duckdb

from .staging import utcnow

if TYPE_CHECKING:
    from .staging import Facade

# the counts a run row has a column for (a run's other counts stay in its result)
COUNTED = frozenset({
    "feeds_polled", "feeds_not_modified", "feeds_failed", "entries_seen", "entries_new",
    "pages_queued", "pages_fetched", "pages_failed", "articles_new", "articles_updated",
    "extract_failed", "files_stored", "articles_recleaned", "articles_classified", "articles_relevant",
    "articles_clustered", "feeds_unreachable", "pages_requeued", "pages_left",
})


class Runs:
    def __init__(self, wh: Facade):
        self.wh = wh

    def start(self, flow: str, sources: str | None) -> str:
        run_id = uuid.uuid4().hex[:16]
        with self.wh.transaction() as con:
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status, sources, pid, host) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                [run_id, flow, utcnow(), sources, os.getpid(), socket.gethostname()],
            )
        return run_id

    def finish(self, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> None:
        """Record the run's counts and status, and fold the write-ahead log into the file. The
        status is the last thing a run writes, often right after an interruption: when it finds
        the instance invalidated (DuckDB does that to an instance whose write failed midway;
        `Warehouse.connect` then lets it go), it is written once more on a fresh instance."""
        cols = [k for k in counts if k in COUNTED]
        sets = ", ".join([f"{c} = ?" for c in cols] + ["finished_at = ?", "status = ?", "error = ?"])
        values = [int(counts[c]) for c in cols] + [utcnow(), status, error, run_id]

        def write() -> None:
            with self.wh.transaction() as con:
                con.execute(f"UPDATE runs SET {sets} WHERE run_id = ?", values)

        try:
            write()
        except duckdb.FatalException:
            write()  # on the fresh instance connect() opens after letting the invalid one go
        self.wh.checkpoint()
        self.wh.release()

    def kept_by_interrupted(self, pid: int) -> tuple[int, int, int] | None:
        """(pages fetched, articles stored, articles classified) of the latest run process
        ``pid`` recorded as interrupted, or None."""
        with self.wh.connect() as con:
            row = con.execute(
                "SELECT pages_fetched, articles_new + articles_updated, articles_classified FROM runs "
                "WHERE pid = ? AND status = 'interrupted' ORDER BY started_at DESC LIMIT 1", [pid]).fetchall()
        return tuple(int(v or 0) for v in row[0]) if row else None
