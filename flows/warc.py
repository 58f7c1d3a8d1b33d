"""WARC/ARC reading for ``chipwire backfill --warc FILE...``: an I/O edge (it opens files).

``iter_warc(path, stats)`` yields one ``WarcItem`` per usable capture: an HTTP response record
(WARC ``response``, or an ARC record, which warcio converts) with a 2xx status whose
Content-Type is HTML (``text/html``, ``application/xhtml+xml``; sniffed from the body when the
type is missing or unknown). The body is the payload as the server meant it: transfer chunking
and Content-Encoding (gzip, deflate) undone.

Everything else is counted in ``WarcStats``, never raised:

- ``ignored``: records that are not captures of a page (warcinfo, request, metadata, resource,
  conversion, continuation);
- ``skipped[reason]`` for response and revisit records not used:
  ``revisit`` (no payload of its own), ``non_http`` (dns:, ftp:, ... targets), ``non_2xx``,
  ``non_html``, ``empty``, ``too_large`` (payload over ``max_bytes``), ``truncated`` (a
  WARC-Truncated header, a segmented record, a 206, a record cut short by the end of the file
  or with a wrong Content-Length, an unfinished chunked or gzip stream), ``unparseable``
  (no HTTP status line, a bad status code, no Content-Length, an encoding we cannot undo);
- ``damaged``: one line per file whose framing broke (not a WARC at all, a corrupt gzip
  stream, a record header that cannot be read): reading stops there, what came before is kept.

Invariant: ``records == used + ignored + sum(skipped.values())``.

Gzip files are read through one decompressing stream, so per-record gzip (the norm), one gzip
for the whole file (warcio refuses it: "non-chunked gzip") and members that do not align with
records all read alike. A missing or unreadable *path* raises OSError at the call, before any
record is read; that is the caller's error to report, not damage.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.limitreader import LimitReader
from warcio.statusandheaders import StatusAndHeadersParser

from extractors.urls import is_http_url

from .warcpayload import Skip, decode, dechunk, sniff_html

HTML_TYPES = ("text/html", "application/xhtml+xml")
SNIFF_TYPES = ("", "unknown/unknown", "application/unknown", "*/*")  # WHATWG mimesniff: sniff these
MAX_BYTES = 20 * 1024 * 1024
SKIP_REASONS = ("revisit", "non_http", "non_2xx", "non_html", "empty", "too_large", "truncated", "unparseable")
_READ = 64 * 1024


@dataclass(frozen=True)
class WarcItem:
    url: str  # WARC-Target-URI
    fetched_at: datetime | None  # WARC-Date in UTC (else the HTTP Date header; None if neither reads)
    status: int
    content_type: str  # the HTTP Content-Type as sent (with its charset), or "text/html" when sniffed
    body: bytes  # the payload, de-chunked and decoded
    record_id: str  # WARC-Record-ID; for ARC input a stable id derived from the capture


@dataclass
class WarcStats:
    """Counts over one or more files (pass the same object to several ``iter_warc`` calls)."""

    files: int = 0
    records: int = 0
    used: int = 0
    ignored: int = 0
    skipped: Counter = field(default_factory=Counter)
    damaged: list[str] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, int]:
        """Flat counts, e.g. for a ``runs`` row: warc_records, warc_used, warc_skipped_revisit, ..."""
        out = {"warc_files": self.files, "warc_records": self.records, "warc_used": self.used,
               "warc_ignored": self.ignored, "warc_damaged": len(self.damaged)}
        out.update({f"warc_skipped_{reason}": self.skipped.get(reason, 0) for reason in SKIP_REASONS})
        return out


class _Guarded:
    """A read-only stream that turns read errors into end-of-file and remembers them.

    warcio takes an EOFError from its source as a clean end of the archive; a gzip stream cut
    short raises exactly that, so without this guard a damaged file would look complete.
    ``head`` is the first bytes (decompressed), read ahead to tell WARC from ARC from neither.
    """

    def __init__(self, raw: BinaryIO, decompress: bool):
        self._raw = raw
        self._src = gzip.GzipFile(fileobj=raw, mode="rb") if decompress else raw
        self.error: str | None = None
        self._pending = self._read(64)
        self.head = self._pending

    def _read(self, size: int) -> bytes:
        if self.error is not None:
            return b""
        try:
            return self._src.read(size)
        except (EOFError, OSError, zlib.error, ValueError) as err:
            self.error = _one_line(err) or type(err).__name__
            return b""

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            if size is None or size < 0:
                return data + self._read(-1)
            if len(data) > size:
                data, self._pending = data[:size], data[size:]
                return data
            return data + (self._read(size - len(data)) if size > len(data) else b"")
        return self._read(size)

    def tell(self) -> int:
        try:
            return self._src.tell() - len(self._pending)
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        try:
            if self._src is not self._raw:
                self._src.close()
        finally:
            self._raw.close()

    @property
    def kind(self) -> str | None:
        """"warc", "arc" or None (neither, by the first line)."""
        head = self.head.lstrip(b"\r\n")
        if head.startswith(b"WARC/"):
            return "warc"
        if head.startswith(b"filedesc://"):
            return "arc"
        return None


class _QuietArchiveIterator(ArchiveIterator):
    # warcio writes this warning to stderr itself; we count it (err_count) instead
    INC_RECORD = ""


def _one_line(err: BaseException | str) -> str:
    return re.sub(r"\s+", " ", str(err)).strip()[:300]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"\d{14}", text):  # ARC-style 14-digit timestamp
        text = f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}Z"
    try:
        return _utc(datetime.fromisoformat(text.replace("z", "Z")))
    except ValueError:
        return None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return _utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _status(protocol: str, statusline: str) -> int:
    if not protocol.upper().startswith("HTTP/"):
        raise Skip("unparseable")
    code = statusline.split(" ", 1)[0].strip()
    if not re.fullmatch(r"[1-5]\d\d", code):
        raise Skip("unparseable")
    return int(code)


_HTTP_PARSER = StatusAndHeadersParser(["HTTP/"], verify=False)  # the protocol is checked in _status


def _read_response(record, archive: ArchiveIterator, max_bytes: int, is_arc: bool) -> WarcItem:
    headers = record.rec_headers
    url, raw, http, status = _response_head(record)
    ctype = (http.get_header("Content-Type") or "").strip()
    base = ctype.split(";", 1)[0].strip().lower()
    if base not in HTML_TYPES and base not in SNIFF_TYPES:
        raise Skip("non_html")
    body = _response_body(raw, archive, http, max_bytes)
    if base in SNIFF_TYPES:
        if not sniff_html(body):
            raise Skip("non_html")
        ctype = "text/html"

    fetched = _warc_date(headers.get_header("WARC-Date")) or _http_date(http.get_header("Date"))
    record_id = (headers.get_header("WARC-Record-ID") or "").strip()
    if is_arc or not record_id:  # warcio invents a random uuid for ARC records: make it stable
        digest = hashlib.sha1(f"{url}\n{headers.get_header('WARC-Date')}\n".encode() + body).hexdigest()
        record_id = f"<urn:chipwire:{'arc' if is_arc else 'warc'}:{digest}>"
    return WarcItem(url=url, fetched_at=fetched, status=status, content_type=ctype, body=body,
                    record_id=record_id)


def _response_head(record):
    """A response record's URL, its payload stream, HTTP head and status, or the reason to skip it."""
    headers = record.rec_headers
    if headers.get_header("WARC-Truncated") is not None:
        raise Skip("truncated")
    if headers.get_header("WARC-Segment-Number") is not None:
        raise Skip("truncated")  # a segmented record: the rest is in continuation records
    url = (headers.get_header("WARC-Target-URI") or "").strip()
    if not is_http_url(url):
        raise Skip("non_http")
    raw = record.raw_stream
    if record.length is None or not isinstance(raw, LimitReader):
        raise Skip("unparseable")  # no Content-Length: the record's end is unknown
    first = raw.readline(8192)  # bounded: a record of binary junk must not be read as one "line"
    if not first.lstrip().upper().startswith(b"HTTP/"):
        raise Skip("unparseable")
    try:
        http = _HTTP_PARSER.parse(raw, first.lstrip())
    except Exception:  # noqa: BLE001 -- any failure to read the HTTP head is the same verdict
        raise Skip("unparseable") from None
    status = _status(http.protocol, http.statusline)
    if not 200 <= status < 300:
        raise Skip("non_2xx")
    if status == 206:
        raise Skip("truncated")  # partial content
    return url, raw, http, status


