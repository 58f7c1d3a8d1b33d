"""The sources file: what is accepted, and the one-line error for everything that is not."""

from __future__ import annotations

import pytest

from extractors.errors import SourcesError
from extractors.sources import DEFAULT_USER_AGENT, FeedSource, FetchPolicy, PageSource, load_sources, parse_sources

VALID = """
[fetch]
per_host_concurrency = 3
per_host_delay = 2          # an integer is accepted as seconds
user_agent = "chipwire-test/1.0 (+mailto:ops@example.org)"
respect_robots = false

[[feeds]]
url = "https://www.bis.doc.gov/index.php/rss"
name = "  BIS press releases  "

[[feeds]]
url = "https://www.theregister.com/headlines.atom"

[[pages]]
url = "https://example.com/2025/05/some-article/"
"""


def write(tmp_path, text: str, name: str = "my-sources.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text: str, name: str = "my-sources.toml") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, f"error must be one line: {message!r}"
    assert name in message, f"error must name the file: {message!r}"
    return message


# -- valid files --------------------------------------------------------------------------------


def test_valid_file_is_read_into_frozen_dataclasses(tmp_path):
    src = load_sources(write(tmp_path, VALID))
    assert src.path.endswith("my-sources.toml")
    assert src.fetch.per_host_concurrency == 3
    assert src.fetch.per_host_delay == 2.0 and isinstance(src.fetch.per_host_delay, float)
    assert src.fetch.user_agent == "chipwire-test/1.0 (+mailto:ops@example.org)"
    assert src.fetch.respect_robots is False
    # keys not given keep the defaults
    assert src.fetch.timeout == FetchPolicy().timeout
    assert src.feeds == (
        FeedSource(url="https://www.bis.doc.gov/index.php/rss", name="BIS press releases"),
        FeedSource(url="https://www.theregister.com/headlines.atom", name=None),
    )
    assert src.pages == (PageSource(url="https://example.com/2025/05/some-article/"),)
    with pytest.raises(AttributeError):
        src.feeds[0].url = "https://elsewhere.example/"  # type: ignore[misc]


def test_empty_file_gives_defaults(tmp_path):
    src = load_sources(write(tmp_path, "# nothing yet\n"))
    assert src.feeds == () and src.pages == ()
    assert src.fetch == FetchPolicy()
    assert src.fetch.user_agent == DEFAULT_USER_AGENT


def test_duplicates_are_collapsed_first_one_wins(tmp_path):
    src = parse_sources(
        """
[[feeds]]
url = "https://example.com/feed.xml"
name = "First"
[[feeds]]
url = "  https://example.com/feed.xml  "
name = "Second"
[[feeds]]
url = "https://example.com/other.xml"
[[pages]]
url = "https://example.com/a"
[[pages]]
url = "https://example.com/a"
""",
        "dup.toml",
    )
    assert [f.url for f in src.feeds] == ["https://example.com/feed.xml", "https://example.com/other.xml"]
    assert src.feeds[0].name == "First"
    assert src.pages == (PageSource(url="https://example.com/a"),)


def test_loopback_addresses_listed_by_the_user_are_accepted(tmp_path):
    src = parse_sources('[[feeds]]\nurl = "http://127.0.0.1:8123/rss.xml"\n')
    assert src.feeds[0].url == "http://127.0.0.1:8123/rss.xml"


# -- errors: one line, file, entry, problem -----------------------------------------------------


def test_unknown_top_level_key(tmp_path):
    msg = error_of(tmp_path, VALID + '\n[[feed]]\nurl = "https://example.com/x"\n')
    assert "unknown key 'feed'" in msg


def test_unknown_key_in_a_feed_names_the_entry(tmp_path):
    msg = error_of(
        tmp_path,
        '[[feeds]]\nurl = "https://a.example/rss"\n\n[[feeds]]\nurl = "https://b.example/rss"\ntitle = "B"\n',
    )
    assert "feeds[1]" in msg and "unknown key 'title'" in msg


def test_unknown_key_in_fetch(tmp_path):
    msg = error_of(tmp_path, "[fetch]\nconcurrency = 2\n")
    assert "fetch" in msg and "unknown key 'concurrency'" in msg


def test_missing_url(tmp_path):
    msg = error_of(tmp_path, '[[feeds]]\nurl = "https://a.example/rss"\n[[feeds]]\nname = "no url"\n')
    assert "feeds[1]" in msg and "missing url" in msg


def test_missing_url_in_pages(tmp_path):
    msg = error_of(tmp_path, "[[pages]]\n")
    assert "pages[0]" in msg and "missing url" in msg


@pytest.mark.parametrize(
    "url, problem",
    [
        ("ftp://example.com/feed", "http(s)"),
        ("file:///etc/passwd", "http(s)"),
        ("javascript:alert(1)", "http(s)"),
        ("example.com/feed.xml", "http(s)"),
        ("https:///no-host", "no host"),
        ("http://[::1/feed", "malformed"),
        ("http://example.com:99999/feed", "malformed"),
    ],
)
def test_bad_urls(tmp_path, url, problem):
    msg = error_of(tmp_path, f'[[feeds]]\nurl = "https://ok.example/rss"\n[[feeds]]\nurl = "{url}"\n')
    assert "feeds[1]" in msg and problem in msg and url in msg


def test_url_of_wrong_type(tmp_path):
    msg = error_of(tmp_path, "[[pages]]\nurl = 42\n")
    assert "pages[0]" in msg and "must be a string" in msg


@pytest.mark.parametrize(
    "line, key",
    [
        ('per_host_concurrency = "2"', "per_host_concurrency"),
        ("per_host_concurrency = true", "per_host_concurrency"),
        ("per_host_concurrency = 1.5", "per_host_concurrency"),
        ("per_host_concurrency = 0", "per_host_concurrency"),
        ("per_host_delay = -1", "per_host_delay"),
        ("per_host_delay = false", "per_host_delay"),
        ("per_host_delay = nan", "per_host_delay"),
        ('user_agent = "   "', "user_agent"),
        ("respect_robots = 1", "respect_robots"),
        ("max_bytes = 0", "max_bytes"),
    ],
)
def test_wrong_types_and_values_in_fetch(tmp_path, line, key):
    msg = error_of(tmp_path, f"[fetch]\n{line}\n")
    assert "fetch" in msg and key in msg and "must be" in msg


def test_name_of_wrong_type(tmp_path):
    msg = error_of(tmp_path, '[[feeds]]\nurl = "https://a.example/rss"\nname = 3\n')
    assert "feeds[0]" in msg and "name" in msg


@pytest.mark.parametrize(
    "text, where",
    [
        ('[feeds]\nurl = "https://a.example/rss"\n', "feeds"),  # a table, not an array of tables
        ('feeds = ["https://a.example/rss"]\n', "feeds[0]"),
        ("fetch = 3\n", "fetch"),
    ],
)
def test_wrong_shapes(tmp_path, text, where):
    msg = error_of(tmp_path, text)
    assert where in msg


def test_invalid_toml(tmp_path):
    msg = error_of(tmp_path, '[[feeds]]\nurl = "https://a.example/rss\n')
    assert "not valid TOML" in msg and "line" in msg


def test_missing_file(tmp_path):
    missing = tmp_path / "nowhere" / "absent-sources.toml"
    with pytest.raises(SourcesError) as info:
        load_sources(missing)
    msg = str(info.value)
    assert "\n" not in msg and "absent-sources.toml" in msg and "no such file" in msg


def test_unreadable_bytes(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[[feeds]]\nname = "M\xfcller"\nurl = "https://a.example/"\n')
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert "latin.toml" in str(info.value) and "\n" not in str(info.value)


def test_parse_sources_names_the_given_path():
    with pytest.raises(SourcesError, match=r"^deploy/sources\.toml: feeds\[0\]: missing url$"):
        parse_sources("[[feeds]]\n", "deploy/sources.toml")


# -- header values and absurd numbers (issue 12, items 3 and 8) ----------------------------------


@pytest.mark.parametrize("value, why", [
    ('"chipwire/1.0\\r\\nX-Injected: 1"', "control characters"),
    ('"chipwire/1.0\\nmore"', "control characters"),
    ('"chipwire\\u0000/1.0"', "control characters"),
    ('"chipwire\\u007f"', "control characters"),
    ('"chipwire/1.0 caf\\u00e9"', "printable ASCII"),
    ('"' + "x" * 100_000 + '"', "at most 500 characters"),
    ("42", "non-empty string"),
])
def test_user_agent_that_cannot_be_sent_is_refused(tmp_path, value, why):
    msg = error_of(tmp_path, f"[fetch]\nuser_agent = {value}\n")
    assert "fetch" in msg and "user_agent" in msg and why in msg
    assert len(msg) < 300  # one readable line, not the 100 KB value


def test_a_reasonable_user_agent_with_a_contact_is_accepted(tmp_path):
    ua = "chipwire/0.1 (+https://example.org/contact; mailto:ops@example.org)"
    assert load_sources(write(tmp_path, f'[fetch]\nuser_agent = "{ua}"\n')).fetch.user_agent == ua


NUMERIC_KEYS = ["per_host_concurrency", "per_host_delay", "timeout", "deadline", "max_bytes", "retries", "budget"]


@pytest.mark.parametrize("key", NUMERIC_KEYS)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "-1", "1e9", "1000000000", "0"])
def test_every_fetch_number_is_bounded(tmp_path, key, value):
    if key == "per_host_delay" and value == "0":
        return  # no delay is a valid choice (loopback sites, the demo)
    msg = error_of(tmp_path, f"[fetch]\n{key} = {value}\n")
    assert "fetch" in msg and key in msg
    assert " from " in msg and " to " in msg, msg  # the allowed range is named


