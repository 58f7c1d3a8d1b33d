"""The DuckDB warehouse: connection, migrations, and every statement the pipeline runs.

Write pattern: open the file, run one short transaction, close. DuckDB admits one writing
process per file, so holding the connection for a whole run would lock out `chipwire query`
and other runs; short transactions with a retry on the lock keep the file shared.

Bulk writes go through Arrow tables registered on the connection and one
``INSERT ... SELECT ... ON CONFLICT`` each (executemany manages ~1,300 rows/s here, Arrow
tens of thousands).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from . import codec
from .bodies import BodyStore
from .errors import DiskFull, is_disk_full
from .errors import MigrationError, NotAWarehouse, WarehouseError
from .opening import WaitingMarkers, open_waiting
from .opening import alive as _alive


def utcnow() -> datetime:
    return datetime.now(timezone.utc)



@contextlib.contextmanager
def _staged(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible to SQL as ``name`` for the block (how every bulk write stages its rows:
    one INSERT ... SELECT from Arrow instead of executemany)."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


LINGER = 5.0  # seconds a kept connection stays open with nothing to do
EXTRACT_LEASE = timedelta(minutes=15)  # a run's hold on the pages it fetched, until it has extracted them


class _Kept:
    """A run's open DuckDB instance, kept between its transactions (see Warehouse.keep_open)."""

    def __init__(self, wh: "Warehouse", con: duckdb.DuckDBPyConnection):
        self.wh = wh
        self.con = con
        self.last_used = time.monotonic()


_KEPT: dict[str, _Kept] = {}
_REAPER: threading.Thread | None = None


def _reap_forever() -> None:
    """Close a kept instance once idle for LINGER seconds, or at once when another process
    waits for the file (it left a marker): a run never keeps others out for longer than the
    transaction it is in."""
    while True:
        time.sleep(0.25)
        for key in list(_KEPT):
            _reap(key)


def _reap(key: str) -> None:
    kept = _KEPT.get(key)  # a local of this call only: no reference outlives it
    if kept is None:
        return
    lock = _lock_for(kept.wh.path)
    if not lock.acquire(blocking=False):
        return  # in use: looked at again in a quarter of a second
    try:
        if _KEPT.get(key) is kept and (time.monotonic() - kept.last_used > LINGER or kept.wh._others_waiting()):
            _release(key)
    finally:
        lock.release()


def _start_reaper() -> None:
    global _REAPER
    if _REAPER is None or not _REAPER.is_alive():
        _REAPER = threading.Thread(target=_reap_forever, name="chipwire-warehouse-reaper", daemon=True)
        _REAPER.start()


def _release(key: str) -> None:
    kept = _KEPT.pop(key, None)
    if kept is not None:
        kept.con.close()


def _release_all() -> None:
    for key in list(_KEPT):
        _release(key)


atexit.register(_release_all)


