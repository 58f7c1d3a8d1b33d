"""How `chipwire query` prints results: table, line, csv, json.

``table`` fits the terminal: each column gets the width its contents need, as far as the
terminal allows; a long cell is cut with an ellipsis; when the columns cannot all fit at a
readable width, the middle ones give way to a ``…`` column and the footer says so and suggests
``--format line`` (one column a line, like sqlite's ``.mode line``), which shows every value
whole. Both show at most ``max_rows`` rows. ``csv`` and ``json`` are for programs: every row,
every column, values whole.

Tables are drawn by rich (a dependency already), which measures East Asian wide characters
right; the widths are chosen here. Values reach the terminal with control characters escaped,
so a hostile page's text cannot send escape sequences to it.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import textwrap
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Protocol, Sequence
from uuid import UUID

FORMATS = ("table", "line", "csv", "json")
MAX_ROWS = 1000  # rows shown by table and line (0: all)
MIN_WIDTH = 6  # a column is never narrower than this (or its contents, if shorter)
HEADER_FLOOR = 12  # a header is shown whole up to this many cells
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NUMERIC = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|REAL|DOUBLE|DECIMAL.*)$")


class ResultLike(Protocol):
    number: int
    sql: str
    columns: list[str]
    types: list[str]
    rows: list[tuple]
    kind: str


def _json_default(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (timedelta, UUID)):
        return str(value)
    return repr(value)


def cell_text(value) -> str:
    """A value as one string: nested lists and structs as JSON, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if isinstance(value, (bytes, bytearray, memoryview, datetime, date, time, Decimal, timedelta, UUID)):
        return str(_json_default(value))
    return str(value)


