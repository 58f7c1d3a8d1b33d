"""What the main process's memory is made of over one `chipwire ingest`: the parts a peak is
built from, sampled inside the process (the throughput benchmark only sees VmRSS from outside).

    python benchmarks/memory_parts.py --pages 8000                 # AEB pages, 20 feeds
    python benchmarks/memory_parts.py --mix l3s --pages 4000 --tsv parts.tsv

Pages, feeds and the loopback site are those of `throughput.py`. The ingest runs in a child
process started through this file (``--child``), which samples itself every 0.25 s on a thread:

- VmRSS and RssAnon (/proc/self/status);
- Python's allocated blocks (``sys.getallocatedblocks``: objects alive, not bytes);
- glibc's main heap, bytes in use and bytes free but kept (``mallinfo2``; other threads'
  arenas are not in it);
- DuckDB's buffer-managed memory (``duckdb_memory()`` of the run's kept instance, read under
  the file's turn lock, every fourth sample);

and logs RssAnon just before and just after each release of the run's DuckDB instance
(`warehouse.keeping.FileTurn.release`, wrapped here and nowhere else): what the instance held
beyond its buffer manager shows as the drop at each release. Read on AEB at 8,000 pages in the
sixteenth session (docs/benchmarks.md): Python blocks, glibc in use and the buffer manager flat,
the instance's untracked memory 60-110 MB a release cycle, the level after each release rising.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLE_S = 0.25
COLUMNS = ("s", "VmRSS", "RssAnon", "py_blocks", "glibc_used", "glibc_free", "duckdb")


def _status() -> dict[str, int]:
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "RssAnon:")):
                found[line.split()[0].rstrip(":")] = int(line.split()[1]) // 1024
    return found


def _child(log_path: str, argv: list[str]) -> None:
    """Run flows.cli with the sampler and the release log (in the ingest's own process)."""
    import ctypes
    import runpy
    import threading

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                     "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    from warehouse.keeping import FileTurn
    from warehouse.staging import held_bytes

    t0 = time.perf_counter()
    log = open(log_path, "w", buffering=1)
    log.write("\t".join(COLUMNS) + "\n")

    def duckdb_mb() -> int:
        """DuckDB's buffer-managed MB in the run's kept instance; -1 when none is open."""
        for turn in list(FileTurn._all.values()):
            if not turn.lock.acquire(timeout=0.2):
                continue
            try:
                cur = turn.kept.cursor(True) if turn.kept is not None else None
                if cur is not None:
                    try:
                        return held_bytes(cur) >> 20
                    finally:
                        cur.close()
            except Exception:  # noqa: BLE001 - a sample missed, never the run
                return -1
            finally:
                turn.lock.release()
        return -1

    def sample() -> None:
        n = 0
        while True:
            status, heap = _status(), libc.mallinfo2()
            duck = duckdb_mb() if n % 4 == 0 else -1
            log.write(f"{time.perf_counter() - t0:.2f}\t{status.get('VmRSS')}\t{status.get('RssAnon')}\t"
                      f"{sys.getallocatedblocks()}\t{heap.uordblks >> 20}\t{heap.fordblks >> 20}\t{duck}\n")
            n += 1
            time.sleep(SAMPLE_S)

    release = FileTurn.release

    def logged_release(turn: FileTurn) -> None:
        held = turn.kept is not None
        before = _status().get("RssAnon")
        release(turn)
        if held:
            log.write(f"#release\t{time.perf_counter() - t0:.2f}\t{before}\t{_status().get('RssAnon')}\n")

    FileTurn.release = logged_release
    threading.Thread(target=sample, daemon=True).start()
    sys.argv = ["flows.cli", *argv]
    runpy.run_module("flows.cli", run_name="__main__")


def _read(path: Path) -> tuple[list[tuple[float, ...]], list[tuple[float, int, int]]]:
    samples, releases = [], []
    for line in path.read_text().splitlines()[1:]:
        parts = line.split("\t")
        if parts[0] == "#release":
            releases.append((float(parts[1]), int(parts[2]), int(parts[3])))
        elif len(parts) == len(COLUMNS) and parts[1] != "None":
            samples.append(tuple(float(p) for p in parts))
    return samples, releases


def summarise(path: Path) -> None:
    samples, releases = _read(path)
    if not samples:
        sys.exit(f"no samples in {path}")
    peak = max(samples, key=lambda s: s[1])
    print(f"peak VmRSS {peak[1]:.0f} MB at {peak[0]:.0f} s: RssAnon {peak[2]:.0f}, Python blocks {peak[3]:,.0f}, "
          f"glibc main heap in use {peak[4]:.0f} / free {peak[5]:.0f} MB")
    duck = [s[6] for s in samples if s[6] >= 0]
    if duck:
        print(f"DuckDB buffer-managed memory: median {sorted(duck)[len(duck) // 2]:.0f}, max {max(duck):.0f} MB")
    # the periodic releases of extraction (every RELEASE_EVERY pages), not the tail's bursts
    cycle = [r for i, r in enumerate(releases) if i == 0 or r[0] - releases[i - 1][0] >= 2.0]
    if cycle:
        third = max(1, len(cycle) // 3)
        for name, part in (("first", cycle[:third]), ("last", cycle[-third:])):
            drop = sum(b - a for _, b, a in part) / len(part)
            after = sum(a for _, _, a in part) / len(part)
            print(f"periodic instance releases, {name} third ({len(part)}): RssAnon falls {drop:.0f} MB at each, "
                  f"to {after:.0f} MB on average")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3:])
        return
    import throughput

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=4000)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--mix", choices=sorted(throughput.MIXES), default="aeb")
    ap.add_argument("--tsv", type=Path, help="keep the samples here (default: a temporary file)")
    args = ap.parse_args()
    pages = throughput.build_pages(args.pages, args.mix)
    sites, site = throughput.serve(pages, args.feeds)
    tmp = Path(tempfile.mkdtemp(prefix="chipwire-memparts-"))
    env = throughput.chipwire_env()
    db = tmp / "data" / "chipwire.duckdb"
    tsv = args.tsv or tmp / "parts.tsv"
    try:
        sources = throughput.write_sources(tmp / "sources.toml", site.origin, args.feeds)
        done = subprocess.run([sys.executable, __file__, "--child", str(tsv), "ingest", "--no-progress",
                               "--sources", str(sources), "--db", str(db)], env=env, cwd=str(REPO),
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"chipwire ingest failed:\n{done.stderr[-3000:]}")
        print(f"{args.mix}: {args.pages} pages; {done.stdout[done.stdout.find('time:'):].strip()}")
        summarise(tsv)
    finally:
        throughput.stop_local_server(db, env)
        sites.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)  # the warehouse and bodies; --tsv is kept where it was asked


if __name__ == "__main__":
    main()
