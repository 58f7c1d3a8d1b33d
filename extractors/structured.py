"""What a page states about itself in structured data: JSON-LD (schema.org) and the JSON some
script-built pages embed (``__NEXT_DATA__``, ``application/json`` state), read once per page.

chipwire takes from it the article body a script-built page may carry only there
(``articleBody``), the headline, the publication and modification dates, and the publisher's
name. trafilatura reads JSON-LD too, but only for its metadata fields and without telling which
object a value came from (an ``Organization`` beside the article, a ``WebPage`` with its own
dates, an ``articleBody`` it never returns); so the objects are walked here, the article-like one
first.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from lxml.html import HtmlElement

# schema.org types that describe the article itself (NewsArticle, BlogPosting, ReportageNewsArticle ...)
_ARTICLE_TYPE = re.compile(r"Article|BlogPosting|Posting|Report|LiveBlog|NewsArticle", re.I)
# keys under which embedded page state keeps the article's text
_BODY_KEYS = ("articleBody", "articlebody", "body", "content", "text", "bodyText", "contentHtml", "html")
_JSON_SCRIPTS = ('.//script[@type="application/ld+json" or @type="application/json" or @id="__NEXT_DATA__"'
                 ' or @type="application/settings+json"]')
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_BLOCK_BREAK = re.compile(r"(?i)<\s*(?:/p|br\s*/?|/div|/h[1-6]|/li|/blockquote)\s*>")
_SENTENCE = re.compile(r"[.!?。！？](?:\s|$)")
MIN_BODY_WORDS = 60  # a shorter text under a body key is a teaser or a field label, not the article


@dataclass(frozen=True)
class StructuredData:
    headline: str | None = None
    body: str | None = None  # one paragraph a line
    body_from: str | None = None  # "json-ld" or "embedded-json"
    published: str | None = None  # as written (ISO 8601 in practice)
    modified: str | None = None
    publisher: str | None = None
    site_name: str | None = None  # a WebSite object's name


def _objects(node, depth: int = 0) -> Iterator[dict]:
    """Every JSON object in a parsed document, depth-first (``@graph`` lists included)."""
    if depth > 12:
        return
    if isinstance(node, dict):
        yield node
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _objects(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item, depth + 1)


def _types(obj: dict) -> str:
    t = obj.get("@type", "")
    return " ".join(t) if isinstance(t, list) else str(t)


def _name(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _text_of(value) -> str | None:
    """A body field as plain text, one paragraph a line (HTML inside JSON is common)."""
    if not isinstance(value, str) or len(value) < 200:
        return None
    if _TAG.search(value):  # tags dropped, not parsed: the text is all that is wanted
        value = html.unescape(_TAG.sub(" ", _BLOCK_BREAK.sub("\n", value)))
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in value.replace("\r", "\n").split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    if len(text.split()) < MIN_BODY_WORDS and len(text) < 400 or not _SENTENCE.search(text):
        return None
    return text


def _parse(script: str):
    try:
        return json.loads(script, strict=False)
    except (ValueError, RecursionError):
        return None


def _article_fields(objs: list[dict]) -> dict:
    fields: dict = {}
    articles = [o for o in objs if _ARTICLE_TYPE.search(_types(o))] or [o for o in objs if "datePublished" in o]
    for obj in articles:
        for key, source in (("headline", "headline"), ("published", "datePublished"), ("modified", "dateModified")):
            if not fields.get(key) and isinstance(obj.get(source), str) and obj[source].strip():
                fields[key] = obj[source].strip()
        if not fields.get("published") and isinstance(obj.get("dateCreated"), str):
            fields["published"] = obj["dateCreated"].strip()
        fields.setdefault("publisher", _name(obj.get("publisher")))
        body = _text_of(obj.get("articleBody"))
        if body and len(body) > len(fields.get("body") or ""):
            fields["body"] = body
    for obj in objs:
        if "WebSite" in _types(obj) and not fields.get("site_name"):
            fields["site_name"] = _name(obj)
    return fields


def _embedded_body(doc) -> str | None:
    """The longest prose text under a body key of embedded page state."""
    best = None
    for obj in _objects(doc):
        for key in _BODY_KEYS:
            text = _text_of(obj.get(key))
            if text and len(text) > len(best or ""):
                best = text
    return best


def read_structured(tree: HtmlElement) -> StructuredData:
    """The page's JSON-LD and embedded JSON, read once. Never raises."""
    ld_objects: list[dict] = []
    embedded = None
    try:
        for script in tree.xpath(_JSON_SCRIPTS):
            doc = _parse(script.text or "")
            if doc is None:
                continue
            if (script.get("type") or "").lower() == "application/ld+json":
                ld_objects.extend(_objects(doc))
            else:
                found = _embedded_body(doc)
                if found and len(found) > len(embedded or ""):
                    embedded = found
        fields = _article_fields(ld_objects)
    except Exception:  # structured data is a bonus: a page with broken JSON is still a page
        return StructuredData()
    body_from = "json-ld" if fields.get("body") else None
    if embedded and len(embedded) > len(fields.get("body") or ""):
        fields["body"], body_from = embedded, "embedded-json"
    # JSON may spell a letter and its accent as two escapes: NFC, as the page's own text (article.nfc)
    return StructuredData(body_from=body_from, **{k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                                                  for k, v in fields.items() if v})
