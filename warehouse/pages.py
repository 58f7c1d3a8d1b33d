"""Raw pages: each response's facts in `raw_pages`, its body in the body store beside the file."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import pyarrow as pa

from .bodies import BodyStore
from .frontier import EXTRACT_LEASE, live_claimers, record_failures
from .records import Failure, PackedBody, StoredPage, WaitingPage
from .staging import dicts, records_table, schema_of, staged, utcnow

if TYPE_CHECKING:
    from .staging import Facade

_FACTS, _BODY = schema_of(StoredPage), schema_of(PackedBody)
RAW_SCHEMA = pa.schema(list(_FACTS) + list(_BODY))  # a raw page's facts, then its body's

_STORE = (
    "INSERT OR REPLACE INTO raw_pages (url, final_url, status, content_type, etag, last_modified, "
    "fetched_at, body_size, sha256, body, body_file) SELECT url, final_url, status, content_type, "
    "etag, last_modified, fetched_at, body_size, sha256, NULL, true FROM pages_batch"
)
# the run that fetched a page keeps its lease while it extracts it (the page reaches its
# extraction in memory): another run does not take it meanwhile
_FETCHED = (
    "UPDATE frontier SET state = 'fetched', attempts = attempts + 1, last_error = NULL, "
    "claimed_until = CASE WHEN claimed_by IS NOT NULL THEN $until END, updated_at = $now "
    "WHERE url IN (SELECT url FROM pages_batch)"
)
_UNCHANGED = (
    "UPDATE frontier SET state = 'done', attempts = attempts + 1, last_error = NULL, "
    "updated_at = $now WHERE url IN (SELECT url FROM unchanged_batch)"
)
_WAITING = """
    SELECT r.url, r.final_url, r.content_type, r.fetched_at, f.link, f.feed_url,
           f.entry_title, f.entry_author, f.entry_published_at, f.entry_language,
           coalesce(fd.name, fd.title) AS feed_name, f.origin, f.source_name
    FROM raw_pages r JOIN frontier f USING (url) LEFT JOIN feeds fd ON fd.feed_url = f.feed_url
    WHERE list_contains($states::VARCHAR[], f.state) AND r.url > $after AND (r.body_file OR r.body IS NOT NULL)
      AND r.url NOT IN (SELECT unnest($exclude::VARCHAR[]))
      AND NOT (f.claimed_until >= $now AND list_contains($others::VARCHAR[], f.claimed_by))
    ORDER BY r.url LIMIT {limit}
"""


def _raw_table(pages: list[StoredPage]) -> pa.Table:
    """The pages' facts and their bodies' (size, sha256) as one staged table."""
    facts = records_table(pages, _FACTS)
    none = PackedBody(None, None)
    bodies = records_table([p.body or none for p in pages], _BODY)
    return pa.Table.from_arrays(facts.columns + bodies.columns, schema=RAW_SCHEMA)


class Pages:
    def __init__(self, wh: Facade):
        self.wh = wh
        self.bodies = BodyStore.beside(wh.path)  # raw bodies: files beside the DuckDB file

    def save_fetches(self, pages: list[StoredPage], failures: list[Failure]) -> None:
        """Store fetched raw pages (frontier -> fetched) and fetch failures, in one transaction;
        a page that is ``not_modified`` (a 304) marks its URL done. Each body goes to the body
        store first (a committed row finds its file), under the sha256 it was packed with."""
        now = utcnow()
        stored = [p for p in pages if not p.not_modified]
        unchanged = [p.url for p in pages if p.not_modified]
        for page in stored:
            if page.body is not None:
                self.bodies.put(page.body.sha256, page.body.data)
        with self.wh.transaction() as con:
            if stored:
                with staged(con, "pages_batch", _raw_table(stored)):
                    con.execute(_STORE)
                    con.execute(_FETCHED, {"now": now, "until": now + EXTRACT_LEASE})
            if unchanged:
                with staged(con, "unchanged_batch", pa.table({"url": unchanged})):
                    con.execute(_UNCHANGED, {"now": now})
                    con.execute("DELETE FROM failures WHERE url IN (SELECT url FROM unchanged_batch)")
            if failures:
                record_failures(con, failures, now)

    def fetched(self, limit: int, states: tuple[str, ...] = ("fetched",), after: str = "",
                exclude: Collection[str] = (), at_least: int = 0, run_id: str | None = None) -> list[WaitingPage]:
        """Up to ``limit`` raw pages waiting for extraction (or, for reextract, all stored ones),
        ordered by URL, after ``after``, leaving out ``exclude`` (pages already in extraction)
        and pages another live run fetched and is extracting (``run_id``: the caller's run);
        none (and no body read) when fewer than ``at_least`` wait.

        Two steps, so the cost follows the batch and not the warehouse: the rows are chosen
        without their bodies (a scan of the URL columns), then each body is read from the
        body store (or, for a row stored before it, by a point lookup on the primary key)."""
        now = utcnow()
        with self.wh.connect() as con:
            others = [c for c in live_claimers(con, now) if c != run_id]
            rows = dicts(con.execute(_WAITING.format(limit=int(limit)), {
                "after": after, "exclude": sorted(exclude), "states": list(states), "now": now, "others": others}))
            if len(rows) < at_least:
                return []
            bodies = self._bodies(con, [r["url"] for r in rows])
        # a page whose body has gone from the body store comes with body None: the caller
        # records it (forget_missing_bodies), so it never blocks the pages after it
        return [WaitingPage(**r, body=bodies.get(r["url"])) for r in rows]

    def raw_bodies(self, urls: list[str]) -> dict[str, bytes]:
        """url -> stored (compressed) body, for those of ``urls`` that have one."""
        if not urls:
            return {}
        with self.wh.connect() as con:
            return self._bodies(con, urls)

    def _bodies(self, con, urls: list[str]) -> dict[str, bytes]:
        with staged(con, "body_urls", pa.table({"url": urls})):
            where = con.execute("SELECT url, sha256, body_file FROM raw_pages JOIN body_urls USING (url)").fetchall()
        out = {}
        for url, sha256, in_store in where:
            if in_store:
                body = self.bodies.get(sha256)
            else:  # stored inline before the body store: a point lookup (a join would read every body)
                found = con.execute("SELECT body FROM raw_pages WHERE url = ?", [url]).fetchall()
                body = found[0][0] if found else None
            if body is not None:
                out[url] = body
        return out

    def forget_missing_bodies(self, urls: list[str]) -> int:
        """Pages whose stored body has gone (deleted from the body store): each is recorded in
        `failures` and queued to be fetched again (a saved file: stored again by the next
        `backfill --dir`), instead of waiting for extraction for ever. Returns how many."""
        if not urls:
            return 0
        now = utcnow()
        reason = f"raw body missing from the body store ({self.bodies.root}); queued to be fetched again"
        failures = [Failure(u, "extract", reason, transient=True, give_up=False, next_attempt_at=now) for u in urls]
        with self.wh.transaction() as con:
            with staged(con, "missing_batch", pa.table({"url": urls})):
                # no body and no validators: the next fetch is unconditional (a 304 would bring nothing)
                con.execute("UPDATE raw_pages SET body_file = false, body = NULL, etag = NULL, last_modified = NULL "
                            "WHERE url IN (SELECT url FROM missing_batch)")
            record_failures(con, failures, now)
        return len(urls)
