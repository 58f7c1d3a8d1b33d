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
import threading
from collections.abc import Iterator

from .errors import Interrupted

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


@contextlib.contextmanager
def interruptible(deadline: float | None = None) -> Iterator[None]:
    """``deadline``: seconds the process may take to wind down after the first signal before it
    exits at once (for `serve`, whose libraries can swallow the interruption while they start;
    it holds no data of its own: its runs are processes of their own that stop by themselves)."""
    fired: list[int] = []
    handled = threading.Event()

    def on_signal(signum, _frame):
        handled.set()
        fired.append(signum)
        if len(fired) == 1:
            if deadline is not None:
                timer = threading.Timer(deadline, _overdue, args=(signum, deadline))
                timer.daemon = True
                timer.start()
            raise Interrupted(signum)
        if len(fired) >= 3:
            os._exit(EXIT_CODES.get(fired[0], 130))

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    relay = _Relay(handled)
    try:
        yield
    finally:
        with contextlib.suppress(KeyboardInterrupt):  # a library's own handler may raise again
            relay.close()
        for sig, handler in previous.items():  # once interrupted, the process only winds down
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, signal.SIG_IGN if fired else handler)


def _overdue(signum: int, deadline: float) -> None:
    with contextlib.suppress(OSError):
        os.write(2, f"chipwire: still stopping {deadline:.0f} s after "
                    f"{'SIGTERM' if signum == signal.SIGTERM else 'Ctrl-C'}: exiting now\n".encode())
    os._exit(EXIT_CODES.get(signum, 130))


class _Relay:
    """Python runs signal handlers in the main thread, but the kernel may deliver a signal to
    any thread: then a main thread blocked in a system call (reading a slow file, say) is not
    woken and the handler waits. The C-level handler writes every signal to a wakeup pipe; this
    thread reads it and, when the Python handler has not run shortly after, sends the signal to
    the main thread itself, which interrupts its system call (PEP 475: the handler runs, and
    its exception propagates)."""

    def __init__(self, handled: threading.Event):
        self.handled = handled
        self.main = threading.main_thread().ident
        self.read_end, self.write_end = os.pipe()
        os.set_blocking(self.write_end, False)
        try:
            self.previous = signal.set_wakeup_fd(self.write_end, warn_on_full_buffer=False)
        except ValueError:  # not in the main thread: nothing to relay
            self.previous = None
            self.thread = None
            return
        self.thread = threading.Thread(target=self._run, name="chipwire-signal-relay", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                data = os.read(self.read_end, 16)
            except OSError:
                return
            if not data:
                return
            if not self.handled.wait(0.2):
                with contextlib.suppress(OSError, ValueError):
                    signal.pthread_kill(self.main, data[-1])

    def close(self) -> None:
        if self.thread is None:
            return
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self.previous if self.previous is not None else -1)
        os.close(self.write_end)  # the relay reads the end of its pipe and stops
        self.thread.join(timeout=1)
        os.close(self.read_end)


def interrupted_by(err: BaseException) -> BaseException | None:
    """The interruption behind ``err``, when an error raised while a command was stopping
    (a library failing as its loop is torn down) hides the Ctrl-C or SIGTERM that caused it."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt) or type(err).__name__ == "TerminationSignal":
            return err
        seen.add(id(err))
        if isinstance(err, BaseExceptionGroup):  # a task group's: the interruption is one of its members
            found = next((f for f in map(interrupted_by, err.exceptions) if f is not None), None)
            if found is not None:
                return found
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
