"""Fetched pages handed to extraction within a run (`pipeline.Arrivals`): in order, the fetching
thread waiting while `keep_bodies` bodies wait, bodies not handed over read back from a real
warehouse."""

from __future__ import annotations

import hashlib
import threading
import time
import zlib
from datetime import datetime, timezone

import pytest

from flows import pipeline
from warehouse.db import Warehouse
from warehouse.records import PackedBody, StoredPage, WaitingPage

NOW = datetime(2025, 7, 1, tzinfo=timezone.utc)


def row(i: int) -> WaitingPage:
    return waiting(f"http://a/{i}", zlib.compress(f"<html>{i}</html>".encode()))


def waiting(url: str, body: bytes | None) -> WaitingPage:
    return WaitingPage(url=url, final_url=url, content_type="text/html", fetched_at=NOW, body=body)


def test_fetching_waits_while_too_many_bodies_wait_and_goes_on_once_some_are_taken():
    arrivals = pipeline.Arrivals(keep_bodies=3)
    arrivals.put([row(0), row(1)])
    arrivals.put([row(2), row(3)])  # 2 waiting < 3: handed over (the limit may be overshot by a batch)
    blocked = threading.Thread(target=arrivals.put, args=([row(4)],))
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # 4 bodies wait: the fetching thread waits for room
    first = arrivals.take(2)
    assert [r.url for r in first] == ["http://a/0", "http://a/1"]
    blocked.join(5)
    assert not blocked.is_alive()  # room again: the hand-over went through
    rest = arrivals.take(10)
    assert [r.url for r in rest] == ["http://a/2", "http://a/3", "http://a/4"]
    assert all(r.body is not None for r in first + rest)


def test_once_closed_nothing_waits_and_bodies_stay_in_the_warehouse():
    arrivals = pipeline.Arrivals(keep_bodies=1)
    arrivals.put([row(0)])
    arrivals.close()
    done = threading.Thread(target=arrivals.put, args=([row(1)],))
    done.start()
    done.join(5)
    assert not done.is_alive()
    assert [r.body is None for r in arrivals.take(10)] == [False, True]


def test_a_batch_waits_for_at_least_pages_and_for_a_late_hand_over():
    arrivals = pipeline.Arrivals()
    arrivals.put([row(0)])
    assert arrivals.take(10, at_least=2) == []  # not yet worth a batch: kept for later
    late = threading.Timer(0.1, lambda: arrivals.put([row(1)]))
    late.start()
    t = time.monotonic()
    got = arrivals.take(10, at_least=2, timeout=5)
    assert [r.url for r in got] == ["http://a/0", "http://a/1"]
    assert time.monotonic() - t < 4
    assert arrivals.take(10, timeout=0.05) == []


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    w = Warehouse(tmp_path / "w.duckdb")
    w.migrate()
    return w


def test_bodies_not_held_are_read_back_and_pages_without_one_stay_without(wh):
    wh.frontier.add([{"url": u, "link": u, "origin": "page", "trusted_origin": None}
                        for u in ("http://a/1", "http://a/2")])
    body = zlib.compress(b"<html>stored</html>")
    wh.pages.save_fetches([StoredPage(url="http://a/1", final_url="http://a/1", status=200, content_type="text/html",
                                      fetched_at=NOW, body=PackedBody(19, hashlib.sha256(b"<html>stored</html>").hexdigest(),
                                                                      body))], [])
    held = row(0)
    rows = [held, waiting("http://a/1", None), waiting("http://a/2", None)]
    out = pipeline.with_bodies(wh, rows)
    assert [r.url for r in out] == ["http://a/0", "http://a/1", "http://a/2"]
    assert out[0] is held and out[1].body == body
    assert out[2].body is None  # no stored body: the extraction stage records it (forget_missing_bodies)
