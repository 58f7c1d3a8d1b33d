"""The term matcher: the vocabulary syntax of the taxonomy and the gazetteer, compiled.

    compile_term(text, weight) -> Term     one vocabulary entry (ValueError when unusable)
    Matcher(terms).find(text) -> [Hit]     every occurrence of every term, by position
    split_sentences(text), word_count(text), has_cjk(text), resolve_overlaps(hits)

Term syntax (the same in the taxonomy and in the entity gazetteer, see docs/classification.md):

- a plain phrase, ``export control``: whole words, case-insensitive; spaces, hyphens and
  punctuation between the words are interchangeable; ``China's`` matches ``china``;
- ``*`` at the end (or start) of a word matches any continuation: ``smuggl*``, ``*chips``;
- a term with no lower-case letter (``BIS``, ``H20``, ``SMIC``) is case-sensitive, and so is
  any term written ``cs:Ascend``;
- a term with CJK characters (``出口管制``, ``輸出規制``, ``수출통제``) matches as a substring;
- ``re:<regex>`` is a Python regular expression, case-insensitive.

The matcher is built once per vocabulary (tokens are looked up in dicts, no per-term scan), so
a 500-word article is matched against a thousand terms in well under a millisecond or two.
It is hand-written rather than a library's (pyahocorasick, flashtext) because the syntax mixes
whole-word phrases with prefix/suffix wildcards, case rules per term and regexes, and the
dict lookups already cost less than the rest of classification.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable

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
        """Every hit of every term in text, sorted by position (longest first at a position)."""
        if not text:
            return []
        toks = _tokens(text)
        hits: list[Hit] = []
        for i in self._positions(toks):
            for ti in self._candidates(toks[i]):
                end = self._match_at(text, toks, i, self.terms[ti])
                if end is not None:
                    hits.append(Hit(toks[i][0], end, ti))
        if self._cjk and has_cjk(text):
            hits.extend(self._cjk_hits(text))
        for ti in self._regex:
            hits.extend(Hit(m.start(), m.end(), ti) for m in self.terms[ti].pattern.finditer(text) if m.end() > m.start())
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        return hits

    def _positions(self, toks) -> Iterable[int]:
        """The token positions where a term may start: every position when a suffix pattern
        (``*chips``) may start anywhere, else only those whose token opens some term (a set
        test per token, in C for the most part)."""
        if self._scan:
            return range(len(toks))
        exact_ci, exact_cs = self._exact_ci, self._exact_cs
        prefix_ci, prefix_cs = self._prefix_ci, self._prefix_cs
        return [i for i, (_s, _e, orig, low) in enumerate(toks)
                if low in exact_ci or orig in exact_cs or low[:3] in prefix_ci or orig[:3] in prefix_cs]

    def _candidates(self, tok: tuple[int, int, str, str]) -> list[int]:
        """Ids of the terms whose first word may be this token."""
        _, _, orig, low = tok
        cands: list[int] = []
        for table, key in ((self._exact_ci, low), (self._exact_cs, orig),
                           (self._prefix_ci, low[:3]), (self._prefix_cs, orig[:3])):
            found = table.get(key)
            if found:
                cands.extend(found)
        cands.extend(self._scan)
        return cands

    def _match_at(self, text: str, toks, i: int, term: Term) -> int | None:
        """End offset of ``term`` matched at token i, or None."""
        words = term.words
        if i + len(words) > len(toks):
            return None
        col = 2 if term.case_sensitive else 3
        for k, w in enumerate(words):
            if not self._word_ok(w, toks[i + k][col]):
                return None
            if k and not _joinable(text, toks[i + k - 1][1], toks[i + k][0]):
                return None
        return toks[i + len(words) - 1][1]

    def _cjk_hits(self, text: str) -> list[Hit]:
        hits = []
        for ti in self._cjk:
            needle = self.terms[ti].words[0][0]
            start = text.find(needle)
            while start >= 0:
                hits.append(Hit(start, start + len(needle), ti))
                start = text.find(needle, start + len(needle))
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


