"""`chipwire demo`: the whole pipeline, offline, on the bundled sample outlets.

The outlets are served on 127.0.0.1 (one port each, so each is its own site), a sources file
naming their feeds is written next to the demo warehouse, and the real `ingest` flow runs
against them in Prefect's ephemeral mode. The demo warehouse is rebuilt at each run (the
ports change from run to run, and so would the URLs). It ends by writing the report
(``demo-report.html`` beside the warehouse) and printing its path as the last line.
"""

from __future__ import annotations

import sys
import time
import shutil
from pathlib import Path

DEMO_REPORT = "demo-report.html"
FEED_FILES = ("feed.xml", "atom.xml", "index.rdf", "rss.xml", "feed.rss", "feed.atom")

EXAMPLES = [
    ("Articles per outlet", "select source, count(*) as articles, min(published_at)::date as first, "
     "max(published_at)::date as last from articles group by source order by articles desc"),
    ("Languages", "select language, count(*) as articles from articles group by 1 order by 2 desc"),
    ("Latest five", "select published_at::date as day, source, left(title, 70) as title "
     "from articles order by published_at desc limit 5"),
    ("Relevant or not (off-topic stories are kept, flagged)", "select is_relevant, count(*) as articles, "
     "round(avg(relevance), 2) as mean_relevance from articles group by 1 order by 1 desc"),
    ("Primary theme per relevant article", "select theme, count(*) as articles from article_primary_theme "
     "group by 1 order by 2 desc"),
    ("Most mentioned chips and rules", "select entity, kind, sum(mentions) as mentions from article_entities "
     "where kind in ('chip', 'rule', 'agency') group by all order by mentions desc limit 8"),
    ("Stories told more than once", "select cluster_id, articles, sources, left(title, 50) as title "
     "from story_clusters where articles > 1"),
    ("What failed, and why", "select stage, reason, count(*) as urls from failures group by all order by urls desc"),
    ("The run", "select flow, status, feeds_polled, pages_fetched, articles_new, "
     "round(epoch(finished_at - started_at), 1) as seconds from runs order by started_at"),
]


def write_demo_sources(sites, path: Path) -> Path:
    lines = [
        "# Written by `chipwire demo`: the bundled sample outlets, served on loopback.",
        "[fetch]",
        "per_host_concurrency = 4",
        "per_host_delay = 0.0",
        "",
    ]
    first_article = None
    for name, site in sites.items():
        feed = next((f for f in FEED_FILES if (site.root / f).is_file()), None)
        if feed is None:
            continue
        lines += ["[[feeds]]", f'url = "{site.url(feed)}"', ""]  # unnamed: the feed's own title names it
        if first_article is None:
            html = sorted(p for p in site.root.rglob("*.html") if p.name != "index.html")
            if html:
                first_article = site.url(str(html[0].relative_to(site.root)))
    if first_article:  # a page listed by hand that a feed also announces: one article, not two
        lines += ["[[pages]]", f'url = "{first_article}"', ""]
        # and two that cannot become articles, so the failures table has something to show:
        # a page the site's robots.txt forbids, and one that is gone
        base = first_article.rsplit("/", 1)[0]
        site = next(iter(sites.values()))
        lines += ["[[pages]]", f'url = "{site.url("private/draft.html")}"', ""]
        lines += ["[[pages]]", f'url = "{base}/this-story-was-removed.html"', ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_demo(db: str | None = None, progress: bool = True) -> int:
    from extractors.errors import SourcesError
    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError

    from ..cli import _die, print_rows, run_ingest
    from ..settings import build_settings
    from .server import LoopbackSites, bundled_sites

    db_path = Path(db or "data/demo.duckdb")
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        if stale.exists():
            stale.unlink()
    shutil.rmtree(db_path.with_name(db_path.name + ".bodies"), ignore_errors=True)  # its raw bodies
    sites = bundled_sites()
    print(f"chipwire demo: serving {len(sites)} sample outlets on 127.0.0.1; warehouse {db_path}", file=sys.stderr)
    print("chipwire demo: starting Prefect's ephemeral server (10-20 s on a small machine) ...", file=sys.stderr)
    started = time.monotonic()
    with LoopbackSites(sites):
        sources = write_demo_sources(sites, db_path.parent / "demo-sources.toml")
        settings = build_settings(db=str(db_path), sources=str(sources), progress=progress)
        try:
            run_ingest(settings, title="demo")
        except (SourcesError, WarehouseError) as err:
            return _die(str(err))
    wh = Warehouse(db_path)
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s. Try these (and your own):\n")
    for title, sql in EXAMPLES:
        print(f"-- {title}\nchipwire query --db {db_path} \"{sql}\"")
        cols, rows = wh.query(sql)
        print_rows(cols, rows, "table")
        print()
    return _write_report(wh, db_path)


def _write_report(wh, db_path: Path) -> int:
    """The demo ends with its report, ``demo-report.html`` beside the demo warehouse (not
    report.html: a real warehouse's report in the same folder is not the demo's to overwrite)."""
    from warehouse.errors import WarehouseError

    from ..cli import _die
    from ..report import write_report

    try:
        written = write_report(wh, db_path.with_name(DEMO_REPORT))
    except WarehouseError as err:
        return _die(str(err))
    except OSError as err:
        return _die(f"{db_path.with_name(DEMO_REPORT)}: cannot write the report: {err.strerror or err}")
    print(f"-- The report: {written.charts} charts, opens offline in any browser "
          f"(write it again with: chipwire report --db {db_path} --out {written.path})")
    print(written.path)
    return 0
