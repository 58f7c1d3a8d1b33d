"""The report's charts as Vega-Lite specifications, built with Altair from the rows that
warehouse/report.py aggregated (a few hundred rows a chart at most: the HTML stays small).

One function a chart, each taking the ``Snapshot`` and returning the chart and the rows it draws
(or None when there is nothing to draw: the report then says so in words). The chart reads its
rows from the named dataset ``rows``, filled in after ``to_dict()``: Altair validates and walks
inline values one by one (0.5 s for the 50,000-article benchmark), the spec without them in
milliseconds. Widths are fixed so that a spec renders the same in a browser, a test and an image.
"""

from __future__ import annotations

import altair as alt

from warehouse.report import KINDS, Snapshot

WIDTH = 860
NO_THEME = "(none)"
GOOD, BAD, SOFT = "#4c78a8", "#e45756", "#f2a93b"
LABELS = alt.Axis(labelLimit=300)  # long names and headlines are cut at 300 px, not 180
ROWS = alt.NamedData(name="rows")
HOURS = [0, 1, 3, 6, 12, 24, 48, 96, 168, 336, 720, 1440, 2880, 8760]  # the stories' time ticks

Made = "tuple[alt.TopLevelMixin, list[dict]] | None"


def counts(top: float) -> alt.Axis:
    """An axis of counts: whole numbers only (Vega draws 0.5 ticks for small counts, and its
    tickMinStep has no effect in the bundled version), so small scales list their ticks."""
    top = int(top or 0)
    return alt.Axis(format=",d", values=list(range(0, top + 1))) if top <= 8 else alt.Axis(format=",d")


def theme_scale(snapshot: Snapshot) -> alt.Scale:
    """The same colour for a theme in every chart."""
    return alt.Scale(domain=[*snapshot.themes, NO_THEME], scheme="tableau10")


def themes_weekly(snapshot: Snapshot) -> Made:
    rows = snapshot.datasets["themes_weekly"].rows
    if not rows:
        return None
    pick = alt.selection_point(fields=["theme"], bind="legend")
    chart = alt.Chart(ROWS).mark_line(strokeWidth=1.8).encode(
        x=alt.X("week:T", title="week", scale=alt.Scale(type="utc")),
        y=alt.Y("articles:Q", title="relevant articles", axis=counts(max(r["articles"] for r in rows))),
        color=alt.Color("theme:N", scale=theme_scale(snapshot), title="theme (click to pick)"),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.12)),
        tooltip=[alt.Tooltip("week:N", title="week of"), "theme:N", "articles:Q"],
    ).add_params(pick).properties(width=WIDTH - 200, height=260)
    return chart, rows


def entities_top(snapshot: Snapshot) -> Made:
    rows = snapshot.datasets["entities_top"].rows
    if not rows:
        return None
    chart = alt.Chart(ROWS).mark_bar().encode(
        x=alt.X("articles:Q", title="relevant articles naming it", axis=counts(max(r["articles"] for r in rows))),
        y=alt.Y("entity:N", sort="-x", title=None, axis=LABELS),
        color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=list(KINDS), scheme="set2")),
        tooltip=["entity:N", "kind:N", "articles:Q", alt.Tooltip("mentions:Q", title="mentions in all")],
    ).properties(width=WIDTH // 2 - 190, height=alt.Step(16)).facet(
        facet=alt.Facet("kind:N", title=None, sort=list(KINDS),
                        header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=2,
    ).resolve_scale(y="independent")  # one x scale: kinds compare, and count ticks fit every facet
    return chart, rows


def entities_weekly(snapshot: Snapshot) -> Made:
    rows = snapshot.datasets["entities_weekly"].rows
    if not rows:
        return None
    chart = alt.Chart(ROWS).mark_rect().encode(
        x=alt.X("week:T", title="week", scale=alt.Scale(type="utc")),
        x2="week_end:T",
        y=alt.Y("entity:N", title=None, sort=alt.EncodingSortField("articles", op="sum", order="descending"),
                axis=LABELS),
        color=alt.Color("articles:Q", title="articles", scale=alt.Scale(scheme="blues")),
        tooltip=["entity:N", "kind:N", alt.Tooltip("week:N", title="week of"), "articles:Q"],
    ).properties(width=WIDTH - 340, height=alt.Step(18))
    return chart, rows


def source_themes(snapshot: Snapshot) -> Made:
    rows = snapshot.datasets["source_themes"].rows
    if not rows:
        return None
    top = max(r["articles"] for r in rows)
    base = alt.Chart(ROWS).encode(
        x=alt.X("theme:N", title=None, axis=alt.Axis(orient="top", labelAngle=-30)),
        y=alt.Y("source:N", title=None, sort=alt.EncodingSortField("articles", op="sum", order="descending"),
                axis=LABELS),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("articles:Q", title="articles", scale=alt.Scale(scheme="oranges")),
        tooltip=["source:N", "theme:N", "articles:Q"],
    )
    text = base.mark_text(fontSize=10).encode(
        text="articles:Q",
        color=alt.condition(alt.datum.articles > top / 2, alt.value("white"), alt.value("#333")),
    )
    return (cells + text).properties(width=alt.Step(64), height=alt.Step(20)), rows


def stories(snapshot: Snapshot) -> Made:
    told = snapshot.datasets["stories"].rows
    order = {r["cluster_id"]: i for i, r in enumerate(told)}
    label = {r["cluster_id"]: f"{_short(r['title'], 50)} · {r['first_source']} · {r['outlets']} outlets" for r in told}
    rows = [{"rank": order.get(c["cluster_id"], len(order)), "label": label.get(c["cluster_id"], c["story"]),
             "copy": "first" if c["is_first"] else "copy", "hours": c["hours"], "source": c["source"],
             "title": c["title"], "published_at": c["published_at"]}
            for c in snapshot.datasets["story_copies"].rows if c["hours"] is not None]
    if not rows:
        return None
    hours = "time after the story's first article (h: hours, d: days; symlog scale)"
    top = next((h for h in HOURS if h >= max(r["hours"] for r in rows)), HOURS[-1])
    scale = alt.Scale(type="symlog", domain=[0, top])
    axis = alt.Axis(values=[h for h in HOURS if h <= top],
                    labelExpr="datum.value >= 48 ? round(datum.value / 24) + ' d' : datum.value + ' h'")
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("rank", op="min"), axis=LABELS)
    base = alt.Chart(ROWS)
    spans = base.mark_rule(color="#bbb", strokeWidth=2).encode(
        y=y, x=alt.X("min(hours):Q", scale=scale, axis=axis, title=hours), x2="max(hours):Q")
    points = base.mark_point(filled=True, size=70, opacity=0.85).encode(
        y=y, x=alt.X("hours:Q", title=hours, scale=scale, axis=axis),
        shape=alt.Shape("copy:N", scale=alt.Scale(domain=["first", "copy"], range=["diamond", "circle"]), title=None),
        color=alt.Color("copy:N", scale=alt.Scale(domain=["first", "copy"], range=[BAD, GOOD]), title=None),
        tooltip=[alt.Tooltip("source:N", title="outlet"), "title:N",
                 alt.Tooltip("published_at:N", title="published (UTC)"), alt.Tooltip("hours:Q", title="hours after first")],
    )
    return (spans + points).properties(width=WIDTH - 460, height=alt.Step(24)), rows