def _safe(text: str) -> str:
    """Control characters escaped (\\x1b ...), for the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def write_results(results: Sequence[ResultLike], fmt: str, stream: IO[str] | None = None,
                  width: int | None = None, max_rows: int = MAX_ROWS) -> None:
    """Print every result that has columns; with several, each under a heading."""
    stream = stream or sys.stdout
    shown = [r for r in results if r.columns]
    if fmt == "json":
        _write_json(shown, stream, several=len(results) > 1)
        return
    width = width or shutil.get_terminal_size((120, 24)).columns
    for i, result in enumerate(shown):
        if len(results) > 1:
            if i:
                stream.write("\n")
            heading = f"{'#' if fmt == 'csv' else '--'} statement {result.number}: {' '.join(result.sql.split())}"
            stream.write(_safe(heading if len(heading) <= width else heading[: width - 1] + "…") + "\n")
        if fmt == "csv":
            _write_csv(result, stream)
        elif result.kind == "EXPLAIN":  # a plan is drawn text: print it as it is
            for row in result.rows:
                stream.write(_safe(cell_text(row[-1])).rstrip("\n") + "\n")
        elif fmt == "line":
            _write_lines(result, stream, max_rows)
        else:
            _write_table(result, stream, width, max_rows)


def _write_json(results: Sequence[ResultLike], stream: IO[str], several: bool) -> None:
    def objects(r: ResultLike) -> list[dict]:
        return [dict(zip(r.columns, row)) for row in r.rows]

    data = [{"statement": r.sql, "rows": objects(r)} for r in results] if several else (
        objects(results[0]) if results else [])
    json.dump(data, stream, ensure_ascii=False, indent=1, default=_json_default)
    stream.write("\n")


def _write_csv(result: ResultLike, stream: IO[str]) -> None:
    w = csv.writer(stream)
    w.writerow(result.columns)
    for row in result.rows:
        w.writerow([cell_text(v) for v in row])


def _footer(total: int, shown_rows: int, columns: int, shown_cols: int) -> str:
    parts = [f"{total:,} row{'s' if total != 1 else ''}"]
    if shown_rows < total:
        parts.append(f"the first {shown_rows:,} shown: --max-rows 0 shows all")
    if shown_cols < columns:
        parts.append(f"{shown_cols} of {columns} columns shown: --format line shows them all")
    return "(" + "; ".join(parts) + ")"


def _write_lines(result: ResultLike, stream: IO[str], max_rows: int) -> None:
    rows = result.rows if max_rows <= 0 else result.rows[:max_rows]
    names = [_safe(c) for c in result.columns]
    pad = max(len(n) for n in names)
    for i, row in enumerate(rows):
        if i:
            stream.write("\n")
        for name, value in zip(names, row):
            lines = _safe(cell_text(value).replace("\t", " ")).split("\n") if value is not None else ["NULL"]
            stream.write(f"{name.rjust(pad)} = {lines[0]}\n")
            for more in lines[1:]:
                stream.write(" " * (pad + 3) + more + "\n")
    stream.write(_footer(len(result.rows), len(rows), len(names), len(names)) + "\n")


def _justify(result: ResultLike, i: int) -> str:
    numeric = i < len(result.types) and _NUMERIC.match(result.types[i])
    return "right" if numeric else "left"


def _one_line(value) -> str:
    text = "NULL" if value is None else cell_text(value)
    return _safe(text.replace("\r\n", "↵").replace("\n", "↵").replace("\r", "↵").replace("\t", " "))


def layout(natural: list[int], floors: list[int], width: int) -> tuple[list[int], list[int]]:
    """Which columns to show and how wide: all of them if they fit at their floors, else the
    first and last ones that fit around a 1-cell elision column; then the room left goes to the
    columns that want more, narrowest need first (each row of a box table costs 3 cells a
    column, plus 1)."""
    n = len(natural)
    cost = lambda idx, elided: sum(floors[i] for i in idx) + 3 * len(idx) + 1 + (4 if elided else 0)  # noqa: E731
    shown = list(range(n))
    if cost(shown, False) > width:
        order = [i for pair in zip(range(n), reversed(range(n))) for i in pair]
        shown = []
        for i in dict.fromkeys(order):  # left, right, left, ... each once
            if cost(shown + [i], True) > width and shown:
                break
            shown.append(i)
        shown.sort()
    widths = [floors[i] for i in shown]
    room = width - cost(shown, len(shown) < n)
    if room < 0:  # even one column at its floor is too wide: squeeze it
        widths = [max(1, w + room) for w in widths]
        return shown, widths
    wants = sorted(range(len(shown)), key=lambda k: natural[shown[k]] - widths[k])
    for left, k in enumerate(wants):
        share = room // (len(wants) - left)
        extra = min(natural[shown[k]] - widths[k], share)
        widths[k] += extra
        room -= extra
    return shown, widths


def _write_table(result: ResultLike, stream: IO[str], width: int, max_rows: int) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = result.rows if max_rows <= 0 else result.rows[:max_rows]
    cells = [[_one_line(v) for v in row] for row in rows]
    headers = [_safe(c) for c in result.columns]
    natural = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    floors = [min(nat, max(MIN_WIDTH, min(cell_len(h), HEADER_FLOOR))) for nat, h in zip(natural, headers)]
    shown, widths = layout(natural, floors, width)
    table = Table(box=box.HEAVY_HEAD, show_lines=False)
    # where the elided columns were: between the left and the right ones, or at the end
    gap = next((k for k in range(1, len(shown)) if shown[k] != shown[k - 1] + 1),
               len(shown) if len(shown) < len(headers) else None)
    columns = [(Text(headers[i]), w, _justify(result, i)) for i, w in zip(shown, widths)]
    if gap is not None:
        columns.insert(gap, (Text("…"), 1, "left"))
    for header, w, justify in columns:
        table.add_column(header, width=w, no_wrap=True, overflow="ellipsis", justify=justify)
    for r in cells:
        values = [Text(r[i]) for i in shown]
        if gap is not None:
            values.insert(gap, Text("…"))
        table.add_row(*values)
    Console(file=stream, width=width, highlight=False, soft_wrap=False).print(table)
    stream.write(textwrap.fill(_footer(len(result.rows), len(rows), len(headers), len(shown)), width) + "\n")


def print_rows(cols: list[str], rows: list[tuple], fmt: str, stream=None) -> None:
    """One result in ``fmt``, for callers that have columns and rows."""
    from warehouse.query import Result

    write_results([Result(1, "", list(cols), [], list(rows))], fmt, stream=stream)
