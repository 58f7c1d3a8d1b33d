"""What a run's warehouse steps hold as the *warehouse* grows (issue 17: memory that does not grow).

A scheduled deployment's warehouse grows run after run: a step whose memory or time follows
the warehouse's size, not the run's, breaks any bound sooner or later. This takes a warehouse
a real run wrote, makes copies of it K times larger, and measures each step a run takes on
the warehouse, one step per fresh process, on every size:

    python benchmarks/warehouse_scale.py                       # builds its own: backfill of L3S-GN1's pages
    python benchmarks/warehouse_scale.py --db RUN.duckdb --times 1 --times 10

Copies: ``articles``, ``article_themes``, ``article_signatures``, ``article_bands`` and
``site_lines`` are repeated K times, each repetition's article ids suffixed and its band keys altered (so a copy
never shares an LSH bucket with another: candidates stay those of one warehouse), in load order
(the latest articles are the last repetition's). Steps, on the latest articles as a run would:
- ``sync read``: the search index's read of the 400 latest articles (`SliceReader.listed`);
- ``sync diff``: the comparison of stamps for articles changed in the last minutes;
- ``candidates``: clustering's candidate copies of the 500 latest articles (the band self-join);
- ``pending``: the classify stage's look for articles to classify (with the stored classifier
  version: none are due, as at the end of a run);
- ``site sizes``, ``site keys``, ``site prose``: site cleaning's reads for the largest outlet
  (its size, its articles' keys, its profile's prose lines): these follow the outlet's history
  by design (recurring lines are learnt from it), not the whole warehouse's.
Printed per step and size: what DuckDB holds after it (``duckdb_memory()``), the process's RSS
growth after it and at its peak (VmHWM), and CPU seconds. A step whose figures grow with K holds the warehouse, not the run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = ("sync read", "sync diff", "candidates", "pending", "site sizes", "site keys", "site prose")
TABLES = ("articles", "article_themes", "article_signatures", "article_bands", "site_lines")


def _rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def build_source(tmp: Path) -> Path:
    """A warehouse of L3S-GN1's 621 pages, through `chipwire backfill --dir` (a real run; its
    local Prefect server stopped after it)."""
    import gzip

    corpus = ROOT.parent / "shared" / "corpora" / "l3s-gn1" / "html"
    if not corpus.is_dir():
        sys.exit(f"{corpus}: not found (../shared beside the checkout), or give --db")
    pages = tmp / "pages"
    pages.mkdir()
    for page in sorted(corpus.glob("*.html.gz")):
        (pages / page.name[:-3]).write_bytes(gzip.decompress(page.read_bytes()))
    db = tmp / "source.duckdb"
    cli = [sys.executable, "-m", "flows.cli"]
    try:
        done = subprocess.run(cli + ["backfill", "--dir", str(pages), "--db", str(db)], cwd=ROOT,
                              capture_output=True, text=True)
    finally:
        subprocess.run(cli + ["server", "stop", "--db", str(db)], cwd=ROOT, capture_output=True)
    if done.returncode != 0 or not db.exists():
        sys.exit(f"backfill failed ({done.returncode}): {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return db


def enlarge(source: Path, target: Path, times: int) -> int:
    """``target``: ``source``'s migrated schema with the four tables repeated ``times`` times."""
    import duckdb

    from warehouse.db import Warehouse

    Warehouse(target).migrate()
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH '{source}' AS s (READ_ONLY)")
        for i in range(times):
            suffix = f"'-{i}'" if i < times - 1 else "''"  # the last repetition keeps the real ids
            for table in TABLES:
                cols = [r[0] for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 's' AND table_name = ? "
                    "ORDER BY column_index", [table]).fetchall()]
                age = f"INTERVAL {times - 1 - i} DAY"  # earlier repetitions were loaded earlier
                exprs = [f"article_id || {suffix}" if c == "article_id"
                         else f"xor(key, {i + 1}::UBIGINT * 2654435761)" if (table, c) == ("article_bands", "key") and i < times - 1
                         else f"url || {suffix}" if (table, c) in (("articles", "url"), ("articles", "canonical_url"))
                         else f"{c} - {age}" if (table, c) in (("articles", "updated_at"), ("articles", "classified_at"))
                         else c for c in cols]
                con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM s.{table}")
        con.execute("CHECKPOINT")
        return con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    finally:
        con.close()


