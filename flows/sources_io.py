"""Where a backfill's pages come from, read before they reach the frontier: URL lists, sitemaps
(fetched and followed), WARC files, and the sources file's [fetch] policy. No Prefect here:
the flows in `flows.backfill` drive these."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone

from extractors.errors import SitemapError, SourcesError
from extractors.sitemaps import SitemapEntry, in_window, parse_sitemap, ref_may_match
from extractors.sources import Sources, load_sources
from extractors.urls import canonicalize
from warehouse import codec
from warehouse.records import Captured, StoredPage

from .collect import run_fetches
from .fetch import FetchRequest, origin_key
from .netguard import links_trust
from .run import Run
from .settings import Settings


def url_entries(links, *, found_in: str | None = None, trust: str | None = None,
                 hints: dict | None = None) -> list[dict]:
    """Frontier rows for ``links``: listed by the user (trusted as given), or ``found_in`` a
    document (a sitemap), with ``trust`` (``netguard.links_trust``: the addresses it came from)."""
    hints = hints or {}
    return [{"url": canonicalize(link), "link": link, "origin": "backfill",
             "trusted_origin": trust if found_in else origin_key(link), **hints.get(link, {})}
            for link in links]


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


def warc_records(items) -> list[Captured]:
    """WARC response records as frontier entries and their stored pages."""
    records = []
    for item in items:
        url = canonicalize(item.url)
        records.append(Captured(
            entry={"url": url, "link": item.url, "origin": "backfill", "trusted_origin": None},
            page=StoredPage(url=url, final_url=item.url, status=item.status, content_type=item.content_type,
                            fetched_at=item.fetched_at or datetime.now(timezone.utc), body=codec.raw_body(item.body))))
    return records


def store_warc(run: Run, path: str, stats, store: Callable[[Run, list[Captured]], None]) -> None:
    """The WARC file's usable records, ``store``d (the flow's task) a batch at a time."""
    from .warc import iter_warc

    batch = []
    for item in iter_warc(path, stats):
        if run.stop.is_set():
            return
        batch.append(item)
        if len(batch) >= run.settings.batch_size:
            store(run, warc_records(batch))
            batch = []
    if batch:
        store(run, warc_records(batch))


def sources_or_default(settings: Settings):
    """The [fetch] policy of the sources file in use, so backfills are as polite as ingest."""
    try:
        return load_sources(settings.sources_path)
    except SourcesError:
        return Sources(path="(defaults)")
