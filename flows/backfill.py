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

from extractors.article import declared_canonical
from extractors.urls import canonicalize
from warehouse.db import Warehouse

from extractors.errors import SitemapError, SourcesError
from extractors.sitemaps import SitemapEntry, in_window, parse_sitemap, ref_may_match
from extractors.sources import Sources, load_sources
from extractors.urllist import parse_url_list

from .fetch import FetchRequest, origin_key
from .netguard import links_trust
from .ingest import TASK_OPTS, classify_stored, extract_stored, fetch_and_extract, recorded_run, stages
from .progress import Progress
from .settings import Settings

SUFFIXES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain; charset=utf-8"}


def scan_dir(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def file_records(paths: list[Path]) -> list[dict]:
    """One frontier entry + raw page per file."""
    records = []
    for path in paths:
        body = path.read_bytes()
        ctype = SUFFIXES[path.suffix.lower()]
        link = (declared_canonical(body) if ctype == "text/html" else None) or path.resolve().as_uri()
        fetched = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        records.append({
            "url": canonicalize(link), "link": link, "origin": "backfill", "trusted_origin": None,
            "final_url": link, "status": 200, "content_type": ctype, "fetched_at": fetched,
            **stages.raw_body(body),
        })
    return records


@task(name="store-files", **TASK_OPTS)
def store_files_task(wh: Warehouse, paths: list[Path], advance) -> dict:
    records = file_records(paths)
    states = wh.frontier_states([r["url"] for r in records])
    fresh = [r for r in records if states.get(r["url"]) not in ("done", "failed", "fetched")]
    if fresh:
        wh.add_to_frontier(fresh)
        wh.save_fetches(fresh, [])
    advance(len(paths))
    return {"files_seen": len(paths), "files_stored": len(fresh), "files_skipped": len(records) - len(fresh)}


@flow(name="backfill", validate_parameters=False, log_prints=False)
def backfill_dir_flow(settings: Settings, directory: str) -> dict:
    progress = Progress(enabled=None if settings.progress else False)
    with recorded_run(settings, "backfill", directory) as (wh, totals):
        paths = scan_dir(Path(directory))
        with progress.stage("reading files", total=len(paths)) as advance:
            for i in range(0, len(paths), settings.batch_size):
                totals.update(store_files_task(wh, paths[i:i + settings.batch_size], advance))
        totals.update(extract_stored(settings, wh, progress))
        totals.update(classify_stored(settings, wh, progress))
    return dict(totals, stage_seconds=progress.timings)


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
    progress = Progress(enabled=None if settings.progress else False)
    sources = _sources_or_default(settings)
    links = parse_url_list(Path(urls_file).read_text(encoding="utf-8"), urls_file)
    with recorded_run(settings, "backfill", urls_file) as (wh, totals):
        totals["urls_listed"] = len(links)
        totals.update(wh.add_to_frontier(_url_entries(links)))
        totals.update(fetch_and_extract(settings, sources, wh, progress, totals["run_id"]))
        totals.update(classify_stored(settings, wh, progress))
    return dict(totals, stage_seconds=progress.timings)


MAX_SITEMAPS = 2000  # child sitemaps followed in one backfill


def discover_sitemap(policy, url: str, since, until) -> tuple[list[SitemapEntry], Counter, str | None]:
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
        results = stages.run_fetches(policy, requests)
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
    progress = Progress(enabled=None if settings.progress else False)
    sources = _sources_or_default(settings)
    with recorded_run(settings, "backfill", sitemap_url) as (wh, totals):
        entries, counts, trust = discover_sitemap(sources.fetch, sitemap_url, since, until)
        totals.update(counts)
        totals["urls_listed"] = len(entries)
        hints = {e.loc: {"entry_title": e.title, "entry_published_at": e.published or e.lastmod,
                         "entry_language": e.language} for e in entries}
        totals.update(wh.add_to_frontier(_url_entries([e.loc for e in entries], found_in=sitemap_url,
                                                      trust=trust, hints=hints)))
        totals.update(fetch_and_extract(settings, sources, wh, progress, totals["run_id"]))
        totals.update(classify_stored(settings, wh, progress))
    return dict(totals, stage_seconds=progress.timings)


def warc_records(items) -> list[dict]:
    records = []
    for item in items:
        records.append({
            "url": canonicalize(item.url), "link": item.url, "origin": "backfill", "trusted_origin": None,
            "final_url": item.url, "status": item.status, "content_type": item.content_type,
            "fetched_at": item.fetched_at or datetime.now(timezone.utc), **stages.raw_body(item.body),
        })
    return records


@task(name="store-warc", **TASK_OPTS)
def store_records_task(wh: Warehouse, records: list[dict]) -> dict:
    by_url = {r["url"]: r for r in records}  # the same URL captured twice: keep the last capture
    states = wh.frontier_states(list(by_url))
    fresh = [r for r in by_url.values() if states.get(r["url"]) not in ("done", "failed", "fetched")]
    if fresh:
        wh.add_to_frontier(fresh)
        wh.save_fetches(fresh, [])
    return {"records_stored": len(fresh), "records_already_stored": len(by_url) - len(fresh)}


@flow(name="backfill-warc", validate_parameters=False, log_prints=False)
def backfill_warc_flow(settings: Settings, paths: list[str]) -> dict:
    """--warc FILE...: HTML response records become articles (WARC-Date as fetched_at);
    revisit, truncated and non-HTML records are skipped and counted."""
    from .warc import WarcStats, iter_warc

    progress = Progress(enabled=None if settings.progress else False)
    stats = WarcStats()
    with recorded_run(settings, "backfill", " ".join(paths)) as (wh, totals):
        with progress.stage("reading WARC", total=len(paths)) as advance:
            for path in paths:
                batch = []
                for item in iter_warc(path, stats):
                    batch.append(item)
                    if len(batch) >= settings.batch_size:
                        totals.update(store_records_task(wh, warc_records(batch)))
                        batch = []
                if batch:
                    totals.update(store_records_task(wh, warc_records(batch)))
                advance(1)
        totals.update({k: v for k, v in stats.as_dict().items() if v})
        totals.update(extract_stored(settings, wh, progress))
        totals.update(classify_stored(settings, wh, progress))
    return dict(totals, stage_seconds=progress.timings)


def _sources_or_default(settings: Settings):
    """The [fetch] policy of the sources file in use, so backfills are as polite as ingest."""
    try:
        return load_sources(settings.sources_path)
    except SourcesError:
        return Sources(path="(defaults)")


@flow(name="reextract", validate_parameters=False, log_prints=False)
def reextract_flow(settings: Settings) -> dict:
    progress = Progress(enabled=None if settings.progress else False)
    with recorded_run(settings, "reextract", None) as (wh, totals):
        totals["pages_queued"] = wh.requeue_extraction()
        totals.update(extract_stored(settings, wh, progress, all_sites=True))
        totals.update(classify_stored(settings, wh, progress))
    return dict(totals, stage_seconds=progress.timings)


@flow(name="reclassify", validate_parameters=False, log_prints=False)
def reclassify_flow(settings: Settings) -> dict:
    """Relevance, themes, entities and clusters again over every stored article, offline,
    replacing their rows (after a taxonomy edit or a classifier upgrade)."""
    progress = Progress(enabled=None if settings.progress else False)
    with recorded_run(settings, "reclassify", str(settings.taxonomy_path)) as (wh, totals):
        totals.update(classify_stored(settings, wh, progress, force=True))
    return dict(totals, stage_seconds=progress.timings)


__all__ = ["backfill_dir_flow", "backfill_sitemap_flow", "backfill_urls_flow", "backfill_warc_flow",
           "reclassify_flow", "reextract_flow", "scan_dir", "stages"]
