"""Start-up of ad-hoc commands: the first one (no Prefect server running yet) and a second one
(the local server the first started is reused), against the work they do.

    python benchmarks/startup.py [--repeat 3] [--keep DIR]

Builds the demo warehouse in a temporary folder (its bundled sites on loopback), then times
whole `chipwire` processes, as a user runs them:

- ``reclassify`` (19 articles): first with no server running, then a second time;
- the same in ephemeral mode (CHIPWIRE_LOCAL_SERVER=0: every command starts its own server);
- ``query "select 1"`` (no Prefect at all).

"work" is what the command's `runs` row spans (its flow body: reading, classifying, writing);
"overhead" is the rest of the wall time (Python, imports, Prefect, the summary). The goal of
issue 11: a second small command within 3 s of its own work on this machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flows import localserver  # noqa: E402
from warehouse.db import Warehouse  # noqa: E402


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DO_NOT_TRACK": "1", **extra}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    return env


def _timed(args: list[str], env: dict) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"chipwire {' '.join(args)} failed: {done.stderr[-2000:]}")
    return took


def _last_run_seconds(db: Path) -> float:
    rows = Warehouse(db).operations.query("SELECT epoch(finished_at - started_at) FROM runs ORDER BY started_at DESC LIMIT 1")[1]
    return float(rows[0][0])


def _pair(db: Path, env: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    """(total, work) of a first and of a second reclassify, no server running before the first."""
    localserver.stop(db.parent / "prefect")
    args = ["reclassify", "--db", str(db), "--no-progress"]
    first = _timed(args, env), _last_run_seconds(db)
    second = _timed(args, env), _last_run_seconds(db)
    return first, second


def _line(label: str, samples: list[tuple[float, float]]) -> str:
    totals = [t for t, _ in samples]
    works = [w for _, w in samples]
    over = [t - w for t, w in samples]
    return (f"{label:<44} total {min(totals):5.2f} / {statistics.median(totals):5.2f} s   "
            f"work {statistics.median(works):4.2f} s   overhead {min(over):5.2f} / {statistics.median(over):5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work here (kept) instead of a temporary folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="chipwire-startup-"))
    db = folder / "data" / "demo.duckdb"
    try:
        made = subprocess.run([sys.executable, "-m", "flows.cli", "demo", "--db", str(db), "--no-progress"],
                              env=_env(), capture_output=True, text=True)
        if made.returncode != 0:
            raise SystemExit(f"chipwire demo failed: {made.stderr[-2000:]}")
        results: dict[str, list] = {"first": [], "second": [], "first (ephemeral)": [], "second (ephemeral)": []}
        for _ in range(args.repeat):
            first, second = _pair(db, _env())
            results["first"].append(first)
            results["second"].append(second)
            first, second = _pair(db, _env(CHIPWIRE_LOCAL_SERVER="0"))
            results["first (ephemeral)"].append(first)
            results["second (ephemeral)"].append(second)
        query = [(_timed(["query", "--db", str(db), "select 1"], _env()), 0.0) for _ in range(args.repeat)]
        load = os.getloadavg()[0]
        print(f"start-up of ad-hoc commands, {args.repeat} runs each (min / median); load average {load:.1f}")
        for label in ("first", "second"):
            print(_line(f"reclassify 19 articles, {label} command", results[label]))
        for label in ("first (ephemeral)", "second (ephemeral)"):
            print(_line(f"reclassify, {label}", results[label]))
        print(_line("query \"select 1\"", query))
        second_over = statistics.median(t - w for t, w in results["second"])
        print(f"goal: a second small command within 3 s of its own work: {second_over:.2f} s "
              f"({'met' if second_over <= 3 else 'not met'})")
    finally:
        localserver.stop(db.parent / "prefect")
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
