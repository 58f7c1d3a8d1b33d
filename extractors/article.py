"""Article extraction: HTML bytes -> one frozen ``ExtractedArticle``.

trafilatura finds the body and the metadata (title, author, site name, and the date through
htmldate, asked for full timestamps); a few page facts trafilatura does not expose (the
rel=canonical link, the declared language) are read from the same parsed tree. What the page
lacks, the feed entry that announced it fills (``EntryHints``).
"""

from __future__ import annotations

import codecs
from html import escape as html_escape
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import trafilatura
from urllib.parse import urlsplit

from lxml.html import HtmlElement
from trafilatura.settings import Document

from .errors import ExtractionError, NotAnArticle
from .language import choose_language
from .clean import clean_text
from .urls import article_id, canonicalize, choose_canonical, is_http_url, site_of

EXTRACTOR_VERSION = "extract-2"
MIN_WORDS = 25  # fewer words than this is a stub, a paywall or an index page, not an article

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_:.\-]+)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
# Chinese and Japanese put no spaces between words: count such characters, two to a word
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class EntryHints:
    """What a feed entry (or a saved file's surroundings) tells about the page it links to."""

    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    source_name: str | None = None


@dataclass(frozen=True)
class ExtractedArticle:
    article_id: str
    url: str  # the URL the article was found at (first seen)
    final_url: str  # after redirects
    canonical_url: str
    syndicated_from: str | None
    source: str
    title: str | None
    author: str | None
    published_at: datetime | None
    language: str | None
    text: str
    description: str | None
    word_count: int
    # the body after page-level cleaning, before what the site's other pages teach: kept so that
    # site cleaning can run again offline whenever the site's profile changes
    extracted_text: str = ""
    site: str | None = None  # the site whose furniture this page teaches and is cleaned by
    extractor_version: str = EXTRACTOR_VERSION


def _codec(name: str | None) -> str | None:
    """A text encoding by its label; None for unknown labels and for codecs that are not text
    encodings (base64, rot13, zlib ... are valid codec names, and a page may claim them)."""
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in ("undefined",):
        return None
    return info.name


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes -> text, surviving wrong declarations.

    Order: a BOM; strict UTF-8 (a page that decodes as UTF-8 is UTF-8 whatever it declares);
    the charset the HTTP header declares, then the one in a <meta>; charset_normalizer's
    guess; finally the declared charset (or cp1252) with replacement characters.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(enc, errors="replace").lstrip("\ufeff")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            declared.append(_codec(m.group(1)))
    m = _META_CHARSET.search(body[:8192])
    if m:
        declared.append(_codec(m.group(1).decode("ascii", "ignore")))
    declared = [d for d in declared if d and d not in ("utf-8", "utf-16", "utf-32")]
    for enc in declared:
        # browsers read iso-8859-1 and ascii labels as windows-1252 (WHATWG): such pages use
        # its curly quotes and dashes, which latin-1 would turn into invisible C1 controls
        for candidate in ("cp1252", enc) if enc in ("iso8859-1", "ascii") else (enc,):
            try:
                return body.decode(candidate)
            except (UnicodeError, LookupError, ValueError):
                continue
    high = sum(1 for b in body[:200_000] if b >= 0x80)
    try:
        if high < 32:  # too little evidence for a detector: read it as browsers do
            raise ValueError("few non-ASCII bytes")
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and best.encoding:
            return body.decode(best.encoding, errors="replace")
    except Exception:
        pass
    try:
        return body.decode(declared[0] if declared else "cp1252", errors="replace")
    except (UnicodeError, LookupError, ValueError):
        return body.decode("cp1252", errors="replace")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) / len(sample) > 0.05


def _first(tree: HtmlElement, xpath: str) -> str | None:
    for value in tree.xpath(xpath):
        value = str(value).strip()
        if value:
            return value
    return None


def _parse_when(value: str | None) -> tuple[datetime | None, bool]:
    """htmldate's string -> (UTC datetime, has_time)."""
    if not value:
        return None, False
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:
            when = datetime.strptime(value[:10], "%Y-%m-%d")
        except ValueError:
            return None, False
    has_time = (when.hour, when.minute, when.second) != (0, 0, 0) or when.tzinfo is not None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc), has_time


_NEW_YEAR = re.compile(r"^\d{4}-01-01(?:T00:00:00)?$")


def _page_date(doc_date: str | None, html: str, time_attrs: list[str], date_params: dict) -> str | None:
    """htmldate's answer, minus its guesses, plus the time of day a <time datetime> gives.

    htmldate's extensive search ends in guesses: the copyright year or any lone year
    ("(c) 2025" -> 2025-01-01). A bare 1 January is kept only when the fast search, which reads
    only dates written out in full, finds it too.
    """
    if doc_date and _NEW_YEAR.match(doc_date):
        try:
            from htmldate import find_date

            doc_date = find_date(trafilatura.load_html(html), **{**date_params, "extensive_search": False})
        except Exception:
            doc_date = None
    page, has_time = _parse_when(doc_date)
    if page is not None and not has_time:
        for value in time_attrs:  # <time datetime="2025-08-21T09:00:00Z">21 August 2025</time>
            try:
                when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            if when.tzinfo is not None and when.date() == page.date():
                return when.isoformat()
    return doc_date


