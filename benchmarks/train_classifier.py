"""Train the shipped classifier model, or cross-validate its settings on the tuning part.

    python benchmarks/train_classifier.py --cv [--grid]     figures of 5-fold CV (folds by story)
    python benchmarks/train_classifier.py --cv --curve      the same with a quarter, half, ... of the training stories
    python benchmarks/train_classifier.py                   train and write extractors/models/

Training documents: the news-labelled corpus's tuning part (benchmarks/news_split.json; read
from ../shared at run time, never copied), the dev set's tune split (tests/devset, its held
split stays out for evaluation) and the articles written for training (tests/trainset). The
test part of the corpus is not read here. ``--extra FILE.jsonl``: more labelled news in the
corpus's format, trained on and never scored (the shipped model has none); with
``--check-extra`` instead held out and scored (a model trained as shipped). Needs the ``train``
extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.classify_metrics import Outcome, document_metrics  # noqa: E402
from benchmarks.split_news import CORPUS, corpus_version, load_split, make_split  # noqa: E402
from extractors.corpus import Document, parse_devset_article, parse_news_jsonl  # noqa: E402
from extractors.model import DEFAULT_MODEL  # noqa: E402
from extractors.taxonomy import load_taxonomy  # noqa: E402
from extractors.train import TrainParams, fit, group_folds, predict_prepared, prepare  # noqa: E402

DEVSET = ROOT / "tests" / "devset"
TRAINSET = ROOT / "tests" / "trainset"

# Chosen by the cross-validation below on the tuning part (see docs/classification.md).
PARAMS = TrainParams()


def read_articles(folder: Path, source: str) -> list[Document]:
    files = sorted((folder / "articles").glob("*.txt"))
    return [parse_devset_article(f.read_text(encoding="utf-8"), f.name, source=source) for f in files]


def devset_split(folder: Path = DEVSET) -> dict[str, str]:
    """Dev-set article id -> its split (tune / held)."""
    from extractors.corpus import parse_devset_header

    out = {}
    for f in sorted((folder / "articles").glob("*.txt")):
        meta, _ = parse_devset_header(f.read_text(encoding="utf-8"), f.name)
        out[meta["id"]] = meta.get("split", "tune")
    return out


def news_part(corpus: Path, part: str) -> tuple[list[Document], str]:
    raw = (corpus / "news.jsonl").read_bytes()
    split = load_split()
    if split["corpus_version"] != corpus_version(raw):
        print(f"warning: the corpus is {corpus_version(raw)}, the split was made on {split['corpus_version']}", file=sys.stderr)
    stories = set(split[part])
    return [d for d in parse_news_jsonl(raw.decode("utf-8")) if d.story in stories], corpus_version(raw)


def training_documents(corpus: Path = CORPUS, extra: Sequence[Path] = (), extra_weight: float = 1.0) -> tuple[list[Document], str]:
    news, version = news_part(corpus, "tune")
    splits = devset_split()
    dev = [d for d in read_articles(DEVSET, "devset") if splits[d.id] == "tune"]
    own = read_articles(TRAINSET, "trainset") if TRAINSET.is_dir() else []
    return news + dev + own + [replace(d, weight=extra_weight) for d in extra_documents(corpus, extra)], version


def extra_documents(corpus: Path, files: Sequence[Path]) -> list[Document]:
    """More labelled news in the corpus's own format (``--extra``; source ``news-extra``),
    without any document the test part could know: one whose URL is in the corpus, or whose
    story is one of the test part's (another outlet's copy of a held-out event); nor a repeated
    URL, nor one a reviewer marked ``"drop": true``. docs/classification.md: what such data did."""
    if not files:
        return []
    rows = [json.loads(line) for line in (corpus / "news.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    known = {r["url"].rstrip("/") for r in rows}
    test = set(load_split()["test"])
    kept, dropped = [], 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("drop") or row["url"].rstrip("/") in known or row.get("story") in test:
                dropped += 1
                continue
            known.add(row["url"].rstrip("/"))
            kept.append(line)
    print(f"extra: {len(kept)} documents ({dropped} left out: dropped by review, in the corpus, a repeat, or a test story)", file=sys.stderr)
    return parse_news_jsonl("\n".join(kept), source="news-extra")


def held_out_outcomes(prep, params: TrainParams, taxonomy, splits, threshold: float = 0.5) -> list[Outcome | None]:
    """What the classifier says of each held-out document when trained on the rest, for each
    (train indices, held-out indices) of ``splits``: relevance at the taxonomy's threshold, then
    the model's themes (Model.themes_of); None for a document never held out."""
    out: list[Outcome | None] = [None] * len(prep.docs)
    for tr, te in splits:
        model = fit(prep.subset(tr), params, taxonomy)
        for i, p in zip(te, predict_prepared(model, prep.subset(te))):
            rel = p.relevance >= threshold
            out[i] = Outcome(rel, tuple(t for t, _, _ in model.themes_of(p)) if rel else ())
    return out


