"""The `ingest` Prefect flow: poll feeds -> fetch pages -> extract -> load, in batches.

Each task run handles a whole batch (all feeds; up to ``batch_size`` pages), never a single
article: a Prefect task run costs milliseconds of orchestration. Stages hand off through the
warehouse (frontier -> raw_pages -> articles), so a run killed half-way leaves whole batches
behind and the next run carries on from them.

Import this module only after ``settings.apply_prefect_environment``.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.sources import Sources, load_sources
from warehouse.db import Warehouse

from . import stages
from .progress import Progress
from .settings import Settings

FETCH_BATCH = stages.FETCH_BATCH
TASK_OPTS = {"cache_policy": NO_CACHE, "persist_result": False, "retries": 0}


@task(name="poll-feeds", **TASK_OPTS)
def poll_feeds_task(sources: Sources, wh: Warehouse, progress: Progress) -> dict:
    with progress.stage("polling feeds", total=len(sources.feeds)) as advance:
        counts = stages.poll_feeds(sources, wh, advance)
    pages = stages.queue_pages(sources, wh)
    counts["entries_new"] += pages["entries_new"]
    return counts


@task(name="fetch-pages", **TASK_OPTS)
def fetch_task(sources: Sources, wh: Warehouse, due: list[dict], batch_size: int, progress: Progress,
               arrivals: stages.Arrivals | None = None, run_id: str | None = None,
               budget: float | None = None) -> dict:
    """Fetch every due URL with one fetcher (it keeps the per-host limits), storing the raw
    pages in batches as they complete (see `stages.FETCH_BATCH`): what is fetched lands, and
    can be extracted, before the rest is fetched. ``arrivals``: where each stored batch is
    handed to extraction in this process; ``run_id``: the run holding the leases (renewed
    while it fetches); ``budget``: seconds, after which what is left waits for the next run."""
    with progress.stage("fetching pages", total=len(due)) as advance:
        return stages.fetch_pages(sources.fetch, wh, due, step=min(batch_size, FETCH_BATCH), progress=advance,
                                  handoff=arrivals.put if arrivals is not None else None,
                                  run_id=run_id, budget=budget)


@task(name="extract-load", **TASK_OPTS)
def load_task(wh: Warehouse, batch, size: int, advance) -> dict:
    """Wait for one extracted batch (page-level cleaning and classification done in the pool)
    and load it in one transaction. ``batch``: the local pool's PendingBatch, or a Dask task's
    future, which Prefect resolves to its result before this task starts."""
    counts = stages.save_extracted(wh, batch.result() if isinstance(batch, stages.PendingBatch) else batch)
    advance(size)
    return counts


def fetch_and_extract(settings: Settings, sources: Sources, wh: Warehouse, progress: Progress,
                      run_id: str | None = None, budget: float | None = None) -> Counter:
    """Fetch everything due while extracting what is already fetched: the fetch task runs in
    the flow's task runner (a thread: it mostly waits on the network) and stores raw pages
    batch by batch; extraction takes them from the warehouse as they land. ``budget``: the
    seconds a scheduled ingest fetches for (`[fetch] budget`); a backfill passes none."""
    totals: Counter = Counter()
    due = wh.due_urls(claim_for=run_id)
    totals["pages_queued"] = len(due)
    # the local runner fetches in a thread of this process: pages reach extraction in memory
    arrivals = stages.Arrivals(keep_bodies=2 * settings.batch_size) if settings.task_runner == "local" else None
    fetching = (fetch_task.submit(sources, wh, due, settings.batch_size, progress, arrivals, run_id, budget)
                if due else None)
    try:
        totals.update(extract_stored(settings, wh, progress, fetching=fetching, expected=len(due), arrivals=arrivals))
    finally:
        if arrivals is not None:
            arrivals.close()  # a fetch still going (extraction failed) no longer waits for room
    if fetching is not None:
        totals.update(fetching.result())
    return totals


@task(name="extract-compute", **TASK_OPTS)
def extract_compute(jobs: list[stages.ExtractJob]) -> list[tuple[str, dict]]:
    """Extraction only (no database): what runs on a Dask worker."""
    return [stages.extract_one(job) for job in jobs]


def task_runner_for(settings: Settings):
    """The Prefect task runner the setting names (None: the flow's default)."""
    if settings.task_runner == "local":
        return None
    from prefect_dask import DaskTaskRunner

    if settings.task_runner == "dask":
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    address = settings.task_runner.replace("dask://", "tcp://", 1)
    return DaskTaskRunner(address=address)


def with_runner(flow_obj, settings: Settings):
    runner = task_runner_for(settings)
    return flow_obj if runner is None else flow_obj.with_options(task_runner=runner)


def _extract_pipelined(settings: Settings, wh: Warehouse, advance, submit, window: int,
                       fetching=None, arrivals: stages.Arrivals | None = None) -> tuple[Counter, set[str]]:
    """Keep up to ``window`` batches in extraction while loading the oldest one: the workers
    never wait for the warehouse, and only this process writes to it (in batch order)."""
    totals: Counter = Counter()
    sites: set[str] = set()
    in_flight: list[tuple[object, list[dict]]] = []
    in_flight_urls: set[str] = set()
    while True:
        rows = []
        if len(in_flight) < window:
            rows = _next_rows(settings, wh, fetching, exclude=in_flight_urls, wait=not in_flight,
                              arrivals=arrivals)
            if rows:
                in_flight.append((submit(stages.jobs_from_rows(rows, str(settings.taxonomy_path))), rows))
                in_flight_urls.update(r["url"] for r in rows)
                continue
        if not in_flight:
            break  # nothing in extraction and nothing more to come
        pending, done_rows = in_flight.pop(0)
        counts = load_task(wh, pending, len(done_rows), advance)
        in_flight_urls.difference_update(r["url"] for r in done_rows)
        sites |= counts.pop("sites", set())
        totals.update(counts)
    return totals, sites


@task(name="classify", **TASK_OPTS)
def classify_task(wh: Warehouse, taxonomy, force: bool, advance) -> dict:
    return stages.classify_pending(wh, taxonomy, force=force, progress=advance)


def classify_stored(settings: Settings, wh: Warehouse, progress: Progress, force: bool = False) -> dict:
    """Relevance, themes, entities, clusters for what needs them (after extraction and cleaning)."""
    from extractors.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.taxonomy_path)
    with progress.stage("classifying", total=wh.count_articles()) as advance:
        return classify_task(wh, taxonomy, force, advance)


