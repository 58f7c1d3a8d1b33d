"""The `chipwire` command: a thin layer over the flows, the warehouse and the extractors.

Prefect is imported only by the commands that run a flow, so `query` and `--help` answer at
once. Settings are built here, from the command line and CHIPWIRE_* variables, and passed down.
"""

from __future__ import annotations

import argparse
import sys

from extractors.errors import SourcesError

from . import interrupt, label_cmd, query_cmd, report_cmd, search_cmd
from .launch import die, guarded, run_flow, run_ingest, say
from .settings import Settings, build_settings

EPILOG = """\
environment:
  CHIPWIRE_DB        warehouse file (default ./data/chipwire.duckdb)
  CHIPWIRE_SOURCES   sources file (default: the shipped list of real feeds)
  CHIPWIRE_TAXONOMY  theme taxonomy file (default: the shipped taxonomy)
  CHIPWIRE_MODEL     classifier model file (default: <db>.model.npz from `chipwire train`, else shipped)
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
  chipwire report                      # data/report.html: charts, readable offline
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

    _add_ingest(sub)
    query_cmd.add_parser(sub)
    search_cmd.add_parser(sub)
    report_cmd.add_parser(sub)
    label_cmd.add_parser(sub)  # label, review, train
    _add_backfill(sub)
    _add_reruns(sub)
    _add_unattended(sub)
    _add_tools(sub)
    return parser


def _add_ingest(sub) -> None:
    """``chipwire ingest``."""
    p = sub.add_parser("ingest", help="one scheduled-style run: poll feeds, fetch, extract, load",
                       description="Poll every due feed (conditionally: ETag/Last-Modified), fetch new and "
                       "still-pending pages, extract them and load the warehouse. Exits 0 when the run finished, "
                       "even if single URLs failed (see the failures table).")
    p.add_argument("--sources", metavar="FILE", help="sources file (TOML; default: $CHIPWIRE_SOURCES or the shipped feeds)")
    _add_db(p)
    p.add_argument("--batch-size", type=int, default=200, metavar="N", help="pages per batch (default 200)")
    p.add_argument("--workers", type=int, default=0, metavar="N", help="extraction processes (default: one per core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--now", action="store_true",
                   help="poll every feed now, also those backing off after failures (e.g. after an outage)")
    p.add_argument("--lock-wait", type=float, metavar="SECONDS", default=None,
                   help="how long to wait for another process writing the warehouse (default 60; "
                   "$CHIPWIRE_LOCK_WAIT)")
    _add_runner(p)

    _add_taxonomy(p)


def _add_backfill(sub) -> None:
    """``chipwire backfill``."""
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
    p.add_argument("--source", metavar="NAME", help="with --dir: the outlet the saved files come from (else each "
                   "page's declared site name, its canonical URL's host, or 'file')")
    p.add_argument("--since", metavar="DATE", type=_date_arg, help="with --sitemap: first day, YYYY-MM-DD (inclusive)")
    p.add_argument("--until", metavar="DATE", type=_date_arg, help="with --sitemap: last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--sources", metavar="FILE", help="sources file whose [fetch] politeness to use")
    _add_db(p)
    p.add_argument("--batch-size", type=int, default=200, metavar="N", help="pages per batch (default 200)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    _add_runner(p)
    _add_taxonomy(p)


def _add_reruns(sub) -> None:
    """``reextract`` and ``reclassify``: the stored pages and articles again, offline."""
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


def _add_unattended(sub) -> None:
    """``serve`` and ``server``: running unattended."""
    p = sub.add_parser("serve", help="run the scheduled ingest (and daily maintenance) until stopped",
                       description="Run chipwire unattended: an ingest at start and then every DURATION, maintenance "
                       "daily at 03:15 UTC, reextract and reclassify on demand, until Ctrl-C or SIGTERM. Unless "
                       "PREFECT_API_URL names a server, the local Prefect server of the data directory is used "
                       "(started if none answers; 127.0.0.1 only, with its UI); serve watches it and says in one "
                       "line when it or its scheduler fails.")
    p.add_argument("--every", metavar="DURATION", default="30m",
                   help="how often to ingest: e.g. 15m, 1h, 1h30m (default 30m; at least 1m)")
    p.add_argument("--sources", metavar="FILE", help="sources file for the scheduled ingest")
    p.add_argument("--report", metavar="FILE", help="the HTML report refreshed after each ingest (default: "
                   "report.html beside the warehouse)")
    p.add_argument("--no-report", action="store_true", help="do not refresh a report after each ingest")
    _add_db(p)
    _add_taxonomy(p)

    p = sub.add_parser("server", help="the local Prefect server chipwire commands share: status, start, stop",
                       description="chipwire commands report their runs to a local Prefect server, one per data "
                       "directory, started in the background by the first command that needs it and stopped after "
                       "20 minutes with no chipwire command using it ($CHIPWIRE_SERVER_IDLE; CHIPWIRE_LOCAL_SERVER=0 "
                       "uses a throw-away ephemeral server per command instead). Its UI shows every run.")
    p.add_argument("action", nargs="?", choices=["status", "start", "stop"], default="status",
                   help="status (default): where it is and who uses it; start; stop")
    _add_db(p)


def _add_tools(sub) -> None:
    """``export`` and ``demo``."""
    p = sub.add_parser("export", help="write the warehouse's tables as Parquet files",
                       description="Write every table and view of the warehouse as DIR/<name>.parquet, for tools "
                       "that should not hold the warehouse's lock.")
    p.add_argument("dir", metavar="DIR", help="output folder (created if missing)")
    _add_db(p)

    p = sub.add_parser("demo", help="run the whole pipeline offline on bundled sample sites",
                       description="Serve the bundled sample outlets on 127.0.0.1, ingest their feeds and pages "
                       "into a demo warehouse (default ./data/demo.duckdb), then show a few queries and write its report "
                       "(<db>.demo/report.html, in the demo's own folder; its path is the last line printed).")
    p.add_argument("--db", metavar="FILE", help="demo warehouse file (default ./data/demo.duckdb)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _date_arg(value: str):
    from extractors.sitemaps import parse_date_arg

    return parse_date_arg(value)


def _backfill_problem(args) -> str | None:
    """What is wrong with a backfill's input, in one line, before Prefect starts; or None."""
    from pathlib import Path

    if (args.since or args.until) and not args.sitemap:
        return "--since/--until go with --sitemap"
    if args.source and not args.dir:
        return "--source goes with --dir"
    if args.source is not None and not args.source.strip():
        return "--source: give the outlet's name"
    if args.since and args.until and args.since > args.until:
        return f"--since {args.since} is after --until {args.until}"
    if args.dir:
        from .files import scan_dir

        if not Path(args.dir).is_dir():
            return f"--dir {args.dir}: not a directory"
        if not scan_dir(Path(args.dir)):
            return f"--dir {args.dir}: no .html, .htm or .txt files in it (nothing to backfill)"
    elif args.urls:
        from extractors.urllist import parse_url_list

        try:
            if not parse_url_list(Path(args.urls).read_text(encoding="utf-8"), args.urls):
                return f"--urls {args.urls}: no URLs in it (nothing to backfill)"
        except OSError as err:
            return f"--urls {args.urls}: cannot read: {err.strerror or err}"
    elif args.warc:
        missing = [w for w in args.warc if not Path(w).is_file()]
        if missing:
            return f"--warc {missing[0]}: no such file"
    elif args.sitemap:
        from extractors.urls import is_http_url

        if not is_http_url(args.sitemap):
            return f"--sitemap {args.sitemap!r}: not an http(s) URL"
    return None


