"""`backfill` and `reextract`: Prefect flows over saved files, URL lists, sitemaps, WARC files
and stored raw pages.

Every source ends in the frontier, so a backfill is idempotent (what is stored is not fetched
or stored again) and resumable (run the same command again: what is pending is fetched,
what is fetched is extracted), and as polite as ingest (the same fetcher and [fetch] policy).

``--dir``: saved .html/.htm/.txt files, recursively. Each file is stored as a raw page (so
`reextract` can run over it later) and goes through the same extraction and cleaning as a
fetched page. Its URL is the file's file:// URI, unless the document declares a canonical
http(s) URL. Idempotent (a file already stored is skipped) and resumable (stored but not yet
extracted files are extracted by the next run).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task

from extractors.urllist import parse_url_list
from warehouse.records import Captured

from . import pipeline
from .files import file_records, scan_dir
from .ingest import STEPS, TASK_OPTS
from .run import Run, recorded_run
from .settings import Settings
from .sources_io import discover_sitemap, sources_or_default, store_warc, url_entries
from .summary import publish_artifact

@task(name="store-files", **TASK_OPTS)
def store_files_task(run: Run, paths: list[Path], advance, source_name: str | None = None) -> None:
    records, copies = file_records(paths, source_name)
    states = run.wh.frontier.states([r.url for r in records])
    fresh = [r for r in records if states.get(r.url) not in ("done", "failed", "fetched")]
    if fresh:
        run.wh.frontier.add([r.entry for r in fresh])
        run.wh.pages.save_fetches([r.page for r in fresh], [])
    advance(len(paths))
    run.counts.add(files_seen=len(paths), files_stored=len(fresh), files_skipped=len(records) - len(fresh),
                   files_duplicate=copies)


@flow(name="backfill", validate_parameters=False, log_prints=False)
def backfill_dir_flow(settings: Settings, directory: str, source_name: str | None = None) -> dict:
    """--dir PATH [--source NAME]: saved files; NAME names their outlet when given."""
    with recorded_run(settings, "backfill", directory) as run:
        paths = scan_dir(Path(directory))
        with run.progress.stage("reading files", total=len(paths)) as advance:
            for i in range(0, len(paths), settings.batch_size):
                if run.stop.is_set():
                    break
                store_files_task(run, paths[i:i + settings.batch_size], advance, source_name)
        pipeline.extract_stored(run, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


@flow(name="backfill-urls", validate_parameters=False, log_prints=False)
def backfill_urls_flow(settings: Settings, urls_file: str) -> dict:
    """--urls FILE: one URL a line, listed by the user (trusted as given)."""
    sources = sources_or_default(settings)
    links = parse_url_list(Path(urls_file).read_text(encoding="utf-8"), urls_file)
    with recorded_run(settings, "backfill", urls_file) as run:
        run.counts.add(urls_listed=len(links))
        run.counts.add(run.wh.frontier.add(url_entries(links)))
        pipeline.fetch_and_extract(run, sources, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


@flow(name="backfill-sitemap", validate_parameters=False, log_prints=False)
def backfill_sitemap_flow(settings: Settings, sitemap_url: str, since: date | None = None,
                          until: date | None = None) -> dict:
    sources = sources_or_default(settings)
    with recorded_run(settings, "backfill", sitemap_url) as run:
        entries, counts, trust = discover_sitemap(sources.fetch, sitemap_url, since, until, robots=run.robots)
        run.counts.add(counts, urls_listed=len(entries))
        hints = {e.loc: {"entry_title": e.title, "entry_published_at": e.published or e.lastmod,
                         "entry_language": e.language} for e in entries}
        run.counts.add(run.wh.frontier.add(url_entries([e.loc for e in entries], found_in=sitemap_url,
                                                           trust=trust, hints=hints)))
        pipeline.fetch_and_extract(run, sources, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


@task(name="store-warc", **TASK_OPTS)
def store_records_task(run: Run, records: list[Captured]) -> None:
    by_url = {r.url: r for r in records}  # the same URL captured twice: keep the last capture
    states = run.wh.frontier.states(list(by_url))
    fresh = [r for r in by_url.values() if states.get(r.url) not in ("done", "failed", "fetched")]
    if fresh:
        run.wh.frontier.add([r.entry for r in fresh])
        run.wh.pages.save_fetches([r.page for r in fresh], [])
    run.counts.add(records_stored=len(fresh), records_already_stored=len(by_url) - len(fresh))


@flow(name="backfill-warc", validate_parameters=False, log_prints=False)
def backfill_warc_flow(settings: Settings, paths: list[str]) -> dict:
    """--warc FILE...: HTML response records become articles (WARC-Date as fetched_at);
    revisit, truncated and non-HTML records are skipped and counted."""
    from .warc import WarcStats

    stats = WarcStats()
    with recorded_run(settings, "backfill", " ".join(paths)) as run:
        with run.progress.stage("reading WARC", total=len(paths)) as advance:
            for path in paths:
                store_warc(run, path, stats, store_records_task)
                advance(1)
        run.counts.add({k: v for k, v in stats.as_dict().items() if v})
        pipeline.extract_stored(run, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


@flow(name="reextract", validate_parameters=False, log_prints=False)
def reextract_flow(settings: Settings) -> dict:
    with recorded_run(settings, "reextract", None) as run:
        run.counts.add(pages_requeued=run.wh.frontier.requeue_extraction())
        pipeline.extract_stored(run, all_sites=True, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


@flow(name="reclassify", validate_parameters=False, log_prints=False)
def reclassify_flow(settings: Settings) -> dict:
    """Relevance, themes, entities and clusters again over every stored article, offline,
    replacing their rows (after a taxonomy edit or a classifier upgrade)."""
    with recorded_run(settings, "reclassify", str(settings.taxonomy_path)) as run:
        pipeline.classify_stored(run, force=True, steps=STEPS)
    return publish_artifact(run)


__all__ = ["backfill_dir_flow", "backfill_sitemap_flow", "backfill_urls_flow", "backfill_warc_flow",
           "reclassify_flow", "reextract_flow", "scan_dir"]
