"""What a fetch asks for and what it gets back: shared by the fetcher (`flows.fetch`) and the
reading of responses (`flows.responses`), which would otherwise import each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .errors import FetchError


@dataclass(frozen=True)
class FetchRequest:
    url: str
    kind: str = "page"  # page | feed | robots
    # the origin whose non-public addresses this request may reach, and which ones: None = the
    # user listed ``url`` (it may reach any address as given; later hops on the origin, the ones
    # it was fetched from); a set = a link found in a document fetched from those addresses
    trusted_origin: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    trusted_addresses: frozenset[str] | None = None


@dataclass
class FetchResult:
    request: FetchRequest
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None
    attempts: int = 0
    error: FetchError | None = None
    peers: dict[str, set[str]] = field(default_factory=dict)  # origin -> addresses connected to
    truncated: bool = False  # the body was cut at the cap on purpose (robots.txt)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.status == 304
