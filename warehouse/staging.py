"""How every bulk statement stages its rows: an Arrow table registered on the connection for the
block, then one ``INSERT ... SELECT`` (executemany manages ~1,300 rows/s here, Arrow tens of
thousands). Shared by the rooms (frontier, feeds, pages, articles, ...)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb
import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
# the Arrow type of each column type a record's field names (`warehouse.records.col`)
ARROW_TYPES = {"string": pa.string(), "bool": pa.bool_(), "int16": pa.int16(), "int32": pa.int32(),
               "int64": pa.int64(), "uint64": pa.uint64(), "float64": pa.float64(), "ts": TS,
               "uint32[]": pa.list_(pa.uint32())}


def schema_of(record_type: type) -> pa.Schema:
    """The Arrow schema a record type stages with: its fields that name a column type, in order."""
    return pa.schema([(f.name, ARROW_TYPES[f.metadata["arrow"]])
                      for f in dataclasses.fields(record_type) if "arrow" in f.metadata])


def records_table(records: Sequence, schema: pa.Schema) -> pa.Table:
    """``records`` (of the type ``schema`` was derived from) as an Arrow table, column by column."""
    return pa.Table.from_arrays([pa.array([getattr(r, name) for r in records], type=typ)
                                 for name, typ in zip(schema.names, schema.types)], schema=schema)


@contextlib.contextmanager
def staged(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible to SQL as ``name`` for the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """``rows`` as an Arrow table of ``schema`` (keys the schema does not name are left out)."""
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)


def dicts(cur) -> list[dict]:
    """The rows of an executed statement as dicts keyed by column name."""
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def rows_by_keys(con, in_range: str, by_id: str, ids: list[str], rowids: list[int]) -> list[dict]:
    """The rows of the articles ``ids``, stored at ``rowids``: read by that range of rowids
    (``in_range``: ``$ids`` within ``rowid BETWEEN $lo AND $hi``; DuckDB then reads that part of
    the table, not every stored text), or by id alone (``by_id``: ``$ids``) when fewer come back
    because a checkpoint moved a row since its rowid was read. Rowids only narrow the read."""
    rows = dicts(con.execute(in_range, {"ids": ids, "lo": min(rowids), "hi": max(rowids)}))
    if len(rows) < len(ids):
        rows = dicts(con.execute(by_id, {"ids": ids}))
    return rows


T = TypeVar("T")
# what a scan of a table that grows with the warehouse may add to DuckDB's cache (MB)
SCAN_HEADROOM_MB = 32


def held_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """Bytes DuckDB's buffer manager holds in the instance ``con`` is a connection of (what it
    counts: memory it allocated outside its buffer manager is not in it; docs/benchmarks.md,
    sixteenth session)."""
    return int(con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] or 0)


def cache_bounded(con: duckdb.DuckDBPyConnection, read: Callable[[], T]) -> T:
    """``read()`` with DuckDB's cache allowed to grow by SCAN_HEADROOM_MB at most. DuckDB keeps
    every block a query read until its instance closes (memory_limit: 80% of RAM by default),
    so a read that must scan a table growing with the warehouse (clustering's join with every
    stored band key: +75 MB at 31,000 stored articles) would make each run's memory follow the warehouse's size.
    Under the bound DuckDB evicts blocks it read (clean: dropped, not written) as it goes; the
    result is the same. Should the read need memory DuckDB cannot evict, it runs again unbounded
    (what it cost before): a bound on a cache must never fail a run. For reads in autocommit
    mode (``Warehouse.connect``, as clustering's and the search index's are), not inside
    ``transaction()``: DuckDB aborts a transaction on an out-of-memory error."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute("SET memory_limit = $limit", {"limit": f"{_scan_limit_mb(held_bytes(con))}MB"})
    try:
        return read()
    except duckdb.OutOfMemoryException:
        _restore_memory_limit(con, before)
        return read()
    finally:
        _restore_memory_limit(con, before)


def _scan_limit_mb(used: int) -> int:
    """The instance's memory limit for a bounded scan: what it holds now, plus the headroom."""
    return used // 2**20 + SCAN_HEADROOM_MB


def _restore_memory_limit(con: duckdb.DuckDBPyConnection, before: str) -> None:
    """Back to the limit the instance had: RESET when that was DuckDB's default (exact; setting
    it again from its display, "18.8 GiB", would round it down a little at every call)."""
    con.execute("RESET memory_limit")
    if con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != before:
        con.execute("SET memory_limit = $limit", {"limit": before})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Facade(Protocol):
    """What a room uses of `warehouse.db.Warehouse`, which builds the rooms: typed here so that
    no room imports the facade that imports it (no import cycle, not even for type hints)."""

    path: Path
    lock_wait: float
    pages: Any  # warehouse.pages.Pages: maintenance discards bodies through it

    def connect(self, read_only: bool = False) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def transaction(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def released(self) -> contextlib.AbstractContextManager[None]: ...

    def release(self) -> None: ...

    def checkpoint(self) -> None: ...
