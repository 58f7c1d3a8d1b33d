"""A small threaded HTTP server for the bundled sample sites (and for the tests).

Each site gets its own port on 127.0.0.1, so each is its own origin, like real outlets. Files
are served from a folder with ``{{BASE}}`` replaced by the site's base URL (``{{BASE:name}}``
by another site's), with ETag and
Last-Modified, answering conditional requests with 304 — what a well-behaved news site does.
Tests add ``routes``: a path mapped to a callable that returns (status, headers, body), for
flaky, dead, slow or hostile answers.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Route = Callable[["BaseHTTPRequestHandler"], tuple[int, dict[str, str], bytes | None]]

_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
}
LAST_MODIFIED = formatdate(1_750_000_000, usegmt=True)


@dataclass
class Site:
    """One outlet: files under ``root`` (optional) plus programmable ``routes``."""

    root: Path | None = None
    prefix: str = ""  # URL path prefix, e.g. "/techpolicywire"
    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    peers: dict[str, str] = field(default_factory=dict)  # other sites' bases, for {{BASE:name}}
    port: int = 0  # 0: any free port; a test may bring a site back up on the port it had

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def base(self) -> str:
        return self.origin + self.prefix

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")


class SiteHandler(BaseHTTPRequestHandler):
    """Serves one `Site` (``site``, set by `make_handler`): its routes, then its files."""

    site: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        self.site.hits[path] = self.site.hits.get(path, 0) + 1
        self.site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.site.routes.get(path) or self.site.routes.get(self.path)
        if route is not None:
            status, headers, body = route(self)
            if status is None:  # the route wrote the response itself
                return
            self._send(status, headers, body)
            return
        self._serve_file(path)

    def _serve_file(self, path: str) -> None:
        if path == "/robots.txt" and self.site.prefix and self.site.root is not None:
            path = self.site.prefix + "/robots.txt"  # each site's robots.txt lives at its port's root
        if self.site.root is None or not path.startswith(self.site.prefix + "/"):
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        rel = path[len(self.site.prefix) + 1:] or "index.html"
        target = (self.site.root / rel).resolve()
        if self.site.root.resolve() not in target.parents or not target.is_file():
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        body = target.read_bytes().replace(b"{{BASE}}", self.site.base.encode())
        for name, base in self.site.peers.items():
            body = body.replace(b"{{BASE:" + name.encode() + b"}}", base.encode())
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag or (
            not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self._send(304, {"ETag": etag, "Last-Modified": LAST_MODIFIED}, None)
            return
        ctype = _TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, {"Content-Type": ctype, "ETag": etag, "Last-Modified": LAST_MODIFIED}, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes | None) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass



def make_handler(site: Site) -> type[SiteHandler]:
    return type("Handler", (SiteHandler,), {"site": site})


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (the fetcher cutting an oversized or slow answer) is normal."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class LoopbackSites:
    """Serve several sites, each on its own loopback port, in background threads."""

    def __init__(self, sites: dict[str, Site]):
        self.sites = sites
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> LoopbackSites:
        for site in self.sites.values():
            server = QuietServer(("127.0.0.1", site.port), make_handler(site))
            site.server = server
            t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            t.start()
            self._threads.append(t)
        bases = {name: site.base for name, site in self.sites.items()}
        for site in self.sites.values():
            site.peers = bases
        return self

    def __exit__(self, *exc) -> None:
        for site in self.sites.values():
            if site.server is not None:
                site.server.shutdown()
                site.server.server_close()

    def __getitem__(self, name: str) -> Site:
        return self.sites[name]


def bundled_sites_dir() -> Path:
    return Path(__file__).resolve().parent / "sites"


def bundled_sites() -> dict[str, Site]:
    root = bundled_sites_dir()
    return {
        d.name: Site(root=d, prefix="/" + d.name)
        for d in sorted(root.iterdir())
        if d.is_dir() and not d.name.startswith((".", "_"))
    }
