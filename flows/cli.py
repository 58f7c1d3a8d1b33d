"""The `chipwire` command: a thin layer over the flows, the warehouse and the extractors.

Prefect is imported only by the commands that run a flow, so `query` and `--help` answer at
once. Settings are built here, from the command line and CHIPWIRE_* variables, and passed down.
"""

from __future__ import annotations

import argparse
import sys
import time

from . import query_cmd
from .settings import Settings, apply_prefect_environment, build_settings

EPILOG = """\
environment:
  CHIPWIRE_DB        warehouse file (default ./data/chipwire.duckdb)
  CHIPWIRE_SOURCES   sources file (default: the shipped list of real feeds)
  CHIPWIRE_TAXONOMY  theme taxonomy file (default: the shipped taxonomy)
  CHIPWIRE_TASK_RUNNER  where extraction runs: local (default), dask, tcp://HOST:PORT
  CHIPWIRE_LOCK_WAIT seconds to wait for another process writing the warehouse (default 60)
  CHIPWIRE_KEEP_OPEN 0: close the warehouse between a run's writes, for other programs that
                     open the file during runs (default 1: kept open; chipwire query, export
                     and other runs are let in at once)
  PREFECT_API_URL    a running Prefect server to report to (default: an ephemeral one)

examples:
  chipwire demo
  chipwire ingest --sources my-sources.toml
  chipwire backfill --dir saved-articles/
  chipwire query "select source, count(*) from articles group by 1 order by 2 desc"
  chipwire query "from warehouse_columns where table_name = 'articles'"
"""


def _add_taxonomy(p: argparse.ArgumentParser) -> None:
    p.add_argument("--taxonomy", metavar="FILE",
                   help="theme taxonomy (TOML; default: $CHIPWIRE_TAXONOMY or the shipped taxonomy)")


