"""`chipwire report`: one self-contained HTML file with the warehouse's charts.

    write_report(settings_or_db, out=None, window=Window()) -> Written

reads the warehouse (warehouse/report.py: every number comes from a ``report_*`` view,
aggregated in SQL), builds Vega-Lite charts with Altair (flows/report_charts.py), and writes
one HTML file (template ``flows/templates/report.html.j2``, autoescaped by Jinja2) that carries
its own JavaScript: Vega-Embed, Vega-Lite and Vega as bundled offline by vl-convert. The page
asks for nothing over the network (its Content-Security-Policy forbids it), so it opens from
a file, an e-mail attachment or a shared folder in any browser. Why Vega-Lite and not Plotly:
docs/report.md (size and render time measured on a 50,000-article warehouse).

The report writes its own ``reports`` row afterwards (what the next report counts as new).
Nothing here imports Prefect: `chipwire serve` can call ``write_report`` after each ingest.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from markupsafe import Markup

from warehouse.db import Warehouse
from warehouse.report import Snapshot, Window, check_ready, read_snapshot, record_report

from .report_sections import sections, story_rows, table_rows

REPORT_NAME = "report.html"


@dataclass(frozen=True)
class Written:
    """What ``write_report`` wrote."""

    path: Path
    report_id: str
    bytes: int
    seconds: float
    charts: int  # charts drawn (sections with data)


class Runtime:
    """The JavaScript the page carries (Vega-Embed + Vega-Lite + Vega, from vl-convert-python's
    offline bundles), made once per object: bundling takes vl-convert 1.3-1.6 s, so it is kept
    in ``cache_dir`` (named by vl-convert's version; written atomically) for the next report;
    a cached file that is not such a bundle is made again."""

    def __init__(self, cache_dir: Path | None = None, script: str | None = None):
        self.cache_dir = cache_dir
        self._script: str | None = script  # given: the page carries it as it is (a test's stub)

    @staticmethod
    def label() -> str:
        import vl_convert as vlc

        return f"Vega {vlc.get_vega_version()}, Vega-Lite, Vega-Embed {vlc.get_vega_embed_version()}"

    def script(self) -> str:
        if self._script is None:
            self._script = self._cached() or self._bundle()
        return self._script

    def _name(self) -> str:
        from importlib.metadata import version

        return f"vega-embed-vlconvert-{version('vl-convert-python')}.js"

    def _cached(self) -> str | None:
        if self.cache_dir is None:
            return None
        try:
            script = (self.cache_dir / self._name()).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return script if "window.vegaEmbed=" in script and "</script" not in script else None

    def _bundle(self) -> str:
        import vl_convert as vlc

        script = vlc.javascript_bundle().replace("</script", "<\\/script")
        if self.cache_dir is not None:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                tmp = self.cache_dir / f".{self._name()}.{os.getpid()}.tmp"
                tmp.write_text(script, encoding="utf-8")
                tmp.replace(self.cache_dir / self._name())
            except OSError:
                pass  # no cache: the next report bundles again
        return script


def script_json(value) -> Markup:
    """``value`` as JSON that is safe inside a <script> element (no ``</script>``, no comment
    opener, no line separators JavaScript would choke on)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def _template():
    from jinja2 import Environment

    source = (resources.files("flows") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    return Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(source)


def scope_text(window: Window) -> str:
    if window.since and window.until:
        return f"{window.since} to {window.until}"
    if window.since:
        return f"from {window.since}"
    if window.until:
        return f"up to {window.until}"
    return "all dates"


def render_html(snapshot: Snapshot, specs: dict[str, dict | None], runtime_js: str, runtime_label: str,
                db: Path, mode: str = "vega-lite") -> str:
    """The page: ``specs`` (key -> Vega-Lite, or Vega with mode="vega") drawn by ``runtime_js``."""
    parts = sections(snapshot, {k: (script_json(v) if v is not None else None) for k, v in specs.items()})
    new_latest, failing = table_rows(snapshot)
    return _template().render(
        window=snapshot.window, scope=scope_text(snapshot.window), summary=snapshot.summary,
        written=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), db=str(db), sections=parts,
        new_count=sum(r["articles"] for r in snapshot.datasets["new_by_theme"].rows), previous=snapshot.previous,
        new_latest=new_latest, stories=story_rows(snapshot), failing_feeds=failing,
        runtime=runtime_label, runtime_js=Markup(runtime_js), mode=mode,
    )


def default_out(db_path: Path) -> Path:
    """``report.html`` beside the warehouse."""
    return db_path.resolve().parent / REPORT_NAME


def write_report(target, out: Path | str | None = None, window: Window = Window(),
                 runtime: Runtime | None = None) -> Written:
    """Write the report of ``target`` (Settings, a Warehouse, or the warehouse's path) to ``out``
    (default: report.html beside the warehouse) and record it in ``reports``. Raises
    WarehouseError (one line) when the warehouse is missing or unusable; OSError when ``out``
    cannot be written."""
    from .report_charts import build_specs

    started = time.monotonic()
    wh = _warehouse(target)
    out_path = Path(out) if out is not None else default_out(wh.path)
    runtime = runtime or Runtime(wh.path.resolve().parent / "cache")
    check_ready(wh)
    snapshot = read_snapshot(wh, window)
    specs = build_specs(snapshot)
    html = render_html(snapshot, specs, runtime.script(), runtime.label(), wh.path)
    data = html.encode("utf-8")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out_path)  # a browser or a file share never sees half a report
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    report_id = record_report(wh, snapshot, out_path.resolve(), len(data))
    charts = sum(1 for v in specs.values() if v is not None)
    return Written(out_path, report_id, len(data), time.monotonic() - started, charts)


def refresh_report(target, out: Path | str | None = None, say=None) -> Written | None:
    """For `chipwire serve` after each ingest: ``write_report`` with the defaults (all dates,
    report.html beside the warehouse), never raising for a warehouse or file problem (the
    ingest has succeeded; the report waits for the next run). ``say``: where the one-line
    outcome goes (e.g. serve's console), or None."""
    from warehouse.errors import WarehouseError

    try:
        written = write_report(target, out)
    except (WarehouseError, OSError) as err:
        if say is not None:
            say(f"report not refreshed: {err}")
        return None
    if say is not None:
        say(f"report refreshed: {written.path} ({written.charts} charts, {written.seconds:.1f} s)")
    return written


def _warehouse(target) -> Warehouse:
    if isinstance(target, Warehouse):
        return target
    db_path = getattr(target, "db_path", None)
    return Warehouse(db_path if db_path is not None else Path(target), lock_wait=getattr(target, "lock_wait", 60.0))
