"""Hosts in turn: the scheduler behind ``Fetcher.stream``.

One queue per host. A request starts only when its host has a free slot (``per_host``) and the
run has one (``most``); hosts with work and a free slot take turns. A slow host therefore holds
its own slots and never anyone else's: requests waiting for it wait in its queue, not in a
slot (before, every request took a run-wide slot first and then queued for its host's, so 60
links to a slow host sorted first held the slots everyone needed).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class _Turns:
    """The queues, the hosts whose turn may come, and what runs."""

    def __init__(self, hosts: list[str], per_host: int, most: int, keep: Callable[[int], bool] | None):
        self.queues: dict[str, deque[int]] = {}
        for i, host in enumerate(hosts):
            self.queues.setdefault(host, deque()).append(i)
        self.ready = deque(self.queues)  # hosts with queued work and a free slot, in turn
        self.busy: Counter = Counter()
        self.running: dict[asyncio.Future, tuple[int, str]] = {}
        self.per_host, self.most, self.keep = per_host, most, keep

    def start(self, run: Callable[[int], Awaitable]) -> None:
        while self.ready and len(self.running) < self.most:
            host = self.ready.popleft()
            queue = self.queues[host]
            while queue and self.keep is not None and not self.keep(queue[0]):
                queue.popleft()
            if not queue or self.busy[host] >= self.per_host:
                continue
            i = queue.popleft()
            self.busy[host] += 1
            self.running[asyncio.ensure_future(run(i))] = (i, host)
            if queue and self.busy[host] < self.per_host:
                self.ready.append(host)

    def finished(self, task: asyncio.Future) -> int:
        i, host = self.running.pop(task)
        self.busy[host] -= 1
        if self.queues[host] and self.busy[host] == self.per_host - 1:
            self.ready.append(host)  # it was full: it has a free slot again
        return i

    async def stop(self) -> None:
        for task in self.running:
            task.cancel()
        if self.running:
            await asyncio.gather(*self.running, return_exceptions=True)


async def interleave(run: Callable[[int], Awaitable[T]], hosts: list[str], *, per_host: int, most: int,
                     budget: float | None = None, idle: float | None = None,
                     keep: Callable[[int], bool] | None = None) -> AsyncIterator[list[tuple[int, T]]]:
    """Run ``run(i)`` for every index of ``hosts`` (``hosts[i]``: the host of job i) and yield
    ``(i, result)`` pairs as they complete, in lists (what completed since the last yield; an
    empty list after ``idle`` seconds without any). After ``budget`` seconds nothing more
    starts and what runs is cancelled; those jobs, and those ``keep(i)`` turns away when their
    turn comes, are never yielded. ``run`` must not raise. Close the generator
    (``contextlib.aclosing``) when stopping early: that cancels what runs."""
    turns = _Turns(hosts, per_host, most, keep)
    end = None if budget is None else time.monotonic() + budget
    try:
        while True:
            turns.start(run)
            if not turns.running:
                return
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return  # the budget is spent: the finally cancels what runs
            wait = left if idle is None else (idle if left is None else min(idle, left))
            done, _ = await asyncio.wait(turns.running, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            out = [(turns.finished(task), task.result()) for task in done]
            if out or idle is not None:
                yield out
    finally:
        await turns.stop()
