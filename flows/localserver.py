"""The local Prefect server that chipwire commands share, one per data directory.

Prefect's ephemeral server costs every command 9-21 s before any work, and its schedules never
fire. So, unless PREFECT_API_URL names a server, a chipwire command that runs a flow uses the
local server of its data directory, and starts one when none answers:

- it runs in the background on purpose, as its own session (Ctrl-C in a terminal does not reach
  it): a small *keeper* process (``python -m flows.localserver keep``) and its child, ``prefect
  server start`` on 127.0.0.1 with the UI on, SQLite and log under ``<data>/prefect/``;
- ``<data>/prefect/server.json`` says where it is (API URL, keeper pid, log); every command
  that uses it holds a *lease* (``<data>/prefect/clients/<host>-<pid>``) for as long as it runs;
- the keeper stops the server once no live process has held a lease for ``idle`` seconds
  (CHIPWIRE_SERVER_IDLE, 20 min by default): a command that crashed or was killed leaves a
  lease whose process is gone, which does not count, so nothing outlives its use for long;
- the server dies with its keeper (parent-death signal), and ``chipwire server stop`` stops both.

It is the only process a chipwire command leaves running after it ends (docs/operations.md).
``CHIPWIRE_LOCAL_SERVER=0`` turns it off: commands then start Prefect's ephemeral server.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

RECORD = "server.json"
LOG = "server.log"
DEFAULT_IDLE = 20 * 60.0  # seconds without a live lease before the keeper stops the server
START_TIMEOUT = 180.0  # Prefect's server takes 9-21 s to start here, more on a busy machine
STOP_GRACE = 4.0  # seconds the server is given to stop before it is killed


class LocalServerError(RuntimeError):
    """The local server could not be started (the message says why and where its log is)."""


@dataclass(frozen=True)
class ServerInfo:
    api_url: str
    pid: int  # the keeper's
    port: int
    log: str
    idle: float
    started_at: float

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as resp:  # loopback
            return resp.status == 200
    except (OSError, ValueError):
        return False


def read_record(home: Path) -> ServerInfo | None:
    try:
        return ServerInfo(**json.loads((home / RECORD).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def running(home: Path) -> ServerInfo | None:
    """The local server of this Prefect home, if its keeper lives and it answers now."""
    info = read_record(home)
    if info is None or not _alive(info.pid) or not healthy(info.api_url):
        return None
    return info


# -- leases: which processes use the server --------------------------------------------------
def _lease_dir(home: Path) -> Path:
    return home / "clients"


@contextlib.contextmanager
def lease(home: Path) -> Iterator[None]:
    """Tell the keeper this process uses the server (until the block ends or it dies)."""
    path = _lease_dir(home) / f"{socket.gethostname()}-{os.getpid()}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def live_leases(home: Path) -> int:
    """Leases of live processes on this host; those of dead ones are removed."""
    here, live = socket.gethostname(), 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(_lease_dir(home)):
            host, _, pid = entry.name.rpartition("-")
            if host == here and pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                continue
            live += 1
    return live


# -- starting and stopping -----------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure(home: Path, server_env: dict[str, str], idle: float = DEFAULT_IDLE,
           timeout: float = START_TIMEOUT) -> tuple[ServerInfo, bool]:
    """The running local server of ``home``, started first if none answers. Returns it and
    whether this call started it. One process starts it; others wait for it (a file lock)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "server.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        info = running(home)
        if info is not None:
            return info, False
        (home / RECORD).unlink(missing_ok=True)
        port = _free_port()
        keeper = subprocess.Popen(
            [sys.executable, "-m", "flows.localserver", "keep", "--home", str(home), "--port", str(port),
             "--idle", str(idle)],
            env=server_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
        return _wait_started(home, keeper, timeout), True


def _wait_started(home: Path, keeper: subprocess.Popen, timeout: float) -> ServerInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = read_record(home)
        if info is not None and info.pid == keeper.pid and healthy(info.api_url):
            return info
        if keeper.poll() is not None:
            raise LocalServerError(f"the local Prefect server did not start (see {home / LOG})")
        time.sleep(0.2)
    stop(home)
    raise LocalServerError(f"the local Prefect server did not answer within {timeout:.0f} s (see {home / LOG})")


def stop(home: Path, timeout: float = STOP_GRACE + 4.0) -> bool:
    """Stop the local server of ``home`` (its keeper stops the server). True if one ran."""
    info = read_record(home)
    if info is None or not _alive(info.pid):
        (home / RECORD).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(info.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(info.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(info.pid, signal.SIGKILL)
    (home / RECORD).unlink(missing_ok=True)
    return True


# -- a command's connection to Prefect -----------------------------------------------------
def apply_prefect_environment(settings, announce=None) -> tuple[ServerInfo | None, bool]:
    """Set Prefect's environment for this process, just before Prefect is first imported (it
    reads its settings once). Unless PREFECT_API_URL names a server, flows report to the local
    server of the data directory, started now when none answers (``announce`` is told).
    Returns its `ServerInfo` (or None) and whether this call started it. Raises
    `LocalServerError` when it cannot start."""
    from .settings import prefect_environment

    values = prefect_environment(settings)
    info, started = None, False
    if not os.environ.get("PREFECT_API_URL") and settings.local_server:
        values.pop("PREFECT_HOME", None)
        home = settings.prefect_home
        info = running(home)
        if info is None:
            if announce is not None:
                announce(f"starting a local Prefect server for {settings.data_dir} (10-20 s, once; "
                         f"it stops after {settings.server_idle / 60:.0f} min unused: `chipwire server stop`)")
            server_env = {**os.environ, **prefect_environment(settings), "PREFECT_HOME": str(home)}
            info, started = ensure(home, server_env, idle=settings.server_idle)
        values["PREFECT_API_URL"] = info.api_url
    elif not os.environ.get("PREFECT_API_URL"):
        values["PREFECT_HOME"] = str(_claim_home(settings.prefect_home))
    os.environ.update(values)
    return info, started


@dataclass(frozen=True)
class Connection:
    info: ServerInfo | None  # the local server reported to (None: PREFECT_API_URL's, or ephemeral)
    started: bool  # this process started it


@contextlib.contextmanager
def connected(settings, announce=None) -> Iterator[Connection]:
    """Prefect's environment for this process and, while the block runs, a lease on the local
    server it reports to (so the server is not stopped under a running command). When the
    local server cannot start, an ephemeral one is used, and ``announce`` is told why."""
    from dataclasses import replace

    if "prefect" in sys.modules:  # set up already (tests, or a second command in one process)
        yield Connection(None, False)
        return
    try:
        info, started = apply_prefect_environment(settings, announce=announce)
    except LocalServerError as err:
        if announce is not None:
            announce(f"{err}; using an ephemeral Prefect server instead")
        info, started = apply_prefect_environment(replace(settings, local_server=False))
    if info is None:
        yield Connection(None, False)
        return
    with lease(settings.prefect_home):
        yield Connection(info, started)


def _claim_home(home: Path) -> Path:
    """(without the local server) The shared Prefect home, or, when another chipwire process
    uses it (two ephemeral servers on one SQLite file fail), a private one for this process,
    removed at exit. The lock is an open file kept for the life of the process."""
    import atexit
    import shutil

    home.mkdir(parents=True, exist_ok=True)
    handle = open(home / ".in-use.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        private = home / "runs" / str(os.getpid())
        private.mkdir(parents=True, exist_ok=True)
        atexit.register(shutil.rmtree, private, True)
        return private
    atexit.register(handle.close)
    return home


# -- the keeper ----------------------------------------------------------------------------
def _die_with_parent() -> None:
    """(in the server child, before exec) SIGTERM when the keeper dies, however it dies."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class _Keeper:
    def __init__(self, home: Path, port: int, idle: float):
        self.home, self.port, self.idle = home, port, idle
        self.api_url = f"http://127.0.0.1:{port}/api"
        self.child: subprocess.Popen | None = None
        self.stopping = False

    def start_child(self) -> None:
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_SERVER_API_HOST": "127.0.0.1",
               "PREFECT_SERVER_API_PORT": str(self.port), "PREFECT_SERVER_UI_ENABLED": "true",
               "PREFECT_UI_ENABLED": "true", "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}
        env.pop("PREFECT_API_URL", None)
        log = open(self.home / LOG, "ab")
        self.child = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port),
             "--analytics-off", "--ui", "--no-background"],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

    def wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not self.stopping:
            if self.child.poll() is not None:
                return False
            if healthy(self.api_url):
                return True
            time.sleep(0.2)
        return False

    def publish(self) -> None:
        info = ServerInfo(api_url=self.api_url, pid=os.getpid(), port=self.port, log=str(self.home / LOG),
                          idle=self.idle, started_at=time.time())
        tmp = self.home / f".{RECORD}.{os.getpid()}"
        tmp.write_text(json.dumps(asdict(info)))
        os.replace(tmp, self.home / RECORD)

    def watch(self) -> int:
        """Until the server dies, is told to stop, or has been idle for ``idle`` seconds."""
        last_busy = time.monotonic()
        while not self.stopping:
            if self.child.poll() is not None:
                return 1
            if live_leases(self.home):
                last_busy = time.monotonic()
            elif time.monotonic() - last_busy > self.idle:
                return 0
            time.sleep(1.0)
        return 0

    def shutdown(self) -> None:
        info = read_record(self.home)
        if info is not None and info.pid == os.getpid():
            (self.home / RECORD).unlink(missing_ok=True)
        if self.child is not None and self.child.poll() is None:
            # Prefect's server waits for its clients' websockets to close before it exits (30 s
            # and more): a few seconds of grace, then it is killed (its SQLite file is
            # transactional, so nothing committed is lost)
            self.child.terminate()
            try:
                self.child.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait(timeout=10)


def keep(home: Path, port: int, idle: float) -> int:
    keeper = _Keeper(home, port, idle)

    def on_signal(signum, _frame):
        keeper.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        keeper.start_child()
        if not keeper.wait_healthy():
            return 1
        keeper.publish()
        return keeper.watch()
    finally:
        keeper.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.localserver")
    sub = parser.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keep", help="run a local Prefect server until idle (started by chipwire)")
    k.add_argument("--home", required=True, type=Path)
    k.add_argument("--port", required=True, type=int)
    k.add_argument("--idle", type=float, default=DEFAULT_IDLE)
    args = parser.parse_args(argv)
    return keep(args.home, args.port, args.idle)


if __name__ == "__main__":
    sys.exit(main())
