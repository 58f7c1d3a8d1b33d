"""The classifier facade: relevance, themes and entities of one article.

    classify(title, text, language, taxonomy) -> Classification

Pure (no I/O after the taxonomy and gazetteer are loaded), fast (about a millisecond or two
for a 500-word article) and total: odd input (None, empty, binary junk, huge text) gives an
irrelevant, empty classification rather than an exception.

Irrelevant articles get no themes (a theme is a claim about the chip-export topic); relevant
ones always get at least one. Entities are found in every article.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from .entities import EntityHit, Gazetteer, find_entities
from .relevance import score_relevance
from .taxonomy import Taxonomy
from .themes import ThemeHit, analyse, assign_themes

__all__ = ["CLASSIFIER_VERSION", "Classification", "EntityHit", "ThemeHit", "classify", "classifier_version"]

CLASSIFIER_VERSION = "rules-1.0"
MAX_CHARS = 200_000  # a longer body is classified on its first 200k characters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    relevance: float  # in [0, 1]
    is_relevant: bool
    themes: tuple[ThemeHit, ...]  # highest score first: themes[0] is the primary theme
    entities: tuple[EntityHit, ...]  # most mentioned first

    @property
    def primary_theme(self) -> str | None:
        return self.themes[0].theme if self.themes else None


EMPTY = Classification(0.0, False, (), ())


def classifier_version(taxonomy: Taxonomy | None = None) -> str:
    """CLASSIFIER_VERSION plus a short digest of the taxonomy's content, e.g. rules-1.0+3f2a9c1d."""
    if taxonomy is None:
        return CLASSIFIER_VERSION
    known = _VERSIONS.get(id(taxonomy))
    if known is not None and known[0] is taxonomy:
        return known[1]
    digest = hashlib.sha1(repr((taxonomy.themes, taxonomy.relevance, taxonomy.settings)).encode()).hexdigest()[:8]
    version = f"{CLASSIFIER_VERSION}+{digest}"
    _VERSIONS[id(taxonomy)] = (taxonomy, version)  # a taxonomy is frozen: its digest never changes
    return version


_VERSIONS: dict[int, tuple[Taxonomy, str]] = {}  # the digest costs ~1 ms; a process loads a taxonomy or two


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        value = str(value)
    if len(value) > MAX_CHARS:
        value = value[:MAX_CHARS]
    return value.replace("\x00", " ")


def classify(
    title: str | None,
    text: str,
    language: str | None,
    taxonomy: Taxonomy,
    gazetteer: Gazetteer | None = None,
) -> Classification:
    try:
        title_s, text_s = _clean(title), _clean(text)
        lang = language if isinstance(language, str) else None
        if not title_s.strip() and not text_s.strip():
            return EMPTY
        analysis = analyse(title_s, text_s, lang, taxonomy)
        relevance, is_relevant = score_relevance(analysis, taxonomy)
        themes = assign_themes(analysis, taxonomy) if is_relevant else ()
        entities = find_entities(title_s, text_s, gazetteer)
        return Classification(round(relevance, 4), is_relevant, themes, entities)
    except Exception:  # never raise on odd input: log and classify as nothing
        log.exception("classification failed; article left unclassified")
        return EMPTY
