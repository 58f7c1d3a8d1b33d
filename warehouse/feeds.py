"""Feeds: each configured feed's cursor (ETag, Last-Modified, next poll) and health counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from .frontier import record_failures, upsert
from .records import Failure
from .staging import TS, dicts, staged, table, utcnow

if TYPE_CHECKING:
    from .staging import Facade

POLL_SCHEMA = pa.schema([
    ("feed_url", pa.string()), ("name", pa.string()), ("title", pa.string()), ("format", pa.string()),
    ("etag", pa.string()), ("last_modified", pa.string()), ("status", pa.int32()), ("error", pa.string()),
    ("bozo", pa.string()), ("ok", pa.bool_()), ("entries", pa.int32()), ("next_poll_at", TS),
])

_SAVE_POLLS = """
    INSERT INTO feeds AS f (feed_url, name, title, format, etag, last_modified, last_polled_at,
        last_success_at, last_status, last_error, bozo, consecutive_errors, error_count,
        poll_count, entries_seen, next_poll_at)
    SELECT feed_url, name, title, format, etag, last_modified, $now,
        CASE WHEN ok THEN $now END, status, error, bozo,
        CASE WHEN ok THEN 0 ELSE 1 END, CASE WHEN ok THEN 0 ELSE 1 END,
        1, entries, next_poll_at
    FROM polls_batch
    ON CONFLICT (feed_url) DO UPDATE SET
        name = excluded.name,
        title = coalesce(excluded.title, f.title),
        format = coalesce(excluded.format, f.format),
        etag = CASE WHEN excluded.last_status = 304 OR NOT excluded.consecutive_errors = 0
                    THEN f.etag ELSE excluded.etag END,
        last_modified = CASE WHEN excluded.last_status = 304 OR NOT excluded.consecutive_errors = 0
                    THEN f.last_modified ELSE excluded.last_modified END,
        last_polled_at = excluded.last_polled_at,
        last_success_at = coalesce(excluded.last_success_at, f.last_success_at),
        last_status = excluded.last_status,
        last_error = excluded.last_error,
        bozo = CASE WHEN excluded.last_status = 304 THEN f.bozo ELSE excluded.bozo END,
        consecutive_errors = CASE WHEN excluded.consecutive_errors = 0 THEN 0
                                  ELSE f.consecutive_errors + 1 END,
        error_count = f.error_count + excluded.error_count,
        poll_count = f.poll_count + 1,
        entries_seen = f.entries_seen + excluded.entries_seen,
        next_poll_at = excluded.next_poll_at
"""


class Feeds:
    def __init__(self, wh: Facade):
        self.wh = wh

    def states(self) -> dict[str, dict]:
        with self.wh.connect() as con:
            rows = dicts(con.execute(
                "SELECT feed_url, etag, last_modified, next_poll_at, consecutive_errors FROM feeds"))
        return {row["feed_url"]: row for row in rows}

    def save_polls(self, polls: list[dict], entries: list[dict], failures: list[Failure] = ()) -> dict[str, int]:
        """Commit feed cursors together with the entries their polls produced.

        ``polls``: one dict per feed polled (feed_url, name, ok, status, etag, last_modified,
        title, format, bozo, error, next_poll_at, entries). ``entries``: frontier rows.
        One transaction: a feed's new ETag never lands without the entries it announced.
        ``failures``: feeds that failed (stage 'feed') and links that cannot be followed.
        """
        now = utcnow()
        with self.wh.transaction() as con:
            new, refetch = upsert(con, entries, now)
            if failures:
                record_failures(con, list(failures), now)
            if polls:
                with staged(con, "polls_batch", table(polls, POLL_SCHEMA)):
                    con.execute("DELETE FROM failures WHERE url IN (SELECT feed_url FROM polls_batch WHERE ok)")
                    con.execute(_SAVE_POLLS, {"now": now})
        return {"entries_new": new, "entries_refetch": refetch}

    def register(self, feeds: list[tuple[str, str | None]]) -> None:
        """Make sure every configured feed has a state row (so feed_health lists it)."""
        if not feeds:
            return
        with self.wh.transaction() as con:
            with staged(con, "feed_list", pa.table({"feed_url": [f[0] for f in feeds], "name": [f[1] for f in feeds]})):
                con.execute(
                    "INSERT INTO feeds (feed_url, name) SELECT feed_url, name FROM feed_list "
                    "ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name"
                )