class Warehouse:
    """One DuckDB file. Cheap to construct; connections are opened per transaction."""

    def __init__(self, path: str | Path, lock_wait: float = 60.0, keep_open: bool = False):
        self.path = Path(path)
        self.lock_wait = lock_wait
        # keep_open: a run keeps its DuckDB instance open between transactions, since opening
        # the file costs 20-100 ms (DuckDB replays the write-ahead log). It is closed after
        # LINGER idle seconds, at once when another process waits for the file (a marker in
        # <file>.waiting/), and when the run ends (finish_run).
        self.keep_open = keep_open
        self.bodies = BodyStore.beside(self.path)  # raw bodies: files beside the DuckDB file
        self._held = threading.local()  # the connection session() keeps open, per thread

    def __getstate__(self) -> dict:  # tasks on a Dask cluster receive a pickled Warehouse
        return {k: v for k, v in self.__dict__.items() if k != "_held"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._held = threading.local()
        self.keep_open = False  # in another process (a Dask worker): connections per transaction

    # -- connections ---------------------------------------------------------------------
    def _others_waiting(self) -> bool:
        """Whether another live process has said it waits for this file."""
        return WaitingMarkers(self.path, self.lock_wait).others()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait
        if self.keep_open:  # let a process that waits for the file have its turn first
            while self._others_waiting() and time.monotonic() < deadline:
                time.sleep(0.05)
        con = open_waiting(self.path, read_only, deadline, self.lock_wait)
        if not read_only:
            # Closing the last connection would checkpoint: DuckDB then rewrites the
            # tables' last row groups, at a cost that grows with the table (0.03 s at
            # 200 articles, 1.5 s at 4,000: docs/benchmarks.md). Commits stay durable in
            # the WAL, which DuckDB folds in once it passes 16 MB and which every run
            # folds in when it finishes (finish_run -> checkpoint).
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
        return con

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        held = getattr(self._held, "con", None)
        if held is not None:  # inside session(): the connection it keeps open
            yield held
            return
        if read_only and not self.path.exists():
            raise WarehouseError(f"{self.path}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)")
        if not read_only:
            if self.path.is_dir():
                raise NotAWarehouse(f"{self.path}: is a directory, not a DuckDB file")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # One thread of a process at a time per file: DuckDB shares one database instance among
        # a process's connections to a file, and opening one while another thread closes the
        # last one races (seen as "python_arrow_scan does not exist"). Compute still overlaps;
        # only the short reads and writes take turns.
        with _lock_for(self.path):
            key = str(self.path.resolve())
            kept = _KEPT.get(key)
            if kept is None and self.keep_open and not read_only:
                kept = _KEPT[key] = _Kept(self, self._open(False))
                _start_reaper()
            con = kept.con.cursor() if kept is not None else self._open(read_only)
            try:
                yield con
            except duckdb.Error as err:
                if not isinstance(err, duckdb.IOException) and not is_disk_full(err):
                    raise
                _release(key)  # DuckDB invalidates an instance after a failed write: open afresh next time
                if is_disk_full(err):
                    raise DiskFull(self.path.parent, "DuckDB could not write") from None
                raise
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.close()
                if kept is not None:
                    kept.last_used = time.monotonic()

    def release(self) -> None:
        """Close the instance this process keeps open for the file, if any."""
        with _lock_for(self.path):
            _release(str(self.path.resolve()))

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Keep one connection open for a stage's run of reads and writes (each still its own
        transaction): opening the file costs 20-100 ms (DuckDB replays the write-ahead log),
        which a loop of small steps would pay every time. The file is held meanwhile, so only a
        loop whose steps are all short uses it; other threads of the process wait their turn."""
        if getattr(self._held, "con", None) is not None:
            yield
            return
        with self.connect() as con:
            self._held.con = con
            try:
                yield
            finally:
                self._held.con = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One short write transaction: all of it commits, or none of it does. Threads of one
        process (fetching beside extraction) take turns; other processes wait on the file lock."""
        with self.connect() as con:
            con.begin()
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()

    # -- migrations ------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations in order, each in its own transaction. Returns names applied."""
        applied: list[str] = []
        with self.connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            )
            done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, name, sql in _migrations():
                if version in done:
                    continue
                con.begin()
                try:
                    con.execute(sql)
                    con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()])
                except duckdb.Error as err:
                    con.rollback()
                    raise MigrationError(f"{self.path}: migration {name} failed: {str(err).splitlines()[0]}") from None
                con.commit()
                applied.append(name)
        return applied

    def schema_version(self) -> int:
        with self.connect(read_only=True) as con:
            return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    # -- runs ------------------------------------------------------------------------------
    def start_run(self, flow: str, sources: str | None) -> str:
        run_id = uuid.uuid4().hex[:16]
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status, sources, pid, host) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                [run_id, flow, utcnow(), sources, os.getpid(), socket.gethostname()],
            )
        return run_id

    @staticmethod
    def _dead_claimers(con, now: datetime) -> list[str]:
        """Runs holding unexpired leases whose process is gone (finished, failed, or killed on
        this host): their leases are void."""
        return [run_id for run_id, alive in Warehouse._claimers(con, now) if not alive]

    @staticmethod
    def _live_claimers(con, now: datetime) -> list[str]:
        """Runs holding unexpired leases (on pages to fetch or to extract) whose process lives."""
        return [run_id for run_id, alive in Warehouse._claimers(con, now) if alive]

    @staticmethod
    def _claimers(con, now: datetime) -> list[tuple[str, bool]]:
        rows = con.execute(
            "SELECT DISTINCT f.claimed_by, r.status, r.pid, r.host FROM frontier f "
            "LEFT JOIN runs r ON r.run_id = f.claimed_by "
            "WHERE f.state IN ('pending', 'fetched') AND f.claimed_until >= $now", {"now": now}).fetchall()
        here = socket.gethostname()
        return [(run_id, not (status != "running" or (host == here and pid and not _alive(pid))))
                for run_id, status, pid, host in rows]

    def finish_run(self, run_id: str, status: str, counts: dict[str, int], error: str | None = None) -> None:
        allowed = {
            "feeds_polled", "feeds_not_modified", "feeds_failed", "entries_seen", "entries_new",
            "pages_queued", "pages_fetched", "pages_failed", "articles_new", "articles_updated",
            "extract_failed", "files_stored", "articles_recleaned", "articles_classified", "articles_relevant",
            "articles_clustered", "feeds_unreachable", "pages_requeued", "pages_left",
        }
        cols = [k for k in counts if k in allowed]
        sets = ", ".join([f"{c} = ?" for c in cols] + ["finished_at = ?", "status = ?", "error = ?"])
        with self.transaction() as con:
            con.execute(
                f"UPDATE runs SET {sets} WHERE run_id = ?",
                [int(counts[c]) for c in cols] + [utcnow(), status, error, run_id],
            )
        self.checkpoint()
        self.release()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the DuckDB file, so that the file alone holds every
        committed row (done at the end of every run and by `maintain`)."""
        with self.connect() as con:
            con.execute("CHECKPOINT")

    # -- feeds -----------------------------------------------------------------------------
    def feed_states(self) -> dict[str, dict]:
        with self.connect() as con:
            cur = con.execute(
                "SELECT feed_url, etag, last_modified, next_poll_at, consecutive_errors FROM feeds"
            )
            cols = [d[0] for d in cur.description]
            return {row[0]: dict(zip(cols, row)) for row in cur.fetchall()}

    def save_feed_polls(self, polls: list[dict], entries: list[dict], failures: list[dict] = ()) -> dict[str, int]:
        """Commit feed cursors together with the entries their polls produced.

        ``polls``: one dict per feed polled (feed_url, name, ok, status, etag, last_modified,
        title, format, bozo, error, next_poll_at, entries). ``entries``: frontier rows.
        One transaction: a feed's new ETag never lands without the entries it announced.
        ``failures``: feeds that failed (stage 'feed') and links that cannot be followed.
        """
        now = utcnow()
        with self.transaction() as con:
            new, refetch = self._upsert_frontier(con, entries, now)
            if failures:
                self._record_failures(con, list(failures), now)
            if polls:
                rows = [{k: p.get(k) for k in _POLL_SCHEMA.names} for p in polls]
                with _staged(con, "polls_batch", pa.Table.from_pylist(rows, schema=_POLL_SCHEMA)):
                    con.execute("DELETE FROM failures WHERE url IN (SELECT feed_url FROM polls_batch WHERE ok)")
                    con.execute(
                        """
                        INSERT INTO feeds AS f (feed_url, name, title, format, etag, last_modified, last_polled_at,
                            last_success_at, last_status, last_error, bozo, consecutive_errors, error_count,
                            poll_count, entries_seen, next_poll_at)
                        SELECT feed_url, name, title, format, etag, last_modified, $now,
                            CASE WHEN ok THEN $now END, status, error, bozo,
                            CASE WHEN ok THEN 0 ELSE 1 END, CASE WHEN ok THEN 0 ELSE 1 END,
                            1, entries, next_poll_at
                        FROM polls_batch
                        ON CONFLICT (feed_url) DO UPDATE SET
                            name = excluded.name,
                            title = coalesce(excluded.title, f.title),
                            format = coalesce(excluded.format, f.format),
                            etag = CASE WHEN excluded.last_status = 304 OR NOT excluded.consecutive_errors = 0
                                        THEN f.etag ELSE excluded.etag END,
                            last_modified = CASE WHEN excluded.last_status = 304 OR NOT excluded.consecutive_errors = 0
                                        THEN f.last_modified ELSE excluded.last_modified END,
                            last_polled_at = excluded.last_polled_at,
                            last_success_at = coalesce(excluded.last_success_at, f.last_success_at),
                            last_status = excluded.last_status,
                            last_error = excluded.last_error,
                            bozo = CASE WHEN excluded.last_status = 304 THEN f.bozo ELSE excluded.bozo END,
                            consecutive_errors = CASE WHEN excluded.consecutive_errors = 0 THEN 0
                                                      ELSE f.consecutive_errors + 1 END,
                            error_count = f.error_count + excluded.error_count,
                            poll_count = f.poll_count + 1,
                            entries_seen = f.entries_seen + excluded.entries_seen,
                            next_poll_at = excluded.next_poll_at
                        """,
                        {"now": now},
                    )
        return {"entries_new": new, "entries_refetch": refetch}

    def register_feeds(self, feeds: list[tuple[str, str | None]]) -> None:
        """Make sure every configured feed has a state row (so feed_health lists it)."""
        if not feeds:
            return
        with self.transaction() as con:
            with _staged(con, "feed_list", pa.table({"feed_url": [f[0] for f in feeds], "name": [f[1] for f in feeds]})):
                con.execute(
                    "INSERT INTO feeds (feed_url, name) SELECT feed_url, name FROM feed_list "
                    "ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name"
                )

    # -- frontier --------------------------------------------------------------------------
    def _upsert_frontier(self, con, entries: list[dict], now: datetime) -> tuple[int, int]:
        """Insert new URLs as pending; re-queue known ones whose entry was updated since.
        URLs already known to lead to an article start as done. Returns (new, re-queued)."""
        if not entries:
            return 0, 0
        dedup: dict[str, dict] = {}
        for e in entries:  # a feed may list the same link twice: keep the freshest
            prev = dedup.get(e["url"])
            if prev is None or (e.get("entry_updated_at") or now) >= (prev.get("entry_updated_at") or now):
                dedup[e["url"]] = e
        rows = [{**{k: e.get(k) for k in _FRONTIER_SCHEMA.names}} for e in dedup.values()]
        with _staged(con, "frontier_batch", pa.Table.from_pylist(rows, schema=_FRONTIER_SCHEMA)):
            before = con.execute(
                "SELECT count(*) FILTER (WHERE f.url IS NULL), "
                "count(*) FILTER (WHERE f.url IS NOT NULL AND f.state IN ('done', 'failed') "
                "  AND b.entry_updated_at > coalesce(f.entry_updated_at, b.entry_updated_at)) "
                "FROM frontier_batch b LEFT JOIN frontier f USING (url)"
            ).fetchone()
            con.execute(
                """
                INSERT INTO frontier AS f (url, link, origin, feed_url, trusted_origin, entry_id, entry_title,
                    entry_author, entry_published_at, entry_updated_at, entry_language, source_name, state, attempts,
                    next_attempt_at, discovered_at, updated_at, article_id)
                SELECT b.url, b.link, b.origin, b.feed_url, b.trusted_origin, b.entry_id, b.entry_title,
                    b.entry_author, b.entry_published_at, b.entry_updated_at, b.entry_language, b.source_name,
                    CASE WHEN u.article_id IS NOT NULL THEN 'done' ELSE 'pending' END, 0,
                    $now, $now, $now, u.article_id
                FROM frontier_batch b LEFT JOIN article_urls u ON u.url = b.url
                ON CONFLICT (url) DO UPDATE SET
                    state = CASE WHEN f.state IN ('done', 'failed')
                                  AND excluded.entry_updated_at > coalesce(f.entry_updated_at, excluded.entry_updated_at)
                                 THEN 'pending' ELSE f.state END,
                    attempts = CASE WHEN f.state IN ('done', 'failed')
                                  AND excluded.entry_updated_at > coalesce(f.entry_updated_at, excluded.entry_updated_at)
                                 THEN 0 ELSE f.attempts END,
                    entry_updated_at = coalesce(excluded.entry_updated_at, f.entry_updated_at),
                    entry_title = coalesce(f.entry_title, excluded.entry_title),
                    entry_author = coalesce(f.entry_author, excluded.entry_author),
                    entry_published_at = coalesce(f.entry_published_at, excluded.entry_published_at),
                    entry_language = coalesce(f.entry_language, excluded.entry_language),
                    feed_url = coalesce(f.feed_url, excluded.feed_url),
                    source_name = coalesce(excluded.source_name, f.source_name),
                    updated_at = $now
                """,
                {"now": now},
            )
        return int(before[0]), int(before[1])

    def add_to_frontier(self, entries: list[dict]) -> dict[str, int]:
        now = utcnow()
        with self.transaction() as con:
            new, refetch = self._upsert_frontier(con, entries, now)
        return {"entries_new": new, "entries_refetch": refetch}

    def due_urls(self, limit: int | None = None, claim_for: str | None = None,
                 lease: timedelta = timedelta(minutes=15)) -> list[dict]:
        """Frontier rows waiting to be fetched, oldest first.

        With ``claim_for`` (a run id) the rows are leased to that run in the same transaction,
        so an overlapping run does not fetch them too; a lease ends with the fetch's result or
        runs out (a killed run's URLs become due again)."""
        now = utcnow()
        sql = (
            "SELECT f.url, f.link, f.origin, f.feed_url, f.trusted_origin, f.attempts, r.etag, r.last_modified, "
            "f.entry_title, f.entry_author, f.entry_published_at, f.entry_language, "
            "coalesce(fd.name, fd.title) AS feed_name "
            "FROM frontier f LEFT JOIN raw_pages r USING (url) LEFT JOIN feeds fd ON fd.feed_url = f.feed_url "
            "WHERE f.state = 'pending' AND (f.next_attempt_at IS NULL OR f.next_attempt_at <= $now) "
            "AND regexp_matches(coalesce(f.link, f.url), '^https?://', 'i') "  # saved files: backfill --dir only
            "AND (f.claimed_until IS NULL OR f.claimed_until < $now OR list_contains($dead, f.claimed_by)) "
            "ORDER BY f.discovered_at, f.url"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self.transaction() as con:
            dead = self._dead_claimers(con, now)
            cur = con.execute(sql, {"now": now, "dead": dead})
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, row)) for row in cur.fetchall()]
            if claim_for and rows:
                with _staged(con, "claim_batch", pa.table({"url": [r["url"] for r in rows]})):
                    con.execute("UPDATE frontier SET claimed_by = $run, claimed_until = $until "
                                "WHERE url IN (SELECT url FROM claim_batch)",
                                {"run": claim_for, "until": now + lease})
        return rows

    def extend_claims(self, run_id: str, urls: list[str], until: datetime | None) -> set[str]:
        """Move this run's leases on ``urls`` (still pending and still claimed by ``run_id``) to
        ``until``, or end them (None: due again at once); returns the URLs the run still holds.
        A run renews its leases while it fetches, so an overlapping run never takes them."""
        if not urls:
            return set()
        with self.transaction() as con:
            with _staged(con, "renew_batch", pa.table({"url": urls})):
                where = ("WHERE claimed_by = $run AND state = 'pending' "
                         "AND url IN (SELECT url FROM renew_batch)")
                held = con.execute(f"SELECT url FROM frontier {where}", {"run": run_id}).fetchall()
                con.execute(f"UPDATE frontier SET claimed_until = $until {where}", {"run": run_id, "until": until})
        return {u for (u,) in held}

    def frontier_states(self, urls: list[str]) -> dict[str, str]:
        if not urls:
            return {}
        with self.connect() as con:
            with _staged(con, "url_list", pa.table({"url": urls})):
                rows = con.execute("SELECT f.url, f.state FROM frontier f JOIN url_list USING (url)").fetchall()
        return dict(rows)

    def requeue_extraction(self) -> int:
        """Every stored raw page goes back to 'fetched', to be extracted and cleaned again."""
        with self.transaction() as con:
            n = con.execute(
                "SELECT count(*) FROM frontier WHERE state IN ('done', 'failed') "
                "AND url IN (SELECT url FROM raw_pages WHERE body_file OR body IS NOT NULL)").fetchone()[0]
            con.execute(
                "UPDATE frontier SET state = 'fetched', updated_at = $now WHERE state IN ('done', 'failed') "
                "AND url IN (SELECT url FROM raw_pages WHERE body_file OR body IS NOT NULL)", {"now": utcnow()})
        return int(n)

    def count_articles(self) -> int:
        with self.connect() as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]

    def count_pending(self) -> dict[str, int]:
        with self.connect() as con:
            return dict(con.execute("SELECT state, count(*) FROM frontier GROUP BY state").fetchall())

    # -- fetch results -----------------------------------------------------------------------
    def save_fetches(self, pages: list[dict], failures: list[dict]) -> None:
        """Store fetched raw pages (frontier -> fetched) and fetch failures, in one transaction.

        ``pages``: url, final_url, status, content_type, etag, last_modified, fetched_at,
        body_size, sha256, body (compressed) — or not_modified=True for a 304.
        ``failures``: url, stage, reason, transient, next_attempt_at, give_up.
        """
        now = utcnow()
        stored = [p for p in pages if not p.get("not_modified")]
        unchanged = [p["url"] for p in pages if p.get("not_modified")]
        rows = []
        for p in stored:  # bodies go to the body store first: a committed row finds its file
            row = {k: p.get(k) for k in _RAW_SCHEMA.names if k != "body"}
            if p.get("body") is not None:
                row["sha256"] = row["sha256"] or hashlib.sha256(codec.unpack(p["body"])).hexdigest()
                self.bodies.put(row["sha256"], p["body"])
            rows.append(row)
        with self.transaction() as con:
            if stored:
                with _staged(con, "pages_batch", pa.Table.from_pylist(rows, schema=_RAW_SCHEMA)):
                    con.execute(
                        "INSERT OR REPLACE INTO raw_pages (url, final_url, status, content_type, etag, last_modified, "
                        "fetched_at, body_size, sha256, body, body_file) SELECT url, final_url, status, content_type, "
                        "etag, last_modified, fetched_at, body_size, sha256, NULL, true FROM pages_batch"
                    )
                    # the run that fetched a page keeps its lease while it extracts it (the page
                    # reaches its extraction in memory): another run does not take it meanwhile
                    con.execute(
                        "UPDATE frontier SET state = 'fetched', attempts = attempts + 1, last_error = NULL, "
                        "claimed_until = CASE WHEN claimed_by IS NOT NULL THEN $until END, updated_at = $now "
                        "WHERE url IN (SELECT url FROM pages_batch)", {"now": now, "until": now + EXTRACT_LEASE})
            if unchanged:
                with _staged(con, "unchanged_batch", pa.table({"url": unchanged})):
                    con.execute(
                        "UPDATE frontier SET state = 'done', attempts = attempts + 1, last_error = NULL, "
                        "updated_at = $now WHERE url IN (SELECT url FROM unchanged_batch)", {"now": now})
                    con.execute("DELETE FROM failures WHERE url IN (SELECT url FROM unchanged_batch)")
            if failures:
                self._record_failures(con, failures, now)

    def _record_failures(self, con, failures: list[dict], now: datetime) -> None:
        rows = {f["url"]: {k: f.get(k) for k in _FAIL_SCHEMA.names} for f in failures}
        with _staged(con, "fail_batch", pa.Table.from_pylist(list(rows.values()), schema=_FAIL_SCHEMA)):
            con.execute(
                """
                INSERT INTO failures AS x (url, stage, reason, occurred_at, attempts, first_failed_at, transient, feed_url)
                SELECT url, stage, reason, $now, 1, $now, transient, feed_url FROM fail_batch
                ON CONFLICT (url) DO UPDATE SET stage = excluded.stage, reason = excluded.reason,
                    occurred_at = excluded.occurred_at, attempts = x.attempts + 1,
                    transient = excluded.transient, feed_url = coalesce(x.feed_url, excluded.feed_url)
                """,
                {"now": now},
            )
            con.execute(
                """
                UPDATE frontier SET
                    attempts = frontier.attempts + 1,
                    state = CASE WHEN b.give_up THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = b.next_attempt_at,
                    claimed_until = NULL,
                    last_error = b.stage || ': ' || b.reason,
                    updated_at = $now
                FROM fail_batch b WHERE frontier.url = b.url
                """,
                {"now": now},
            )

    def record_failures(self, failures: list[dict]) -> None:
        if failures:
            with self.transaction() as con:
                self._record_failures(con, failures, utcnow())

    # -- extraction ----------------------------------------------------------------------------
    def fetched_pages(self, limit: int, states: tuple[str, ...] = ("fetched",), after: str = "",
                      exclude: Collection[str] = (), at_least: int = 0, run_id: str | None = None) -> list[dict]:
        """Up to ``limit`` raw pages waiting for extraction (or, for reextract, all stored ones),
        ordered by URL, after ``after``, leaving out ``exclude`` (pages already in extraction)
        and pages another live run fetched and is extracting (``run_id``: the caller's run);
        none (and no body read) when fewer than ``at_least`` wait.

        Two steps, so the cost follows the batch and not the warehouse: the rows are chosen
        without their bodies (a scan of the URL columns), then each body is read from the
        body store (or, for a row stored before it, by a point lookup on the primary key)."""
        now = utcnow()
        with self.connect() as con:
            others = [c for c in self._live_claimers(con, now) if c != run_id]
            cur = con.execute(
                f"""
                SELECT r.url, r.final_url, r.content_type, r.fetched_at, f.link, f.feed_url,
                       f.entry_title, f.entry_author, f.entry_published_at, f.entry_language,
                       coalesce(fd.name, fd.title) AS feed_name, f.origin, f.source_name
                FROM raw_pages r JOIN frontier f USING (url) LEFT JOIN feeds fd ON fd.feed_url = f.feed_url
                WHERE list_contains($states::VARCHAR[], f.state) AND r.url > $after AND (r.body_file OR r.body IS NOT NULL)
                  AND r.url NOT IN (SELECT unnest($exclude::VARCHAR[]))
                  AND NOT (f.claimed_until >= $now AND list_contains($others::VARCHAR[], f.claimed_by))
                ORDER BY r.url LIMIT {int(limit)}
                """,
                {"after": after, "exclude": sorted(exclude), "states": list(states), "now": now, "others": others},
            )
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, row)) for row in cur.fetchall()]
            if len(rows) < at_least:
                return []
            bodies = self._bodies(con, [r["url"] for r in rows])
        # a page whose body has gone from the body store comes with body None: the caller
        # records it (forget_missing_bodies), so it never blocks the pages after it
        return [dict(r, body=bodies.get(r["url"])) for r in rows]

    def raw_bodies(self, urls: list[str]) -> dict[str, bytes]:
        """url -> stored (compressed) body, for those of ``urls`` that have one."""
        if not urls:
            return {}
        with self.connect() as con:
            return self._bodies(con, urls)

    def _bodies(self, con, urls: list[str]) -> dict[str, bytes]:
        with _staged(con, "body_urls", pa.table({"url": urls})):
            where = con.execute("SELECT url, sha256, body_file FROM raw_pages JOIN body_urls USING (url)").fetchall()
        out = {}
        for url, sha256, in_store in where:
            if in_store:
                body = self.bodies.get(sha256)
            else:  # stored inline before the body store: a point lookup (a join would read every body)
                found = con.execute("SELECT body FROM raw_pages WHERE url = ?", [url]).fetchone()
                body = found[0] if found else None
            if body is not None:
                out[url] = body
        return out

    def forget_missing_bodies(self, urls: list[str]) -> int:
        """Pages whose stored body has gone (deleted from the body store): each is recorded in
        `failures` and queued to be fetched again (a saved file: stored again by the next
        `backfill --dir`), instead of waiting for extraction for ever. Returns how many."""
        if not urls:
            return 0
        now = utcnow()
        failures = [{"url": u, "stage": "extract", "transient": True, "give_up": False, "next_attempt_at": now,
                     "reason": f"raw body missing from the body store ({self.bodies.root}); queued to be "
                               "fetched again"} for u in urls]
        with self.transaction() as con:
            with _staged(con, "missing_batch", pa.table({"url": urls})):
                # no body and no validators: the next fetch is unconditional (a 304 would bring nothing)
                con.execute("UPDATE raw_pages SET body_file = false, body = NULL, etag = NULL, last_modified = NULL "
                            "WHERE url IN (SELECT url FROM missing_batch)")
            self._record_failures(con, failures, now)
        return len(urls)

    def save_articles(self, articles: list[dict], failures: list[dict],
                      classified: tuple[list[dict], list[dict], list[dict], list[dict]] | None = None,
                      skip_done: bool = False) -> dict:
        """Upsert extracted articles (one per article_id) and mark their frontier rows done;
        ``classified``: the classifications of these articles (rows, themes, entities,
        signatures as ``save_classifications`` takes them), stored in the same transaction.
        ``skip_done``: leave out pages whose frontier row another run has meanwhile marked done
        or failed (it extracted them too): work two runs did is stored and counted once, by the
        first; the ids of the articles written are then returned under ``kept``, and the number
        of failures recorded under ``failures_kept``."""
        now = utcnow()
        counts: dict = {"articles_new": 0, "articles_updated": 0}
        with self.transaction() as con:
            if skip_done:
                articles, failures, classified = self._not_done_elsewhere(con, articles, failures, classified)
                counts["kept"] = {a["article_id"] for a in articles}
                counts["failures_kept"] = len(failures)
            if articles:
                by_id: dict[str, dict] = {}
                urls: list[dict] = []
                done: list[dict] = []
                for a in articles:
                    prev = by_id.get(a["article_id"])
                    if prev is None or (a.get("fetched_at") or now) <= (prev.get("fetched_at") or now):
                        by_id[a["article_id"]] = a  # first seen wins the `url` column
                    for u in {a["frontier_url"], a["url"], a["final_url"], a["canonical_url"]}:
                        urls.append({"url": u, "article_id": a["article_id"]})
                    done.append({"url": a["frontier_url"], "article_id": a["article_id"]})
                rows = [{k: a.get(k) for k in _ARTICLE_SCHEMA.names} for a in by_id.values()]
                line_rows = [
                    {"site": a["site"], "article_id": a["article_id"], "fingerprint": fp, "prose": prose}
                    for a in by_id.values() if a.get("site") for fp, prose in a.get("site_lines") or ()
                ]
                with _staged(con, "art_batch", pa.Table.from_pylist(rows, schema=_ARTICLE_SCHEMA)):
                    new = con.execute(
                        "SELECT count(*) FROM art_batch b ANTI JOIN articles a USING (article_id)").fetchone()[0]
                    counts["articles_new"] = int(new)
                    counts["articles_updated"] = len(rows) - int(new)
                    con.execute(
                        """
                        INSERT INTO articles AS a (article_id, url, canonical_url, final_url, syndicated_from, source,
                            feed_url, title, author, published_at, fetched_at, language, text, description,
                            word_count, extractor_version, extracted_text, site, cleaner_version, published_at_source,
                            site_name, body_source, first_seen_at, updated_at)
                        SELECT article_id, url, canonical_url, final_url, syndicated_from, source, feed_url, title,
                            author, published_at, fetched_at, language, text, description, word_count,
                            extractor_version, extracted_text, site, cleaner_version, published_at_source,
                            site_name, body_source, $now, $now
                        FROM art_batch
                        ON CONFLICT (article_id) DO UPDATE SET
                            canonical_url = excluded.canonical_url, final_url = excluded.final_url,
                            syndicated_from = excluded.syndicated_from, source = excluded.source,
                            feed_url = coalesce(a.feed_url, excluded.feed_url),
                            title = excluded.title, author = excluded.author,
                            published_at = coalesce(excluded.published_at, a.published_at),
                            published_at_source = CASE WHEN excluded.published_at IS NOT NULL
                                                       THEN excluded.published_at_source ELSE a.published_at_source END,
                            site_name = excluded.site_name, body_source = excluded.body_source,
                            fetched_at = excluded.fetched_at, language = excluded.language, text = excluded.text,
                            description = excluded.description, word_count = excluded.word_count,
                            extractor_version = excluded.extractor_version, extracted_text = excluded.extracted_text,
                            site = excluded.site, cleaner_version = excluded.cleaner_version,
                            updated_at = excluded.updated_at
                        """,
                        {"now": now},
                    )
                    con.execute("DELETE FROM site_lines WHERE article_id IN (SELECT article_id FROM art_batch)")
                    if line_rows:
                        with _staged(con, "lines_batch", pa.Table.from_pylist(line_rows, schema=_LINES_SCHEMA)):
                            con.execute("INSERT INTO site_lines SELECT DISTINCT site, article_id, fingerprint, prose "
                                        "FROM lines_batch ON CONFLICT DO NOTHING")
                url_rows = {u["url"]: u for u in urls}
                with _staged(con, "url_batch", pa.Table.from_pylist(list(url_rows.values()))):
                    con.execute(
                        "INSERT INTO article_urls SELECT url, article_id FROM url_batch "
                        "ON CONFLICT (url) DO NOTHING")
                with _staged(con, "done_batch", pa.Table.from_pylist(done)):
                    con.execute(
                        "UPDATE frontier SET state = 'done', article_id = d.article_id, last_error = NULL, "
                        "updated_at = $now FROM done_batch d WHERE frontier.url = d.url", {"now": now})
                    con.execute("DELETE FROM failures WHERE url IN (SELECT url FROM done_batch)")
            if failures:
                self._record_failures(con, failures, now)
            if classified and classified[0]:
                self._write_classifications(con, *classified, now)
        return counts

    @staticmethod
    def _not_done_elsewhere(con, articles: list[dict], failures: list[dict], classified):
        urls = [a["frontier_url"] for a in articles] + [f["url"] for f in failures]
        if not urls:
            return articles, failures, classified
        with _staged(con, "taken_urls", pa.table({"url": urls})):
            done = {r[0] for r in con.execute("SELECT url FROM frontier JOIN taken_urls USING (url) "
                                              "WHERE state IN ('done', 'failed')").fetchall()}
        if not done:
            return articles, failures, classified
        articles = [a for a in articles if a["frontier_url"] not in done]
        failures = [f for f in failures if f["url"] not in done]
        if classified:
            ids = {a["article_id"] for a in articles}
            classified = tuple([r for r in part if r["article_id"] in ids] for part in classified)
        return articles, failures, classified

    # -- cleaning: per-site furniture ----------------------------------------------------------
    def site_lines(self, site: str) -> dict[str, list[tuple[str, bool]]]:
        """article_id -> [(fingerprint, prose)] for every stored page of ``site``."""
        out: dict[str, list[tuple[str, bool]]] = {}
        with self.connect() as con:
            for aid, fp, prose in con.execute(
                    "SELECT article_id, fingerprint, prose FROM site_lines WHERE site = ?", [site]).fetchall():
                out.setdefault(aid, []).append((fp, prose))
        return out

    def site_articles(self, site: str) -> list[dict]:
        with self.connect() as con:
            cur = con.execute(
                "SELECT article_id, url, final_url, title, text, extracted_text FROM articles "
                "WHERE site = ? AND extracted_text IS NOT NULL ORDER BY article_id", [site])
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def forget_stale_sites(self) -> int:
        """Drop what was learnt for sites (outlets) no stored article belongs to any more: after
        an extractor upgrade that keys outlets differently (reextract), their rows would stay."""
        with self.transaction() as con:
            gone = con.execute("SELECT count(DISTINCT site) FROM site_furniture WHERE site NOT IN "
                               "(SELECT DISTINCT site FROM articles WHERE site IS NOT NULL)").fetchone()[0]
            con.execute("DELETE FROM site_furniture WHERE site NOT IN "
                        "(SELECT DISTINCT site FROM articles WHERE site IS NOT NULL)")
            con.execute("DELETE FROM site_lines WHERE article_id NOT IN (SELECT article_id FROM articles) "
                        "OR (site, article_id) NOT IN (SELECT site, article_id FROM articles WHERE site IS NOT NULL)")
        return int(gone)

    def all_sites(self) -> list[str]:
        with self.connect() as con:
            return [r[0] for r in con.execute(
                "SELECT DISTINCT site FROM articles WHERE site IS NOT NULL ORDER BY 1").fetchall()]

    def save_site_cleaning(self, site: str, texts: list[dict], furniture: list[dict]) -> None:
        """Replace the clean text of a site's pages and what was learnt of its furniture, together."""
        now = utcnow()
        with self.transaction() as con:
            if texts:
                with _staged(con, "clean_batch", pa.Table.from_pylist(texts, schema=_CLEAN_SCHEMA)):
                    con.execute(
                        "UPDATE articles SET text = c.text, word_count = c.word_count, cleaner_version = c.cleaner_version, "
                        "updated_at = $now FROM clean_batch c WHERE articles.article_id = c.article_id", {"now": now})
            con.execute("DELETE FROM site_furniture WHERE site = ?", [site])
            if furniture:
                rows = {f["line"]: {"site": site, "line": f["line"], "pages": f["pages"]} for f in furniture}
                with _staged(con, "furn_batch", pa.Table.from_pylist(list(rows.values()))):
                    con.execute("INSERT INTO site_furniture SELECT site, line, pages, $now FROM furn_batch", {"now": now})

    # -- classification ------------------------------------------------------------------------------
    def articles_to_classify(self, version: str, limit: int, force: bool = False, after: str = "") -> list[dict]:
        """Articles never classified, classified by another classifier version, or whose text
        changed since (ordered by article_id, after ``after``; ``force``: all of them)."""
        where = "$version IS NOT NULL" if force else (
            "(classified_at IS NULL OR classified_at < updated_at OR "
            # "+terms": scored by the taxonomy's terms (a language the model has not seen): current too
            " (classifier_version IS DISTINCT FROM $version AND classifier_version IS DISTINCT FROM $version || '+terms'))")
        with self.connect() as con:
            cur = con.execute(
                f"SELECT article_id, title, text, language, coalesce(published_at, fetched_at) AS story_date, "
                f"syndicated_from FROM articles WHERE {where} AND article_id > $after "
                f"ORDER BY article_id LIMIT {int(limit)}", {"version": version, "after": after})
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def articles_to_cluster(self, limit: int) -> list[dict]:
        """Articles with a signature but no cluster yet, earliest story first."""
        with self.connect() as con:
            cur = con.execute(
                "SELECT a.article_id, s.signature, s.story_date, a.syndicated_from FROM articles a "
                "JOIN article_signatures s USING (article_id) WHERE a.cluster_id IS NULL "
                f"ORDER BY s.story_date NULLS LAST, a.article_id LIMIT {int(limit)}")
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def reset_clusters(self) -> None:
        with self.transaction() as con:
            con.execute("UPDATE articles SET cluster_id = NULL WHERE cluster_id IS NOT NULL")

    def set_clusters(self, updates: dict[str, str]) -> None:
        if not updates:
            return
        with self.transaction() as con:
            with _staged(con, "cluster_batch", pa.table({"article_id": list(updates), "cluster_id": list(updates.values())})):
                con.execute("UPDATE articles SET cluster_id = c.cluster_id FROM cluster_batch c "
                            "WHERE articles.article_id = c.article_id")

    def count_relevant(self) -> int:
        with self.connect() as con:
            return con.execute("SELECT count(*) FILTER (WHERE is_relevant) FROM articles").fetchone()[0]

    def candidate_copies(self, bands: list[dict]) -> list[tuple]:
        """(article_id, signature, story_date, cluster_id) of clustered articles sharing an LSH
        bucket with any of ``bands`` (band, key, article_id of the new articles)."""
        if not bands:
            return []
        with self.connect() as con:
            with _staged(con, "probe", pa.Table.from_pylist(bands, schema=_BAND_SCHEMA)):
                rows = con.execute(
                    "SELECT s.article_id, s.signature, s.story_date, a.cluster_id FROM article_signatures s "
                    "JOIN articles a USING (article_id) WHERE a.cluster_id IS NOT NULL AND s.article_id IN ("
                    "  SELECT DISTINCT b.article_id FROM article_bands b JOIN probe p ON b.band = p.band AND b.key = p.key"
                    "  WHERE b.article_id NOT IN (SELECT article_id FROM probe))").fetchall()
        return rows

    def rename_clusters(self, renames: dict[str, str]) -> None:
        """Every article of cluster ``old`` moves to cluster ``new`` (an earlier copy arrived)."""
        if not renames:
            return
        with self.transaction() as con:
            with _staged(con, "rename_batch", pa.table({"old": list(renames), "new": list(renames.values())})):
                con.execute("UPDATE articles SET cluster_id = r.new FROM rename_batch r WHERE articles.cluster_id = r.old")

    def cluster_of_urls(self, urls: list[str]) -> dict[str, str]:
        """url -> cluster id of the article that url leads to (for syndicated copies)."""
        if not urls:
            return {}
        with self.connect() as con:
            with _staged(con, "url_list", pa.table({"url": urls})):
                rows = con.execute(
                    "SELECT u.url, coalesce(a.cluster_id, a.article_id) FROM url_list l JOIN article_urls u USING (url) "
                    "JOIN articles a USING (article_id)").fetchall()
        return dict(rows)

    def save_classifications(self, rows: list[dict], themes: list[dict], entities: list[dict],
                             signatures: list[dict]) -> None:
        """Replace the themes, entities and signatures of the classified articles (one row per
        article and theme, never duplicated) and set their relevance, in one transaction.
        Clusters are placed afterwards (``set_clusters``)."""
        with self.transaction() as con:
            self._write_classifications(con, rows, themes, entities, signatures, utcnow())

    def _write_classifications(self, con, rows: list[dict], themes: list[dict], entities: list[dict],
                               signatures: list[dict], now: datetime) -> None:
        with _staged(con, "cls_batch", pa.Table.from_pylist(rows, schema=_CLASS_SCHEMA)):
            con.execute("DELETE FROM article_themes WHERE article_id IN (SELECT article_id FROM cls_batch)")
            con.execute("DELETE FROM article_entities WHERE article_id IN (SELECT article_id FROM cls_batch)")
            if themes:
                with _staged(con, "theme_batch", pa.Table.from_pylist(themes, schema=_THEME_SCHEMA)):
                    con.execute("INSERT INTO article_themes SELECT article_id, theme, score, evidence, classifier_version "
                                "FROM theme_batch")
            if entities:
                with _staged(con, "entity_batch", pa.Table.from_pylist(entities, schema=_ENTITY_SCHEMA)):
                    con.execute("INSERT INTO article_entities SELECT article_id, entity, kind, sum(mentions)::INTEGER "
                                "FROM entity_batch GROUP BY ALL")
            if signatures:
                # imported here: extractors.dedup loads datasketch and scipy (0.7 s), which only the
                # classification stage needs, not every command that opens the warehouse (report)
                from extractors.dedup import band_keys

                with _staged(con, "sig_batch", pa.Table.from_pylist(signatures, schema=_SIG_SCHEMA)):
                    con.execute("INSERT OR REPLACE INTO article_signatures SELECT article_id, scheme, signature, story_date "
                                "FROM sig_batch")
                    con.execute("DELETE FROM article_bands WHERE article_id IN (SELECT article_id FROM sig_batch)")
                    bands = [{"band": b, "key": k, "article_id": sig["article_id"]}
                             for sig in signatures for b, k in band_keys(sig["signature"])]
                    if bands:
                        with _staged(con, "band_batch", pa.Table.from_pylist(bands, schema=_BAND_SCHEMA)):
                            con.execute("INSERT INTO article_bands SELECT band, key, article_id FROM band_batch")
            con.execute(
                "UPDATE articles SET relevance = c.relevance, is_relevant = c.is_relevant, "
                "primary_theme = c.primary_theme, classifier_version = c.classifier_version, classified_at = $now "
                "FROM cls_batch c WHERE articles.article_id = c.article_id", {"now": now})

    # -- operations --------------------------------------------------------------------------------
    def run_report(self, run_id: str) -> dict:
        """What a run's artifact shows: per-feed state and failures by reason since it started."""
        with self.connect() as con:
            started = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
            since = started[0] if started else utcnow()
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
        with self.transaction() as con:
            con.execute(
                "INSERT OR REPLACE INTO feed_health_history SELECT CAST($now AS DATE), feed_url, health, "
                "consecutive_errors, error_count, entries_seen FROM feed_health", {"now": now})
            cutoff = now - timedelta(days=retention_days)
            old = ("fetched_at < $cutoff AND (body_file OR body IS NOT NULL) "
                   "AND url IN (SELECT url FROM frontier WHERE state IN ('done', 'failed'))")
            pruned = con.execute(f"SELECT count(*) FROM raw_pages WHERE {old}", {"cutoff": cutoff}).fetchone()[0]
            digests = [r[0] for r in con.execute(
                f"SELECT DISTINCT sha256 FROM raw_pages WHERE body_file AND {old}", {"cutoff": cutoff}).fetchall()]
            con.execute(f"UPDATE raw_pages SET body = NULL, body_file = false WHERE {old}", {"cutoff": cutoff})
        with self.connect() as con:
            con.execute("CHECKPOINT")
            if digests:  # files no row refers to any more (identical bodies share one file)
                with _staged(con, "pruned", pa.table({"sha256": digests})):
                    kept = {r[0] for r in con.execute(
                        "SELECT DISTINCT sha256 FROM raw_pages JOIN pruned USING (sha256) WHERE body_file").fetchall()}
                self.bodies.discard(d for d in digests if d not in kept)
        return {"raw_pages_pruned": int(pruned)}

    def export_parquet(self, directory: Path) -> list[Path]:
        """Write every table and view as ``directory/<name>.parquet`` (read-only: no lock held for
        longer than the copy). No name or path is spliced into SQL: the relation API quotes the
        table's name, and the target is a Python string handed to the Parquet writer."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        with self.connect(read_only=True) as con:
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

    # -- read-only queries -----------------------------------------------------------------------
    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Run analyst SQL read-only, in the sandbox of `chipwire query` (warehouse/query.py):
        columns and rows of the last statement that returns rows. Closes the DuckDB instance this
        process keeps for the file first (DuckDB will not open one file twice in a process with
        different settings); not for use inside session()."""
        from .query import run_sql

        with _lock_for(self.path):
            if getattr(self._held, "con", None) is not None:
                raise WarehouseError(f"{self.path}: query() inside session(): read through connect() instead")
            _release(str(self.path.resolve()))
            results = run_sql(self.path, sql, lock_wait=self.lock_wait)
        shown = [r for r in results if r.columns]
        return (shown[-1].columns, shown[-1].rows) if shown else ([], [])


