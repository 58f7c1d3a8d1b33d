"""The DuckDB warehouse: a small facade (open, transaction, session, migrate) and its rooms.

Each room is one table family, its statements next to the Arrow schemas they stage rows with:
``wh.frontier`` (URLs to fetch, leases, failures), ``wh.feeds``, ``wh.pages`` (raw pages and the
body store beside the file), ``wh.articles`` (articles and what site cleaning learns),
``wh.classification``, ``wh.labels`` (analysts' corrections), ``wh.clusters``, ``wh.runs`` and
``wh.operations`` (analyst queries, Parquet export, maintenance, a run's report). A room stores
what its caller hands it; what the pipeline derives (LSH band keys, say) is derived by the caller.

Write pattern: short transactions, each retrying on the file lock (DuckDB admits one writing
process per file). A run keeps its DuckDB instance open between its transactions for its
lifetime (``with wh.kept_open():``, `warehouse/keeping.py`): another process that waits for the
file leaves a marker and is let in after the transaction in hand, and an idle run lets go after
a few seconds, so `chipwire query` and other runs still share the file. Outside a run, a
connection is opened and closed per transaction.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb

from .errors import DiskFull, MigrationError, NotAWarehouse, WarehouseError, is_disk_full
from .keeping import LINGER, FileTurn, KeptOpen  # noqa: F401  (LINGER: part of this module's face)
from .opening import WaitingMarkers, open_waiting
from .articles import Articles
from .classification import Classification
from .clusters import Clusters
from .feeds import Feeds
from .frontier import EXTRACT_LEASE, Frontier  # noqa: F401  (EXTRACT_LEASE: part of this module's face)
from .labels import Labels
from .operations import Operations
from .pages import Pages
from .runs import Runs
from .staging import utcnow

# Bytes of write-ahead log at which DuckDB folds it into the file (its default: 16 MB). What a
# write connection has committed since the last checkpoint lives in the log, and an instance
# opened again (a run releases its instance every few hundred pages: Warehouse.release)
# replays the log and holds what it replayed in memory until the next checkpoint, which then
# runs on top of it: with 16 MB, a reopen with 11 MB of log that ran into the checkpoint was
# a 4,000-page run's peak (+117 MB in 0.9 s). At 4 MB the peaks of a run are flat: the
# search-index syncs, at both sizes (docs/benchmarks.md, thirteenth session).
CHECKPOINT_AT = 4 * 1024 * 1024


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class _Session(threading.local):
    """The connection ``session()`` keeps open, per thread. Pickled as an empty one: a copy of
    the Warehouse in another process (a task on a Dask worker) holds no connection."""

    con: duckdb.DuckDBPyConnection | None = None

    def __reduce__(self):
        return (_Session, ())


class Warehouse:
    """One DuckDB file. Cheap to construct; see the module docstring for its rooms."""

    def __init__(self, path: str | Path, lock_wait: float = 60.0):
        self.path = Path(path)
        self.lock_wait = lock_wait
        self._session = _Session()
        self.frontier, self.feeds, self.pages = Frontier(self), Feeds(self), Pages(self)
        self.articles, self.classification, self.clusters = Articles(self), Classification(self), Clusters(self)
        self.runs, self.operations = Runs(self), Operations(self)
        self.labels = Labels(self)  # analysts' corrections (chipwire label, review, train)

    # -- connections ---------------------------------------------------------------------
    def kept_open(self) -> KeptOpen:
        """Keep the DuckDB instance open between transactions for the block (a run's lifetime):
        `warehouse/keeping.py` says how other processes still get the file."""
        return KeptOpen(self.path, self.lock_wait, self._open_politely)

    @property
    def is_kept_open(self) -> bool:
        """Whether a run of this process keeps the file open (``kept_open()``)."""
        return FileTurn.of(self.path).kept is not None

    def _open_politely(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Open as a run keeping the file does: a process that waits for it goes first."""
        deadline = time.monotonic() + self.lock_wait
        markers = WaitingMarkers(self.path, self.lock_wait)
        while markers.others() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._open(read_only, deadline)

    def _open(self, read_only: bool, deadline: float | None = None) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait if deadline is None else deadline
        con = open_waiting(self.path, read_only, deadline, self.lock_wait)
        if not read_only:
            # Closing the last connection would checkpoint: DuckDB then rewrites the
            # tables' last row groups, at a cost that grows with the table (0.03 s at
            # 200 articles, 1.5 s at 4,000: docs/benchmarks.md). Commits stay durable in
            # the WAL, which DuckDB folds in once it passes CHECKPOINT_AT and which every
            # run folds in when it finishes (Runs.finish -> checkpoint).
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
            con.execute(f"SET checkpoint_threshold = '{int(CHECKPOINT_AT)}B'")
        return con

    def _check_path(self, read_only: bool) -> None:
        if read_only and not self.path.exists():
            raise WarehouseError(f"{self.path}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)")
        if not read_only:
            if self.path.is_dir():
                raise NotAWarehouse(f"{self.path}: is a directory, not a DuckDB file")
            self.path.parent.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._session.con is not None:  # inside session(): the connection it keeps open
            yield self._session.con
            return
        self._check_path(read_only)
        turn = FileTurn.of(self.path)
        # One thread of a process at a time per file (keeping.FileTurn). Compute still overlaps;
        # only the short reads and writes take turns.
        with turn.lock:
            kept = turn.kept
            con = kept.cursor(read_only) if kept is not None else None
            if con is None:
                con = self._open_politely(read_only) if kept is not None else self._open(read_only)
            try:
                yield con
            except duckdb.Error as err:
                if not isinstance(err, (duckdb.IOException, duckdb.FatalException)) and not is_disk_full(err):
                    raise
                # DuckDB invalidates an instance after a failed write (every later statement then
                # fails with a FatalException): open afresh next time
                turn.release()
                if is_disk_full(err):
                    raise DiskFull(self.path.parent, "DuckDB could not write") from None
                raise
            finally:
                with contextlib.suppress(duckdb.Error):
                    con.close()
                if kept is not None:
                    kept.touch()

    def release(self) -> None:
        """Close the instance this process keeps open for the file, if any (the next write opens
        it again: a few milliseconds, DuckDB replaying its write-ahead log). Besides letting
        other processes in, this is how a long run gives memory back: DuckDB keeps the blocks
        an instance read or wrote (up to its memory_limit, 80% of RAM by default) and what its
        queries allocated until the instance closes (docs/benchmarks.md, twelfth session)."""
        FileTurn.of(self.path).release()

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """The block holds this process's turn on the file with no instance of it open here
        (DuckDB will not open one file twice in a process with different settings)."""
        turn = FileTurn.of(self.path)
        with turn.lock:
            if self._session.con is not None:
                raise WarehouseError(f"{self.path}: query() inside session(): read through connect() instead")
            turn.release()
            yield

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Keep one connection open for a stage's run of reads and writes (each still its own
        transaction): opening the file costs 20-100 ms (DuckDB replays the write-ahead log),
        which a loop of small steps would pay every time. The file is held meanwhile, so only a
        loop whose steps are all short uses it; other threads of the process wait their turn."""
        if self._session.con is not None:
            yield
            return
        with self.connect() as con:
            self._session.con = con
            try:
                yield
            finally:
                self._session.con = None

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

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the DuckDB file, so that the file alone holds every
        committed row (done at the end of every run and by `maintain`)."""
        with self.connect() as con:
            con.execute("CHECKPOINT")

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
            for version, name, sql in migrations():
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
