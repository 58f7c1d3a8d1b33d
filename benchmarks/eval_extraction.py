#!/usr/bin/env python3
"""Measure extraction + cleaning on the article-extraction benchmark (AEB) and on the seeds.

    python benchmarks/eval_extraction.py [--corpus ../shared/corpora/aeb] [--seeds ../shared/seeds]
                                         [--jobs 2] [--no-grid] [--json out.json]

AEB metric, as the benchmark's own evaluate.py computes it: the true and the predicted body are
cut into word 4-gram shingles (tokens: ``\\w+``; shingles counted, so a repeated passage counts
twice); per page tp = shared shingles, fp = predicted only, fn = true only, normalised by
tp + fp + fn so that long pages weigh no more than short ones; precision is averaged over the
pages that predicted something, recall over the pages with a true body (an empty prediction
scores recall 0); F1 is the harmonic mean of those two averages.

Rows, all measured in the same run over the same pages:
- trafilatura default: ``trafilatura.extract(html, url=url)``;
- trafilatura favor_precision: the same with ``favor_precision=True``;
- chipwire: ``trafilatura.bare_extraction`` with the options in ``CHIPWIRE_OPTIONS`` (what
  extractors/article.py should pass), then ``strip_furniture(text, title=..., url=...)``;
- the grid (unless --no-grid): other option sets, each raw and + strip_furniture, which is how
  ``CHIPWIRE_OPTIONS`` was chosen;
- for reference, the benchmark's own stored trafilatura output (baseline_outputs/trafilatura.json).

Seeds: raw/*.txt is the prediction's input, read as text (``strip_furniture(raw, title=None)``),
clean/*.txt the truth; per seed F1, and the lines left that are not in clean/ (furniture left)
or lost from it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.aeb_metric import paired_bootstrap, scores, shingle_matching  # noqa: E402  (AEB's metric, shared)
from extractors.furniture import strip_furniture  # noqa: E402

# The options chipwire should pass to trafilatura.bare_extraction (chosen with the grid below).
CHIPWIRE_OPTIONS: dict = {
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
    "fast": True,
    "favor_recall": True,
}
# chipwire's options before this measurement (extract-1)
PREVIOUS_OPTIONS: dict = {"include_comments": False, "include_tables": True, "deduplicate": False}

BARS = {"f1": 0.965, "recall": 0.96, "seed_f1": 0.97}


def _grid() -> dict[str, dict]:
    base = {"include_comments": False, "deduplicate": False}
    grid = {}
    for favor in ("", "favor_precision", "favor_recall"):
        for fast in (False, True):
            for tables in (True, False):
                opts = dict(base, include_tables=tables)
                name = []
                if favor:
                    opts[favor] = True
                    name.append(favor)
                if fast:
                    opts["fast"] = True
                    name.append("fast")
                if not tables:
                    name.append("no_tables")
                grid["+".join(name) or "plain"] = opts
    # deduplicate keeps an LRU cache across the pages a process handles: results depend on the
    # order pages are seen in, which is why chipwire leaves it off; measured here all the same
    grid["deduplicate"] = dict(base, include_tables=True, deduplicate=True)
    return grid


# --- the metric (article-extraction-benchmark's evaluate.py) -----------------------------------

# --- extraction (one page per task, in a process pool) -----------------------------------------


def _page(task: tuple[str, str, str | None, dict[str, dict]]) -> tuple[str, dict[str, dict], float]:
    key, path, url, configs = task
    import trafilatura

    started = time.perf_counter()
    with gzip.open(path, "rt", encoding="utf8") as f:
        html = f.read()
    out: dict[str, dict] = {}
    for name, (kind, opts) in configs.items():
        try:
            if kind == "pipeline":  # exactly what chipwire stores for the page (before site learning)
                from extractors.article import extract_article
                from extractors.errors import ExtractionError

                try:
                    art = extract_article(html.encode("utf-8"), url=url or f"https://example.invalid/{key}")
                    out[name] = {"text": art.text, "title": art.title}
                except ExtractionError:
                    out[name] = {"text": "", "title": None}
            elif kind == "extract":
                out[name] = {"text": trafilatura.extract(html, url=url, **opts), "title": None}
            else:
                doc = trafilatura.bare_extraction(trafilatura.load_html(html), url=url, with_metadata=True, **opts)
                out[name] = {"text": doc.text if doc else None, "title": doc.title if doc else None}
        except Exception as err:  # an extractor crash scores as an empty prediction
            out[name] = {"text": None, "title": None, "error": f"{type(err).__name__}: {err}"}
    return key, out, time.perf_counter() - started


def evaluate_aeb(corpus: Path, jobs: int, grid: bool) -> dict:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf8"))
    configs: dict[str, tuple[str, dict]] = {
        "trafilatura default": ("extract", {}),
        "trafilatura favor_precision": ("extract", {"favor_precision": True}),
        "chipwire": ("bare", CHIPWIRE_OPTIONS),
        "chipwire pipeline (extract_article)": ("pipeline", {}),
        "chipwire before (extract-1 options)": ("bare", PREVIOUS_OPTIONS),
    }
    if grid:
        for name, opts in _grid().items():
            configs[f"grid: {name}"] = ("bare", opts)
    tasks = [(key, str(corpus / "html" / f"{key}.html.gz"), item.get("url"), configs) for key, item in truth.items()]
    outputs: dict[str, dict] = {}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for key, out, _ in pool.map(_page, tasks, chunksize=4):
            outputs[key] = out
    elapsed = time.perf_counter() - started

    rows: dict[str, dict] = {}
    for name, (kind, opts) in configs.items():
        raw = [shingle_matching(truth[k].get("articleBody", ""), outputs[k][name]["text"]) for k in truth]
        row = {"options": opts, "raw": scores(raw)}
        if kind == "bare":
            stripped = [
                shingle_matching(
                    truth[k].get("articleBody", ""),
                    strip_furniture(outputs[k][name]["text"] or "", title=outputs[k][name]["title"], url=truth[k].get("url")).text,
                )
                for k in truth
            ]
            row["stripped"] = scores(stripped)
            row["_pages"] = stripped
        rows[name] = row
    reference = None
    stored = corpus / "baseline_outputs" / "trafilatura.json"
    if stored.is_file():
        data = json.loads(stored.read_text(encoding="utf8"))
        preds = data.get("output", data)
        reference = {
            "version": data.get("version"),
            **scores([shingle_matching(truth[k].get("articleBody", ""), (preds.get(k) or {}).get("articleBody")) for k in truth]),
        }
    errors = sum(1 for o in outputs.values() for v in o.values() if v.get("error"))
    return {"pages": len(truth), "seconds": elapsed, "rows": rows, "reference": reference, "errors": errors}


# --- seeds ---------------------------------------------------------------------------------------


def evaluate_seeds(seeds: Path) -> list[dict]:
    results = []
    for raw_path in sorted((seeds / "raw").glob("*.txt")):
        clean_path = seeds / "clean" / raw_path.name
        if not clean_path.is_file():
            continue
        raw, truth = raw_path.read_text(encoding="utf8"), clean_path.read_text(encoding="utf8")
        result = strip_furniture(raw)
        s = scores([shingle_matching(truth, result.text)])
        truth_lines = {line.strip() for line in truth.splitlines() if line.strip()}
        out_lines = [line for line in result.text.split("\n") if line]
        results.append({
            "seed": raw_path.name,
            **s,
            "left": [line for line in out_lines if line not in truth_lines],
            "lost": [line for line in truth_lines if line not in set(out_lines)],
            "removed": [(r.family, r.line) for r in result.removed],
        })
    return results


# --- report ----------------------------------------------------------------------------------------


def _fmt(s: dict) -> str:
    return f"{s['f1']:.4f}  {s['precision']:.4f}  {s['recall']:.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpora" / "aeb")
    parser.add_argument("--seeds", type=Path, default=REPO.parent / "shared" / "seeds")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-grid", action="store_true", help="only the three main rows")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    import trafilatura

    report: dict = {"trafilatura": trafilatura.__version__}
    ok = True
    if (args.corpus / "ground-truth.json").is_file():
        aeb = evaluate_aeb(args.corpus, args.jobs, grid=not args.no_grid)
        report["aeb"] = aeb
        print(f"AEB: {aeb['pages']} pages, trafilatura {trafilatura.__version__}, {args.jobs} jobs, "
              f"{aeb['seconds']:.0f} s, {aeb['errors']} extractor errors")
        print()
        print(f"{'':46}  {'F1':6}  {'prec':6}  {'recall':6}  |  + strip_furniture")
        for name, row in aeb["rows"].items():
            line = f"{name:46}  {_fmt(row['raw'])}"
            if "stripped" in row:
                line += f"  |  {_fmt(row['stripped'])}"
            print(line)
        if aeb["reference"]:
            ref = aeb["reference"]
            print(f"{'stored baseline_outputs/trafilatura.json':46}  {_fmt(ref)}  (trafilatura {ref['version']}, "
                  "the benchmark's own run: extract(html, include_comments=False))")
        main_row = aeb["rows"]["chipwire"]["stripped"]
        pipe = aeb["rows"]["chipwire pipeline (extract_article)"]["raw"]
        passed = all(r["f1"] >= BARS["f1"] and r["recall"] >= BARS["recall"] for r in (main_row, pipe))
        ok &= passed
        print()
        print(f"chipwire = bare_extraction({', '.join(f'{k}={v}' for k, v in CHIPWIRE_OPTIONS.items())}) + strip_furniture: "
              f"F1 {main_row['f1']:.4f}, recall {main_row['recall']:.4f}; the pipeline itself (extract_article, "
              f"what is stored): F1 {pipe['f1']:.4f}, recall {pipe['recall']:.4f} "
              f"(bars: F1 >= {BARS['f1']}, recall >= {BARS['recall']}): {'PASS' if passed else 'FAIL'}")
        rows = aeb["rows"]
        for other in ("chipwire before (extract-1 options)", "grid: favor_precision"):
            if other in rows:
                mean, ci = paired_bootstrap(rows["chipwire"]["_pages"], rows[other]["_pages"])
                print(f"  F1 chipwire - {other} (both + strip_furniture): {mean:+.4f} ± {ci:.4f} (paired bootstrap, 95%)")
        grid_rows = {n: r for n, r in aeb["rows"].items() if n.startswith("grid: ") and "stripped" in r}
        if grid_rows:
            best = max(grid_rows, key=lambda n: grid_rows[n]["stripped"]["f1"])
            print(f"best grid row + strip_furniture: {best[6:]} (F1 {grid_rows[best]['stripped']['f1']:.4f})")
    else:
        print(f"no AEB corpus at {args.corpus}: skipped")

    if (args.seeds / "raw").is_dir():
        seeds = evaluate_seeds(args.seeds)
        report["seeds"] = seeds
        print()
        print("Seeds: strip_furniture(raw, title=None) vs clean/")
        for s in seeds:
            passed = s["f1"] >= BARS["seed_f1"] and not s["left"]
            ok &= passed
            print(f"  {s['seed']:28}  F1 {s['f1']:.4f}  prec {s['precision']:.4f}  recall {s['recall']:.4f}  "
                  f"removed {len(s['removed']):2}  left {len(s['left'])}  lost {len(s['lost'])}  {'PASS' if passed else 'FAIL'}")
            for line in s["left"]:
                print(f"      furniture left: {line[:100]}")
            for line in s["lost"]:
                print(f"      body lost: {line[:100]}")
    else:
        print(f"no seeds at {args.seeds}: skipped")

    if args.json:
        for row in report.get("aeb", {}).get("rows", {}).values():
            row.pop("_pages", None)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
