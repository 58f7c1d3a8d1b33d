"""A DNS we control in-process, for names such as ``evil.test``: the event loop's
``getaddrinfo`` (which our fetcher's lookups, and aiohttp's default resolver, call) answers
them from a table; any other name goes to the real resolver."""

from __future__ import annotations

import asyncio
import socket


class FakeDNS:
    """name -> the answers to give, one list of addresses per lookup (the last one repeats)."""

    def __init__(self):
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def set(self, name: str, *answers: list[str]) -> None:
        self.answers[name.lower()] = [list(a) for a in answers]

    def lookup(self, host: str) -> list[str] | None:
        name = host.rstrip(".").lower()
        if name not in self.answers:
            return None
        self.asked.append(name)
        seq = self.answers[name]
        return seq.pop(0) if len(seq) > 1 else seq[0]


def install(monkeypatch) -> FakeDNS:
    fake = FakeDNS()
    real = asyncio.base_events.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        addrs = fake.lookup(host) if isinstance(host, str) else None
        if addrs is None:
            return await real(self, host, port, family=family, type=type, proto=proto, flags=flags)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, int(port or 0), 0, 0) if ":" in a else (a, int(port or 0))) for a in addrs]

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return fake
