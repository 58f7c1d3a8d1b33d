"""`chipwire query`: its options, where its SQL comes from, and the command itself.

Light on purpose: this module, warehouse.query and flows.output import DuckDB and the standard
library only (rich when a table is drawn), so a query answers at once; tests/test_query.py
checks that Prefect, datasketch, scipy, trafilatura, pyarrow and numpy stay unloaded.
"""

from __future__ import annotations

import argparse
import os
import sys

from .output import FORMATS, MAX_ROWS
from .settings import build_settings

DESCRIPTION = """\
Run SQL against the warehouse, read-only: any statement that only reads it works (SELECT, FROM,
WITH, PIVOT, UNPIVOT, SUMMARIZE, DESCRIBE, SHOW, EXPLAIN [ANALYZE], read-only PRAGMA and CALL,
SET VARIABLE, temporary tables and views). Anything that would write, to the warehouse or to any
other file, or read another file (INSERT, UPDATE, DELETE, CREATE TABLE, COPY, ATTACH, INSTALL,
LOAD, read_csv('...'), SET of a setting ...) is refused with a one-line error: DuckDB itself
enforces it (read-only connection, external access off, settings locked). Several statements
separated by ; print each result under its heading, or, if one fails, only the error. Works while
a run is loading: it waits up to 10 s for the writer to let go."""

EPILOG = """\
examples:
  chipwire query "select source, count(*) from articles group by 1 order by 2 desc"
  chipwire query "from warehouse_columns where table_name = 'articles'"   # what each column means
  chipwire query "pivot (select source, primary_theme from articles where is_relevant)
                  on primary_theme using count(*)"
  chipwire query --format line "select * from runs order by started_at desc limit 1"
  chipwire query -f questions.sql --format csv > answers.csv
  echo "summarize articles" | chipwire query -
"""


def add_parser(sub) -> None:
    p = sub.add_parser("query", help="read-only SQL against the warehouse (tables, views, PIVOT, SUMMARIZE ...)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sql", nargs="?", metavar='"SQL"',
                   help="the SQL to run (statements separated by ;), or - to read it from stdin")
    p.add_argument("-f", "--file", metavar="FILE", help="read the SQL from FILE (- for stdin)")
    p.add_argument("--db", metavar="FILE", help="warehouse file (default: $CHIPWIRE_DB or ./data/chipwire.duckdb)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default; fits the terminal, long cells cut with …), line (one column a line, "
                   "values whole: for wide rows), csv or json (every row, values whole)")
    p.add_argument("--max-rows", type=int, default=MAX_ROWS, metavar="N",
                   help=f"table and line: show at most N rows (default {MAX_ROWS}; 0: all)")


def sql_text(args, stdin=None) -> str:
    """The SQL to run: the argument, -f FILE, or stdin (``-``). ValueError: one line."""
    stdin = stdin or sys.stdin
    if args.sql is not None and args.file is not None:
        raise ValueError("give the SQL either as an argument or with -f FILE, not both")
    if args.sql is None and args.file is None:
        raise ValueError('no SQL given: chipwire query "SQL", -f FILE, or - to read it from stdin')
    source = args.file if args.file is not None else args.sql
    if args.file is None and source != "-":
        return source
    if source == "-":
        return stdin.read()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise ValueError(f"-f {source}: not UTF-8 text") from None
    except OSError as err:
        raise ValueError(f"-f {source}: cannot read: {err.strerror or err}") from None


def cmd_query(args) -> int:
    from warehouse.errors import WarehouseError
    from warehouse.query import run_sql

    from .output import write_results

    try:
        sql = sql_text(args)
        results = run_sql(build_settings(db=args.db).db_path, sql, lock_wait=10)
    except (ValueError, WarehouseError) as err:
        print(f"chipwire: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chipwire: query interrupted", file=sys.stderr)
        return 130
    try:
        write_results(results, args.format, max_rows=args.max_rows)
        sys.stdout.flush()
    except BrokenPipeError:  # `chipwire query ... | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