def choose_published(page_value: str | None, feed_value: datetime | None) -> datetime | None:
    """The page's date wins; when it is a bare date and the feed entry gives a timestamp on or
    about that day, the feed's timestamp supplies the time of day."""
    if feed_value is not None and feed_value.tzinfo is None:
        feed_value = feed_value.replace(tzinfo=timezone.utc)
    page, has_time = _parse_when(page_value)
    if page is None:
        return feed_value.astimezone(timezone.utc) if feed_value else None
    if not has_time and feed_value is not None and abs(feed_value - page) <= timedelta(hours=36):
        return feed_value.astimezone(timezone.utc)
    return page


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().lower()


def word_count(text: str) -> int:
    """Words, with CJK characters counted two to a word (they are not space-separated)."""
    return _word_count(text)


def _word_count(text: str) -> int:
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(_CJK.sub(" ", text).split()) + (cjk + 1) // 2


def _strip_title(text: str, title: str | None) -> str:
    """Drop leading lines that merely repeat the title (the contract keeps it out of `text`)."""
    if not title:
        return text
    t = _norm(title)
    lines = text.split("\n")
    while lines and t and _norm(lines[0]) == t:
        lines.pop(0)
    return "\n".join(lines).strip()


def _site_name(name: str | None, url: str, *others: str | None) -> str | None:
    """trafilatura falls back to the host name when a page names no site: that is no name."""
    name = (name or "").strip()
    hosts = set()
    for u in (url, *others):
        if u:
            host = (urlsplit(u).hostname or "").lower()
            hosts |= {host, host.removeprefix("www."), urlsplit(u).netloc.lower()}
    if not name or name.lower() in hosts:
        return None
    return name


def _page_metadata(tree: HtmlElement, url: str, date_params: dict) -> Document:
    """Title, author, date, site name and description, read as ``trafilatura.extract_metadata``
    reads them (same functions, same order, same fallbacks), minus the categories, tags and
    licence it also looks for and chipwire does not store: those XPath searches cost about 7%
    of a page's extraction. Keep in step with trafilatura's ``metadata.extract_metadata``."""
    from trafilatura.metadata import (META_URL, examine_meta, extract_author, extract_meta_json,
                                      extract_sitename, extract_title, extract_url)
    from htmldate import find_date

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura guards its JSON-LD reader the same way
        pass
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.author:
        meta.author = extract_author(tree)
    if not meta.url:
        meta.url = extract_url(tree, url)
    meta.date = find_date(tree, **{**date_params, "url": meta.url})
    if not meta.sitename:
        meta.sitename = extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url:
        found = META_URL.match(meta.url)
        if found:
            meta.sitename = found[1]
    meta.clean_and_trim()
    return meta


