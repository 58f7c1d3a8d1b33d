"""Saved files as raw pages: the file reader of `chipwire backfill --dir` (no Prefect here, so
the command can check its input before Prefect starts)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from extractors.article import declared_canonical
from extractors.urls import canonicalize
from warehouse import codec

SUFFIXES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain; charset=utf-8"}


def scan_dir(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def file_records(paths: list[Path]) -> list[dict]:
    """One frontier entry + raw page per file."""
    records = []
    for path in paths:
        body = path.read_bytes()
        ctype = SUFFIXES[path.suffix.lower()]
        link = (declared_canonical(body) if ctype == "text/html" else None) or path.resolve().as_uri()
        fetched = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        records.append({
            "url": canonicalize(link), "link": link, "origin": "backfill", "trusted_origin": None,
            "final_url": link, "status": 200, "content_type": ctype, "fetched_at": fetched,
            **codec.raw_body(body),
        })
    return records


