"""The report's SQL: what `chipwire report` reads from the warehouse, and its `reports` row.

Every chart reads one of the ``report_*`` views of migration 009 (an analyst runs the same view
with `chipwire query`), aggregated here in SQL to what the chart draws: a few hundred rows at
most, whatever the warehouse's size. Each ``Dataset`` carries the statement that produced it
with its filters written in as literals (``Dataset.sql``), so the report can print SQL that gives
exactly the rows drawn when pasted into `chipwire query`.

Filters (``Window``): ``since``/``until`` keep the rows whose ``day`` is in the range (both ends
inclusive); ``theme`` keeps the rows of articles in which that theme is present
(``list_contains(themes, $theme)``). Feed health is the feeds' state now: no filter applies.

Reading happens in one read-only connection (one consistent state); the report's own row is
written afterwards in one short transaction, like every other write of the warehouse.
"""

from __future__ import annotations

import re
import textwrap
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .db import Warehouse, utcnow
from .errors import WarehouseError

KINDS = ("company", "chip", "agency", "rule")  # the entities the report charts
TOP_PER_KIND = 10
TOP_ENTITIES = 15
TOP_SOURCES = 25
TOP_STORIES = 12
LATEST_NEW = 12
TOP_FEEDS = 40
TOP_REASONS = 20

_DAY = "%Y-%m-%d"
_MINUTE = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Window:
    """What the report covers: days (inclusive) and one theme, each optional."""

    since: date | None = None
    until: date | None = None
    theme: str | None = None

    def params(self) -> dict:
        return {k: v for k, v in (("since", self.since), ("until", self.until), ("theme", self.theme)) if v is not None}


@dataclass(frozen=True)
class Dataset:
    """The rows one chart or table draws, and the SQL that gave them."""

    key: str
    views: tuple[str, ...]  # the report_ (and other) views it reads
    sql: str  # the statement as run, its parameters written in as literals
    rows: list[dict]


@dataclass(frozen=True)
class Snapshot:
    """Everything the report shows, read in one connection."""

    window: Window
    datasets: dict[str, Dataset]
    summary: dict
    previous: dict | None  # the latest report before this one: report_id, written_at, seen_until
    seen_until: datetime | None  # the latest first_seen_at of any article now
    themes: list[str] = field(default_factory=list)  # every theme id in the warehouse, sorted


def _filters(window: Window, themes: bool = True, day: str = "day") -> list[str]:
    """Constant SQL fragments for the filters that are set (values are parameters)."""
    out = []
    if window.since is not None:
        out.append(f"{day} >= $since")
    if window.until is not None:
        out.append(f"{day} <= $until")
    if themes and window.theme is not None:
        out.append("list_contains(themes, $theme)")
    return out


def _where(parts: list[str]) -> str:
    return ("WHERE " + " AND ".join(parts)) if parts else ""


def literal(value) -> str:
    """``value`` as a DuckDB literal, for SQL shown to people (never for SQL that runs)."""
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def inline(sql: str, params: dict) -> str:
    """``sql`` with its ``$name`` parameters replaced by literals: what an analyst can paste into
    `chipwire query` to get the same rows."""
    return re.sub(r"\$(\w+)", lambda m: literal(params[m.group(1)]) if m.group(1) in params else m.group(0), sql)


_KINDS_SQL = "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"

THEMES_WEEKLY = """
WITH counts AS (
    SELECT week, theme, sum(articles) AS articles FROM report_themes {where} GROUP BY week, theme),
weeks AS (  -- every week from the first to the last, so that a week without articles shows as 0
    SELECT CAST(unnest(generate_series(min(week), max(week), INTERVAL 7 DAY)) AS DATE) AS week FROM counts)
SELECT strftime(week, '%Y-%m-%d') AS week, theme, CAST(coalesce(articles, 0) AS INTEGER) AS articles
FROM weeks CROSS JOIN (SELECT DISTINCT theme FROM counts) LEFT JOIN counts USING (week, theme)
ORDER BY week, theme"""

ENTITIES_TOP = """
SELECT kind, entity, articles, mentions
FROM (SELECT kind, entity, CAST(sum(articles) AS INTEGER) AS articles, CAST(sum(mentions) AS INTEGER) AS mentions,
             row_number() OVER (PARTITION BY kind ORDER BY sum(articles) DESC, sum(mentions) DESC, entity) AS rank
      FROM report_entities {where}
      GROUP BY kind, entity)
WHERE rank <= {top}
ORDER BY kind, rank"""

