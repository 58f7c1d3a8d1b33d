"""Resolve news-aggregator redirect links to the publisher's own URL, offline.

Search and alert feeds do not link to articles directly: each item's ``<link>``
points at the aggregator, which counts the click and then redirects.  Fetching
those links would send every request through Bing or Google (slow, rate
limited, and against their terms for automated use), and would key our
de-duplication on the aggregator's URL instead of the article's.  Most of these
links carry the real URL inside them, so we recover it without any network
access:

* Bing News RSS: ``http://www.bing.com/news/apiclick.aspx?ref=FexRss&...&url=https%3a%2f%2f...``
  (the target is percent-encoded, in lower case: ``%3a%2f%2f``).
* Bing web click tracking: ``https://www.bing.com/ck/a?...&u=a1<base64url>``.
* Google Alerts feeds and other Google redirects:
  ``https://www.google.com/url?rct=j&sa=t&url=https://...`` (also ``q=``),
  on ``google.com`` and its country domains.
* Old Google News RSS (before 2020): ``http://news.google.com/news/url?...&url=http://...``.
* Google News article tokens of the 2020-2023 format
  (``news.google.com/__i/rss/rd/articles/CBMi...``, ``/rss/articles/CBMi...``):
  the token is base64url of a small protobuf message whose field 4 is the
  article URL (field 26 the AMP URL), so it decodes offline.
* FeedBurner / feedproxy (``feedproxy.google.com/~r/...``, ``feeds.<site>/~r/...``)
  and Pheedo (``click.phdo``) links, when the feedparser entry carries the
  original: ``feedburner_origlink`` / ``pheedo_origlink`` (any ``*_origlink``).
* A few generic click redirectors on their own hosts only:
  Facebook ``l.facebook.com/l.php?u=`` and DuckDuckGo ``duckduckgo.com/l/?uddg=``.

Only those hosts and paths are unwrapped: a ``url=`` parameter on any other
site is left alone, since it is usually part of that site's own URL.  A
recovered value is accepted only if it is an absolute ``http(s)`` URL with a
host; otherwise the link is returned unchanged.

What is *not* resolvable offline: Google News links in the current format
(since mid-2024; ``news.google.com/rss/articles/CBMi...`` whose token decodes
to an ``AU_yqL...`` id rather than a URL, and ``news.google.com/articles/...`` /
``/read/...`` pages).  Turning those into URLs needs a request to Google's
internal ``batchexecute`` endpoint per article, which is undocumented,
rate-limited and breaks without notice.  ``is_opaque_aggregator_link`` flags
them so callers record a failure instead of fetching Google, and for the same
reason the shipped ``deploy/sources.toml`` contains no Google News RSS feeds
(Bing News RSS searches cover the same ground with resolvable links).

Pure functions: no network, no file access.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

__all__ = ["resolve_aggregator_link", "is_opaque_aggregator_link"]

# google.com, www.google.com, google.co.uk, www.google.com.au, google.de ...
_GOOGLE_HOST = re.compile(r"^(?:www\.)?google\.(?:com|co\.[a-z]{2}|com\.[a-z]{2}|[a-z]{2})$")
_GNEWS_HOST = "news.google.com"
# Path segments after which Google News puts an article token.
_GNEWS_TOKEN_SEGMENTS = ("articles", "read")
# Redirects that carry the target in a query parameter: (host, path) -> params.
_QUERY_REDIRECTORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("l.facebook.com", "/l.php"): ("u",),
    ("lm.facebook.com", "/l.php"): ("u",),
    ("duckduckgo.com", "/l/"): ("uddg",),
}
_ORIGLINK_KEYS = ("feedburner_origlink", "pheedo_origlink")
_MAX_UNWRAP = 4  # a redirect may wrap another one (e.g. an Alert of a Bing link)


def _is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace."""
    if not value or any(c.isspace() or ord(c) < 0x20 for c in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host) and "." in host


def _query_params(query: str) -> dict[str, str]:
    """Split a query string without turning '+' into spaces.

    First value wins; keys are lower-cased; a literal ``amp;`` left by
    double-escaped HTML (``&amp;url=``) is dropped from keys.
    """
    params: dict[str, str] = {}
    for piece in query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        key = unquote(key).lower()
        if key.startswith("amp;"):
            key = key[4:]
        params.setdefault(key, value)
    return params


def _decode_param(value: str) -> str | None:
    """Percent-decode a redirect target (twice if it was double-encoded)."""
    target = unquote(value).strip()
    if re.match(r"(?i)^https?%3a", target):
        target = unquote(target).strip()
    return target if _is_http_url(target) else None


