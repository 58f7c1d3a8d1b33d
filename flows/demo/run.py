"""`chipwire demo`: the whole pipeline, offline, on the bundled sample outlets.

The outlets are served on 127.0.0.1 (one port each, so each is its own site), a sources file
naming their feeds is written into the demo's own folder beside its warehouse (``<db>.demo/``),
and the real `ingest` flow runs against them. The demo warehouse is rebuilt at each run (the
ports change from run to run, and so would the URLs), but only one the demo made itself: its
folder records a token also stored inside the warehouse, and anything else at that path is
refused. It ends by writing the report into that folder (``<db>.demo/report.html``: a file of
the user's beside the warehouse is never overwritten) and printing its path as the last line.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

FEED_FILES = ("feed.xml", "atom.xml", "index.rdf", "rss.xml", "feed.rss", "feed.atom")

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


class NotTheDemos(Exception):
    """The demo would replace files it did not create."""


def _sidecars(db_path: Path) -> list[Path]:
    """The warehouse file and what lives beside it (log, body store, waiting markers)."""
    return [db_path, *(db_path.with_name(db_path.name + suffix) for suffix in (".wal", ".bodies", ".waiting"))]


def claim(db_path: Path) -> Path:
    """The demo's own folder beside its warehouse (``<db>.demo/``, holding the sources file it
    writes and ``owner.json``), after removing the warehouse a previous demo made there. Raises
    `NotTheDemos` when anything there was not made by `chipwire demo` (a user's warehouse, a
    file that happens to have that name): the demo replaces only what it created itself."""
    from warehouse.demo import demo_token

    own = db_path.with_name(db_path.name + ".demo")
    owner = own / "owner.json"
    present = [p for p in _sidecars(db_path) if p.exists() or p.is_symlink()]
    if own.exists() and not owner.is_file():
        raise NotTheDemos(f"{own} exists and was not made by `chipwire demo`: choose another --db")
    if present:
        made = _read_owner(owner)
        if made is None or str(db_path.resolve()) != made.get("db") or demo_token(db_path) != made.get("token"):
            raise NotTheDemos(f"{db_path} exists and was not made by `chipwire demo`: refusing to replace it "
                              "(choose another --db)")
        for path in present:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    own.mkdir(parents=True, exist_ok=True)
    return own


def _read_owner(owner: Path) -> dict | None:
    try:
        return json.loads(owner.read_text())
    except (OSError, ValueError):
        return None


def _sign(db_path: Path, own: Path) -> None:
    """Mark the new warehouse as the demo's: a random token inside it and in the demo's folder,
    so a file put at that path later (even one reusing the inode) is not taken for it."""
    import secrets

    from warehouse.demo import sign_demo

    token = secrets.token_hex(16)
    sign_demo(db_path, token)
    tmp = own / ".owner.json.tmp"
    tmp.write_text(json.dumps({"made_by": "chipwire demo", "db": str(db_path.resolve()), "token": token}))
    tmp.replace(own / "owner.json")


def run_demo(db: str | None = None, progress: bool = True) -> int:
    from warehouse.db import Warehouse
    from warehouse.demo import EXAMPLE_QUESTIONS

    from ..launch import die, guarded, run_ingest
    from ..output import print_rows
    from ..settings import build_settings
    from .server import LoopbackSites, bundled_sites

    db_path = Path(db or "data/demo.duckdb")
    try:
        own = claim(db_path)
    except NotTheDemos as err:
        return die(str(err))
    _sign(db_path, own)
    Warehouse(db_path).migrate()
    sites = bundled_sites()
    print(f"chipwire demo: serving {len(sites)} sample outlets on 127.0.0.1; warehouse {db_path}", file=sys.stderr)
    started = time.monotonic()
    with LoopbackSites(sites):
        sources = write_demo_sources(sites, own / "sources.toml")
        settings = build_settings(db=str(db_path), sources=str(sources), progress=progress)
        code = guarded(settings, lambda: run_ingest(settings, title="demo"))
    if code:
        return code
    wh = Warehouse(db_path)
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s. Try these (and your own):\n")
    for title, sql in EXAMPLE_QUESTIONS:
        print(f"-- {title}\nchipwire query --db {db_path} \"{sql}\"")
        cols, rows = wh.operations.query(sql)
        print_rows(cols, rows, "table")
        print()
    return _write_report(wh, db_path, own / "report.html")


def _write_report(wh, db_path: Path, out: Path) -> int:
    """The demo ends with its report, in the demo's own folder (not report.html beside the
    warehouse: a file of that name there is not the demo's to overwrite)."""
    from warehouse.errors import WarehouseError

    from ..launch import die
    from ..report import write_report

    try:
        written = write_report(wh, out)
    except WarehouseError as err:
        return die(str(err))
    except OSError as err:
        return die(f"{out}: cannot write the report: {err.strerror or err}")
    print(f"-- The report: {written.charts} charts, opens offline in any browser "
          f"(write it again with: chipwire report --db {db_path} --out {written.path})")
    print(written.path)
    return 0
