"""Throughput benchmark: chipwire ingest against the extraction limit and a naive pipeline,
all measured in one run on this machine (machines here are noisy: read the ratios).

    python benchmarks/throughput.py --pages 2000 --feeds 20
    python benchmarks/throughput.py --pages 250 --pages 1000 --pages 4000 --skip-naive   # memory scaling

N realistic pages are built from the real article pages of ../shared/corpora/aeb (each copy
marked so that no two responses are byte-equal), listed by F RSS feeds, served on loopback.
Measured:
- limit: trafilatura.extract over the same pages in one process per core, measured before
  and after chipwire's runs (the machine's speed drifts) and averaged;
- naive: feedparser, then one plain GET after another, trafilatura.extract each, one INSERT
  per article into DuckDB;
- chipwire ingest cold (a real `chipwire ingest` process, every stage on), the no-op rerun,
  and start-up alone (an empty sources file); throughput = pages / (cold - start-up);
- peak RSS of the largest process of the chipwire run (children included).
Politeness used: [fetch] per_host_concurrency = 8, per_host_delay = 0 (all pages on one
loopback host).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from email.utils import formatdate
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

AEB = REPO.parent / "shared" / "corpora" / "aeb" / "html"


def build_pages(n: int) -> list[bytes]:
    sources = sorted(AEB.glob("*.html.gz"))
    if not sources:
        sys.exit(f"no pages at {AEB}: the benchmark needs ../shared/corpora/aeb")
    bodies = [gzip.open(p).read() for p in sources]
    pages = []
    for i in range(n):
        body = bodies[i % len(bodies)]
        marker = f"<!-- chipwire benchmark copy {i} -->".encode()
        pages.append(body.replace(b"</head>", marker + b"</head>", 1) if b"</head>" in body else marker + body)
    return pages


def build_feeds(base: str, n_pages: int, n_feeds: int) -> dict[str, bytes]:
    feeds = {}
    per = (n_pages + n_feeds - 1) // n_feeds
    for f in range(n_feeds):
        items = "".join(
            f"<item><title>Story {i}</title><link>{base}/p/{i}.html</link><guid>{base}/p/{i}.html</guid>"
            f"<pubDate>{formatdate(1_750_000_000 + i * 60, usegmt=True)}</pubDate></item>"
            for i in range(f * per, min(n_pages, (f + 1) * per)))
        feeds[f"/feed/{f}.xml"] = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>'
                                   f"<link>{base}/</link><description>d</description>{items}</channel></rss>").encode()
    return feeds


def serve(pages: list[bytes], n_feeds: int):
    from flows.demo.server import LoopbackSites, Site

    site = Site(prefix="")
    sites = LoopbackSites({"bench": site}).__enter__()
    for i, body in enumerate(pages):
        site.routes[f"/p/{i}.html"] = (lambda b: lambda h: (200, {"Content-Type": "text/html; charset=utf-8",
                                                                  "ETag": f'"{hash(b)}"'}, b))(body)
    for path, body in build_feeds(site.origin, len(pages), n_feeds).items():
        site.routes[path] = (lambda b: lambda h: (
            (304, {"ETag": '"feed"'}, None) if h.headers.get("If-None-Match") == '"feed"'
            else (200, {"Content-Type": "application/rss+xml", "ETag": '"feed"'}, b)))(body)
    site.routes["/robots.txt"] = lambda h: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")
    return sites, site


def _extract(body: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(body) or "")


def measure_limit(pages: list[bytes]) -> float:
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_extract, pages[: workers * 2]))  # warm the workers (imports)
        t = time.perf_counter()
        list(pool.map(_extract, pages, chunksize=8))
        return len(pages) / (time.perf_counter() - t)


def measure_naive(site, n_feeds: int, db: Path) -> float:
    import duckdb
    import feedparser
    import httpx
    import trafilatura

    t = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("create table articles (url varchar primary key, title varchar, text varchar)")
    n = 0
    with httpx.Client(timeout=30) as client:
        for f in range(n_feeds):
            feed = feedparser.parse(client.get(f"{site.origin}/feed/{f}.xml").content)
            for entry in feed.entries:
                html = client.get(entry.link).content
                doc = trafilatura.bare_extraction(html, with_metadata=True)
                con.execute("insert into articles values (?, ?, ?)",
                            [entry.link, doc.title if doc else None, doc.text if doc else None])
                n += 1
    con.close()
    return n / (time.perf_counter() - t)


def run_chipwire(sources: Path, db: Path, env: dict) -> tuple[float, dict]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--no-progress", "--sources", str(sources),
                           "--db", str(db)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"chipwire ingest failed:\n{proc.stderr[-3000:]}")
    # the run summary's last line: wall seconds per stage ("time: fetching pages 12.2 s · ...")
    tail = proc.stdout[proc.stdout.find("time:"):] if "time:" in proc.stdout else ""
    return wall, {"stages": " ".join(tail.replace("time:", "", 1).split())}


def peak_children_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench(n_pages: int, n_feeds: int, skip_naive: bool, skip_limit: bool) -> dict:
    pages = build_pages(n_pages)
    sites, site = serve(pages, n_feeds)
    tmp = Path(tempfile.mkdtemp(prefix="chipwire-bench-"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    out: dict = {"pages": n_pages, "feeds": n_feeds}
    try:
        sources = tmp / "sources.toml"
        feeds = "".join(f'[[feeds]]\nurl = "{site.origin}/feed/{f}.xml"\n' for f in range(n_feeds))
        sources.write_text(f"[fetch]\nper_host_concurrency = 8\nper_host_delay = 0.0\n{feeds}")
        empty = tmp / "empty.toml"
        empty.write_text("[fetch]\nper_host_delay = 0.0\n")
        if not skip_limit:
            out["limit_before_pps"] = measure_limit(pages)
        # start-up first (also warms the OS file cache for the interpreter and packages)
        out["startup_s"] = run_chipwire(empty, tmp / "data" / "startup.duckdb", env)[0]
        out["startup_s"] = min(out["startup_s"], run_chipwire(empty, tmp / "data" / "startup2.duckdb", env)[0])
        rss_before = peak_children_rss_mb()
        out["cold_s"], cold = run_chipwire(sources, tmp / "data" / "chipwire.duckdb", env)
        out["cold_stages"] = cold["stages"]
        out["peak_rss_mb"] = max(peak_children_rss_mb(), rss_before)
        # the no-op rerun, like start-up, is the better of two runs (start-up alone varies by seconds)
        out["noop_s"] = min(run_chipwire(sources, tmp / "data" / "chipwire.duckdb", env)[0] for _ in range(2))
        import duckdb

        con = duckdb.connect(str(tmp / "data" / "chipwire.duckdb"), read_only=True)
        out["articles"] = con.execute("select count(*) from articles").fetchone()[0]
        out["failures"] = con.execute("select count(*) from failures").fetchone()[0]
        con.close()
        out["chipwire_pps"] = n_pages / max(0.001, out["cold_s"] - out["startup_s"])
        if not skip_limit:
            # measured before and after chipwire's runs: this machine's speed drifts within minutes
            out["limit_after_pps"] = measure_limit(pages)
            out["limit_pps"] = (out["limit_before_pps"] + out["limit_after_pps"]) / 2
        if not skip_naive:
            out["naive_pps"] = measure_naive(site, n_feeds, tmp / "naive.duckdb")
    finally:
        sites.__exit__(None, None, None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, action="append", help="N (repeat for a scaling series; default 2000)")
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-limit", action="store_true")
    ap.add_argument("--json", action="store_true", help="print JSON lines only")
    args = ap.parse_args()
    for n in args.pages or [2000]:
        r = bench(n, args.feeds, args.skip_naive, args.skip_limit)
        if args.json:
            print(json.dumps(r))
            continue
        print(f"\nN = {r['pages']} pages behind F = {r['feeds']} feeds ({os.cpu_count()} cores)")
        print(f"  start-up (empty sources)   {r['startup_s']:7.1f} s")
        print(f"  chipwire ingest, cold      {r['cold_s']:7.1f} s   {r['articles']} articles, {r['failures']} failures")
        print(f"    stages (wall, fetching and extracting overlap): {r['cold_stages']}")
        print(f"  chipwire no-op rerun       {r['noop_s']:7.1f} s   (start-up + {r['noop_s'] - r['startup_s']:.1f} s)")
        print(f"  peak RSS, largest process  {r['peak_rss_mb']:7.0f} MB")
        print(f"  chipwire throughput        {r['chipwire_pps']:7.1f} pages/s  (pages / (cold - start-up))")
        if "limit_pps" in r:
            print(f"  extraction limit           {r['limit_pps']:7.1f} pages/s  -> chipwire / limit = "
                  f"{r['chipwire_pps'] / r['limit_pps']:.2f}   (mean of {r['limit_before_pps']:.1f} before "
                  f"and {r['limit_after_pps']:.1f} after chipwire's runs)")
        if "naive_pps" in r:
            print(f"  naive pipeline             {r['naive_pps']:7.1f} pages/s  -> chipwire / naive = "
                  f"{r['chipwire_pps'] / r['naive_pps']:.2f}")


if __name__ == "__main__":
    main()
