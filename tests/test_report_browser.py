"""The report in a real browser: the distribution's Chromium, headless, driven by Playwright (it
never downloads a browser of its own here: the executable is given). The real `chipwire demo`
writes its report, and the page must draw every chart (an SVG with data marks) with no console
error, ask for nothing but its own file, and show a tooltip on hover; a page built from hostile
titles runs none of them. A full-page screenshot is kept in test-artifacts/ (or
$CHIPWIRE_TEST_ARTIFACTS), and its path is printed.

Skipped, with the reason, when no Chromium is installed (.ci/run installs Debian's `chromium`;
elsewhere: your distribution's package, or CHIPWIRE_CHROMIUM=/path/to/chrome).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from flows.report import write_report
from tests.test_report import HOSTILE, NOW, _article, store
from warehouse.db import Warehouse

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = (os.environ.get("CHIPWIRE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
            or shutil.which("google-chrome"))
ARTIFACTS = Path(os.environ.get("CHIPWIRE_TEST_ARTIFACTS") or REPO / "test-artifacts")
# as the machine's notes say: without the background-networking flags Chromium calls home at start
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-extensions", "--disable-default-apps"]
CHARTS = ["new", "themes", "entities", "entities_weekly", "sources", "stories", "feeds", "failures"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("no Chromium installed: `apt-get install chromium` (as .ci/run does), or set "
                    "CHIPWIRE_CHROMIUM=/path/to/chrome, to run the report's browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


class Visit:
    """One page load, with everything the page asked for and complained about."""

    def __init__(self, browser, path: Path):
        self.uri = path.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=True)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.uri)
        # a state, not a delay: the page says so once every chart's promise has settled
        self.page.wait_for_function("document.body.getAttribute('data-charts') === 'drawn'", timeout=60_000)

    def charts(self) -> dict[str, dict]:
        return {c["key"]: c for c in self.page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart]'))
            .map(el => { const svg = el.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : null;
                const room = el.closest('section').getBoundingClientRect();
                return {key: el.dataset.chart, rendered: el.dataset.rendered, width: box ? box.width : 0,
                        height: box ? box.height : 0, fits: box !== null && box.right <= room.right,
                        marks: el.querySelectorAll('svg .role-mark > *').length}; })""")}

    def close(self) -> None:
        self.context.close()


def _keep(page, name: str, request) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    page.screenshot(path=str(shot), full_page=True)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # said in the run's output, not only on failure
        print(f"\nreport screenshot kept: {shot}")
    return shot


@pytest.mark.prefect
def test_the_demo_report_draws_every_chart_offline_with_no_error(browser, cli_env, tmp_path, request):
    db = tmp_path / "demo" / "demo.duckdb"
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "demo", "--db", str(db), "--no-progress"],
                          capture_output=True, text=True, env=cli_env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = Path(proc.stdout.strip().splitlines()[-1])  # the demo's last line: the report's path
    assert report == db.with_name(db.name + ".demo") / "report.html" and report.is_file()

    visit = Visit(browser, report)
    try:
        charts = visit.charts()
        assert list(charts) == CHARTS
        for key, chart in charts.items():
            assert chart["rendered"] == "true", key
            assert chart["width"] > 100 and chart["height"] > 30, (key, chart)
            assert chart["marks"] > 0, (key, chart)  # data marks drawn, not only axes
            assert chart["fits"], (key, chart)  # inside its section, legend included
        assert visit.errors == []
        assert visit.requests == [visit.uri]  # nothing but the file itself
        # interactive: a bar of "failures by reason" shows its numbers on hover
        visit.page.hover("#chart-failures svg .role-mark path")
        visit.page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
        assert "urls" in visit.page.inner_text("#vg-tooltip-element")
        shot = _keep(visit.page, "report-demo.png", request)
        assert shot.stat().st_size > 50_000
    finally:
        visit.close()


def test_hostile_titles_run_nothing_and_reach_nowhere(browser, tmp_path, request):
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.migrate()
    store(wh, [_article("h1", "Alpha", NOW, title=HOSTILE),
               _article("h2", HOSTILE, NOW + timedelta(hours=2), title=HOSTILE, url="http://evil.example/?<b>"),
               _article("h3", "Beta", NOW + timedelta(days=8), title="Quiet")],
          {"h1": (True, ["export_controls"], [(HOSTILE, "company", 2)]),
           "h2": (True, ["export_controls", "geopolitics"], [("Nvidia", "company", 1)]),
           "h3": (True, ["geopolitics"], [])}, {"h1": "h1", "h2": "h1", "h3": "h3"})
    written = write_report(wh, tmp_path / "hostile.html")
    visit = Visit(browser, written.path)
    try:
        assert visit.page.evaluate("typeof window.__pwned") == "undefined"
        assert visit.errors == [] and visit.requests == [visit.uri]
        charts = visit.charts()
        assert set(charts) == {"new", "themes", "entities", "entities_weekly", "sources", "stories"}  # no feeds
        assert all(c["rendered"] == "true" and c["marks"] > 0 and c["fits"] for c in charts.values()), charts
        assert visit.page.locator("img").count() == 0  # the title's <img> is text, not an image
        assert HOSTILE in visit.page.inner_text("#stories table")
        tips = []  # the hostile entity's tooltip shows its name as text, too
        bars = visit.page.locator("#chart-entities svg .role-mark path")
        for i in range(bars.count()):
            bars.nth(i).hover()
            visit.page.wait_for_selector("#vg-tooltip-element.visible")
            tips.append(visit.page.inner_text("#vg-tooltip-element"))
        assert any("window.__pwned" in tip for tip in tips), tips
        assert visit.page.locator("#vg-tooltip-element img, #vg-tooltip-element script").count() == 0
        assert visit.page.evaluate("typeof window.__pwned") == "undefined" and visit.requests == [visit.uri]
        _keep(visit.page, "report-hostile.png", request)
    finally:
        visit.close()
