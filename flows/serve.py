"""`chipwire serve`: the scheduled deployments, run by this process until it is stopped.

Prefect's ephemeral server never fires schedules, so serve reports to a real one: the server
PREFECT_API_URL names, or the local server of the data directory (`flows.localserver`,
started if none answers). It registers the deployments (`flows.deployments`: ingest every
``--every``, maintenance daily, reextract and reclassify on demand), starts an ingest at once,
and runs whatever the schedules create in child processes (Prefect's `Runner`), until Ctrl-C
or SIGTERM; schedules are paused when it stops, so no backlog of missed runs waits for the
next start. Beside that it watches the server and says in one line on the console when the
server stops answering, when its log reports an error (the scheduler's, say), or when no
ingest is scheduled although one should be.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .errors import Interrupted
from .settings import Settings

HEALTH_EVERY = 10.0  # seconds between health checks of the server
SCHEDULE_GRACE = 150.0  # seconds after start (and after each due time) before a missing ingest run is reported


def say(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"chipwire serve {stamp}: {message}", file=sys.stderr, flush=True)


def _every_text(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}m" if seconds % 60 == 0 else f"{seconds:g}s"


class Watch:
    """What serve keeps an eye on: the server's health, its log, the ingest schedule. Says
    each change once (not at every check)."""

    def __init__(self, api_url: str, log: Path | None, ingest_id, every: float):
        self.api_url, self.log, self.ingest_id, self.every = api_url, log, ingest_id, every
        self.started = time.monotonic()
        self.healthy = True
        self.log_pos = log.stat().st_size if log is not None and log.exists() else 0
        self.seen_errors: set[str] = set()
        self.schedule_ok = True

    async def forever(self) -> None:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            checks = 0
            while True:
                await asyncio.sleep(HEALTH_EVERY)
                checks += 1
                await self.health(client)
                self.read_log()
                if self.healthy and checks % 6 == 0:
                    await self.schedule(client)

    async def health(self, client) -> None:
        try:
            ok = (await client.api_healthcheck()) is None
        except Exception:  # noqa: BLE001 -- any failure to answer is "not healthy"
            ok = False
        if ok != self.healthy:
            self.healthy = ok
            if ok:
                say(f"the Prefect server at {self.api_url} answers again")
            else:
                where = f"; its log: {self.log}" if self.log else ""
                say(f"the Prefect server at {self.api_url} does not answer: no run starts until it does{where}")

    def read_log(self) -> None:
        """New ERROR lines and exceptions in the server's log, each kind said once."""
        if self.log is None:
            return
        try:
            with open(self.log, "rb") as f:
                f.seek(self.log_pos)
                chunk = f.read(1_000_000)
                self.log_pos = f.tell()
        except OSError:
            return
        for line in chunk.decode("utf-8", "replace").splitlines():
            text = line.strip()
            if not (" ERROR " in text or "| ERROR" in text or text.startswith(("sqlalchemy.", "Traceback"))
                    or "Error:" in text.split(" ", 1)[0]):
                continue
            key = text.split(" - ")[-1][:120] if " - " in text else text[:120]
            if key in self.seen_errors or text.startswith("Traceback"):
                continue
            self.seen_errors.add(key)
            say(f"the Prefect server reported an error: {text[:300]} (full log: {self.log})")

    async def schedule(self, client) -> None:
        """An ingest should always be scheduled (the scheduler plans runs ahead): none after
        the grace period means schedules are not firing."""
        from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter,
                                                    FlowRunFilterState, FlowRunFilterStateType)
        from prefect.client.schemas.objects import StateType

        if time.monotonic() - self.started < SCHEDULE_GRACE:
            return
        try:
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[self.ingest_id])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]))),
                limit=5)
        except Exception:  # noqa: BLE001 -- health() reports a server that does not answer
            return
        ok = bool(runs)
        if ok != self.schedule_ok:
            self.schedule_ok = ok
            say("ingest runs are scheduled again" if ok else
                "no ingest run is scheduled: the Prefect scheduler is not creating runs"
                + (f" (see {self.log})" if self.log else ""))


class _Runner:
    """Prefect's Runner, stopped by chipwire's own SIGTERM handling (its own exits with 0):
    the runner's handler hands the signal to the one installed before it (`interruptible`'s,
    which raises once, ignores a second and marks the signal handled for its relay)."""

    @staticmethod
    def make():
        from prefect.runner import Runner

        chipwire_handler = signal.getsignal(signal.SIGTERM)

        class ChipwireRunner(Runner):
            def handle_sigterm(self, signum=signal.SIGTERM, frame=None, *args, **kwargs) -> None:
                if callable(chipwire_handler):
                    chipwire_handler(signum, frame)
                else:
                    raise Interrupted(signal.SIGTERM)

        return ChipwireRunner(name="chipwire-serve", pause_on_shutdown=True)


async def _serve(settings: Settings, every: float, info, deployments: list, report: str | None) -> None:
    from prefect.client.orchestration import get_client

    runner = _Runner.make()
    ids = {}
    for deployment in deployments:
        ids[deployment.name] = await runner.aadd_deployment(deployment)
    async with get_client() as client:
        await client.create_flow_run_from_deployment(ids["ingest"], tags=["chipwire", "at-start"])
    api_url = info.api_url if info is not None else _api_url()
    _tell_started(settings, every, info, api_url, report)
    watch = Watch(api_url, Path(info.log) if info is not None else None, ids["ingest"], every)
    watcher = asyncio.create_task(watch.forever())
    try:
        await runner.start()
    finally:
        watcher.cancel()


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


def _tell_started(settings: Settings, every: float, info, api_url: str, report: str | None) -> None:
    nxt = (datetime.now(timezone.utc) + timedelta(seconds=every)).strftime("%H:%M UTC")
    if info is not None:
        say(f"Prefect UI (runs, schedules, logs): {info.ui_url}")
    say(f"ingest now, then every {_every_text(every)} (next about {nxt}); maintenance daily at 03:15 UTC; "
        f"warehouse {settings.db_path}")
    if report:
        say(f"the report is refreshed after each ingest: {report}")
    say(f"to start a run yourself: PREFECT_API_URL={api_url} prefect deployment run 'chipwire-ingest/ingest'"
        f"  (or: chipwire ingest --db {settings.db_path})")
    say("Ctrl-C to stop")


def serve(settings: Settings, every: float, report: str | None = None) -> int:
    from .interrupt import exit_code, interrupted_by
    from .localserver import LocalServerError, connected, stop

    code = 0
    try:
        with connected(settings, announce=say) as conn:
            from .deployments import runner_deployments

            deployments = runner_deployments(settings, every, report)  # built outside the loop (Prefect's sync API)
            try:
                asyncio.run(_serve(settings, every, conn.info, deployments, report))
            except KeyboardInterrupt as err:
                code = exit_code(err)
            except (Exception, BaseExceptionGroup) as err:  # noqa: BLE001 -- one line, not a traceback
                stopped = interrupted_by(err)  # a task group's may hold the interruption
                if stopped is not None:  # an error of the shutdown the interruption started
                    code = exit_code(stopped)
                else:
                    say(f"error: {type(err).__name__}: {str(err)[:300]}")
                    code = 1
    except LocalServerError as err:
        say(f"error: {err}")
        return 2
    if conn.started:  # the server serve started for itself goes with it
        stop(settings.prefect_home)
    if code in (130, 143):
        say("stopped; schedules paused until serve runs again"
            + ("; local Prefect server stopped" if conn.started else ""))
    return code
