"""How this process shares a DuckDB file between its threads, and how a run keeps it open.

DuckDB keeps one database instance per file per process, shared by every connection the
process opens to that file, whichever `Warehouse` object opened it. So the turn-taking of a
process's threads on a file, and the instance a run keeps open, belong to the file in this
process (`FileTurn.of(path)`), not to one `Warehouse` object.

Keeping the file open (`KeptOpen`, entered by a run for its lifetime through
``Warehouse.kept_open()``): opening the file costs 20-100 ms (DuckDB replays its write-ahead
log), which a run would pay at every transaction. Inside the context, the first write opens an
instance that later transactions reuse. A watcher thread, alive only as long as the context,
closes it once idle for LINGER seconds, or at once when another process waits for the file (it
left a marker in ``<file>.waiting/``, `opening.WaitingMarkers`): a run never keeps another
process out for longer than the transaction it is in. Before opening, the keeper lets such a
waiting process have its turn first. Leaving the context closes the instance for good.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import duckdb

from .opening import WaitingMarkers

LINGER = 5.0  # seconds a kept instance stays open with nothing to do
POLL = 0.25  # seconds between two looks of the watcher (idle? somebody waiting?)


class FileTurn:
    """One DuckDB file in this process: the lock its threads take turns with (opening a
    connection while another thread closes the instance's last one races in DuckDB, seen as
    "python_arrow_scan does not exist"), and the `KeptOpen` in force for it, if any."""

    # A registry keyed by path, because nothing narrower is right: the instance DuckDB shares is
    # per process and per file, and the Warehouse objects that reach it (a run's, a copy
    # unpickled by a task, the one a command makes) do not know each other.
    _all: ClassVar[dict[str, FileTurn]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.kept: KeptOpen | None = None

    @classmethod
    def of(cls, path: Path) -> FileTurn:
        with cls._guard:
            return cls._all.setdefault(str(path.resolve()), cls())

    def release(self) -> None:
        """Close the instance kept open for the file, if any (reopened at the next write)."""
        with self.lock:
            if self.kept is not None:
                self.kept.close()


class KeptOpen:
    """A run's open DuckDB instance, kept between its transactions (see the module docstring).
    ``opener(read_only)`` opens the file (the Warehouse's way)."""

    def __init__(self, path: Path, lock_wait: float, opener: Callable[[bool], duckdb.DuckDBPyConnection]):
        self.turn = FileTurn.of(path)
        self.markers = WaitingMarkers(path, lock_wait)
        self.opener = opener
        self.con: duckdb.DuckDBPyConnection | None = None
        self.last_used = time.monotonic()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> KeptOpen:
        with self.turn.lock:
            if self.turn.kept is not None:  # already kept (a flow inside a flow): that one owns it
                return self
            self.turn.kept = self
        self._watcher = threading.Thread(target=self._watch, name="chipwire-warehouse-keeper", daemon=True)
        self._watcher.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._watcher is None:
            return
        self._stop.set()
        self._watcher.join()
        with self.turn.lock:
            self.close()
            self.turn.kept = None

    def cursor(self, read_only: bool) -> duckdb.DuckDBPyConnection | None:
        """A cursor on the kept instance (opened for a write if closed), or None for a read while
        it is closed. Called with the turn's lock held."""
        if self.con is None and not read_only:
            self.con = self.opener(False)
        return self.con.cursor() if self.con is not None else None

    @property
    def is_open(self) -> bool:
        """Whether the instance is open now (the watcher closes it when idle or wanted)."""
        return self.con is not None

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def close(self) -> None:
        con, self.con = self.con, None
        if con is not None:
            with contextlib.suppress(duckdb.Error):
                con.close()

    def _watch(self) -> None:
        while not self._stop.wait(POLL):
            if not self.turn.lock.acquire(blocking=False):
                continue  # in use: looked at again at the next poll
            try:
                if self.con is not None and (time.monotonic() - self.last_used > LINGER or self.markers.others()):
                    self.close()
            finally:
                self.turn.lock.release()
