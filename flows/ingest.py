"""The `ingest` Prefect flow: poll feeds -> fetch pages -> extract -> load, in batches; the
Prefect tasks every flow's pipeline runs (`STEPS`).

Each task run handles a whole batch (all feeds; up to ``batch_size`` pages), never a single
article: a Prefect task run costs milliseconds of orchestration. `flows.pipeline` drives the
batches; stages hand off in memory within a run and through the warehouse (frontier ->
raw_pages -> articles) across runs, so a run killed half-way leaves whole batches behind and
the next run carries on from them. Every stage adds its counts to the run's (`flows.run.Run`)
as its batches commit, and ends its current batch when the run is stopped.

Import this module only after ``settings.apply_prefect_environment``.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.utilities.annotations import opaque
from prefect.cache_policies import NO_CACHE

from extractors.sources import Sources, load_sources

from . import pipeline
from .collect import poll_feeds, queue_pages
from .run import Run, recorded_run
from .settings import Settings
from .summary import publish_artifact
from .work import ExtractJob, extract_many

TASK_OPTS = {"cache_policy": NO_CACHE, "persist_result": False, "retries": 0}


@task(name="poll-feeds", **TASK_OPTS)
def poll_feeds_task(run: Run, sources: Sources) -> bool:
    """Poll the due feeds and queue the listed pages; True when the network looks down."""
    with run.progress.stage("polling feeds", total=len(sources.feeds)) as advance:
        polled = poll_feeds(sources, run.wh, advance, poll_all=run.settings.poll_all, robots=run.robots)
    outage = polled.pop("outage", None)
    if outage:
        run.notes.append(outage)
    run.counts.add(polled)
    pages = queue_pages(sources, run.wh)
    run.counts.add(entries_new=pages["entries_new"])
    return bool(outage)


# The pipeline's steps as Prefect tasks, one task run per batch (see `flows.pipeline.Steps`).
fetch_task = task(name="fetch-pages", **TASK_OPTS)(pipeline.fetch_stage)
load_task = task(name="extract-load", **TASK_OPTS)(pipeline.load_batch)
clean_task = task(name="clean-sites", **TASK_OPTS)(pipeline.clean_stage)
classify_task = task(name="classify", **TASK_OPTS)(pipeline.classify_stage)


@task(name="extract-compute", **TASK_OPTS)
def extract_compute(jobs: list[ExtractJob]) -> list[tuple[str, dict]]:
    """Extraction only (no database): what runs on a Dask worker."""
    return extract_many(jobs)


def _opaque(step):
    """``step`` called with each argument wrapped in Prefect's ``opaque``: a future among them
    still becomes its result, but Prefect does not walk into them (a batch is thousands of nested
    records; walking them for futures and task inputs cost the main process ~0.2 ms a page).
    For the steps called in the flow's process only: a submitted task (a Dask worker's) gets
    the annotation itself, pickled as a plain tuple, not its value."""

    def call(*args):
        return step(*(opaque(a) for a in args))

    return call


STEPS = pipeline.Steps(fetch=fetch_task.submit, load=_opaque(load_task), clean=_opaque(clean_task),
                       classify=_opaque(classify_task), compute=extract_compute.submit)


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


@flow(name="ingest", validate_parameters=False, log_prints=False)
def ingest_flow(settings: Settings) -> dict:
    sources = load_sources(settings.sources_path)
    with recorded_run(settings, "ingest", str(settings.sources_path)) as run:
        network_down = poll_feeds_task(run, sources)
        if network_down:  # pages stay pending for the next run; what is stored is extracted
            pipeline.extract_stored(run, steps=STEPS)
        else:
            pipeline.fetch_and_extract(run, sources, budget=sources.fetch.budget, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)
