"""Articles: the extracted articles, the URLs that lead to them, and site cleaning (each site's
line fingerprints, what was learnt of its furniture, the clean text it gives)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from .classification import write_classifications
from .frontier import record_failures
from .records import ArticleRow, CleanedText, ClassifiedBatch, Failure, SiteLine, StageReport
from .staging import dicts, records_table, rows_by_keys, schema_of, staged, utcnow

if TYPE_CHECKING:
    from .staging import Facade

ARTICLE_SCHEMA = schema_of(ArticleRow)
LINES_SCHEMA = schema_of(SiteLine)
CLEAN_SCHEMA = schema_of(CleanedText)

_UPSERT = """
    INSERT INTO articles AS a (article_id, url, canonical_url, final_url, syndicated_from, source,
        feed_url, title, author, published_at, fetched_at, language, text, description,
        word_count, extractor_version, extracted_text, site, cleaner_version, published_at_source,
        site_name, body_source, first_seen_at, updated_at)
    SELECT article_id, url, canonical_url, final_url, syndicated_from, source, feed_url, title,
        author, published_at, fetched_at, language, text, description, word_count,
        extractor_version, extracted_text, site, cleaner_version, published_at_source,
        site_name, body_source, $now, $now
    FROM art_batch
    ON CONFLICT (article_id) DO UPDATE SET
        canonical_url = excluded.canonical_url, final_url = excluded.final_url,
        syndicated_from = excluded.syndicated_from, source = excluded.source,
        feed_url = coalesce(a.feed_url, excluded.feed_url),
        title = excluded.title, author = excluded.author,
        published_at = coalesce(excluded.published_at, a.published_at),
        published_at_source = CASE WHEN excluded.published_at IS NOT NULL
                                   THEN excluded.published_at_source ELSE a.published_at_source END,
        site_name = excluded.site_name, body_source = excluded.body_source,
        fetched_at = excluded.fetched_at, language = excluded.language, text = excluded.text,
        description = excluded.description, word_count = excluded.word_count,
        extractor_version = excluded.extractor_version, extracted_text = excluded.extracted_text,
        site = excluded.site, cleaner_version = excluded.cleaner_version,
        updated_at = excluded.updated_at
"""
_DONE = ("UPDATE frontier SET state = 'done', article_id = d.article_id, last_error = NULL, "
         "updated_at = $now FROM done_batch d WHERE frontier.url = d.url")
_STALE_LINES = ("DELETE FROM site_lines WHERE article_id NOT IN (SELECT article_id FROM articles) "
                "OR (site, article_id) NOT IN (SELECT site, article_id FROM articles WHERE site IS NOT NULL)")
_GONE_SITES = "FROM site_furniture WHERE site NOT IN (SELECT DISTINCT site FROM articles WHERE site IS NOT NULL)"
_COUNT_GONE_SITES = "SELECT count(DISTINCT site) " + _GONE_SITES
# what site cleaning reads of the articles $ids (articles_at)
_ARTICLES_AT = """
SELECT site, article_id, url, final_url, title,
       CASE WHEN text IS NOT DISTINCT FROM extracted_text THEN NULL ELSE text END AS text,
       text IS NOT DISTINCT FROM extracted_text AS same, extracted_text, language,
       coalesce(published_at, fetched_at) AS story_date
FROM articles WHERE list_contains($ids, article_id) AND extracted_text IS NOT NULL
"""
_ARTICLES_IN_RANGE = _ARTICLES_AT + "AND rowid BETWEEN $lo AND $hi"
_DROP_GONE_SITES = "DELETE " + _GONE_SITES

# the lines of each site (story_map: its pages' stories) on at least $least of its stories
_RECURRING = """
WITH recurring AS (
  SELECT l.site, l.fingerprint, count(DISTINCT m.story) AS stories, bool_or(l.prose) AS plain
  FROM site_lines l JOIN story_map m USING (site, article_id)
  GROUP BY ALL HAVING count(DISTINCT m.story) >= $least)