def new_by_theme(snapshot: Snapshot) -> Made:
    rows = snapshot.datasets["new_by_theme"].rows
    if not rows:
        return None
    chart = alt.Chart(ROWS).mark_bar().encode(
        x=alt.X("articles:Q", title="new relevant articles (by primary theme)",
                axis=counts(max(r["articles"] for r in rows))),
        y=alt.Y("theme:N", sort="-x", title=None),
        color=alt.Color("theme:N", scale=theme_scale(snapshot), legend=None),
        tooltip=["theme:N", "articles:Q", alt.Tooltip("new_stories:Q", title="of them, new stories")],
    ).properties(width=WIDTH - 260, height=alt.Step(20))
    return chart, rows


def feeds(snapshot: Snapshot) -> Made:
    rows = [{**r, "label": _feed_label(r), "rank": i} for i, r in enumerate(snapshot.datasets["feeds"].rows)]
    if not rows:
        return None
    chart = alt.Chart(ROWS).transform_fold(
        ["good_polls", "failed_polls"], as_=["outcome", "count"],
    ).transform_calculate(
        outcome="datum.outcome == 'good_polls' ? 'answered' : 'failed'",
    ).mark_bar().encode(
        x=alt.X("count:Q", title="polls", stack="zero", axis=counts(max(r["polls"] for r in rows))),
        y=alt.Y("label:N", title=None, sort=alt.EncodingSortField("rank", op="min"), axis=LABELS),
        color=alt.Color("outcome:N", scale=alt.Scale(domain=["answered", "failed"], range=[GOOD, BAD]), title=None),
        tooltip=["feed:N", "health:N", "polls:Q", alt.Tooltip("failed_polls:Q", title="failed polls"),
                 alt.Tooltip("consecutive_errors:Q", title="failed in a row"), "last_error:N",
                 alt.Tooltip("last_success:N", title="last answer (UTC)"), "articles:Q"],
    ).properties(width=WIDTH - 440, height=alt.Step(18))
    return chart, rows


def failures(snapshot: Snapshot) -> Made:
    rows = [{**r, "label": f"{r['stage']}: {r['reason']}", "retried": "retried later" if r["transient"] else "given up"}
            for r in snapshot.datasets["failures"].rows]
    if not rows:
        return None
    chart = alt.Chart(ROWS).mark_bar().encode(
        x=alt.X("urls:Q", title="URLs", axis=counts(max(r["urls"] for r in rows))),
        y=alt.Y("label:N", sort="-x", title=None, axis=LABELS),
        color=alt.Color("retried:N", scale=alt.Scale(domain=["given up", "retried later"], range=[BAD, SOFT]),
                        title=None),
        tooltip=["stage:N", "reason:N", "urls:Q", "attempts:Q", alt.Tooltip("example:N", title="e.g.")],
    ).properties(width=WIDTH - 440, height=alt.Step(20))
    return chart, rows


def _feed_label(row: dict) -> str:
    verdict = "" if row["health"] == "ok" else f" — {row['health']} ({row['consecutive_errors']} in a row)"
    return _short(str(row["feed"]), 40) + verdict


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


CHARTS = {
    "new": new_by_theme,
    "themes": themes_weekly,
    "entities": entities_top,
    "entities_weekly": entities_weekly,
    "sources": source_themes,
    "stories": stories,
    "feeds": feeds,
    "failures": failures,
}


def build_specs(snapshot: Snapshot, validate: bool = True) -> dict[str, dict | None]:
    """key -> Vega-Lite spec (a dict, its rows in ``datasets.rows``), or None when the chart
    has nothing to draw. ``validate``: check each spec against Vega-Lite's schema (milliseconds
    without the rows)."""
    out = {}
    for key, make in CHARTS.items():
        made = make(snapshot)
        if made is None:
            out[key] = None
            continue
        chart, rows = made
        spec = chart.to_dict(validate=validate)
        spec.setdefault("datasets", {})["rows"] = rows
        out[key] = spec
    return out
