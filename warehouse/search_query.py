"""Searching the full-text index: the query, the filters, the ranked hits with their snippets.

A query is free text, with "quoted phrases" if wanted. Each word is analysed by every
language group's analyzer (search_schema.py) and looked up in that group's title and body
fields: an English word is stemmed the English way against English articles, the German way
against German ones, and so on; the article's score is tantivy's BM25 over the clauses that
match, a title match counting twice. A run of Chinese, Japanese or Korean characters becomes
its overlapping two-character phrases (a lone character, a term), in the simplified and the
traditional script alike (OpenCC, character by character), so ``华为芯片`` finds ``華為`` and
articles that say ``芯片`` without ``华为`` rank below those that say both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from .errors import SearchQueryError
from .search import SearchIndex
from .search_schema import CJK_RANGES, GROUPS, analyzer

TITLE_BOOST = 2.0
SNIPPET_CHARS = 220
CANDIDATES = 100  # best BM25 matches re-ranked by how many of the query's units they contain
COORD = 1.0  # exponent of that share
MAX_UNITS = 64  # words, character pairs and phrases in one query
_CJK_RUN = re.compile(f"[{CJK_RANGES}]+")
_PHRASE = re.compile(r'"([^"]*)"')
_LANG = re.compile(r"^[a-z]{2}$")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Filters:
    theme: str | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive
    lang: str | None = None


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    article_id: str
    title: str
    source: str | None
    date: datetime | None
    language: str
    themes: list[str]
    url: str | None
    snippet: str  # a passage of the body around the best matches (the start of the body if none)
    highlights: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in snippet, in characters


class _Analysis:
    """The groups' analyzers and (built on first use: 0.1 s) the script converters."""

    def __init__(self) -> None:
        self.analyzers = {g: analyzer(g) for g in GROUPS}
        self._converters: list | None = None

    def variants(self, run: str) -> list[str]:
        if self._converters is None:
            try:
                import opencc

                self._converters = [opencc.OpenCC("t2s"), opencc.OpenCC("s2t")]
            except ImportError:  # an install without OpenCC: each script finds only itself
                self._converters = []
        out = [run]
        for conv in self._converters:
            other = conv.convert(run)
            if other not in out:
                out.append(other)
        return out


def _fields(schema, make) -> list:
    """``make(field_name)`` for the title and body field of every group (title boosted); a
    ``make`` that returns None for a group leaves it out."""
    from tantivy import Query

    out = []
    for group in GROUPS:
        for name, boost in ((f"title_{group}", TITLE_BOOST), (f"body_{group}", 1.0)):
            q = make(name, group)
            if q is not None:
                out.append(Query.boost_query(q, boost) if boost != 1.0 else q)
    return out


def _cjk_units(schema, analysis: _Analysis, run: str, phrase: bool) -> list[list]:
    """A run of CJK characters: one unit per character pair (in every script variant), or one
    for the whole run when it is quoted."""
    from tantivy import Query

    variants = [list(v) for v in analysis.variants(run)]
    spans = [(0, len(variants[0]))] if phrase or len(variants[0]) < 3 else \
        [(i, i + 2) for i in range(len(variants[0]) - 1)]
    units = []
    for lo, hi in spans:
        pieces = {tuple(v[lo:hi]) for v in variants if len(v) == len(variants[0])}
        clauses = []
        for piece in pieces:
            clauses += _fields(schema, lambda name, _g, p=piece: Query.phrase_query(schema, name, list(p))
                               if len(p) > 1 else Query.term_query(schema, name, p[0]))
        units.append(clauses)
    return units


def _word_units(schema, analysis: _Analysis, text: str, phrase: bool) -> list[list]:
    """Words of other scripts: a unit per distinct word, analysed by each group's analyzer (or one
    unit for a quoted phrase)."""
    from tantivy import Query

    def make(words):
        def one(name, group):
            tokens = [t for w in words for t in analysis.analyzers[group].analyze(w)]
            if not tokens:
                return None
            return Query.phrase_query(schema, name, tokens) if len(tokens) > 1 else Query.term_query(schema, name, tokens[0])
        return one

    words = _WORD.findall(text)
    if phrase:
        return [_fields(schema, make(words))] if words else []
    return [_fields(schema, make([w])) for w in dict.fromkeys(w.lower() for w in words)]


def units(schema, analysis: _Analysis, text: str) -> list[list]:
    """The query's units (a word, a CJK character pair, a quoted phrase), each as its clauses
    over every group's fields; SearchQueryError when there is nothing to look for."""
    out = []
    text = unicodedata.normalize("NFC", text)  # stored text is NFC (extractors.article.nfc)
    pieces = [(q, True) for q in _PHRASE.findall(text)] + [(_PHRASE.sub(" ", text).replace('"', " "), False)]
    for piece, phrase in pieces:
        for run in _CJK_RUN.findall(piece):
            out += _cjk_units(schema, analysis, run, phrase)
        out += _word_units(schema, analysis, _CJK_RUN.sub(" ", piece), phrase)
    out = [u for u in out if u]
    if len(out) > MAX_UNITS:
        raise SearchQueryError(f"the query has {len(out)} words or character pairs; give at most {MAX_UNITS}")
    if not out:
        raise SearchQueryError(f"nothing to search for in {text!r} (no word, number or CJK character)")
    return out


def filter_queries(schema, filters: Filters) -> list:
    from tantivy import FieldType, Query

    out = []
    if filters.lang:
        out.append(Query.term_query(schema, "lang", filters.lang.lower()))
    if filters.theme:
        out.append(Query.term_query(schema, "theme", filters.theme))
    if filters.since or filters.until:
        lo = datetime.combine(filters.since, time(), timezone.utc) if filters.since else None
        hi = datetime.combine(filters.until + timedelta(days=1), time(), timezone.utc) if filters.until else None
        out.append(Query.range_query(schema, "date", FieldType.Date, lo, hi, include_upper=hi is None))
    return out


