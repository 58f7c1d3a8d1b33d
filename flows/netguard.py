"""Which addresses the fetcher may connect to, checked on the connection itself (no SSRF).

The rule (docs/operations.md, "Security"), per hop of a request (a redirect is a new hop):

- the URL a user listed (sources file, ``--urls``, ``--sitemap``), as given, may reach any
  address: it is trusted as given;
- a hop on the same origin later in that request (a redirect), and a link found in a feed or a
  sitemap on the document's own origin, may reach public addresses and the addresses the
  listed URL or the document was actually fetched from, nothing else: a name that answered a
  public address for the feed and 127.0.0.1 for its links does not reach 127.0.0.1;
- anything else: public addresses only.

"Public" is ``is_public_address``: globally routable unicast, and IPv6 forms that embed a
private IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by that address;
transition and deprecated ranges that no public server needs (Teredo, site-local, local-use
NAT64, SIIT, ORCHID, documentation, ...) are refused outright. Python's ``is_global`` calls
``[::7f00:1]``, ``[64:ff9b::7f00:1]`` or ``2002:7f00:1::`` global: those holes are closed here.

Where it is checked: the hop's host is resolved once (``resolve_checked``), every answer is
checked, and the connection may use exactly those answers: ``GuardedConnector`` asks
``PinnedResolver``, which hands back the addresses pinned for the running hop (a context
variable, so each asyncio task sees its own hop) and never resolves again; then it checks the
peer address of the connection it hands out, pooled ones included. DNS rebinding (public to the
check, 127.0.0.1 to the connection) thus meets nothing to rebind. aiohttp's own DNS cache is off:
a cached answer would skip the per-hop pin.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from .errors import RefusedURL

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

# never public, whatever ``is_global`` says in this Python version
_V4_NEVER = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]
_V6_NEVER = [ipaddress.ip_network(n) for n in (
    "::/96",  # IPv4-compatible (deprecated), with :: and ::1
    "::ffff:0:0:0/96",  # SIIT IPv4-translated
    "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
    "100::/64",  # discard
    "2001::/32",  # Teredo: the client address inside is obfuscated, and it tunnels anywhere
    "2001:2::/48", "2001:10::/28", "2001:20::/28",  # benchmarking, ORCHID
    "2001:db8::/32", "3fff::/20",  # documentation
    "5f00::/16",  # SRv6 segment identifiers
    "fc00::/7", "fe80::/10", "fec0::/10",  # unique-local, link-local, site-local (deprecated)
    "ff00::/8")]  # multicast
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_ip(addr: str) -> IP | None:
    """An address as the connection sees it (IPv4-mapped IPv6 as IPv4), or None."""
    try:
        ip = ipaddress.ip_address(str(addr).split("%", 1)[0].strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour  # 2002::/16


def is_public_address(addr: str) -> bool:
    """Whether ``addr`` is an address of the public internet (see the module docstring)."""
    ip = parse_ip(addr)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _V6_NEVER):
            return False
        inner = _embedded_v4(ip)
        if inner is not None:
            return is_public_address(str(inner))
        return ip.is_global and not ip.is_multicast
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in _V4_NEVER)


@dataclass(frozen=True)
class Reach:
    """The addresses one hop may connect to: public ones and ``extra`` (non-public addresses a
    listed URL or a document was fetched from), or any address at all (``anything``: a URL the
    user listed, as given)."""

    extra: frozenset[IP] = frozenset()
    anything: bool = False

    @classmethod
    def of(cls, addresses: Iterable[str]) -> Reach:
        return cls(extra=frozenset(ip for ip in map(parse_ip, addresses) if ip is not None))

    def allows(self, addr: str) -> bool:
        if self.anything:
            return True
        return is_public_address(addr) or parse_ip(addr) in self.extra


PUBLIC = Reach()
ANYWHERE = Reach(anything=True)


def check_reach(host: str, addrs: Iterable[str], reach: Reach) -> tuple[str, ...]:
    """``addrs`` if ``reach`` allows every one of them, else RefusedURL (one refused answer
    refuses the name: a round-robin of public and private answers is no way in)."""
    addrs = tuple(dict.fromkeys(addrs))
    if not addrs:
        raise RefusedURL(f"{host[:100]} has no address")
    for addr in addrs:
        if not reach.allows(addr):
            why = "not an address its feed or listed URL was fetched from" if reach.extra else "not public"
            raise RefusedURL(f"{host[:100]} resolves to non-public address {addr} ({why})")
    return addrs


# -- the connection ----------------------------------------------------------------------------
@dataclass
class Hop:
    """One request hop as the connector must make it: the host as aiohttp connects to it, the
    checked addresses it may use, what its connection may reach, and the peer it got."""

    host: str
    port: int
    addrs: tuple[str, ...]
    reach: Reach
    peers: list[str] = field(default_factory=list)


_HOP: ContextVar[Hop | None] = ContextVar("chipwire_fetch_hop", default=None)  # per asyncio task


@contextlib.contextmanager
def pinned(hop: Hop) -> Iterator[Hop]:
    """Connections made inside this block (in this task) use ``hop``'s checked addresses only."""
    token = _HOP.set(hop)
    try:
        yield hop
    finally:
        _HOP.reset(token)


