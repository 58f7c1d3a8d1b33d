"""Errors of the flows package (the I/O edges and the CLI).

    FlowError
    ├── FetchError                 a URL could not be fetched; ``stage``, ``transient`` and ``ours`` say how
    │   ├── TransientFetchError    timeouts, connection resets, 408/429/5xx: retried (now and next run)
    │   │   ├── NetworkError       the host could not be reached at all (DNS, refused, unreachable):
    │   │   │                      when most feeds of a run fail so, the network is down, not the feeds
    │   │   └── ClientFault        our own doing, not the URL's (HTTP 431 for our headers, an error of our
    │   │                          code or of the client building the request): the URL stays pending and
    │   │                          is never given up; not retried within the run
    │   └── TerminalFetchError     other 4xx, too large, not HTML: recorded, not retried
    │       ├── RefusedURL         an address a feed may not make us visit (SSRF), or a non-http URL
    │       └── RobotsDisallowed   the site's robots.txt forbids it

    Interrupted (a KeyboardInterrupt)   Ctrl-C or SIGTERM: the run stops, keeps what it stored
"""

from __future__ import annotations


class FlowError(Exception):
    pass


class Interrupted(KeyboardInterrupt):
    """The user stopped the command (SIGINT: Ctrl-C, or SIGTERM); ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class FetchError(FlowError):
    stage = "fetch"
    transient = False
    ours = False  # True: a fault of our configuration or code, never a reason to give the URL up

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class TransientFetchError(FetchError):
    transient = True


class NetworkError(TransientFetchError):
    """No connection could be made: ``short`` says why in a few words (``connection refused``,
    ``DNS lookup failed``, ``network unreachable``, ``connect timeout``)."""

    def __init__(self, reason: str, short: str):
        super().__init__(reason)
        self.short = short


class ClientFault(TransientFetchError):
    ours = True


class TerminalFetchError(FetchError):
    transient = False


class RefusedURL(TerminalFetchError):
    stage = "refused"


class RobotsDisallowed(TerminalFetchError):
    stage = "robots"
