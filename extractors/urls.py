"""URL canonicalisation, site identity and article ids.

courlan does the heavy lifting (lower-casing, default ports, tracking parameters, sorted
query); we add what it leaves: dot segments, fragments, and the rules of the contract for
``canonical_url`` and ``article_id``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import posixpath
from urllib.parse import urljoin, urlsplit, urlunsplit

import courlan


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host; surrounding whitespace is tolerated.

    Control characters anywhere are refused: ``urlsplit`` silently drops leading C0 controls
    (WHATWG behaviour), so ``"\\x00http://\\x00"`` would otherwise pass with a NUL host.
    """
    if not url or not isinstance(url, str):
        return False
    url = url.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def canonicalize(url: str) -> str:
    """A stable form of ``url``: same page, same string. Idempotent.

    Lower-cases scheme and host, drops default ports, fragments and tracking parameters
    (utm_*, fbclid, gclid, ...), sorts the query, resolves ``.``/``..`` segments.
    Non-http(s) input is returned stripped but otherwise untouched.
    """
    url = url.strip()
    if not is_http_url(url):
        return url
    parts = urlsplit(url)
    path = parts.path or "/"
    if "/." in path:
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        if trailing and not path.endswith("/"):
            path += "/"
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    try:
        url = courlan.normalize_url(url, strict=False)
    except Exception:  # courlan is defensive, but never let a URL kill a batch
        pass
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def absolutize(link: str, base: str) -> str:
    return urljoin(base, link.strip())


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def site_of(url: str) -> str:
    """The site a URL belongs to: its registered domain (``news.bbc.co.uk`` -> ``bbc.co.uk``);
    for IP addresses and single-label hosts (loopback test servers), host and port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or _is_ip(host) or "." not in host:
        return parts.netloc.lower()
    domain = courlan.extract_domain(url)
    return (domain or host).lower()


# path segments under which a host publishes one outlet per name (/blogs/alice/..., /user/bob/...)
_HANDLE_DIRS = frozenset({"blog", "blogs", "user", "users", "author", "authors", "people", "u", "members",
                          "profile", "profiles", "community", "column", "columns", "columnists"})
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def _name_key(name: str | None) -> str:
    """A declared outlet name as a key: lower case, letters and digits only."""
    return "".join(c for c in (name or "").lower() if c.isalnum())[:60]


def outlet_of(url: str, site_name: str | None = None) -> str | None:
    """The outlet a page belongs to, the unit whose recurring furniture is learnt.

    Several outlets can share a registered domain (platform-hosted blogs, sections run as
    separate publications), so the key is finer than ``site_of``:

    - the host (``www.``, ``m.``, ``amp.`` dropped: one outlet's mobile and desktop pages);
    - plus a handle path prefix when the URL names one (``/@alice``, ``/~bob``,
      ``/blogs/alice``, ``/user/bob``);
    - plus the declared site name (og:site_name, JSON-LD publisher, or a name the user
      declared), lower-cased, letters and digits only, when the page has one;
    - a page without an http(s) URL (a saved file without a canonical link) is keyed by its
      declared name alone (``name:acmefurniture``), and has no outlet without one.
    """
    name = _name_key(site_name)
    if not is_http_url(url):
        return f"name:{name}" if name else None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host or _is_ip(host) or "." not in host:
        host = parts.netloc.lower()
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    segments = [s.lower() for s in parts.path.split("/") if s]
    if len(segments) >= 2 and segments[0][:1] in ("@", "~"):
        host += "/" + segments[0]
    elif len(segments) >= 3 and segments[0] in _HANDLE_DIRS:
        host += "/" + "/".join(segments[:2])
    return f"{host}|{name}" if name else host


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) as the same-origin rule compares them."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def choose_canonical(final_url: str, declared: str | None) -> tuple[str, str | None]:
    """Apply the contract's rule to a page fetched at ``final_url`` that declares ``declared``
    as rel=canonical. Returns (canonical_url, syndicated_from):

    - a canonical on the page's own site is the page's canonical URL;
    - one on another site marks a syndicated copy: the copy keeps its own URL as canonical
      (it stays its own article) and remembers the original in ``syndicated_from``.
    """
    own = canonicalize(final_url)
    if not declared or not declared.strip():
        return own, None
    target = absolutize(declared, final_url)
    if not is_http_url(target):
        return own, None
    target = canonicalize(target)
    if not is_http_url(own):  # a saved file (file://) that names its web address: that is its URL
        return target, None
    if site_of(target) == site_of(own):
        return target, None
    return own, target


def article_id(canonical_url: str) -> str:
    """Stable id of an article: a short hash of its canonical URL on its own site."""
    return hashlib.sha256(canonicalize(canonical_url).encode("utf-8")).hexdigest()[:20]
