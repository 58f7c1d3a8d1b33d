"""Collecting pages: polling the feeds (what they announce goes to the frontier) and fetching
the due pages (stored as raw pages, and handed to extraction as they land). The I/O edge of a
run, before `flows.pipeline` takes the pages on; the HTTP client is `flows.fetch`, the page
fetching loop `flows.pagefetch`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from extractors.errors import ExtractorError
from extractors.feeds import parse_feed
from extractors.sources import FetchPolicy, Sources
from extractors.urls import canonicalize
from warehouse.db import Warehouse
from warehouse.records import Failure

from .errors import NetworkError
from .fetch import Fetcher, FetchRequest, FetchResult, origin_key
from .netguard import links_trust
from .pagefetch import FETCH_BATCH, FLUSH_AFTER, LEASE, PageFetch


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _feed_next_poll(consecutive_errors: int, now: datetime) -> datetime | None:
    """A feed that keeps failing is polled less often: from the third failure in a row,
    wait 15 min, 30 min, 1 h ... up to a day between polls."""
    if consecutive_errors < 3:
        return None
    return now + min(timedelta(minutes=15) * 2 ** (consecutive_errors - 3), timedelta(days=1))


# -- feeds ------------------------------------------------------------------------------------
OUTAGE_MIN_FEEDS = 3  # an outage is told from a broken feed only when this many were polled
OUTAGE_SHARE = 0.9  # ... and this share of them could not be reached at all


def poll_feeds(sources: Sources, wh: Warehouse, progress: Callable[[int], None] | None = None,
               poll_all: bool = False, robots: dict | None = None) -> dict:
    """Poll every due feed (``poll_all``: every feed, backing off or not) conditionally and
    queue what they announce, cursor and entries in one transaction. When nearly every feed
    polled was unreachable, the network is down, not the feeds: their health is left as it
    was, and ``outage`` in the result says so in one line."""
    now = utcnow()
    wh.feeds.register([(f.url, f.name) for f in sources.feeds])
    states = wh.feeds.states()
    due = [(feed, states.get(feed.url, {})) for feed in sources.feeds
           if poll_all or not _backing_off(states.get(feed.url, {}), now)]
    requests = [
        FetchRequest(url=f.url, kind="feed", trusted_origin=origin_key(f.url),
                     etag=st.get("etag"), last_modified=st.get("last_modified"))
        for f, st in due
    ]
    results = run_fetches(sources.fetch, requests, progress, robots=robots)
    counts = {"feeds_polled": len(due), "feeds_skipped": len(sources.feeds) - len(due),
              "feeds_not_modified": 0, "feeds_failed": 0, "entries_seen": 0}
    outage = _outage(results)
    if outage:
        counts["feeds_unreachable"] = sum(1 for r in results if isinstance(r.error, NetworkError))
        kept = [(d, r) for d, r in zip(due, results) if not isinstance(r.error, NetworkError)]
        due, results = [d for d, _ in kept], [r for _, r in kept]
    polls, entries, failures = [], [], []
    for (feed, st), res in zip(due, results):
        poll, found, failed = _read_poll(feed, st, res, now, counts)
        polls.append(poll)
        entries += found
        failures += failed
    saved = wh.feeds.save_polls(polls, entries, failures)
    counts["entries_new"] = saved["entries_new"] + saved["entries_refetch"]
    if outage:
        counts["outage"] = outage
    return counts


def _backing_off(state: dict, now: datetime) -> bool:
    nxt = state.get("next_poll_at")
    return nxt is not None and nxt > now


def _outage(results: list[FetchResult]) -> str | None:
    """One line when the feeds could not be reached at all, or None."""
    unreachable = [r.error for r in results if isinstance(r.error, NetworkError)]
    if len(results) < OUTAGE_MIN_FEEDS or len(unreachable) < OUTAGE_SHARE * len(results):
        return None
    why = Counter(err.short for err in unreachable).most_common(1)[0][0]
    return (f"{len(unreachable)} of {len(results)} feeds unreachable: {why} — is the network up? "
            "Their health is unchanged; pages stay pending for the next run.")


def _read_poll(feed, st: dict, res: FetchResult, now: datetime, counts: dict) -> tuple[dict, list, list]:
    """One feed's poll as its state row, the entries it announced and its failures."""
    prev_errors = int(st.get("consecutive_errors") or 0)
    status = res.status if res.error is None else res.error.status
    poll = {"feed_url": feed.url, "name": feed.name, "status": status, "ok": True,
            "etag": res.etag, "last_modified": res.last_modified, "entries": 0}
    if res.error is not None:
        counts["feeds_failed"] += 1
        poll.update(ok=False, error=f"{res.error.stage}: {res.error.reason}",
                    next_poll_at=_feed_next_poll(prev_errors + 1, now))
        return poll, [], [Failure(feed.url, "feed", res.error.reason, transient=res.error.transient,
                                  feed_url=feed.url, give_up=False)]
    if res.not_modified:
        counts["feeds_not_modified"] += 1
        return poll, [], []
    try:
        parsed = parse_feed(res.body or b"", res.final_url or feed.url, res.content_type)
    except ExtractorError as err:
        counts["feeds_failed"] += 1
        poll.update(ok=False, error=f"parse: {err}", next_poll_at=_feed_next_poll(prev_errors + 1, now))
        return poll, [], [Failure(feed.url, "feed", str(err), transient=False, feed_url=feed.url, give_up=False)]
    poll.update(title=parsed.title, format=parsed.format, bozo=parsed.bozo, entries=len(parsed.entries))
    counts["entries_seen"] += len(parsed.entries)
    entries, failures = _feed_entries(feed.url, parsed.entries, res)
    return poll, entries, failures