"""
_RECURRING_LINES = _RECURRING + "SELECT * FROM recurring"
_RECURRING_PAGES = _RECURRING + ("SELECT DISTINCT site, article_id FROM site_lines SEMI JOIN recurring "
                                 "USING (site, fingerprint) WHERE site IN (SELECT DISTINCT site FROM story_map)")


def _one_per_id(articles: list[ArticleRow], now: datetime) -> list[ArticleRow]:
    """One article per article_id: the first fetched wins the `url` column."""
    by_id: dict[str, ArticleRow] = {}
    for a in articles:
        prev = by_id.get(a.article_id)
        if prev is None or (a.fetched_at or now) <= (prev.fetched_at or now):
            by_id[a.article_id] = a
    return list(by_id.values())


def _upsert_articles(con, articles: list[ArticleRow], now: datetime) -> dict[str, int]:
    """The articles and their site line fingerprints; returns articles_new, articles_updated."""
    kept = _one_per_id(articles, now)
    lines = [SiteLine(a.site, a.article_id, fp, prose) for a in kept if a.site for fp, prose in a.site_lines]
    with staged(con, "art_batch", records_table(kept, ARTICLE_SCHEMA)):
        new = int(con.execute("SELECT count(*) FROM art_batch b ANTI JOIN articles a USING (article_id)").fetchall()[0][0])
        con.execute(_UPSERT, {"now": now})
        con.execute("DELETE FROM site_lines WHERE article_id IN (SELECT article_id FROM art_batch)")
        if lines:
            with staged(con, "lines_batch", records_table(lines, LINES_SCHEMA)):
                con.execute("INSERT INTO site_lines SELECT DISTINCT site, article_id, fingerprint, prose "
                            "FROM lines_batch ON CONFLICT DO NOTHING")
    return {"articles_new": new, "articles_updated": len(kept) - new}


def _link_urls(con, articles: list[ArticleRow], now: datetime) -> None:
    """Every URL that leads to an article points at it; its frontier rows are done."""
    urls = {u: a.article_id for a in articles for u in (a.frontier_url, a.url, a.final_url, a.canonical_url)}
    with staged(con, "url_batch", pa.table({"url": list(urls), "article_id": list(urls.values())})):
        con.execute("INSERT INTO article_urls SELECT url, article_id FROM url_batch ON CONFLICT (url) DO NOTHING")
    done = pa.table({"url": [a.frontier_url for a in articles], "article_id": [a.article_id for a in articles]})
    with staged(con, "done_batch", done):
        con.execute(_DONE, {"now": now})
        con.execute("DELETE FROM failures WHERE url IN (SELECT url FROM done_batch)")


def _not_done_elsewhere(con, articles: list[ArticleRow], failures: list[Failure], classified: ClassifiedBatch):
    """The batch without the pages another run has meanwhile marked done or failed."""
    urls = [a.frontier_url for a in articles] + [f.url for f in failures]
    if not urls:
        return articles, failures, classified
    with staged(con, "taken_urls", pa.table({"url": urls})):
        done = {r[0] for r in con.execute("SELECT url FROM frontier JOIN taken_urls USING (url) "
                                          "WHERE state IN ('done', 'failed')").fetchall()}
    if not done:
        return articles, failures, classified
    articles = [a for a in articles if a.frontier_url not in done]
    failures = [f for f in failures if f.url not in done]
    return articles, failures, classified.only({a.article_id for a in articles})


def _write(con, articles: list[ArticleRow], failures: list[Failure], classified: ClassifiedBatch | None,
           now: datetime) -> dict[str, int]:
    counts = {"articles_new": 0, "articles_updated": 0}
    if articles:
        counts.update(_upsert_articles(con, articles, now))
        _link_urls(con, articles, now)
    if failures:
        record_failures(con, failures, now)
    if classified:
        write_classifications(con, classified.rows, classified.themes, classified.entities,
                              classified.signatures, classified.bands, now=now)
    return counts


class Articles:
    def __init__(self, wh: Facade):
        self.wh = wh

    def save(self, articles: list[ArticleRow], failures: list[Failure],
             classified: ClassifiedBatch | None = None) -> dict[str, int]:
        """Upsert extracted articles (one per article_id) and mark their frontier rows done,
        record ``failures``, and store ``classified`` (the classifications of these articles),
        in one transaction. Returns articles_new, articles_updated."""
        now = utcnow()
        with self.wh.transaction() as con:
            return _write(con, articles, failures, classified, now)

    def save_extracted(self, articles: list[ArticleRow], failures: list[Failure],
                       classified: ClassifiedBatch) -> StageReport:
        """``save`` for a batch of extraction results, leaving out pages whose frontier row
        another run has meanwhile marked done or failed (it extracted them too): work two runs
        did is stored and counted once, by the first. The report counts what was written
        (articles_new, articles_updated, extract_failed) and names the sites of the articles
        written and the verdicts of those classified."""
        now = utcnow()
        with self.wh.transaction() as con:
            articles, failures, classified = _not_done_elsewhere(con, articles, failures, classified)
            counts = _write(con, articles, failures, classified, now)
        counts["extract_failed"] = len(failures)
        return StageReport(counts=counts, sites=frozenset(a.site for a in articles if a.site),
                           verdicts={r.article_id: bool(r.is_relevant) for r in classified.rows})

    def count(self) -> int:
        with self.wh.connect() as con:
            return con.execute("SELECT count(*) FROM articles").fetchall()[0][0]

    # -- site cleaning ---------------------------------------------------------------------
    def site_sizes(self, sites: list[str]) -> dict[str, int]:
        """How many articles with an extracted text each of ``sites`` has (0 for none)."""
        with self.wh.connect() as con:
            counts = dict(con.execute(
                "SELECT site, count(*) FROM articles WHERE site IN (SELECT unnest($sites)) "
                "AND extracted_text IS NOT NULL GROUP BY site", {"sites": list(sites)}).fetchall())
        return {site: int(counts.get(site, 0)) for site in sites}

    def sites_prose(self, sites: list[str], max_holders: int
                    ) -> tuple[dict[str, dict[str, int]], dict[str, list[list[str]]]]:
        """What each site's stories are made of (`sitelearn.story_of`), counted here rather than
        from every stored line in memory (a site's lines grow with its history): site -> page
        -> how many plain prose lines it has (every page with stored lines), and site -> the
        holders (pages, in id order) of each plain prose line on 2 to ``max_holders`` of its
        pages (`sitelearn.shared_prose`). One scan of the table for many sites."""
        prose: dict[str, dict[str, int]] = {site: {} for site in sites}
        holders: dict[str, list[list[str]]] = {site: [] for site in sites}
        with self.wh.connect() as con:
            for site, aid, n in con.execute(
                    "SELECT site, article_id, count(*) FILTER (WHERE prose) FROM site_lines "
                    "WHERE site IN (SELECT unnest($sites)) GROUP BY ALL", {"sites": list(sites)}).fetchall():
                prose[site][aid] = n
            for site, pages in con.execute(
                    "SELECT site, list(article_id ORDER BY article_id) FROM site_lines "
                    "WHERE site IN (SELECT unnest($sites)) AND prose GROUP BY site, fingerprint "
                    "HAVING count(*) BETWEEN 2 AND $most", {"sites": list(sites), "most": max_holders}).fetchall():
                holders[site].append(pages)
        return prose, holders

    def sites_recurring(self, story: dict[str, dict[str, str]], min_stories: int
                        ) -> dict[str, tuple[dict[str, int], frozenset[str], set[str]]]:
        """Given each site's page -> story (`sitelearn.story_of`): site -> (fingerprint -> how
        many stories it is on, for the lines on at least ``min_stories``; those of them that
        some page holds as plain prose; the pages holding one of them)."""
        out = {site: ({}, set(), set()) for site in story}
        table = pa.table({"site": [site for site, pages in story.items() for _ in pages],
                          "article_id": [aid for pages in story.values() for aid in pages],
                          "story": [st for pages in story.values() for st in pages.values()]},
                         schema=pa.schema([(name, pa.string()) for name in ("site", "article_id", "story")]))
        with self.wh.connect() as con, staged(con, "story_map", table):
            for site, fp, n, plain in con.execute(_RECURRING_LINES, {"least": min_stories}).fetchall():
                out[site][0][fp] = n
                if plain:
                    out[site][1].add(fp)
            for site, aid in con.execute(_RECURRING_PAGES, {"least": min_stories}).fetchall():
                out[site][2].add(aid)
        return {site: (counts, frozenset(plain), holders) for site, (counts, plain, holders) in out.items()}

    def sites_keys(self, sites: list[str]) -> list[tuple[str, str, int]]:
        """(site, article_id, rowid) of the articles with an extracted text of ``sites``, by site
        and, within a site, in storage order: site cleaning reads a batch's articles a page of
        these keys at a time (``articles_at``), so that a site with many stored articles is never
        held whole, and a page's read touches the page, not the site (keys only, each site's
        name one string: ~20 MB for 100,000 articles, whose texts would be ~700 MB)."""
        names = {site: site for site in sites}
        with self.wh.connect() as con:
            return [(names.get(s, s), a, int(r)) for s, a, r in con.execute(
                "SELECT site, article_id, rowid FROM articles "
                "WHERE site IN (SELECT unnest($sites)) AND extracted_text IS NOT NULL ORDER BY site, rowid",
                {"sites": list(sites)}).fetchall()]

    def articles_at(self, keys: list[tuple[str, str, int]]) -> list[dict]:
        """The articles of ``keys`` (a page of ``sites_keys``), in their order, each with its
        ``site``; a key whose article is gone is left out. Read by the page's range of rowids,
        which consecutive keys keep narrow: ordered by article id instead, a page's rows lie
        all over the table and each page's read scanned every stored text (at 4,000 stored
        articles, +57 MB of DuckDB's buffers a page against +22 MB; docs/benchmarks.md,
        thirteenth session). A rowid only narrows the read: an article that a checkpoint moved
        since its key was read is read again by its id. A text equal to its extracted text
        (one site cleaning left as it was) is read once and shared by both keys."""
        if not keys:
            return []
        ids = [aid for _, aid, _ in keys]
        rowids = [rid for _, _, rid in keys]
        with self.wh.connect() as con:
            rows = rows_by_keys(con, _ARTICLES_IN_RANGE, _ARTICLES_AT, ids, rowids)
        got = {}
        for row in rows:
            if row.pop("same"):
                row["text"] = row["extracted_text"]
            got[row["article_id"]] = row
        return [got[aid] for aid in ids if aid in got]

    def forget_stale_sites(self) -> int:
        """Drop what was learnt for sites (outlets) no stored article belongs to any more: after
        an extractor upgrade that keys outlets differently (reextract), their rows would stay."""
        with self.wh.transaction() as con:
            gone = con.execute(_COUNT_GONE_SITES).fetchall()[0][0]
            con.execute(_DROP_GONE_SITES)
            con.execute(_STALE_LINES)
        return int(gone)

    def all_sites(self) -> list[str]:
        with self.wh.connect() as con:
            return [r[0] for r in con.execute(
                "SELECT DISTINCT site FROM articles WHERE site IS NOT NULL ORDER BY 1").fetchall()]

    def save_sites_cleaning(self, sites: list[str], texts: list[CleanedText], furniture: list[dict],
                            classified: ClassifiedBatch | None = None) -> None:
        """Replace, in one transaction, the clean text of these sites' pages that changed, what
        was learnt of each site's furniture (``furniture``: {"site", "line", "pages"}; a site
        with none has none left), and (``classified``) the classification of the changed pages."""
        now = utcnow()
        with self.wh.transaction() as con:
            if texts:
                with staged(con, "clean_batch", records_table(texts, CLEAN_SCHEMA)):
                    con.execute(
                        "UPDATE articles SET text = c.text, word_count = c.word_count, cleaner_version = c.cleaner_version, "
                        "updated_at = $now FROM clean_batch c WHERE articles.article_id = c.article_id", {"now": now})
            if classified:
                write_classifications(con, classified.rows, classified.themes, classified.entities,
                                      classified.signatures, classified.bands, now=now)
            con.execute("DELETE FROM site_furniture WHERE site IN (SELECT unnest($sites))", {"sites": list(sites)})
            if furniture:
                rows = {(f["site"], f["line"]): f for f in furniture}
                with staged(con, "furn_batch", pa.Table.from_pylist(list(rows.values()))):
                    con.execute("INSERT INTO site_furniture SELECT site, line, pages, $now FROM furn_batch", {"now": now})
