"""Ctrl-C and SIGTERM during every long command: the real `chipwire` process ends within 10 s,
with one line and no traceback, exit 130 (SIGINT) or 143 (SIGTERM); its `runs` row says
`interrupted` with the true counts, and running the same command again finishes the rest
without requesting any stored page again.

Each test holds the command at a known point, so the signal never races the work: pages past
the first few are held by the loopback server until the test opens a gate; a saved file or a
stored body is a FIFO that the command blocks on reading; the taxonomy is a FIFO once the run
has started. No sleeps decide anything: the tests wait on states.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from flows.demo.server import LoopbackSites, Site
from flows.settings import default_taxonomy_path
from tests.pages import article_html, rss20
from warehouse import codec
from warehouse.db import Warehouse
from warehouse.errors import WarehouseError

pytestmark = pytest.mark.prefect

T0 = datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)
STOP_WITHIN = 10.0


def _query(db: Path, sql: str) -> list[tuple] | None:
    try:
        return Warehouse(db, lock_wait=2).operations.query(sql)[1]
    except WarehouseError:
        return None  # not there yet, or the writer holds it this instant


def wait_for(what: str, check, timeout: float = 120.0, proc: subprocess.Popen | None = None):
    """Wait (bounded) until ``check()`` returns something true; fail if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the command ended before {what}: {proc.returncode}\n{proc.stderr.read()[-3000:]}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def _count(db: Path, sql: str) -> int:
    rows = _query(db, sql)
    return int(rows[0][0]) if rows else 0


class GatedSite:
    """A site of ``n`` articles: the first ``free`` are served at once, the others only after
    ``gate`` is opened (their requests wait in the server meanwhile)."""

    def __init__(self, root: Path, n: int, free: int):
        self.gate = threading.Event()
        self.site = Site(root=root, prefix="/g")
        self.items = []
        for i in range(n):
            when = T0 + timedelta(hours=i)
            rel = f"news/story-{i:02d}.html"
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(article_html(f"Export control story number {i}", when, n=i), encoding="utf-8")
            self.items.append((f"Story {i}", rel, when))
            if i >= free:
                self.site.routes[f"/g/{rel}"] = self._held(path)

    def _held(self, path: Path):
        def route(_handler):
            self.gate.wait(timeout=120)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, path.read_bytes()
        return route

    def write_feed(self) -> str:
        items = [(t, self.site.url(rel), when) for t, rel, when in self.items]
        (self.site.root / "feed.xml").write_text(rss20("Gated Wire", items), encoding="utf-8")
        return self.site.url("feed.xml")

    def page_hits(self) -> dict[str, int]:
        return {p: n for p, n in self.site.hits.items() if p.endswith(".html")}