@task(name="clean-sites", **TASK_OPTS)
def clean_task(wh: Warehouse, sites: set[str], advance) -> dict:
    return stages.clean_sites(wh, sites, advance)


def _next_rows(settings: Settings, wh: Warehouse, fetching, exclude=(), wait: bool = True,
               arrivals: stages.Arrivals | None = None) -> list[dict]:
    """The next batch of fetched pages (not ``exclude``). While fetching goes on, a batch is
    worth taking at 50 pages (or ``batch_size``); ``wait``: wait for one, else return [] at once.
    [] with ``wait`` means nothing is left and nothing more will come. Pages come from
    ``arrivals`` while the fetch task hands them over, then from the warehouse (pages an earlier
    run stored and left, or that another process's fetch stored)."""
    want = settings.batch_size
    while True:
        if fetching is None:
            return wh.fetched_pages(want, exclude=exclude)
        done = _finished(fetching)  # before looking: what it stored by then is visible
        at_least = 1 if done else min(want, 50)
        if arrivals is not None:
            rows = arrivals.take(want, at_least=at_least, timeout=0.25 if wait and not done else 0.0)
            if rows:
                return _with_bodies(wh, rows)
            if done:
                return wh.fetched_pages(want, exclude=exclude)
            if not wait:
                return []
            continue
        rows = wh.fetched_pages(want, exclude=exclude, at_least=0 if done else at_least)
        if rows or done or not wait:
            return rows
        fetching.wait(timeout=0.25)


def _finished(future) -> bool:
    """Whether a task future is done, asked of the future itself: ``future.state`` asks the
    Prefect server (an API call each time)."""
    wrapped = getattr(future, "wrapped_future", None)
    return wrapped.done() if wrapped is not None else future.state.is_final()


def _with_bodies(wh: Warehouse, rows: list[dict]) -> list[dict]:
    """Handed-over rows, with the bodies ``Arrivals`` did not keep read back from the warehouse."""
    missing = [r["url"] for r in rows if r["body"] is None]
    if not missing:
        return rows
    bodies = wh.raw_bodies(missing)
    return [r if r["body"] is not None else dict(r, body=bodies[r["url"]])
            for r in rows if r["body"] is not None or r["url"] in bodies]


