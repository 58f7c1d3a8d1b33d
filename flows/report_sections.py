"""What each section of the report says: its title, what its chart counts, and the SQL behind it
(the ``Dataset.sql`` of warehouse/report.py, which gives exactly the rows drawn); and the rows
of the tables beside the charts (links only to http(s) addresses)."""

from __future__ import annotations

from urllib.parse import urlsplit

from warehouse.report import TOP_ENTITIES, TOP_PER_KIND, TOP_SOURCES, TOP_STORIES, Snapshot

WHAT = {"new_latest": "the list", "stories": "the table", "story_copies": "the chart and each story's copies",
        "feeds": "the chart and the table", "feed_health": "the counts above"}


def _new_counts(snapshot: Snapshot) -> str:
    previous = snapshot.previous
    scope = ("in the report's dates and theme, " if snapshot.window.since or snapshot.window.until or snapshot.window.theme
             else "")
    if previous is None:
        return (f"Relevant articles {scope}by primary theme. This is the first report of this warehouse, so every "
                "relevant article counts as new; the next report will show what arrived after this one.")
    return (f"Relevant articles {scope}first stored after the previous report (written {previous['written_at']}), "
            "by primary theme, and the latest of them. A new story is one whose first article is new; "
            "the rest are new copies of older stories.")


def _section(key: str, nav: str, title: str, counts: str, empty: str, queries: list[str], spec, table: str = ""):
    return {"key": key, "nav": nav, "title": title, "counts": counts, "empty": empty, "queries": queries,
            "spec": spec, "table": table}


def sections(snapshot: Snapshot, specs: dict) -> list[dict]:
    """The report's sections in order; ``specs``: key -> chart JSON (None: nothing to draw)."""
    d = snapshot.datasets

    def q(*keys: str) -> list[dict]:
        return [{"views": d[k].views, "sql": d[k].sql, "what": WHAT.get(k, "the chart")} for k in keys]

    return [
        _section("new", "New", "New since the previous report", _new_counts(snapshot),
                 "Nothing new since the previous report." if snapshot.previous else "No relevant article yet.",
                 q("new_by_theme", "new_latest"), specs["new"], "new"),
        _section("themes", "Themes", "Relevant articles per theme per week",
                 "Relevant articles published each week (UTC; weeks start on Monday; an article without a date "
                 "counts on the day it was stored), per theme present: an article with two themes counts under "
                 "both. Click a theme in the legend to pick it out.",
                 "No relevant article with a theme in these dates.", q("themes_weekly"), specs["themes"]),
        _section("entities", "Most named", "Most named companies, chips, agencies and rules",
                 f"Relevant articles that name each entity (canonical names of the gazetteer, any language), "
                 f"the {TOP_PER_KIND} most named of each kind.",
                 "No entity named in relevant articles in these dates.", q("entities_top"), specs["entities"]),
        _section("entities_weekly", "Over time", "How the most named change over time",
                 f"The {TOP_ENTITIES} most named entities of those kinds: relevant articles per week that name each "
                 "(darker: more).", "No entity named in these dates.", q("entities_weekly"), specs["entities_weekly"]),
        _section("sources", "Outlets × themes", "Outlets × themes",
                 f"Relevant articles per outlet and theme present, for the {TOP_SOURCES} outlets with most "
                 "(an article with two themes counts in both columns).",
                 "No relevant article with a theme in these dates.", q("source_themes"), specs["sources"]),
        _section("stories", "Stories", "Biggest stories",
                 f"The stories (up to {TOP_STORIES}) carried by most outlets (copies, rewrites and syndications of one "
                 "story, found by near-duplicate text), first day in these dates. Each mark is an article, placed "
                 "by hours after the story's first one (the diamond); the grey line is how far it spread. "
                 "Open a story below for its copies.",
                 "No story was carried more than once in these dates.", q("stories", "story_copies"),
                 specs["stories"], "stories"),
        _section("feeds", "Feeds", "Feed health", _feeds_counts(snapshot), "No feed polled yet.",
                 q("feeds", "feed_health"), specs["feeds"], "feeds"),
        _section("failures", "Failures", "Failures by reason",
                 "URLs that could not (yet) become articles, whose last attempt falls in these dates, by stage and "
                 "kind of reason: retried later (timeouts, 5xx, 429) or given up (404, robots.txt, not an article).",
                 "No failures in these dates.", q("failures"), specs["failures"]),
    ]


def _feeds_counts(snapshot: Snapshot) -> str:
    health = {r["health"]: r["feeds"] for r in snapshot.datasets["feed_health"].rows}
    parts = [f"{health.get(h, 0)} {h}" for h in ("ok", "failing", "backing off")]
    return ("Each feed's polls, answered or failed, as they stand now (not limited by the report's dates): "
            f"{', '.join(parts)}. Failing: 1-2 failed polls in a row; backing off: 3 or more, polled less often.")


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else None (no javascript: or data: links)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def table_rows(snapshot: Snapshot) -> tuple[list[dict], list[dict]]:
    """The latest new articles, and the feeds that are not ok."""
    new = [{**r, "href": safe_href(r.get("url"))} for r in snapshot.datasets["new_latest"].rows]
    failing = [r for r in snapshot.datasets["feeds"].rows if r["health"] != "ok"]
    return new, failing


def story_rows(snapshot: Snapshot) -> list[dict]:
    """The biggest stories with their copies, earliest first."""
    copies: dict[str, list[dict]] = {}
    for c in snapshot.datasets["story_copies"].rows:
        copies.setdefault(c["cluster_id"], []).append({**c, "href": safe_href(c.get("url"))})
    return [{**s, "copies": copies.get(s["cluster_id"], [])} for s in snapshot.datasets["stories"].rows]
