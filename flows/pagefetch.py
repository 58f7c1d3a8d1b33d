"""Fetching a run's due pages (the `fetch-pages` stage, ``collect.fetch_pages``): every host
in turn, pages stored as they come, within a time budget, under leases the run keeps renewed.

- Hosts interleave (``Fetcher.stream``): 60 slow links sorted ahead of 5 good ones on another
  host no longer hold the good host back; each result is taken as it completes.
- Pages are stored in batches of ``step`` (the first one at most FIRST_FETCH_BATCH, so that
  extraction starts soon), or sooner when the oldest waiting page has waited ``flush_after``
  seconds: a slow host cannot keep another's pages unstored. Every transaction that appends to
  raw_pages makes DuckDB rewrite the table's last, partly filled, block when it checkpoints
  (~0.4 s of CPU once a few thousand pages are stored): few large transactions cost less than
  many small ones, hence batches. Each body is compressed as it arrives, so a waiting batch
  holds compressed bodies only. Storing runs in a thread, so requests in flight go on.
- ``budget`` (seconds, a scheduled ingest's ``[fetch] budget``): after it nothing more starts
  and what runs is dropped; what was not fetched stays pending, is not counted as failed, and
  its leases end at once (``pages_left``). A backfill passes no budget.
- Leases: ``Warehouse.frontier.due(claim_for=run)`` leases the due rows to the run for ``lease``;
  the run renews what it has not fetched yet every third of it, so a run that fetches for
  longer than a lease never sees an overlapping run fetch the same URL. A row whose lease was
  taken by another run all the same is not fetched here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from warehouse import codec
from warehouse.db import Warehouse
from warehouse.errors import WarehouseError
from warehouse.records import Failure, PackedBody, StoredPage, WaitingPage

from .fetch import Fetcher, FetchRequest, FetchResult
from .netguard import read_trust

FETCH_BATCH = 200
FIRST_FETCH_BATCH = 50
FLUSH_AFTER = 5.0  # seconds a fetched page waits at most for its batch to fill
LEASE = timedelta(minutes=15)  # as long as Warehouse.frontier.due leases by default
GIVE_UP_AFTER = 8  # attempts at a transiently failing URL, across runs


def page_next_attempt(attempts: int, now: datetime) -> datetime:
    if attempts < 3:
        return now
    return now + min(timedelta(minutes=10) * 2 ** (attempts - 3), timedelta(days=1))


def page_request(row: dict) -> FetchRequest:
    """The request for a frontier row; its ``trusted_origin`` says what it may reach
    (``netguard.read_trust``: a feed's link, the addresses the feed was fetched from)."""
    origin, addresses = read_trust(row.get("trusted_origin"), found_in_document=row.get("origin") == "feed")
    return FetchRequest(url=row["link"] or row["url"], kind="page", trusted_origin=origin,
                        trusted_addresses=addresses, etag=row.get("etag"), last_modified=row.get("last_modified"))


def _failure(row: dict, res: FetchResult, now: datetime) -> Failure:
    err = res.error
    attempts = int(row.get("attempts") or 0) + 1
    give_up = not err.ours and (not err.transient or attempts >= GIVE_UP_AFTER)
    reason = err.reason
    if err.transient and give_up:
        reason += f" (gave up after {attempts} runs)"
    if err.ours:
        nxt = None  # our configuration or code: due again as soon as the next run comes
    else:
        nxt = None if give_up else page_next_attempt(attempts, now)
    return Failure(url=row["url"], stage=err.stage, reason=reason, transient=err.transient,
                   feed_url=row.get("feed_url"), give_up=give_up, next_attempt_at=nxt)


def store_fetched(wh: Warehouse, rows: list[dict], results: list[FetchResult],
                  handoff: Callable[[list[WaitingPage]], None] | None,
                  packed: dict[int, PackedBody]) -> dict[str, int]:
    """Raw pages and failures of one batch in one transaction, then the pages to ``handoff``."""
    now = datetime.now(timezone.utc)
    pages, failures, fetched = [], [], []
    for row, res in zip(rows, results):
        if res.error is not None:
            failures.append(_failure(row, res, now))
            continue
        page = StoredPage(url=row["url"], final_url=res.final_url, status=res.status, content_type=res.content_type,
                          etag=res.etag, last_modified=res.last_modified, fetched_at=res.fetched_at or now,
                          not_modified=res.not_modified,
                          body=packed.get(id(res)) or codec.raw_body(res.body or b""))
        pages.append(page)
        if not res.not_modified:
            fetched.append(WaitingPage(
                url=row["url"], final_url=page.final_url, content_type=page.content_type, fetched_at=page.fetched_at,
                link=row.get("link"), feed_url=row.get("feed_url"), entry_title=row.get("entry_title"),
                entry_author=row.get("entry_author"), entry_published_at=row.get("entry_published_at"),
                entry_language=row.get("entry_language"), feed_name=row.get("feed_name"), body=page.body.data))
    wh.pages.save_fetches(pages, failures)
    if handoff is not None and fetched:
        handoff(fetched)
    return {"pages_fetched": len(pages), "pages_failed": len(failures),
            "pages_failed_transient": sum(1 for f in failures if f.transient and not f.give_up)}


class PageFetch:
    """One stage run over ``rows`` (due frontier rows): ``await PageFetch(...).run(fetcher)``."""

    def __init__(self, wh: Warehouse, rows: list[dict], *, step: int = FETCH_BATCH,
                 handoff: Callable[[list[dict]], None] | None = None,
                 progress: Callable[[int], None] | None = None, run_id: str | None = None,
                 lease: timedelta = LEASE, flush_after: float = FLUSH_AFTER, stop=None,
                 on_stored: Callable[[dict], None] | None = None):
        self.wh, self.rows, self.step = wh, rows, max(1, step)
        self.stop, self.on_stored = stop, on_stored  # the run's stop signal; each stored batch's counts
        self.flushing = False
        self.handoff, self.progress, self.run_id, self.lease = handoff, progress, run_id, lease
        self.flush_after = flush_after
        self.size = min(self.step, FIRST_FETCH_BATCH)
        self.waiting: list[tuple[dict, FetchResult]] = []
        self.oldest: float | None = None  # when the oldest waiting result arrived
        self.packed: dict[int, PackedBody] = {}  # id(result) -> its body as stored, compressed on arrival
        self.left = {r["url"] for r in rows}  # not fetched (yet): the leases to renew
        self.lost: set[str] = set()  # leases another run holds now: not fetched here
        self.totals: Counter = Counter(pages_fetched=0, pages_failed=0, pages_failed_transient=0)

    async def run(self, fetcher: Fetcher, budget: float | None = None) -> Counter:
        requests = [page_request(r) for r in self.rows]
        renewing = asyncio.ensure_future(self._renew_forever()) if self.run_id else None
        try:
            stream = fetcher.stream(requests, budget=budget, idle=self.flush_after / 2,
                                    keep=lambda i: self.rows[i]["url"] not in self.lost)
            async with contextlib.aclosing(stream) as batches, self._stoppable():
                async for done in batches:
                    for i, result in done:
                        self._arrived(self.rows[i], result)
                    if self._due():
                        await self._flush()
                    if self.stop is not None and self.stop.is_set():
                        break
            await self._flush()
        finally:
            if renewing is not None:
                renewing.cancel()
                await asyncio.gather(renewing, return_exceptions=True)
        await self._end_leases()
        return self.totals

    @contextlib.asynccontextmanager
    async def _stoppable(self):
        """Setting the run's stop signal (from another thread) ends the block at once: what
        is in flight is dropped (closing the stream cancels it), what has arrived is stored."""
        if self.stop is None:
            yield
            return
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        stopped = []

        def cancel() -> None:
            if not self.flushing:  # a batch being stored is stored whole: the loop stops after it
                stopped.append(True)
                task.cancel()

        forget = self.stop.on_set(lambda: loop.call_soon_threadsafe(cancel))
        try:
            yield
        except asyncio.CancelledError:
            if not stopped:
                raise
            task.uncancel()
        finally:
            forget()

    def _arrived(self, row: dict, result: FetchResult) -> None:
        if result.error is None and result.body is not None:
            self.packed[id(result)] = codec.raw_body(result.body)
            result.body = None
        self.left.discard(row["url"])
        self.waiting.append((row, result))
        self.oldest = self.oldest or time.monotonic()
        if self.progress:
            self.progress(1)

    def _due(self) -> bool:
        return bool(self.waiting) and (len(self.waiting) >= self.size
                                       or time.monotonic() - self.oldest >= self.flush_after)

    async def _flush(self) -> None:
        if not self.waiting:
            return
        batch, self.waiting, self.oldest = self.waiting, [], None
        rows, results = [r for r, _ in batch], [res for _, res in batch]
        packed = {id(res): self.packed.pop(id(res)) for res in results if id(res) in self.packed}
        self.flushing = True
        try:
            counts = await asyncio.to_thread(store_fetched, self.wh, rows, results, self.handoff, packed)
        finally:
            self.flushing = False
        self.totals.update(counts)
        if self.on_stored is not None:
            self.on_stored(counts)
        self.size = self.step

    async def _renew_forever(self) -> None:
        every = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            urls = sorted(self.left - self.lost)
            try:
                until = datetime.now(timezone.utc) + self.lease
                held = await asyncio.to_thread(self.wh.frontier.extend_claims, self.run_id, urls, until)
            except WarehouseError:
                continue  # locked for a while: try again at the next turn, the lease still runs
            self.lost |= set(urls) - held

    async def _end_leases(self) -> None:
        """What was not fetched (budget spent) is due again at once, for whichever run comes."""
        left = sorted(self.left - self.lost)
        self.totals["pages_left"] = len(self.left)
        if left and self.run_id:
            with contextlib.suppress(WarehouseError):
                await asyncio.to_thread(self.wh.frontier.extend_claims, self.run_id, left, None)
