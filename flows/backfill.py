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

from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

from prefect import flow, task

from extractors.urls import canonicalize
from warehouse import codec

from extractors.errors import SitemapError, SourcesError
from extractors.sitemaps import SitemapEntry, in_window, parse_sitemap, ref_may_match
from extractors.sources import Sources, load_sources
from extractors.urllist import parse_url_list

from .fetch import FetchRequest, origin_key
from . import pipeline
from .files import file_records, scan_dir
from .collect import run_fetches
from .ingest import STEPS, TASK_OPTS, publish_artifact
from .netguard import links_trust
from .run import Run, recorded_run
from .settings import Settings

@task(name="store-files", **TASK_OPTS)
def store_files_task(run: Run, paths: list[Path], advance, source_name: str | None = None) -> None:
    records, copies = file_records(paths, source_name)
    states = run.wh.frontier.states([r["url"] for r in records])
    fresh = [r for r in records if states.get(r["url"]) not in ("done", "failed", "fetched")]
    if fresh:
        run.wh.frontier.add(fresh)
        run.wh.pages.save_fetches(fresh, [])
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


def _url_entries(links, *, found_in: str | None = None, trust: str | None = None,
                 hints: dict | None = None) -> list[dict]:
    """Frontier rows for ``links``: listed by the user (trusted as given), or ``found_in`` a
    document (a sitemap), with ``trust`` (``netguard.links_trust``: the addresses it came from)."""
    hints = hints or {}
    return [{"url": canonicalize(link), "link": link, "origin": "backfill",
             "trusted_origin": trust if found_in else origin_key(link), **hints.get(link, {})}
            for link in links]


@flow(name="backfill-urls", validate_parameters=False, log_prints=False)
def backfill_urls_flow(settings: Settings, urls_file: str) -> dict:
    """--urls FILE: one URL a line, listed by the user (trusted as given)."""
    sources = _sources_or_default(settings)
    links = parse_url_list(Path(urls_file).read_text(encoding="utf-8"), urls_file)
    with recorded_run(settings, "backfill", urls_file) as run:
        run.counts.add(urls_listed=len(links))
        run.counts.add(run.wh.frontier.add(_url_entries(links)))
        pipeline.fetch_and_extract(run, sources, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


MAX_SITEMAPS = 2000  # child sitemaps followed in one backfill


def discover_sitemap(policy, url: str, since, until,
                     robots: dict | None = None) -> tuple[list[SitemapEntry], Counter, str | None]:
    """Fetch a sitemap (index, urlset or news sitemap) and its children, recursively; keep the
    entries inside the window. The sitemap the user gave is trusted as given; the sitemaps and
    links found in it may reach a private address only on its origin, and only the addresses it
    was fetched from. Returns the entries, the counts and that trust (``netguard.links_trust``)."""
    trusted = origin_key(url)
    counts: Counter = Counter()
    entries: list[SitemapEntry] = []
    queue, seen, came_from = [url], {url}, None
    while queue and counts["sitemaps_read"] < MAX_SITEMAPS:
        batch, queue = queue[:20], queue[20:]
        requests = [FetchRequest(url=u, kind="feed", trusted_origin=trusted,
                                 trusted_addresses=None if u == url else came_from) for u in batch]
        results = run_fetches(policy, requests, robots=robots)
        if came_from is None:  # the first batch is the user's sitemap alone
            came_from = frozenset(results[0].peers.get(trusted, ()))
        for res in results:
            if res.error is not None or res.body is None:
                counts["sitemaps_failed"] += 1
                continue
            try:
                sm = parse_sitemap(res.body, res.final_url or res.request.url)
            except SitemapError:
                counts["sitemaps_failed"] += 1
                continue
            counts["sitemaps_read"] += 1
            for ref in sm.sitemaps:
                if ref.loc not in seen and ref_may_match(ref, since, until):
                    seen.add(ref.loc)
                    queue.append(ref.loc)
            for entry in sm.entries:
                if in_window(entry, since, until):
                    entries.append(entry)
                else:
                    counts["sitemap_entries_outside_window"] += 1
    return entries, counts, links_trust(trusted, came_from or ())


@flow(name="backfill-sitemap", validate_parameters=False, log_prints=False)
def backfill_sitemap_flow(settings: Settings, sitemap_url: str, since: date | None = None,
                          until: date | None = None) -> dict:
    sources = _sources_or_default(settings)
    with recorded_run(settings, "backfill", sitemap_url) as run:
        entries, counts, trust = discover_sitemap(sources.fetch, sitemap_url, since, until, robots=run.robots)
        run.counts.add(counts, urls_listed=len(entries))
        hints = {e.loc: {"entry_title": e.title, "entry_published_at": e.published or e.lastmod,
                         "entry_language": e.language} for e in entries}
        run.counts.add(run.wh.frontier.add(_url_entries([e.loc for e in entries], found_in=sitemap_url,
                                                           trust=trust, hints=hints)))
        pipeline.fetch_and_extract(run, sources, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


def warc_records(items) -> list[dict]:
    records = []
    for item in items:
        records.append({
            "url": canonicalize(item.url), "link": item.url, "origin": "backfill", "trusted_origin": None,
            "final_url": item.url, "status": item.status, "content_type": item.content_type,
            "fetched_at": item.fetched_at or datetime.now(timezone.utc), **codec.raw_body(item.body),
        })
    return records


@task(name="store-warc", **TASK_OPTS)
def store_records_task(run: Run, records: list[dict]) -> None:
    by_url = {r["url"]: r for r in records}  # the same URL captured twice: keep the last capture
    states = run.wh.frontier.states(list(by_url))
    fresh = [r for r in by_url.values() if states.get(r["url"]) not in ("done", "failed", "fetched")]
    if fresh:
        run.wh.frontier.add(fresh)
        run.wh.pages.save_fetches(fresh, [])
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
                _store_warc(run, path, stats)
                advance(1)
        run.counts.add({k: v for k, v in stats.as_dict().items() if v})
        pipeline.extract_stored(run, steps=STEPS)
        pipeline.classify_stored(run, steps=STEPS)
    return publish_artifact(run)


def _store_warc(run: Run, path: str, stats) -> None:
    from .warc import iter_warc

    batch = []
    for item in iter_warc(path, stats):
        if run.stop.is_set():
            return
        batch.append(item)
        if len(batch) >= run.settings.batch_size:
            store_records_task(run, warc_records(batch))
            batch = []
    if batch:
        store_records_task(run, warc_records(batch))


def _sources_or_default(settings: Settings):
    """The [fetch] policy of the sources file in use, so backfills are as polite as ingest."""
    try:
        return load_sources(settings.sources_path)
    except SourcesError:
        return Sources(path="(defaults)")


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
