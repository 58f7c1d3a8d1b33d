"""The one pipeline: fetched pages -> extraction -> load, with a bounded window, then site
cleaning and classification. Every flow that turns pages into articles goes through here.

Pages come from a page source: `HandedOver` (what this process's fetch task stores, handed
over in memory by `Arrivals`, then whatever the warehouse still holds) or `StoredPages` (the
warehouse's fetched pages: an earlier run's leftovers, reextract, or a fetch running in
another process). The run context (`flows.run.Run`: settings, warehouse, progress, counts,
stop signal, robots cache) is all the pipeline is given; `Steps` says how its steps run:
as plain calls (the default), or as the flow's Prefect tasks (`flows.ingest.STEPS`).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from extractors.sources import Sources
from warehouse.records import ClassifiedBatch, Extracted, Extraction, StageReport, WaitingPage

from .collect import FETCH_BATCH, fetch_pages
from .refine import classify_pending, clean_sites
from .run import Run
from .search_sync import refresh_index
from .work import Extractor, PendingBatch, classifier_model, jobs_from_rows

# DuckDB keeps what its instance read and wrote in memory until the instance closes: the run's
# kept instance is released (reopened by the next write, a few ms) every this many loaded pages
# and after each stage of the tail, so that the run's memory does not grow with its length.
RELEASE_EVERY = 500
ARRIVAL_BATCH = 50  # while fetching goes on, a batch is worth extracting at this many pages


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
        self._waiting: list[WaitingPage] = []
        self._room = threading.Condition()
        self._held = 0  # bodies in ``_queue`` and ``_waiting``
        self._closed = False

    def put(self, rows: list[WaitingPage]) -> None:
        """(fetching thread) Hand over stored pages; waits while too many bodies wait here."""
        with self._room:
            while self._held >= self.keep_bodies and not self._closed:
                self._room.wait(timeout=1.0)
            if self._closed:
                rows = [dataclasses.replace(row, body=None) for row in rows]
            else:
                self._held += sum(1 for row in rows if row.body is not None)
        self._queue.put(rows)

    def take(self, limit: int, at_least: int = 1, timeout: float = 0.0) -> list[WaitingPage]:
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
            self._held -= sum(1 for row in batch if row.body is not None)
            self._room.notify_all()
        return batch

    def close(self) -> None:
        """(extracting thread) No more takes: let the fetching thread go on without waiting."""
        with self._room:
            self._closed = True
            self._room.notify_all()


# -- page sources -------------------------------------------------------------------------------
def finished(future) -> bool:
    """Whether a fetch future is done, asked of the future itself: ``future.state`` asks the
    Prefect server (an API call each time)."""
    if isinstance(future, concurrent.futures.Future):
        return future.done()
    wrapped = getattr(future, "wrapped_future", None)
    return wrapped.done() if wrapped is not None else future.state.is_final()


def with_bodies(wh, rows: list[WaitingPage]) -> list[WaitingPage]:
    """Handed-over rows, with the bodies ``Arrivals`` did not keep read back from the warehouse."""
    missing = [r.url for r in rows if r.body is None]
    if not missing:
        return rows
    bodies = wh.pages.raw_bodies(missing)
    return [r if r.body is not None else dataclasses.replace(r, body=bodies.get(r.url)) for r in rows]


class StoredPages:
    """Fetched pages the warehouse holds: what an earlier run stored and left, every stored
    page (reextract), or what a ``fetching`` task in another process (Dask) is storing."""

    def __init__(self, run: Run, fetching=None):
        self.run, self.fetching = run, fetching

    def take(self, exclude, wait: bool) -> list[WaitingPage]:
        """The next batch (not ``exclude``); ``wait``: wait for one while fetching goes on,
        else return [] at once. [] with ``wait``: nothing is left and nothing more will come."""
        run, want = self.run, self.run.settings.batch_size
        while not run.stop.is_set():
            if self.fetching is None:
                return run.wh.pages.fetched(want, exclude=exclude, run_id=run.run_id)
            done = finished(self.fetching)  # before looking: what it stored by then is visible
            at_least = 0 if done else min(want, ARRIVAL_BATCH)
            rows = run.wh.pages.fetched(want, exclude=exclude, at_least=at_least, run_id=run.run_id)
            if rows or done or not wait:
                return rows
            self.fetching.wait(timeout=0.25)
        return []


class HandedOver:
    """The pages this process's ``fetching`` task hands over through ``arrivals`` while it
    runs; once it is done, whatever the warehouse still holds (`StoredPages`)."""

    def __init__(self, run: Run, fetching, arrivals: Arrivals):
        self.run, self.fetching, self.arrivals = run, fetching, arrivals

    def take(self, exclude, wait: bool) -> list[WaitingPage]:
        run, want = self.run, self.run.settings.batch_size
        while not run.stop.is_set():
            done = finished(self.fetching)
            at_least = 1 if done else min(want, ARRIVAL_BATCH)
            rows = self.arrivals.take(want, at_least=at_least, timeout=0.25 if wait and not done else 0.0)
            if rows:
                return with_bodies(run.wh, rows)
            if done:
                return StoredPages(run).take(exclude, wait)
            if not wait:
                return []
        return []


# -- the steps ------------------------------------------------------------------------------------
def fetch_stage(run: Run, sources: Sources, due: list[dict], arrivals: Arrivals | None = None,
                budget: float | None = None) -> dict:
    """Fetch every due URL with one fetcher (it keeps the per-host limits), storing the raw
    pages in batches as they complete (see `flows.pagefetch`): what is fetched lands, and can
    be extracted, before the rest is fetched. ``arrivals``: where each stored batch is handed
    to extraction in this process; ``budget``: seconds, after which what is left waits for the
    next run. The run's leases on the due URLs are renewed while it fetches."""
    with run.progress.stage("fetching pages", total=len(due)) as advance:
        return fetch_pages(sources.fetch, run.wh, due, step=min(run.settings.batch_size, FETCH_BATCH),
                           progress=advance, handoff=arrivals.put if arrivals is not None else None,
                           run_id=run.run_id, budget=budget, stop=run.stop, on_stored=run.counts.add,
                           robots=run.robots)


