"""Article extraction: HTML bytes -> one frozen ``ExtractedArticle``.

The page is decoded and parsed once; everything is read from that tree:

- the body (``body``): trafilatura, checked for a lost body, with a second opinion (or the
  page's structured ``articleBody``) only when the first extraction lost it; then the page-level
  furniture cleaner (``clean``);
- the title (``titles``): the headline as the page shows it, without the outlet's name or a date;
- the date (``published``): structured data, then publication meta tags, then the page's byline,
  then the URL; which one gave it is kept (``published_at_source``);
- author, description (trafilatura's metadata functions), the rel=canonical link, the declared
  language, the outlet's declared name (og:site_name, JSON-LD publisher) and the outlet key
  that site learning groups pages by (``urls.outlet_of``).

What the page lacks, the feed entry that announced it fills (``EntryHints``).
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from html import escape as html_escape
from urllib.parse import urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from .body import Candidate, choose_body
from .clean import clean_text
from .errors import ExtractionError, NotAnArticle
from .language import choose_language
from .pagemeta import page_metadata
from .published import choose_published, choose_published_with_source, page_published
from .structured import StructuredData, read_structured
from .furniture.text import headline_like, nwords
from .title_blocks import first_prose, tokens
from .titles import PageText, choose_title, name_without_title, page_headings, site_names
from .urls import article_id, canonicalize, choose_canonical, is_http_url, outlet_of, site_of

__all__ = ["EXTRACTOR_VERSION", "EntryHints", "ExtractedArticle", "choose_published", "declared_canonical",
           "decode_html", "extract_article", "extract_text_article", "word_count"]

EXTRACTOR_VERSION = "extract-6"  # tenth session: text stored in Unicode NFC
MIN_WORDS = 25  # fewer words than this is a stub, a paywall or an index page, not an article
DECK_WORDS = 30  # a deck (standfirst) under the headline is no longer than this

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
    source_name: str | None = None  # the feed's name: used when the page names no outlet
    published_source: str = "feed"  # what gave ``published_at``: "feed", "file" (a saved file's date) ...
    declared_source: str | None = None  # a source name the user declared (backfill --dir --source): wins


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
    site: str | None = None  # the outlet whose furniture this page teaches and is cleaned by (urls.outlet_of)
    extractor_version: str = EXTRACTOR_VERSION
    published_at_source: str | None = None  # json-ld, meta, byline, url, feed, file
    site_name: str | None = None  # the outlet's name as the page declares it (og:site_name, JSON-LD publisher)
    # html (first extraction, not in doubt), html-checked (a lost body was suspected, the first
    # extraction kept), html-second-opinion, json-ld, embedded-json: extractors/body.py
    body_source: str = "html"
    outlet_names: tuple[str, ...] = field(default=())  # names the outlet goes by, for site learning


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


_HEAD_KEYS = {"og:site_name": "site_name", "application-name": "app_name", "og:title": "og_title",
              "og:locale": "locale", "content-language": "language"}


def _head_facts(tree: HtmlElement) -> dict[str, str]:
    """The meta tags, title and canonical link chipwire reads, in one pass over the tree (the
    first non-empty value of each wins)."""
    facts: dict[str, str] = {}
    for el in tree.iter("meta", "link", "title"):
        if el.tag == "meta":
            key = _HEAD_KEYS.get((el.get("property") or el.get("name") or el.get("http-equiv") or "").strip().lower())
            value = (el.get("content") or "").strip()
        elif el.tag == "link":
            key = "canonical" if (el.get("rel") or "").strip().lower() == "canonical" else None
            value = (el.get("href") or "").strip()
        else:
            key, value = "title", (el.text_content() or "").strip()
        if key and value and key not in facts:
            facts[key] = value
    return facts


_NON_WORD = re.compile(r"\W+")


def _norm(s: str) -> str:
    return _NON_WORD.sub(" ", s).strip().lower()


def word_count(text: str) -> int:
    """Words, with CJK characters counted two to a word (they are not space-separated)."""
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


ABOVE_HEADLINE = True  # cut the extraction's leading lines the page shows above the headline
_ABOVE_MAX_LINES, _ABOVE_MAX_SHARE = 8, 0.2


def _above_headline(text: str, title: str | None, page_text: PageText) -> str:
    """Drop the extraction's leading lines that are not where the article is on the page:
    above its headline (a teaser of another story, a kicker, a date bar: trafilatura's area began
    above the headline), or further down the page than the lines that follow them (a box
    trafilatura put first). Where the article is: the median page position of the extraction's
    first lines; its headline: the title, when the page shows it once, above that (a title
    shown twice, in a caption or a share box too, says nothing). A line the page shows twice
    counts where it is in place. Only when the text does not open on a paragraph, only a few
    lines, a small share of the words, and never all of the text."""
    if not ABOVE_HEADLINE or "\n" not in text:
        return text
    lines = text.split("\n")
    if first_prose(lines[:1]):  # the usual start: a paragraph (the page's text is not read: ~1 ms)
        return text
    spots = []  # (line index, its positions on the page) of the first lines the page shows
    for i, line in enumerate(lines[: _ABOVE_MAX_LINES + 3]):
        toks = tokens(line)[:8]
        found = page_text.positions(" ".join(toks)) if len(toks) >= 3 else []
        if found:
            spots.append((i, found))
    if len(spots) < 3:
        return text
    middle = sorted(found[0] for _, found in spots)[len(spots) // 2]
    shown = page_text.positions(title) if title else []
    headline = shown[0] if len(shown) == 1 and shown[0] < middle else -1  # a title shown twice: no telling where
    cut = 0
    for i, found in spots:
        if any(headline <= at <= middle for at in found):  # a line shown twice counts where it is in place
            break
        cut = i + 1
    words = sum(len(ln.split()) for ln in lines[:cut])
    if not cut or cut > _ABOVE_MAX_LINES or words > _ABOVE_MAX_SHARE * len(text.split()):
        return text
    return "\n".join(lines[cut:]).strip()


LINKED_HEADLINES = True


_SLUG = re.compile(r"(?:[a-z0-9]+-){3,}[a-z0-9]+|\d{5,}", re.I)


def _story_link(href: str, url: str) -> bool:
    """A link to another article of the page's own site: same site, a path with a slug of four
    words or more, or a long number (an article's id)."""
    parts = urlsplit(href)
    if parts.netloc and (not is_http_url(url) or site_of(href) != site_of(url)):
        return False
    return bool(_SLUG.search(parts.path or ""))


def _linked_headlines(text: str, page: _Page) -> str:
    """Lines that are the whole text of a link to another article of the site and read as a
    headline (no sentence end, five words or more): a related story's link set between the
    paragraphs ("Tsai says Beijing must face reality ..."). Not when they would be a fifth of the
    words. The links' targets are looked at only for the lines that are some link's text."""
    if not LINKED_HEADLINES or "\n" not in text:
        return text
    wrapped = "\n" + page.anchors + "\n"
    lines = text.split("\n")
    maybe = {i: norm for i, ln in enumerate(lines)
             if nwords(ln) >= 5 and headline_like(ln, 20) and "\n" + (norm := _norm(ln)) + "\n" in wrapped}
    if not maybe:
        return text
    wanted = set(maybe.values())
    linked = {text for text, href in page.links if text in wanted and _story_link(href, page.url)}
    gone = [i for i, norm in maybe.items() if norm in linked]
    if not gone or sum(nwords(lines[i]) for i in gone) > 0.2 * nwords(text):
        return text
    drop = set(gone)
    return "\n".join(ln for i, ln in enumerate(lines) if i not in drop)


def _hosts(*urls: str | None) -> set[str]:
    hosts = set()
    for u in urls:
        if u:
            host = (urlsplit(u).hostname or "").lower()
            hosts |= {host, host.removeprefix("www."), urlsplit(u).netloc.lower()}
    return hosts


def _site_name(names: list[str | None], url: str, *others: str | None) -> str | None:
    """The outlet's declared name; a host name is no name (trafilatura falls back on it)."""
    hosts = _hosts(url, *others)
    for name in names:
        name = re.sub(r"\s+", " ", (name or "").strip().lstrip("@"))
        if name and name.lower() not in hosts and len(name) <= 100:
            return name
    return None


# --- one page's facts, read from its tree once ------------------------------------------------


@dataclass(frozen=True)
class _Page:
    tree: HtmlElement
    url: str
    meta: Document
    head: dict  # _head_facts
    structured: StructuredData
    site_name: str | None
    names: frozenset[str]  # squashed forms of the outlet's names, for titles
    declared_titles: tuple[str, ...]
    headings: dict  # titles.page_headings
    text: PageText
    links: tuple[tuple[str, str], ...]  # every link's text, normalised, and its href

    @functools.cached_property
    def anchors(self) -> str:
        """Every link's text, normalised, one per line."""
        return "\n".join(text for text, _href in self.links)


_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)


