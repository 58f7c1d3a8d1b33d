"""The classifier facade: relevance, themes and entities of one article.

    classify(title, text, language, taxonomy, gazetteer=None, model=DEFAULT) -> Classification
    classifier_version(taxonomy, language=None, model=DEFAULT) -> str
    version_of(classification, version) -> str   the version one article's rows carry
    uncertainty(classification) -> float      rank articles for review: highest = least sure

Relevance and themes come from the learned model (extractors/model.py, shipped in
extractors/models/) where it covers the article's language; elsewhere, and for a theme of the
taxonomy the model was not trained on (a theme a user added), from the taxonomy's terms (the
rules of relevance.py and themes.py). ``Classification.method`` and the version say which:
an article scored by terms alone has a version ending in ``+terms``.

Pure (no I/O after the taxonomy, gazetteer and model are loaded), fast (a few milliseconds
for a 500-word article) and total: odd input (None, empty, binary junk, huge text) gives an
irrelevant, empty classification rather than an exception.

Irrelevant articles get no themes (a theme is a claim about the chip-export topic); relevant
ones always get at least one. Entities are found in every article.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from .entities import EntityHit, Gazetteer, find_entities
from .features import term_features
from .model import Model, Prediction, load_default_model
from .relevance import score_relevance
from .taxonomy import Taxonomy
from .themes import Analysis, ThemeHit, analyse, assign_themes, score_themes

__all__ = ["CLASSIFIER_VERSION", "DEFAULT", "Classification", "EntityHit", "ThemeHit", "classify",
           "classifier_version", "uncertainty", "version_of"]

CLASSIFIER_VERSION = "cls-2.0"  # the facade's own logic; the model's and the taxonomy's digests follow
TERMS_SUFFIX = "+terms"
MAX_CHARS = 200_000  # a longer body is classified on its first 200k characters
LONG_CHARS = 2500  # a longer article (the model learned from openings) also gets the themes its terms assign
DEFAULT = "default"  # model=DEFAULT: the shipped model; model=None: terms only

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    relevance: float  # in [0, 1]; from the model, a calibrated probability
    is_relevant: bool
    themes: tuple[ThemeHit, ...]  # highest score first: themes[0] is the primary theme
    entities: tuple[EntityHit, ...]  # most mentioned first
    method: str = "terms"  # "model" or "terms" (the language is not one the model knows)
    uncertainty: float = 0.0  # in [0, 1]: how unsure the classifier is (see uncertainty())

    @property
    def primary_theme(self) -> str | None:
        return self.themes[0].theme if self.themes else None


EMPTY = Classification(0.0, False, (), ())


def _model(model) -> Model | None:
    return load_default_model() if isinstance(model, str) and model == DEFAULT else model


def classifier_version(taxonomy: Taxonomy | None = None, language: str | None = None, model=DEFAULT) -> str:
    """CLASSIFIER_VERSION, the model's version and a digest of the taxonomy, e.g.
    ``cls-2.0+lr1-3f2a9c1d+5be0a7c2``; ``+terms`` is appended for an article whose language
    the model does not cover (pass its language) or when there is no model."""
    m = _model(model)
    base = f"{CLASSIFIER_VERSION}+{m.version if m is not None else 'rules-1.0'}"
    if taxonomy is not None:
        base += "+" + _taxonomy_digest(taxonomy)
    if m is None or (language is not None and not m.covers(model_language(language))):
        return base + TERMS_SUFFIX
    return base


def version_of(classification: Classification, version: str) -> str:
    """The version to store with one article's classification: ``version`` (from
    classifier_version(taxonomy)), with ``+terms`` when the article was scored by terms alone."""
    if classification.method == "terms" and not version.endswith(TERMS_SUFFIX):
        return version + TERMS_SUFFIX
    return version


def _taxonomy_digest(taxonomy: Taxonomy) -> str:
    digest = taxonomy._compiled.get("digest")  # a taxonomy is frozen: its digest never changes
    if digest is None:
        digest = hashlib.sha1(repr((taxonomy.themes, taxonomy.relevance, taxonomy.settings)).encode()).hexdigest()[:8]
        taxonomy._compiled["digest"] = digest
    return digest


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def model_language(language: str | None, sample: str = "") -> str:
    """The language an article is scored as: its ISO 639-1 code, or when unknown, a guess from
    its script (kana: ja, hangul: ko, Han: zh, else en, the model's largest language)."""
    lang = (language or "").lower().split("-")[0].split("_")[0]
    if lang:
        return lang
    head = sample[:2000]
    if _KANA.search(head):
        return "ja"
    if _HANGUL.search(head):
        return "ko"
    return "zh" if len(_HAN.findall(head)) > 0.2 * max(1, len(head)) else "en"


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


def classify(title: str | None, text: str, language: str | None, taxonomy: Taxonomy,
             gazetteer: Gazetteer | None = None, model=DEFAULT) -> Classification:
    """Relevance, themes and entities of one article (see the module's docstring)."""
    try:
        title_s, text_s = _clean(title), _clean(text)
        lang = language if isinstance(language, str) else None
        if not title_s.strip() and not text_s.strip():
            return EMPTY
        analysis = analyse(title_s, text_s, lang, taxonomy)
        entities = find_entities(title_s, text_s, gazetteer)
        m = _model(model)
        if m is None or not m.covers(model_language(lang, title_s + " " + text_s)):
            return _by_terms(analysis, taxonomy, entities)
        return _by_model(m, analysis, taxonomy, entities)
    except Exception:  # never raise on odd input: log and classify as nothing
        log.exception("classification failed; article left unclassified")
        return EMPTY


def _by_terms(analysis: Analysis, taxonomy: Taxonomy, entities: tuple[EntityHit, ...]) -> Classification:
    relevance, is_relevant = score_relevance(analysis, taxonomy)
    themes = assign_themes(analysis, taxonomy) if is_relevant else ()
    return Classification(round(relevance, 4), is_relevant, themes, entities, "terms", _doubt(relevance))


def _by_model(m: Model, analysis: Analysis, taxonomy: Taxonomy, entities: tuple[EntityHit, ...]) -> Classification:
    # below both the relevance threshold and 0.5 nothing reads a theme's presence (no themes;
    # _model_doubt is the relevance's own doubt there): long articles skip their passages
    pred = m.predict(analysis.title, analysis.text, term_features(analysis, taxonomy, m.themes),
                     passages_from=min(0.5, taxonomy.relevance.threshold))
    is_relevant = pred.relevance >= taxonomy.relevance.threshold
    themes = _model_themes(m, pred, analysis, taxonomy) if is_relevant else ()
    return Classification(round(pred.relevance, 4), is_relevant, themes, entities, "model",
                          _model_doubt(m, pred, set(taxonomy.theme_ids)))


def _model_themes(m: Model, pred: Prediction, analysis: Analysis, taxonomy: Taxonomy) -> tuple[ThemeHit, ...]:
    """The model's themes (those of the taxonomy in use), plus themes the model does not know
    that the taxonomy's terms assign (scored by terms: their score, no probability)."""
    evidence = {tid: sentence for tid, _ev, _score, sentence, _n, _t in score_themes(analysis, taxonomy)}
    chosen = m.themes_of(pred, set(taxonomy.theme_ids))
    by_terms = assign_themes(analysis, taxonomy, force_one=False)
    if len(analysis.text) >= LONG_CHARS:  # the model learned from openings: terms add themes further down
        have = {t for t, _c, _p in chosen}
        chosen += [(h.theme, pred.centrality[h.theme], pred.presence[h.theme]) for h in by_terms
                   if h.theme in pred.presence and h.theme not in have]
    hits = [ThemeHit(t, round(max(c, 1e-6), 6), evidence.get(t) or _model_evidence(m, t, analysis), round(p, 4))
            for t, c, p in chosen]
    known = set(m.themes)
    hits += [h for h in by_terms if h.theme not in known]
    if not hits:  # a taxonomy none of whose themes the model knows: a relevant article still gets one
        hits = list(assign_themes(analysis, taxonomy))
    return tuple(sorted(hits, key=lambda h: (-h.score, h.theme)))


def _model_evidence(m: Model, theme: str, analysis: Analysis) -> str:
    """The sentence whose n-grams speak most for the theme (no term of it in the article)."""
    best, best_w = -1, 0.0
    for i in range(min(len(analysis.sentences), 60)):
        w = m.sentence_weight(theme, analysis.sentence(i))
        if w > best_w:
            best, best_w = i, w
    return analysis.sentence(best) if best >= 0 or not analysis.sentences else analysis.sentence(0)


def _doubt(p: float) -> float:
    """1 at p = 0.5, 0 at p = 0 or 1."""
    return max(0.0, 1.0 - abs(2.0 * p - 1.0))


def _model_doubt(m: Model, pred: Prediction, allowed: set[str]) -> float:
    """How unsure: relevance near its threshold; for a likely relevant article also two
    themes close for primary, or a theme's presence near its threshold."""
    themes = [t for t in m.themes if t in allowed]
    doubt = _doubt(pred.relevance)
    if not themes:
        return round(doubt, 4)
    central = sorted((pred.centrality[t] for t in themes), reverse=True) + [0.0]
    primary_doubt = 1.0 - (central[0] - central[1])
    presence_doubt = max(max(0.0, 1.0 - 2.0 * abs(pred.presence[t] - m.thresholds[t])) for t in themes)
    return round(max(doubt, pred.relevance * max(primary_doubt, presence_doubt)), 4)


def uncertainty(classification: Classification) -> float:
    """How unsure the classifier was of an article, in [0, 1]: rank articles for an analyst's
    review by it, highest first (a label there teaches the model the most)."""
    return classification.uncertainty
