"""`chipwire search`: ranked full-text search over the stored articles.

It reads the index beside the warehouse (``<db>.search/``, warehouse/search.py), not the
warehouse itself, so it answers while a run is loading. Before searching it brings the index
up to date when it can do so at once: when no other process is writing the index and the
warehouse is not held by a run (a run keeps the index fresh itself); with ``--no-refresh`` it
searches the index as it is. A missing index, or one of an older schema, is built first (that
needs the warehouse: it waits for a run to let go of it); ``--reindex`` rebuilds it anyway.

Light: DuckDB, tantivy, OpenCC, pyarrow (for the catch-up) and the standard library; no Prefect.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date

from .settings import build_settings

DESCRIPTION = """\
Ranked full-text search (BM25) over every stored article: the best matches first, each with its
title, source, date, themes and a passage with the matching words highlighted. Words are matched
in their language's stemmed form (en, de, fr, es, it, pt, nl, ru, sv: "licences" finds
"licence"); Chinese, Japanese and Korean text is matched by character pairs without word
segmentation, simplified and traditional Chinese alike. "Quoted words" must appear together.
Works while a run is loading: the index beside the warehouse (<db>.search/) is kept up to date by
every run and read without waiting."""

EPILOG = """\
examples:
  chipwire search "H20 licence"
  chipwire search "Exportkontrollen ASML" --lang de
  chipwire search "华为芯片" --since 2025-01-01
  chipwire search "smuggling Singapore" --theme smuggling_enforcement --format json
  chipwire search --reindex "entity list"      # rebuild the index first
"""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return n


def add_parser(sub) -> None:
    p = sub.add_parser("search", help="ranked full-text search over the articles (BM25, snippets, filters)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", metavar='"TEXT"', help="what to search for: words, \"a phrase\", 中文/日本語/한국어 text")
    p.add_argument("--theme", metavar="ID", help="only articles with this theme (an id of the taxonomy)")
    p.add_argument("--since", metavar="DATE", type=_date, help="only articles published on or after DATE (YYYY-MM-DD, UTC)")
    p.add_argument("--until", metavar="DATE", type=_date, help="only articles published on or before DATE (inclusive)")
    p.add_argument("--lang", metavar="xx", help="only articles in this language (ISO 639-1: en, de, zh ...)")
    p.add_argument("--limit", metavar="N", type=_positive, default=10, help="show the best N (default 10)")
    p.add_argument("--db", metavar="FILE", help="warehouse file (default: $CHIPWIRE_DB or ./data/chipwire.duckdb)")
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy whose theme ids --theme accepts "
                   "(default: $CHIPWIRE_TAXONOMY or the shipped taxonomy)")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table (default: for reading) or json (one object a hit, for programs)")
    p.add_argument("--reindex", action="store_true", help="rebuild the search index from the warehouse first")
    p.add_argument("--no-refresh", action="store_true",
                   help="search the index as it is, without first catching up with the warehouse")


def _check_theme(theme: str | None, taxonomy_path) -> None:
    if theme is None:
        return
    from extractors.errors import ExtractorError
    from extractors.taxonomy import load_taxonomy

    try:
        known = [t.id for t in load_taxonomy(taxonomy_path).themes]
    except (ExtractorError, OSError):
        return  # no usable taxonomy to check against: the filter simply finds what has that theme
    if theme not in known:
        raise ValueError(f"--theme {theme!r} is not a theme of {taxonomy_path} (themes: {', '.join(known)})")


def cmd_search(args) -> int:
    from warehouse.errors import WarehouseError
    from warehouse.search_query import Filters, check_filters, search

    from .search_sync import prepare_for_search

    settings = build_settings(db=args.db, taxonomy=args.taxonomy)
    filters = Filters(theme=args.theme, since=args.since, until=args.until, lang=args.lang)
    try:
        check_filters(filters)
        _check_theme(args.theme, settings.taxonomy_path)
        index, note = prepare_for_search(settings, reindex=args.reindex, refresh=not args.no_refresh)
        hits = search(index, args.text, filters, limit=args.limit)
    except (ValueError, WarehouseError) as err:
        print(f"chipwire: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chipwire: search interrupted", file=sys.stderr)
        return 130
    if note:
        print(f"chipwire: {note}", file=sys.stderr)
    try:
        (_write_json if args.format == "json" else _write_table)(hits, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _write_json(hits, out) -> None:
    for h in hits:
        out.write(json.dumps({
            "rank": h.rank, "score": h.score, "article_id": h.article_id, "title": h.title, "source": h.source,
            "date": h.date.isoformat() if h.date else None, "language": h.language, "themes": h.themes,
            "url": h.url, "snippet": h.snippet, "highlights": [list(s) for s in h.highlights],
        }, ensure_ascii=False) + "\n")


def _clean(text: str | None) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")


def _marked(snippet: str, spans, tty: bool) -> str:
    """The snippet with its highlights in bold (a terminal) or between ** (a pipe or file)."""
    on, off = ("\x1b[1m", "\x1b[0m") if tty else ("**", "**")
    out, at = [], 0
    for start, end in spans:
        out += [_clean(snippet[at:start]), on, _clean(snippet[start:end]), off]
        at = end
    out.append(_clean(snippet[at:]))
    return "".join(out)


def _write_table(hits, out) -> None:
    if not hits:
        out.write("no article matches\n")
        return
    tty = out.isatty()
    for h in hits:
        day = h.date.date().isoformat() if h.date else "(no date)"
        themes = ", ".join(h.themes) if h.themes else "no theme"
        out.write(f"{h.rank:>2}. {_clean(h.title)}\n")
        out.write(f"    {day} · {_clean(h.source) or '?'} · {h.language or '?'} · {themes} · score {h.score:.2f}\n")
        out.write(f"    …{_marked(h.snippet, h.highlights, tty)}…\n")
        out.write(f"    {h.article_id}  {_clean(h.url)}\n\n")
