"""What one HTTP answer means for the fetcher (flows.fetch): redirect, not modified,
transient or terminal status, wrong content type, or a body read under a cap.

Bodies are decoded here (gzip/deflate), not by the client: its own decompression inflates each
network chunk whole, and 64 KB of a gzip bomb is 64 MB once inflated, before any cap applies.
Here no call ever produces more than the cap allows.
"""

from __future__ import annotations

import email.utils
import zlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import aiohttp

from .errors import ClientFault, TerminalFetchError, TransientFetchError

if TYPE_CHECKING:
    from .fetchtypes import FetchRequest, FetchResult

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
HTML_TYPES = ("text/html", "application/xhtml+xml")
NOT_FEED_TYPES = ("image/", "audio/", "video/", "application/pdf", "application/zip", "application/octet-stream")


class _Inflater:
    """gzip/deflate decoding that never produces more than asked per call."""

    def __init__(self, encoding: str):
        self._gzip = encoding in ("gzip", "x-gzip")
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        """At most ``limit`` bytes; fewer means all of ``data`` was consumed."""
        first, self._first = self._first, False
        try:
            return self._obj.decompress(data, limit)
        except zlib.error:
            if self._gzip or not first:
                raise
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent without its zlib header
            return self._obj.decompress(data, limit)

    def flush(self) -> bytes:
        return self._obj.flush()


class _Capped:
    """Collects decoded chunks up to ``cap`` bytes: past it, TerminalFetchError, or with
    ``truncate`` the first ``cap`` bytes and a stop."""

    def __init__(self, cap: int, truncate: bool, what: str):
        self.cap, self.truncate, self.what = cap, truncate, what
        self.chunks: list[bytes] = []
        self.size = 0
        self.cut = False

    def add(self, chunk: bytes) -> bool:
        """False once the cap is reached (stop reading)."""
        if self.size + len(chunk) > self.cap:
            if not self.truncate:
                raise TerminalFetchError(f"too large: over {self.cap:,} bytes{self.what} (cap)")
            chunk, self.cut = chunk[: self.cap - self.size], True
        self.chunks.append(chunk)
        self.size += len(chunk)
        return not self.cut

    def body(self) -> tuple[bytes, bool]:
        return b"".join(self.chunks), self.cut


async def read_body(stream: aiohttp.StreamReader, encoding: str, cap: int, truncate: bool = False
                    ) -> tuple[bytes, bool]:
    """(decoded body, cut at the cap). Past ``cap`` bytes: TerminalFetchError as soon as it
    passes, or with ``truncate`` the first ``cap`` bytes (robots.txt: RFC 9309 asks for the
    first 500 KiB, not for a failure)."""
    if encoding in ("gzip", "x-gzip", "deflate"):
        out = _Capped(cap, truncate, " once decoded")
        inflater = _Inflater(encoding)
        try:
            async for raw in stream.iter_any():
                if not out.add(inflater.feed(raw, cap - out.size + 1)):
                    return out.body()
            out.add(inflater.flush())
        except zlib.error as err:
            raise TerminalFetchError(f"undecodable content encoding: {err}") from None
        return out.body()
    if encoding in ("", "identity"):
        out = _Capped(cap, truncate, "")
        async for chunk in stream.iter_any():
            if not out.add(chunk):
                break
        return out.body()
    raise TerminalFetchError(f"undecodable content encoding: {encoding[:40]} (not requested)")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


async def answer(url: str, resp: aiohttp.ClientResponse, req: FetchRequest, result: FetchResult,
                 cap: int | None, max_bytes: int) -> str | None:
    """Read ``resp``: the next URL for a redirect, None once ``result`` is filled, or a
    FetchError. ``cap`` given (robots.txt): the body is cut there, not refused."""
    status = resp.status
    if status in (301, 302, 303, 307, 308):
        location = resp.headers.get("location")
        if not location:
            raise TerminalFetchError(f"HTTP {status} without Location", status=status)
        return urljoin(url, location.strip())
    if status == 304:
        result.final_url, result.status = url, 304
        result.etag = resp.headers.get("etag") or req.etag
        result.last_modified = resp.headers.get("last-modified") or req.last_modified
        result.fetched_at = datetime.now(timezone.utc)
        return None
    if status in TRANSIENT_STATUS:
        raise TransientFetchError(f"HTTP {status}", status=status,
                                  retry_after=_retry_after(resp.headers.get("retry-after")))
    if status == 431:
        raise ClientFault("HTTP 431: the server refuses our request headers as too large "
                          "(check [fetch] user_agent)", status=status)
    if status >= 400:
        raise TerminalFetchError(f"HTTP {status}", status=status)
    if status >= 300 or status < 200:
        raise TerminalFetchError(f"unexpected HTTP {status}", status=status)
    ctype = resp.headers.get("content-type", "")
    check_type(req.kind, ctype)
    limit = cap or max_bytes
    length = resp.headers.get("content-length")
    if cap is None and length and length.isdigit() and int(length) > limit:
        raise TerminalFetchError(f"too large: {int(length):,} bytes (cap {limit:,})")
    encoding = resp.headers.get("content-encoding", "").strip().lower()
    result.body, result.truncated = await read_body(resp.content, encoding, limit, truncate=cap is not None)
    result.final_url, result.status, result.content_type = url, status, ctype or None
    result.etag = resp.headers.get("etag")
    result.last_modified = resp.headers.get("last-modified")
    result.fetched_at = datetime.now(timezone.utc)
    return None


def check_type(kind: str, ctype: str) -> None:
    base = ctype.split(";")[0].strip().lower()
    if kind == "page" and base and not base.startswith(HTML_TYPES) and base != "text/plain":
        raise TerminalFetchError(f"not HTML: content-type {base}")
    if kind == "feed" and base.startswith(NOT_FEED_TYPES):
        raise TerminalFetchError(f"not a feed: content-type {base}")
