"""`chipwire serve`: the scheduled deployments, in-process, with no server to start by hand.

Schedules do not fire on Prefect's ephemeral server, so unless PREFECT_API_URL names a
server, this starts one as a child process (SQLite under the data directory, 127.0.0.1 only),
waits until it answers, records its address in ``<data>/prefect/server.json`` (ad-hoc
`chipwire` commands then report to it instead of starting an ephemeral server), serves the
deployments with Prefect's `serve`, and on exit stops the server and removes the record.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .settings import Settings, prefect_environment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited during start-up (code {proc.returncode})")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer at {url} within {timeout:.0f} s")


class LocalServer:
    """A Prefect server child process on loopback, its home under the data directory."""

    def __init__(self, settings: Settings, port: int | None = None, startup_timeout: float = 180.0):
        self.settings = settings
        self.port = port or _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.record = settings.prefect_home / "server.json"

    def __enter__(self) -> LocalServer:
        home = self.settings.prefect_home
        home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **prefect_environment(self.settings), "PREFECT_HOME": str(home),
               "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(self.port)}
        env.pop("PREFECT_API_URL", None)
        log = open(home / "server.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port),
             "--analytics-off", "--no-background"],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait_healthy(self.api_url, self.proc, self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.record.write_text(json.dumps({"api_url": self.api_url, "pid": self.proc.pid}))
        return self

    def stop(self) -> None:
        self.record.unlink(missing_ok=True)
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(settings: Settings, db: str | None, sources: str | None) -> int:
    from .settings import apply_prefect_environment

    server = None
    if not os.environ.get("PREFECT_API_URL"):
        print(f"chipwire serve: starting a local Prefect server (home {settings.prefect_home}) ...", file=sys.stderr)
        server = LocalServer(settings).__enter__()
        os.environ["PREFECT_API_URL"] = server.api_url
        print(f"chipwire serve: Prefect server at {server.api_url.removesuffix('/api')} (UI and API, loopback only)",
              file=sys.stderr)
    try:
        apply_prefect_environment(settings)
        from prefect import serve as prefect_serve

        from .deployments import runner_deployments

        prefect_serve(*runner_deployments(db=db, sources=sources), print_starting_message=True)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
            print("chipwire serve: local Prefect server stopped", file=sys.stderr)
    return 0


__all__ = ["LocalServer", "serve", "Path"]
