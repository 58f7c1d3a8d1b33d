"""Progress bars and the end-of-run summary (rich), shown only to people at a terminal."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table


class Progress:
    """One live display with a bar per running stage (fetching and extracting run together)."""

    def __init__(self, enabled: bool | None = None, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self._bar: RichProgress | None = None
        self._open = 0
        self._lock = threading.Lock()
        self.timings: dict[str, float] = {}  # wall seconds per stage label (stages may overlap)

    def __getstate__(self) -> dict:
        """Sent to another process (a Dask worker): no terminal there, so no bars."""
        return {"timings": {}}

    def __setstate__(self, state: dict) -> None:
        self.__init__(enabled=False)

    @contextlib.contextmanager
    def stage(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        started = time.monotonic()
        try:
            with self._bar_for(label, total) as advance:
                yield advance
        finally:
            self.timings[label] = self.timings.get(label, 0.0) + time.monotonic() - started

    @contextlib.contextmanager
    def _bar_for(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        if not self.enabled or total <= 0:
            yield lambda n=1: None
            return
        with self._lock:
            if self._bar is None:
                self._bar = RichProgress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                                         TimeElapsedColumn(), console=self.console, transient=True)
                self._bar.start()
            self._open += 1
            bar = self._bar
            task_id = bar.add_task(label, total=total)
        try:
            yield lambda n=1: bar.advance(task_id, n)
        finally:
            with self._lock:
                bar.remove_task(task_id)
                self._open -= 1
                if self._open == 0:
                    bar.stop()
                    self._bar = None


SUMMARY_ROWS = [
    ("feeds polled", "feeds_polled"), ("feeds unchanged (304)", "feeds_not_modified"),
    ("feeds failed", "feeds_failed"), ("feeds unreachable (network down?)", "feeds_unreachable"),
    ("feed entries seen", "entries_seen"), ("new URLs queued", "entries_new"),
    ("pages to fetch", "pages_queued"), ("pages fetched", "pages_fetched"), ("pages failed", "pages_failed"),
    ("articles new", "articles_new"), ("articles updated", "articles_updated"),
    ("not articles", "extract_failed"),
]


EXTRA_ROWS = [
    ("files read", "files_seen"), ("files stored", "files_stored"), ("files already stored", "files_skipped"),
    ("files that copy another (same canonical URL)", "files_duplicate"),
    ("pages to extract again", "pages_requeued"), ("stored bodies missing (fetched again)", "pages_body_missing"), ("pages left for the next run (budget)", "pages_left"),
    ("sites cleaned", "sites_cleaned"), ("articles re-cleaned", "articles_recleaned"),
    ("articles classified", "articles_classified"), ("articles relevant", "articles_relevant"),
    ("articles clustered", "articles_clustered"),
]


def summary_table(title: str, counts: dict, seconds: float | None = None) -> Table:
    table = Table(title=title + (f" in {seconds:.1f} s" if seconds is not None else ""), title_justify="left",
                  min_width=len(title) + 12)
    table.add_column("stage")
    table.add_column("count", justify="right")
    rows = ([r for r in SUMMARY_ROWS if r[1] != "feeds_unreachable" or counts.get(r[1])] if "feeds_polled" in counts
            else [r for r in SUMMARY_ROWS if r[1] in counts])
    rows = rows + [r for r in EXTRA_ROWS if r[1] in counts]
    named = {key for _, key in SUMMARY_ROWS + EXTRA_ROWS} | {"run_id", "feeds_skipped", "pages_failed_transient"}
    rows += [(k.replace("_", " "), k) for k in sorted(counts) if k not in named and isinstance(counts[k], int)]
    for label, key in rows:
        table.add_row(label, str(counts.get(key, 0)))
    return table


def print_summary(title: str, counts: dict, seconds: float | None = None, stream=None) -> None:
    """The run's counts as a table, then its notes (an outage, say), one line each."""
    console = Console(file=stream or sys.stdout, width=100)
    console.print(summary_table(title, counts, seconds))
    timings = counts.get("stage_seconds") or {}
    if timings:  # where the time went (fetching and extracting overlap)
        console.print("time: " + " · ".join(f"{k} {v:.1f} s" for k, v in timings.items()), highlight=False,
                      soft_wrap=True)
    for note in counts.get("notes") or ():
        console.print(f"[bold]note:[/bold] {note}", highlight=False, soft_wrap=True)