def _close_title(html: str) -> str:
    """A ``<title>`` never closed (a page truncated or damaged in transit: ``<title>BBC SPORTi
    library-->``) swallows the whole document into its text, as the parser reads a title up to
    ``</title>``: nothing is left for the body. A title holds no tags, so it is closed before
    the next one."""
    m = _TITLE_OPEN.search(html)
    if m is None or _TITLE_CLOSE.search(html, m.end()):
        return html
    end = html.find("<", m.end())
    return html if end < 0 else html[:end] + "</title>" + html[end:]


def nfc(text: str | None) -> str | None:
    """Text in Unicode's composed form (NFC), as analysts type it and as trafilatura writes its
    own output: a page written with combining marks ("e" + U+0301, Vietnamese, Korean jamo)
    would otherwise store words that a query, a search or a furniture pattern typed in the
    usual composed form never matches. Canonical equivalence only: no character changes
    meaning (NFKC, which folds full-width forms and ligatures, is kept for features and
    signatures). About 0.1 ms for a page."""
    return unicodedata.normalize("NFC", text) if text else text


def _composed(hints: EntryHints | None) -> EntryHints:
    """The hints (none: empty), with the feed's title and author (text that may be stored) in NFC."""
    if hints is None:
        return EntryHints()
    return replace(hints, title=nfc(hints.title), author=nfc(hints.author))


