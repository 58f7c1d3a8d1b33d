"""Running a flow the way every command does: its input checked first (one line when bad),
then Prefect (the local server), the flow, and the summary; an interruption or a user error
ends in one line and an exit code. Shared by the CLI and the demo."""

from __future__ import annotations

import sys
import time

from extractors.errors import SourcesError

from . import interrupt
from .settings import Settings


def die(message: str, code: int = 2) -> int:
    print(f"chipwire: error: {message}", file=sys.stderr)
    return code


def check_first(settings: Settings) -> None:
    """The taxonomy and the warehouse are checked before Prefect starts: a bad one fails in a
    second, with one line."""
    from extractors.taxonomy import load_taxonomy
    from warehouse.db import Warehouse

    load_taxonomy(settings.taxonomy_path)
    check_model(settings)
    Warehouse(settings.db_path, lock_wait=settings.lock_wait).migrate()


def check_model(settings: Settings) -> None:
    """The classifier's model file (a trained one: $CHIPWIRE_MODEL or beside the warehouse)
    loads, or ExtractorError in one line."""
    if settings.model_path is None:
        return
    from extractors.errors import ExtractorError

    from .work import classifier_model

    try:
        classifier_model(settings.model_path)
    except ValueError as err:  # extractors.model.ModelError
        raise ExtractorError(f"{err} (the classifier's model: $CHIPWIRE_MODEL, or <db>.model.npz written by "
                             "`chipwire train`; CHIPWIRE_MODEL=shipped uses the shipped model)") from None


def say(message: str) -> None:
    print(f"chipwire: {message}", file=sys.stderr, flush=True)


def interrupted_line(settings: Settings, err: BaseException) -> str:
    """What an interrupted run kept, from its `runs` row."""
    import os

    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError

    try:
        kept = Warehouse(settings.db_path, lock_wait=5).runs.kept_by_interrupted(os.getpid())
    except WarehouseError:
        kept = None
    how = "SIGTERM" if interrupt.exit_code(err) == 143 else "Ctrl-C"
    if kept is None:
        return f"stopped ({how}); nothing was lost: run the same command again to carry on"
    fetched, stored, classified = kept
    return (f"stopped ({how}): kept {fetched} pages fetched, {stored} articles stored and {classified} "
            "classified in this run; the same command carries on from there")


def run_flow(settings: Settings, title: str, call) -> dict:
    """Run one flow the way every command does: the checks first, then Prefect (the local
    server), the flow, and the summary. Raises what the user should see in one line;
    `Interrupted` when stopped (its `runs` row is marked interrupted)."""
    from .progress import print_summary

    check_first(settings)
    started = time.monotonic()
    from .localserver import connected

    with connected(settings, announce=say):
        counts = call()
    print_summary(f"chipwire {title} run {counts.get('run_id')}", counts, time.monotonic() - started)
    return counts


def run_ingest(settings: Settings, title: str = "ingest") -> dict:
    """Validate, then run the Prefect flow; returns the run's counts. Raises user-facing errors."""
    from extractors.sources import load_sources

    sources = load_sources(settings.sources_path)  # a bad sources file fails here, before anything else
    if not sources.feeds and not sources.pages:
        raise SourcesError(f"{settings.sources_path}: no [[feeds]] or [[pages]] to ingest "
                           "(add some: see docs/sources.md)")

    def call():
        from .ingest import ingest_flow, with_runner

        return with_runner(ingest_flow, settings)(settings)

    return run_flow(settings, title, call)


def guarded(settings: Settings, work) -> int:
    """Run a command's work: a user error is one line (exit 2); an interruption one line on
    what was kept (exit 130 for Ctrl-C, 143 for SIGTERM)."""
    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    from .localserver import LocalServerError

    try:
        work()
    except (ExtractorError, WarehouseError, LocalServerError) as err:
        return die(str(err))
    except KeyboardInterrupt as err:
        say(interrupted_line(settings, err))
        return interrupt.exit_code(err)
    except Exception as err:  # noqa: BLE001 -- one line for the user, the traceback in a file
        stopped = interrupt.interrupted_by(err)
        if stopped is not None:  # an error of the shutdown the interruption started
            say(interrupted_line(settings, stopped))
            return interrupt.exit_code(stopped)
        return die(unexpected(settings, err), 1)
    return 0


def unexpected(settings: Settings, err: Exception) -> str:
    """One line for an error chipwire did not expect (a full disk under Prefect's database, a
    bug); the traceback goes to ``<data>/logs/error-<time>.txt`` for whoever looks into it."""
    import traceback
    from datetime import datetime

    from warehouse.errors import DiskFull, is_disk_full

    chained = [err, err.__cause__, err.__context__]
    if any(e is not None and is_disk_full(e) for e in chained):
        return str(DiskFull(settings.data_dir))
    where = settings.data_dir / "logs" / f"error-{datetime.now():%Y%m%d-%H%M%S}.txt"
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_text("".join(traceback.format_exception(err)))
        told = f"; details in {where}"
    except OSError:
        told = ""
    return f"{type(err).__name__}: {str(err).splitlines()[0][:300] if str(err) else ''}{told}"


