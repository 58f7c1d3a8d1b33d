"""After extraction: each site cleaned with what all its pages teach, then relevance, themes,
entities and story clusters for what needs them. Both read and write the warehouse in
batches; the flows run them once the pipeline has loaded a run's pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from extractors.article import word_count
from extractors.clean import CLEANER_VERSION, site_clean
from extractors.sitelearn import body_lines, build_profile
from warehouse.db import Warehouse
from warehouse.records import Classified, CleanedText, ClassifiedBatch, StageReport

from .work import classify_row


# -- cleaning with what each site teaches --------------------------------------------------------
# sites read, cleaned and written together (one scan of each table, one transaction), up to
# this many sites or this many of their articles in hand (a larger site goes alone)
SITES_PER_BATCH = 500
# A batch's articles are held in memory (their texts, then the changed ones' new texts): 1,000
# keeps the stage's peak below extraction's (3,000 made it the run's peak past ~3,000 pages, +65
# MB of texts and +65 MB of DuckDB's result), and a backfill of ~1,000 sites still one batch.
ARTICLES_PER_BATCH = 1000


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
    the site in hand (the sites done so far are written). Sites go in batches
    (``site_batches``): a run or backfill touching many sites reads each table once a batch,
    not once a site, and commits once a batch."""
    changed = done = 0
    verdicts: dict[str, bool] = {}
    for batch in site_batches(wh.articles.site_sizes(sorted(sites))) if sites else []:
        lines, articles = wh.articles.sites_lines(batch), wh.articles.sites_articles(batch)
        finished, texts, furniture = [], [], []
        for site in batch:
            if stop is not None and stop.is_set():
                break
            site_texts, site_furniture = clean_site(lines[site], articles[site])
            finished.append(site)
            texts += site_texts
            furniture += [{"site": site, **f} for f in site_furniture]
            if progress:
                progress(1)
        classified = _classify(texts, taxonomy, model, pool) if taxonomy is not None and texts else None
        if classified is not None:
            verdicts.update({r.article_id: bool(r.is_relevant) for r in classified.rows})
        if finished:
            wh.articles.save_sites_cleaning(finished, texts, furniture, classified)
        done += len(finished)
        changed += len(texts)
        if len(finished) < len(batch):
            break
    return StageReport(counts={"sites_cleaned": done, "articles_recleaned": changed}, verdicts=verdicts)


def _classify(texts: list[CleanedText], taxonomy, model, pool) -> ClassifiedBatch:
    """The changed texts' classifications: on the pool when it takes them, else here."""
    done = pool(texts) if pool is not None else None
    if done is None:
        done = [classify_row(t.article_id, t.title, t.text, t.language, t.story_date, taxonomy, model) for t in texts]
    return ClassifiedBatch.of(done)


def clean_site(lines: dict[str, list[tuple[str, bool]]], articles: list[dict]) -> tuple[list[CleanedText], list[dict]]:
    """One site's articles whose text site cleaning changes (their new texts), and the
    furniture it learnt (line, pages), from its stored line fingerprints and articles."""
    profile = build_profile(lines)
    texts, removed = [], Counter()
    for a in articles:
        if _untouched(a, lines.get(a["article_id"]), profile):
            continue
        text, gone = site_clean(a["extracted_text"], profile)
        removed.update(gone)
        if text != a["text"]:
            texts.append(CleanedText(a["article_id"], text, word_count(text), CLEANER_VERSION,
                                     title=a["title"], language=a["language"], story_date=a["story_date"]))
    return texts, [{"line": line[:500], "pages": n} for line, n in removed.items()]


def _untouched(article: dict, fingerprints, profile) -> bool:
    """Whether site cleaning leaves this article as it is, known from its stored line
    fingerprints without fingerprinting its text again: none of its lines recurs on the site,
    and its text is its extracted text, whole (no earlier site cleaning to undo)."""
    if fingerprints is None or any(profile.recurring(fp) for fp, _prose in fingerprints):
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
        existing = wh.clusters.candidate_copies([aid for aid, _, _ in new])
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