def _response_body(raw, archive: ArchiveIterator, http, max_bytes: int) -> bytes:
    """The response's body, read to the record's end, de-chunked and decoded."""
    chunks, size = [], 0
    while True:
        block = raw.read(_READ)
        if not block:
            break
        size += len(block)
        if size > max_bytes:
            raise Skip("too_large")
        chunks.append(block)
    payload = b"".join(chunks)

    errors_before = archive.err_count
    archive.read_to_end()  # consume the record and the blank lines after it, as warcio would
    if raw.limit > 0 or archive.err_count > errors_before:
        raise Skip("truncated")  # the file ended inside the record, or its Content-Length is wrong
    if "chunked" in (http.get_header("Transfer-Encoding") or "").lower():
        payload = dechunk(payload)

    encodings = [c.strip().lower() for c in (http.get_header("Content-Encoding") or "").split(",")]
    body = decode(payload, encodings, max_bytes)
    if not body.strip():
        raise Skip("empty")
    return body


def iter_warc(path: str | os.PathLike, stats: WarcStats | None = None, *,
              max_bytes: int = MAX_BYTES) -> Iterator[WarcItem]:
    """The usable HTML captures of one WARC or ARC file (gzip or not), in file order.

    Opens the file now (OSError for a missing or unreadable path); damage inside the file is
    never raised: it ends the iteration and is recorded in ``stats.damaged``.
    """
    stats = stats if stats is not None else WarcStats()
    fh = open(path, "rb")  # noqa: SIM115 -- closed by the generator
    try:
        magic = fh.read(2)
        fh.seek(0)
    except OSError:
        fh.close()
        raise
    return _records(Path(path), _Guarded(fh, decompress=magic == b"\x1f\x8b"), stats, max_bytes)


