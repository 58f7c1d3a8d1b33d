"""The sources file (TOML): parsing and validation, before anything is fetched.

Every problem is reported as one line naming the file, the entry and what is wrong, e.g.
``sources.toml: feeds[3]: url must be http(s), got 'ftp://example.com/feed'``.

Every ``[fetch]`` number has a range (``FETCH_LIMITS``): ``inf``, ``nan``, a negative delay or a
billion retries are refused with the range in the message, as is a ``user_agent`` that is not one
line of printable ASCII of at most ``MAX_USER_AGENT`` characters (CR LF would inject headers and
makes every request fail; a 100 KB agent gets HTTP 431 everywhere). ``FetchPolicy`` checks the
same rules when it is built in code (ValueError), so no fetcher ever holds an unusable policy: a
fault of our own configuration must never be taken for a fault of the URLs.

Feed and page URLs are canonicalised as links are (``extractors.urls.canonicalize``: scheme and
host lower-cased, default port and fragment dropped, query sorted; the path keeps its case) and
listed once: ``HTTPS://Example.COM/feed`` and ``https://example.com/feed`` are one feed.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from .errors import SourcesError
from .urls import canonicalize

DEFAULT_USER_AGENT = (
    "chipwire/0.1 (news monitor for AI-chip export-control research; "
    "set [fetch] user_agent in your sources file to add a contact address)"
)
MAX_USER_AGENT = 500  # characters; real agents are under 200, servers refuse headers of 8 KB+

# key -> (python types accepted, lowest, highest, unit): every number of [fetch] is bounded
FETCH_LIMITS: dict[str, tuple[tuple[type, ...], float, float, str]] = {
    "per_host_concurrency": ((int,), 1, 64, "requests"),
    "per_host_delay": ((int, float), 0, 300, "seconds"),
    "timeout": ((int, float), 1, 300, "seconds"),
    "deadline": ((int, float), 1, 3600, "seconds"),
    "max_bytes": ((int,), 10_000, 100_000_000, "bytes"),
    "retries": ((int,), 1, 10, "attempts"),
    "budget": ((int, float), 10, 86_400, "seconds"),
}


def limit_problem(key: str, value: object) -> str | None:
    """Why ``value`` is not acceptable for the [fetch] key ``key`` (None: it is)."""
    if key in FETCH_LIMITS:
        types, lo, hi, unit = FETCH_LIMITS[key]
        whole = types == (int,)
        kind = "a whole number" if whole else "a number"
        if (isinstance(value, bool) or not isinstance(value, types) or not math.isfinite(value)
                or not lo <= value <= hi):
            return f"{key} must be {kind} of {unit} from {lo:,} to {hi:,}, got {value!r}"
        return None
    if key == "user_agent":
        return user_agent_problem(value)
    if key == "respect_robots" and not isinstance(value, bool):
        return f"respect_robots must be true or false, got {value!r}"
    return None


def user_agent_problem(value: object) -> str | None:
    shown = repr(value)[:60] + ("..." if len(repr(value)) > 60 else "")
    if not isinstance(value, str) or not value.strip():
        return f"user_agent must be a non-empty string, got {shown}"
    if len(value) > MAX_USER_AGENT:
        return f"user_agent must be at most {MAX_USER_AGENT} characters, got {len(value):,}"
    if any(not 0x20 <= ord(c) <= 0x7E for c in value):
        return f"user_agent must be one line of printable ASCII (no control characters such as CR LF), got {shown}"
    return None


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to fetch. Defaults suit public news sites. Every value is
    checked against ``FETCH_LIMITS`` when the policy is built (ValueError)."""

    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 20.0  # connect and read timeout, seconds
    deadline: float = 60.0  # whole response, seconds
    max_bytes: int = 10_000_000  # decoded body cap
    retries: int = 3  # attempts per URL within one run, for transient failures
    respect_robots: bool = True
    # seconds a scheduled ingest spends fetching pages (fits the 30-minute schedule with its
    # polling, extraction and classification); what is left stays pending for the next run
    budget: float = 1200.0

    def __post_init__(self) -> None:
        for f in fields(self):
            problem = limit_problem(f.name, getattr(self, f.name))
            if problem:
                raise ValueError(problem)


@dataclass(frozen=True)
class FeedSource:
    url: str
    name: str | None = None