def cross_validate_outcomes(prep, params: TrainParams, taxonomy, folds: int = 5, threshold: float = 0.5) -> list[Outcome]:
    """Every document's outcome when trained without its story (5 folds by story)."""
    return held_out_outcomes(prep, params, taxonomy, group_folds(prep.docs, folds), threshold)


def newest_split(docs) -> tuple[list[int], list[int]]:
    """The test part's own recipe inside the tuning part: the most recent stories of each group
    (split_news.make_split) are held out (news documents only), the rest (with the dev set and
    trainset) trains. Cross-validation by story mixes old and new stories; the test part is the
    newest, so this is the check that measures what a change does to stories newer than the
    training data."""
    held = set(make_split([d for d in docs if d.source == "news-labelled"])["test"])
    newest = [d.source == "news-labelled" and d.story in held for d in docs]
    # any other document of a held-out story (an --extra copy of that event) trains on nothing
    return ([i for i, d in enumerate(docs) if d.story not in held],
            [i for i, n in enumerate(newest) if n])


def run_cv(prep, params: TrainParams, taxonomy, verbose: bool = False, temporal: bool = False) -> dict:
    if temporal:
        tr, te = newest_split(prep.docs)
        outs = held_out_outcomes(prep, params, taxonomy, [(tr, te)])
        return {"newest": document_metrics([prep.docs[i] for i in te], [outs[i] for i in te], taxonomy.theme_ids)}
    outs = cross_validate_outcomes(prep, params, taxonomy)
    result = {"all": document_metrics(prep.docs, outs, taxonomy.theme_ids)}
    for source in sorted({d.source for d in prep.docs}):
        idx = [i for i, d in enumerate(prep.docs) if d.source == source]
        result[source] = document_metrics([prep.docs[i] for i in idx], [outs[i] for i in idx], taxonomy.theme_ids)
    return result


def _line(name: str, m: dict) -> str:
    f = lambda v: "  -  " if v is None else f"{v:.3f}"  # noqa: E731
    return (f"{name:28s} n={m['documents']:4d} rel {f(m['relevance_accuracy'])} prim {f(m['primary_accuracy'])} "
            f"found {f(m['present_found'])} absent {f(m['absent_assigned'])} forbidden {f(m['forbidden_assigned'])}")


GRID = {
    "c_relevance": (1.0, 4.0, 16.0),
    "c_presence": (2.0, 4.0, 16.0),
    "c_primary": (2.0, 4.0, 16.0),
    "term_scale_relevance": (0.05, 0.2),
    "term_scale_presence": (0.05, 0.2),
    "term_scale_primary": (0.05, 0.2, 0.4),
    "presence_threshold": (0.4, 0.5),
}


