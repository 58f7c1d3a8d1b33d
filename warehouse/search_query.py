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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from .errors import SearchQueryError
from .search import SearchIndex
from .search_schema import CJK_RANGES, GROUPS, analyzer

TITLE_BOOST = 2.0
SNIPPET_CHARS = 220
_CJK_RUN = re.compile(f"[{CJK_RANGES}]+")
_PHRASE = re.compile(r'"([^"]*)"')
_LANG = re.compile(r"^[a-z]{2}$")


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
    """The groups' analyzers and the script converters, for one search."""

    def __init__(self) -> None:
        self.analyzers = {g: analyzer(g) for g in GROUPS}
        try:
            import opencc

            self.converters = [opencc.OpenCC("t2s"), opencc.OpenCC("s2t")]
        except ImportError:  # an install without OpenCC: each script finds only itself
            self.converters = []

    def variants(self, run: str) -> list[str]:
        out = [run]
        for conv in self.converters:
            other = conv.convert(run)
            if other not in out:
                out.append(other)
        return out


def _clauses(schema, analysis: _Analysis, text: str, phrase: bool) -> list:
    """Query clauses for one piece of the query (a phrase if ``phrase``)."""
    from tantivy import Query

    clauses = []
    for run in _CJK_RUN.findall(text):
        for variant in analysis.variants(run):
            chars = list(variant)
            units = [chars] if phrase or len(chars) < 3 else [chars[i:i + 2] for i in range(len(chars) - 1)]
            for unit in units:
                for group in GROUPS:
                    for name, boost in ((f"title_{group}", TITLE_BOOST), (f"body_{group}", 1.0)):
                        q = (Query.phrase_query(schema, name, unit) if len(unit) > 1
                             else Query.term_query(schema, name, unit[0]))
                        clauses.append(Query.boost_query(q, boost) if boost != 1.0 else q)
    rest = _CJK_RUN.sub(" ", text)
    for group in GROUPS:
        tokens = analysis.analyzers[group].analyze(rest)
        if not tokens:
            continue
        for name, boost in ((f"title_{group}", TITLE_BOOST), (f"body_{group}", 1.0)):
            if phrase and len(tokens) > 1:
                queries = [Query.phrase_query(schema, name, tokens)]
            else:
                queries = [Query.term_query(schema, name, t) for t in dict.fromkeys(tokens)]
            clauses += [Query.boost_query(q, boost) if boost != 1.0 else q for q in queries]
    return clauses


def text_query(schema, analysis: _Analysis, text: str):
    """The scoring part of a query; SearchQueryError when it has nothing to look for."""
    from tantivy import Occur, Query

    clauses = []
    for quoted in _PHRASE.findall(text):
        clauses += _clauses(schema, analysis, quoted, phrase=True)
    clauses += _clauses(schema, analysis, _PHRASE.sub(" ", text).replace('"', " "), phrase=False)
    if not clauses:
        raise SearchQueryError(f"nothing to search for in {text!r} (no word, number or CJK character)")
    return Query.boolean_query([(Occur.Should, q) for q in clauses])


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


def search(index: SearchIndex, text: str, filters: Filters = Filters(), limit: int = 10) -> list[Hit]:
    """The best ``limit`` articles for ``text`` within ``filters``, best first."""
    from tantivy import Occur, Query

    check_filters(filters)
    if limit < 1:
        raise SearchQueryError(f"--limit {limit}: give a positive number")
    if not text.strip():
        raise SearchQueryError("empty query: give the words to search for")
    ix = index.open_index()
    schema = ix.schema
    analysis = _Analysis()
    scoring = text_query(schema, analysis, text)
    query = Query.boolean_query([(Occur.Must, scoring)] + [(Occur.Must, f) for f in filter_queries(schema, filters)])
    searcher = ix.searcher()
    found = searcher.search(query, limit, count=False).hits
    snippets: dict[str, object] = {}
    return [_hit(searcher, schema, scoring, snippets, rank, score, addr)
            for rank, (score, addr) in enumerate(found, 1)]


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
