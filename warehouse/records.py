"""Typed records: what moves between the stages, each row shape written once.

Both `flows/` and `warehouse/` import this module, and it imports neither (nor pyarrow, nor
DuckDB: an extraction worker builds these records too). A field that the warehouse stages
into an Arrow table names its Arrow type in its metadata (``col("string")``); the rooms
derive their schemas from the fields (``staging.schema_of``) and stage records through them
(``staging.records_table``). A field without one travels with the record but is not staged.

Which record crosses which door (docs/architecture.md, "Records"):

- `PackedBody`: a fetched body compressed once, with its sha256 and size (collect -> pages).
- `StoredPage`: a raw page as `wh.pages.save_fetches` stores it (collect, backfill -> pages).
- `Captured`: a saved file or WARC record as a frontier entry and its page (backfill -> frontier,
  pages).
- `WaitingPage`: a stored page as extraction takes it, with its frontier and feed facts
  (pages / the in-memory hand-off -> pipeline -> work).
- `Failure`: a URL that failed at a stage (collect, work, pages -> frontier).
- `ArticleRow`, `Classified` (`ClassRow`, `ThemeRow`, `EntityRow`, `SignatureRow`,
  `BandRow`): an extracted article and its classification (work -> pipeline -> articles,
  classification); `Extracted` | `Failure` is one page's extraction outcome.
- `CleanedText`: an article's text after site cleaning (refine -> articles).
- `StageReport`: one stage's counts, the sites it touched and the verdicts it reached
  (pipeline, refine -> the run's counts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

_NONE: Any = dataclasses.MISSING


def col(arrow: str, default: Any = _NONE) -> Any:
    """A field staged as a column of Arrow type ``arrow`` (a name `staging.ARROW_TYPES` knows)."""
    if default is _NONE:
        return field(metadata={"arrow": arrow})
    return field(default=default, metadata={"arrow": arrow})


# -- fetched pages -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PackedBody:
    """A fetched body as the body store keeps it: compressed once, where it is packed, with the
    sha256 and size of the body as fetched (the store's address for it), so nobody unpacks
    it to hash it."""

    body_size: int = col("int64")
    sha256: str = col("string")
    data: bytes = b""  # zstd-compressed (`warehouse.codec`)


@dataclass(frozen=True, slots=True)
class StoredPage:
    """A response as `raw_pages` stores it (its body, when it has one, in the body store);
    ``not_modified``: a 304, which stores nothing and marks the URL done."""

    url: str = col("string")
    final_url: str | None = col("string", None)
    status: int | None = col("int32", None)
    content_type: str | None = col("string", None)
    etag: str | None = col("string", None)
    last_modified: str | None = col("string", None)
    fetched_at: datetime | None = col("ts", None)
    body: PackedBody | None = None
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class Captured:
    """A page captured outside a fetch (a saved file, a WARC record): the frontier entry it is
    queued under (the frontier room's columns) and the raw page stored for it."""

    entry: dict
    page: StoredPage

    @property
    def url(self) -> str:
        return self.page.url


@dataclass(frozen=True, slots=True)
class WaitingPage:
    """A stored page as extraction takes it: the response's facts, the frontier entry's hints,
    the feed's name, and the packed body (None: not kept in memory, or gone from the store)."""

    url: str
    final_url: str | None
    content_type: str | None
    fetched_at: datetime | None
    link: str | None = None
    feed_url: str | None = None
    entry_title: str | None = None
    entry_author: str | None = None
    entry_published_at: datetime | None = None
    entry_language: str | None = None
    feed_name: str | None = None
    origin: str | None = None
    source_name: str | None = None
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A URL that failed at ``stage``; ``give_up``: for good (else due again at
    ``next_attempt_at``)."""

    url: str = col("string")
    stage: str = col("string")
    reason: str = col("string")
    transient: bool = col("bool", False)
    feed_url: str | None = col("string", None)
    next_attempt_at: datetime | None = col("ts", None)
    give_up: bool = col("bool", False)


# -- articles and their classification -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An extracted article as `articles` stores it; ``frontier_url``: the frontier row it came
    from (marked done with it); ``site_lines``: its line fingerprints (fingerprint, prose) for
    site cleaning."""

    article_id: str = col("string")
    url: str = col("string")
    frontier_url: str = ""
    canonical_url: str | None = col("string", None)
    final_url: str | None = col("string", None)
    syndicated_from: str | None = col("string", None)
    source: str | None = col("string", None)
    feed_url: str | None = col("string", None)
    title: str | None = col("string", None)
    author: str | None = col("string", None)
    published_at: datetime | None = col("ts", None)
    fetched_at: datetime | None = col("ts", None)
    language: str | None = col("string", None)
    text: str | None = col("string", None)
    description: str | None = col("string", None)
    word_count: int | None = col("int32", None)
    extractor_version: str | None = col("string", None)
    extracted_text: str | None = col("string", None)
    site: str | None = col("string", None)
    cleaner_version: str | None = col("string", None)
    published_at_source: str | None = col("string", None)
    site_name: str | None = col("string", None)
    body_source: str | None = col("string", None)
    site_lines: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class SiteLine:
    site: str = col("string")
    article_id: str = col("string")
    fingerprint: str = col("string")
    prose: bool = col("bool")


@dataclass(frozen=True, slots=True)
class CleanedText:
    """An article's text after site cleaning, with what classifying it again takes."""

    article_id: str = col("string")
    text: str = col("string")
    word_count: int = col("int32")
    cleaner_version: str = col("string")
    title: str | None = None
    language: str | None = None
    story_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClassRow:
    article_id: str = col("string")
    relevance: float = col("float64")
    is_relevant: bool = col("bool")
    primary_theme: str | None = col("string", None)
    classifier_version: str | None = col("string", None)
    uncertainty: float | None = col("float64", None)  # how unsure the model is (chipwire review)


@dataclass(frozen=True, slots=True)
class ThemeRow:
    article_id: str = col("string")
    theme: str = col("string")
    score: float = col("float64")
    evidence: str | None = col("string", None)
    classifier_version: str | None = col("string", None)
    probability: float | None = col("float64", None)  # the model's; None: the taxonomy's terms


@dataclass(frozen=True, slots=True)
class EntityRow:
    article_id: str = col("string")
    entity: str = col("string")
    kind: str = col("string")
    mentions: int = col("int32")


@dataclass(frozen=True, slots=True)
class SignatureRow:
    article_id: str = col("string")
    scheme: str = col("string")
    signature: list[int] = col("uint32[]")
    story_date: datetime | None = col("ts", None)


@dataclass(frozen=True, slots=True)
class BandRow:
    """One row of ``article_bands`` (its schema; rows are built column-wise from ArticleBands)."""

    band: int = col("int16")
    key: int = col("uint64")
    article_id: str = col("string")


@dataclass(frozen=True, slots=True)
class ArticleBands:
    """An article's LSH band keys, band ``i``'s key at position ``i``: one record an article
    rather than one object a band (128 small objects an article, pickled by the workers and
    unpickled and converted by the main process, cost it more than the writing)."""

    article_id: str
    keys: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Classified:
    """One article's classification as the warehouse stores it: relevance, themes, entities,
    its MinHash signature and the LSH band keys its copies are found by."""

    row: ClassRow
    themes: tuple[ThemeRow, ...] = ()
    entities: tuple[EntityRow, ...] = ()
    signature: SignatureRow | None = None
    bands: ArticleBands | None = None

    @property
    def article_id(self) -> str:
        return self.row.article_id


@dataclass(frozen=True, slots=True)
class ClassifiedBatch:
    """Classifications as the classification room takes them: one list per table."""

    rows: list[ClassRow]
    themes: list[ThemeRow]
    entities: list[EntityRow]
    signatures: list[SignatureRow]
    bands: list[ArticleBands]

    @classmethod
    def of(cls, done: Iterable[Classified]) -> ClassifiedBatch:
        done = list(done)
        return cls([d.row for d in done], [t for d in done for t in d.themes],
                   [e for d in done for e in d.entities],
                   [d.signature for d in done if d.signature is not None], [d.bands for d in done if d.bands is not None])

    def only(self, ids: set[str]) -> ClassifiedBatch:
        """The part of the batch about the articles ``ids``."""
        keep = [[r for r in part if r.article_id in ids]
                for part in (self.rows, self.themes, self.entities, self.signatures, self.bands)]
        return ClassifiedBatch(*keep)

    def __bool__(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True, slots=True)
class Extracted:
    """A page extracted: its article, and its classification when the worker classified it."""

    article: ArticleRow
    classified: Classified | None = None


Extraction = Union[Extracted, Failure]  # one page's extraction outcome


# -- what a stage reports --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StageReport:
    """One stage's (or batch's) counts for the run's summary, the sites whose pages it changed
    (to be cleaned again), and the verdicts it reached: {article_id: is_relevant}."""

    counts: Mapping[str, int] = field(default_factory=dict)
    sites: frozenset[str] = frozenset()
    verdicts: Mapping[str, bool] = field(default_factory=dict)
