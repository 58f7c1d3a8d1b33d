"""`chipwire report`: its options and the command (flows/report.py writes the file).

Nothing here imports Prefect: the report only reads the warehouse (and writes its own `reports`
row), so it answers in about a second on the demo warehouse.
"""

from __future__ import annotations

import argparse
import sys

from .settings import build_settings

DESCRIPTION = """\
Write one self-contained HTML report of the warehouse: relevant articles per theme per week, the
most named companies, chips, agencies and rules and how that changes, outlets x themes, the
biggest stories with their copies, what is new since the previous report, feed health and
failures by reason. The file opens offline in any browser (its JavaScript is inside it; it asks
for nothing over the network). Each chart says what it counts and shows its SQL: a report_* view
you can run with `chipwire query`. The time of each report is kept in the warehouse (table
reports), so the next one shows what arrived since."""

EPILOG = """\
examples:
  chipwire report                                   # data/report.html, beside the warehouse
  chipwire report --since 2025-01-01 --until 2025-06-30 --out h1-2025.html
  chipwire report --theme smuggling_enforcement --out smuggling.html
  chipwire query "from warehouse_tables where table_name like 'report%'"   # the views behind it
"""


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report with charts (readable offline)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", metavar="FILE", help="HTML file to write (default: report.html beside the warehouse)")
    p.add_argument("--since", metavar="DATE", help="first day to cover, YYYY-MM-DD (inclusive; publication day, "
                   "else the day an article was stored)")
    p.add_argument("--until", metavar="DATE", help="last day to cover, YYYY-MM-DD (inclusive)")
    p.add_argument("--theme", metavar="ID", help="only articles in which this theme is present (a taxonomy id, "
                   "e.g. export_controls)")
    p.add_argument("--db", metavar="FILE", help="warehouse file (default: $CHIPWIRE_DB or ./data/chipwire.duckdb)")


def window_of(args):
    """The report's Window from the options. ValueError: one line."""
    from extractors.sitemaps import parse_date_arg
    from warehouse.report import Window

    since = parse_date_arg(args.since) if args.since is not None else None
    until = parse_date_arg(args.until) if args.until is not None else None
    if since and until and since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    theme = args.theme.strip() if args.theme is not None else None
    if theme is not None and not theme:
        raise ValueError("--theme: give a theme id (e.g. export_controls)")
    return Window(since, until, theme)


def cmd_report(args) -> int:
    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError
    from warehouse.report import check_ready, known_themes

    from .report import write_report

    settings = build_settings(db=args.db)
    try:
        window = window_of(args)
        wh = Warehouse(settings.db_path, lock_wait=settings.lock_wait)
        check_ready(wh)
        themes = known_themes(wh)
        if window.theme is not None and window.theme not in themes:
            raise ValueError(f"--theme {window.theme!r}: no article has this theme "
                             f"(themes here: {', '.join(themes) or 'none yet'})")
        written = write_report(wh, args.out, window)
    except (ValueError, WarehouseError) as err:
        print(f"chipwire: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"chipwire: error: {args.out or 'report'}: cannot write: {err.strerror or err}", file=sys.stderr)
        return 2
    print(f"chipwire: wrote {written.path} ({written.bytes / 1e6:.1f} MB, {written.charts} charts, "
          f"{written.seconds:.1f} s); open it in any browser", file=sys.stderr)
    print(written.path)
    return 0