ENTITIES_WEEKLY = """
WITH top AS (
    SELECT entity, kind FROM report_entities {where}
    GROUP BY entity, kind ORDER BY sum(articles) DESC, sum(mentions) DESC, entity LIMIT {top})
SELECT strftime(week, '%Y-%m-%d') AS week, strftime(week + 7, '%Y-%m-%d') AS week_end, entity, kind,
       CAST(sum(articles) AS INTEGER) AS articles
FROM report_entities JOIN top USING (entity, kind) {where}
GROUP BY week, entity, kind
ORDER BY week, entity"""

SOURCE_THEMES = """
WITH top AS (
    SELECT source FROM report_source_themes {where}
    GROUP BY source ORDER BY sum(articles) DESC, source LIMIT {top})
SELECT source, theme, CAST(sum(articles) AS INTEGER) AS articles
FROM report_source_themes JOIN top USING (source) {where}
GROUP BY source, theme
ORDER BY source, theme"""

_TOP_STORIES = """SELECT cluster_id, title, first_source, first_published, spread_hours, articles, outlets
    FROM report_stories {where}
    ORDER BY outlets DESC, articles DESC, first_published, cluster_id LIMIT {top}"""

STORIES = """
WITH top AS (
    {top_stories})
SELECT cluster_id, title, first_source, strftime(timezone('UTC', first_published), '%Y-%m-%d %H:%M') AS first_published,
       spread_hours, articles, outlets
FROM top
ORDER BY outlets DESC, articles DESC, top.first_published, cluster_id"""

STORY_COPIES = """
WITH top AS (
    {top_stories})
SELECT c.cluster_id, top.title AS story, c.copy_number, c.source, c.title, c.url, c.is_first,
       strftime(timezone('UTC', c.published_at), '%Y-%m-%d %H:%M') AS published_at,
       round(epoch(c.published_at - top.first_published) / 3600.0, 1) AS hours
FROM story_copies c JOIN top USING (cluster_id)
ORDER BY top.outlets DESC, top.articles DESC, top.first_published, c.cluster_id, c.copy_number"""

NEW_BY_THEME = """
SELECT coalesce(primary_theme, '(none)') AS theme, CAST(count(*) AS INTEGER) AS articles,
       CAST(count(*) FILTER (WHERE new_story) AS INTEGER) AS new_stories
FROM report_new_articles {where}
GROUP BY 1
ORDER BY articles DESC, theme"""

NEW_LATEST = """
SELECT strftime(day, '%Y-%m-%d') AS day, source, title, url, primary_theme, new_story
FROM report_new_articles {where}
ORDER BY day DESC, first_seen_at DESC, article_id
LIMIT {top}"""

FEEDS = """
SELECT feed, feed_url, health, polls, failed_polls, polls - failed_polls AS good_polls, consecutive_errors,
       last_status, last_error, strftime(timezone('UTC', last_success_at), '%Y-%m-%d %H:%M') AS last_success,
       articles, relevant_articles
FROM report_feeds
ORDER BY CASE health WHEN 'backing off' THEN 0 WHEN 'failing' THEN 1 ELSE 2 END, failed_polls DESC, feed
LIMIT {top}"""

FAILURES = """
SELECT stage, reason, transient, CAST(sum(urls) AS INTEGER) AS urls, CAST(sum(attempts) AS INTEGER) AS attempts,
       any_value(example) AS example
FROM report_failures {where}
GROUP BY stage, reason, transient
ORDER BY urls DESC, stage, reason
LIMIT {top}"""

SUMMARY = """
SELECT CAST(count(*) AS INTEGER) AS articles,
       CAST(count(*) FILTER (WHERE is_relevant AND {theme}) AS INTEGER) AS relevant,
       CAST(count(DISTINCT source) FILTER (WHERE is_relevant AND {theme}) AS INTEGER) AS sources,
       strftime(min(day) FILTER (WHERE is_relevant AND {theme}), '%Y-%m-%d') AS first_day,
       strftime(max(day) FILTER (WHERE is_relevant AND {theme}), '%Y-%m-%d') AS last_day
FROM report_articles {where}"""

HEALTH = "SELECT health, CAST(count(*) AS INTEGER) AS feeds FROM report_feeds GROUP BY health ORDER BY health"
PREVIOUS = ("SELECT report_id, strftime(timezone('UTC', written_at), '%Y-%m-%d %H:%M UTC') AS written_at, seen_until "
            "FROM reports ORDER BY written_at DESC, report_id LIMIT 1")