def extract_stored(settings: Settings, wh: Warehouse, progress: Progress, all_sites: bool = False,
                   fetching=None, expected: int = 0, arrivals: stages.Arrivals | None = None) -> Counter:
    """Extract every fetched page (also those a concurrent ``fetching`` task is still storing),
    then clean again every site that gained pages (or all of them)."""
    totals: Counter = Counter()
    sites: set[str] = set()
    waiting = wh.count_pending().get("fetched", 0) + expected
    with progress.stage("extracting", total=waiting) as advance:
        if settings.task_runner != "local":  # Dask: each batch a Prefect task on the cluster
            done, sites = _extract_pipelined(settings, wh, advance, extract_compute.submit, 4, fetching)
            totals.update(done)
        else:
            extractor = stages.Extractor(settings.workers, str(settings.taxonomy_path))
            if waiting >= 16:  # workers load while the first pages are fetched
                extractor.start()
            try:
                done, sites = _extract_pipelined(settings, wh, advance, extractor.submit, 2, fetching, arrivals)
                totals.update(done)
            finally:
                extractor.close()
    if all_sites:
        sites = set(wh.all_sites())
    if sites:
        with progress.stage("cleaning sites", total=len(sites)) as advance:
            totals.update(clean_task(wh, sites, advance))
    return totals


@contextlib.contextmanager
def recorded_run(settings: Settings, flow_name: str, what: str | None) -> Iterator[tuple[Warehouse, Counter]]:
    """Open the warehouse (migrated), write the `runs` row, and close it with the run's counts
    and status however the run ends."""
    wh = Warehouse(settings.db_path, lock_wait=settings.lock_wait, keep_open=settings.keep_open)
    wh.migrate()
    run_id = wh.start_run(flow_name, what)
    totals: Counter = Counter({"run_id": run_id})
    try:
        yield wh, totals
    except BaseException as err:
        wh.keep_open = False  # finish_run closes the instance the run kept open
        wh.finish_run(run_id, "failed", totals, error=f"{type(err).__name__}: {err}"[:500])
        raise
    wh.keep_open = False
    wh.finish_run(run_id, "completed", totals)
    publish_artifact(flow_name, totals, wh.run_report(run_id))


def run_markdown(flow_name: str, totals: dict, report: dict) -> str:
    """The run as a Markdown page: counts per stage, per feed, failures by reason."""
    from .progress import EXTRA_ROWS, SUMMARY_ROWS

    lines = [f"# chipwire {flow_name} run `{totals.get('run_id')}`", "", "| stage | count |", "| --- | ---: |"]
    lines += [f"| {label} | {totals[key]} |" for label, key in SUMMARY_ROWS + EXTRA_ROWS if key in totals]
    if report["feeds"]:
        lines += ["", "## Feeds", "", "| feed | HTTP | health | entries seen (total) | errors in a row |",
                  "| --- | ---: | --- | ---: | ---: |"]
        lines += [f"| {name} | {status or ''} | {health} | {seen} | {errs} |"
                  for name, status, health, seen, errs in report["feeds"]]
    if report["failures"]:
        lines += ["", "## Failures by reason", "", "| stage | reason | URLs |", "| --- | --- | ---: |"]
        lines += [f"| {stage} | {reason.replace('|', '/')} | {n} |" for stage, reason, n in report["failures"]]
    return "\n".join(lines) + "\n"


def publish_artifact(flow_name: str, totals: dict, report: dict) -> None:
    from prefect.artifacts import create_markdown_artifact

    try:
        create_markdown_artifact(key=f"chipwire-{flow_name}", markdown=run_markdown(flow_name, totals, report),
                                 description=f"chipwire {flow_name}: counts per stage and feed, failures by reason")
    except Exception:  # an artifact is a courtesy: never fail a run that loaded its data
        pass


@flow(name="ingest", validate_parameters=False, log_prints=False)
def ingest_flow(settings: Settings) -> dict:
    progress = Progress(enabled=None if settings.progress else False)
    stages.start_run_state()
    sources = load_sources(settings.sources_path)
    with recorded_run(settings, "ingest", str(settings.sources_path)) as (wh, totals):
        totals.update(poll_feeds_task(sources, wh, progress))
        totals.update(fetch_and_extract(settings, sources, wh, progress, totals["run_id"],
                                        budget=sources.fetch.budget))
        totals.update(classify_stored(settings, wh, progress))
    return dict(totals, stage_seconds=progress.timings)
