"""One run's context: what every stage of a run shares, owned by the run and gone with it.

A `Run` holds the settings, the warehouse, the progress display, the run's counts (updated
by each stage as its batches commit, so an interrupted run still records what it did), the
stop signal (set when the user interrupts: every stage ends its current batch and returns),
and the caches that live as long as the run (robots.txt rules per origin). Nothing of it is
module-level state: a long-lived process (`chipwire serve`) starts each run afresh.

`recorded_run` opens the warehouse, writes the `runs` row, and closes it with the run's counts
and its status: ``completed``, ``interrupted`` (Ctrl-C, SIGTERM) or ``failed``.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

from warehouse.db import Warehouse

from .progress import Progress
from .settings import Settings

STOP_GRACE = 6.0  # seconds an interrupted run waits for its background stages to store what they have


class Stop:
    """The run's stop signal: set once (by the main thread, when the user interrupts), seen by
    every stage. Callbacks run when it is set (an asyncio loop in another thread registers one
    that cancels its fetches), so nothing polls for it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            with contextlib.suppress(Exception):
                callback()

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` when the signal is set (at once if it is). Returns an unregister."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._callbacks.remove(callback)


class Counts:
    """The run's counts per stage, added to by stages in any thread as their batches commit."""

    def __init__(self, **initial: int) -> None:
        self._lock = threading.Lock()
        self._counts: Counter = Counter(initial)

    def add(self, counts: Mapping[str, int] | None = None, **more: int) -> None:
        with self._lock:
            for source in (counts or {}, more):
                for key, value in source.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        self._counts[key] += value

    def set(self, **values: int) -> None:
        with self._lock:
            for key, value in values.items():
                self._counts[key] = value

    def __getitem__(self, key: str) -> int:
        with self._lock:
            return self._counts[key]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class Run:
    """(A plain class, not a dataclass: Prefect walks a task's dataclass and collection
    parameters looking for futures to wait for, and a run holds its fetch task's own future.)"""

    def __init__(self, settings: Settings, wh: Warehouse, run_id: str, flow: str, progress: Progress):
        self.settings, self.wh, self.run_id, self.flow, self.progress = settings, wh, run_id, flow, progress
        self.counts = Counts()
        self.stop = Stop()
        self.robots: dict = {}  # robots.txt rules per origin, fetched once a run
        self.notes: list[str] = []  # one-line remarks for the summary
        self.classified: dict[str, bool] = {}  # article_id -> is_relevant, classified by this run
        self.pool = None  # the extraction pool (work.Extractor) while it is up, for the stages after it
        self._background: list = []

    def __getstate__(self) -> dict:
        """A copy sent to another process (a Dask worker runs the fetch task there): its own
        counts and stop signal, which the flow's process merges from the task's result."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("counts", "stop", "_background", "pool")}
        return dict(state, progress=Progress(enabled=False))

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.counts, self.stop, self._background, self.pool = Counts(), Stop(), [], None

    def note_classified(self, verdicts: Mapping[str, bool]) -> None:
        """Articles this run classified (an article classified twice counts once, as last seen)."""
        self.classified.update(verdicts)
        self.counts.set(articles_classified=len(self.classified),
                        articles_relevant=sum(1 for relevant in self.classified.values() if relevant))

    def in_background(self, future) -> None:
        """A stage running beside the main thread (the fetch task): waited for when the run stops."""
        self._background.append(future)

    def wait_background(self, timeout: float = STOP_GRACE) -> None:
        for future in self._background:
            with contextlib.suppress(BaseException):
                wait = getattr(future, "wait", None)
                if wait is not None:
                    wait(timeout)

    def result(self) -> dict:
        """What the flow returns: the counts, the run id, the notes and the time per stage."""
        return dict(self.counts.snapshot(), run_id=self.run_id, notes=list(self.notes),
                    stage_seconds=dict(self.progress.timings))


def _interrupted(err: BaseException) -> bool:
    return isinstance(err, KeyboardInterrupt) or type(err).__name__ in ("TerminationSignal", "Interrupted")


@contextlib.contextmanager
def recorded_run(settings: Settings, flow_name: str, what: str | None) -> Iterator[Run]:
    """Open the warehouse (migrated), write the `runs` row, and close it with the run's counts
    and status however the run ends: an interrupted run stops its stages, lets them store what
    they hold (a few seconds at most), and records ``interrupted`` with the true counts."""
    wh = Warehouse(settings.db_path, lock_wait=settings.lock_wait)
    # the run's DuckDB instance stays open between its transactions, for the run's lifetime
    # (warehouse/keeping.py: how other processes still get the file)
    with wh.kept_open() if settings.keep_open else contextlib.nullcontext():
        wh.migrate()
        run_id = wh.runs.start(flow_name, what)
        run = Run(settings=settings, wh=wh, run_id=run_id, flow=flow_name,
                  progress=Progress(enabled=None if settings.progress else False))
        try:
            yield run
        except BaseException as err:
            run.stop.set()
            run.wait_background()
            status = "interrupted" if _interrupted(err) else "failed"
            error = None if status == "interrupted" else f"{type(err).__name__}: {err}"[:500]
            wh.runs.finish(run_id, status, run.counts.snapshot(), error=error)
            raise
        wh.runs.finish(run_id, "completed", run.counts.snapshot())
