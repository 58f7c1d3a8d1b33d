"""The stages of a run as plain functions: each takes what it needs, does its I/O edge, calls
the pure extractors and hands its output to the warehouse. The Prefect flow only sequences
them (one task run per batch), so they are tested as ordinary functions.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
import multiprocessing

from collections import Counter

from extractors.article import EntryHints, word_count
from extractors.clean import CLEANER_VERSION, site_clean
from extractors.sitelearn import body_lines, build_profile
from extractors.errors import ExtractorError
from extractors.feeds import parse_feed
from extractors.sources import FetchPolicy, Sources
from extractors.urls import canonicalize, site_of
from warehouse.db import Warehouse

from . import work
from .errors import NetworkError
from .fetch import Fetcher, FetchRequest, FetchResult, origin_key
from .netguard import links_trust
from .pagefetch import (FETCH_BATCH, FIRST_FETCH_BATCH, FLUSH_AFTER, GIVE_UP_AFTER, LEASE,  # noqa: F401
                        PageFetch)
from .work import ExtractJob, classify_row, extract_one  # noqa: F401  (the stages' API)


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
        return poll, [], [{"url": feed.url, "stage": "feed", "reason": res.error.reason,
                           "transient": res.error.transient, "feed_url": feed.url, "give_up": False}]
    if res.not_modified:
        counts["feeds_not_modified"] += 1
        return poll, [], []
    try:
        parsed = parse_feed(res.body or b"", res.final_url or feed.url, res.content_type)
    except ExtractorError as err:
        counts["feeds_failed"] += 1
        poll.update(ok=False, error=f"parse: {err}", next_poll_at=_feed_next_poll(prev_errors + 1, now))
        return poll, [], [{"url": feed.url, "stage": "feed", "reason": str(err), "transient": False,
                           "feed_url": feed.url, "give_up": False}]
    poll.update(title=parsed.title, format=parsed.format, bozo=parsed.bozo, entries=len(parsed.entries))
    counts["entries_seen"] += len(parsed.entries)
    entries, failures = _feed_entries(feed.url, parsed.entries, res)
    return poll, entries, failures


def _feed_entries(feed_url: str, parsed_entries, res: FetchResult) -> tuple[list[dict], list[dict]]:
    """A feed's entries as frontier rows (opaque aggregator links as failures). Its links may
    reach the feed's own origin only at the addresses the feed was fetched from."""
    origin = origin_key(feed_url)
    trusted = links_trust(origin, res.peers.get(origin, ()))
    entries, failures = [], []
    for e in parsed_entries:
        if e.opaque:
            failures.append({"url": e.link, "stage": "refused", "give_up": True, "transient": False,
                             "feed_url": feed_url,
                             "reason": "opaque aggregator link: the publisher's URL cannot be resolved offline"})
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
    stored pages, once committed, as the rows ``Warehouse.pages.fetched`` returns (for extraction
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


def fetch_batch(policy: FetchPolicy, wh: Warehouse, rows: list[dict],
                progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Fetch one batch of due frontier rows and store raw pages and failures together."""
    return fetch_pages(policy, wh, rows, step=len(rows), progress=progress)


class Arrivals:
    """The pages this run's fetch task has stored, handed to extraction in memory: the same
    rows the warehouse now holds, so extraction neither polls the warehouse nor reads them
    back. While ``keep_bodies`` bodies or more wait here, the fetching thread waits for
    extraction to take some: fetching never runs far ahead, and memory stays bounded. Once
    closed (extraction is over, or failed) nothing waits any more and rows come without their
    bodies, which stay in the warehouse for whoever extracts them."""

    def __init__(self, keep_bodies: int = 400):
        self.keep_bodies = keep_bodies
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._waiting: list[dict] = []
        self._room = threading.Condition()
        self._held = 0  # bodies in ``_queue`` and ``_waiting``
        self._closed = False

    def put(self, rows: list[dict]) -> None:
        """(fetching thread) Hand over stored pages; waits while too many bodies wait here."""
        with self._room:
            while self._held >= self.keep_bodies and not self._closed:
                self._room.wait(timeout=1.0)
            if self._closed:
                for row in rows:
                    row["body"] = None
            else:
                self._held += sum(1 for row in rows if row["body"] is not None)
        self._queue.put(rows)

    def take(self, limit: int, at_least: int = 1, timeout: float = 0.0) -> list[dict]:
        """(extracting thread) Up to ``limit`` handed-over pages, oldest first, or [] when fewer
        than ``at_least`` are there after waiting up to ``timeout`` s for more."""
        try:
            if len(self._waiting) < at_least and timeout > 0:
                self._waiting.extend(self._queue.get(timeout=timeout))
            while True:
                self._waiting.extend(self._queue.get_nowait())
        except queue.Empty:
            pass
        if not self._waiting or len(self._waiting) < at_least:
            return []
        batch, self._waiting = self._waiting[:limit], self._waiting[limit:]
        with self._room:
            self._held -= sum(1 for row in batch if row["body"] is not None)
            self._room.notify_all()
        return batch

    def close(self) -> None:
        """(extracting thread) No more takes: let the fetching thread go on without waiting."""
        with self._room:
            self._closed = True
            self._room.notify_all()


# -- extraction ---------------------------------------------------------------------------------
def _source_hint(row: dict) -> str | None:
    """A feed's name names the outlet only for links on the feed's own site (not for an
    aggregator's search feed)."""
    feed, page = row.get("feed_url"), row.get("final_url") or row.get("url")
    if feed and page and row.get("feed_name") and site_of(feed) == site_of(page):
        return row["feed_name"]
    return None


def jobs_from_rows(rows: list[dict], taxonomy_path: str | None = None) -> list[ExtractJob]:
    return [
        ExtractJob(
            frontier_url=r["url"], link=r["link"] or r["url"], final_url=r["final_url"] or r["url"],
            content_type=r["content_type"], body=r["body"], fetched_at=r["fetched_at"], feed_url=r["feed_url"],
            hints=EntryHints(title=r.get("entry_title"), author=r.get("entry_author"),
                             published_at=r.get("entry_published_at"), language=r.get("entry_language"),
                             source_name=_source_hint(r), declared_source=r.get("source_name"),
                             published_source="file" if r.get("origin") == "file" else "feed"),
            taxonomy_path=taxonomy_path,
        )
        for r in rows
    ]


class Extractor:
    """Runs extraction jobs: in-process for small batches, on a process pool for large ones.

    ``submit`` returns at once with a handle whose ``result()`` waits for the batch, so the
    caller can load one batch while the pool works on the next (the pool never idles while the
    warehouse is written). The pool's fork server imports the worker module once
    (`work.PRELOAD`) and each worker loads the language model and the taxonomy when it starts,
    not on its first page."""

    def __init__(self, workers: int = 0, taxonomy_path: str | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.taxonomy_path = taxonomy_path
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> "Extractor":
        """Start the pool now and have every worker load what it needs, without waiting for
        it: a run does this as soon as it knows pages are coming, so the workers load while
        the first pages are fetched."""
        if self.workers > 1 and self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(work.PRELOAD)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=work.warm,
                                             initargs=(self.taxonomy_path, os.getpid()))
            for _ in range(self.workers):  # a worker is spawned per waiting job
                self._pool.submit(os.getpid)
        return self

    def submit(self, jobs: list[ExtractJob]) -> "PendingBatch":
        if len(jobs) < 16 or self.workers <= 1:
            return PendingBatch(done=[extract_one(j) for j in jobs])
        self.start()
        return PendingBatch(results=self._pool.map(extract_one, jobs, chunksize=4))

    def map(self, jobs: list[ExtractJob]) -> list[tuple[str, dict]]:
        return self.submit(jobs).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class PendingBatch:
    """One submitted batch of extraction jobs; ``result()`` waits for all of it, in order."""

    def __init__(self, done: list | None = None, results: Iterator | None = None):
        self._done, self._results = done, results

    def result(self) -> list[tuple[str, dict]]:
        if self._done is None:
            self._done = list(self._results)
        return self._done


def extract_batch(wh: Warehouse, extractor: Extractor, rows: list[dict],
                  progress: Callable[[int], None] | None = None, taxonomy_path: str | None = None) -> dict[str, int]:
    counts = save_extracted(wh, extractor.map(jobs_from_rows(rows, taxonomy_path)))
    if progress:
        progress(len(rows))
    return counts


def save_extracted(wh: Warehouse, results: list[tuple[str, dict]]) -> dict:
    """Load one batch of extraction results: articles and their failures, one transaction."""
    articles = [r for kind, r in results if kind == "ok"]
    failures = [r for kind, r in results if kind == "fail"]
    # classified in the worker: stored with the articles, clustered by the classify stage
    done = [a["classification"] for a in articles if a.get("classification")]
    classified = ([d["row"] for d in done], [t for d in done for t in d["themes"]],
                  [e for d in done for e in d["entities"]], [d["signature"] for d in done],
                  [b for d in done for b in d["bands"]])
    counts = wh.articles.save(articles, failures, classified, skip_done=True)
    kept = counts.pop("kept")
    counts["extract_failed"] = counts.pop("failures_kept")
    counts["sites"] = {a["site"] for a in articles if a.get("site") and a["article_id"] in kept}
    counts["classified"] = {d["row"]["article_id"]: bool(d["row"]["is_relevant"]) for d in done
                            if d["row"]["article_id"] in kept}
    return counts



# -- cleaning with what each site teaches --------------------------------------------------------
def clean_sites(wh: Warehouse, sites: set[str], progress: Callable[[int], None] | None = None,
                stop=None) -> dict[str, int]:
    """Learn each site's recurring furniture from all its stored pages, and clean every page of
    the site with it (pages stored before the furniture was learnt included). ``stop`` ends
    the stage after the site in hand."""
    changed = done = 0
    for site in sorted(sites):
        if stop is not None and stop.is_set():
            break
        done += 1
        lines = wh.articles.site_lines(site)
        profile = build_profile(lines)
        texts, removed = [], Counter()
        for a in wh.articles.site_articles(site):
            if _untouched(a, lines.get(a["article_id"]), profile):
                continue
            text, gone = site_clean(a["extracted_text"], profile)
            removed.update(gone)
            if text != a["text"]:
                texts.append({"article_id": a["article_id"], "text": text, "word_count": word_count(text),
                              "cleaner_version": CLEANER_VERSION})
        furniture = [{"line": line[:500], "pages": n} for line, n in removed.items()]
        wh.articles.save_site_cleaning(site, texts, furniture)
        changed += len(texts)
        if progress:
            progress(1)
    return {"sites_cleaned": done, "articles_recleaned": changed}




def _untouched(article: dict, fingerprints, profile) -> bool:
    """Whether site cleaning leaves this article as it is, known from its stored line
    fingerprints without fingerprinting its text again: none of its lines recurs on the site,
    and its text is its extracted text, whole (no earlier site cleaning to undo)."""
    if fingerprints is None or any(profile.recurring(fp) for fp, _prose in fingerprints):
        return False
    text = article["text"]
    return text == article["extracted_text"] and text == "\n".join(body_lines(text))


# -- classification -------------------------------------------------------------------------------


def classify_pending(wh: Warehouse, taxonomy, force: bool = False, batch_size: int = 500,
                     progress: Callable[[int], None] | None = None, stop=None,
                     on_classified: Callable[[dict[str, bool]], None] | None = None) -> dict[str, int]:
    """Relevance, themes, entities for every article that needs them (new, changed since it was
    classified, or classified by another classifier or taxonomy; ``force``: all), then story
    clusters for every article not yet in one. Rows are replaced, never duplicated.
    ``on_classified`` receives each batch's {article_id: is_relevant}; ``stop`` ends the stage
    after the batch in hand (what is left is classified by the next run)."""
    from extractors.classify import classifier_version

    version = classifier_version(taxonomy)
    counts = {"articles_classified": 0, "articles_relevant": 0}
    after = ""
    while not (stop is not None and stop.is_set()) and (
            rows := wh.classification.pending(version, batch_size, force=force, after=after)):
        after = rows[-1]["article_id"]
        done = [classify_row(r["article_id"], r["title"], r["text"], r["language"], r["story_date"], taxonomy)
                for r in rows]
        wh.classification.save([d["row"] for d in done], [t for d in done for t in d["themes"]],
                               [e for d in done for e in d["entities"]], [d["signature"] for d in done],
                               [b for d in done for b in d["bands"]])
        counts["articles_classified"] += len(rows)
        counts["articles_relevant"] += sum(1 for d in done if d["row"]["is_relevant"])
        if on_classified is not None:
            on_classified({d["row"]["article_id"]: bool(d["row"]["is_relevant"]) for d in done})
        if progress:
            progress(len(rows))
    if not (stop is not None and stop.is_set()):
        counts.update(cluster_pending(wh, force=force, batch_size=batch_size))
    return counts


def cluster_pending(wh: Warehouse, force: bool = False, batch_size: int = 500) -> dict[str, int]:
    """Place every article that has a signature but no cluster (``force``: all, from scratch).
    Candidate copies come from the warehouse's LSH index (never every stored signature); when
    an earlier copy arrives late, its whole cluster is renamed; a syndicated copy joins its
    original's cluster."""
    from extractors.dedup import assign_clusters, band_keys

    with wh.session():  # a loop of short reads and writes: one connection for all of them
        return _cluster_pending(wh, force, batch_size, assign_clusters, band_keys)


def _cluster_pending(wh: Warehouse, force: bool, batch_size: int, assign_clusters, band_keys) -> dict[str, int]:
    if force:
        wh.clusters.reset()
    placed = 0
    while rows := wh.clusters.pending(batch_size):
        new = [(r["article_id"], tuple(r["signature"] or ()), r["story_date"]) for r in rows]
        probe = [{"band": b, "key": k, "article_id": aid} for aid, sig, _ in new for b, k in band_keys(sig)]
        existing = wh.clusters.candidate_copies(probe)
        old_cluster = {aid: cid for aid, _, _, cid in existing}
        updates = assign_clusters(existing, new)
        originals = wh.clusters.of_urls([r["syndicated_from"] for r in rows if r["syndicated_from"]])
        for r in rows:
            if r["syndicated_from"] in originals:
                updates[r["article_id"]] = originals[r["syndicated_from"]]
            updates.setdefault(r["article_id"], r["article_id"])  # never left unplaced
        renames = {old_cluster[aid]: cid for aid, cid in updates.items()
                   if aid in old_cluster and old_cluster[aid] and old_cluster[aid] != cid}
        wh.clusters.rename(renames)
        wh.clusters.assign({aid: cid for aid, cid in updates.items() if aid not in old_cluster})
        placed += len(rows)
    return {"articles_clustered": placed}
