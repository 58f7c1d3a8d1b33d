"""Sitemaps: bytes -> frozen entries, for ``chipwire backfill --sitemap``.

Pure: no network, no files. Reads what the sitemap protocol and its extensions allow:

- a ``<urlset>`` (sitemap 0.9), with Google News (``news:publication_date``, ``news:title``,
  ``news:language``), image and xhtml extensions (the last two are ignored);
- a ``<sitemapindex>``, whose children the caller fetches and parses in turn;
- a plain-text sitemap, one URL a line;
- any of these gzip-compressed (detected by the magic bytes, not by the name).

Namespaces are matched by local name, so a sitemap without ``xmlns`` or with a forgotten
``xmlns:news`` still reads. A bare ``&`` in a URL (a common generator bug) is escaped and the
document read again; any other XML error is a ``SitemapError``. Entities are never expanded:
a document that declares any is refused, no DTD is loaded, nothing touches the network.
``<loc>`` values that are relative or not http(s) are dropped (counted in ``dropped``); the
same ``<loc>`` twice keeps its first entry.

Every date is an aware UTC datetime; W3C datetime forms (``2025-05-01``,
``2025-05-01T10:00Z``, ``...T10:00:00.5+02:00``, also a space for the ``T``, no zone = UTC, and
RFC 2822 as a last resort) are read, anything else is None.

Windows (``--since``/``--until``, both inclusive) compare the UTC calendar date of the entry's
publication date, or else its lastmod: see ``in_window``.
"""

from __future__ import annotations

import argparse
import email.utils
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from lxml import etree

from .errors import ExtractorError, SitemapError  # noqa: F401 (re-exported)
from .language import normalize_tag
from .urls import is_http_url

MAX_BYTES = 64 * 1024 * 1024  # the protocol caps a sitemap at 50 MB uncompressed
GZIP_MAGIC = b"\x1f\x8b"