def _start(cmd: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flows.cli", *cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _stop(proc: subprocess.Popen, how: int, group: bool) -> tuple[float, str]:
    """Send ``how`` (to the process group, as a terminal's Ctrl-C does, or to the process
    alone, as `kill` does); return the seconds it took to end and its stderr."""
    sent = time.monotonic()
    if group:
        os.killpg(proc.pid, how)
    else:
        os.kill(proc.pid, how)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return time.monotonic() - sent, err


def _assert_quiet_stop(seconds: float, stderr: str, proc: subprocess.Popen, code: int) -> None:
    assert proc.returncode == code, (proc.returncode, stderr[-3000:])
    assert seconds < STOP_WITHIN, seconds
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr and ("again" in lines[0] or "carries on" in lines[0]), lines


def _run_row(db: Path, flow: str) -> dict:
    rows = _query(db, "SELECT status, pages_fetched, articles_new, files_stored, articles_classified "
                      f"FROM runs WHERE flow = '{flow}' ORDER BY started_at")
    assert rows, "no runs row"
    status, fetched, new, files, classified = rows[-1]
    return {"status": status, "pages_fetched": fetched, "articles_new": new, "files_stored": files,
            "articles_classified": classified, "runs": [r[0] for r in rows]}


@pytest.mark.parametrize("how, group", [(signal.SIGTERM, False), (signal.SIGINT, True)],
                         ids=["sigterm", "ctrl-c"])
def test_ingest_stops_quietly_and_resumes(tmp_path, cli_env, how, group):
    n, free = 30, 10
    gated = GatedSite(tmp_path / "site", n, free)
    with LoopbackSites({"g": gated.site}):
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nper_host_concurrency = 4\nper_host_delay = 0\n[[feeds]]\nurl = "{gated.write_feed()}"\n')
        db = tmp_path / "data" / "w.duckdb"
        cmd = ["ingest", "--sources", str(sources), "--db", str(db), "--no-progress", "--batch-size", "5"]
        proc = _start(cmd, cli_env, tmp_path)
        wait_for(f"the {free} free pages to be stored as articles",
                 lambda: _count(db, "select count(*) from articles") >= free, proc=proc)
        seconds, err = _stop(proc, how, group)
        _assert_quiet_stop(seconds, err, proc, 128 + how)
        row = _run_row(db, "ingest")
        stored = _count(db, "select count(*) from raw_pages")
        assert row["status"] == "interrupted"
        assert row["pages_fetched"] == stored >= free  # what it fetched and kept, counted
        assert row["articles_new"] == _count(db, "select count(*) from articles") >= free

        gated.gate.set()
        again = subprocess.run([sys.executable, "-m", "flows.cli", *cmd], env=cli_env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        hits = gated.page_hits()
    assert _count(db, "select count(distinct article_id) from articles") == n
    assert _run_row(db, "ingest")["runs"] == ["interrupted", "completed"]
    stored_first = [f"/g/news/story-{i:02d}.html" for i in range(free)]
    assert all(hits[p] == 1 for p in stored_first), hits  # a stored page is never requested again
    assert max(hits.values()) <= 2, hits  # a held page: asked once by each run at most


def test_backfill_urls_stops_on_ctrl_c(tmp_path, cli_env):
    n, free = 20, 10
    gated = GatedSite(tmp_path / "site", n, free)
    with LoopbackSites({"g": gated.site}):
        urls = tmp_path / "urls.txt"
        urls.write_text("\n".join(gated.site.url(rel) for _, rel, _ in gated.items) + "\n")
        db = tmp_path / "data" / "w.duckdb"
        cmd = ["backfill", "--urls", str(urls), "--db", str(db), "--no-progress", "--batch-size", "5"]
        proc = _start(cmd, cli_env, tmp_path)
        wait_for("the free pages to be stored", lambda: _count(db, "select count(*) from raw_pages") >= free, proc=proc)
        seconds, err = _stop(proc, signal.SIGINT, group=True)
        _assert_quiet_stop(seconds, err, proc, 130)
        row = _run_row(db, "backfill")
        assert row["status"] == "interrupted" and row["pages_fetched"] == _count(db, "select count(*) from raw_pages")
        gated.gate.set()
        again = subprocess.run([sys.executable, "-m", "flows.cli", *cmd], env=cli_env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        hits = gated.page_hits()
    assert _count(db, "select count(*) from articles") == n
    assert all(hits[f"/g/news/story-{i:02d}.html"] == 1 for i in range(free)), hits


class Fifo:
    """A named pipe in place of a file the command reads: ``reader_waiting()`` is true once
    the command has opened it and waits for data; ``feed(data)`` answers one open."""

    def __init__(self, path: Path):
        self.path = path
        os.mkfifo(path)
        self.fd: int | None = None

    def reader_waiting(self) -> bool:
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO while no reader has it open
            return True
        except OSError:
            return False

    def feed(self, data: bytes) -> None:
        os.set_blocking(self.fd, True)
        os.write(self.fd, data)
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def replace_with(self, data: bytes) -> None:
        self.close()
        self.path.unlink()
        self.path.write_bytes(data)


def _body_path(db: Path, body: bytes) -> Path:
    digest = hashlib.sha256(body).hexdigest()
    return db.with_name(db.name + ".bodies") / digest[:2] / f"{digest}.zz"


def _to_another_thread(pid: int, how: int) -> None:
    """Deliver ``how`` to a thread of ``pid`` that is not its main thread (tgkill): the kernel
    may do so with any signal, and the main thread, blocked in a read, is then not woken."""
    import ctypes

    tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
    assert tids, "the command runs no other thread"
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(234, pid, tids[0], how) == 0, ctypes.get_errno()  # SYS_tgkill on x86_64


@pytest.mark.parametrize("to", ["process", "another thread"])
def test_backfill_dir_stops_on_sigterm_while_extracting(tmp_path, cli_env, to):
    """The body store already holds a FIFO under one file's digest: the file is stored (the
    store keeps an existing body), and extraction blocks reading it back. The signal reaches
    the process, or a thread other than the blocked main thread."""
    import platform

    if to == "another thread" and platform.machine() != "x86_64":
        pytest.skip("tgkill's syscall number is the x86_64 one here")
    saved = tmp_path / "saved"
    saved.mkdir()
    pages = {f"a{i}.html": article_html(f"Saved story {i}", T0 + timedelta(days=i), n=i).encode() for i in range(9)}
    for name, body in pages.items():
        (saved / name).write_bytes(body)
    db = tmp_path / "data" / "w.duckdb"
    held = _body_path(db, pages["a7.html"])
    held.parent.mkdir(parents=True)
    fifo = Fifo(held)
    cmd = ["backfill", "--dir", str(saved), "--db", str(db), "--no-progress", "--batch-size", "5"]
    proc = _start(cmd, cli_env, tmp_path)
    try:
        wait_for("extraction to read the held body", fifo.reader_waiting, proc=proc)
        if to == "process":
            seconds, err = _stop(proc, signal.SIGTERM, group=False)
        else:
            sent = time.monotonic()
            _to_another_thread(proc.pid, signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            seconds = time.monotonic() - sent
    finally:
        fifo.close()
    _assert_quiet_stop(seconds, err, proc, 143)
    row = _run_row(db, "backfill")
    assert row["status"] == "interrupted" and row["files_stored"] == 9
    assert row["articles_new"] == _count(db, "select count(*) from articles") < 9
    fifo.replace_with(codec.pack(pages["a7.html"]))
    again = subprocess.run([sys.executable, "-m", "flows.cli", *cmd], env=cli_env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _count(db, "select count(*) from articles") == 9
    assert _query(db, "select files_stored from runs where status = 'completed'") == [(0,)]


@pytest.fixture
def small_warehouse(tmp_path, cli_env):
    """A warehouse with 12 ingested articles (their raw bodies in the body store)."""
    site_root = tmp_path / "site"
    gated = GatedSite(site_root, 12, 12)
    with LoopbackSites({"g": gated.site}):
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nper_host_delay = 0\n[[feeds]]\nurl = "{gated.write_feed()}"\n')
        db = tmp_path / "data" / "w.duckdb"
        done = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--sources", str(sources), "--db", str(db),
                               "--no-progress"], env=cli_env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    return db


def test_reextract_stops_on_sigterm_and_resumes(tmp_path, cli_env, small_warehouse):
    db = small_warehouse
    digest = _query(db, "select sha256 from raw_pages order by url limit 1 offset 7")[0][0]
    body_file = db.with_name(db.name + ".bodies") / digest[:2] / f"{digest}.zz"
    kept = body_file.read_bytes()
    body_file.unlink()
    fifo = Fifo(body_file)
    cmd = ["reextract", "--db", str(db), "--no-progress"]
    proc = _start(cmd, cli_env, tmp_path)
    try:
        wait_for("reextract to read the held body", fifo.reader_waiting, proc=proc)
        seconds, err = _stop(proc, signal.SIGTERM, group=False)
    finally:
        fifo.close()
    _assert_quiet_stop(seconds, err, proc, 143)
    assert _run_row(db, "reextract")["status"] == "interrupted"
    fifo.replace_with(kept)
    again = subprocess.run([sys.executable, "-m", "flows.cli", *cmd], env=cli_env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _run_row(db, "reextract")["runs"] == ["interrupted", "completed"]
    assert _query(db, "select state, count(*) from frontier group by 1") == [("done", 12)]


def test_reclassify_stops_on_ctrl_c(tmp_path, cli_env, small_warehouse):
    """The taxonomy is answered normally until the run has started; then the run's own read of
    it is held, and Ctrl-C arrives while the run holds its `runs` row open."""
    db = small_warehouse
    content = default_taxonomy_path().read_bytes()
    fifo = Fifo(tmp_path / "taxonomy.toml")
    cmd = ["reclassify", "--db", str(db), "--taxonomy", str(fifo.path), "--no-progress"]
    proc = _start(cmd, cli_env, tmp_path)
    try:
        wait_for("the command's check to read the taxonomy", fifo.reader_waiting, proc=proc)
        fifo.feed(content)  # the check before the run: answered
        wait_for("the run to start", lambda: _count(db, "select count(*) from runs where flow = 'reclassify'"),
                 proc=proc)
        wait_for("the run to read the taxonomy", fifo.reader_waiting, proc=proc)  # held
        seconds, err = _stop(proc, signal.SIGINT, group=True)
    finally:
        fifo.close()
    _assert_quiet_stop(seconds, err, proc, 130)
    assert _run_row(db, "reclassify")["status"] == "interrupted"
    fifo.replace_with(content)
    again = subprocess.run([sys.executable, "-m", "flows.cli", *cmd], env=cli_env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert _run_row(db, "reclassify")["articles_classified"] == 12


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now (children of children included), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_nothing_a_run_started_outlives_it(tmp_path, cli_env, how):
    """The extraction pool's fork server and workers end with the command, however it ends."""
    gated = GatedSite(tmp_path / "site", 40, 20)
    with LoopbackSites({"g": gated.site}):
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[fetch]\nper_host_delay = 0\n[[feeds]]\nurl = "{gated.write_feed()}"\n')
        db = tmp_path / "data" / "w.duckdb"
        proc = _start(["ingest", "--sources", str(sources), "--db", str(db), "--no-progress", "--batch-size", "5",
                       "--workers", "2"], cli_env, tmp_path)
        try:
            wait_for("the free pages to be extracted", lambda: _count(db, "select count(*) from articles") >= 20,
                     proc=proc)
            started = wait_for("the extraction pool", lambda: len(_descendants(proc.pid)) >= 3 and _descendants(proc.pid),
                               proc=proc)
            os.kill(proc.pid, how)
            proc.wait(timeout=60)
            deadline = time.monotonic() + STOP_WITHIN
            while any(_alive(p) for p in started) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = sorted(p for p in started if _alive(p))
        finally:
            gated.gate.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    assert not left, [(p, (Path("/proc") / str(p) / "cmdline").read_bytes()[:200]) for p in left if _alive(p)]


# --- a library that swallows the interruption (serve's deadline) ---------------------------------

_SWALLOWER = """
import sys, time
sys.path.insert(0, {repo!r})
from flows import interrupt
def work():
    print("ready", flush=True)  # inside the try below: the signal may land while this prints
    time.sleep(3600)
with interrupt.interruptible(deadline={deadline}):
    while True:  # a library's loop that catches the KeyboardInterrupt and carries on
        try:
            work()
        except KeyboardInterrupt:
            pass
"""


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_swallowed_interruption_still_ends_the_process_by_its_deadline(sig, code):
    """`serve` runs Prefect's runner, which can swallow a Ctrl-C that lands while it starts (it
    hung > 120 s, once in about six starts, found by CI): with a deadline the process exits on
    its own, with one line and the signal's exit code."""
    repo = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen([sys.executable, "-c", _SWALLOWER.format(repo=repo, deadline=1.0)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=STOP_WITHIN)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    assert err.strip().splitlines()[-1].startswith("chipwire: still stopping 1 s after")
    assert "Traceback" not in err


def test_an_interruption_inside_a_task_group_is_found():
    from flows.errors import Interrupted
    from flows.interrupt import exit_code, interrupted_by

    group = BaseExceptionGroup("runner", [RuntimeError("loop torn down"), Interrupted(signal.SIGTERM)])
    found = interrupted_by(group)
    assert isinstance(found, Interrupted) and exit_code(found) == 143
    assert interrupted_by(ExceptionGroup("runner", [RuntimeError("x")])) is None