def cmd_backfill(args) -> int:
    extra = {"task_runner": args.task_runner} if args.task_runner else {}
    settings = build_settings(db=args.db, sources=args.sources, taxonomy=args.taxonomy,
                              batch_size=max(1, args.batch_size), progress=not args.no_progress, **extra)

    def call():
        from . import backfill as bf
        from .ingest import with_runner

        if args.dir:
            return with_runner(bf.backfill_dir_flow, settings)(settings, str(args.dir), args.source)
        if args.urls:
            return with_runner(bf.backfill_urls_flow, settings)(settings, str(args.urls))
        if args.warc:
            return with_runner(bf.backfill_warc_flow, settings)(settings, list(args.warc))
        return with_runner(bf.backfill_sitemap_flow, settings)(settings, args.sitemap, args.since, args.until)

    def work():
        problem = _backfill_problem(args)  # a bad URL list raises its own one-line error
        if problem:
            raise SourcesError(problem)
        run_flow(settings, "backfill", call)

    return guarded(settings, work)


def _need_warehouse(settings: Settings) -> str | None:
    if not settings.db_path.exists():
        return f"{settings.db_path}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)"
    return None


def cmd_reextract(args) -> int:
    settings = build_settings(db=args.db, progress=not args.no_progress)
    if problem := _need_warehouse(settings):
        return die(problem)

    def call():
        from .backfill import reextract_flow
        from .ingest import with_runner

        return with_runner(reextract_flow, settings)(settings)

    return guarded(settings, lambda: run_flow(settings, "reextract", call))


