"""The `ingest` Prefect flow: poll feeds -> fetch pages -> extract -> load, in batches.

Each task run handles a whole batch (all feeds; up to ``batch_size`` pages), never a single
article: a Prefect task run costs milliseconds of orchestration. Stages hand off through the
warehouse (frontier -> raw_pages -> articles), so a run killed half-way leaves whole batches
behind and the next run carries on from them. Every stage adds its counts to the run's
(`flows.run.Run`) as its batches commit, and ends its current batch when the run is stopped.

Import this module only after ``settings.apply_prefect_environment``.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.sources import Sources, load_sources
from warehouse.db import Warehouse

from . import stages
from .run import Run, recorded_run
from .search_sync import refresh_index
from .settings import Settings

FETCH_BATCH = stages.FETCH_BATCH
TASK_OPTS = {"cache_policy": NO_CACHE, "persist_result": False, "retries": 0}


@task(name="poll-feeds", **TASK_OPTS)
def poll_feeds_task(run: Run, sources: Sources) -> bool:
    """Poll the due feeds and queue the listed pages; True when the network looks down."""
    with run.progress.stage("polling feeds", total=len(sources.feeds)) as advance:
        polled = stages.poll_feeds(sources, run.wh, advance, poll_all=run.settings.poll_all, robots=run.robots)
    outage = polled.pop("outage", None)
    if outage:
        run.notes.append(outage)
    run.counts.add(polled)
    pages = stages.queue_pages(sources, run.wh)
    run.counts.add(entries_new=pages["entries_new"])
    return bool(outage)


@task(name="fetch-pages", **TASK_OPTS)
def fetch_task(run: Run, sources: Sources, due: list[dict], arrivals: stages.Arrivals | None = None,
               budget: float | None = None) -> dict:
    """Fetch every due URL with one fetcher (it keeps the per-host limits), storing the raw
    pages in batches as they complete (see `stages.FETCH_BATCH`): what is fetched lands, and
    can be extracted, before the rest is fetched. ``arrivals``: where each stored batch is
    handed to extraction in this process; ``budget``: seconds, after which what is left waits
    for the next run. The run's leases on the due URLs are renewed while it fetches."""
    with run.progress.stage("fetching pages", total=len(due)) as advance:
        return stages.fetch_pages(sources.fetch, run.wh, due, step=min(run.settings.batch_size, FETCH_BATCH),
                                  progress=advance, handoff=arrivals.put if arrivals is not None else None,
                                  run_id=run.run_id, budget=budget, stop=run.stop, on_stored=run.counts.add,
                                  robots=run.robots)


@task(name="extract-load", **TASK_OPTS)
def load_task(run: Run, batch, size: int, advance) -> set[str]:
    """Wait for one extracted batch (page-level cleaning and classification done in the pool)
    and load it in one transaction; returns the sites that gained pages. ``batch``: the local
    pool's PendingBatch, or a Dask task's future, which Prefect resolves before this starts."""
    counts = stages.save_extracted(run.wh, batch.result() if isinstance(batch, stages.PendingBatch) else batch)
    sites = counts.pop("sites", set())
    run.note_classified(counts.pop("classified", {}))
    run.counts.add(counts)
    refresh_index(run)  # the search index follows the loaded articles
    advance(size)
    return sites


def fetch_and_extract(run: Run, sources: Sources, budget: float | None = None) -> None:
    """Fetch everything due while extracting what is already fetched: the fetch task runs in
    the flow's task runner (a thread: it mostly waits on the network) and stores raw pages
    batch by batch; extraction takes them as they land. ``budget``: the seconds a scheduled
    ingest fetches for (`[fetch] budget`); a backfill passes none."""
    if run.stop.is_set():
        return
    settings = run.settings
    due = run.wh.frontier.due(claim_for=run.run_id)
    run.counts.add(pages_queued=len(due))
    # the local runner fetches in a thread of this process: pages reach extraction in memory
    arrivals = stages.Arrivals(keep_bodies=2 * settings.batch_size) if settings.task_runner == "local" else None
    fetching = fetch_task.submit(run, sources, due, arrivals, budget) if due else None
    if fetching is not None:
        run.in_background(fetching)
    try:
        extract_stored(run, fetching=fetching, expected=len(due), arrivals=arrivals)
    finally:
        if arrivals is not None:
            arrivals.close()  # a fetch still going (extraction failed) no longer waits for room
    if fetching is not None:
        counts = fetching.result()
        if settings.task_runner != "local":  # fetched in another process: its counts come back here
            run.counts.add(counts)


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