def _parse(body: bytes | str, content_type: str | None) -> HtmlElement:
    html = nfc(decode_html(body, content_type) if isinstance(body, bytes) else body)
    html = _close_title(html)
    if _looks_binary(html):
        raise ExtractionError("binary content, not an HTML page")
    try:
        tree = trafilatura.load_html(html)
        if tree is None and html.strip():  # a broken doctype trafilatura refuses: lxml reads it
            from lxml.html import document_fromstring

            tree = document_fromstring(html)
    except Exception as err:
        raise ExtractionError(f"unparseable HTML: {type(err).__name__}") from None
    if tree is None:
        raise ExtractionError("unparseable HTML")
    return tree


def _read_page(tree: HtmlElement, url: str, hints: EntryHints) -> _Page:
    meta = page_metadata(tree, url)
    structured = read_structured(tree)
    head = _head_facts(tree)
    titles = [head.get("og_title"), structured.headline, head.get("title"), meta.title, hints.title]
    declared_name = [name_without_title(name, titles)
                     for name in (head.get("site_name"), structured.publisher, structured.site_name, head.get("app_name"))]
    site_name = _site_name(declared_name, url)
    host = urlsplit(url).hostname if is_http_url(url) else None
    return _Page(
        tree=tree, url=url, meta=meta, structured=structured, site_name=site_name, head=head,
        names=site_names([site_name, hints.declared_source, hints.source_name], host),
        declared_titles=tuple(t for t in titles if t), headings=page_headings(tree), text=PageText(tree),
        links=tuple((_norm(a.text_content()), a.get("href") or "") for a in tree.xpath("//a")),
    )


def _title(page: _Page, raw: str) -> str | None:
    lines = [ln for ln in raw.split("\n") if ln.strip()]
    publisher = page.head.get("og_title") or page.structured.headline  # a modern page's headline has no deck
    return choose_title(list(page.declared_titles), page.names, page.headings, page.text, lines, with_deck=not publisher)


def _strip_deck(text: str, title: str | None, headings: dict) -> str:
    """Drop the deck (standfirst) when the body starts with it: the page's heading that comes
    right after the title's own heading, under ``DECK_WORDS`` words and not a sentence of the body."""
    if not title or "\n" not in text:
        return text
    first, rest = text.split("\n", 1)
    keys = list(headings)
    title_key, first_key = " ".join(re.findall(r"\w+", title.lower())), " ".join(re.findall(r"\w+", first.lower()))
    if title_key in keys and first_key in keys and keys.index(first_key) == keys.index(title_key) + 1 \
            and word_count(first) <= DECK_WORDS:
        return rest
    return text


def _read_body(page: _Page, raw: str, source: str) -> Candidate:
    """One extraction, cleaned at page level, and whether it is an article."""
    raw = nfc(raw)  # the page is NFC, but trafilatura's fallbacks decode JSON ("e\\u0301") themselves
    title = _title(page, raw)
    text = _above_headline(_strip_title(raw.strip(), title), title, page.text)
    words = word_count(text)
    if words < MIN_WORDS:
        return Candidate(text, source, f"no article body found ({words} words)", title)
    # words on lines that are (part of) a link's text: trafilatura splits <a><b>x</b> y</a> in lines
    link_words = sum(word_count(ln) for ln in text.split("\n") if (norm := _norm(ln)) and norm in page.anchors)
    if link_words > 0.5 * words:  # trafilatura's fallback kept a menu: no body here
        return Candidate(text, source, f"no article body found (only navigation: {link_words} of {words} words are links)", title)
    cleaned = _linked_headlines(_strip_deck(clean_text(text, title=title, url=page.url), title, page.headings), page)
    words = word_count(cleaned)
    if words < MIN_WORDS:
        return Candidate(cleaned, source, f"no article body found ({words} words once page furniture is removed)", title)
    return Candidate(cleaned, source, None, title)


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
    hints = _composed(hints)
    final_url = final_url or url
    tree = _parse(body, content_type)
    page = _read_page(tree, final_url, hints)
    found = choose_body(tree, final_url, page.structured.body, page.structured.body_from,
                        lambda raw, source: _read_body(page, raw, source))
    if found.problem is not None:
        raise NotAnArticle(found.problem)
    canonical, syndicated = choose_canonical(final_url, page.head.get("canonical"))
    return _assemble(page, found, hints, url, canonical, syndicated, now or datetime.now(timezone.utc))