def _add_runner(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task-runner", metavar="RUNNER", default=None,
                   help="where extraction batches run: local (default: a process pool here), dask (a local Dask "
                   "cluster) or tcp://HOST:PORT (an existing Dask scheduler); also $CHIPWIRE_TASK_RUNNER")


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE", help="warehouse file (default: $CHIPWIRE_DB or ./data/chipwire.duckdb)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chipwire",
        description="News ingestion for analysts of US AI-chip export controls: feeds and pages -> "
        "clean article text -> DuckDB warehouse, orchestrated by Prefect.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="one scheduled-style run: poll feeds, fetch, extract, load",
                       description="Poll every due feed (conditionally: ETag/Last-Modified), fetch new and "
                       "still-pending pages, extract them and load the warehouse. Exits 0 when the run finished, "
                       "even if single URLs failed (see the failures table).")
    p.add_argument("--sources", metavar="FILE", help="sources file (TOML; default: $CHIPWIRE_SOURCES or the shipped feeds)")
    _add_db(p)
    p.add_argument("--batch-size", type=int, default=200, metavar="N", help="pages per batch (default 200)")
    p.add_argument("--workers", type=int, default=0, metavar="N", help="extraction processes (default: one per core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--lock-wait", type=float, metavar="SECONDS", default=None,
                   help="how long to wait for another process writing the warehouse (default 60; "
                   "$CHIPWIRE_LOCK_WAIT)")
    _add_runner(p)

    _add_taxonomy(p)

    query_cmd.add_parser(sub)

    p = sub.add_parser("backfill", help="ad-hoc historical load: saved files, URL lists, sitemaps, WARC files",
                       description="Historical load through the same fetching, extraction and cleaning as ingest. "
                       "--dir: saved .html/.htm/.txt files, recursively (a file's URL is its file:// URI unless the "
                       "document declares a canonical URL). --urls: one URL a line. --sitemap: a sitemap, index or "
                       "news sitemap, with --since/--until on the publication date or lastmod (entries with neither "
                       "are taken only without a window). --warc: HTML response records of WARC/ARC files. "
                       "Idempotent (a second run adds nothing) and resumable (run the same command again).")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--dir", metavar="PATH", help="folder of saved .html/.htm/.txt articles (recursive)")
    src.add_argument("--urls", metavar="FILE", help="file with one URL a line (# comments allowed)")
    src.add_argument("--sitemap", metavar="URL", help="sitemap, sitemap index or news sitemap (followed recursively)")
    src.add_argument("--warc", metavar="FILE", nargs="+", help="WARC/ARC files: HTML response records become articles")
    p.add_argument("--since", metavar="DATE", type=_date_arg, help="with --sitemap: first day, YYYY-MM-DD (inclusive)")
    p.add_argument("--until", metavar="DATE", type=_date_arg, help="with --sitemap: last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--sources", metavar="FILE", help="sources file whose [fetch] politeness to use")
    _add_db(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    _add_runner(p)
    _add_taxonomy(p)

    p = sub.add_parser("reextract", help="extract and clean the stored raw pages again, offline",
                       description="Re-run extraction and cleaning over every stored raw page, without fetching "
                       "anything, replacing the stored text (after an extractor or cleaner upgrade).")
    _add_db(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")

    p = sub.add_parser("reclassify", help="relevance, themes, entities and clusters again, offline",
                       description="Re-run relevance, themes, entities and story clusters over every stored article "
                       "without fetching anything, replacing their rows (one row per article and theme), e.g. after "
                       "editing the taxonomy file.")
    _add_db(p)
    _add_taxonomy(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")

    p = sub.add_parser("serve", help="run the scheduled deployments until stopped (Ctrl-C)",
                       description="Serve the deployments of deploy/prefect.yaml in this process: ingest every 30 "
                       "minutes, maintenance daily, reextract on demand. Unless PREFECT_API_URL names a server, a "
                       "local Prefect server is started as a child process (SQLite under the data directory, "
                       "127.0.0.1 only) and stopped on exit; other chipwire commands report to it while it runs.")
    p.add_argument("--sources", metavar="FILE", help="sources file for the scheduled ingest")
    _add_db(p)

    p = sub.add_parser("export", help="write the warehouse's tables as Parquet files",
                       description="Write every table and view of the warehouse as DIR/<name>.parquet, for tools "
                       "that should not hold the warehouse's lock.")
    p.add_argument("dir", metavar="DIR", help="output folder (created if missing)")
    _add_db(p)

    p = sub.add_parser("demo", help="run the whole pipeline offline on bundled sample sites",
                       description="Serve the bundled sample outlets on 127.0.0.1, ingest their feeds and pages "
                       "into a demo warehouse (default ./data/demo.duckdb), then show a few queries.")
    p.add_argument("--db", metavar="FILE", help="demo warehouse file (default ./data/demo.duckdb)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _die(message: str, code: int = 2) -> int:
    print(f"chipwire: error: {message}", file=sys.stderr)
    return code


def print_rows(cols: list[str], rows: list[tuple], fmt: str, stream=None) -> None:
    """One result in ``fmt`` (flows/output.py), for callers that have columns and rows."""
    from warehouse.query import Result

    from .output import write_results

    write_results([Result(1, "", list(cols), [], list(rows))], fmt, stream=stream)


def _start_prefect(settings: Settings) -> None:
    """Check the taxonomy and the warehouse first (a bad one fails before Prefect starts), then
    set up Prefect's environment: it reads it once, when it is imported."""
    from extractors.taxonomy import load_taxonomy
    from warehouse.db import Warehouse

    load_taxonomy(settings.taxonomy_path)
    Warehouse(settings.db_path, lock_wait=settings.lock_wait).migrate()
    if "prefect" not in sys.modules:
        apply_prefect_environment(settings)


def _run(title: str, flow_call) -> dict:
    from .progress import print_summary

    started = time.monotonic()
    counts = flow_call()
    print_summary(f"chipwire {title} run {counts.get('run_id')}", counts, time.monotonic() - started)
    return counts


def run_ingest(settings: Settings, title: str = "ingest") -> dict:
    """Validate, then run the Prefect flow; returns the run's counts. Raises user-facing errors."""
    from extractors.sources import load_sources

    load_sources(settings.sources_path)  # a bad sources file fails here, before anything else
    _start_prefect(settings)
    from .ingest import ingest_flow

    from .ingest import with_runner

    return _run(title, lambda: with_runner(ingest_flow, settings)(settings))


def _date_arg(value: str):
    from extractors.sitemaps import parse_date_arg

    return parse_date_arg(value)


def cmd_backfill(args) -> int:
    from pathlib import Path

    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    extra = {"task_runner": args.task_runner} if args.task_runner else {}
    settings = build_settings(db=args.db, sources=args.sources, taxonomy=args.taxonomy,
                              progress=not args.no_progress, **extra)
    if (args.since or args.until) and not args.sitemap:
        return _die("--since/--until go with --sitemap")
    if args.since and args.until and args.since > args.until:
        return _die(f"--since {args.since} is after --until {args.until}")
    try:
        if args.dir:
            if not Path(args.dir).is_dir():
                return _die(f"--dir {args.dir}: not a directory")
        elif args.urls:
            from extractors.urllist import parse_url_list

            try:
                parse_url_list(Path(args.urls).read_text(encoding="utf-8"), args.urls)  # fail before Prefect
            except OSError as err:
                return _die(f"--urls {args.urls}: cannot read: {err.strerror or err}")
        elif args.warc:
            missing = [w for w in args.warc if not Path(w).is_file()]
            if missing:
                return _die(f"--warc {missing[0]}: no such file")
        elif args.sitemap:
            from extractors.urls import is_http_url

            if not is_http_url(args.sitemap):
                return _die(f"--sitemap {args.sitemap!r}: not an http(s) URL")
        _start_prefect(settings)
        from . import backfill as bf
        from .ingest import with_runner

        if args.dir:
            call = lambda: with_runner(bf.backfill_dir_flow, settings)(settings, str(args.dir))  # noqa: E731
        elif args.urls:
            call = lambda: with_runner(bf.backfill_urls_flow, settings)(settings, str(args.urls))  # noqa: E731
        elif args.warc:
            call = lambda: with_runner(bf.backfill_warc_flow, settings)(settings, list(args.warc))  # noqa: E731
        else:
            call = lambda: with_runner(bf.backfill_sitemap_flow, settings)(  # noqa: E731
                settings, args.sitemap, args.since, args.until)
        _run("backfill", call)
    except (WarehouseError, ExtractorError) as err:
        return _die(str(err))
    return 0


def cmd_reextract(args) -> int:
    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    settings = build_settings(db=args.db, progress=not args.no_progress)
    if not settings.db_path.exists():
        return _die(f"{settings.db_path}: no warehouse here yet (run `chipwire ingest` first)")
    try:
        _start_prefect(settings)
        from .backfill import reextract_flow
        from .ingest import with_runner

        _run("reextract", lambda: with_runner(reextract_flow, settings)(settings))
    except (WarehouseError, ExtractorError) as err:
        return _die(str(err))
    return 0


def cmd_ingest(args) -> int:
    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    extra = {"task_runner": args.task_runner} if args.task_runner else {}
    if args.lock_wait is not None:
        extra["lock_wait"] = max(0.0, args.lock_wait)
    settings = build_settings(db=args.db, sources=args.sources, taxonomy=args.taxonomy,
                              batch_size=max(1, args.batch_size), workers=max(0, args.workers),
                              progress=not args.no_progress, **extra)
    try:
        run_ingest(settings)
    except (ExtractorError, WarehouseError) as err:
        return _die(str(err))
    return 0


def cmd_demo(args) -> int:
    from .demo.run import run_demo

    return run_demo(db=args.db, progress=not args.no_progress)


def cmd_reclassify(args) -> int:
    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    settings = build_settings(db=args.db, taxonomy=args.taxonomy, progress=not args.no_progress)
    if not settings.db_path.exists():
        return _die(f"{settings.db_path}: no warehouse here yet (run `chipwire ingest` first)")
    try:
        _start_prefect(settings)
        from .backfill import reclassify_flow

        _run("reclassify", lambda: reclassify_flow(settings))
    except (ExtractorError, WarehouseError) as err:
        return _die(str(err))
    return 0


def cmd_serve(args) -> int:
    from extractors.errors import SourcesError
    from extractors.sources import load_sources

    settings = build_settings(db=args.db, sources=args.sources, progress=False)
    try:
        load_sources(settings.sources_path)
    except SourcesError as err:
        return _die(str(err))
    from .serve import serve

    return serve(settings, db=str(settings.db_path), sources=str(settings.sources_path))


def cmd_export(args) -> int:
    from pathlib import Path

    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError

    settings = build_settings(db=args.db)
    try:
        written = Warehouse(settings.db_path, lock_wait=30).export_parquet(Path(args.dir))
    except WarehouseError as err:
        return _die(str(err))
    except OSError as err:
        return _die(f"{args.dir}: cannot write: {err.strerror or err}")
    print(f"wrote {len(written)} Parquet files to {args.dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    handler = {"ingest": cmd_ingest, "query": query_cmd.cmd_query, "demo": cmd_demo, "backfill": cmd_backfill,
               "reextract": cmd_reextract, "reclassify": cmd_reclassify, "serve": cmd_serve,
               "export": cmd_export}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        return _die("interrupted; run the same command again to carry on", 130)


if __name__ == "__main__":
    sys.exit(main())