@dataclass(frozen=True)
class PageSource:
    url: str


@dataclass(frozen=True)
class Sources:
    path: str
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    feeds: tuple[FeedSource, ...] = ()
    pages: tuple[PageSource, ...] = ()


_FETCH_KEYS = tuple(f.name for f in fields(FetchPolicy))
_FEED_KEYS = {"url", "name"}
_PAGE_KEYS = {"url"}
_TOP_KEYS = {"fetch", "feeds", "pages"}


def _fail(path: str, where: str, problem: str) -> SourcesError:
    return SourcesError(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")


def _check_url(path: str, where: str, value: object) -> str:
    """The URL, validated and canonicalised (what the fetcher, the frontier and the feeds table use)."""
    if not isinstance(value, str):
        raise _fail(path, where, f"url must be a string, got {type(value).__name__}")
    url = value.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise _fail(path, where, f"url has control characters: {url!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError as err:
        raise _fail(path, where, f"url is malformed ({err}): {url!r}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _fail(path, where, f"url must be http(s), got {url!r}")
    if not parts.hostname:
        raise _fail(path, where, f"url has no host: {url!r}")
    return canonicalize(url)


def _entries(path: str, data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _fail(path, key, f"must be an array of tables ([[{key}]]), got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise _fail(path, f"{key}[{i}]", "must be a table with a url")
    return value


def _fetch_policy(path: str, data: dict) -> FetchPolicy:
    fetch_raw = data.get("fetch", {})
    if not isinstance(fetch_raw, dict):
        raise _fail(path, "fetch", "must be a table")
    kwargs = {}
    for key, value in fetch_raw.items():
        if key not in _FETCH_KEYS:
            raise _fail(path, "fetch", f"unknown key {key!r} (allowed: {', '.join(_FETCH_KEYS)})")
        problem = limit_problem(key, value)
        if problem:
            raise _fail(path, "fetch", problem)
        kwargs[key] = float(value) if float in FETCH_LIMITS.get(key, ((),))[0] else value
    return FetchPolicy(**kwargs)


def _feeds(path: str, data: dict) -> tuple[FeedSource, ...]:
    feeds: list[FeedSource] = []
    seen: set[str] = set()
    for i, item in enumerate(_entries(path, data, "feeds")):
        where = f"feeds[{i}]"
        extra = sorted(set(item) - _FEED_KEYS)
        if extra:
            raise _fail(path, where, f"unknown key {extra[0]!r} (allowed: url, name)")
        if "url" not in item:
            raise _fail(path, where, "missing url")
        url = _check_url(path, where, item["url"])
        name = item.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise _fail(path, where, f"name must be a non-empty string, got {name!r}")
        if url not in seen:  # the same feed written twice (or in another letter case): first one wins
            seen.add(url)
            feeds.append(FeedSource(url=url, name=name.strip() if name else None))
    return tuple(feeds)


def _pages(path: str, data: dict) -> tuple[PageSource, ...]:
    pages: list[PageSource] = []
    seen: set[str] = set()
    for i, item in enumerate(_entries(path, data, "pages")):
        where = f"pages[{i}]"
        extra = sorted(set(item) - _PAGE_KEYS)
        if extra:
            raise _fail(path, where, f"unknown key {extra[0]!r} (allowed: url)")
        if "url" not in item:
            raise _fail(path, where, "missing url")
        url = _check_url(path, where, item["url"])
        if url not in seen:
            seen.add(url)
            pages.append(PageSource(url=url))
    return tuple(pages)


def parse_sources(text: str, path: str = "sources.toml") -> Sources:
    """Validate the TOML text of a sources file and return it as frozen dataclasses."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _fail(path, "", f"not valid TOML: {err}") from None

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise _fail(path, "", f"unknown key {unknown[0]!r} (allowed: fetch, feeds, pages)")
    policy = _fetch_policy(path, data)
    return Sources(path=path, fetch=policy, feeds=_feeds(path, data), pages=_pages(path, data))


def load_sources(path: str | Path) -> Sources:
    """Read and validate a sources file; a missing or unreadable file is a SourcesError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{p}: no such file (pass --sources FILE or set CHIPWIRE_SOURCES)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SourcesError(f"{p}: cannot read: {err}") from None
    return parse_sources(text, str(p))