def _setting(text: str) -> tuple[str, object]:
    """KEY=VALUE of --set: a number, or for primary_offsets THEME:OFFSET,... (empty: none)."""
    key, value = text.split("=", 1)
    if key == "primary_offsets":
        return key, tuple((t, float(o)) for t, o in (p.split(":") for p in value.split(",") if p))
    return key, float(value) if "." in value else int(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--cv", action="store_true", help="cross-validate on the tuning part, write nothing")
    ap.add_argument("--grid", action="store_true", help="with --cv: one setting at a time around PARAMS")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a TrainParams field (primary_offsets=THEME:OFFSET,...; empty for none)")
    ap.add_argument("--temporal", action="store_true",
                    help="with --cv: hold out the newest stories of the tuning part instead of 5 folds")
    ap.add_argument("--curve", action="store_true",
                    help="with --cv: a learning curve (each fold's training stories subsampled to 25, 50, 75, 100%%, "
                         "three draws each): does more labelled data still help?")
    ap.add_argument("--extra", type=Path, action="append", default=[], metavar="JSONL",
                    help="more labelled news in the corpus's format (repeat): trained on, never scored; "
                         "documents of the corpus or of its test stories are left out")
    ap.add_argument("--extra-weight", type=float, default=1.0, help="each --extra document's weight (default 1)")
    ap.add_argument("--check-extra", action="store_true",
                    help="with --extra: train as shipped (without them) and score the --extra documents: "
                         "a held-out check of other events")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = ap.parse_args(argv)
    if args.extra and not (args.cv or args.check_extra) and args.out.resolve() == DEFAULT_MODEL.resolve():
        # the shipped model holds only what the project's people wrote, or learnt from the corpus
        ap.error("--extra would write the shipped model trained on texts kept outside the project: "
                 "give --out PATH for such a model, or use --cv / --check-extra")
    taxonomy = load_taxonomy()
    params = replace(PARAMS, **dict(_setting(s) for s in args.set))
    docs, version = training_documents(args.corpus, args.extra, args.extra_weight)
    t0 = time.perf_counter()
    prep = prepare(docs, taxonomy)
    print(f"{len(docs)} training documents, features in {time.perf_counter() - t0:.1f} s")
    if args.check_extra:
        return _check_extra(prep, params, taxonomy)
    if args.cv and args.curve:
        return _curve(prep, params, taxonomy, args.temporal)
    if args.cv:
        return _cv(prep, params, taxonomy, args)
    meta = {"corpus": "news-labelled", "corpus_version": version, "split": "benchmarks/news_split.json (tune part)",
            "trained_on": {s: sum(d.source == s for d in docs) for s in sorted({d.source for d in docs})}}
    model = fit(prep, params, taxonomy, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB on disk, {model.nbytes() / 1e6:.2f} MB of arrays), version {model.version}")
    cv = run_cv(prep, params, taxonomy)
    write_sidecar(args.out.with_suffix(".json"), model, cv)
    for name, m in cv.items():
        print("  cv " + _line(name, m))
    return 0


_KEEP = ("documents", "relevant", "relevance_accuracy", "primary_accuracy", "present_found", "present_n",
         "absent_assigned", "absent_n", "forbidden_assigned", "forbidden_n")


def write_sidecar(path: Path, model, cv: dict) -> None:
    """The model's description beside it: data, split, settings, languages, and the figures of
    5-fold cross-validation on the tuning part (eval_classify.py --record adds the test part's)."""
    meta = {k: v for k, v in model.meta.items() if k not in ("term_features",)}
    meta.update(version=model.version, bytes=model.nbytes(), model_file=path.with_suffix(".npz").name,
                cross_validation={name: {k: m[k] for k in _KEEP} for name, m in cv.items()})
    meta["cross_validation"]["all"]["per_language"] = cv["all"]["per_language"]
    path.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")


CURVE_SHARES = (0.25, 0.5, 0.75, 1.0)
CURVE_DRAWS = 3


def _subsample(docs, train: list[int], share: float, draw: int) -> list[int]:
    """The training indices of a share of the training stories (whole stories, chosen by a hash
    of the story id and the draw: deterministic)."""
    import hashlib

    stories = sorted({docs[i].story or docs[i].id for i in train},
                     key=lambda s: hashlib.sha1(f"{draw}:{s}".encode()).hexdigest())
    keep = set(stories[: max(1, round(share * len(stories)))])
    return [i for i in train if (docs[i].story or docs[i].id) in keep]


def _curve(prep, params, taxonomy, temporal: bool) -> int:
    """News figures of held-out documents when each split's training part is cut to a share of
    its stories; the mean over CURVE_DRAWS draws (one draw at 100%)."""
    splits = [newest_split(prep.docs)] if temporal else group_folds(prep.docs, 5)
    news = [i for i, d in enumerate(prep.docs) if d.source == "news-labelled"]
    print(f"learning curve ({'newest stories held out' if temporal else '5-fold CV by story'}; news documents scored)")
    for share in CURVE_SHARES:
        rows = []
        for draw in range(CURVE_DRAWS if share < 1.0 else 1):
            cut = [(_subsample(prep.docs, list(tr), share, draw), te) for tr, te in splits]
            outs = held_out_outcomes(prep, params, taxonomy, cut)
            idx = [i for i in news if outs[i] is not None]
            rows.append((document_metrics([prep.docs[i] for i in idx], [outs[i] for i in idx], taxonomy.theme_ids),
                         sum(len(tr) for tr, _ in cut) / len(cut)))
        mean = lambda k: sum(m[k] for m, _ in rows) / len(rows)  # noqa: E731
        print(f"  {share:4.0%} of training stories (~{sum(n for _, n in rows) / len(rows):.0f} documents): "
              f"rel {mean('relevance_accuracy'):.3f} prim {mean('primary_accuracy'):.3f} "
              f"found {mean('present_found'):.3f} absent {mean('absent_assigned'):.3f}")
    return 0


def _check_extra(prep, params, taxonomy) -> int:
    """Train on every document but the --extra ones, score those."""
    train = [i for i, d in enumerate(prep.docs) if d.source != "news-extra"]
    held = [i for i, d in enumerate(prep.docs) if d.source == "news-extra"]
    if not held:
        print("--check-extra needs --extra documents", file=sys.stderr)
        return 2
    outs = held_out_outcomes(prep, params, taxonomy, [(train, held)])
    print("  " + _line("news-extra (held out)", document_metrics([prep.docs[i] for i in held],
                                                                [outs[i] for i in held], taxonomy.theme_ids)))
    return 0


def _cv(prep, params, taxonomy, args) -> int:
    settings = [params]
    if args.grid:
        settings += [replace(params, **{k: v}) for k, vs in GRID.items() for v in vs if v != getattr(params, k)]
    for p in settings:
        t0 = time.perf_counter()
        res = run_cv(prep, p, taxonomy, temporal=args.temporal)
        diff = {k: v for k, v in vars(p).items() if v != getattr(params, k)} or "base"
        print(f"-- {diff} ({time.perf_counter() - t0:.0f} s)")
        for name, m in res.items():
            print("  " + _line(name, m))
        if args.verbose and p is params:
            res = res.get("all", res.get("newest"))
            for lang, m in res["per_language"].items():
                print("    " + _line(lang, m))
            for t, v in res["per_theme"].items():
                print(f"    {t:24s} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} n {v['support']} primary {v['primary_accuracy']}")
            for e in res["errors"]:
                print("     ", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
