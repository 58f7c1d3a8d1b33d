"""The report's eight charts as Plotly figures, for benchmarks/report_candidates.py only (the
report ships with Vega-Lite: docs/report.md). Same rows, same encodings as flows/report_charts.py,
as near as Plotly draws them."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from warehouse.report import KINDS

PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d"]


def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def scripts() -> str:
    draw = """<script id="draw">
(function () {
  var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
  var pending = charts.length;
  charts.forEach(function (el) {
    var fig = JSON.parse(document.getElementById("spec-" + el.getAttribute("data-chart")).textContent);
    Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: false})
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) { console.error(String(err)); })
      .then(function () { if (--pending === 0) {
        document.body.setAttribute("data-charts-ms", String(Math.round(performance.now())));
        document.body.setAttribute("data-charts", "drawn"); } });
  });
})();
</script>"""
    js = plotly_js().replace("</script", "<\\/script")
    return f'<script id="runtime">{js}</script>\n{draw}'


def _colors(themes: list[str]) -> dict[str, str]:
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate([*themes, "(none)"])}


def _layout(fig: go.Figure, height: int) -> dict:
    fig.update_layout(width=860, height=height, margin={"l": 240, "r": 20, "t": 30, "b": 40}, template="plotly_white")
    return fig.to_plotly_json()


def _themes(s) -> dict:
    rows, colors = s.datasets["themes_weekly"].rows, _colors(s.themes)
    fig = go.Figure()
    for theme in sorted({r["theme"] for r in rows}):
        pts = [r for r in rows if r["theme"] == theme]
        fig.add_trace(go.Scatter(x=[r["week"] for r in pts], y=[r["articles"] for r in pts], name=theme,
                                 mode="lines", line={"color": colors.get(theme)}))
    return _layout(fig, 320)


def _entities(s) -> dict:
    rows = s.datasets["entities_top"].rows
    fig = make_subplots(rows=2, cols=2, subplot_titles=KINDS, horizontal_spacing=0.3)
    for i, kind in enumerate(KINDS):
        pts = [r for r in rows if r["kind"] == kind][::-1]
        fig.add_trace(go.Bar(x=[r["articles"] for r in pts], y=[r["entity"] for r in pts], orientation="h",
                             name=kind, marker_color=PALETTE[i]), row=i // 2 + 1, col=i % 2 + 1)
    return _layout(fig, 480)


def _heatmap(rows, x: str, y: str, text: bool, height: int) -> dict:
    xs, ys = sorted({r[x] for r in rows}), []
    totals: dict[str, int] = {}
    for r in rows:
        totals[r[y]] = totals.get(r[y], 0) + r["articles"]
    ys = sorted(totals, key=lambda k: totals[k])
    cell = {(r[x], r[y]): r["articles"] for r in rows}
    z = [[cell.get((a, b)) for a in xs] for b in ys]
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=z, colorscale="Blues", texttemplate="%{z}" if text else None))
    return _layout(fig, height)


def _stories(s) -> dict:
    rows = s.datasets["story_copies"].rows
    fig = go.Figure()
    for first in (True, False):
        pts = [r for r in rows if r["is_first"] == first and r["hours"] is not None]
        fig.add_trace(go.Scatter(x=[r["hours"] for r in pts], y=[r["story"][:50] for r in pts], mode="markers",
                                 name="first" if first else "copy", text=[r["source"] for r in pts],
                                 marker={"symbol": "diamond" if first else "circle", "size": 9}))
    return _layout(fig, 420)


def _bars(rows, x: str, y: str, color: str | None, height: int) -> dict:
    fig = go.Figure()
    groups = sorted({r[color] for r in rows}) if color else [None]
    for i, g in enumerate(groups):
        pts = [r for r in rows if color is None or r[color] == g]
        fig.add_trace(go.Bar(x=[r[x] for r in pts], y=[r[y] for r in pts], orientation="h", name=str(g),
                             marker_color=PALETTE[i]))
    fig.update_layout(barmode="stack")
    return _layout(fig, height)


def figures(s) -> dict[str, dict]:
    feeds = [{**r, "outcome": o, "count": r[k]} for r in s.datasets["feeds"].rows
             for o, k in (("answered", "good_polls"), ("failed", "failed_polls"))]
    failures = [{**r, "label": f"{r['stage']}: {r['reason']}", "kept": "retried" if r["transient"] else "given up"}
                for r in s.datasets["failures"].rows]
    return {
        "new": _bars(s.datasets["new_by_theme"].rows, "articles", "theme", None, 260),
        "themes": _themes(s),
        "entities": _entities(s),
        "entities_weekly": _heatmap(s.datasets["entities_weekly"].rows, "week", "entity", False, 380),
        "sources": _heatmap(s.datasets["source_themes"].rows, "theme", "source", True, 620),
        "stories": _stories(s),
        "feeds": _bars(feeds, "count", "feed", "outcome", 760),
        "failures": _bars(failures, "urls", "label", "kept", 320),
    }
