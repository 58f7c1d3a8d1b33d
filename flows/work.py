"""What an extraction worker runs: one page in, one warehouse-ready row out.

Kept apart from `stages` so a worker process imports only the extractors (no DuckDB, no
HTTP client, no Prefect): the pool's fork server imports this module once (``PRELOAD``) and
every worker starts from it with trafilatura, the language model and the taxonomy loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from extractors.article import EntryHints, extract_article, extract_text_article
from extractors.clean import CLEANER_VERSION
from extractors.errors import ExtractorError
from extractors.sitelearn import line_rows
from warehouse import codec

PRELOAD = ["flows.work", "extractors.classify", "extractors.dedup"]  # warehouse.codec: no DuckDB


def warm(taxonomy_path: str | None = None, parent_pid: int | None = None) -> None:
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

        _taxonomy(taxonomy_path)
        load_default_model()  # the classifier's learned parameters (~2 MB), once per worker


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


def extract_one(job: ExtractJob) -> tuple[str, dict]:
    """Top-level (picklable) so a process pool can run it."""
    try:
        body = codec.unpack(job.body)
        if (job.content_type or "").lower().startswith("text/plain"):
            art = extract_text_article(body, url=job.link, hints=job.hints)
        else:
            art = extract_article(body, url=job.link, final_url=job.final_url,
                                  content_type=job.content_type, hints=job.hints)
    except ExtractorError as err:
        return "fail", {"url": job.frontier_url, "stage": "extract", "reason": str(err), "transient": False,
                        "feed_url": job.feed_url, "give_up": True}
    except Exception as err:  # a bug or a pathological page must not end the batch
        return "fail", {"url": job.frontier_url, "stage": "extract", "reason": f"{type(err).__name__}: {err}"[:300],
                        "transient": False, "feed_url": job.feed_url, "give_up": True}
    row = {k: getattr(art, k) for k in art.__dataclass_fields__}
    row.update(frontier_url=job.frontier_url, fetched_at=job.fetched_at, feed_url=job.feed_url,
               cleaner_version=CLEANER_VERSION,
               site_lines=line_rows(art.extracted_text, art.outlet_names) if art.site else ())
    if job.taxonomy_path:
        try:
            row["classification"] = classify_row(art.article_id, art.title, art.text, art.language,
                                                 art.published_at or job.fetched_at, _taxonomy(job.taxonomy_path))
        except Exception:  # classification is redone by the classify stage when missing
            pass
    return "ok", row


_TAXONOMIES: dict = {}


def _taxonomy(path: str):
    """The taxonomy, loaded once per (worker) process."""
    if path not in _TAXONOMIES:
        from extractors.taxonomy import load_taxonomy

        _TAXONOMIES[path] = load_taxonomy(path)
    return _TAXONOMIES[path]


def classify_row(article_id: str, title, text, language, story_date, taxonomy) -> dict:
    """One article's classification as warehouse rows (themes, entities, signature and the LSH
    band keys its copies are found by)."""
    from extractors.classify import classifier_version, classify, version_of
    from extractors.dedup import SIGNATURE_SCHEME, band_keys, signature

    c = classify(title, text or "", language, taxonomy)
    sig = list(signature(text or ""))
    version = version_of(c, classifier_version(taxonomy))  # "+terms": a language the model does not cover
    return {
        "row": {"article_id": article_id, "relevance": c.relevance, "is_relevant": c.is_relevant,
                "primary_theme": c.primary_theme, "classifier_version": version},
        "themes": [{"article_id": article_id, "theme": t.theme, "score": t.score, "evidence": t.evidence,
                    "classifier_version": version} for t in c.themes],
        "entities": [{"article_id": article_id, "entity": e.entity, "kind": e.kind, "mentions": e.mentions}
                     for e in c.entities],
        "signature": {"article_id": article_id, "scheme": SIGNATURE_SCHEME, "signature": sig,
                      "story_date": story_date},
        "bands": [{"band": b, "key": k, "article_id": article_id} for b, k in band_keys(sig)],
    }
