"""The furniture families: what each one looks like, and where in a page it may be cut.

``REGISTRY`` is the one place a family is declared: its name, its line tests (built from the
grammars in ``patterns``) keyed by where they apply, and whether, at the bottom of a page, it
anchors a block (takes the lines after it along). The passes in ``passes`` ask
``classify(line, ctx, where)`` and never name a line family themselves; families whose shape is
a page structure (the title, a summary box, a table of contents) are listed here and found by
their own pass.

Where a test applies:

- ``TOP``: only in the top block (lines before the first body paragraph);
- ``EDGE``: in the top and the bottom block;
- ``BOTTOM``: only in the bottom block;
- ``ANYWHERE``: anywhere, mid-body included: only unmistakable single-line shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .dates import dateline
from .patterns import (ADDRESS, AGENCY_ONLY, AGGREGATOR, ALSO_ON, BLURB_START, BYLINE, BYLINE_CREDIT, CAPTION_CREDIT,
                       COMMENTS, COMMENTS_SENTENCE, COPYRIGHT_START, CREDIT_AGENCY, CREDIT_MARK, CREDIT_PHRASE,
                       CREDIT_START, CTA_ANY, CTA_START, DISCLAIMER_START, EMAIL, FOLLOW_ANY, HANDLE,
                       IMAGE_CREDIT_START, INLINE_RELATED, LEGAL, NEWS_KW, NEWS_STRICT, RELATED_LABEL, REVIEWS,
                       SECTION, SHARE_LABEL, SHARE_SENTENCE, SHORTCODE, TAG_START, THIN_WIDGET, URL_ANY,
                       URL_LABELLED, URL_ONLY, WIDGET, WIDGET_LINE, RELATED_LINE, DEAL_CTA, PRICE_AT,
                       CJK_SUBSCRIBE, JUMP_LINK, CJK_CREDIT, CJK_PAREN_CREDIT, CJK_CAPTION_CREDIT, CJK_NAMED_CREDIT,
                       CJK_RIGHTS, CJK_RELATED, FOOTER_LINK, SITE_CUE, BREADCRUMB, PAYWALL, META_SEP, META_LABEL, DESK,
                       RESERVED)
from .text import BULLET, WORD, ends_sentence, ends_with_period, has_cjk, is_, key, nwords

TOP, EDGE, BOTTOM, ANYWHERE = "top", "edge", "bottom", "anywhere"


class LineCtx(NamedTuple):
    url: str | None = None  # the page's own URL
    nxt: str = ""  # the next line still in the page (top block)


Test = Callable[[str, LineCtx], bool]


@dataclass(frozen=True)
class Family:
    name: str
    tests: Mapping[str, Test] = field(default_factory=dict)  # where -> test(line, ctx)
    anchor: bool = False  # at the bottom, takes with it the furniture-like lines after it
    doc: str = ""


# --- line tests -------------------------------------------------------------------------------

def newsletter(line: str) -> bool:
    s = line.strip()
    n = nwords(s)
    if n == 0 or n > 70:
        return False
    if n <= 40 and PAYWALL.match(s):
        return True  # "To read this article in full you must be registered with the site."
    low = s.lower()
    has_kw = bool(NEWS_KW.search(low))
    cta = bool(CTA_ANY.search(low))
    if cta and (has_kw or n <= 25):
        return True
    if n > 45 and not cta:
        return False
    if not has_kw:
        return False
    k = key(s)
    if CTA_START.match(k):
        return True
    # a short label naming the newsletter / subscription box ("Pick Six Newsletter", "Newsletter")
    return n <= 6 and not ends_sentence(s)


def credit(line: str) -> bool:
    s = line.strip()
    n = nwords(s)
    if n == 0 or n > 40:
        return False
    if cjk_credit(s):
        return True
    if CAPTION_CREDIT.search(s) or (n <= 5 and AGENCY_ONLY.match(s)):
        return True
    if BYLINE_CREDIT.match(s):
        return True
    if n <= 25 and CREDIT_START.match(s):
        return True
    if n <= 18 and (CREDIT_AGENCY.search(s) or CREDIT_MARK.search(s)):
        return True
    if n <= 15 and CREDIT_PHRASE.search(s) and not ends_with_period(s):
        return True
    # a bare author contact: an e-mail address or a social handle, nothing else
    rest = WORD.findall(HANDLE.sub(" ", EMAIL.sub(" ", re.sub(r"\S*(?:twitter|x|instagram|linkedin)\.com/\S*", " ", s, flags=re.I))))
    return n <= 8 and len(rest) <= 2 and bool(EMAIL.search(s) or HANDLE.search(s) or re.search(r"(?:twitter|x|instagram|linkedin)\.com/", s, re.I))


def disclaimer(line: str) -> bool:
    s = line.strip()
    n = nwords(s)
    if DISCLAIMER_START.match(s) or n <= 90 and has_cjk(s) and CJK_RIGHTS.search(s):
        return True
    if COPYRIGHT_START.match(s) and n <= 40 and not _copyright_sentence(s):
        return True  # "Copyright 2008 The Associated Press. All rights reserved.", "Copyright Reuters."
    if n <= 30 and FOOTER_LINK.search(s) and (not ends_sentence(s) or SITE_CUE.search(s)):
        return True  # the site's footer: its legal links, or a note about the site itself
    return n <= 90 and bool(LEGAL.search(s))


def closing_notice(line: str) -> bool:
    """A copyright notice that closes an article ("© 2007 - 2008 - eFluxMedia", "©All rights
    reserved, news from Canadian Press"): a disclaimer opening on ©/copyright and naming a year or
    reserved rights (a photo credit with © inside a caption does not open on it)."""
    s = line.strip()
    return nwords(s) <= 20 and bool(COPYRIGHT_START.match(s)) and bool(RESERVED.search(s)) and disclaimer(s)


def _copyright_sentence(s: str) -> bool:
    """"Copyright disputes were not part of the case.": a sentence of five words or more with
    lower-case words in it, and no year, rights or © (a notice names its holder: "Copyright
    Reuters.", "Copyright The Associated Press.")."""
    if not ends_sentence(s) or re.search(r"\d|©|\(c\)|rights", s, re.I):
        return False
    words = WORD.findall(s)
    return len(words) >= 5 and sum(w[0].islower() for w in words[1:]) >= 2


def comments(line: str) -> bool:
    s = line.strip()
    if nwords(s) <= 10 and is_(COMMENTS, s):
        return True
    return nwords(s) <= 60 and bool(COMMENTS_SENTENCE.search(s))


def share(line: str) -> bool:
    s = line.strip()
    n = nwords(s)
    if n <= 12 and is_(SHARE_LABEL, s):
        return True
    if n <= 45 and FOLLOW_ANY.search(s):
        return True
    return n <= 30 and bool(SHARE_SENTENCE.match(key(s)))


def related_label(line: str) -> bool:
    s = line.strip()
    if nwords(s) <= 10 and (m := CJK_RELATED.match(s)) and not m.group("rest"):
        return True  # "相关阅读", "【関連記事】"
    if s.endswith(".") and not s.endswith(("...", "..")):
        return False  # a full stop ends a sentence ("Others in the industry agreed."), not a label
    return nwords(s) <= 10 and not ends_sentence(s.rstrip(".…")) and is_(RELATED_LABEL, s)


def inline_related(line: str) -> bool:
    s = line.strip()
    m = INLINE_RELATED.match(s)
    if m and nwords(m.group("rest")) <= 25 and not ends_sentence(m.group("rest")) or m and s[:1] in "[(":
        return True
    return bool(ALSO_ON.match(s)) and nwords(s) <= 30


def widget(line: str) -> bool:
    s = line.strip()
    return (nwords(s) <= 10 and is_(WIDGET, s)) or bool(WIDGET_LINE.match(s)) or menu_row(s) or breadcrumb(s)


def breadcrumb(s: str) -> bool:
    """"Home > Headlines > Princess ... passes away", "News > World > Asia": no prose line is
    cut into three or more short parts by ``>``."""
    if not any(sep in s for sep in (">", "»", "›", "/", "::", "&gt;")):  # BREADCRUMB's separators
        return False
    return nwords(s) <= 30 and not ends_with_period(s) and bool(BREADCRUMB.match(s.strip()))


_NUMBER_CELL = re.compile(r"[\d.,%:+\-/$€£]")  # a cell opening on a number or a measure: data


def menu_row(line: str) -> bool:
    """A row of a layout table that held a menu: as many empty cells as filled ones, each filled
    one a label of three words at most ("| My Site |  |  | RSS |  | Mobile |  | Newsletter
    |"). A data table's row fills its cells or holds numbers or phrases ("| Docker Desktop for
    Mac |  |  |", a comparison's ticks drawn as images): it is not one."""
    s = line.strip()
    if s.count("|") < 2:
        return False
    cells = [c.strip() for c in s.strip("|").split("|")]
    full = [c for c in cells if WORD.search(c)]
    as_text = not s.startswith("|") and len(full) >= 4 and len(full) == len(cells)  # "Canada | World | ..."
    if not as_text and (not full or len(cells) - len(full) < len(full)):
        return False
    return all(nwords(c) <= 3 and not _NUMBER_CELL.match(c) for c in full)


def aggregator(line: str) -> bool:
    s = line.strip()
    return nwords(s) <= 12 and is_(AGGREGATOR, s)


def url_line(line: str, url: str | None) -> bool:
    s = line.strip()
    if URL_ONLY.match(s) or URL_LABELLED.match(s):
        return True
    links = URL_ANY.findall(s)
    if links and nwords(URL_ANY.sub(" ", s)) <= 6 and nwords(s) <= 40:
        return True  # "More news: <url> and <url>"
    return bool(url) and s.rstrip("/") == url.rstrip("/")


def section_tags(line: str) -> bool:
    s = line.strip()
    if TAG_START.match(s):
        return True
    return nwords(s) <= 3 and is_(SECTION, s)


def byline(line: str) -> bool:
    """"By Jane Doe, Technology Correspondent", "Von Max Muster", "Par Jeanne Dupont et ..."."""
    s = line.strip()
    return nwords(s) <= 16 and not ends_sentence(s) and bool(BYLINE.match(s))


def title_case(line: str) -> bool:
    """A headline in Title Case ("15 Amazing Images of Stars"), not a phrase or a sentence."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", BULLET.sub("", line)) if len(w) >= 4]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def tag_list(line: str) -> bool:
    """"Nvidia, export controls, Huawei" / "Chips · China · Trade": short items, no sentence."""
    s = line.strip()
    if nwords(s) > 40 or ends_sentence(s):
        return False
    parts = [p for p in re.split(r"\s*[,·|•;/#]\s*", s) if p.strip()]
    return len(parts) >= 2 and all(nwords(p) <= 4 for p in parts) or nwords(s) <= 3


def blurb(line: str) -> bool:
    s = line.strip()
    return bool(BLURB_START.match(s) or ADDRESS.match(s) or REVIEWS.match(s))


# --- the stricter tests that hold anywhere in the body ----------------------------------------


def _own_url(s: str, ctx: LineCtx) -> bool:
    return bool(ctx.url) and s.rstrip("/") == (ctx.url or "").rstrip("/")


def _strong_widget(s: str, ctx: LineCtx) -> bool:
    n = nwords(s)
    if n == 0:  # no word at all: a rule, an empty table row ("|  |  |")
        return True
    return n <= 8 and is_(WIDGET, s) and not is_(THIN_WIDGET, s) or bool(WIDGET_LINE.match(s) or SHORTCODE.search(s)) or s.startswith("|") and menu_row(s)


def _strong_related(s: str, ctx: LineCtx) -> bool:
    if inline_related(s):
        return True
    n = nwords(s)  # a lone rail label whose items were not extracted ("Most read in world news")
    return n <= 8 and related_label(s) and (n >= 2 or s.rstrip().endswith(":") or key(s) in ("related", "more", "recommended"))


def _strong_credit(s: str, ctx: LineCtx) -> bool:
    n = nwords(s)
    if n <= 20 and bool(IMAGE_CREDIT_START.match(s) or CREDIT_MARK.search(s)) or n <= 45 and bool(CAPTION_CREDIT.search(s)):
        return True
    return _cjk_caption(s.strip())


# --- Chinese and Japanese (the grammars' comments in ``patterns`` give examples) ---------------


def _cjk_caption(s: str) -> bool:
    """A credit standing alone in brackets, or a caption ending on a photo credit."""
    if not has_cjk(s):
        return False
    return bool(CJK_PAREN_CREDIT.match(s)) or nwords(s) <= 45 and bool(CJK_CAPTION_CREDIT.search(s))


def cjk_credit(s: str) -> bool:
    """An editor, reporter, translator, source or photo line ("责任编辑：张三", "來源：中央社",
    "记者 张三", "（ワシントン＝山田太郎）"). A labelled line that ends as a sentence is not one
    ("记者：您如何看待…？" is an interview's question), nor is a long one."""
    if not has_cjk(s):
        return False
    m = CJK_CREDIT.match(s)
    if m and not ends_sentence(s):
        limit = 40 if "原" in m.group(0) else 15  # an original headline ("原标题：…") may be long
        return nwords(s[m.end():]) <= limit
    return bool(CJK_NAMED_CREDIT.match(s)) or _cjk_caption(s)


def cjk_related(s: str, ctx: LineCtx | None = None) -> bool:
    """A related-links label with its one headline after it ("延伸閱讀：《…》"; the label alone is
    ``related_label``'s)."""
    m = CJK_RELATED.match(s.strip())
    return bool(m and m.group("rest")) and nwords(m.group("rest")) <= 30 and not ends_sentence(m.group("rest"))


def _strong_share(s: str, ctx: LineCtx) -> bool:
    return nwords(s) <= 8 and is_(SHARE_LABEL, s) and bool(re.search(r"share|teilen|partager|compartir|tweet|link", s, re.I))


def _strong_newsletter(s: str, ctx: LineCtx) -> bool:
    low = s.lower()
    return nwords(s) <= 20 and newsletter(s) and bool(NEWS_STRICT.search(low)) and bool(CTA_ANY.search(low) or CTA_START.match(key(s)))


def _top_dateline(s: str, ctx: LineCtx) -> bool:
    # one dateline: a run of dated lines is a schedule, i.e. content
    return dateline(s) and not (ctx.nxt and dateline(ctx.nxt)) or meta_line(s)


def meta_line(line: str) -> bool:
    """The page's metadata in one line, parts joined by separators: "05/10/2018 - Publicado por:
    Clarissa Borba - Categoria: Saúde - Tags: ...", "New Delhi, News Nation Bureau | Updated : 19
    November 2019, 09:01 AM". Every part is a date, a labelled field (by, category, tags,
    source, updated ...) or a desk's name; one of them a date."""
    s = line.strip()
    if nwords(s) > 40 or ends_with_period(s):
        return False
    parts = [p.strip() for p in META_SEP.split(s) if p and p.strip()]
    if len(parts) < 2 or any(nwords(p) > 10 for p in parts):
        return False
    dated = [dateline(p) for p in parts]
    return any(dated) and all(d or META_LABEL.match(p) or DESK.search(p) for p, d in zip(parts, dated))


def related_line(s: str, ctx: LineCtx | None = None) -> bool:
    """"You Can Also Check: Gold Rate in Bhopal…": a link line, not a sentence of the article."""
    m = RELATED_LINE.match(s)
    return bool(m) and nwords(m.group("rest")) <= 25 and not ends_with_period(m.group("rest"))


def deal(s: str, ctx: LineCtx | None = None) -> bool:
    """A deal box's call to action or price line ("View Deal", "$299 at Amazon")."""
    n = nwords(s)
    return n <= 10 and (is_(DEAL_CTA, s) or bool(PRICE_AT.match(s.strip())))


def cjk_subscribe(s: str, ctx: LineCtx | None = None) -> bool:
    """A short subscription or log-in prompt in Japanese, Chinese or Korean ("続きを読むには
    会員登録が必要です"): prompt phrases only, never a sentence that mentions members."""
    return nwords(s) <= 30 and bool(CJK_SUBSCRIBE.search(s))


def jump_link(s: str, ctx: LineCtx | None = None) -> bool:
    return nwords(s) <= 10 and not ends_with_period(s) and bool(JUMP_LINK.match(s.strip()))


def _line(test: Callable[[str], bool]) -> Test:
    return lambda s, ctx: test(s)


# --- the registry: the order is the order families are tried ----------------------------------

REGISTRY: tuple[Family, ...] = (
    Family("title", doc="the headline repeated (found by the title pass, fuzzy at the top)"),
    Family("byline", {TOP: _line(byline)}, doc="By Jane Doe, Technology Correspondent"),
    Family("dateline", {TOP: _top_dateline, BOTTOM: lambda s, ctx: dateline(s, strict=True) or meta_line(s)},
           doc="Updated: Tue., Nov. 19, 2019 (at the bottom: a bare or an updated date); a line of metadata: date - by - category - tags"),
    Family("blurb", {TOP: _line(blurb)}, doc="a site's self-description, street address, review count"),
    Family("summary", doc="a summary box's label and its bullets (top-block pass)"),
    Family("url", {EDGE: lambda s, ctx: url_line(s, ctx.url), ANYWHERE: _own_url}, doc="a bare URL, the page's own URL"),
    Family("widget", {EDGE: _line(widget), ANYWHERE: _strong_widget}, anchor=True,
           doc="TOC label, Advertisement, Loading..., reading time, print/gallery controls, shortcodes"),
    Family("related", {EDGE: lambda s, ctx: related_label(s) or inline_related(s) or related_line(s) or cjk_related(s),
                       ANYWHERE: lambda s, ctx: _strong_related(s, ctx) or related_line(s) or cjk_related(s)},
           anchor=True, doc="a rail label and its headlines; READ MORE: <headline>; You can also check: <headline>"),
    Family("deal", {ANYWHERE: deal}, doc="a deal box's call to action or price line: View Deal, $299 at Amazon"),
    Family("toc", {ANYWHERE: jump_link},
           doc="jump links; an in-article table of contents (its entries repeat the starts of later lines: toc pass)"),
    Family("comments", {EDGE: _line(comments)}, anchor=True, doc="comment stubs, forms and notices"),
    Family("share", {EDGE: _line(share), ANYWHERE: _strong_share}, anchor=True, doc="share bars, follow-us prompts"),
    Family("aggregator", {EDGE: _line(aggregator)}, anchor=True,
           doc="continue reading, generated questions, moderation links"),
    Family("newsletter", {EDGE: lambda s, ctx: newsletter(s) or cjk_subscribe(s),
                          ANYWHERE: lambda s, ctx: _strong_newsletter(s, ctx) or cjk_subscribe(s)}, anchor=True,
           doc="subscription, app and membership prompts (Japanese, Chinese and Korean ones too)"),
    Family("disclaimer", {EDGE: _line(disclaimer)}, anchor=True, doc="disclaimers, affiliate and copyright notices"),
    Family("credit", {EDGE: _line(credit), ANYWHERE: _strong_credit}, doc="image credits, reporting credits, contacts"),
    Family("section", {EDGE: _line(section_tags)}, doc="a section label, Tags: and the tag list"),
)

FAMILIES: tuple[str, ...] = tuple(f.name for f in REGISTRY)
ANCHORS = frozenset(f.name for f in REGISTRY if f.anchor)
_BY_WHERE: dict[str, tuple[tuple[str, Test], ...]] = {
    where: tuple((f.name, f.tests[where]) for f in REGISTRY if where in f.tests) for where in (TOP, EDGE, BOTTOM, ANYWHERE)
}


def classify(line: str, ctx: LineCtx, *wheres: str) -> str | None:
    """The first family (in registry order) whose test for one of ``wheres`` (tried in the order
    given) takes ``line``; None for a body line."""
    for where in wheres:
        for name, test in _BY_WHERE[where]:
            if test(line, ctx):
                return name
    return None
