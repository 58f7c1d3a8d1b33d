"""The frontier: URLs to fetch, their leases (which run fetches or extracts them) and failures."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa

from .opening import alive
from .records import Failure
from .staging import TS, dicts, records_table, schema_of, staged, table, utcnow

if TYPE_CHECKING:
    from .staging import Facade

EXTRACT_LEASE = timedelta(minutes=15)  # a run's hold on the pages it fetched, until it has extracted them

FRONTIER_SCHEMA = pa.schema([
    ("url", pa.string()), ("link", pa.string()), ("origin", pa.string()), ("feed_url", pa.string()),
    ("trusted_origin", pa.string()), ("entry_id", pa.string()), ("entry_title", pa.string()),
    ("entry_author", pa.string()), ("entry_published_at", TS), ("entry_updated_at", TS),
    ("entry_language", pa.string()), ("source_name", pa.string()),
])
FAIL_SCHEMA = schema_of(Failure)

_COUNT_NEW = (
    "SELECT count(*) FILTER (WHERE f.url IS NULL), "
    "count(*) FILTER (WHERE f.url IS NOT NULL AND f.state IN ('done', 'failed') "
    "  AND b.entry_updated_at > coalesce(f.entry_updated_at, b.entry_updated_at)) "
    "FROM frontier_batch b LEFT JOIN frontier f USING (url)"
)
_UPSERT = """
    INSERT INTO frontier AS f (url, link, origin, feed_url, trusted_origin, entry_id, entry_title,
        entry_author, entry_published_at, entry_updated_at, entry_language, source_name, state, attempts,
        next_attempt_at, discovered_at, updated_at, article_id)
    SELECT b.url, b.link, b.origin, b.feed_url, b.trusted_origin, b.entry_id, b.entry_title,
        b.entry_author, b.entry_published_at, b.entry_updated_at, b.entry_language, b.source_name,
        CASE WHEN u.article_id IS NOT NULL THEN 'done' ELSE 'pending' END, 0,
        $now, $now, $now, u.article_id
    FROM frontier_batch b LEFT JOIN article_urls u ON u.url = b.url
    ON CONFLICT (url) DO UPDATE SET
        state = CASE WHEN f.state IN ('done', 'failed')
                      AND excluded.entry_updated_at > coalesce(f.entry_updated_at, excluded.entry_updated_at)
                     THEN 'pending' ELSE f.state END,
        attempts = CASE WHEN f.state IN ('done', 'failed')
                      AND excluded.entry_updated_at > coalesce(f.entry_updated_at, excluded.entry_updated_at)
                     THEN 0 ELSE f.attempts END,
        entry_updated_at = coalesce(excluded.entry_updated_at, f.entry_updated_at),
        entry_title = coalesce(f.entry_title, excluded.entry_title),
        entry_author = coalesce(f.entry_author, excluded.entry_author),
        entry_published_at = coalesce(f.entry_published_at, excluded.entry_published_at),
        entry_language = coalesce(f.entry_language, excluded.entry_language),
        feed_url = coalesce(f.feed_url, excluded.feed_url),
        source_name = coalesce(excluded.source_name, f.source_name),
        updated_at = $now
"""
_DUE = (
    "SELECT f.url, f.link, f.origin, f.feed_url, f.trusted_origin, f.attempts, r.etag, r.last_modified, "
    "f.entry_title, f.entry_author, f.entry_published_at, f.entry_language, "
    "coalesce(fd.name, fd.title) AS feed_name "
    "FROM frontier f LEFT JOIN raw_pages r USING (url) LEFT JOIN feeds fd ON fd.feed_url = f.feed_url "
    "WHERE f.state = 'pending' AND (f.next_attempt_at IS NULL OR f.next_attempt_at <= $now) "
    "AND regexp_matches(coalesce(f.link, f.url), '^https?://', 'i') "  # saved files: backfill --dir only
    "AND (f.claimed_until IS NULL OR f.claimed_until < $now OR list_contains($dead, f.claimed_by)) "
    "ORDER BY f.discovered_at, f.url"
)
_RECORD_FAILURES = """
    INSERT INTO failures AS x (url, stage, reason, occurred_at, attempts, first_failed_at, transient, feed_url)
    SELECT url, stage, reason, $now, 1, $now, transient, feed_url FROM fail_batch
    ON CONFLICT (url) DO UPDATE SET stage = excluded.stage, reason = excluded.reason,
        occurred_at = excluded.occurred_at, attempts = x.attempts + 1,
        transient = excluded.transient, feed_url = coalesce(x.feed_url, excluded.feed_url)
"""
_FAILED_FRONTIER = """
    UPDATE frontier SET
        attempts = frontier.attempts + 1,
        state = CASE WHEN b.give_up THEN 'failed' ELSE 'pending' END,
        next_attempt_at = b.next_attempt_at,
        claimed_until = NULL,
        last_error = b.stage || ': ' || b.reason,
        updated_at = $now
    FROM fail_batch b WHERE frontier.url = b.url