def _language_declared(page: _Page) -> str | None:
    return _first(page.tree, "/html/@lang | /html/@xml:lang") or page.head.get("language") or page.head.get("locale")


def _assemble(page: _Page, found: Candidate, hints: EntryHints, url: str, canonical: str, syndicated: str | None,
              now: datetime) -> ExtractedArticle:
    # a syndicated copy is not named after the original (JSON-LD and og:site_name may be the original's)
    site_name = page.site_name if not syndicated or _site_name([page.site_name], page.url, syndicated) else None
    # a date stated by the feed or sitemap outranks htmldate's free-text guess (a file's time does not)
    stated = hints.published_at is not None and hints.published_source != "file"
    written, source = page_published(page.tree, page.structured.published, page.url, now, extensive=not stated)
    published, published_source = choose_published_with_source(written, source, hints.published_at,
                                                               hints.published_source)
    author = (page.meta.author or "").strip() or hints.author
    return ExtractedArticle(
        article_id=article_id(canonical),
        url=url,
        final_url=page.url,
        canonical_url=canonical,
        syndicated_from=syndicated,
        source=hints.declared_source or site_name or hints.source_name or site_of(canonical) or "file",
        title=found.title or hints.title,
        author=author or None,
        published_at=published,
        language=choose_language(_language_declared(page) or hints.language, found.text),
        text=found.text,
        description=(page.meta.description or "").strip() or None,
        word_count=word_count(found.text),
        extracted_text=found.text,
        site=outlet_of(canonical, hints.declared_source or site_name),
        published_at_source=published_source,
        site_name=site_name,
        body_source=found.source,
        outlet_names=_outlet_names(hints.declared_source, site_name, canonical),
    )


def _outlet_names(*names_and_url: str | None) -> tuple[str, ...]:
    """The names an outlet goes by: declared names, and its domain's label ("acme-oak" for
    www.acme-oak.com) for a page with a web address."""
    *names, url = names_and_url
    out = [n for n in names if n]
    if url and is_http_url(url):
        label = site_of(url).split(".")[0].replace("-", " ")
        if len(label) >= 3 and label not in out:
            out.append(label)
    return tuple(out)


_TITLE_LIKE = re.compile(r"[.!?:;,]$")


def _text_title(nonblank: list[str], hints: EntryHints) -> str | None:
    first = nonblank[0]
    if hints.title is None and len(first.split()) <= 25 and not _TITLE_LIKE.search(first):
        return first
    return hints.title


def _text_date(nonblank: list[str], hints: EntryHints, now: datetime | None) -> tuple[datetime | None, str | None]:
    """A date stated in the first lines of a plain-text capture (htmldate, on those lines)."""
    from datetime import timedelta

    from htmldate import find_date

    head = "".join(f"<p>{html_escape(ln)}</p>" for ln in nonblank[:8])
    now = now or datetime.now(timezone.utc)
    try:
        found = find_date(f"<html><body>{head}</body></html>", extensive_search=False, original_date=True,
                          outputformat="%Y-%m-%dT%H:%M:%S%z", max_date=(now + timedelta(days=1)).strftime("%Y-%m-%d"))
    except Exception:
        found = None
    return choose_published_with_source(found, "byline" if found else None, hints.published_at, hints.published_source)


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
    hints = _composed(hints)
    text = nfc(decode_html(body) if isinstance(body, bytes) else body)
    if _looks_binary(text):
        raise ExtractionError("binary content, not a text article")
    nonblank = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()]
    if not nonblank:
        raise NotAnArticle("empty file")
    title = _text_title(nonblank, hints)
    published, published_source = _text_date(nonblank, hints, now)
    cleaned = clean_text(_strip_title("\n".join(nonblank), title), title=title, url=url)
    words = word_count(cleaned)
    if words < MIN_WORDS:
        raise NotAnArticle(f"no article body found ({words} words)")
    return ExtractedArticle(
        article_id=article_id(url), url=url, final_url=url, canonical_url=canonicalize(url), syndicated_from=None,
        source=hints.declared_source or hints.source_name or site_of(url) or "file",
        title=title, author=hints.author, published_at=published, published_at_source=published_source,
        language=choose_language(hints.language, cleaned), text=cleaned, description=None, word_count=words,
        extracted_text=cleaned, site=outlet_of(url, hints.declared_source),
        outlet_names=(hints.declared_source,) if hints.declared_source else (),
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
