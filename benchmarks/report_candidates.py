"""Which charting library for `chipwire report`: file size and render time, measured.

    pip install plotly                                          # only the benchmark needs it
    python benchmarks/report_candidates.py                      # builds a 50,000-article warehouse first
    python benchmarks/report_candidates.py --db /tmp/r50k.duckdb --runs 9

Needs Chromium at /usr/bin/chromium (Debian's package) and Playwright (the test extra).

The same page (flows/report.py: the same sections, tables and SQL, read from the same
warehouse with the same aggregated rows) with its eight charts drawn four ways:

- ``vega-lite``: Vega-Lite specs built by Altair, compiled and drawn in the browser by
  Vega-Embed + Vega-Lite + Vega, inlined from vl-convert-python's offline bundle (what ships);
- ``vega``: the same charts compiled to Vega in Python (vl_convert.vegalite_to_vega), drawn by
  the same bundle (vl-convert cannot bundle Vega without Vega-Lite: its `vega` export is null);
- ``plotly``: the same charts as Plotly figures, drawn by plotly.min.js inlined;
- ``static-svg``: the Vega-Lite charts rendered to SVG in Python by vl-convert, no JavaScript
  (no tooltips, no legend picking).

For each: the HTML file's size (and how much of it is the library), the Python time to build the
page (median of --builds), and the render time in headless Chromium (/usr/bin/chromium, driven
by Playwright): milliseconds from navigation start until every chart is drawn, median of --runs
fresh pages, and the JavaScript heap then. Every page is checked: no console error, no request
but the file itself, every chart drawn.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.report import Runtime, render_html, script_json  # noqa: E402
from flows.report_charts import build_specs  # noqa: E402
from warehouse.db import Warehouse  # noqa: E402
from warehouse.report import Window, check_ready, read_snapshot  # noqa: E402

import report_plotly  # noqa: E402  (benchmarks/report_plotly.py)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions"]
RUNTIME = re.compile(r'<script id="runtime">.*?</script>\n<script id="draw">.*?</script>', re.S)
CHART = re.compile(r'<div class="chart" id="chart-(\w+)" data-chart="\w+"></div>\s*<script type="application/json" '
                   r'id="spec-\w+">.*?</script>', re.S)
DONE = '<script>document.body.setAttribute("data-charts-ms", String(Math.round(performance.now()))); ' \
       'document.body.setAttribute("data-charts", "drawn");</script>'


def page_vega_lite(snapshot, specs, runtime: Runtime, db: Path) -> str:
    return render_html(snapshot, specs, runtime.script(), runtime.label(), db)


def page_vega(snapshot, specs, runtime: Runtime, db: Path) -> str:
    import vl_convert as vlc

    compiled = {k: (vlc.vegalite_to_vega(v, vl_version="6.4") if v else None) for k, v in specs.items()}
    return render_html(snapshot, compiled, runtime.script(), runtime.label(), db, mode="vega")


def page_svg(snapshot, specs, runtime: Runtime, db: Path) -> str:
    import vl_convert as vlc

    html = render_html(snapshot, specs, "", "none", db)
    svgs = {k: vlc.vegalite_to_svg(v, vl_version="6.4") for k, v in specs.items() if v}
    html = CHART.sub(lambda m: f'<div class="chart" data-chart="{m.group(1)}" data-rendered="true">'
                     f'{svgs[m.group(1)]}</div>', html)
    return RUNTIME.sub(lambda m: DONE, html)


def page_plotly(snapshot, specs, runtime: Runtime, db: Path) -> str:
    html = render_html(snapshot, specs, "", "none", db)
    figures = report_plotly.figures(snapshot)
    html = CHART.sub(lambda m: f'<div class="chart" id="chart-{m.group(1)}" data-chart="{m.group(1)}"></div>'
                     f'<script type="application/json" id="spec-{m.group(1)}">{script_json(figures[m.group(1)])}'
                     '</script>', html)
    return RUNTIME.sub(lambda m: report_plotly.scripts(), html)


CANDIDATES = {"vega-lite": page_vega_lite, "vega": page_vega, "plotly": page_plotly, "static-svg": page_svg}


def library_bytes(name: str, runtime: Runtime) -> int:
    if name in ("vega-lite", "vega"):
        return len(runtime.script().encode())
    if name == "plotly":
        return len(report_plotly.plotly_js().encode())
    return 0


def render_times(path: Path, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    times, heaps = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for i in range(runs + 1):  # the first load warms the browser's caches: not counted
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                problems: list[str] = []
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("request", lambda r: problems.append(r.url) if r.url != path.as_uri() else None)
                page.goto(path.as_uri())
                page.wait_for_function("document.body.getAttribute('data-charts') === 'drawn'", timeout=60_000)
                drawn = page.evaluate("Array.from(document.querySelectorAll('[data-chart]')).every("
                                      "e => e.querySelector('svg, canvas') !== null)")
                if problems or not drawn:
                    raise SystemExit(f"{path.name}: not clean: drawn={drawn} {problems[:3]}")
                if i:
                    times.append(float(page.get_attribute("body", "data-charts-ms")))
                    heaps.append(page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0"))
                page.close()
        finally:
            browser.close()
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "heap_mb": statistics.median(heaps) / 1e6}


def measure(db: Path, runs: int, builds: int, folder: Path) -> list[dict]:
    wh = Warehouse(db)
    check_ready(wh)
    runtime = Runtime()
    runtime.script()  # bundled once, as the cache does for every report after the first
    results = []
    for name, build in CANDIDATES.items():
        seconds = []
        for _ in range(builds):
            started = time.perf_counter()
            snapshot = read_snapshot(wh, Window())
            html = build(snapshot, build_specs(snapshot), runtime, db)
            seconds.append(time.perf_counter() - started)
        path = folder / f"report-{name}.html"
        path.write_text(html, encoding="utf-8")
        size = path.stat().st_size
        results.append({"candidate": name, "bytes": size, "library_bytes": library_bytes(name, runtime),
                        "build_s": statistics.median(seconds), **render_times(path, runs)})
        print(json.dumps(results[-1]), flush=True)
    return results


def table(results: list[dict]) -> str:
    lines = ["| candidate | HTML | of which library | rest (page, data, specs) | build in Python (median) | "
             "render in Chromium (median, min-max) | JS heap |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['candidate']} | {r['bytes'] / 1e6:.2f} MB | {r['library_bytes'] / 1e6:.2f} MB | "
                     f"{(r['bytes'] - r['library_bytes']) / 1e3:.0f} kB | {r['build_s']:.2f} s | "
                     f"{r['median_ms']:.0f} ms ({r['min_ms']:.0f}-{r['max_ms']:.0f}) | {r['heap_mb']:.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="warehouse to report on (default: a new 50,000-article one)")
    ap.add_argument("--articles", type=int, default=50_000, help="articles of the synthetic warehouse")
    ap.add_argument("--runs", type=int, default=7, help="page loads per candidate (default 7)")
    ap.add_argument("--builds", type=int, default=3, help="Python builds per candidate (default 3)")
    ap.add_argument("--keep", type=Path, help="folder to keep the pages in (default: a temporary one)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="chipwire-report-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = args.db
        if db is None:
            import report_warehouse

            db = Path(tmp) / "report.duckdb"
            print(report_warehouse.build(db, args.articles, seed=16), flush=True)
        print(table(measure(db, args.runs, args.builds, folder)))


if __name__ == "__main__":
    main()