def measure(db: Path, step: str) -> dict:
    """One step on ``db`` in this (fresh) process: DuckDB's memory after it, RSS growth, CPU."""
    import pyarrow as pa

    from extractors.sitelearn import MAX_HOLDERS
    from flows.work import bands_of
    from warehouse.clusters import _rows
    from warehouse import search
    from warehouse.db import Warehouse
    from warehouse.search_rows import SliceReader
    from warehouse.staging import held_bytes

    wh = Warehouse(db)
    # keeps the instance (and what the step left in it) open; read-only as the step opens it
    with wh.connect(read_only=step in ("sync read", "sync diff")) as hold:
        latest = [r[0] for r in hold.execute("SELECT article_id FROM articles ORDER BY rowid DESC LIMIT 500").fetchall()]
        since, version = hold.execute("SELECT max(updated_at) - INTERVAL 1 MINUTE, max(classifier_version) "
                                      "FROM articles").fetchall()[0]
        sites = hold.execute("SELECT site FROM articles WHERE site IS NOT NULL GROUP BY site "
                             "ORDER BY count(*) DESC, site LIMIT 1").fetchall()
        if step.startswith("site") and not sites:
            sys.exit("no article of this warehouse has an outlet (site): nothing to measure")
        site = sites[0][0] if sites else None
        if step == "candidates":
            probe = _rows(hold.sql("SELECT article_id, signature FROM article_signatures WHERE "
                                   "list_contains($ids, article_id)", params={"ids": latest}).to_arrow_table())
        rss, peak, cpu = _rss_mb(), _rss_mb("VmHWM"), time.process_time()
        if step == "sync read":
            reader = SliceReader(wh)
            n = sum(len(rows) for rows in reader.listed(latest[:400]))
            reader.close()
        elif step == "sync diff":
            manifest = pa.table({"article_id": pa.array(latest, pa.string()), "stamp": pa.array(["-"] * len(latest))})
            n = len(search._diff(hold.cursor(), manifest, since)[0])
        elif step == "candidates":  # the run computes the new articles' keys from their signatures
            n = len(wh.clusters.candidate_copies([bands_of(r["article_id"], r["signature"]) for r in probe]))
        elif step == "pending":
            n = len(wh.classification.pending(version, 500))  # the run's own classifier: none due
        elif step == "site sizes":
            n = wh.articles.site_sizes([site])[site]
        elif step == "site keys":
            n = len(wh.articles.sites_keys([site]))
        else:
            n = sum(len(pages) for pages in wh.articles.sites_prose([site], MAX_HOLDERS)[0].values())
        cpu = time.process_time() - cpu
        held = held_bytes(hold)
        return {"step": step, "rows": n, "duckdb_mb": held / 2**20, "rss_mb": _rss_mb() - rss,
                "peak_mb": _rss_mb("VmHWM") - peak, "cpu_s": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="a warehouse a run wrote (default: build one from L3S-GN1)")
    ap.add_argument("--times", type=int, action="append", help="sizes, as multiples (repeat; default 1, 10 and 50)")
    ap.add_argument("--measure", nargs=2, metavar=("DB", "STEP"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1])))
        return
    with tempfile.TemporaryDirectory(prefix="chipwire-scale-") as tmp:
        source = args.db or build_source(Path(tmp))
        for times in args.times or [1, 10, 50]:
            target = Path(tmp) / f"x{times}.duckdb"
            articles = enlarge(source, target, times)
            print(f"\n{articles:,} articles ({times} x {source.name})")
            print(f"  {'step':<12} {'rows':>7} {'DuckDB MB':>10} {'RSS +MB':>8} {'peak +MB':>9} {'CPU s':>7}")
            for step in STEPS:
                out = subprocess.run([sys.executable, __file__, "--measure", str(target), step],
                                     capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
                if out.returncode != 0:
                    print(f"  {step:<12} not measured: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"  {step:<12} {r['rows']:>7} {r['duckdb_mb']:>10.1f} {r['rss_mb']:>8.1f} {r['peak_mb']:>9.1f} "
                      f"{r['cpu_s']:>7.2f}")


if __name__ == "__main__":
    main()