def cmd_ingest(args) -> int:
    extra = {"task_runner": args.task_runner} if args.task_runner else {}
    if args.lock_wait is not None:
        extra["lock_wait"] = max(0.0, args.lock_wait)
    settings = build_settings(db=args.db, sources=args.sources, taxonomy=args.taxonomy,
                              batch_size=max(1, args.batch_size), workers=max(0, args.workers),
                              progress=not args.no_progress, poll_all=args.now, **extra)
    return guarded(settings, lambda: run_ingest(settings))


def cmd_demo(args) -> int:
    from .demo.run import run_demo

    return run_demo(db=args.db, progress=not args.no_progress)


def cmd_reclassify(args) -> int:
    settings = build_settings(db=args.db, taxonomy=args.taxonomy, progress=not args.no_progress)
    if problem := _need_warehouse(settings):
        return die(problem)

    def call():
        from .backfill import reclassify_flow

        return reclassify_flow(settings)

    return guarded(settings, lambda: run_flow(settings, "reclassify", call))


def cmd_serve(args) -> int:
    from extractors.sources import load_sources
    from extractors.taxonomy import load_taxonomy
    from extractors.errors import ExtractorError

    from .settings import parse_duration

    settings = build_settings(db=args.db, sources=args.sources, taxonomy=args.taxonomy, progress=False)
    try:
        every = parse_duration(args.every)
    except ValueError as err:
        return die(f"--every: {err}")
    if every < 60:
        return die(f"--every {args.every}: at least 1m (Prefect schedules minutes)")
    try:
        sources = load_sources(settings.sources_path)
        load_taxonomy(settings.taxonomy_path)
    except ExtractorError as err:
        return die(str(err))
    if not sources.feeds and not sources.pages:
        return die(f"{settings.sources_path}: no [[feeds]] or [[pages]] to ingest (add some: see docs/sources.md)")
    from .serve import serve

    report = None if args.no_report else str(args.report or settings.db_path.with_name("report.html"))
    return serve(settings, every=every, report=report)


def cmd_server(args) -> int:
    from . import localserver

    settings = build_settings(db=args.db)
    home = settings.prefect_home
    if args.action == "stop":
        stopped = localserver.stop(home)
        print(f"chipwire: {'stopped the' if stopped else 'no'} local Prefect server for {settings.data_dir}")
        return 0
    if args.action == "start":
        info, _ = localserver.apply_prefect_environment(settings, announce=say)
        if info is None:
            return die("PREFECT_API_URL names a server, or CHIPWIRE_LOCAL_SERVER=0: no local server to start")
    info = localserver.running(home)
    if info is None:
        print(f"no local Prefect server for {settings.data_dir} (commands start one when they need it)")
        return 0 if args.action == "status" else 1
    clients = localserver.live_leases(home)
    print(f"local Prefect server for {settings.data_dir}\n  UI:      {info.ui_url}\n  API:     {info.api_url}\n"
          f"  keeper:  pid {info.pid}; stops after {info.idle / 60:.0f} min with no chipwire command using it "
          f"({clients} now)\n  log:     {info.log}\n  use it:  export PREFECT_API_URL={info.api_url}")
    return 0


def cmd_export(args) -> int:
    from pathlib import Path

    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError

    settings = build_settings(db=args.db)
    try:
        written = Warehouse(settings.db_path, lock_wait=30).operations.export_parquet(Path(args.dir))
    except WarehouseError as err:
        return die(str(err))
    except OSError as err:
        return die(f"{args.dir}: cannot write: {err.strerror or err}")
    print(f"wrote {len(written)} Parquet files to {args.dir}")
    return 0


SERVE_STOP_SECONDS = 30  # serve stops in ~8 s; Prefect's runner can swallow a Ctrl-C while it starts


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    handler = {"ingest": cmd_ingest, "query": query_cmd.cmd_query, "demo": cmd_demo, "backfill": cmd_backfill,
               "reextract": cmd_reextract, "reclassify": cmd_reclassify, "serve": cmd_serve,
               "export": cmd_export, "server": cmd_server, "search": search_cmd.cmd_search,
               "report": report_cmd.cmd_report, **label_cmd.HANDLERS}[args.command]
    with interrupt.interruptible(deadline=SERVE_STOP_SECONDS if args.command == "serve" else None):
        try:
            code = handler(args)
        except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM before a run had started
            print(f"chipwire: stopped ({'SIGTERM' if interrupt.exit_code(err) == 143 else 'Ctrl-C'})",
                  file=sys.stderr)
            code = interrupt.exit_code(err)
    if code in (130, 143):
        interrupt.exit_soon(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
