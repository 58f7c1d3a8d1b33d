"""Labelled documents for training and evaluating the classifier, and their parsers.

    Document                                  one labelled article (a frozen record)
    parse_news_jsonl(text) -> [Document]      the news-labelled corpus (one JSON object a line)
    parse_devset_article(raw, name) -> Document   one tests/devset article (header, ---, body)
    Correction, correction_documents(corrections) -> [Document]   an analyst's labels
    with_corrections(documents, corrections) -> [Document]        corrections win over a corpus

Pure: every parser takes text (file reading is the caller's: benchmarks/, the CLI).

Labels. ``present`` themes are clearly in the article (primary first); ``absent`` ones are
clearly not, although their words may appear (the corpus's ``forbidden``); ``passing`` ones are
touched in passing (neither); when ``complete``, every other theme of the taxonomy is taken as
absent too, but as weaker evidence (it may be a passing mention nobody wrote down). A
correction labels only what the analyst said: its other themes are unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Iterable

CORRECTION_WEIGHT = 3.0  # an analyst's label counts as three corpus documents


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str
    lang: str | None
    relevant: bool | None = None  # None: not labelled
    primary: str | None = None
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    passing: tuple[str, ...] = ()
    complete: bool = False  # themes in none of the lists are absent (weakly)
    story: str | None = None  # documents on one event: a split keeps them together
    published: str | None = None  # YYYY-MM-DD or an ISO timestamp
    source: str = ""  # "news-labelled", "devset", "analyst", ...
    weight: float = 1.0
    script: str | None = None  # Hans / Hant for Chinese


class CorpusError(ValueError):
    """A labelled file cannot be parsed; str(err) names the place."""


def parse_news_jsonl(text: str, source: str = "news-labelled") -> list[Document]:
    """The news-labelled corpus (fields as in its GUIDE.md): title, paragraphs, lang, relevant,
    primary, required (present), forbidden (absent), story, published."""
    docs: list[Document] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            docs.append(_news_document(row, source))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"line {n}: {exc}") from None
    return docs


def _news_document(row: dict, source: str) -> Document:
    required = tuple(row.get("required") or ())
    primary = row.get("primary")
    relevant = bool(row["relevant"])
    if relevant and (not primary or not required or required[0] != primary):
        raise ValueError(f"{row['id']}: a relevant document needs primary first in required")
    return Document(
        id=row["id"], title=row.get("title") or "", text="\n".join(row["paragraphs"]), lang=row.get("lang"),
        relevant=relevant, primary=primary if relevant else None, present=required,
        absent=tuple(row.get("forbidden") or ()), complete=True, story=row.get("story") or row["id"],
        published=row.get("published"), source=source, script=row.get("script"))


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_devset_header(raw: str, name: str = "?") -> tuple[dict[str, str], str]:
    """(header fields, body) of a dev-set file: ``key: value`` lines, a ``---`` line, the text."""
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise CorpusError(f"{name}: no '---' line between header and text")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise CorpusError(f"{name}: header line without ':': {line!r}")
        meta[key.strip()] = value.strip()
    if "id" not in meta:
        raise CorpusError(f"{name}: no id")
    return meta, body.strip("\n")


def parse_devset_article(raw: str, name: str = "?", source: str = "devset") -> Document:
    """One article in the dev-set format (tests/devset/README.md): relevant, primary, themes
    (present, primary first), mentions (passing); every other theme is absent."""
    meta, body = parse_devset_header(raw, name)
    themes = _list(meta.get("themes", ""))
    primary = meta.get("primary") or None
    relevant = meta.get("relevant", "").lower() == "true"
    if relevant and (not primary or not themes or themes[0] != primary):
        raise CorpusError(f"{name}: a relevant article needs primary, and themes starting with it")
    return Document(
        id=meta["id"], title=meta.get("title", ""), text=body, lang=meta.get("language", "en"),
        relevant=relevant, primary=primary if relevant else None, present=themes,
        passing=_list(meta.get("mentions", "")), complete=True,
        story=meta.get("event") or meta.get("group") or meta["id"], published=meta.get("published") or None,
        source=source, script=meta.get("script") or None)


@dataclass(frozen=True)
class Correction:
    """An analyst's labels for one article: themes it has, themes it has not, and whether it is
    on the topic at all (None: not said). Naming a theme it has implies it is relevant."""

    article_id: str
    title: str
    text: str
    lang: str | None
    relevant: bool | None = None
    themes: tuple[str, ...] = ()
    not_themes: tuple[str, ...] = ()
    primary: str | None = None


def correction_documents(corrections: Iterable[Correction]) -> list[Document]:
    """One document per article: its corrections merged in order (a later label of the same
    theme or of relevance wins), weighted CORRECTION_WEIGHT."""
    merged: dict[str, Document] = {}
    for c in corrections:
        doc = merged.get(c.article_id) or Document(
            id=c.article_id, title=c.title or "", text=c.text or "", lang=c.lang, story=f"analyst:{c.article_id}",
            source="analyst", weight=CORRECTION_WEIGHT)
        present = [t for t in doc.present if t not in c.not_themes]
        present += [t for t in c.themes if t not in present]
        absent = [t for t in doc.absent if t not in c.themes]
        absent += [t for t in c.not_themes if t not in absent]
        relevant = c.relevant if c.relevant is not None else (True if c.themes else doc.relevant)
        primary = c.primary or (doc.primary if doc.primary in present else None)
        if primary and primary not in present:
            present.insert(0, primary)
        if relevant is False:
            present, primary = [], None
        merged[c.article_id] = replace(doc, relevant=relevant, present=tuple(present), absent=tuple(absent),
                                       primary=primary)
    return list(merged.values())


def with_corrections(documents: Iterable[Document], corrections: Iterable[Correction]) -> list[Document]:
    """The documents with the analysts' corrections: a corrected document of the corpus is
    replaced by its corrected labels on top of the corpus's; any other correction is added."""
    docs = {d.id: d for d in documents}
    for cdoc in correction_documents(corrections):
        base = docs.get(cdoc.id)
        docs[cdoc.id] = cdoc if base is None else _overlay(base, cdoc)
    return list(docs.values())


def _overlay(base: Document, cdoc: Document) -> Document:
    present = [t for t in base.present if t not in cdoc.absent] + [t for t in cdoc.present if t not in base.present]
    absent = [t for t in base.absent if t not in cdoc.present] + [t for t in cdoc.absent if t not in base.absent]
    relevant = base.relevant if cdoc.relevant is None else cdoc.relevant
    primary = cdoc.primary or (base.primary if base.primary in present else (present[0] if present else None))
    if relevant is False:
        present, primary = [], None
    elif primary:
        present = [primary] + [t for t in present if t != primary]
    return replace(base, relevant=relevant, present=tuple(present), absent=tuple(absent), primary=primary,
                   weight=max(base.weight, cdoc.weight), source=f"{base.source}+analyst")
