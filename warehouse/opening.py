"""Opening the warehouse file while other processes may hold it.

DuckDB lets one process write a file at a time; another process's attempt to open it fails at
once with a lock error. Here it is retried until a deadline, and the waiting process leaves a
marker in ``<file>.waiting/`` so that a chipwire run that keeps the file open lets go after the
transaction it is in (warehouse/keeping.py).

Light on purpose (DuckDB and the standard library only): `chipwire query` opens the file
through here without loading the pipeline's modules (pyarrow, datasketch, scipy).
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import time
from pathlib import Path

import duckdb

from .errors import NotAWarehouse, WarehouseError, WarehouseLocked

# never fetch extensions: a --db that is, say, a SQLite file must not make DuckDB download a
# scanner and write into it
EXTENSIONS_OFF = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_lock_error(err: Exception) -> bool:
    msg = str(err).lower()
    return "lock" in msg and ("could not set lock" in msg or "conflicting lock" in msg or "being used" in msg)


class WaitingMarkers:
    """``<file>.waiting/<host>-<pid>``: the processes that wait for the file."""

    def __init__(self, db_path: Path, lock_wait: float):
        self.dir = db_path.with_name(db_path.name + ".waiting")
        self.lock_wait = lock_wait

    def others(self) -> bool:
        """Whether another live process has said it waits for this file."""
        try:
            names = os.listdir(self.dir)
        except OSError:
            return False
        me, here = str(os.getpid()), socket.gethostname()
        for name in names:
            if name == f"{here}-{me}":
                continue
            host, _, pid = name.rpartition("-")
            marker = self.dir / name
            try:
                stale = time.time() - marker.stat().st_mtime > max(120.0, 2 * self.lock_wait)
            except OSError:
                continue
            if (host == here and pid.isdigit() and not alive(int(pid))) or stale:
                with contextlib.suppress(OSError):
                    marker.unlink()  # left by a killed process
                continue
            return True
        return False

    def mark(self, on: bool) -> None:
        marker = self.dir / f"{socket.gethostname()}-{os.getpid()}"
        with contextlib.suppress(OSError):
            if on:
                self.dir.mkdir(exist_ok=True)
                marker.touch()
            else:
                marker.unlink(missing_ok=True)
                self.dir.rmdir()  # fails while another process's marker is there


def open_waiting(path: Path, read_only: bool, deadline: float, lock_wait: float,
                 config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Open ``path`` with DuckDB (extensions never fetched, plus ``config``), retrying while
    another process holds it, until ``deadline`` (time.monotonic()). One-line errors."""
    markers = WaitingMarkers(path, lock_wait)
    delay = 0.05
    try:
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only, config={**EXTENSIONS_OFF, **(config or {})})
            except duckdb.Error as err:
                if not is_lock_error(err):
                    raise _open_error(path, err) from None
                markers.mark(True)  # a chipwire run holding the file lets go for us
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(
                        f"{path}: locked by another process for more than {lock_wait:.0f} s "
                        "(another program holds it open; close it or use another --db)"
                    ) from None
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 1.5, 1.0)
    finally:
        markers.mark(False)


def _open_error(path: Path, err: Exception) -> WarehouseError:
    first = str(err).splitlines()[0]
    if "different configuration" in first:  # DuckDB opens a file once per process, with one set of settings
        return WarehouseError(f"{path}: already open in this process with other settings ({first})")
    return NotAWarehouse(f"{path}: not a usable DuckDB warehouse ({first})")
