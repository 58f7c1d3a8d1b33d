"""Evaluate relevance, themes, entities and story clusters on the labelled dev set.

    python benchmarks/eval_classify.py [--devset tests/devset] [--taxonomy FILE] [--json]
                                       [--sweep]

Prints, for the tune split and the held-back split separately (and both together):
relevance accuracy (and precision/recall), per-theme precision/recall/F1, primary-theme
accuracy, the share of clearly-present themes found, the share of clearly-absent themes
assigned, entity checks, near-duplicate cluster pair precision/recall/F1, and speed.
``--sweep`` also prints the Jaccard similarity of labelled pairs and cluster F1 per threshold.

Labels (tests/devset/articles/*.txt, a header then ``---`` then the body, see
tests/devset/README.md): relevant, primary, themes (clearly present, primary first),
mentions (themes touched in passing: counted neither as present nor as absent), group
(near-duplicate group; default: the article's own id), event (articles about one event),
entities (canonical entities that must be found).

The functions (load_devset, evaluate, evaluate_clusters) are what tests/test_classify.py and
tests/test_dedup.py assert the bars on, so the figures in docs/classification.md and the
tests come from the same code.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors.classify import classify  # noqa: E402
from extractors.dedup import THRESHOLD, assign_clusters, jaccard, signature  # noqa: E402
from extractors.taxonomy import Taxonomy, load_taxonomy  # noqa: E402

DEVSET = ROOT / "tests" / "devset"
SPLITS = ("tune", "held", "all")
GROUPS = ("tune", "held", "late", "all")  # late: the held articles written after tuning stopped

# The bars the issue sets for a held-out set.
BARS = {
    "relevance_accuracy": (">=", 0.95),
    "primary_accuracy": (">=", 0.85),
    "present_found": (">=", 0.85),
    "absent_assigned": ("<=", 0.05),
    "cluster_f1": (">=", 0.90),
    "relevant_with_entities": (">=", 1.0),
}


@dataclass(frozen=True)
class DevArticle:
    id: str
    split: str
    language: str
    published: str
    title: str
    relevant: bool
    primary: str | None
    themes: tuple[str, ...]
    mentions: tuple[str, ...]
    group: str
    event: str | None
    entities: tuple[str, ...]
    text: str = field(repr=False)
    late: bool = False  # written after tuning stopped (a subset of the held split)


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_article(raw: str, name: str = "?") -> DevArticle:
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{name}: no '---' line between header and text")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"{name}: header line without ':': {line!r}")
        meta[key.strip()] = value.strip()
    themes = _list(meta.get("themes", ""))
    primary = meta.get("primary") or None
    relevant = meta.get("relevant", "").lower() == "true"
    if relevant and (not primary or not themes or themes[0] != primary):
        raise ValueError(f"{name}: a relevant article needs primary, and themes starting with it")
    return DevArticle(
        id=meta["id"],
        split=meta.get("split", "tune"),
        language=meta.get("language", "en"),
        published=meta.get("published", ""),
        title=meta.get("title", ""),
        relevant=relevant,
        primary=primary,
        themes=themes,
        mentions=_list(meta.get("mentions", "")),
        group=meta.get("group") or meta["id"],
        event=meta.get("event") or None,
        entities=_list(meta.get("entities", "")),
        text=body.strip("\n"),
        late=meta.get("late", "").lower() == "true",
    )


def load_devset(path: Path | str = DEVSET, split: str = "all") -> list[DevArticle]:
    files = sorted((Path(path) / "articles").glob("*.txt"))
    arts = [parse_article(f.read_text(encoding="utf-8"), f.name) for f in files]
    if split == "late":
        return [a for a in arts if a.late]
    return [a for a in arts if split == "all" or a.split == split]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(articles: list[DevArticle], taxonomy: Taxonomy) -> dict:
    """Classification metrics of one split; also returns the per-article errors."""
    theme_ids = taxonomy.theme_ids
    tp = {t: 0 for t in theme_ids}
    fp = {t: 0 for t in theme_ids}
    fn = {t: 0 for t in theme_ids}
    rel_ok = rel_tp = rel_fp = rel_fn = 0
    prim_ok = prim_n = 0
    present = present_found = 0
    absent = absent_assigned = 0
    ent_rel = ent_rel_ok = 0
    ent_expected = ent_found = 0
    errors: list[str] = []
    times: list[float] = []
    if articles:  # warm up: the first call compiles the taxonomy's matcher
        classify(articles[0].title, articles[0].text, articles[0].language, taxonomy)
    for a in articles:
        t0 = time.perf_counter()
        c = classify(a.title, a.text, a.language, taxonomy)
        times.append(time.perf_counter() - t0)
        pred = [h.theme for h in c.themes]
        gold = set(a.themes)
        if c.is_relevant == a.relevant:
            rel_ok += 1
        else:
            errors.append(f"{a.id}: relevance {c.relevance:.2f} predicted {c.is_relevant}, labelled {a.relevant}")
        rel_tp += c.is_relevant and a.relevant
        rel_fp += c.is_relevant and not a.relevant
        rel_fn += a.relevant and not c.is_relevant
        if a.relevant:
            prim_n += 1
            if pred and pred[0] == a.primary:
                prim_ok += 1
            else:
                errors.append(f"{a.id}: primary {pred[0] if pred else None}, labelled {a.primary} ({', '.join(f'{h.theme}={h.score:.2f}' for h in c.themes)})")
        for t in theme_ids:
            if t in gold:
                present += 1
                if t in pred:
                    present_found += 1
                    tp[t] += 1
                else:
                    fn[t] += 1
                    if a.relevant and c.is_relevant:
                        errors.append(f"{a.id}: missed theme {t}")
            elif t not in a.mentions:
                absent += 1
                if t in pred:
                    absent_assigned += 1
                    fp[t] += 1
                    errors.append(f"{a.id}: extra theme {t}")
        kinds = {e.kind for e in c.entities}
        if a.relevant:
            ent_rel += 1
            if kinds - {"country"}:
                ent_rel_ok += 1
            else:
                errors.append(f"{a.id}: no entity beyond countries")
        found = {e.entity for e in c.entities}
        for name in a.entities:
            ent_expected += 1
            if name in found:
                ent_found += 1
            else:
                errors.append(f"{a.id}: entity {name!r} not found")
    per_theme = {t: dict(zip(("precision", "recall", "f1"), _prf(tp[t], fp[t], fn[t])), support=tp[t] + fn[t]) for t in theme_ids}
    rp, rr, rf = _prf(rel_tp, rel_fp, rel_fn)
    return {
        "articles": len(articles),
        "relevant": sum(a.relevant for a in articles),
        "relevance_accuracy": rel_ok / len(articles) if articles else 1.0,
        "relevance_precision": rp,
        "relevance_recall": rr,
        "primary_accuracy": prim_ok / prim_n if prim_n else 1.0,
        "present_found": present_found / present if present else 1.0,
        "absent_assigned": absent_assigned / absent if absent else 0.0,
        "per_theme": per_theme,
        "macro_f1": statistics.mean(v["f1"] for v in per_theme.values()) if per_theme else 0.0,
        "relevant_with_entities": ent_rel_ok / ent_rel if ent_rel else 1.0,
        "entity_recall": ent_found / ent_expected if ent_expected else 1.0,
        "ms_per_article": 1000 * statistics.mean(times) if times else 0.0,
        "ms_max": 1000 * max(times) if times else 0.0,
        "errors": errors,
    }


def cluster_ids(articles: list[DevArticle], threshold: float = THRESHOLD, batch: int = 7, seed: int = 7) -> dict[str, str]:
    """Run assign_clusters as the pipeline would: articles arrive in a shuffled order, in
    batches, each batch placed against everything stored before it (so late-arriving earlier
    copies exercise the remapping)."""
    order = list(articles)
    random.Random(seed).shuffle(order)
    sigs = {a.id: signature(a.text) for a in articles}
    stored: dict[str, str] = {}
    for i in range(0, len(order), batch):
        chunk = order[i : i + batch]
        existing = [(aid, sigs[aid], pub[aid], cid) for aid, cid in stored.items()] if stored else []
        result = assign_clusters(existing, [(a.id, sigs[a.id], a.published) for a in chunk], threshold=threshold) if True else {}
        stored.update(result)
    return stored


pub: dict[str, str] = {}


def evaluate_clusters(articles: list[DevArticle], threshold: float = THRESHOLD) -> dict:
    """Pairwise precision/recall/F1 of 'same story' over all pairs of the split."""
    pub.update({a.id: a.published for a in articles})
    cid = cluster_ids(articles, threshold)
    tp = fp = fn = 0
    wrong: list[str] = []
    for a, b in itertools.combinations(articles, 2):
        gold = a.group == b.group
        same = cid[a.id] == cid[b.id]
        tp += gold and same
        fp += same and not gold
        fn += gold and not same
        if gold != same:
            wrong.append(f"{a.id}+{b.id}: {'merged' if same else 'split'}")
    # cluster ids must name the earliest article of each predicted cluster
    by_cluster: dict[str, list[DevArticle]] = {}
    for a in articles:
        by_cluster.setdefault(cid[a.id], []).append(a)
    earliest_ok = all(min(m, key=lambda x: (x.published, x.id)).id == c for c, m in by_cluster.items())
    p, r, f = _prf(tp, fp, fn)
    return {"pairs": tp + fn, "cluster_precision": p, "cluster_recall": r, "cluster_f1": f,
            "cluster_id_is_earliest": earliest_ok, "cluster_errors": wrong}


def pair_similarities(articles: list[DevArticle]) -> dict[str, list[float]]:
    """Estimated Jaccard of near-duplicate pairs, same-event pairs, and the closest other pairs."""
    sigs = {a.id: signature(a.text) for a in articles}
    dup, event, other = [], [], []
    for a, b in itertools.combinations(articles, 2):
        j = jaccard(sigs[a.id], sigs[b.id])
        item = (round(j, 3), f"{a.id}+{b.id}")
        if a.group == b.group:
            dup.append(item)
        elif a.event and a.event == b.event:
            event.append(item)
        else:
            other.append(item)
    return {"duplicates": sorted(dup), "same_event": sorted(event)[-6:], "other_top": sorted(other)[-5:]}


def check_bars(metrics: dict) -> list[str]:
    failed = []
    for key, (op, bar) in BARS.items():
        v = metrics[key]
        if (op == ">=" and v < bar) or (op == "<=" and v > bar):
            failed.append(f"{key} = {v:.3f} (bar {op} {bar})")
    return failed


def run(devset: Path = DEVSET, taxonomy_path: Path | None = None) -> dict:
    taxonomy = load_taxonomy(taxonomy_path)
    allarts = load_devset(devset)
    out = {}
    for split in GROUPS:
        arts = [a for a in allarts if split == "all" or a.split == split or (split == "late" and a.late)]
        m = evaluate(arts, taxonomy)
        m.update(evaluate_clusters(arts))
        out[split] = m
    return out


NAMES = {"tune": "tune", "held": "held-back", "late": "held-back, written after tuning stopped", "all": "all"}


def _print(results: dict, verbose: bool) -> None:
    for split in GROUPS:
        m = results[split]
        print(f"== {NAMES[split]}: {m['articles']} articles ({m['relevant']} relevant), {m['pairs']} near-duplicate pairs")
        print(f"relevance accuracy        {m['relevance_accuracy']:.3f}   (precision {m['relevance_precision']:.3f}, recall {m['relevance_recall']:.3f})")
        print(f"primary-theme accuracy    {m['primary_accuracy']:.3f}")
        print(f"clearly-present found     {m['present_found']:.3f}")
        print(f"clearly-absent assigned   {m['absent_assigned']:.3f}")
        print(f"theme macro F1            {m['macro_f1']:.3f}")
        print(f"relevant with entities    {m['relevant_with_entities']:.3f}   (beyond countries; labelled entities found {m['entity_recall']:.3f})")
        print(f"cluster pairs P / R / F1  {m['cluster_precision']:.3f} / {m['cluster_recall']:.3f} / {m['cluster_f1']:.3f}   (cluster id = earliest article: {m['cluster_id_is_earliest']})")
        print(f"speed                     {m['ms_per_article']:.2f} ms/article (max {m['ms_max']:.2f})")
        print(f"  {'theme':24s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>4s}")
        for t, v in m["per_theme"].items():
            print(f"  {t:24s} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['support']:4d}")
        failed = check_bars(m)
        print("bars: " + ("all met" if not failed else "NOT met: " + "; ".join(failed)))
        if verbose:
            for e in m["errors"] + m["cluster_errors"]:
                print("   ", e)
        print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=DEVSET)
    ap.add_argument("--taxonomy", type=Path, default=None, help="taxonomy file (default: the shipped one)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every error")
    ap.add_argument("--sweep", action="store_true", help="Jaccard of labelled pairs and cluster F1 per threshold")
    args = ap.parse_args(argv)
    results = run(args.devset, args.taxonomy)
    if args.json:
        print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk not in ("errors", "cluster_errors")} for k, v in results.items()}, indent=2))
    else:
        _print(results, args.verbose)
    if args.sweep:
        arts = load_devset(args.devset)
        sims = pair_similarities(arts)
        for label, key in (("near-duplicate pairs", "duplicates"), ("same event, different story (top)", "same_event"), ("closest other pairs", "other_top")):
            print(f"Jaccard, {label}:", " ".join(f"{j:.2f} ({ids})" for j, ids in sims[key]))
        for th in (0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
            for split in ("tune", "held"):
                m = evaluate_clusters([a for a in arts if a.split == split], th)
                print(f"threshold {th:.2f} {split:5s} P {m['cluster_precision']:.3f} R {m['cluster_recall']:.3f} F1 {m['cluster_f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
