"""The sources file (TOML): parsing and validation, before anything is fetched.

Every problem is reported as one line naming the file, the entry and what is wrong, e.g.
``sources.toml: feeds[3]: url must be http(s), got 'ftp://example.com/feed'``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import SourcesError

DEFAULT_USER_AGENT = (
    "chipwire/0.1 (news monitor for AI-chip export-control research; "
    "set [fetch] user_agent in your sources file to add a contact address)"
)


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to fetch. Defaults suit public news sites."""

    per_host_concurrency: int = 2
    per_host_delay: float = 1.0
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 20.0  # connect and read timeout, seconds
    deadline: float = 60.0  # whole response, seconds
    max_bytes: int = 10_000_000  # decoded body cap
    retries: int = 3  # attempts per URL within one run, for transient failures
    respect_robots: bool = True


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


# key -> (accepted python types, check, description)
_FETCH_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "per_host_concurrency": ((int,), "a whole number >= 1"),
    "per_host_delay": ((int, float), "a number of seconds >= 0"),
    "user_agent": ((str,), "a non-empty string"),
    "timeout": ((int, float), "a number of seconds > 0"),
    "deadline": ((int, float), "a number of seconds > 0"),
    "max_bytes": ((int,), "a whole number of bytes > 0"),
    "retries": ((int,), "a whole number >= 1"),
    "respect_robots": ((bool,), "true or false"),
}
_FEED_KEYS = {"url", "name"}
_PAGE_KEYS = {"url"}
_TOP_KEYS = {"fetch", "feeds", "pages"}


def _fail(path: str, where: str, problem: str) -> SourcesError:
    return SourcesError(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")


def _check_value(key: str, value: object) -> bool:
    if key in ("per_host_concurrency", "retries"):
        return value >= 1
    if key == "per_host_delay":
        return value >= 0
    if key in ("timeout", "deadline", "max_bytes"):
        return value > 0
    if key == "user_agent":
        return bool(value.strip())
    return True


def _check_url(path: str, where: str, value: object) -> str:
    if not isinstance(value, str):
        raise _fail(path, where, f"url must be a string, got {type(value).__name__}")
    url = value.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError as err:
        raise _fail(path, where, f"url is malformed ({err}): {url!r}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _fail(path, where, f"url must be http(s), got {url!r}")
    if not parts.hostname:
        raise _fail(path, where, f"url has no host: {url!r}")
    return url


def _entries(path: str, data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _fail(path, key, f"must be an array of tables ([[{key}]]), got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise _fail(path, f"{key}[{i}]", "must be a table with a url")
    return value


def parse_sources(text: str, path: str = "sources.toml") -> Sources:
    """Validate the TOML text of a sources file and return it as frozen dataclasses."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _fail(path, "", f"not valid TOML: {err}") from None

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise _fail(path, "", f"unknown key {unknown[0]!r} (allowed: fetch, feeds, pages)")

    fetch_raw = data.get("fetch", {})
    if not isinstance(fetch_raw, dict):
        raise _fail(path, "fetch", "must be a table")
    fetch_kwargs = {}
    for key, value in fetch_raw.items():
        if key not in _FETCH_KEYS:
            raise _fail(path, "fetch", f"unknown key {key!r} (allowed: {', '.join(_FETCH_KEYS)})")
        types, description = _FETCH_KEYS[key]
        ok_type = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok_type or not _check_value(key, value):
            raise _fail(path, "fetch", f"{key} must be {description}, got {value!r}")
        fetch_kwargs[key] = float(value) if float in types else value
    policy = FetchPolicy(**fetch_kwargs)

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
        if url not in seen:
            seen.add(url)
            feeds.append(FeedSource(url=url, name=name.strip() if name else None))

    pages: list[PageSource] = []
    seen_pages: set[str] = set()
    for i, item in enumerate(_entries(path, data, "pages")):
        where = f"pages[{i}]"
        extra = sorted(set(item) - _PAGE_KEYS)
        if extra:
            raise _fail(path, where, f"unknown key {extra[0]!r} (allowed: url)")
        if "url" not in item:
            raise _fail(path, where, "missing url")
        url = _check_url(path, where, item["url"])
        if url not in seen_pages:
            seen_pages.add(url)
            pages.append(PageSource(url=url))

    return Sources(path=path, fetch=policy, feeds=tuple(feeds), pages=tuple(pages))


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
