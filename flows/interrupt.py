"""Ctrl-C and SIGTERM: one clean stop.

While a command runs, the first SIGINT or SIGTERM raises `Interrupted` in the main thread; the
run then stops its stages, stores what it holds and records itself as ``interrupted``
(`flows.run.recorded_run`). Further signals are ignored while that happens (a few seconds), so
a second Ctrl-C cannot break the cleanup into tracebacks; a third one ends the process at once.
Prefect swaps in its own SIGTERM handler while a flow runs and passes the signal back to this
one when its flow has stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

from .errors import Interrupted

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    fired: list[int] = []

    def on_signal(signum, _frame):
        fired.append(signum)
        if len(fired) == 1:
            raise Interrupted(signum)
        if len(fired) >= 3:
            os._exit(EXIT_CODES.get(fired[0], 130))

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():  # once interrupted, the process only winds down
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, signal.SIG_IGN if fired else handler)


def interrupted_by(err: BaseException) -> BaseException | None:
    """The interruption behind ``err``, when an error raised while a command was stopping
    (a library failing as its loop is torn down) hides the Ctrl-C or SIGTERM that caused it."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt) or type(err).__name__ == "TerminationSignal":
            return err
        seen.add(id(err))
        err = err.__context__ or err.__cause__
    return None


def exit_code(err: BaseException) -> int:
    """130 for Ctrl-C, 143 for SIGTERM."""
    signum = getattr(err, "signum", None) or getattr(err, "signal", None) or signal.SIGINT
    return EXIT_CODES.get(signum, 130)


EXIT_GRACE = 5.0  # seconds an interrupted command may take to wind down once it has said so


def exit_soon(code: int, grace: float = EXIT_GRACE) -> None:
    """An interrupted command has stored what it had and said so: let the interpreter end as
    usual (Prefect flushes its logs and events), but end the process after ``grace`` seconds
    whatever a library's thread is still waiting for."""
    import sys
    import threading

    def end() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(grace, end)
    timer.daemon = True
    timer.start()