def _same_host(a: str, b: str) -> bool:
    return a.rstrip(".").lower() == b.rstrip(".").lower()


class PinnedResolver(AbstractResolver):
    """Answers the connector with the running hop's checked addresses; resolves nothing itself."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        hop = _HOP.get()
        if hop is None or not _same_host(hop.host, host) or hop.port != port:
            raise RefusedURL(f"connection to {host[:100]}:{port} was not checked (refused)")
        flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
        return [{"hostname": host, "host": a, "port": port, "proto": 0, "flags": flags,
                 "family": socket.AF_INET6 if ":" in a else socket.AF_INET} for a in hop.addrs]

    async def close(self) -> None:
        pass


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector that connects through ``PinnedResolver`` and checks the peer address of
    every connection it hands out (new or pooled) against the running hop's ``Reach``; it also
    covers literal IP hosts, which aiohttp connects to without asking a resolver."""

    def __init__(self, **kwargs):
        super().__init__(resolver=PinnedResolver(), use_dns_cache=False, **kwargs)

    async def connect(self, req, traces, timeout):
        conn = await super().connect(req, traces, timeout)
        hop = _HOP.get()
        transport = conn.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        addr = str(peer[0]) if peer else ""
        if hop is None or not addr or not hop.reach.allows(addr):
            conn.close()
            raise RefusedURL(f"connection to {req.url.host or '?'} reached {addr or 'an unknown address'}, "
                             "which it may not reach (refused)")
        hop.peers.append(addr)
        return conn


# -- what a frontier row remembers ----------------------------------------------------------------
def links_trust(origin: str, fetched_from: Iterable[str]) -> str | None:
    """The ``trusted_origin`` a link found in a document on ``origin`` is stored with: the
    origin and the non-public addresses the document was fetched from (``origin#a,b``), or None
    when it came from public addresses only (its links then need public addresses too)."""
    private = sorted({str(ip) for ip in map(parse_ip, fetched_from) if ip is not None
                      and not is_public_address(str(ip))})
    return f"{origin}#{','.join(private)}" if private else None


def read_trust(value: str | None, found_in_document: bool) -> tuple[str | None, frozenset[str] | None]:
    """(trusted origin, its addresses) for a request from a frontier row's ``trusted_origin``:

    - ``origin#a,b`` (``links_trust``): the origin, reachable at a and b (and public addresses);
    - a plain origin: the user listed the URL (addresses None: as given, anywhere), unless the
      row was ``found_in_document`` (a feed link stored before addresses were remembered: it is
      given public addresses only);
    - None: public addresses only."""
    if not value:
        return None, None
    origin, sep, addrs = value.partition("#")
    if sep:
        return origin, frozenset(a for a in addrs.split(",") if a)
    return (origin, frozenset()) if found_in_document else (origin, None)
