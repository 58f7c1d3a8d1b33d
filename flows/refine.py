"""After extraction: each site cleaned with what all its pages teach, then relevance, themes,
entities and story clusters for what needs them. Both read and write the warehouse in
batches; the flows run them once the pipeline has loaded a run's pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from extractors.article import word_count
from extractors.clean import CLEANER_VERSION, site_clean
from extractors.sitelearn import MAX_HOLDERS, MIN_PAGES, SiteProfile, body_lines, shared_prose, story_of
from warehouse.db import Warehouse
from warehouse.records import Classified, CleanedText, ClassifiedBatch, StageReport

from .work import bands_of, classify_row


# -- cleaning with what each site teaches --------------------------------------------------------
# sites read, cleaned and written together (one scan of each table, one transaction), up to
# this many sites or this many of their articles (a larger site goes alone)
SITES_PER_BATCH = 500
# A batch's articles are read, cleaned, classified and written this many at a time (a page), and
# the warehouse's instance released after each: the stage's memory is a page's texts (and their
# new texts) whatever the size of a site. 3,000 a batch made the stage the run's peak past ~3,000
# pages (+65 MB of texts, +65 MB of DuckDB's result); a site read whole grew the peak with the
# site (the benchmark's one host: +100 MB at 4,000 pages). docs/benchmarks.md, twelfth session.
ARTICLES_PER_BATCH = 500


def site_batches(sizes: dict[str, int]) -> list[list[str]]:
    """The sites (sorted) in consecutive batches within SITES_PER_BATCH and ARTICLES_PER_BATCH."""
    batches: list[list[str]] = []
    held = 0
    for site in sorted(sizes):
        if not batches or len(batches[-1]) >= SITES_PER_BATCH or (batches[-1] and held + sizes[site] > ARTICLES_PER_BATCH):
            batches.append([])
            held = 0
        batches[-1].append(site)
        held += sizes[site]
    return batches


def clean_sites(wh: Warehouse, sites: set[str], progress: Callable[[int], None] | None = None,
                stop=None, taxonomy=None, model="default",
                pool: Callable[[list[CleanedText]], list[Classified] | None] | None = None) -> StageReport:
    """Learn each site's recurring furniture from all its stored pages, and clean every page of
    the site with it (pages stored before the furniture was learnt included). ``taxonomy``:
    classify the articles whose text changed, in hand, and store their classification with
    their text (so the classify stage does not find them again); None: leave that to it.
    ``model``: the classifier's model (``work.classifier_model``); ``pool``: classifies a batch's
    changed texts on the extraction workers (``work.Extractor.classify``; None: here). ``stop`` ends the stage after
    the site in hand, or after the page in hand of a site larger than a page (what is done so far
    is written; such a site's furniture rows are replaced when all of it is cleaned). Sites go in batches
    (``site_batches``): a run or backfill touching many sites reads each table once a batch,
    not once a site; a batch's articles are read and written a page at a time."""
    classify = (lambda texts: _classify(texts, taxonomy, model, pool)) if taxonomy is not None else None
    counts, verdicts = Counter(sites_cleaned=0, articles_recleaned=0), {}
    batches = site_batches(wh.articles.site_sizes(sorted(sites))) if sites else []
    wh.release()  # (as after each step below: pipeline.RELEASE_EVERY)
    for batch in batches:
        if not _SiteBatch(wh, batch, progress, stop, classify).clean(counts, verdicts):
            break
    return StageReport(counts=dict(counts), verdicts=verdicts)


class _SiteBatch:
    """One batch of sites being cleaned. What each site's profile needs is counted by the
    warehouse (a site's stored lines are never held: they grow with its history); its articles
    come a page at a time, ordered by site, so a site is finished when the next one's first
    article comes (or the last page ends). Each page's changed texts are written, classified,
    with the furniture of the sites it finished."""

    def __init__(self, wh: Warehouse, sites: list[str], progress, stop, classify):
        self.wh, self.progress, self.stop, self.classify = wh, progress, stop, classify
        self.profiles, self.lined, self.recurs = learn_sites(wh, sites)
        wh.release()  # what DuckDB held for counting (pipeline.RELEASE_EVERY)
        self.open = list(sites)  # not finished yet, in order
        self.finished: list[str] = []  # finished since the last write
        self.removed: dict[str, Counter] = {}  # site -> its lines removed (furniture), once begun
        self.profile = SiteProfile()  # of the site in hand

    def clean(self, counts: Counter, verdicts: dict[str, bool]) -> bool:
        """Clean the batch, adding to ``counts`` and ``verdicts``; False when ``stop`` ended it early."""
        keys = self.wh.articles.sites_keys(self.open)
        for start in range(0, max(len(keys), 1), ARTICLES_PER_BATCH):  # (no keys: one empty page finishes the sites)
            last = start + ARTICLES_PER_BATCH >= len(keys)
            texts, stopped = self._page(self.wh.articles.articles_at(keys[start:start + ARTICLES_PER_BATCH]))
            if not stopped and last:
                self._finish_before(None)  # the last page: every site is done
            self._write(texts, counts, verdicts)
            if stopped or not self.open:
                return not stopped
            if self.stop is not None and self.stop.is_set():
                return False  # within a large site: its pages so far are written, its furniture is not
        return True

    def _page(self, rows: list[dict]) -> tuple[list[CleanedText], bool]:
        texts: list[CleanedText] = []
        for a in rows:
            site = a["site"]
            if site not in self.removed:  # a site's first article: the sites before it are done
                self._finish_before(site)
                if self.stop is not None and self.stop.is_set():
                    return texts, True
                self.removed[site] = Counter()
                self.profile = self.profiles.pop(site, SiteProfile())
            if _untouched(a, a["article_id"] in self.lined, a["article_id"] in self.recurs):
                continue
            text, gone = site_clean(a["extracted_text"], self.profile)
            self.removed[site].update(gone)
            if text != a["text"]:
                texts.append(CleanedText(a["article_id"], text, word_count(text), CLEANER_VERSION,
                                         title=a["title"], language=a["language"], story_date=a["story_date"]))
        return texts, False

    def _finish_before(self, site: str | None) -> None:
        """Mark done every open site that sorts before ``site`` (None: all of them)."""
        while self.open and (site is None or self.open[0] < site):
            done = self.open.pop(0)
            self.finished.append(done)
            self.profiles.pop(done, None)
            if self.progress:
                self.progress(1)

    def _write(self, texts: list[CleanedText], counts: Counter, verdicts: dict[str, bool]) -> None:
        classified = self.classify(texts) if self.classify is not None and texts else None
        if classified is not None:
            verdicts.update({r.article_id: bool(r.is_relevant) for r in classified.rows})
        furniture = [{"site": site, "line": line[:500], "pages": n}
                     for site in self.finished for line, n in self.removed.pop(site, Counter()).items()]
        if texts or self.finished:
            self.wh.articles.save_sites_cleaning(self.finished, texts, furniture, classified)
            self.wh.release()  # what DuckDB held for the page goes with it (pipeline.RELEASE_EVERY)
        counts["sites_cleaned"] += len(self.finished)
        counts["articles_recleaned"] += len(texts)
        self.finished = []


def learn_sites(wh: Warehouse, sites: list[str]) -> tuple[dict[str, SiteProfile], set[str], set[str]]:
    """Each site's profile (`sitelearn.build_profile` of its stored lines, counted by the
    warehouse: `Articles.sites_prose`, `sites_recurring`), the pages with stored lines, and
    those of them holding a line that recurs on their site."""
    prose, holders = wh.articles.sites_prose(sites, MAX_HOLDERS)
    story = {site: story_of(prose[site], shared_prose(holders.pop(site))) for site in sites}
    profiles: dict[str, SiteProfile] = {}
    lined: set[str] = set()
    recurs: set[str] = set()
    for site, (counts, plain, holding) in wh.articles.sites_recurring(story, MIN_PAGES).items():
        profiles[site] = SiteProfile(pages=len(set(story[site].values())), counts=counts, plain=plain)
        lined.update(prose[site])
        if profiles[site].teaches:  # (`SiteProfile.recurring`)
            recurs |= holding
    return profiles, lined, recurs


def _classify(texts: list[CleanedText], taxonomy, model, pool) -> ClassifiedBatch:
    """The changed texts' classifications: on the pool when it takes them, else here."""
    done = pool(texts) if pool is not None else None
    if done is None:
        done = [classify_row(t.article_id, t.title, t.text, t.language, t.story_date, taxonomy, model) for t in texts]
    return ClassifiedBatch.of(done)


def _untouched(article: dict, lined: bool, recurs: bool) -> bool:
    """Whether site cleaning leaves this article as it is, known from its stored line
    fingerprints without fingerprinting its text again (``lined``: it has stored lines;
    ``recurs``: one of them recurs on the site): none of its lines recurs, and its text is its
    extracted text, whole (no earlier site cleaning to undo)."""
    if not lined or recurs:
        return False
    text = article["text"]
    return text == article["extracted_text"] and text == "\n".join(body_lines(text))


# -- classification -------------------------------------------------------------------------------


def classify_pending(wh: Warehouse, taxonomy, force: bool = False, batch_size: int = 500,
                     progress: Callable[[int], None] | None = None, stop=None,
                     on_classified: Callable[[dict[str, bool]], None] | None = None,
                     model="default", ids: list[str] | None = None) -> dict[str, int]:
    """Relevance, themes, entities for every article that needs them (new, changed since it was
    classified, or classified by another classifier or taxonomy; ``force``: all; ``ids``: only
    these), then story clusters for every article not yet in one. Rows are replaced, never duplicated.
    ``on_classified`` receives each batch's {article_id: is_relevant}; ``stop`` ends the stage
    after the batch in hand (what is left is classified by the next run). ``model``: the
    classifier's model (``work.classifier_model``; default the shipped one)."""
    from extractors.classify import classifier_version  # numpy and the model: only once classifying

    version = classifier_version(taxonomy, model=model)
    counts = {"articles_classified": 0, "articles_relevant": 0}
    after = ""
    while not (stop is not None and stop.is_set()) and (
            rows := wh.classification.pending(version, batch_size, force=force, after=after, ids=ids)):
        after = rows[-1]["article_id"]
        done = [classify_row(r["article_id"], r["title"], r["text"], r["language"], r["story_date"], taxonomy, model)
                for r in rows]
        batch = ClassifiedBatch.of(done)
        wh.classification.save(batch.rows, batch.themes, batch.entities, batch.signatures, batch.bands)
        counts["articles_classified"] += len(rows)
        counts["articles_relevant"] += sum(1 for r in batch.rows if r.is_relevant)
        if on_classified is not None:
            on_classified({r.article_id: bool(r.is_relevant) for r in batch.rows})
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
    from extractors.dedup import assign_clusters  # imported when clustering, as classify is

    with wh.session():  # a loop of short reads and writes: one connection for all of them
        return _cluster_pending(wh, force, batch_size, assign_clusters)


def _cluster_pending(wh: Warehouse, force: bool, batch_size: int, assign_clusters) -> dict[str, int]:
    if force:
        wh.clusters.reset()
    placed = 0
    while rows := wh.clusters.pending(batch_size):
        new = [(r["article_id"], r["signature"], r["story_date"]) for r in rows]
        existing = wh.clusters.candidate_copies([bands_of(aid, sig) for aid, sig, _ in new])
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
