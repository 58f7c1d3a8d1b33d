"""Saved files as raw pages: the file reader of `chipwire backfill --dir` (no Prefect here, so
the command can check its input before Prefect starts)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from extractors.article import declared_canonical
from extractors.urls import canonicalize
from warehouse import codec
from warehouse.records import Captured, StoredPage

SUFFIXES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain; charset=utf-8"}


def scan_dir(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def file_records(paths: list[Path], source_name: str | None = None) -> tuple[list[Captured], int]:
    """One frontier entry + raw page per file, and how many files were left out as copies of
    an earlier one (the same canonical URL: one article, one stored body). A file's date (its
    modification time) is the last resort for the article's date (``published_at_source`` file);
    ``source_name``: the outlet the user declared for the folder (``--source``)."""
    records: dict[str, Captured] = {}
    copies = 0
    for path in paths:
        body = path.read_bytes()
        ctype = SUFFIXES[path.suffix.lower()]
        link = (declared_canonical(body) if ctype == "text/html" else None) or path.resolve().as_uri()
        url = canonicalize(link)
        if url in records:
            copies += 1
            continue
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        records[url] = Captured(
            entry={"url": url, "link": link, "origin": "file", "trusted_origin": None, "source_name": source_name,
                   "entry_published_at": mtime},
            page=StoredPage(url=url, final_url=link, status=200, content_type=ctype, fetched_at=mtime,
                            body=codec.raw_body(body)))
    return list(records.values()), copies