def _extract_pipelined(run: Run, advance, submit, window: int, fetching=None,
                       arrivals: stages.Arrivals | None = None) -> set[str]:
    """Keep up to ``window`` batches in extraction while loading the oldest one: the workers
    never wait for the warehouse, and only this process writes to it (in batch order)."""
    sites: set[str] = set()
    in_flight: list[tuple[object, list[dict]]] = []
    in_flight_urls: set[str] = set()
    while True:
        rows = []
        if len(in_flight) < window and not run.stop.is_set():
            rows = _next_rows(run, fetching, exclude=in_flight_urls, wait=not in_flight, arrivals=arrivals)
            if rows:
                in_flight.append((submit(stages.jobs_from_rows(rows, str(run.settings.taxonomy_path))), rows))
                in_flight_urls.update(r["url"] for r in rows)
                continue
        if not in_flight:
            break  # nothing in extraction and nothing more to come
        pending, done_rows = in_flight.pop(0)
        sites |= load_task(run, pending, len(done_rows), advance)
        in_flight_urls.difference_update(r["url"] for r in done_rows)
    return sites


@task(name="classify", **TASK_OPTS)
def classify_task(run: Run, taxonomy, force: bool, advance) -> None:
    counts = stages.classify_pending(run.wh, taxonomy, force=force, progress=advance, stop=run.stop,
                                     on_classified=run.note_classified)
    run.counts.add(articles_clustered=counts.get("articles_clustered", 0))
    refresh_index(run, full=True)  # themes changed; and whatever an earlier run left behind


def classify_stored(run: Run, force: bool = False) -> None:
    """Relevance, themes, entities, clusters for what needs them (after extraction and cleaning)."""
    from extractors.taxonomy import load_taxonomy

    if run.stop.is_set():
        return
    taxonomy = load_taxonomy(run.settings.taxonomy_path)
    with run.progress.stage("classifying", total=run.wh.articles.count()) as advance:
        classify_task(run, taxonomy, force, advance)


@task(name="clean-sites", **TASK_OPTS)
def clean_task(run: Run, sites: set[str], advance) -> None:
    run.counts.add(stages.clean_sites(run.wh, sites, advance, stop=run.stop))
    refresh_index(run)  # cleaned texts


def _next_rows(run: Run, fetching, exclude=(), wait: bool = True,
               arrivals: stages.Arrivals | None = None) -> list[dict]:
    """The next batch of fetched pages (not ``exclude``). While fetching goes on, a batch is
    worth taking at 50 pages (or ``batch_size``); ``wait``: wait for one, else return [] at once.
    [] with ``wait`` means nothing is left and nothing more will come. Pages come from
    ``arrivals`` while the fetch task hands them over, then from the warehouse (pages an earlier
    run stored and left, or that another process's fetch stored). A page whose stored body has
    gone is recorded as a failure and queued to be fetched again; it never holds up the rest."""
    while True:
        rows = _next_stored(run, fetching, exclude, wait, arrivals)
        kept = [r for r in rows if r["body"] is not None]
        if len(kept) < len(rows):
            run.counts.add(pages_body_missing=run.wh.pages.forget_missing_bodies(
                [r["url"] for r in rows if r["body"] is None]))
        if kept or not rows:
            return kept


