"""Where a page's extraction time goes: chipwire's worker step by step, against
``trafilatura.extract`` with its defaults, on one core, in one process, on real pages.

    python benchmarks/stage_costs.py                 # both page mixes
    python benchmarks/stage_costs.py --mix l3s --rounds 3

Page mixes: ``aeb`` (the 181 article pages of ../shared/corpora/aeb) and ``l3s`` (the 621
Google News pages of ../shared/corpora/l3s-gn1). Each round runs the worker's whole job
(`flows.work.extract_one`: unpack, parse, metadata, trafilatura, cleaning, language, dates,
site lines, classification, signature) over every page, then ``trafilatura.extract`` over the
same pages. Pages come with a feed entry's date, as in an ingest (``--no-feed-dates``: as saved
files, when htmldate's free-text date search also runs). Rounds alternate so the machine's drift hits both alike, and the best round of each
is reported. Steps are timed by wrapping the functions the worker looks up, in CPU time
(``time.process_time``: the machine's other jobs do not count); "other" is the worker's total
minus the timed steps.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPORA = REPO.parent / "shared" / "corpora"
MIXES = {"aeb": CORPORA / "aeb" / "html", "l3s": CORPORA / "l3s-gn1" / "html"}

# (label, module, attribute): the functions the worker calls, timed where it looks them up
STEPS = [
    ("unpack", "flows.work", "codec"),  # special-cased below: codec.unpack
    ("decode + parse", "extractors.article", "_parse"),
    ("metadata", "extractors.article", "page_metadata"),
    ("structured data", "extractors.article", "read_structured"),
    ("title evidence", "extractors.article", "page_headings"),
    ("title evidence", "extractors.article", "PageText"),
    ("trafilatura", "extractors.body", "run_trafilatura"),
    ("title choice", "extractors.article", "choose_title"),
    ("body check (reference)", "extractors.body", "_reference"),
    ("lines above, linked", "extractors.article", "_above_headline"),
    ("lines above, linked", "extractors.article", "_linked_headlines"),
    ("cleaning", "extractors.article", "clean_text"),
    ("language", "extractors.article", "choose_language"),
    ("dates", "extractors.article", "page_published"),
    ("site lines", "flows.work", "line_rows"),
    ("classification", "extractors.classify", "classify"),
    ("signature", "extractors.dedup", "signature"),
]


def load(mix: str, limit: int | None) -> list[bytes]:
    paths = sorted(MIXES[mix].glob("*.html.gz"))[:limit]
    if not paths:
        sys.exit(f"no pages at {MIXES[mix]}: the benchmark needs ../shared/corpora")
    return [gzip.open(p).read() for p in paths]


class Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.depth: dict[str, int] = defaultdict(int)

    def wrap(self, label: str, fn):
        def timed(*args, **kwargs):
            if self.depth[label]:  # a step calling itself is counted once
                return fn(*args, **kwargs)
            self.depth[label] += 1
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.process_time() - t
                self.calls[label] += 1
                self.depth[label] -= 1
        return timed

    def install(self) -> None:
        import importlib

        import warehouse.codec as codec

        codec_unpack = codec.unpack
        for label, module, attr in STEPS:
            if attr == "codec":
                continue
            mod = importlib.import_module(module)
            setattr(mod, attr, self.wrap(label, getattr(mod, attr)))
        codec.unpack = self.wrap("unpack", codec_unpack)


def jobs(pages: list[bytes], taxonomy: str, feed_dates: bool = True):
    from extractors.article import EntryHints
    from flows.work import ExtractJob
    from warehouse import codec

    now = datetime.now(timezone.utc)
    return [ExtractJob(frontier_url=f"https://bench.example/p/{i}.html", link=f"https://bench.example/p/{i}.html",
                       final_url=f"https://bench.example/p/{i}.html", content_type="text/html", body=codec.pack(b),
                       fetched_at=now, feed_url=None, taxonomy_path=taxonomy,
                       hints=EntryHints(published_at=now if feed_dates else None))
            for i, b in enumerate(pages)]


def run(mix: str, rounds: int, limit: int | None, feed_dates: bool) -> None:
    import trafilatura

    from extractors import prune
    from flows.work import extract_one, warm
    from warehouse.records import Extracted
    from flows.settings import default_taxonomy_path

    pages = load(mix, limit)
    taxonomy = str(default_taxonomy_path())
    warm(taxonomy)
    timers = Timers()
    timers.install()
    work = jobs(pages, taxonomy, feed_dates)
    best_worker, best_plain, best_steps, ok = float("inf"), float("inf"), {}, 0
    for _ in range(rounds):
        timers.seconds.clear(), timers.calls.clear()
        t = time.process_time()
        results = [extract_one(j) for j in work]
        worker = time.process_time() - t
        if worker < best_worker:
            best_worker, best_steps = worker, (dict(timers.seconds), dict(timers.calls))
            ok = sum(1 for r in results if isinstance(r, Extracted))
        with prune.stock():  # the reference is stock trafilatura (chipwire's pruning selectors off)
            t = time.process_time()
            for body in pages:
                trafilatura.extract(body)
            best_plain = min(best_plain, time.process_time() - t)
    n = len(pages)
    seconds, calls = best_steps
    print(f"\n{mix}: {n} pages ({ok} articles), best of {rounds} alternating rounds, one process")
    print(f"  trafilatura.extract, defaults   {1000 * best_plain / n:7.2f} ms/page")
    print(f"  chipwire worker, every step      {1000 * best_worker / n:7.2f} ms/page  "
          f"= {best_worker / best_plain:.2f} x trafilatura.extract")
    timed = 0.0
    for label in dict.fromkeys(label for label, _, _ in STEPS):
        s = seconds.get(label, 0.0)
        timed += s
        extra = f"  ({calls.get(label, 0) / n:.2f} calls/page)" if label == "trafilatura" else ""
        print(f"    {label:<28} {1000 * s / n:7.2f} ms/page  {100 * s / best_worker:5.1f} %{extra}")
    other = best_worker - timed
    print(f"    {'other':<28} {1000 * other / n:7.2f} ms/page  {100 * other / best_worker:5.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mix", choices=sorted(MIXES), action="append", help="page mix (repeat; default: both)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--limit", type=int, help="only the first N pages of each mix")
    ap.add_argument("--no-feed-dates", action="store_true",
                    help="pages without a feed entry's date (like saved files): htmldate's free-text search runs")
    args = ap.parse_args()
    for mix in args.mix or ["aeb", "l3s"]:
        run(mix, args.rounds, args.limit, not args.no_feed_dates)


if __name__ == "__main__":
    main()