def save_extracted(wh, results: list[Extraction]) -> StageReport:
    """Load one batch of extraction results: articles and their failures, one transaction;
    the classifications made in the worker are stored with the articles (clustered by the
    classify stage)."""
    done = [r for r in results if isinstance(r, Extracted)]
    failures = [r for r in results if not isinstance(r, Extracted)]
    classified = ClassifiedBatch.of(d.classified for d in done if d.classified is not None)
    return wh.articles.save_extracted([d.article for d in done], failures, classified)


def load_batch(run: Run, batch, size: int, advance) -> frozenset[str]:
    """Wait for one extracted batch (page-level cleaning and classification done in the pool)
    and load it in one transaction; returns the sites that gained pages. ``batch``: the local
    pool's PendingBatch, or a Dask task's result (Prefect resolves its future first)."""
    report = save_extracted(run.wh, batch.result() if isinstance(batch, PendingBatch) else batch)
    run.note_classified(report.verdicts)
    run.counts.add(report.counts)
    refresh_index(run)  # the search index follows the loaded articles
    advance(size)
    return report.sites


def clean_stage(run: Run, sites: set[str], advance) -> None:
    """Clean the sites again; what that changes is classified at once and stored with its new
    text, so the classify stage does not find it again."""
    from extractors.taxonomy import load_taxonomy  # the classifier's modules: only when classifying

    path = run.settings.taxonomy_path  # None: classification is left to the classify stage, as in the workers
    report = clean_sites(run.wh, sites, advance, stop=run.stop, taxonomy=load_taxonomy(path) if path else None,
                         model=classifier_model(run.settings.model_path),
                         pool=run.pool.classify if run.pool is not None else None)
    run.note_classified(report.verdicts)
    run.counts.add(report.counts)
    refresh_index(run)  # cleaned texts
    run.wh.release()  # (RELEASE_EVERY)


def classify_stage(run: Run, taxonomy, force: bool, advance) -> None:
    counts = classify_pending(run.wh, taxonomy, force=force, progress=advance, stop=run.stop,
                              on_classified=run.note_classified, model=classifier_model(run.settings.model_path))
    run.counts.add(articles_clustered=counts.get("articles_clustered", 0))
    run.wh.release()  # (RELEASE_EVERY)
    refresh_index(run, full=True)  # themes changed; and whatever an earlier run left behind
    run.wh.release()


def _in_thread(fn, *args) -> concurrent.futures.Future:
    """``fn(*args)`` in a thread of its own, as the flow's task runner runs the fetch task."""
    future: concurrent.futures.Future = concurrent.futures.Future()

    def go() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as err:  # noqa: BLE001 - handed to whoever waits for the result
            future.set_exception(err)

    threading.Thread(target=go, name="chipwire-fetch", daemon=True).start()
    return future


@dataclass(frozen=True)
class Steps:
    """How the pipeline runs each step. The defaults are plain calls (the fetch in a thread);
    the flows pass their Prefect tasks, so each batch is one task run. ``compute``: where a
    Dask runner extracts a batch (a task's ``submit``); the local runner uses its own pool."""

    fetch: Callable = lambda *args: _in_thread(fetch_stage, *args)
    load: Callable = load_batch
    clean: Callable = clean_stage
    classify: Callable = classify_stage
    compute: Callable | None = None


PLAIN = Steps()


# -- the driver -----------------------------------------------------------------------------------
def _next_rows(run: Run, source, exclude, wait: bool) -> list[WaitingPage]:
    """The source's next batch with a body. A page whose stored body has gone is recorded as a
    failure and queued to be fetched again; it never holds up the rest."""
    while True:
        rows = source.take(exclude, wait)
        kept = [r for r in rows if r.body is not None]
        if len(kept) < len(rows):
            run.counts.add(pages_body_missing=run.wh.pages.forget_missing_bodies(
                [r.url for r in rows if r.body is None]))
        if kept or not rows:
            return kept


