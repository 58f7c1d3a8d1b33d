"""When an article was published, and which part of the page said so.

htmldate, asked for the whole page, trusts a date in the URL before anything else and falls
back on the header's modification dates; on real pages that gives a 2019 URL fragment for a
2023 story and an update time for the publication time. So the sources are asked in this
order, each for a publication date only, and the answer keeps its source
(``published_at_source``):

1. ``json-ld``: ``datePublished`` (``dateCreated``) of the article's structured data;
2. ``meta``: the publication-time meta tags (``article:published_time``, ``pubdate``,
   ``DC.date.issued``, ``itemprop=datePublished`` ...), never the modification ones;
3. ``byline``: a date the page shows written out in its body (a ``<time>`` element, a
   dateline), found by htmldate in the ``<body>`` alone (no header, no URL);
4. ``url``: a full date in the URL (``/2025/10/03/``);
   then ``byline`` again: htmldate's free-text search of the body, its reading of a lone year or
   month as the first of the month dropped. This guess is the weakest of the page's sources and
   its costliest step (about 20 ms a page, more than trafilatura's extraction): it is skipped
   when a feed entry or a sitemap states the date (``extensive=False``), which then wins;
5. ``feed`` (or ``file``, or what the caller names): the date the feed entry or the saved
   file gives. When the page gives a bare date, a hint within 36 hours supplies the time of day
   (source: the hint's).
"""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import datetime, timedelta, timezone

from lxml.html import Element, HtmlElement

from .furniture.dates import MONTHS

# meta tags (name, property or itemprop, lower-cased) that state the publication time
PUBLISHED_META = frozenset({
    "article:published_time", "og:article:published_time", "og:published_time", "article.published",
    "published_time", "published-time", "publish_date", "publish-date", "publishdate", "pubdate", "date",
    "dc.date", "dc.date.issued", "dc.date.created", "dcterms.issued", "dcterms.created", "dcterms.date",
    "citation_publication_date", "citation_date", "sailthru.date", "parsely-pub-date", "datepublished",
    "originalpublicationdate", "article_date_original", "cxenseparse:recs:publishtime", "published-date",
    "rnews:datepublished", "date_published", "release_date", "publication_date", "bt:pubdate",
})
_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# a day one written out: "1 October 2025", "Oct. 1st", "1er mars", "2025-10-01"
_DAY_ONE = re.compile(rf"(?<![\d/.-])0?1(?:st|er|\.|º)?\s+(?:de\s+)?(?:{MONTHS})\b|\b(?:{MONTHS})\.?\s+0?1(?:st)?(?![\d:])"
                      r"|\b\d{4}-\d{2}-01\b", re.I)
_FIRST_OF_MONTH = re.compile(r"^\d{4}-\d{2}-01(?:T00:00:00(?:\+0000)?)?$")
EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)


def parse_when(value: str | None) -> tuple[datetime | None, bool]:
    """A date string -> (UTC datetime, has a time of day)."""
    if not value or not value.strip():
        return None, False
    value = value.strip()
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        when = _loose(value)
        if when is None:
            return None, False
    has_time = (when.hour, when.minute, when.second) != (0, 0, 0) or when.tzinfo is not None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc), has_time


def _loose(value: str) -> datetime | None:
    """Dates written another way ("Tue, 03 Oct 2025 14:30:00 GMT", "3 October 2025"), by htmldate."""
    from htmldate.extractors import try_date_expr

    found = try_date_expr(value, _FORMAT, False, EARLIEST.replace(tzinfo=None), datetime(2100, 1, 1))
    if not found:
        return None
    try:
        return datetime.strptime(found, _FORMAT) if found[-5:-4] in "+-" else datetime.fromisoformat(found)
    except ValueError:
        return None


def _plausible(value: str | None, latest: datetime) -> str | None:
    when, _ = parse_when(value)
    return value if when is not None and EARLIEST <= when <= latest else None


def meta_published(tree: HtmlElement) -> str | None:
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key in PUBLISHED_META and el.get("content"):
            return el.get("content")
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        value = el.get("content") or el.get("datetime") or el.text_content()
        if value and value.strip():
            return value
    return None