def _records(path: Path, source: _Guarded, stats: WarcStats, max_bytes: int) -> Iterator[WarcItem]:
    stats.files += 1
    seen = 0  # records of this file

    def damaged(reason: str) -> None:
        stats.damaged.append(f"{path.name}: {reason} (after {seen} record{'s' if seen != 1 else ''})")

    try:
        kind = source.kind
        if kind is None:
            shown = source.head.split(b"\n", 1)[0][:60].decode("utf-8", "replace").strip()
            damaged(f"not a WARC or ARC file: {source.error or 'it begins ' + repr(shown)}")
            return
        # WARC: warcio then holds every record to WARC framing; ARC records are converted
        archive = _QuietArchiveIterator(source, arc2warc=kind == "arc", no_record_parse=True)
        records = iter(archive)
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as err:  # noqa: BLE001 -- warcio's framing errors: the file is damaged here
                damaged(_describe(err))
                return
            if record.length is None:  # framing lost: the record runs to the end of the file
                damaged("a record without Content-Length; the rest of the file cannot be framed")
                return
            seen += 1
            stats.records += 1
            rec_type = (record.rec_type or "").lower()
            if rec_type == "revisit":
                stats.skipped["revisit"] += 1
                continue
            if rec_type != "response":
                stats.ignored += 1
                continue
            try:
                item = _read_response(record, archive, max_bytes, kind == "arc")
            except Skip as skip:
                stats.skipped[skip.reason] += 1
                continue
            except Exception:  # noqa: BLE001 -- one odd record must not end the file
                stats.skipped["unparseable"] += 1
                continue
            stats.used += 1
            yield item
        if source.error is not None:
            damaged(source.error)
    finally:
        source.close()


def _describe(err: BaseException) -> str:
    text = _one_line(err)
    if "Unknown archive format" in text:
        return "not a WARC/ARC record here: " + text.split("first line:", 1)[-1].strip()[:120]
    if "non-chunked gzip" in text:
        return "gzip stream spans several records"
    return f"{type(err).__name__}: {text[:200]}" if text else type(err).__name__


def read_warc(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> tuple[list[WarcItem], WarcStats]:
    """Convenience: every item of one file, with its counts."""
    stats = WarcStats()
    return list(iter_warc(path, stats, max_bytes=max_bytes)), stats


__all__ = ["HTML_TYPES", "MAX_BYTES", "SKIP_REASONS", "WarcItem", "WarcStats", "iter_warc", "read_warc", "sniff_html"]
