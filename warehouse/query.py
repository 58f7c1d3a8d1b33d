"""`chipwire query`: analysts' SQL against the warehouse, read-only, enforced by DuckDB itself.

The connection is the guard, not a list of statement types (EXPLAIN ANALYZE runs what it
explains; PIVOT is a MULTI statement; COPY hides inside many things). Each query opens the file
in its own DuckDB instance with:

- ``read_only``: no statement can change the warehouse (DuckDB refuses it as it binds);
- ``enable_external_access = false``: no file but the warehouse's own (the DuckDB file and its
  WAL) can be read or written: COPY TO/FROM, read_csv/read_parquet/read_text/glob on any path,
  ATTACH, INSTALL/LOAD of extensions, EXPORT/IMPORT DATABASE, secrets, profiling output. The
  body store (``<db>.bodies/``) is not the warehouse's file and is out of reach too;
- ``lock_configuration = true``: no SET/RESET/PRAGMA can turn any of that back on, move the
  temporary directory, or name a profiling file (settings are fixed when the file is opened);
- ``temp_directory``: a private directory of this query (mode 0700, removed afterwards), where
  DuckDB spills what does not fit in memory. DuckDB lets a query write into its temporary
  directory, so it must not be a shared one: by default it is ``<db>.tmp/``, where a writing run
  spills too.

What still works: every statement that only reads: SELECT/FROM/WITH, PIVOT/UNPIVOT, SUMMARIZE,
DESCRIBE, SHOW, EXPLAIN [ANALYZE], PRAGMA and CALL of read-only functions, PREPARE/EXECUTE,
SET VARIABLE, and temporary objects (CREATE TEMP TABLE/VIEW/MACRO): they live in this
process's memory (or its private spill directory) and vanish when the query ends, so they are
harmless.

Statements that can only be writes (INSERT, UPDATE, DELETE, ALTER, COPY, ATTACH, INSTALL ...)
are refused before anything runs, so that ``select 1; delete from articles`` fails as a whole
with a clear message; that check is for the message, the connection is the guard.

Light on purpose: DuckDB and the standard library only (no pyarrow, no pipeline modules), so
`chipwire query` starts at once.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import NotAWarehouse, QueryError, ReadOnlyViolation, WarehouseError
from .opening import open_waiting

SANDBOX = {"enable_external_access": False, "lock_configuration": True}

# statement types that can only write or reach outside the warehouse: refused before anything
# runs, with a message that says why (DuckDB would refuse each of them anyway)
_REFUSED = {
    "INSERT": "changes the warehouse", "UPDATE": "changes the warehouse", "DELETE": "changes the warehouse",
    "MERGE_INTO": "changes the warehouse", "ALTER": "changes the warehouse", "VACUUM": "changes the warehouse",
    "COPY": "reads or writes a file", "COPY_DATABASE": "writes a database", "EXPORT": "writes files",
    "ATTACH": "opens another database", "DETACH": "closes the warehouse", "LOAD": "installs or loads an extension",
}
_CHECKPOINT = re.compile(r"\s*(FORCE\s+)?CHECKPOINT\b", re.IGNORECASE)
# statements that return nothing worth printing (their result, if any, is a count or a status)
_QUIET = {"CREATE", "DROP", "SET", "TRANSACTION", "PREPARE"}
_HOW_TO_WRITE = "open the file with duckdb yourself, while no run is loading, to change it"


@dataclass(frozen=True)
class Result:
    """What one statement returned."""

    number: int  # its place among the statements given, from 1
    sql: str  # its text
    columns: list[str]  # empty: the statement returns no rows (SET VARIABLE, CREATE TEMP ...)
    types: list[str]  # DuckDB type of each column, e.g. "VARCHAR", "TIMESTAMP WITH TIME ZONE"
    rows: list[tuple]
    kind: str = "SELECT"  # DuckDB's statement type: SELECT, EXPLAIN, PRAGMA, MULTI (PIVOT) ...


def parse(sql: str) -> list[duckdb.Statement]:
    """The statements of ``sql``, checked: a parse error or a statement that can only write
    raises before anything runs."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as err:
        raise QueryError(f"SQL error: {_one_line(err)}") from None
    if not statements:
        raise QueryError("no SQL statement given")
    for number, st in enumerate(statements, 1):
        kind = _kind(st)
        if _CHECKPOINT.match(st.query):
            kind = "CHECKPOINT"
        why = _REFUSED.get(kind) or ("writes the warehouse" if kind == "CHECKPOINT" else None)
        if why:
            where = (f"statement {number} ({kind}: {_short(st.query.strip())})" if len(statements) > 1
                     else f"this statement ({kind})")
            raise ReadOnlyViolation(f"refused: `query` is read-only; {where} {why} ({_HOW_TO_WRITE})")
    return statements