def _from_params(query: str, names: tuple[str, ...]) -> str | None:
    params = _query_params(query)
    for name in names:
        if name in params:
            target = _decode_param(params[name])
            if target:
                return target
    return None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _decode_gnews_token(token: str) -> str | None:
    """Article URL inside an old-format Google News token, else None.

    The token is base64url of a protobuf message: ``08 13`` (field 1), then
    ``22 <len> <url>`` (field 4) and usually ``d2 01 <len> <amp url>`` (field
    26).  Current tokens carry an opaque ``AU_yqL...`` id in field 4 instead.
    """
    token = token.strip()
    if not token or not re.fullmatch(r"[A-Za-z0-9_\-]+={0,2}", token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    fields: dict[int, bytes] = {}
    pos = 0
    try:
        while pos < len(raw):
            key, pos = _varint(raw, pos)
            number, wire = key >> 3, key & 7
            if wire == 0:
                _, pos = _varint(raw, pos)
            elif wire == 2:
                length, pos = _varint(raw, pos)
                if pos + length > len(raw):
                    break
                fields.setdefault(number, raw[pos : pos + length])
                pos += length
            elif wire == 1:
                pos += 8
            elif wire == 5:
                pos += 4
            else:
                break
    except ValueError:
        pass
    for number in (4, 26):  # article URL, then its AMP version
        value = fields.get(number)
        if value:
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _is_http_url(text):
                return text
    return None


def _gnews_token(path: str) -> str | None:
    """The token after ``/articles/`` or ``/read/`` in a Google News path."""
    segments = [s for s in path.split("/") if s]
    for i, segment in enumerate(segments[:-1]):
        if segment in _GNEWS_TOKEN_SEGMENTS:
            return segments[i + 1]
    return None


def _is_gnews_article_path(path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    return any(s in _GNEWS_TOKEN_SEGMENTS for s in segments)


def _bing_ck_target(query: str) -> str | None:
    value = _query_params(query).get("u", "")
    if not value.startswith("a1"):
        return None
    payload = unquote(value[2:])
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return text if _is_http_url(text) else None


def _unwrap_once(link: str) -> str | None:
    """Target of one redirect layer, or None if ``link`` is not a known one."""
    try:
        parts = urlsplit(link.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    path = parts.path or "/"
    lpath = path.lower()

    if host == "bing.com" or host.endswith(".bing.com"):
        if lpath == "/news/apiclick.aspx":
            return _from_params(parts.query, ("url",))
        if lpath == "/ck/a":
            return _bing_ck_target(parts.query)
        return None
    if host == _GNEWS_HOST:
        if lpath in ("/news/url", "/url"):
            return _from_params(parts.query, ("url", "q"))
        token = _gnews_token(path)
        return _decode_gnews_token(token) if token else None
    if _GOOGLE_HOST.match(host):
        if lpath == "/url":
            return _from_params(parts.query, ("url", "q"))
        return None
    names = _QUERY_REDIRECTORS.get((host, lpath))
    if names:
        return _from_params(parts.query, names)
    return None


def _origlink(entry: Mapping | None) -> str | None:
    """The publisher URL a feed proxy recorded in the entry, if valid."""
    if not entry or not hasattr(entry, "get"):
        return None
    keys = list(_ORIGLINK_KEYS)
    try:
        keys += sorted(k for k in entry.keys() if isinstance(k, str) and k.endswith("_origlink") and k not in keys)
    except Exception:  # odd mapping: stick to the known keys
        pass
    for key in keys:
        value = entry.get(key)
        if not isinstance(value, str):
            continue
        # Some feeds double-escape the ampersands (Reuters: "...RSS&amp;feedName=...").
        value = value.strip().replace("&amp;", "&")
        if _is_http_url(value):
            return value
    return None


def resolve_aggregator_link(link: str, entry: dict | None = None) -> str:
    """Return the publisher's URL behind an aggregator redirect ``link``.

    ``entry`` is the optional feedparser entry the link came from; its
    ``feedburner_origlink`` / ``pheedo_origlink`` wins when present.  Links that
    are not known aggregator redirects, or whose embedded target is not an
    absolute http(s) URL, are returned unchanged.
    """
    original = _origlink(entry)
    if original:
        link_for_unwrap = original
    elif isinstance(link, str) and link:
        link_for_unwrap = link
    else:
        return link
    current = link_for_unwrap
    for _ in range(_MAX_UNWRAP):
        target = _unwrap_once(current)
        if not target or target == current:
            break
        current = target
    if current is link_for_unwrap and original is None:
        return link  # untouched, exactly as given
    return current


def is_opaque_aggregator_link(link: str) -> bool:
    """True for aggregator links whose target cannot be recovered offline.

    These are Google News article links in the current format
    (``news.google.com/rss/articles/CBMi...`` carrying an ``AU_yqL`` id,
    ``news.google.com/articles/...``, ``/read/...``): the only way to resolve
    them is to ask Google, so callers should record a failure instead.
    Old-format tokens that decode to a URL are not opaque.
    """
    if not isinstance(link, str) or not link:
        return False
    try:
        parts = urlsplit(link.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if host != _GNEWS_HOST or not _is_gnews_article_path(parts.path):
        return False
    return resolve_aggregator_link(link) == link