def _model_path(settings) -> str | None:
    """The classifier's model file workers load (None: the shipped model)."""
    return str(settings.model_path) if settings.model_path else None


def _extract_window(run: Run, source, submit, window: int, load, advance) -> set[str]:
    """Keep up to ``window`` batches in extraction while loading the oldest one: the workers
    never wait for the warehouse, and only this process writes to it (in batch order)."""
    taxonomy_path = str(run.settings.taxonomy_path) if run.settings.taxonomy_path else None
    sites: set[str] = set()
    in_flight: list[tuple[object, list[WaitingPage]]] = []
    in_flight_urls: set[str] = set()
    loaded = 0
    while True:
        if len(in_flight) < window and not run.stop.is_set():
            rows = _next_rows(run, source, in_flight_urls, wait=not in_flight)
            if rows:
                in_flight.append((submit(jobs_from_rows(rows, taxonomy_path, _model_path(run.settings))), rows))
                in_flight_urls.update(r.url for r in rows)
                continue
        if not in_flight:
            break  # nothing in extraction and nothing more to come
        pending, done_rows = in_flight.pop(0)
        sites |= load(run, pending, len(done_rows), advance)
        in_flight_urls.difference_update(r.url for r in done_rows)
        loaded += len(done_rows)
        if loaded >= RELEASE_EVERY:
            run.wh.release()
            loaded = 0
    return sites


def extract_stored(run: Run, source=None, *, expected: int = 0, all_sites: bool = False,
                   steps: Steps = PLAIN) -> None:
    """Extract every page ``source`` gives (default: the warehouse's fetched pages), also
    those a concurrent fetch is still storing (``expected`` of them), then clean again every
    site that gained pages (``all_sites``: every site)."""
    settings, wh = run.settings, run.wh
    source = source if source is not None else StoredPages(run)
    waiting = wh.frontier.count_by_state().get("fetched", 0) + expected
    extractor = None
    try:
        with run.progress.stage("extracting", total=waiting) as advance:
            if settings.task_runner != "local":  # Dask: each batch a Prefect task on the cluster
                sites = _extract_window(run, source, steps.compute, 4, steps.load, advance)
            else:
                extractor = Extractor(settings.workers, str(settings.taxonomy_path) if settings.taxonomy_path else None,
                                      _model_path(settings))
                if waiting >= 16:  # workers load while the first pages are fetched
                    extractor.start()
                sites = _extract_window(run, source, extractor.submit, 2, steps.load, advance)
        if all_sites:
            wh.articles.forget_stale_sites()
            sites = set(wh.articles.all_sites())
        if sites and not run.stop.is_set():
            run.pool = extractor  # the pool's workers classify what site cleaning changes
            with run.progress.stage("cleaning sites", total=len(sites)) as advance:
                steps.clean(run, sites, advance)
    finally:
        run.pool = None
        if extractor is not None:
            extractor.close()


def fetch_and_extract(run: Run, sources: Sources, budget: float | None = None, steps: Steps = PLAIN) -> None:
    """Fetch everything due while extracting what is already fetched: the fetch runs beside
    this thread (it mostly waits on the network) and stores raw pages batch by batch;
    extraction takes them as they land. ``budget``: the seconds a scheduled ingest fetches for
    (`[fetch] budget`); a backfill passes none."""
    if run.stop.is_set():
        return
    local = run.settings.task_runner == "local"
    due = run.wh.frontier.due(claim_for=run.run_id)
    run.counts.add(pages_queued=len(due))
    # the local runner fetches in a thread of this process: pages reach extraction in memory
    arrivals = Arrivals(keep_bodies=2 * run.settings.batch_size) if local and due else None
    fetching = steps.fetch(run, sources, due, arrivals, budget) if due else None
    if fetching is not None:
        run.in_background(fetching)
    source = (HandedOver(run, fetching, arrivals) if arrivals is not None
              else StoredPages(run, fetching))
    try:
        extract_stored(run, source, expected=len(due), steps=steps)
    finally:
        if arrivals is not None:
            arrivals.close()  # a fetch still going (extraction failed) no longer waits for room
    if fetching is not None:
        counts = fetching.result()
        if not local:  # fetched in another process: its counts come back here
            run.counts.add(counts)


def classify_stored(run: Run, force: bool = False, steps: Steps = PLAIN) -> None:
    """Relevance, themes, entities, clusters for what needs them (after extraction and cleaning)."""
    from extractors.taxonomy import load_taxonomy  # the classifier's modules: only when classifying

    if run.stop.is_set():
        return
    taxonomy = load_taxonomy(run.settings.taxonomy_path)
    with run.progress.stage("classifying", total=run.wh.articles.count()) as advance:
        steps.classify(run, taxonomy, force, advance)