"""
_REEXTRACTABLE = ("state IN ('done', 'failed') "
                  "AND url IN (SELECT url FROM raw_pages WHERE body_file OR body IS NOT NULL)")
_COUNT_REEXTRACTABLE = "SELECT count(*) FROM frontier WHERE " + _REEXTRACTABLE
_REQUEUE = "UPDATE frontier SET state = 'fetched', updated_at = $now WHERE " + _REEXTRACTABLE


def record_failures(con, failures: list[Failure], now: datetime) -> None:
    """Record ``failures`` in `failures` and move their frontier rows on (due again later, or
    failed), in ``con``'s transaction."""
    rows = {f.url: f for f in failures}
    with staged(con, "fail_batch", records_table(list(rows.values()), FAIL_SCHEMA)):
        con.execute(_RECORD_FAILURES, {"now": now})
        con.execute(_FAILED_FRONTIER, {"now": now})


def upsert(con, entries: list[dict], now: datetime) -> tuple[int, int]:
    """Insert new URLs as pending; re-queue known ones whose entry was updated since.
    URLs already known to lead to an article start as done. Returns (new, re-queued)."""
    if not entries:
        return 0, 0
    dedup: dict[str, dict] = {}
    for e in entries:  # a feed may list the same link twice: keep the freshest
        prev = dedup.get(e["url"])
        if prev is None or (e.get("entry_updated_at") or now) >= (prev.get("entry_updated_at") or now):
            dedup[e["url"]] = e
    with staged(con, "frontier_batch", table(list(dedup.values()), FRONTIER_SCHEMA)):
        before = con.execute(_COUNT_NEW).fetchall()[0]
        con.execute(_UPSERT, {"now": now})
    return int(before[0]), int(before[1])


def _claimers(con, now: datetime) -> list[tuple[str, bool]]:
    """(run id, whether its process lives) of the runs holding unexpired leases (on pages to
    fetch or to extract); a run finished, failed or killed on this host does not live."""
    rows = con.execute(
        "SELECT DISTINCT f.claimed_by, r.status, r.pid, r.host FROM frontier f "
        "LEFT JOIN runs r ON r.run_id = f.claimed_by "
        "WHERE f.state IN ('pending', 'fetched') AND f.claimed_until >= $now", {"now": now}).fetchall()
    here = socket.gethostname()
    return [(run_id, not (status != "running" or (host == here and pid and not alive(pid))))
            for run_id, status, pid, host in rows]


def dead_claimers(con, now: datetime) -> list[str]:
    """Runs holding unexpired leases whose process is gone: their leases are void."""
    return [run_id for run_id, lives in _claimers(con, now) if not lives]


def live_claimers(con, now: datetime) -> list[str]:
    """Runs holding unexpired leases whose process lives."""
    return [run_id for run_id, lives in _claimers(con, now) if lives]


class Frontier:
    def __init__(self, wh: Facade):
        self.wh = wh

    def add(self, entries: list[dict]) -> dict[str, int]:
        now = utcnow()
        with self.wh.transaction() as con:
            new, refetch = upsert(con, entries, now)
        return {"entries_new": new, "entries_refetch": refetch}

    def due(self, limit: int | None = None, claim_for: str | None = None,
            lease: timedelta = timedelta(minutes=15)) -> list[dict]:
        """Frontier rows waiting to be fetched, oldest first.

        With ``claim_for`` (a run id) the rows are leased to that run in the same transaction,
        so an overlapping run does not fetch them too; a lease ends with the fetch's result or
        runs out (a killed run's URLs become due again)."""
        now = utcnow()
        sql = _DUE + (f" LIMIT {int(limit)}" if limit else "")
        with self.wh.transaction() as con:
            rows = dicts(con.execute(sql, {"now": now, "dead": dead_claimers(con, now)}))
            if claim_for and rows:
                with staged(con, "claim_batch", pa.table({"url": [r["url"] for r in rows]})):
                    con.execute("UPDATE frontier SET claimed_by = $run, claimed_until = $until "
                                "WHERE url IN (SELECT url FROM claim_batch)",
                                {"run": claim_for, "until": now + lease})
        return rows

    def extend_claims(self, run_id: str, urls: list[str], until: datetime | None) -> set[str]:
        """Move this run's leases on ``urls`` (still pending and still claimed by ``run_id``) to
        ``until``, or end them (None: due again at once); returns the URLs the run still holds.
        A run renews its leases while it fetches, so an overlapping run never takes them."""
        if not urls:
            return set()
        with self.wh.transaction() as con:
            with staged(con, "renew_batch", pa.table({"url": urls})):
                where = ("WHERE claimed_by = $run AND state = 'pending' "
                         "AND url IN (SELECT url FROM renew_batch)")
                held = con.execute(f"SELECT url FROM frontier {where}", {"run": run_id}).fetchall()
                con.execute(f"UPDATE frontier SET claimed_until = $until {where}", {"run": run_id, "until": until})
        return {u for (u,) in held}

    def states(self, urls: list[str]) -> dict[str, str]:
        if not urls:
            return {}
        with self.wh.connect() as con:
            with staged(con, "url_list", pa.table({"url": urls})):
                rows = con.execute("SELECT f.url, f.state FROM frontier f JOIN url_list USING (url)").fetchall()
        return dict(rows)

    def requeue_extraction(self) -> int:
        """Every stored raw page goes back to 'fetched', to be extracted and cleaned again."""
        with self.wh.transaction() as con:
            n = con.execute(_COUNT_REEXTRACTABLE).fetchall()[0][0]
            con.execute(_REQUEUE, {"now": utcnow()})
        return int(n)

    def count_by_state(self) -> dict[str, int]:
        with self.wh.connect() as con:
            return dict(con.execute("SELECT state, count(*) FROM frontier GROUP BY state").fetchall())