def _feed_entries(feed_url: str, parsed_entries, res: FetchResult) -> tuple[list[dict], list[Failure]]:
    """A feed's entries as frontier rows (opaque aggregator links as failures). Its links may
    reach the feed's own origin only at the addresses the feed was fetched from."""
    origin = origin_key(feed_url)
    trusted = links_trust(origin, res.peers.get(origin, ()))
    entries, failures = [], []
    for e in parsed_entries:
        if e.opaque:
            failures.append(Failure(e.link, "refused", "opaque aggregator link: the publisher's URL cannot be "
                                    "resolved offline", transient=False, feed_url=feed_url, give_up=True))
            continue
        entries.append({
            "url": canonicalize(e.link), "link": e.link, "origin": "feed", "feed_url": feed_url,
            "trusted_origin": trusted, "entry_id": e.entry_id, "entry_title": e.title,
            "entry_author": e.author, "entry_published_at": e.published_at,
            "entry_updated_at": e.updated_at, "entry_language": e.language,
        })
    return entries, failures


def queue_pages(sources: Sources, wh: Warehouse) -> dict[str, int]:
    entries = [
        {"url": canonicalize(p.url), "link": p.url, "origin": "page", "trusted_origin": origin_key(p.url)}
        for p in sources.pages
    ]
    saved = wh.frontier.add(entries)
    return {"pages_listed": len(entries), "entries_new": saved["entries_new"]}


# -- fetching -----------------------------------------------------------------------------------
def run_fetches(policy: FetchPolicy, requests: list[FetchRequest],
                progress: Callable[[int], None] | None = None, robots: dict | None = None) -> list[FetchResult]:
    """Every request's result, in order (hosts interleaved while they are fetched); ``robots``:
    the run's robots.txt rules per origin."""
    if not requests:
        return []

    async def go() -> list[FetchResult]:
        async with Fetcher(policy, robots_cache=robots) as fetcher:
            return await fetcher.fetch_many(requests, (lambda _r: progress(1)) if progress else None)

    return asyncio.run(go())


def fetch_pages(policy: FetchPolicy, wh: Warehouse, rows: list[dict], step: int = FETCH_BATCH,
                progress: Callable[[int], None] | None = None,
                handoff: Callable[[list[dict]], None] | None = None, *, run_id: str | None = None,
                budget: float | None = None, lease: timedelta = LEASE, flush_after: float = FLUSH_AFTER,
                stop=None, on_stored: Callable[[dict], None] | None = None,
                robots: dict | None = None) -> dict[str, int]:
    """Fetch due frontier rows with one client (its connections and robots.txt rules serve the
    whole run), every host in turn, storing raw pages and failures as they complete, in one
    transaction per batch of ``step`` (see `flows.pagefetch`). ``handoff`` receives each batch's
    stored pages, once committed, as the rows ``Warehouse.fetched_pages`` returns (for extraction
    to start on); ``on_stored`` each batch's counts. ``run_id``: the run the rows are leased to
    (its leases are renewed while it fetches); ``budget``: seconds after which what is left
    stays pending (``pages_left``); ``stop`` (a `flows.run.Stop`): when set, what is in flight
    is dropped and what has arrived is stored; the rest stays pending for the next run."""
    if not rows:
        return {"pages_fetched": 0, "pages_failed": 0, "pages_failed_transient": 0, "pages_left": 0}

    async def go() -> Counter:
        async with Fetcher(policy, robots_cache=robots) as fetcher:
            run = PageFetch(wh, rows, step=step, handoff=handoff, progress=progress, run_id=run_id,
                            lease=lease, flush_after=flush_after, stop=stop, on_stored=on_stored)
            return await run.run(fetcher, budget)

    return dict(asyncio.run(go()))
