"""Feed parsing: RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom bytes -> frozen entries.

feedparser reads the bytes we fetched ourselves (its own fetching has no timeout). A feed
with XML errors that still yields entries is used: its problem is returned in ``bozo`` so
the flow can keep it on the feed's state.
"""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import feedparser

from .aggregators import is_opaque_aggregator_link, resolve_aggregator_link
from .errors import FeedError
from .language import normalize_tag
from .urls import absolutize, is_http_url

_TAGS = re.compile(r"<[^>]+>")
_BENIGN = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FeedEntry:
    link: str  # absolute, aggregator redirects resolved to the publisher's URL
    entry_id: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    summary: str | None = None
    language: str | None = None
    opaque: bool = False  # an aggregator link that cannot be resolved offline


@dataclass(frozen=True)
class ParsedFeed:
    url: str
    format: str  # feedparser's version string: rss20, atom10, rss10, ... ('' if unknown)
    title: str | None
    language: str | None
    entries: tuple[FeedEntry, ...]
    bozo: str | None = None  # the XML problem, when the feed was malformed but usable
    skipped: int = 0  # entries with no usable link


def _text(value) -> str | None:
    if not value:
        return None
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", str(value)))).strip()
    return text or None


def _when(entry, key: str) -> datetime | None:
    # dict.get: feedparser's own get() answers 'updated' with 'published' (and a warning)
    parsed = dict.get(entry, f"{key}_parsed") if isinstance(entry, dict) else entry.get(f"{key}_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _author(entry) -> str | None:
    """The author's name; RSS 2.0 <author> is "email (Name)", of which only the name is wanted."""
    detail = entry.get("author_detail") or {}
    return _text(detail.get("name")) or _text(entry.get("author"))


def _link(entry, base: str) -> str | None:
    candidates = []
    for link in entry.get("links") or []:
        href = link.get("href")
        if href and link.get("rel", "alternate") == "alternate" and "html" in link.get("type", "text/html"):
            candidates.append(href)
    if entry.get("link"):
        candidates.insert(0, entry["link"])
    guid = entry.get("id")
    if guid and entry.get("guidislink", True):
        candidates.append(guid)
    for href in candidates:
        url = absolutize(str(href), base)
        if is_http_url(url):
            return url
    return None


def parse_feed(data: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse feed bytes fetched from ``url``. Raises FeedError if nothing feed-like is there."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False)
    except Exception as err:  # feedparser is robust, but bytes are hostile
        raise FeedError(f"feed could not be parsed: {type(err).__name__}: {err}") from None
    bozo = _bozo(parsed)
    version = parsed.get("version") or ""
    if not parsed.entries and not version:
        raise FeedError(f"not a feed: {bozo or 'no RSS, Atom or RDF document found'}")
    feed_meta = parsed.get("feed", {})
    feed_lang = normalize_tag(feed_meta.get("language"))
    entries = [_entry(entry, url, feed_lang) for entry in parsed.entries]
    return ParsedFeed(
        url=url,
        format=version,
        title=_text(feed_meta.get("title")),
        language=feed_lang,
        entries=tuple(e for e in entries if e is not None),
        bozo=bozo,
        skipped=sum(e is None for e in entries),
    )


def _bozo(parsed) -> str | None:
    """What was malformed, in one line; None for a well-formed feed. feedparser also sets bozo
    for a missing or non-XML Content-Type and for a charset declaration it had to override:
    facts about the HTTP answer, not a malformed feed."""
    exc = parsed.get("bozo_exception")
    if not parsed.get("bozo") or isinstance(exc, _BENIGN):
        return None
    bozo = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    return bozo.splitlines()[0][:300]


def _entry(entry, url: str, feed_lang: str | None) -> FeedEntry | None:
    """One entry, or None when it has no link (counted as skipped)."""
    link = _link(entry, url)
    if not link:
        return None
    link = resolve_aggregator_link(link, entry)
    return FeedEntry(
        link=link,
        entry_id=str(entry.get("id") or link),
        title=_text(entry.get("title")),
        author=_author(entry),
        # RSS 1.0's dc:date and Atom entries without <published> only have 'updated'
        published_at=_when(entry, "published") or _when(entry, "created") or _when(entry, "updated"),
        updated_at=_when(entry, "updated"),
        summary=(_text(entry.get("summary")) or "")[:2000] or None,
        language=normalize_tag(entry.get("language")) or feed_lang,
        opaque=is_opaque_aggregator_link(link),
    )