_TS = pa.timestamp("us", tz="UTC")
_POLL_SCHEMA = pa.schema([
    ("feed_url", pa.string()), ("name", pa.string()), ("title", pa.string()), ("format", pa.string()),
    ("etag", pa.string()), ("last_modified", pa.string()), ("status", pa.int32()), ("error", pa.string()),
    ("bozo", pa.string()), ("ok", pa.bool_()), ("entries", pa.int32()), ("next_poll_at", _TS),
])
_FRONTIER_SCHEMA = pa.schema([
    ("url", pa.string()), ("link", pa.string()), ("origin", pa.string()), ("feed_url", pa.string()),
    ("trusted_origin", pa.string()), ("entry_id", pa.string()), ("entry_title", pa.string()),
    ("entry_author", pa.string()), ("entry_published_at", _TS), ("entry_updated_at", _TS),
    ("entry_language", pa.string()), ("source_name", pa.string()),
])
_RAW_SCHEMA = pa.schema([
    ("url", pa.string()), ("final_url", pa.string()), ("status", pa.int32()), ("content_type", pa.string()),
    ("etag", pa.string()), ("last_modified", pa.string()), ("fetched_at", _TS), ("body_size", pa.int64()),
    ("sha256", pa.string()),
])
_FAIL_SCHEMA = pa.schema([
    ("url", pa.string()), ("stage", pa.string()), ("reason", pa.string()), ("transient", pa.bool_()),
    ("feed_url", pa.string()), ("next_attempt_at", _TS), ("give_up", pa.bool_()),
])
_ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()), ("final_url", pa.string()),
    ("syndicated_from", pa.string()), ("source", pa.string()), ("feed_url", pa.string()), ("title", pa.string()),
    ("author", pa.string()), ("published_at", _TS), ("fetched_at", _TS), ("language", pa.string()),
    ("text", pa.string()), ("description", pa.string()), ("word_count", pa.int32()),
    ("extractor_version", pa.string()), ("extracted_text", pa.string()), ("site", pa.string()),
    ("cleaner_version", pa.string()), ("published_at_source", pa.string()), ("site_name", pa.string()),
    ("body_source", pa.string()),
])
_CLASS_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("relevance", pa.float64()), ("is_relevant", pa.bool_()),
    ("primary_theme", pa.string()), ("classifier_version", pa.string()),
])
_THEME_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("theme", pa.string()), ("score", pa.float64()), ("evidence", pa.string()),
    ("classifier_version", pa.string()),
])
_ENTITY_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("entity", pa.string()), ("kind", pa.string()), ("mentions", pa.int32()),
])
_SIG_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("scheme", pa.string()), ("signature", pa.list_(pa.uint32())), ("story_date", _TS),
])
_BAND_SCHEMA = pa.schema([("band", pa.int16()), ("key", pa.uint64()), ("article_id", pa.string())])
_CLEAN_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("text", pa.string()), ("word_count", pa.int32()), ("cleaner_version", pa.string()),
])
_LINES_SCHEMA = pa.schema([
    ("site", pa.string()), ("article_id", pa.string()), ("fingerprint", pa.string()), ("prose", pa.bool_()),
])
