"""The theme taxonomy: a TOML file users edit, and the term matcher it compiles to.

    load_taxonomy(path) -> Taxonomy        read and validate a taxonomy file
    parse_taxonomy(text, path) -> Taxonomy validate TOML text (path only names it in errors)

Every problem is a :class:`TaxonomyError` whose message is one line naming the file, the place
in it and what is wrong, e.g. ``taxonomy.toml: themes[3] (chip_bans): terms.en: weight of
'chip ban' must be a number between -10 and 10 (not 0), got 'high'``.

Term syntax (the same in the taxonomy and in the entity gazetteer, see docs/classification.md):

- a plain phrase, ``export control``: whole words, case-insensitive; spaces, hyphens and
  punctuation between the words are interchangeable; ``China's`` matches ``china``;
- ``*`` at the end (or start) of a word matches any continuation: ``smuggl*``, ``*chips``;
- a term with no lower-case letter (``BIS``, ``H20``, ``SMIC``) is case-sensitive, and so is
  any term written ``cs:Ascend``;
- a term with CJK characters (``出口管制``) matches as a substring;
- ``re:<regex>`` is a Python regular expression, case-insensitive.

The matcher is built once per taxonomy (tokens are looked up in dicts, no per-term scan), so a
500-word article is matched against a thousand terms in well under a millisecond or two.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from .errors import ExtractorError


class TaxonomyError(ExtractorError):
    """The taxonomy (or gazetteer) file cannot be used; str(err) is one line for the user."""


# ----------------------------------------------------------------------------------------------
# Text: tokens, sentences, scripts

# A "word" is a run of Latin/Greek/Cyrillic letters and digits; a trailing possessive 's is
# swallowed (China's -> china). CJK characters are not words: CJK terms match as substrings.
_WORD_CHARS = "0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff"
_TOKEN_RE = re.compile(rf"[{_WORD_CHARS}]+(?:['\u2019]s(?![{_WORD_CHARS}]))?")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_SENTENCE_END_RE = re.compile(
    r"[.!?\u2026][\"'\u201d\u2019\u00bb)\]]*\s+|[\u3002\uff01\uff1f\uff1b][\"'\u201d\u2019\u00bb)\]]*|\n+"
)


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def word_count(text: str) -> int:
    """Words for length normalisation: Latin tokens plus CJK characters / 1.6 (about a word)."""
    latin = len(_TOKEN_RE.findall(text))
    cjk = len(_CJK_RE.findall(text))
    return latin + int(cjk / 1.6)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of text, stripped, never empty.

    A sentence ends at a newline, at CJK end punctuation, or at . ! ? followed by space and
    then not by a lower-case letter ("U.S. officials" and "e.g. this" stay whole)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    for m in _SENTENCE_END_RE.finditer(text):
        end = m.end()
        ch = text[m.start()]
        if ch in ".!?\u2026" and end < n and text[end].islower():
            continue
        if ch == "." and m.start() >= 1 and m.start() + 1 < n and text[m.start() - 1].isupper() and (
            m.start() < 2 or not text[m.start() - 2].isalpha()
        ):
            continue  # an initial: "U.S. officials", "J. Smith"
        cut = m.start() + len(m.group(0).rstrip()) if ch != "\n" else m.start()
        _add_span(text, pos, cut, spans)
        pos = end if ch == "\n" else cut
    _add_span(text, pos, n, spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


# ----------------------------------------------------------------------------------------------
# Terms


@dataclass(frozen=True)
class Term:
    """One vocabulary entry, compiled."""

    text: str  # as written in the file
    weight: float
    kind: str  # "words" | "cjk" | "regex"
    case_sensitive: bool = False
    # for kind == "words": one (stem, prefix, suffix) per word; prefix = may continue after
    # the stem (``smuggl*``), suffix = may be preceded by more letters (``*chips``)
    words: tuple[tuple[str, bool, bool], ...] = ()
    pattern: re.Pattern | None = None


def compile_term(text: str, weight: float = 1.0) -> Term:
    """Compile one term; raises ValueError with a short reason when it cannot be used."""
    raw = text
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a term must be a non-empty string")
    text = text.strip()
    if text.startswith("re:"):
        body = text[3:]
        if not body:
            raise ValueError("empty regular expression")
        try:
            pattern = re.compile(body, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"bad regular expression ({exc})") from None
        if pattern.search("") is not None:
            raise ValueError("regular expression matches the empty string")
        return Term(raw, weight, "regex", pattern=pattern)
    case_sensitive = False
    if text.startswith("cs:"):
        text = text[3:].strip()
        case_sensitive = True
        if not text:
            raise ValueError("empty term after cs:")
    if has_cjk(text):
        return Term(raw, weight, "cjk", case_sensitive=True, words=((text, False, False),))
    if not any(c.islower() for c in text) and any(c.isupper() for c in text):
        case_sensitive = True
    words: list[tuple[str, bool, bool]] = []
    for piece in re.split(r"[^\w*]+|_", text):
        if not piece:
            continue
        suffix = piece.startswith("*")
        prefix = piece.endswith("*")
        stem = piece.strip("*")
        if "*" in stem:
            raise ValueError("'*' is allowed only at the start or end of a word")
        if not stem:
            continue
        if not _TOKEN_RE.fullmatch(stem):
            raise ValueError(f"cannot match the word {stem!r}")
        words.append((stem if case_sensitive else stem.lower(), prefix, suffix))
    if not words:
        raise ValueError("a term needs at least one letter or digit")
    return Term(raw, weight, "words", case_sensitive=case_sensitive, words=tuple(words))


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    term: int  # index into Matcher.terms


class Matcher:
    """Finds every occurrence of a set of terms in a text.

    Build once (``Matcher(terms)``), then ``find(text)`` returns hits sorted by position.
    Overlapping hits of different terms are all returned; callers resolve overlaps per bucket.
    """

    def __init__(self, terms: Iterable[Term]):
        self.terms: tuple[Term, ...] = tuple(terms)
        # first word -> term ids; case-insensitive terms are keyed in lower case, case-sensitive
        # ones as written. Prefix terms (first word ``stem*``) are keyed by their first 3 letters.
        self._exact_ci: dict[str, list[int]] = {}
        self._exact_cs: dict[str, list[int]] = {}
        self._prefix_ci: dict[str, list[int]] = {}
        self._prefix_cs: dict[str, list[int]] = {}
        self._scan: list[int] = []  # first word is a suffix pattern: checked on every token
        self._cjk: list[int] = []
        self._regex: list[int] = []
        for i, t in enumerate(self.terms):
            if t.kind == "regex":
                self._regex.append(i)
            elif t.kind == "cjk":
                self._cjk.append(i)
            else:
                stem, prefix, suffix = t.words[0]
                if suffix or (prefix and len(stem) < 3):
                    self._scan.append(i)
                elif prefix:
                    (self._prefix_cs if t.case_sensitive else self._prefix_ci).setdefault(stem[:3], []).append(i)
                else:
                    (self._exact_cs if t.case_sensitive else self._exact_ci).setdefault(stem, []).append(i)

    @staticmethod
    def _word_ok(word: tuple[str, bool, bool], tok: str) -> bool:
        stem, prefix, suffix = word
        if prefix and suffix:
            return stem in tok
        if prefix:
            return tok.startswith(stem)
        if suffix:
            return tok.endswith(stem)
        return tok == stem

    def find(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        if not text:
            return hits
        toks = _tokens(text)
        n = len(toks)
        terms = self.terms
        exact_ci, exact_cs = self._exact_ci, self._exact_cs
        prefix_ci, prefix_cs = self._prefix_ci, self._prefix_cs
        if self._scan:
            positions = range(n)  # a suffix pattern may start anywhere
        else:
            # only the tokens that can start a term are looked at: a set test per token (in C
            # for the most part), then the full check at the few candidate positions
            positions = [i for i, (_s, _e, orig, low) in enumerate(toks)
                         if low in exact_ci or orig in exact_cs or low[:3] in prefix_ci or orig[:3] in prefix_cs]
        scan = self._scan
        for i in positions:
            _, _, orig, low = toks[i]
            cands: list[int] = []
            c = exact_ci.get(low)
            if c:
                cands.extend(c)
            c = exact_cs.get(orig)
            if c:
                cands.extend(c)
            c = prefix_ci.get(low[:3])
            if c:
                cands.extend(c)
            c = prefix_cs.get(orig[:3])
            if c:
                cands.extend(c)
            if scan:
                cands.extend(scan)
            if not cands:
                continue
            for ti in cands:
                t = terms[ti]
                words = t.words
                if i + len(words) > n:
                    continue
                ok = True
                for k, w in enumerate(words):
                    tok = toks[i + k][2] if t.case_sensitive else toks[i + k][3]
                    if not self._word_ok(w, tok):
                        ok = False
                        break
                    if k and not _joinable(text, toks[i + k - 1][1], toks[i + k][0]):
                        ok = False
                        break
                if ok:
                    hits.append(Hit(toks[i][0], toks[i + len(words) - 1][1], ti))
        if self._cjk and has_cjk(text):
            for ti in self._cjk:
                needle = terms[ti].words[0][0]
                start = text.find(needle)
                while start >= 0:
                    hits.append(Hit(start, start + len(needle), ti))
                    start = text.find(needle, start + len(needle))
        for ti in self._regex:
            for m in terms[ti].pattern.finditer(text):
                if m.end() > m.start():
                    hits.append(Hit(m.start(), m.end(), ti))
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        return hits


@functools.lru_cache(maxsize=8)
def _tokens(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, token, lower-case token) of each word of ``text``; a trailing possessive
    's is left out. Cached: the theme lexicon and the gazetteer read the same texts in turn."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        s = m.group(0)
        if len(s) > 2 and s[-2] in "'\u2019":
            s = s[:-2]
        out.append((m.start(), m.start() + len(s), s, s.lower()))
    return tuple(out)


def _joinable(text: str, end: int, start: int) -> bool:
    """Words of a phrase may be separated by spaces, hyphens, slashes, dots, apostrophes."""
    gap = text[end:start]
    return len(gap) <= 3 and all(ch.isspace() or ch in "-\u2010\u2011\u2013/.'\u2019" for ch in gap)


def resolve_overlaps(hits: Iterable[Hit], length_of=lambda h: h.end - h.start) -> list[Hit]:
    """Keep the longest hit where hits overlap (leftmost first)."""
    ordered = sorted(hits, key=lambda h: (h.start, -length_of(h)))
    kept: list[Hit] = []
    last_end = -1
    for h in ordered:
        if h.start >= last_end:
            kept.append(h)
            last_end = h.end
        elif kept and length_of(h) > length_of(kept[-1]) and h.start == kept[-1].start:
            kept[-1] = h
            last_end = h.end
    return kept


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