@pytest.mark.parametrize("key", NUMERIC_KEYS)
def test_every_fetch_number_at_its_bounds_is_accepted(tmp_path, key):
    from extractors.sources import FETCH_LIMITS

    _types, lo, hi, _unit = FETCH_LIMITS[key]
    for value in (lo, hi):
        src = load_sources(write(tmp_path, f"[fetch]\n{key} = {value}\n"))
        assert getattr(src.fetch, key) == value


def test_a_policy_built_in_code_is_checked_too():
    with pytest.raises(ValueError, match="per_host_delay"):
        FetchPolicy(per_host_delay=float("inf"))
    with pytest.raises(ValueError, match="user_agent"):
        FetchPolicy(user_agent="a\r\nb")
    with pytest.raises(ValueError, match="retries"):
        FetchPolicy(retries=10**9)


# -- one feed, however its URL is written (issue 12, item 9) -------------------------------------


def test_feed_and_page_urls_are_canonicalised_and_listed_once(tmp_path):
    src = parse_sources(
        """
[[feeds]]
url = "https://example.com/Feed.xml"
name = "First"
[[feeds]]
url = "HTTPS://EXAMPLE.COM:443/Feed.xml#top"
name = "Second"
[[feeds]]
url = "https://Example.com/feed.xml"
[[feeds]]
url = "https://www.bing.com/news/search?q=Nvidia&format=rss"
[[feeds]]
url = "https://www.bing.com/news/search?format=rss&q=Nvidia&utm_source=x"
[[pages]]
url = "HTTP://Example.COM:80/a/../Story"
[[pages]]
url = "http://example.com/Story"
""", "case.toml")
    # the path keeps its case: /Feed.xml and /feed.xml are two feeds
    assert [(f.url, f.name) for f in src.feeds] == [
        ("https://example.com/Feed.xml", "First"), ("https://example.com/feed.xml", None),
        ("https://www.bing.com/news/search?format=rss&q=Nvidia", None)]
    assert src.pages == (PageSource(url="http://example.com/Story"),)
