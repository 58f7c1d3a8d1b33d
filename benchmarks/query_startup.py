"""Wall time of `chipwire query "select 1"` and what its imports cost.

    python benchmarks/query_startup.py                 # this checkout
    python benchmarks/query_startup.py --repo ../main  # another checkout (before/after)

Runs the command N times (default 15) against a fresh migrated warehouse in a temporary folder
and prints the median and the fastest wall time, then the slowest top-level imports of one run
(``python -X importtime``). Timings on a busy machine are not worth much: compare medians taken
back to back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _env(repo: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(repo)}


def _run(repo: Path, db: Path, extra: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *(extra or []), "-m", "flows.cli", "query", "--db", str(db), "select 1"],
                          capture_output=True, text=True, env=_env(repo), cwd=repo, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, default=HERE, help="checkout to measure (default: this one)")
    ap.add_argument("-n", type=int, default=15, help="runs (default 15)")
    args = ap.parse_args()
    repo = args.repo.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        subprocess.run([sys.executable, "-c", f"from warehouse.db import Warehouse; Warehouse({str(db)!r}).migrate()"],
                       env=_env(repo), cwd=repo, check=True)
        _run(repo, db)  # warm the file cache
        times = []
        for _ in range(args.n):
            started = time.perf_counter()
            _run(repo, db)
            times.append(time.perf_counter() - started)
        imports = _run(repo, db, ["-X", "importtime"]).stderr.splitlines()
    print(f"{repo}: chipwire query \"select 1\": median {statistics.median(times):.3f} s, "
          f"fastest {min(times):.3f} s over {args.n} runs (load average {os.getloadavg()[0]:.1f})")
    top = []
    for line in imports:
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            top.append((int(parts[1]), parts[2].strip()))
    print("slowest top-level imports (cumulative):")
    for us, name in sorted(top, reverse=True)[:8]:
        print(f"  {us / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