@contextlib.contextmanager
def sandbox(path: Path, lock_wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse that can reach no other file (module docstring).
    Waits up to ``lock_wait`` seconds for a process writing the file."""
    if path.is_dir():
        raise NotAWarehouse(f"{path}: is a directory, not a DuckDB file")
    if not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)")
    try:
        spill = tempfile.TemporaryDirectory(prefix="chipwire-query-")
    except OSError:  # no writable temporary folder: no spilling, DuckDB keeps it all in memory
        spill = contextlib.nullcontext("")
    with spill as scratch:
        config = {**SANDBOX, "temp_directory": scratch}
        con = open_waiting(path, True, time.monotonic() + lock_wait, lock_wait, config=config)
        try:
            yield con
        finally:
            con.close()


def run_sql(path: Path, sql: str, lock_wait: float = 10.0) -> list[Result]:
    """Run every statement of ``sql`` in order, in one sandboxed connection; all results, or a
    one-line WarehouseError naming the statement that failed (nothing is returned then)."""
    statements = parse(sql)
    with sandbox(Path(path), lock_wait) as con:
        return [_run_one(con, number, st, len(statements)) for number, st in enumerate(statements, 1)]


def _run_one(con: duckdb.DuckDBPyConnection, number: int, st: duckdb.Statement, total: int) -> Result:
    text = st.query.strip().rstrip(";").strip()
    try:
        cur = con.execute(text)
        described = cur.description if _kind(st) not in _QUIET else None
        rows = cur.fetchall() if described else []
    except duckdb.Error as err:
        raise _failure(err, number, text, total) from None
    except RuntimeError as err:  # DuckDB's answer to Ctrl-C while it runs
        if "interrupted" in str(err).lower():
            raise KeyboardInterrupt from None
        raise
    columns = [d[0] for d in described] if described else []
    types = [str(d[1]) for d in described] if described else []
    return Result(number, text, columns, types, rows, _kind(st))


def _failure(err: duckdb.Error, number: int, text: str, total: int) -> WarehouseError:
    msg = _one_line(err)
    where = f" (statement {number}: {_short(text)})" if total > 1 else ""
    low = msg.lower()
    if isinstance(err, duckdb.PermissionException) or "disabled through configuration" in low:
        return ReadOnlyViolation(f"refused: `query` reads nothing but the warehouse and writes no file{where}: {msg}")
    if "read-only mode" in low:
        return ReadOnlyViolation(f"refused: `query` is read-only{where}: {msg} ({_HOW_TO_WRITE})")
    if "configuration has been locked" in low or "cannot enable external access" in low:
        return ReadOnlyViolation(f"refused: `query` cannot change settings{where}: {msg} "
                                 "(SET VARIABLE name = value holds values of your own)")
    return QueryError(f"SQL error{where}: {msg}")


def _kind(st: duckdb.Statement) -> str:
    return str(st.type).rsplit(".", 1)[-1].upper()


def _one_line(err: Exception) -> str:
    """DuckDB's message in one line: its first line, a "Did you mean" hint, the line number."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    out = lines[0]
    hint = next((line for line in lines[1:] if line.startswith("Did you mean")), None)
    if hint:
        out += f" {hint}"
    at = next((m.group(1) for line in lines[1:] if (m := re.match(r"LINE (\d+):", line))), None)
    if at and at != "1":
        out += f" (at line {at})"
    return out


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