class DateArgError(ValueError, argparse.ArgumentTypeError):
    """A ``--since``/``--until`` value that is not ``YYYY-MM-DD`` (usable as argparse ``type=``)."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date
    title: str | None = None  # news:title
    language: str | None = None  # news:publication/news:language, as ISO 639-1


@dataclass(frozen=True)
class SitemapRef:
    """A child sitemap named by a sitemap index."""

    loc: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class Sitemap:
    url: str
    kind: str  # "urlset" | "index"
    entries: tuple[SitemapEntry, ...] = ()
    sitemaps: tuple[SitemapRef, ...] = ()
    format: str = "xml"  # "xml" | "text"
    dropped: int = 0  # <loc>s (or text lines) that were empty, relative or not http(s)
    repaired: str | None = None  # what was fixed to read it (e.g. bare '&' escaped), if anything


# -- dates -------------------------------------------------------------------------------------

_W3C = re.compile(
    r"""^(?P<y>\d{4})
        (?:-(?P<m>\d{1,2})
          (?:-(?P<d>\d{1,2})
            (?:[Tt\s]\s*(?P<H>\d{1,2}):(?P<M>\d{2})
              (?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?
              \s*(?P<tz>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?
            )?
          )?
        )?$""",
    re.VERBOSE,
)


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """A sitemap date as an aware UTC datetime, or None when it cannot be read."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    m = _W3C.match(text)
    try:
        if m:
            tz = m["tz"]
            if tz is None or tz in ("Z", "z", "UTC", "GMT"):
                tzinfo = timezone.utc
            else:
                sign = -1 if tz[0] == "-" else 1
                digits = tz[1:].replace(":", "")
                hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
                if hours > 23 or minutes > 59:
                    return None
                tzinfo = timezone(sign * timedelta(hours=hours, minutes=minutes))
            frac = (m["f"] or "")[:6].ljust(6, "0")
            when = datetime(
                int(m["y"]), int(m["m"] or 1), int(m["d"] or 1),
                int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0), int(frac), tzinfo=tzinfo,
            )
        else:
            if not re.search(r"[A-Za-z]{3}", text):  # RFC 2822 names a month or a day
                return None
            when = email.utils.parsedate_to_datetime(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(timezone.utc)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def parse_date_arg(s: str) -> date:
    """``--since``/``--until``: exactly ``YYYY-MM-DD``. Raises DateArgError (a ValueError)."""
    text = (s or "").strip() if isinstance(s, str) else ""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise DateArgError(f"invalid date {str(s)[:40]!r}: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise DateArgError(f"invalid date {text!r}: {err}") from None


def _as_date(value: date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def entry_date(entry: SitemapEntry) -> date | None:
    """The UTC calendar date a window compares: publication date, else lastmod."""
    when = entry.published or entry.lastmod
    return when.astimezone(timezone.utc).date() if when is not None else None


def in_window(entry: SitemapEntry, since: date | None, until: date | None) -> bool:
    """The contract's rule: both ends inclusive, on the publication date or else the lastmod
    (UTC calendar dates); an entry with neither is taken only when no window is given."""
    since, until = _as_date(since), _as_date(until)
    if since is None and until is None:
        return True
    day = entry_date(entry)
    if day is None:
        return False
    if since is not None and day < since:
        return False
    return until is None or day <= until


def ref_may_match(ref: SitemapRef, since: date | None, until: date | None = None) -> bool:
    """Whether a child sitemap of an index can hold entries of the window: one last modified
    (UTC date) before ``since`` cannot, as adding a newer entry would have modified it.
    ``until`` cannot prune (an old archive may be regenerated today). Unknown lastmod: True."""
    since = _as_date(since)
    if since is None or ref.lastmod is None:
        return True
    return ref.lastmod.astimezone(timezone.utc).date() >= since


# -- parsing -----------------------------------------------------------------------------------

def _gunzip(data: bytes, cap: int) -> bytes:
    out, total = [], 0
    rest = data
    while rest[:2] == GZIP_MAGIC:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, cap + 1 - total)
        except zlib.error as err:
            raise SitemapError(f"corrupt gzip data: {err}") from None
        total += len(chunk)
        out.append(chunk)
        if total > cap:
            raise SitemapError(f"too large: over {cap:,} bytes once decompressed")
        if not d.eof:
            raise SitemapError("truncated gzip data (the compressed stream ends early)")
        rest = d.unused_data.lstrip(b"\x00")  # members may be concatenated; padding tolerated
    if rest.strip():
        raise SitemapError("trailing garbage after the gzip data")
    return b"".join(out)


def _local(tag) -> str | None:
    if not isinstance(tag, str):  # comments, processing instructions, entity references
        return None
    if "}" in tag:
        tag = tag.rsplit("}", 1)[1]
    elif ":" in tag:  # undeclared prefix read in recover mode: "news:title"
        tag = tag.rsplit(":", 1)[1]
    return tag.lower()


def _is_news(el) -> bool:
    """A Google News element: in its namespace (any version: 0.84 and 0.9 are both seen), or
    with no (or an undeclared) namespace."""
    tag = el.tag
    if "}" in tag:
        return "sitemap-news" in tag[1:].split("}", 1)[0]
    return True


_SPACE = re.compile(r"\s+")


def _text(el) -> str | None:
    if el is None:
        return None
    if len(el):  # an element or entity reference inside: not a plain value
        return None
    text = _SPACE.sub(" ", el.text or "").strip()
    return text or None


def _children(el) -> dict[str, object]:
    """First child element per local name."""
    found: dict[str, object] = {}
    for child in el:
        name = _local(child.tag)
        if name is not None and name not in found:
            found[name] = child
    return found


def _loc(el) -> str | None:
    text = _text(el)
    if text is None:
        return None
    text = text.replace(" ", "%20")
    return text if is_http_url(text) else None


_BARE_AMP = re.compile(rb"&(?!(?:#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,8}|[A-Za-z_][A-Za-z0-9._-]{0,40});)")


def _parser(recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False,
        remove_comments=True, remove_pis=True, recover=recover,
    )


def _first_error(err: etree.XMLSyntaxError) -> str:
    msg = str(err.msg if getattr(err, "msg", None) else err)
    return _SPACE.sub(" ", msg).strip()[:200] or "XML syntax error"


def _parse_xml(data: bytes) -> tuple[object, str | None]:
    """Root element and what was repaired. Strict, with two narrow repairs."""
    attempts = [(data, None)]
    if b"&" in data:
        fixed = _BARE_AMP.sub(b"&amp;", data)
        if fixed != data:
            attempts.append((fixed, "bare '&' escaped"))
    first_error: str | None = None
    for blob, repair in attempts:
        parser = _parser()
        try:
            return etree.fromstring(blob, parser), repair
        except etree.XMLSyntaxError as err:
            errors = list(parser.error_log) or list(getattr(err, "error_log", []) or [])
            if first_error is None:
                first_error = _first_error(err)
            if errors and all(e.domain_name == "NAMESPACE" for e in errors):
                # only undeclared prefixes (e.g. no xmlns:news): read it leniently
                root = etree.fromstring(blob, _parser(recover=True))
                if root is not None:
                    return root, "; ".join(filter(None, [repair, "undeclared namespace prefix"]))
    raise SitemapError(f"malformed XML: {first_error}")


def _refuse_entities(root) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise SitemapError("refused: the document declares XML entities")


def _news(url_el) -> tuple[datetime | None, str | None, str | None]:
    for child in url_el:
        if _local(child.tag) == "news" and _is_news(child):
            parts = _children(child)
            published = parse_w3c_datetime(_text(parts.get("publication_date")))
            title = _text(parts.get("title"))
            language = None
            pub = parts.get("publication")
            if pub is not None:
                language = normalize_tag(_text(_children(pub).get("language")))
            return published, title, language
    return None, None, None


def _unique_locs(root, child: str) -> tuple[list[tuple[object, dict, str]], int]:
    """(element, its children by name, loc) for each <child> with a usable, first-seen <loc>;
    and how many had no usable loc."""
    found, seen, dropped = [], set(), 0
    for el in root:
        if _local(el.tag) != child:
            continue
        parts = _children(el)
        loc = _loc(parts.get("loc"))
        if loc is None:
            dropped += 1
        elif loc not in seen:
            seen.add(loc)
            found.append((el, parts, loc))
    return found, dropped


def _read_xml(data: bytes, url: str) -> Sitemap:
    if b"<!ENTITY" in data:  # refused before libxml2 sees them (UTF-16 input: checked after parsing)
        raise SitemapError("refused: the document declares XML entities")
    root, repaired = _parse_xml(data)
    if root is None:
        raise SitemapError("malformed XML: no root element")
    _refuse_entities(root)
    kind = _local(root.tag)
    if kind == "urlset":
        found, dropped = _unique_locs(root, "url")
        entries = []
        for el, parts, loc in found:
            published, title, language = _news(el)
            entries.append(SitemapEntry(
                loc=loc, lastmod=parse_w3c_datetime(_text(parts.get("lastmod"))),
                published=published, title=title, language=language))
        return Sitemap(url=url, kind="urlset", entries=tuple(entries), dropped=dropped, repaired=repaired)
    if kind == "sitemapindex":
        found, dropped = _unique_locs(root, "sitemap")
        refs = [SitemapRef(loc=loc, lastmod=parse_w3c_datetime(_text(parts.get("lastmod")))) for _, parts, loc in found]
        return Sitemap(url=url, kind="index", sitemaps=tuple(refs), dropped=dropped, repaired=repaired)
    shown = _SPACE.sub(" ", str(kind))[:40]
    hint = " (a feed: use it in the sources file)" if kind in ("rss", "feed", "rdf") else ""
    raise SitemapError(f"not a sitemap: root element <{shown}>{hint}")


def _read_text(text: str, url: str) -> Sitemap:
    entries, seen, dropped = [], set(), 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if not is_http_url(line) or any(c.isspace() for c in line):
            dropped += 1
            continue
        if line not in seen:
            seen.add(line)
            entries.append(SitemapEntry(loc=line))
    if not entries:
        raise SitemapError("not a sitemap: neither XML nor a list of http(s) URLs")
    return Sitemap(url=url, kind="urlset", entries=tuple(entries), format="text", dropped=dropped)


def _parse(data: bytes, url: str, max_bytes: int) -> Sitemap:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SitemapError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    for _layer in range(2):  # a .xml.gz served with Content-Encoding: gzip may arrive twice packed
        if data[:2] == GZIP_MAGIC:
            data = _gunzip(data, max_bytes)
    if len(data) > max_bytes:
        raise SitemapError(f"too large: {len(data):,} bytes (cap {max_bytes:,})")
    if not data.strip():
        raise SitemapError("empty document")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", errors="replace")
        if text.lstrip("\ufeff \t\r\n").startswith("<"):
            return _read_xml(data, url)
        return _read_text(text, url)
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return _read_xml(head, url)  # leading blank lines before <?xml?> are a common PHP slip
    return _read_text(data.decode("utf-8", errors="replace").lstrip("\ufeff"), url)


def parse_sitemap(data: bytes, url: str, *, max_bytes: int = MAX_BYTES) -> Sitemap:
    """Read a sitemap, sitemap index, news sitemap or text sitemap (gzip or not).

    Raises SitemapError (one line) and nothing else.
    """
    try:
        return _parse(data, url, max_bytes)
    except SitemapError:
        raise
    except (etree.LxmlError, ValueError, TypeError, UnicodeError, zlib.error, MemoryError, RecursionError) as err:
        raise SitemapError(f"unreadable sitemap: {type(err).__name__}: {str(err)[:200]}") from None
    except Exception as err:  # noqa: BLE001 -- the promise is SitemapError only; tests assert this never fires
        raise SitemapError(f"internal error reading sitemap: {type(err).__name__}: {str(err)[:200]}") from None


__all__ = [
    "DateArgError", "Sitemap", "SitemapEntry", "SitemapError", "SitemapRef", "entry_date", "in_window",
    "parse_date_arg", "parse_sitemap", "parse_w3c_datetime", "ref_may_match",
]