def body_document(tree: HtmlElement) -> HtmlElement | None:
    """A new ``<html><body>`` document holding a copy of the page's ``<body>`` children (with
    their tails; the body's own text and attributes left out): what htmldate is asked about, the
    same tree it parsed from the body's serialisation before, without serialising and parsing."""
    body = tree.find(".//body")
    if body is None:
        return None
    kept = deepcopy(body)
    kept.attrib.clear()
    kept.text = kept.tail = None
    document = Element("html")
    document.append(kept)
    return document


def byline_date(tree: HtmlElement, latest: datetime, extensive: bool = False) -> str | None:
    """A date the page shows in its body, by htmldate over the ``<body>`` alone: written out in
    full (a ``<time>`` element, "Published 3 October 2025"), or with ``extensive`` whatever
    htmldate's free-text search finds (then a lone year or month read as its first day is
    dropped unless the full search finds it too)."""
    from htmldate import find_date

    html = body_document(tree)  # htmldate copies it before pruning: the page's tree is left as it is
    if html is None:
        return None
    params = {"original_date": True, "outputformat": _FORMAT, "max_date": latest.strftime("%Y-%m-%d"),
              "url": "about:blank"}
    try:
        found = find_date(html, extensive_search=extensive, **params)
        if found and extensive and _FIRST_OF_MONTH.match(found) and not _DAY_ONE.search(tree.find(".//body").text_content()):
            return None  # "(c) 2025", "July 2008" read as the first of the month
    except Exception:  # htmldate is defensive; a date is never worth a failed page
        return None
    return _with_time(found, tree)


def _with_time(found: str | None, tree: HtmlElement) -> str | None:
    """A bare date gets the time of day of a ``<time datetime>`` on the same day."""
    when, has_time = parse_when(found)
    if when is None or has_time:
        return found
    for value in tree.xpath("//time/@datetime")[:20]:
        try:
            stamp = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if stamp.tzinfo is not None and stamp.date() == when.date():
            return stamp.isoformat()
    return found


def url_date(url: str | None, latest: datetime) -> str | None:
    from htmldate.extractors import extract_url_date
    from htmldate.utils import Extractor

    if not url:
        return None
    options = Extractor(False, latest.replace(tzinfo=None), EARLIEST.replace(tzinfo=None), True, "%Y-%m-%d")
    try:
        return extract_url_date(url, options)
    except Exception:
        return None


def page_published(tree: HtmlElement, structured_published: str | None, url: str | None,
                   now: datetime, extensive: bool = True) -> tuple[str | None, str | None]:
    """(date as the page writes it, its source) by the order in the module's docstring;
    ``extensive``: end with htmldate's free-text search of the body."""
    latest = now + timedelta(days=1)
    finders = [("json-ld", lambda: structured_published), ("meta", lambda: meta_published(tree)),
               ("byline", lambda: byline_date(tree, latest)), ("url", lambda: url_date(url, latest))]
    if extensive:
        finders.append(("byline", lambda: byline_date(tree, latest, extensive=True)))
    for source, find in finders:
        value = _plausible(find(), latest)
        if value:
            return value, source
    return None, None


def choose_published(page_value: str | None, feed_value: datetime | None) -> datetime | None:
    """The page's date wins; when it is a bare date and the feed entry gives a timestamp on or
    about that day, the feed's timestamp supplies the time of day."""
    return choose_published_with_source(page_value, "page", feed_value, "feed")[0]


def choose_published_with_source(page_value: str | None, page_source: str | None, hint: datetime | None,
                                 hint_source: str) -> tuple[datetime | None, str | None]:
    if hint is not None and hint.tzinfo is None:
        hint = hint.replace(tzinfo=timezone.utc)
    page, has_time = parse_when(page_value)
    if page is None:
        return (hint.astimezone(timezone.utc), hint_source) if hint else (None, None)
    if not has_time and hint is not None and abs(hint - page) <= timedelta(hours=36):
        return hint.astimezone(timezone.utc), hint_source
    return page, page_source
