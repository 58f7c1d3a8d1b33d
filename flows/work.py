"""Extraction: what a worker runs (one page in, one warehouse-ready row out) and the pool
that runs it (`Extractor`).

Kept apart from the pipeline so a worker process imports only the extractors (no DuckDB, no
HTTP client, no Prefect): the pool's fork server imports this module once (``PRELOAD``) and
every worker starts from it with trafilatura, the language model and the taxonomy loaded.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from extractors.article import EntryHints, extract_article, extract_text_article
from extractors.clean import CLEANER_VERSION
from extractors.errors import ExtractorError
from extractors.sitelearn import line_rows
from extractors.urls import site_of
from warehouse import codec
from warehouse.records import (ArticleBands, ArticleRow, Classified, CleanedText, ClassRow, EntityRow, Extracted,
                               Extraction, Failure, SignatureRow, ThemeRow, WaitingPage)

PRELOAD = ["flows.work", "extractors.classify", "extractors.dedup"]  # warehouse.codec: no DuckDB

# A pool worker's own state, filled once by `warm` (the pool's initializer) in that worker
# process and only read afterwards. A pool lives as long as one run's extraction, so a worker
# never carries a taxonomy from one run into the next; the flow's own process never fills it
# (it passes its taxonomy to `extract_one`).
WORKER: dict = {}


def warm(taxonomy_path: str | None = None, parent_pid: int | None = None, model_path: str | None = None) -> None:
    """A worker's start (the pool's initializer): load what every page needs once (the
    language model, and the taxonomy and the classifier's learned model when the workers
    classify); leave Ctrl-C to the parent (a terminal sends it to every process of the group:
    the parent stops the pool itself); and end as soon as the parent ends, however it ends
    (``parent_pid``)."""
    import signal

    from extractors.language import detect

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid:
        exit_with(parent_pid)

    detect("warm up the language identifier")
    if taxonomy_path:
        from extractors.model import load_default_model

        from extractors.taxonomy import load_taxonomy

        WORKER["taxonomy"] = (taxonomy_path, load_taxonomy(taxonomy_path))
        load_default_model()  # the classifier's learned parameters (~2 MB), once per worker
        classifier_model(model_path)  # a model trained by `chipwire train`, when the run uses one


def exit_with(pid: int) -> None:
    """End this process (at once, quietly) when process ``pid`` ends: a daemon thread waits on
    a pidfd (Linux 5.3+), or looks every second where there is none."""
    import os
    import select
    import threading
    import time

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])  # readable once the process has ended
        else:
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="chipwire-parent-watch", daemon=True).start()


@dataclass(frozen=True)
class ExtractJob:
    frontier_url: str
    link: str
    final_url: str
    content_type: str | None
    body: bytes  # compressed
    fetched_at: datetime
    feed_url: str | None
    hints: EntryHints
    taxonomy_path: str | None = None  # classify in the worker too (None: leave it to the classify stage)
    model_path: str | None = None  # the classifier's model file (None: the shipped one)


def extract_one(job: ExtractJob, taxonomy=None) -> Extraction:
    """Top-level (picklable) so a process pool can run it. ``taxonomy``: the one to classify
    with (in the flow's process); a pool worker uses the one `warm` loaded."""
    try:
        body = codec.unpack(job.body)
        if (job.content_type or "").lower().startswith("text/plain"):
            art = extract_text_article(body, url=job.link, hints=job.hints)
        else:
            art = extract_article(body, url=job.link, final_url=job.final_url,
                                  content_type=job.content_type, hints=job.hints)
    except ExtractorError as err:
        return Failure(url=job.frontier_url, stage="extract", reason=str(err), transient=False,
                       feed_url=job.feed_url, give_up=True)
    except Exception as err:  # a bug or a pathological page must not end the batch
        return Failure(url=job.frontier_url, stage="extract", reason=f"{type(err).__name__}: {err}"[:300],
                       transient=False, feed_url=job.feed_url, give_up=True)
    row = ArticleRow(
        article_id=art.article_id, url=art.url, frontier_url=job.frontier_url, canonical_url=art.canonical_url,
        final_url=art.final_url, syndicated_from=art.syndicated_from, source=art.source, feed_url=job.feed_url,
        title=art.title, author=art.author, published_at=art.published_at, fetched_at=job.fetched_at,
        language=art.language, text=art.text, description=art.description, word_count=art.word_count,
        extractor_version=art.extractor_version, extracted_text=art.extracted_text, site=art.site,
        cleaner_version=CLEANER_VERSION, published_at_source=art.published_at_source,
        site_name=art.site_name, body_source=art.body_source,
        site_lines=tuple(line_rows(art.extracted_text, art.outlet_names)) if art.site else ())
    classified = None
    if job.taxonomy_path:
        try:
            classified = classify_row(art.article_id, art.title, art.text, art.language,
                                      art.published_at or job.fetched_at, taxonomy or _taxonomy(job.taxonomy_path),
                                      model=classifier_model(job.model_path))
        except Exception:  # classification is redone by the classify stage when missing
            pass
    return Extracted(row, classified)


def _taxonomy(path: str):
    """The taxonomy `warm` loaded in this worker, or (a process that was not warmed) the file's."""
    loaded = WORKER.get("taxonomy")
    if loaded is not None and loaded[0] == path:
        return loaded[1]
    from extractors.taxonomy import load_taxonomy

    return load_taxonomy(path)


@functools.lru_cache(maxsize=4)
def _load_model(path: str):
    from extractors.model import Model

    return Model.load(path)


def classifier_model(path: str | os.PathLike | None):
    """The classifier's model for ``classify(model=...)``: the shipped one ("default") when
    ``path`` is None, else the model file (Settings.model_path: `chipwire train` wrote it), read
    once per process. ModelError (a ValueError) when the file is not a model."""
    return "default" if path is None else _load_model(str(path))


def bands_of(article_id: str, sig) -> ArticleBands:
    """An article's LSH band keys as the warehouse stores them (band i's key at position i),
    from its signature: what classification stores and what clustering probes with."""
    from extractors.dedup import band_keys

    return ArticleBands(article_id, tuple(k for _, k in band_keys(sig)))


def classify_row(article_id: str, title, text, language, story_date, taxonomy, model="default") -> Classified:
    """One article's classification as warehouse rows (themes, entities, signature and the LSH
    band keys its copies are found by). ``model``: as ``classify`` takes it (classifier_model)."""
    from extractors.classify import classifier_version, classify, version_of
    from extractors.dedup import SIGNATURE_SCHEME, signature

    c = classify(title, text or "", language, taxonomy, model=model)
    sig = list(signature(text or ""))
    version = version_of(c, classifier_version(taxonomy, model=model))  # "+terms": a language the model does not cover
    return Classified(
        row=ClassRow(article_id, c.relevance, c.is_relevant, c.primary_theme, version, c.uncertainty),
        themes=tuple(ThemeRow(article_id, t.theme, t.score, t.evidence, version, t.probability) for t in c.themes),
        entities=tuple(EntityRow(article_id, e.entity, e.kind, e.mentions) for e in c.entities),
        signature=SignatureRow(article_id, SIGNATURE_SCHEME, sig, story_date),
        bands=bands_of(article_id, sig),
    )


@dataclass(frozen=True)
class ClassifyJob:
    """An article whose text site cleaning changed, to classify again (in a pool worker)."""

    text: CleanedText
    taxonomy_path: str
    model_path: str | None = None


def classify_cleaned(job: ClassifyJob) -> Classified:
    """Top-level (picklable): ``classify_row`` of a cleaned text with the worker's taxonomy."""
    t = job.text
    return classify_row(t.article_id, t.title, t.text, t.language, t.story_date, _taxonomy(job.taxonomy_path),
                        model=classifier_model(job.model_path))


# -- the pool ---------------------------------------------------------------------------------------
def _source_hint(page: WaitingPage) -> str | None:
    """A feed's name names the outlet only for links on the feed's own site (not for an
    aggregator's search feed)."""
    feed, url = page.feed_url, page.final_url or page.url
    if feed and url and page.feed_name and site_of(feed) == site_of(url):
        return page.feed_name
    return None


def jobs_from_rows(rows: list[WaitingPage], taxonomy_path: str | None = None,
                   model_path: str | None = None) -> list[ExtractJob]:
    return [
        ExtractJob(
            frontier_url=r.url, link=r.link or r.url, final_url=r.final_url or r.url,
            content_type=r.content_type, body=r.body, fetched_at=r.fetched_at, feed_url=r.feed_url,
            hints=EntryHints(title=r.entry_title, author=r.entry_author,
                             published_at=r.entry_published_at, language=r.entry_language,
                             source_name=_source_hint(r), declared_source=r.source_name,
                             published_source="file" if r.origin == "file" else "feed"),
            taxonomy_path=taxonomy_path, model_path=model_path,
        )
        for r in rows
    ]


def extract_many(jobs: list[ExtractJob]) -> list[Extraction]:
    """A batch in one process (a Dask task): the taxonomy read once for the batch."""
    path = jobs[0].taxonomy_path if jobs else None
    taxonomy = _taxonomy(path) if path else None
    return [extract_one(job, taxonomy) for job in jobs]


class Extractor:
    """Runs extraction jobs: in-process for small batches, on a process pool for large ones.

    ``submit`` returns at once with a handle whose ``result()`` waits for the batch, so the
    caller can load one batch while the pool works on the next (the pool never idles while the
    warehouse is written). The pool's fork server imports the worker module once
    (``PRELOAD``) and each worker loads the language model and the taxonomy when it starts,
    not on its first page."""

    def __init__(self, workers: int = 0, taxonomy_path: str | None = None, model_path: str | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.taxonomy_path = taxonomy_path
        self.model_path = model_path
        self._pool: ProcessPoolExecutor | None = None
        self._taxonomy = None  # for the batches extracted in this process, read once

    def start(self) -> "Extractor":
        """Start the pool now and have every worker load what it needs, without waiting for
        it: a run does this as soon as it knows pages are coming, so the workers load while
        the first pages are fetched."""
        if self.workers > 1 and self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=warm,
                                             initargs=(self.taxonomy_path, os.getpid(), self.model_path))
            for _ in range(self.workers):  # a worker is spawned per waiting job
                self._pool.submit(os.getpid)
        return self

    def submit(self, jobs: list[ExtractJob]) -> "PendingBatch":
        if len(jobs) < 16 or self.workers <= 1:
            return PendingBatch(done=[extract_one(j, self._local_taxonomy(j)) for j in jobs])
        self.start()
        return PendingBatch(results=self._pool.map(extract_one, jobs, chunksize=4))

    def classify(self, texts: list[CleanedText]) -> list[Classified] | None:
        """The classifications of texts site cleaning changed, on the pool's workers (which hold
        the taxonomy and model already), in order; None when the pool is not running or the
        batch is small (the caller classifies in its own process: starting workers for a few
        texts costs more than it saves)."""
        if self._pool is None or self.taxonomy_path is None or len(texts) < 16:
            return None
        jobs = [ClassifyJob(t, self.taxonomy_path, self.model_path) for t in texts]
        return list(self._pool.map(classify_cleaned, jobs, chunksize=8))

    def _local_taxonomy(self, job: ExtractJob):
        if job.taxonomy_path is None:
            return None
        if self._taxonomy is None:
            self._taxonomy = _taxonomy(job.taxonomy_path)
        return self._taxonomy

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class PendingBatch:
    """One submitted batch of extraction jobs; ``result()`` waits for all of it, in order."""

    def __init__(self, done: list | None = None, results: Iterator | None = None):
        self._done, self._results = done, results

    def result(self) -> list[Extraction]:
        if self._done is None:
            self._done = list(self._results)
        return self._done
