"""Operations: analyst queries, Parquet export, daily maintenance, and what a run's artifact shows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from .errors import WarehouseError
from .staging import staged, utcnow

if TYPE_CHECKING:
    from .staging import Facade

# raw pages whose body maintenance drops: past the retention, their page extracted (or given up)
_PRUNABLE = ("fetched_at < $cutoff AND (body_file OR body IS NOT NULL) "
             "AND url IN (SELECT url FROM frontier WHERE state IN ('done', 'failed'))")
_COUNT_PRUNABLE = "SELECT count(*) FROM raw_pages WHERE " + _PRUNABLE
_PRUNABLE_FILES = "SELECT DISTINCT sha256 FROM raw_pages WHERE body_file AND " + _PRUNABLE
_PRUNE = "UPDATE raw_pages SET body = NULL, body_file = false WHERE " + _PRUNABLE


class Operations:
    def __init__(self, wh: Facade):
        self.wh = wh

    def run_report(self, run_id: str) -> dict:
        """What a run's artifact shows: per-feed state and failures by reason since it started."""
        with self.wh.connect() as con:
            started = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchall()
            since = started[0][0] if started else utcnow()
            feeds = con.execute(
                "SELECT coalesce(name, title, feed_url), last_status, health, entries_seen, consecutive_errors "
                "FROM feed_health WHERE last_polled_at >= ? ORDER BY 1", [since]).fetchall()
            failures = con.execute(
                "SELECT stage, reason, count(*) FROM failures WHERE occurred_at >= ? "
                "GROUP BY ALL ORDER BY 3 DESC LIMIT 30", [since]).fetchall()
        return {"feeds": feeds, "failures": failures}

    def maintain(self, retention_days: int) -> dict[str, int]:
        """Daily upkeep: snapshot feed health, drop raw bodies past the retention (their
        articles stay; only re-extraction of those pages is given up), checkpoint."""
        now = utcnow()
        cutoff = {"cutoff": now - timedelta(days=retention_days)}
        with self.wh.transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO feed_health_history SELECT CAST($now AS DATE), feed_url, health, "
                "consecutive_errors, error_count, entries_seen FROM feed_health", {"now": now})
            pruned = con.execute(_COUNT_PRUNABLE, cutoff).fetchall()[0][0]
            digests = [r[0] for r in con.execute(_PRUNABLE_FILES, cutoff).fetchall()]
            con.execute(_PRUNE, cutoff)
        with self.wh.connect() as con:
            con.execute("CHECKPOINT")
            if digests:  # files no row refers to any more (identical bodies share one file)
                with staged(con, "pruned", pa.table({"sha256": digests})):
                    kept = {r[0] for r in con.execute(
                        "SELECT DISTINCT sha256 FROM raw_pages JOIN pruned USING (sha256) WHERE body_file").fetchall()}
                self.wh.pages.bodies.discard(d for d in digests if d not in kept)
        return {"raw_pages_pruned": int(pruned)}

    def export_parquet(self, directory: Path) -> list[Path]:
        """Write every table and view as ``directory/<name>.parquet`` (read-only: no lock held for
        longer than the copy). No name or path is spliced into SQL: the relation API quotes the
        table's name, and the target is a Python string handed to the Parquet writer."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        with self.wh.connect(read_only=True) as con:
            names = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
            for name in names:
                target = directory / f"{name}.parquet"
                tmp = directory / f".{name}.parquet.tmp"
                try:
                    con.table(name).write_parquet(str(tmp))
                except duckdb.Error as err:
                    raise WarehouseError(f"{target}: cannot write ({str(err).splitlines()[0]})") from None
                tmp.replace(target)
                written.append(target)
        return written

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Run analyst SQL read-only, in the sandbox of `chipwire query` (warehouse/query.py):
        columns and rows of the last statement that returns rows. Closes the DuckDB instance this
        process keeps for the file first (DuckDB will not open one file twice in a process with
        different settings); not for use inside session()."""
        from .query import run_sql

        with self.wh.released():
            results = run_sql(self.wh.path, sql, lock_wait=self.wh.lock_wait)
        shown = [r for r in results if r.columns]
        return (shown[-1].columns, shown[-1].rows) if shown else ([], [])
