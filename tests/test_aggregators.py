"""Tests for extractors.aggregators: offline resolution of aggregator redirect links.

Inline examples are link strings taken from the real feeds in
shared/corpora/feeds/real-outlets/ (Bing News, Google Alerts, Google News 2020,
TechCrunch/Reuters FeedBurner, Washington Post Pheedo); the corpus tests parse
those feeds and skip when the corpus is absent (a fresh clone).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from extractors.aggregators import is_opaque_aggregator_link, resolve_aggregator_link

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
REAL_OUTLETS = CORPORA / "feeds" / "real-outlets"

# --- inline examples -------------------------------------------------------

BING = (
    "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=12BE3CE268B0484F92DD9828C685E325"
    "&url=https%3a%2f%2fwww.dailymail.co.uk%2fsport%2ffootball%2farticle-9554407%2f"
    "Real-Madrid-Barcelona-Juventus-threaten-clubs-withdrawing-Super-League-legal-action.html"
    "&c=4438839993362862681&mkt=it-it"
)
BING_TARGET = (
    "https://www.dailymail.co.uk/sport/football/article-9554407/"
    "Real-Madrid-Barcelona-Juventus-threaten-clubs-withdrawing-Super-League-legal-action.html"
)
ALERT = (
    "https://www.google.com/url?rct=j&sa=t&url=https://investorplace.com/2019/07/slack-stock-truly-compelling/"
    "&ct=ga&cd=CAIyHGU4ZTJkZjQ3OTVkYmIzMTc6Y28uanA6ZW46SlA&usg=AFQjCNEZXRySX8eW_IyksUe5d7lidLUXxg"
)
GNEWS_2020 = (
    "https://news.google.com/__i/rss/rd/articles/CBMiiwFodHRwczovL3d3dy5ydGJmLmJlL2luZm8vc29jaWV0ZS9kZXRh"
    "aWxfY29yb25hdmlydXMtZW4tYmVsZ2lxdWUtMjAwLWNhcy1kZXRlY3Rlcy1hdS10b3RhbC1sYS1jaXJjdWxhdGlvbi1kdS12aXJ1"
    "cy1yZXN0ZS1saW1pdGVlP2lkPTEwNDUwNzkz0gEA?oc=5"
)
GNEWS_2020_TARGET = (
    "https://www.rtbf.be/info/societe/detail_coronavirus-en-belgique-200-cas-detectes-au-total-"
    "la-circulation-du-virus-reste-limitee?id=10450793"
)
# Old-format /rss/articles/ token (URL in field 4, AMP URL in field 26).
GNEWS_RSS_OLD = (
    "https://news.google.com/rss/articles/CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhk"
    "djE4OG_SATJodHRwczovL3d3dy5iYmMuY29tL25ld3MvYXJ0aWNsZXMvY2pqam54ZHYxODhvLmFtcA?oc=5"
)
# Current format: field 4 holds an opaque "AU_yqL..." id, not a URL.
GNEWS_RSS_CURRENT = (
    "https://news.google.com/rss/articles/CBMiVkFVX3lxTE4zaGU2bTY2ZGkzdTRkSkJ0cFpsTGlDUjkxU2FBRURaTWU0c3Qz"
    "VWZ1MHZZNkZ5Vzk1ZVBnTDFHY2R6ZmdCUkpUTUJsS1pqQTlCRzlzbHV3?oc=5"
)


def test_bing_apiclick_lowercase_percent_encoding():
    assert resolve_aggregator_link(BING) == BING_TARGET


def test_bing_apiclick_uppercase_encoding_and_port():
    link = (
        "https://www.bing.com:443/news/apiclick.aspx?ref=FexRss&aid=&tid=AB12"
        "&url=https%3A%2F%2Fwww.theregister.com%2F2025%2F01%2F13%2Fai_diffusion_rule%2F&c=1&mkt=en-us"
    )
    assert resolve_aggregator_link(link) == "https://www.theregister.com/2025/01/13/ai_diffusion_rule/"


def test_bing_apiclick_html_escaped_ampersands():
    link = BING.replace("&", "&amp;")
    assert resolve_aggregator_link(link) == BING_TARGET


def test_bing_ck_base64_target():
    link = "https://www.bing.com/ck/a?!&&p=abc&ptn=3&ver=2&u=a1aHR0cHM6Ly93d3cuZXhhbXBsZS5jb20vbmV3cy8xMjM&ntb=1"
    assert resolve_aggregator_link(link) == "https://www.example.com/news/123"


def test_google_alerts_url_param():
    assert resolve_aggregator_link(ALERT) == "https://investorplace.com/2019/07/slack-stock-truly-compelling/"


def test_google_url_q_variant_and_country_domain():
    link = "https://www.google.com/url?q=https://www.tomshardware.com/tech-industry/h20-ban&sa=D&source=editors&ust=1&usg=AOv"
    assert resolve_aggregator_link(link) == "https://www.tomshardware.com/tech-industry/h20-ban"
    link_uk = "https://www.google.co.uk/url?sa=t&url=https%3A%2F%2Fwww.scmp.com%2Ftech%2Farticle%2F1&usg=AOv"
    assert resolve_aggregator_link(link_uk) == "https://www.scmp.com/tech/article/1"


def test_old_google_news_url():
    link = (
        "http://news.google.com/news/url?sa=t&fd=R&ct2=us&usg=AFQjCNG4x1&clid=c3a7d30bb8a4878e06b80cf16b898331"
        "&cid=52779388457411&ei=2bHXWN&url=http://www.reuters.com/article/us-usa-china-chips-idUSKBN16Z2"
    )
    assert resolve_aggregator_link(link) == "http://www.reuters.com/article/us-usa-china-chips-idUSKBN16Z2"


def test_google_news_2020_token_decodes_offline():
    assert resolve_aggregator_link(GNEWS_2020) == GNEWS_2020_TARGET
    assert not is_opaque_aggregator_link(GNEWS_2020)


def test_google_news_old_rss_articles_token_decodes_offline():
    assert resolve_aggregator_link(GNEWS_RSS_OLD) == "https://www.bbc.com/news/articles/cjjjnxdv188o"
    assert not is_opaque_aggregator_link(GNEWS_RSS_OLD)


def test_current_google_news_is_opaque_and_unchanged():
    assert resolve_aggregator_link(GNEWS_RSS_CURRENT) == GNEWS_RSS_CURRENT
    assert is_opaque_aggregator_link(GNEWS_RSS_CURRENT)
    assert is_opaque_aggregator_link("https://news.google.com/articles/CBMiVkFVX3lxTE4zaGU2bTY2?hl=en-US")
    assert is_opaque_aggregator_link("https://news.google.com/read/CBMi2AFBVV95cUxPd1ZC?hl=en-US&gl=US")
    assert is_opaque_aggregator_link("https://news.google.com/rss/articles/")


@pytest.mark.parametrize(
    "link",
    [
        BING,
        ALERT,
        "https://news.google.com/?hl=fr&gl=BE&ceid=BE:fr",
        "https://news.google.com/rss/search?q=nvidia+h20&hl=en-US",
        "https://www.theregister.com/2024/12/02/us_chip_export_rules/",
        "http://feedproxy.google.com/~r/Techcrunch/~3/kTeeGj4FnwU/",
        "",
    ],
)
def test_not_opaque(link):
    assert not is_opaque_aggregator_link(link)


def test_feedburner_origlink_from_entry():
    entry = {
        "link": "http://feedproxy.google.com/~r/Techcrunch/~3/kTeeGj4FnwU/",
        "feedburner_origlink": "http://techcrunch.com/2011/11/02/angies-list-prices-ipo-at-11-to-13-per-share-valued-at-over-600m/",
    }
    assert resolve_aggregator_link(entry["link"], entry) == entry["feedburner_origlink"]
    # Without the entry there is nothing to resolve offline.
    assert resolve_aggregator_link(entry["link"]) == entry["link"]


def test_feedburner_origlink_double_escaped_ampersand():
    entry = {
        "feedburner_origlink": "http://www.reuters.com/article/us-usa-russia-sanctions/publication-of-russia-oligarch-list"
        "-may-affect-investors-group-idUSKBN1FJ299?feedType=RSS&amp;feedName=worldNews"
    }
    link = "http://feeds.reuters.com/~r/Reuters/worldNews/~3/Ue_cpYPRGRs/publication-of-russia-oligarch-list-may-affect-investors-group-idUSKBN1FJ299"
    assert resolve_aggregator_link(link, entry).endswith("idUSKBN1FJ299?feedType=RSS&feedName=worldNews")


def test_pheedo_origlink_from_entry():
    entry = {
        "pheedo_origlink": "http://www.washingtonpost.com/lifestyle/wellness/schools-minister-to-kids-fitness-and-nutrition-needs"
        "/2012/08/21/0ca90d46-e6eb-11e1-936a-b801f1abab19_story.html?wprss=rss_wellness"
    }
    link = "http://feeds.washingtonpost.com/click.phdo?i=cc0c5fb09865354bbec8415210a554da"
    assert resolve_aggregator_link(link, entry) == entry["pheedo_origlink"]


def test_invalid_origlink_ignored():
    link = "http://feedproxy.google.com/~r/Techcrunch/~3/kTeeGj4FnwU/"
    assert resolve_aggregator_link(link, {"feedburner_origlink": "/2011/11/02/relative/"}) == link
    assert resolve_aggregator_link(link, {"feedburner_origlink": None}) == link


def test_missing_link_uses_origlink():
    entry = {"feedburner_origlink": "https://www.jn.pt/nacional/interior/x-9021600.html"}
    assert resolve_aggregator_link("", entry) == entry["feedburner_origlink"]
    assert resolve_aggregator_link("", None) == ""


def test_generic_redirectors():
    assert (
        resolve_aggregator_link("https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.ft.com%2Fcontent%2Fabc&h=AT0")
        == "https://www.ft.com/content/abc"
    )
    assert (
        resolve_aggregator_link("https://duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.semianalysis.com%2Fp%2Fx&rut=1")
        == "https://www.semianalysis.com/p/x"
    )


def test_nested_redirect_is_fully_unwrapped():
    link = "https://www.google.com/url?rct=j&sa=t&url=" + BING.replace("%", "%25").replace("&", "%26") + "&ct=ga"
    assert resolve_aggregator_link(link) == BING_TARGET


def test_plus_sign_preserved():
    link = "https://www.google.com/url?sa=t&url=https://example.org/c++-tips/a+b&ct=ga"
    assert resolve_aggregator_link(link) == "https://example.org/c++-tips/a+b"


@pytest.mark.parametrize(
    "link",
    [
        # Non-aggregator sites keep their own url= / u= parameters.
        "https://www.example-news.com/redirect?url=https://elsewhere.example/a",
        "https://www.theregister.com/share?u=https%3A%2F%2Fwww.theregister.com%2Fx",
        "https://www.bing.com/news/search?q=Nvidia+H20+China&format=rss",
        "https://www.google.com/search?q=https://example.com",
        "https://news.google.com/rss/search?q=SMIC&url=https://example.com",
        # Rejected targets: not absolute http(s).
        "https://www.google.com/url?q=javascript:alert(1)&sa=D",
        "https://www.google.com/url?url=/relative/path&sa=t",
        "https://www.google.com/url?url=ftp://files.example.com/a&sa=t",
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&url=&c=1",
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&url=https%3a%2f%2fno%20host&c=1",
        "https://news.google.com/rss/articles/!!!not-base64!!!?oc=5",
        # Not http(s) at all.
        "mailto:someone@example.com",
        "not a url",
    ],
)
def test_left_unchanged(link):
    assert resolve_aggregator_link(link) == link


def test_non_string_link_returned_as_is():
    assert resolve_aggregator_link(None) is None  # type: ignore[arg-type]


# --- corpus tests ----------------------------------------------------------


def _corpus_feed(name: str) -> Path:
    path = REAL_OUTLETS / name
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return path


def _assert_publisher_url(url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https"), url
    host = (parts.hostname or "").lower()
    assert host, url
    for aggregator in ("bing.com", "google.com"):
        assert host != aggregator and not host.endswith("." + aggregator), url
    assert not is_opaque_aggregator_link(url)


@pytest.mark.parametrize(
    ("name", "expected_count"),
    [
        ("prof18__bing_news_madrid.xml", 1),
        ("feedjira__google_alerts.atom", 20),
        ("prof18__google_news_BE_fr_2020.xml", 1),
    ],
)
def test_corpus_aggregator_feeds_resolve(name, expected_count):
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse(str(_corpus_feed(name)))
    assert len(parsed.entries) == expected_count
    for entry in parsed.entries:
        link = entry.get("link")
        assert link
        resolved = resolve_aggregator_link(link, entry)
        assert resolved != link
        _assert_publisher_url(resolved)


def test_corpus_google_news_description_links_resolve():
    text = _corpus_feed("prof18__google_news_BE_fr_2020.xml").read_text(encoding="utf-8")
    links = set(re.findall(r"https://news\.google\.com/__i/rss/rd/articles/[A-Za-z0-9_\-]+\?oc=5", text))
    assert len(links) >= 5
    for link in links:
        _assert_publisher_url(resolve_aggregator_link(link))


@pytest.mark.parametrize(
    ("name", "publisher"),
    [
        ("feedjira__techcrunch.rss", "techcrunch.com"),
        ("rnrss__reuters.xml", "reuters.com"),
        ("rssparser__jn_pt.rss", "jn.pt"),
        ("nodefp__washingtonpost_wellness.rss", "washingtonpost.com"),
    ],
)
def test_corpus_feed_proxy_origlinks(name, publisher):
    feedparser = pytest.importorskip("feedparser")
    parsed = feedparser.parse(str(_corpus_feed(name)))
    with_orig = [e for e in parsed.entries if e.get("feedburner_origlink") or e.get("pheedo_origlink")]
    assert with_orig
    for entry in with_orig:
        resolved = resolve_aggregator_link(entry.get("link", ""), entry)
        host = urlsplit(resolved).hostname or ""
        assert host == publisher or host.endswith("." + publisher), resolved
        assert "&amp;" not in resolved


def test_corpus_plain_links_never_rewritten():
    """Direct publisher links in every real feed come back unchanged."""
    feedparser = pytest.importorskip("feedparser")
    _corpus_feed("SUMMARY.tsv")
    checked = 0
    for path in sorted(REAL_OUTLETS.iterdir()):
        if path.suffix == ".tsv":
            continue
        for entry in feedparser.parse(str(path)).entries:
            link = entry.get("link")
            if not link or any(k.endswith("_origlink") for k in entry.keys()):
                continue
            host = (urlsplit(link).hostname or "").lower()
            if host.endswith(("bing.com", "google.com")) and host != "blog.google":
                continue
            assert resolve_aggregator_link(link, entry) == link
            assert not is_opaque_aggregator_link(link)
            checked += 1
    assert checked > 100