def check_filters(filters: Filters) -> None:
    if filters.lang is not None and not _LANG.match(filters.lang.lower()):
        raise SearchQueryError(f"--lang {filters.lang!r}: give a two-letter ISO 639-1 code such as en, de, zh")
    if filters.since and filters.until and filters.since > filters.until:
        raise SearchQueryError(f"--since {filters.since} is after --until {filters.until}")


class Searcher:
    """Searches one index; holds what every search needs (analyzers, converters, the opened
    index), so a program that searches many times (the benchmark) builds them once."""

    def __init__(self, index: SearchIndex, coord: float = COORD):
        self.index = index
        self.coord = coord  # 0: plain BM25 order (the benchmark's comparison)
        self.analysis = _Analysis()
        self._ix = None

    def search(self, text: str, filters: Filters = Filters(), limit: int = 10) -> list[Hit]:
        """The best ``limit`` articles for ``text`` within ``filters``, best first: BM25 over every
        unit's clauses, then the best CANDIDATES re-ranked by the share of the query's units
        they contain (a German article with all five words of a German query ranks above
        English ones that share only the two names; see docs/search.md)."""
        from tantivy import Occur, Query

        check_filters(filters)
        if limit < 1:
            raise SearchQueryError(f"--limit {limit}: give a positive number")
        if not text.strip():
            raise SearchQueryError("empty query: give the words to search for")
        if self._ix is None:
            self._ix = self.index.open_index()
        schema, searcher = self._ix.schema, self._ix.searcher()
        parts = units(schema, self.analysis, text)
        scoring = Query.boolean_query([(Occur.Should, c) for u in parts for c in u])
        must = [(Occur.Must, f) for f in filter_queries(schema, filters)]
        found = searcher.search(Query.boolean_query([(Occur.Must, scoring)] + must),
                                max(CANDIDATES, limit), count=False).hits
        ranked = (_coordinated(searcher, schema, parts, found, self.coord) if self.coord else found)[:limit]
        snippets: dict[str, object] = {}
        return [_hit(searcher, schema, scoring, snippets, rank, score, addr)
                for rank, (score, addr) in enumerate(ranked, 1)]


def _coordinated(searcher, schema, parts: list[list], found: list, coord: float) -> list:
    """``found`` (score, address) re-scored as score x (units matched / units) ** coord."""
    from tantivy import Occur, Query

    if len(parts) < 2 or len(found) < 2:
        return found
    keys = {(a.segment_ord, a.doc): searcher.doc(a)["article_id"][0] for _, a in found}
    ids = Query.term_set_query(schema, "article_id", list(keys.values()))
    matched = dict.fromkeys(keys, 0)
    for unit in parts:
        q = Query.boolean_query([(Occur.Must, ids), (Occur.Must, Query.boolean_query([(Occur.Should, c) for c in unit]))])
        for _, a in searcher.search(q, len(found), count=False).hits:
            key = (a.segment_ord, a.doc)
            if key in matched:
                matched[key] += 1
    rescored = [(score * (matched[(a.segment_ord, a.doc)] / len(parts)) ** coord, a) for score, a in found]
    return sorted(rescored, key=lambda pair: -pair[0])


def search(index: SearchIndex, text: str, filters: Filters = Filters(), limit: int = 10) -> list[Hit]:
    """One search (a new Searcher)."""
    return Searcher(index).search(text, filters, limit)


def _hit(searcher, schema, scoring, snippets: dict, rank: int, score: float, addr) -> Hit:
    from tantivy import SnippetGenerator

    doc = searcher.doc(addr)
    data = doc.to_dict()
    group = next((g for g in GROUPS if f"body_{g}" in data or f"title_{g}" in data), "other")
    gen = snippets.get(group)
    if gen is None:
        gen = snippets[group] = SnippetGenerator.create(searcher, scoring, schema, f"body_{group}")
        gen.set_max_num_chars(SNIPPET_CHARS)
    snippet, spans = _snippet(gen.snippet_from_doc(doc))
    body = (data.get(f"body_{group}") or [""])[0]
    if not snippet:
        snippet, spans = " ".join(body[:SNIPPET_CHARS].split()), []
    when = (data.get("date") or [None])[0]
    return Hit(rank=rank, score=round(float(score), 4), article_id=data["article_id"][0],
               title=(data.get(f"title_{group}") or [""])[0], source=(data.get("source") or [None])[0],
               date=when, language=(data.get("lang") or [""])[0], themes=list(data.get("theme") or []),
               url=(data.get("url") or [None])[0], snippet=snippet, highlights=spans)


def _snippet(snip) -> tuple[str, list[tuple[int, int]]]:
    """The fragment as one line, and its highlighted spans in characters (tantivy gives
    bytes), adjacent spans merged (a CJK word's characters are highlighted one by one)."""
    fragment = snip.fragment()
    raw = fragment.encode("utf-8")
    spans: list[tuple[int, int]] = []
    for r in sorted(snip.highlighted(), key=lambda r: r.start):
        start, end = len(raw[:r.start].decode("utf-8", "ignore")), len(raw[:r.end].decode("utf-8", "ignore"))
        if spans and fragment[spans[-1][1]:start].strip() == "" and start - spans[-1][1] <= 0:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    # one line: newlines become spaces (same length, so the spans stay put)
    return fragment.replace("\n", " ").replace("\r", " "), spans
