"""Clean article text: trafilatura's output -> the article body alone.

Two passes, both pure:
1. ``furniture.strip_furniture``: generic furniture at the body's edges, by family
   (disclaimers, share/newsletter prompts, related lists, comment stubs, credits, widgets,
   the article's own URL, a repeated title, aggregator chrome), with a guard for body text;
2. ``sitelearn.strip_site_furniture``: blocks that recur across the pages of the same outlet
   (``ExtractedArticle.site``, see ``urls.outlet_of``), learnt from the pages stored so far (the
   flows keep the profile in the warehouse and clean an outlet's older pages again whenever its
   profile changes).
"""

from __future__ import annotations

from .furniture import strip_furniture
from .sitelearn import SiteProfile, strip_site_furniture

CLEANER_VERSION = "clean-4"  # ninth session: dated related links, pagination, syndication notes; before: new families, toc pass, deck, outlet learning, CJK credits, footers, menu rows


def clean_text(extracted: str, *, title: str | None = None, url: str | None = None,
               profile: SiteProfile | None = None) -> str:
    return clean_with_report(extracted, title=title, url=url, profile=profile)[0]


def clean_with_report(extracted: str, *, title: str | None = None, url: str | None = None,
                      profile: SiteProfile | None = None) -> tuple[str, tuple[str, ...]]:
    """(clean text, the lines removed as the site's learnt furniture)."""
    return site_clean(strip_furniture(extracted, title=title, url=url).text, profile)


def site_clean(page_text: str, profile: SiteProfile | None) -> tuple[str, tuple[str, ...]]:
    """The second pass alone, over a page already cleaned at page level (what the warehouse
    keeps as ``extracted_text``): (clean text, lines removed as the site's furniture)."""
    if profile is None or not profile.teaches:
        return page_text, ()
    result = strip_site_furniture(page_text, profile)
    return result.text, result.removed