def _next_stored(run: Run, fetching, exclude, wait: bool, arrivals: stages.Arrivals | None) -> list[dict]:
    wh, want = run.wh, run.settings.batch_size
    while True:
        if run.stop.is_set():
            return []
        if fetching is None:
            return wh.pages.fetched(want, exclude=exclude, run_id=run.run_id)
        done = _finished(fetching)  # before looking: what it stored by then is visible
        at_least = 1 if done else min(want, 50)
        if arrivals is not None:
            rows = arrivals.take(want, at_least=at_least, timeout=0.25 if wait and not done else 0.0)
            if rows:
                return _with_bodies(wh, rows)
            if done:
                return wh.pages.fetched(want, exclude=exclude, run_id=run.run_id)
            if not wait:
                return []
            continue
        rows = wh.pages.fetched(want, exclude=exclude, at_least=0 if done else at_least, run_id=run.run_id)
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
    bodies = wh.pages.raw_bodies(missing)
    return [r if r["body"] is not None else dict(r, body=bodies.get(r["url"])) for r in rows]


def extract_stored(run: Run, all_sites: bool = False, fetching=None, expected: int = 0,
                   arrivals: stages.Arrivals | None = None) -> None:
    """Extract every fetched page (also those a concurrent ``fetching`` task is still storing),
    then clean again every site that gained pages (or all of them)."""
    settings, wh = run.settings, run.wh
    waiting = wh.frontier.count_by_state().get("fetched", 0) + expected
    with run.progress.stage("extracting", total=waiting) as advance:
        if settings.task_runner != "local":  # Dask: each batch a Prefect task on the cluster
            sites = _extract_pipelined(run, advance, extract_compute.submit, 4, fetching)
        else:
            extractor = stages.Extractor(settings.workers, str(settings.taxonomy_path))
            if waiting >= 16:  # workers load while the first pages are fetched
                extractor.start()
            try:
                sites = _extract_pipelined(run, advance, extractor.submit, 2, fetching, arrivals)
            finally:
                extractor.close()
    if all_sites:
        wh.articles.forget_stale_sites()
        sites = set(wh.articles.all_sites())
    if sites and not run.stop.is_set():
        with run.progress.stage("cleaning sites", total=len(sites)) as advance:
            clean_task(run, sites, advance)


def run_markdown(flow_name: str, totals: dict, report: dict) -> str:
    """The run as a Markdown page: counts per stage, per feed, failures by reason."""
    from .progress import EXTRA_ROWS, SUMMARY_ROWS

    lines = [f"# chipwire {flow_name} run `{totals.get('run_id')}`", "", "| stage | count |", "| --- | ---: |"]
    lines += [f"| {label} | {totals[key]} |" for label, key in SUMMARY_ROWS + EXTRA_ROWS if key in totals]
    lines += [f"> {note}" for note in totals.get("notes") or ()]
    if report["feeds"]:
        lines += ["", "## Feeds", "", "| feed | HTTP | health | entries seen (total) | errors in a row |",
                  "| --- | ---: | --- | ---: | ---: |"]
        lines += [f"| {name} | {status or ''} | {health} | {seen} | {errs} |"
                  for name, status, health, seen, errs in report["feeds"]]
    if report["failures"]:
        lines += ["", "## Failures by reason", "", "| stage | reason | URLs |", "| --- | --- | ---: |"]
        lines += [f"| {stage} | {reason.replace('|', '/')} | {n} |" for stage, reason, n in report["failures"]]
    return "\n".join(lines) + "\n"


def publish_artifact(run: Run) -> dict:
    """Publish the finished run as a Prefect Markdown artifact; returns the flow's result."""
    from prefect.artifacts import create_markdown_artifact

    result = run.result()
    try:
        create_markdown_artifact(key=f"chipwire-{run.flow}",
                                 markdown=run_markdown(run.flow, result, run.wh.operations.run_report(run.run_id)),
                                 description=f"chipwire {run.flow}: counts per stage and feed, failures by reason")
    except Exception:  # an artifact is a courtesy: never fail a run that loaded its data
        pass
    return result


@flow(name="ingest", validate_parameters=False, log_prints=False)
def ingest_flow(settings: Settings) -> dict:
    sources = load_sources(settings.sources_path)
    with recorded_run(settings, "ingest", str(settings.sources_path)) as run:
        network_down = poll_feeds_task(run, sources)
        if network_down:  # pages stay pending for the next run; what is stored is extracted
            extract_stored(run)
        else:
            fetch_and_extract(run, sources, budget=sources.fetch.budget)
        classify_stored(run)
    return publish_artifact(run)
