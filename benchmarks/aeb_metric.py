"""The article-extraction benchmark's metric (AEB ``evaluate.py``; L3S-GN1's ``score.py`` is the
same definition), written out here so that no third-party code is imported at run time.

Tokens are ``\\w+`` matches; each text becomes a multiset of word 4-gram shingles; per page
tp = shared shingles, fp = predicted only, fn = true only, normalised to sum to 1 (long pages
weigh no more than short ones); precision is averaged over the pages that predicted something,
recall over the pages with a true body (an empty prediction scores recall 0); F1 is the
harmonic mean of the two averages.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)

Triple = tuple[float, float, float]


def shingles(text: str | None, n: int = 4) -> Counter:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_matching(true: str | None, pred: str | None) -> Triple:
    """(tp, fp, fn) of one page, normalised to sum to 1 (all 0 when both are empty)."""
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def page_f1(triple: Triple) -> float:
    """One page's own F1 (for listing pages, not the benchmark's averaged figure)."""
    p, r = _precision(*triple), _recall(*triple)
    return 2 * p * r / (p + r) if p + r else 0.0


def scores(triples: list[Triple]) -> dict[str, float]:
    precision = statistics.mean([_precision(*x) for x in triples if x[0] + x[1] > 0] or [0.0])
    recall = statistics.mean([_recall(*x) for x in triples if x[0] + x[2] > 0] or [0.0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "pages": len(triples)}


def paired_bootstrap(a: list[Triple], b: list[Triple], n: int = 1000, seed: int = 0) -> tuple[float, float]:
    """F1(a) - F1(b) over resampled page sets: (mean, 1.96 * stdev), as evaluate.py does."""
    rng = random.Random(seed)
    idx = range(len(a))
    diffs = []
    for _ in range(n):
        pick = [rng.choice(idx) for _ in idx]
        diffs.append(scores([a[i] for i in pick])["f1"] - scores([b[i] for i in pick])["f1"])
    return statistics.mean(diffs), 1.96 * statistics.stdev(diffs)
