"""The theme taxonomy: the TOML file users edit, its checks, and its compiled vocabulary.

    load_taxonomy(path) -> Taxonomy        read and validate a taxonomy file
    parse_taxonomy(text, path) -> Taxonomy validate TOML text (path only names it in errors)

Every problem is a :class:`TaxonomyError` whose message is one line naming the file, the place
in it and what is wrong, e.g. ``taxonomy.toml: themes[3] (chip_bans): terms.en: weight of
'chip ban' must be a number between -10 and 10 (not 0), got 'high'``.

The term syntax and the matcher are in :mod:`extractors.matcher` (re-exported here, as the
classifier's other modules and the gazetteer import them from this module); the learned model
is in :mod:`extractors.model`.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import ExtractorError
from .matcher import (  # noqa: F401  (re-exported: the matcher's API as it was)
    Hit,
    Matcher,
    Term,
    compile_term,
    has_cjk,
    resolve_overlaps,
    split_sentences,
    word_count,
)


class TaxonomyError(ExtractorError):
    """The taxonomy (or gazetteer) file cannot be used; str(err) is one line for the user."""


# ----------------------------------------------------------------------------------------------
# The taxonomy


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    # language -> ((term text, weight), ...); the key "any" applies to every language
    terms: Mapping[str, tuple[tuple[str, float], ...]]
    min_score: float | None = None  # overrides settings.min_score for this theme

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.terms))


@dataclass(frozen=True)
class Settings:
    min_score: float = 0.35  # a theme scoring below this is not assigned
    relative_floor: float = 0.0  # ... nor one whose evidence is below this share of the top one
    saturation: float = 6.0  # score = 1 - exp(-evidence / saturation)
    title_weight: float = 2.5  # a hit in the title counts this many times
    lead_weight: float = 1.5  # a hit in the first lead_sentences sentences counts this much
    lead_sentences: int = 2
    min_sentences: int = 1  # a theme needs hits in at least this many sentences (the title counts)
    min_terms: int = 1  # ... and at least this many distinct terms of its vocabulary
    repeat_decay: float = 0.5  # the n-th hit of one term counts n ** -repeat_decay
    length_norm_words: int = 400  # evidence is divided by sqrt(words / this) for longer texts


@dataclass(frozen=True)
class Relevance:
    """How relevance is scored; see docs/classification.md for the formula."""

    threshold: float = 0.5
    # term groups: core (on-topic by itself), chip, china, control, offtopic; language -> terms
    groups: Mapping[str, Mapping[str, tuple[tuple[str, float], ...]]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Taxonomy:
    path: str
    themes: tuple[Theme, ...]
    relevance: Relevance
    settings: Settings
    version: int = 1
    _compiled: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    def languages(self) -> tuple[str, ...]:
        langs: set[str] = set()
        for t in self.themes:
            langs.update(t.terms)
        for g in self.relevance.groups.values():
            langs.update(g)
        langs.discard("any")
        return tuple(sorted(langs))

    def lexicon(self, language: str | None) -> "Lexicon":
        """The compiled matcher for one language (cached on the taxonomy)."""
        langs = self.languages()
        key = language if language in langs else None
        lex = self._compiled.get(key)
        if lex is None:
            lex = Lexicon.build(self, None if key is None else (key, "any"))
            self._compiled[key] = lex
        return lex


RELEVANCE_GROUPS = ("core", "chip", "china", "control", "offtopic")
RELEVANCE_WEIGHTS = {
    # z = bias + core * log1p(core evidence) + topic * share of on-topic sentences
    #     + topic_count * log1p(on-topic sentences) + title * (title on topic)
    #     - offtopic * log1p(off-topic evidence); relevance = 1 / (1 + exp(-z))
    "bias": -2.0,
    "core": 1.2,
    "topic": 3.0,
    "topic_count": 1.5,
    "title": 1.0,
    "offtopic": 1.5,
}


@dataclass
class Lexicon:
    """Every term of a taxonomy for one language, in one matcher, with its buckets."""

    matcher: Matcher
    # term index -> ((bucket, weight), ...); buckets are "theme:<id>" and "rel:<group>"
    buckets: list[tuple[tuple[str, float], ...]]

    @classmethod
    def build(cls, taxonomy: Taxonomy, languages: tuple[str, ...] | None) -> "Lexicon":
        by_text: dict[str, dict[str, float]] = {}

        def add(bucket: str, vocab: Mapping[str, tuple[tuple[str, float], ...]]) -> None:
            for lang, terms in vocab.items():
                if languages is not None and lang not in languages:
                    continue
                for text, weight in terms:
                    slot = by_text.setdefault(text, {})
                    # the same term in two languages of one bucket counts once, at its largest
                    if bucket not in slot or abs(weight) > abs(slot[bucket]):
                        slot[bucket] = weight

        for theme in taxonomy.themes:
            add(f"theme:{theme.id}", theme.terms)
        for group, vocab in taxonomy.relevance.groups.items():
            add(f"rel:{group}", vocab)
        texts = list(by_text)
        terms = [compile_term(t, 1.0) for t in texts]
        buckets = [tuple(by_text[t].items()) for t in texts]
        return cls(Matcher(terms), buckets)


# ----------------------------------------------------------------------------------------------
# Parsing and validation

_TOP_KEYS = {"version", "settings", "relevance", "themes"}
_THEME_KEYS = {"id", "label", "description", "terms", "min_score"}
_RELEVANCE_KEYS = {"threshold", "weights", "terms"}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LANG_RE = re.compile(r"^([a-z]{2}|any)$")
MAX_WEIGHT = 10.0


def _fail(path: str, where: str, problem: str) -> TaxonomyError:
    return TaxonomyError(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_vocabulary(
    path: str, where: str, value: object, *, allow_negative: bool = True
) -> dict[str, tuple[tuple[str, float], ...]]:
    """A ``terms`` table: language -> {term: weight}. Raises TaxonomyError."""
    if not isinstance(value, dict):
        raise _fail(path, where, "terms must be a table of languages, e.g. [themes.terms.en]")
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for lang, table in value.items():
        w = f"{where}.{lang}"
        if not _LANG_RE.match(lang):
            raise _fail(path, w, f"unknown language key {lang!r} (use an ISO 639-1 code such as en, de, zh, or 'any')")
        if not isinstance(table, dict):
            raise _fail(path, w, 'must be a table of "term" = weight')
        terms: list[tuple[str, float]] = []
        for text, weight in table.items():
            lo = -MAX_WEIGHT if allow_negative else 0.0
            if not _number(weight) or weight == 0 or not (lo <= weight <= MAX_WEIGHT):
                rng = f"between {lo:g} and {MAX_WEIGHT:g} (not 0)" if allow_negative else f"above 0 and at most {MAX_WEIGHT:g}"
                raise _fail(path, w, f"weight of {text!r} must be a number {rng}, got {weight!r}")
            try:
                compile_term(text, float(weight))
            except ValueError as exc:
                raise _fail(path, w, f"term {text!r}: {exc}") from None
            terms.append((text, float(weight)))
        if terms:
            out[lang] = tuple(terms)
    return out


def _settings(path: str, value: object) -> Settings:
    if value is None:
        return Settings()
    if not isinstance(value, dict):
        raise _fail(path, "settings", "must be a table")
    defaults = Settings()
    kwargs: dict[str, object] = {}
    for key, v in value.items():
        if not hasattr(defaults, key):
            known = ", ".join(Settings.__dataclass_fields__)
            raise _fail(path, "settings", f"unknown key {key!r} (known: {known})")
        if key in ("lead_sentences", "length_norm_words", "min_sentences", "min_terms"):
            lo = 0 if key == "lead_sentences" else 1
            if not isinstance(v, int) or isinstance(v, bool) or v < lo:
                raise _fail(path, f"settings.{key}", f"must be a whole number >= {lo}, got {v!r}")
        elif not _number(v):
            raise _fail(path, f"settings.{key}", f"must be a number, got {v!r}")
        elif key in ("min_score", "relative_floor") and not (0 <= v <= 1):
            raise _fail(path, f"settings.{key}", f"must be between 0 and 1, got {v!r}")
        elif key in ("saturation", "title_weight", "lead_weight") and v <= 0:
            raise _fail(path, f"settings.{key}", f"must be above 0, got {v!r}")
        elif key == "repeat_decay" and not (0 <= v <= 2):
            raise _fail(path, f"settings.{key}", f"must be between 0 and 2, got {v!r}")
        kwargs[key] = v
    return Settings(**kwargs)


def _relevance(path: str, value: object) -> Relevance:
    if value is None:
        return Relevance(weights=dict(RELEVANCE_WEIGHTS))
    if not isinstance(value, dict):
        raise _fail(path, "relevance", "must be a table")
    for key in value:
        if key not in _RELEVANCE_KEYS:
            raise _fail(path, "relevance", f"unknown key {key!r} (known: {', '.join(sorted(_RELEVANCE_KEYS))})")
    threshold = value.get("threshold", 0.5)
    if not _number(threshold) or not (0 < threshold < 1):
        raise _fail(path, "relevance.threshold", f"must be a number between 0 and 1, got {threshold!r}")
    weights = dict(RELEVANCE_WEIGHTS)
    raw_w = value.get("weights", {})
    if not isinstance(raw_w, dict):
        raise _fail(path, "relevance.weights", "must be a table")
    for key, v in raw_w.items():
        if key not in RELEVANCE_WEIGHTS:
            raise _fail(path, "relevance.weights", f"unknown key {key!r} (known: {', '.join(RELEVANCE_WEIGHTS)})")
        if not _number(v):
            raise _fail(path, f"relevance.weights.{key}", f"must be a number, got {v!r}")
        weights[key] = float(v)
    groups: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {}
    raw_terms = value.get("terms", {})
    if not isinstance(raw_terms, dict):
        raise _fail(path, "relevance.terms", "must be a table of groups, e.g. [relevance.terms.core.en]")
    for group, vocab in raw_terms.items():
        if group not in RELEVANCE_GROUPS:
            raise _fail(path, "relevance.terms", f"unknown group {group!r} (known: {', '.join(RELEVANCE_GROUPS)})")
        groups[group] = parse_vocabulary(path, f"relevance.terms.{group}", vocab, allow_negative=False)
    if not any(groups.get(g) for g in ("core", "chip")):
        raise _fail(path, "relevance.terms", "needs a non-empty core or chip vocabulary")
    return Relevance(threshold=float(threshold), groups=groups, weights=weights)


def _theme(path: str, index: int, value: object, seen: set[str]) -> Theme:
    where = f"themes[{index}]"
    if not isinstance(value, dict):
        raise _fail(path, where, "must be a table ([[themes]])")
    tid = value.get("id")
    if tid is None:
        raise _fail(path, where, "missing id")
    if not isinstance(tid, str) or not _ID_RE.match(tid):
        raise _fail(path, f"{where}.id", f"must be lower-case letters, digits and _ starting with a letter, got {tid!r}")
    where = f"themes[{index}] ({tid})"
    if tid in seen:
        raise _fail(path, where, f"duplicate id {tid!r}")
    for key in value:
        if key not in _THEME_KEYS:
            raise _fail(path, where, f"unknown key {key!r} (known: {', '.join(sorted(_THEME_KEYS))})")
    label = value.get("label", tid.replace("_", " ").capitalize())
    description = value.get("description", "")
    for key, v in (("label", label), ("description", description)):
        if not isinstance(v, str):
            raise _fail(path, where, f"{key} must be a string, got {v!r}")
    min_score = value.get("min_score")
    if min_score is not None and (not _number(min_score) or not (0 < min_score <= 1)):
        raise _fail(path, where, f"min_score must be a number in (0, 1], got {min_score!r}")
    if "terms" not in value:
        raise _fail(path, where, "empty vocabulary: add terms, e.g. [themes.terms.en] \"chip ban\" = 2")
    terms = parse_vocabulary(path, f"{where}: terms", value["terms"])
    if not any(w > 0 for ts in terms.values() for _, w in ts):
        raise _fail(path, where, "empty vocabulary: it needs at least one term with a positive weight")
    seen.add(tid)
    return Theme(tid, label, description, terms, None if min_score is None else float(min_score))


def parse_taxonomy(text: str, path: str | Path = "<taxonomy>") -> Taxonomy:
    """Validate a taxonomy given as TOML text. Raises TaxonomyError (one line)."""
    path = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, "", f"not valid TOML: {exc}") from None
    for key in data:
        if key not in _TOP_KEYS:
            raise _fail(path, "", f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
    version = data.get("version", 1)
    if version != 1:
        raise _fail(path, "version", f"only version 1 is understood, got {version!r}")
    raw_themes = data.get("themes")
    if not isinstance(raw_themes, list) or not raw_themes:
        raise _fail(path, "themes", "needs at least one [[themes]] entry")
    seen: set[str] = set()
    themes = tuple(_theme(path, i, t, seen) for i, t in enumerate(raw_themes))
    return Taxonomy(
        path=path,
        themes=themes,
        relevance=_relevance(path, data.get("relevance")),
        settings=_settings(path, data.get("settings")),
        version=1,
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file; None means the shipped default (deploy/taxonomy.toml)."""
    if path is None:
        path = default_taxonomy_path()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(path), "", f"cannot be read ({exc.__class__.__name__})") from None
    return parse_taxonomy(text, str(path))


def default_taxonomy_path() -> Path:
    """The shipped taxonomy: deploy/taxonomy.toml (package data of the ``deploy`` package)."""
    try:
        from importlib import resources

        candidate = Path(str(resources.files("deploy") / "taxonomy.toml"))
        if candidate.is_file():
            return candidate
    except (ImportError, TypeError):
        pass
    return Path(__file__).resolve().parents[1] / "deploy" / "taxonomy.toml"