def _statements(window: Window) -> dict[str, tuple[tuple[str, ...], str]]:
    """key -> (views read, SQL with $parameters): the report's queries for ``window``."""
    where, dated = _where(_filters(window)), _where(_filters(window, themes=False))
    kinds = _where([_KINDS_SQL, *_filters(window)])
    top_stories = _TOP_STORIES.format(where=_where(["articles > 1", *_filters(window)]), top=TOP_STORIES)
    return {
        "themes_weekly": (("report_themes",), THEMES_WEEKLY.format(where=where)),
        "entities_top": (("report_entities",), ENTITIES_TOP.format(where=kinds, top=TOP_PER_KIND)),
        "entities_weekly": (("report_entities",), ENTITIES_WEEKLY.format(where=kinds, top=TOP_ENTITIES)),
        "source_themes": (("report_source_themes",), SOURCE_THEMES.format(where=where, top=TOP_SOURCES)),
        "stories": (("report_stories",), STORIES.format(top_stories=top_stories)),
        "story_copies": (("report_stories", "story_copies"), STORY_COPIES.format(top_stories=top_stories)),
        "new_by_theme": (("report_new_articles",), NEW_BY_THEME.format(where=where)),
        "new_latest": (("report_new_articles",), NEW_LATEST.format(where=where, top=LATEST_NEW)),
        "feeds": (("report_feeds",), FEEDS.format(top=TOP_FEEDS)),
        "feed_health": (("report_feeds",), HEALTH),
        "failures": (("report_failures",), FAILURES.format(where=dated, top=TOP_REASONS)),
    }


def _rows(con, sql: str, params: dict) -> list[dict]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    cur = con.execute(sql, used)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def read_snapshot(wh: Warehouse, window: Window) -> Snapshot:
    """Read what the report shows, in one read-only connection. The warehouse must exist and be
    migrated (``Warehouse.migrate()``)."""
    params = window.params()
    datasets = {}
    with wh.connect(read_only=True) as con:
        for key, (views, sql) in _statements(window).items():
            sql = textwrap.dedent(sql).strip()
            datasets[key] = Dataset(key, views, inline(sql, params), _rows(con, sql, params))
        theme = "list_contains(themes, $theme)" if window.theme is not None else "true"
        summary_sql = SUMMARY.format(theme=theme, where=_where(_filters(window, themes=False)))
        summary = _rows(con, summary_sql, params)[0]
        previous = _rows(con, PREVIOUS, {})
        seen = con.execute("SELECT max(first_seen_at) FROM articles").fetchall()[0][0]
        themes = [r[0] for r in con.execute("SELECT DISTINCT theme FROM article_themes ORDER BY 1").fetchall()]
    return Snapshot(window, datasets, summary, previous[0] if previous else None, seen, themes)


def record_report(wh: Warehouse, snapshot: Snapshot, out_path: Path, size: int) -> str:
    """Write the report's own `reports` row (one short transaction); returns its id. The next
    report counts as new what was first stored after ``snapshot.seen_until``."""
    report_id = uuid.uuid4().hex[:16]
    new = sum(r["articles"] for r in snapshot.datasets["new_by_theme"].rows)
    with wh.transaction() as con:
        con.execute(
            "INSERT INTO reports (report_id, written_at, seen_until, previous_id, out_path, since, until, theme, "
            "articles, relevant_articles, new_articles, bytes) "
            "VALUES ($id, $now, $seen, $previous, $out, $since, $until, $theme, $articles, $relevant, $new, $bytes)",
            {"id": report_id, "now": utcnow(), "seen": snapshot.seen_until,
             "previous": snapshot.previous["report_id"] if snapshot.previous else None,
             "out": str(out_path), "since": snapshot.window.since, "until": snapshot.window.until,
             "theme": snapshot.window.theme, "articles": snapshot.summary["articles"],
             "relevant": snapshot.summary["relevant"], "new": new, "bytes": size})
    return report_id


def check_ready(wh: Warehouse) -> None:
    """The warehouse exists (the report never creates one) and has the report's views
    (migrating it if needed: a warehouse written by an older chipwire)."""
    if not wh.path.exists():
        raise WarehouseError(f"{wh.path}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)")
    if wh.path.is_dir():
        raise WarehouseError(f"{wh.path}: is a directory, not a DuckDB file")
    wh.migrate()


def known_themes(wh: Warehouse) -> list[str]:
    """The theme ids present in the warehouse (for checking --theme)."""
    with wh.connect(read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT theme FROM article_themes ORDER BY 1").fetchall()]