def extract_article(
    body: bytes | str,
    *,
    url: str,
    final_url: str | None = None,
    content_type: str | None = None,
    hints: EntryHints | None = None,
    now: datetime | None = None,
) -> ExtractedArticle:
    """Extract the article of one HTML page. Raises ExtractionError / NotAnArticle."""
    hints = hints or EntryHints()
    final_url = final_url or url
    html = decode_html(body, content_type) if isinstance(body, bytes) else body
    if _looks_binary(html):
        raise ExtractionError("binary content, not an HTML page")
    try:
        tree = trafilatura.load_html(html)
    except Exception as err:
        raise ExtractionError(f"unparseable HTML: {type(err).__name__}") from None
    if tree is None:
        raise ExtractionError("unparseable HTML")

    time_attrs = [str(v) for v in tree.xpath("//time/@datetime")[:20]]
    anchor_texts = "\n".join(_norm(a.text_content()) for a in tree.xpath("//a"))
    declared_canonical = _first(tree, '//link[translate(@rel,"CANONICAL","canonical")="canonical"]/@href')
    declared_lang = _first(tree, "/html/@lang | /html/@xml:lang") or _first(
        tree, '//meta[translate(@http-equiv,"CONTENT-LANGUAGE","content-language")="content-language"]/@content'
    ) or _first(tree, '//meta[@property="og:locale"]/@content')

    now = now or datetime.now(timezone.utc)
    date_params = {
        "extensive_search": True,
        "original_date": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "max_date": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
    }
    try:
        meta = _page_metadata(tree, final_url, date_params)
        doc = trafilatura.bare_extraction(
            tree,
            url=final_url,
            with_metadata=False,  # _page_metadata: the fields we store, the way trafilatura reads them
            # chosen by measurement on AEB with the furniture cleaner after it: docs/extraction.md
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            fast=True,
            favor_recall=True,
            date_extraction_params=date_params,
        )
    except Exception as err:
        raise ExtractionError(f"trafilatura failed: {type(err).__name__}: {err}") from None
    if doc is None:
        raise NotAnArticle("no article body found")

    title = (meta.title or "").strip() or hints.title
    text = _strip_title((doc.text or "").strip(), title)
    words = _word_count(text)
    if words < MIN_WORDS:
        raise NotAnArticle(f"no article body found ({words} words)")
    # words on lines that are (part of) a link's text: trafilatura splits <a><b>x</b> y</a> in lines
    link_words = sum(_word_count(line) for line in text.split("\n") if _norm(line) and _norm(line) in anchor_texts)
    if link_words > 0.5 * words:  # trafilatura's fallback kept a menu: no body here
        raise NotAnArticle(f"no article body found (only navigation: {link_words} of {words} words are links)")

    extracted = text
    text = clean_text(extracted, title=title, url=final_url)
    words = _word_count(text)
    if words < MIN_WORDS:
        raise NotAnArticle(f"no article body found ({words} words once page furniture is removed)")

    canonical, syndicated = choose_canonical(final_url, declared_canonical)
    author = (meta.author or "").strip() or hints.author
    return ExtractedArticle(
        article_id=article_id(canonical),
        url=url,
        final_url=final_url,
        canonical_url=canonical,
        syndicated_from=syndicated,
        # a syndicated copy is not named after the original (trafilatura reads its canonical)
        source=_site_name(meta.sitename, final_url, syndicated) or hints.source_name or site_of(canonical),
        title=title or None,
        author=author or None,
        published_at=choose_published(_page_date(meta.date, html, time_attrs, date_params), hints.published_at),
        language=choose_language(declared_lang or hints.language, text),
        text=text,
        description=(meta.description or "").strip() or None,
        word_count=words,
        extracted_text=text,
        site=site_of(canonical) if is_http_url(canonical) else None,
    )


_TITLE_LIKE = re.compile(r"[.!?:;,]$")


def extract_text_article(
    body: bytes | str,
    *,
    url: str,
    hints: EntryHints | None = None,
    now: datetime | None = None,
) -> ExtractedArticle:
    """A saved plain-text article (a naive capture: title on top, paragraphs, furniture) through
    the same cleaner as HTML pages. The title is the first line when it reads like one; a date
    stated in the first lines is used."""
    hints = hints or EntryHints()
    text = decode_html(body) if isinstance(body, bytes) else body
    if _looks_binary(text):
        raise ExtractionError("binary content, not a text article")
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n")]
    nonblank = [ln for ln in lines if ln]
    if not nonblank:
        raise NotAnArticle("empty file")
    title = hints.title
    first = nonblank[0]
    if title is None and len(first.split()) <= 25 and not _TITLE_LIKE.search(first):
        title = first
    extracted = _strip_title("\n".join(nonblank), title)
    published = None
    try:
        from htmldate import find_date

        head = "".join(f"<p>{html_escape(ln)}</p>" for ln in nonblank[:8])
        now = now or datetime.now(timezone.utc)
        found = find_date(f"<html><body>{head}</body></html>", extensive_search=False, original_date=True,
                          outputformat="%Y-%m-%dT%H:%M:%S%z", max_date=(now + timedelta(days=1)).strftime("%Y-%m-%d"))
        published = choose_published(found, hints.published_at)
    except Exception:
        published = hints.published_at
    cleaned = clean_text(extracted, title=title, url=url)
    words = _word_count(cleaned)
    if words < MIN_WORDS:
        raise NotAnArticle(f"no article body found ({words} words)")
    return ExtractedArticle(
        article_id=article_id(url),
        url=url,
        final_url=url,
        canonical_url=canonicalize(url),
        syndicated_from=None,
        source=hints.source_name or site_of(url) or "file",
        title=title,
        author=hints.author,
        published_at=published or (hints.published_at.astimezone(timezone.utc) if hints.published_at else None),
        language=choose_language(hints.language, cleaned),
        text=cleaned,
        description=None,
        word_count=words,
        extracted_text=cleaned,
        site=site_of(url) if is_http_url(url) else None,
    )


_CANONICAL_TAG = re.compile(rb"<link\b[^>]*>", re.I)
_REL_CANONICAL = re.compile(rb"""\brel\s*=\s*["']?canonical\b""", re.I)
_HREF = re.compile(rb"""\bhref\s*=\s*["']([^"'>\s]+)""", re.I)


def declared_canonical(body: bytes) -> str | None:
    """The absolute http(s) rel=canonical a saved HTML document declares, if any."""
    for tag in _CANONICAL_TAG.findall(body[:200_000]):
        if _REL_CANONICAL.search(tag):
            m = _HREF.search(tag)
            if m:
                href = m.group(1).decode("utf-8", "replace").strip()
                return href if is_http_url(href) else None
    return None
