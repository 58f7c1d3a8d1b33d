"""Search benchmark: quality (MRR over labelled queries) and cost (index build, a run's update,
memory, query latency) of chipwire's search index on a larger warehouse.

    python benchmarks/search_eval.py build --n 100000 --db /tmp/bench/search.duckdb
    python benchmarks/search_eval.py run --db /tmp/bench/search.duckdb
    python benchmarks/search_eval.py export --db /tmp/bench/search.duckdb --out /tmp/bench/corpus.parquet
    python benchmarks/search_eval.py fts --corpus /tmp/bench/corpus.parquet   # in a venv with duckdb 1.5.x

``build`` assembles the warehouse (benchmarks/search_corpus.py). ``run`` measures, each step in
a fresh child process (so its peak RSS is its own): a full rebuild; a sync with nothing to do; a
run's worth of changes (200 new articles, 200 re-extracted, 200 reclassified: the incremental
sync after loading and the full one after classification, as the flows call them); then MRR and
recall@10 of the labelled queries (search_data/queries.toml, tune and held splits apart) and
query latency (warm, in-process; and cold: a new process that opens the index and searches).
``export`` and ``fts`` measure DuckDB's fts extension on the same corpus and queries, for the
comparison in docs/search.md (fts needs DuckDB 1.5.x, which cannot open the 2.0 warehouse: hence
the Parquet copy). Figures go to docs/search.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
QUERIES = HERE / "search_data" / "queries.toml"
RUN_SIZE = 200  # articles of each kind in "a run's worth"


def queries() -> list[dict]:
    return tomllib.loads(QUERIES.read_text(encoding="utf-8"))["queries"]


def _rss_mb(field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of this process, in MB. Not ru_maxrss:
    Linux carries it over from the parent across exec, so a child would report its parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start VmHWM afresh from the current RSS (Linux: clear_refs 5), to see one step's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def quality(rank_of) -> dict:
    """MRR and recall@10 per split; ``rank_of(query) -> ranked ids``."""
    out: dict = {}
    for split in ("tune", "held", "all"):
        qs = [q for q in queries() if split == "all" or q["split"] == split]
        rr, recall, misses = [], [], []
        for q in qs:
            ranked = rank_of(q["text"])
            relevant = set(q["relevant"])
            first = next((i for i, aid in enumerate(ranked, 1) if aid in relevant), None)
            rr.append(1 / first if first else 0.0)
            recall.append(len(relevant & set(ranked[:10])) / len(relevant))
            if first != 1:
                misses.append((q["text"], first))
        out[split] = {"queries": len(qs), "mrr": round(statistics.mean(rr), 3),
                      "recall_at_10": round(statistics.mean(recall), 3), "not_first": misses}
    return out


# -- child steps: each prints one JSON line -----------------------------------------------------
def _child(step: str, db: str, changes: str | None = None) -> dict:
    if step == "update":
        return _run_update(db, changes)
    sys.path.insert(0, str(ROOT))
    from warehouse.db import Warehouse
    from warehouse.search import SearchIndex

    base = _rss_mb("VmRSS")
    index, wh = SearchIndex(db), Warehouse(db)
    started = time.perf_counter()
    if step == "rebuild":
        report = index.sync(wh, rebuild=True)
    elif step == "full":
        report = index.sync(wh)
    elif step == "cold-query":
        from warehouse.search_query import search

        search(index, queries()[0]["text"], limit=10)
        return {"seconds": round(time.perf_counter() - started, 3), "rss_mb": round(_rss_mb(), 1)}
    else:
        raise SystemExit(f"unknown step {step}")
    return {"seconds": round(time.perf_counter() - started, 3), "indexed": report.indexed, "removed": report.removed,
            "rss_before_mb": round(base, 1), "peak_rss_mb": round(_rss_mb(), 1)}


def _in_child(step: str, db: Path, changes: str | None = None) -> dict:
    extra = ["--changes", changes] if changes else []
    out = subprocess.run([sys.executable, __file__, "_child", step, "--db", str(db)] + extra, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def _a_runs_worth(db: Path, where: Path) -> Path:
    """Write to ``where`` (a pickle) a run's worth of changes: 200 new articles, 200 stored ones
    with a new text (as re-extracted), 200 stored ones to reclassify (new themes)."""
    import pickle

    import duckdb

    sys.path.insert(0, str(ROOT))
    from benchmarks import search_corpus

    stamp = int(time.time())
    found = search_corpus.needles()
    new = list(search_corpus.haystack(found, RUN_SIZE, seed=stamp))
    with duckdb.connect(str(db), read_only=True) as con:  # benchmark bookkeeping: which articles to change
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles WHERE article_id LIKE 'syn-%' "
                                         "ORDER BY hash(article_id || ?) LIMIT ?", [str(stamp), 2 * RUN_SIZE]).fetchall()]
    changed = []
    for a, aid in zip(search_corpus.haystack(found, RUN_SIZE, seed=stamp + 1), ids[:RUN_SIZE]):
        url = f"https://bench.invalid/{aid}"
        changed.append(dict(a, article_id=aid, url=url, canonical_url=url, final_url=url, frontier_url=url))
    where.write_bytes(pickle.dumps({"load": new + changed, "reclassify": ids[RUN_SIZE:]}))
    return where


def _run_update(db: str, changes: str) -> dict:
    """A run's writes and index updates in one process, as the flows do them: load, then the
    incremental sync; reclassify, then the full sync (the warehouse kept open, as in a run)."""
    import pickle

    sys.path.insert(0, str(ROOT))
    from benchmarks import search_corpus
    from warehouse.db import Warehouse
    from warehouse.records import ClassRow, ThemeRow
    from warehouse.search import SearchIndex, last_synced

    work = pickle.loads(Path(changes).read_bytes())
    base = _rss_mb("VmRSS")
    wh, index = Warehouse(db), SearchIndex(db)
    with wh.kept_open():
        search_corpus.load(wh, work["load"])
        _reset_peak()
        before_load = _rss_mb("VmRSS")
        t = time.perf_counter()
        after_load = index.sync(wh, since=last_synced(index))
        t_load = time.perf_counter() - t
        peak_load = _rss_mb() - before_load
        ids = work["reclassify"]
        wh.classification.save([ClassRow(a, 0.95, True, "geopolitics", "bench-2") for a in ids],
                               [ThemeRow(a, "geopolitics", 0.9, None, "bench-2") for a in ids], [], [])
        _reset_peak()
        before_full = _rss_mb("VmRSS")
        t = time.perf_counter()
        after_classify = index.sync(wh)
        t_full = time.perf_counter() - t
        peak_full = _rss_mb() - before_full
    # "added_peak_mb": how far the sync itself raised the process's peak above its RSS before it
    return {"after_load_since_sync": {"seconds": round(t_load, 3), "indexed": after_load.indexed,
                                      "added_peak_mb": round(peak_load, 1)},
            "after_classify_full_sync": {"seconds": round(t_full, 3), "indexed": after_classify.indexed,
                                         "added_peak_mb": round(peak_full, 1)},
            "rss_at_start_mb": round(base, 1)}


def run(db: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from warehouse.search import SearchIndex

    index = SearchIndex(db)
    with __import__("duckdb").connect(str(db), read_only=True) as con:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    out: dict = {"articles": articles}
    out["rebuild"] = _in_child("rebuild", db)
    out["index_mb"] = _dir_mb(index.current())
    out["warehouse_mb"] = round(db.stat().st_size / 2**20, 1)
    out["noop_full_sync"] = _in_child("full", db)
    changes = _a_runs_worth(db, db.with_name(db.name + ".changes.pickle"))
    out["a_runs_worth"] = _in_child("update", db, str(changes))
    out["cold_query"] = _in_child("cold-query", db)
    out.update(_queries(index))
    return out


def _queries(index) -> dict:
    from warehouse.search_query import Searcher

    result = {"plain_bm25_quality": quality(lambda text: [h.article_id for h in Searcher(index, coord=0).search(text)])}
    search = Searcher(index).search
    search("warm up", limit=10)
    timings: list[float] = []

    def rank_of(text: str) -> list[str]:
        best = None
        for _ in range(3):
            t = time.perf_counter()
            hits = search(text, limit=10)
            best = min(best or 1e9, time.perf_counter() - t)
        timings.append(best)
        return [h.article_id for h in hits]

    result["quality"] = quality(rank_of)
    timings.sort()
    result["query_ms"] = {"median": round(1000 * statistics.median(timings), 1),
                          "p90": round(1000 * timings[int(0.9 * (len(timings) - 1))], 1),
                          "max": round(1000 * timings[-1], 1)}
    return result


# -- DuckDB fts, for comparison ------------------------------------------------------------------
def export(db: Path, out: Path) -> None:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        con.table("articles").select("article_id, title, text, language").write_parquet(str(out))


def fts(corpus: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute("INSTALL fts; LOAD fts") if os.environ.get("FTS_INSTALL") else _load_fts(con)
    con.execute("CREATE TABLE corpus AS SELECT * FROM read_parquet(?)", [str(corpus)])
    base = _rss_mb("VmRSS")
    t = time.perf_counter()
    con.execute("PRAGMA create_fts_index('corpus', 'article_id', 'title', 'text', stemmer = 'porter', overwrite = 1)")
    build = time.perf_counter() - t
    timings: list[float] = []

    def rank_of(text: str) -> list[str]:
        t0 = time.perf_counter()
        rows = con.execute("SELECT article_id FROM (SELECT article_id, fts_main_corpus.match_bm25(article_id, ?) AS s "
                           "FROM corpus) WHERE s IS NOT NULL ORDER BY s DESC LIMIT 10", [text]).fetchall()
        timings.append(time.perf_counter() - t0)
        return [r[0] for r in rows]

    result = {"duckdb": duckdb.__version__, "build_seconds": round(build, 1),
              "rss_before_mb": round(base, 1), "peak_rss_mb": round(_rss_mb(), 1), "quality": quality(rank_of)}
    timings.sort()
    result["query_ms"] = {"median": round(1000 * statistics.median(timings), 1), "max": round(1000 * timings[-1], 1)}
    return result


def _load_fts(con) -> None:
    import duckdb_extension_fts  # the registry's wheel of the extension for DuckDB 1.5.5

    path = next(Path(duckdb_extension_fts.__file__).parent.rglob("fts.duckdb_extension"))
    con.execute(f"LOAD '{path}'")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("build", "run", "export", "fts", "_child"))
    ap.add_argument("child_step", nargs="?")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--changes", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.step == "_child":
        print(json.dumps(_child(args.child_step, str(args.db), args.changes)))
        return 0
    if args.step == "build":
        sys.path.insert(0, str(ROOT))
        from benchmarks import search_corpus

        t = time.perf_counter()
        found = search_corpus.build(args.db, args.n)
        print(f"built {args.db}: {args.n} articles ({found} needles) in {time.perf_counter() - t:.0f} s")
        return 0
    if args.step == "export":
        export(args.db, args.out)
        return 0
    result = run(args.db) if args.step == "run" else fts(args.corpus)
    print(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
