"""`chipwire train`: a classifier model from a labelled corpus plus the warehouse's labels.

Needs scikit-learn (the ``train`` extra; nothing else in chipwire imports it). The corpus is
what ``--corpus`` names (a folder with ``news.jsonl`` in the news-labelled format, or with
``articles/*.txt`` in the dev-set format; repeatable), else the training set of the shipped
model, found beside the source checkout (the news-labelled corpus's tuning part, read from
``../shared/corpora/news-labelled`` with ``benchmarks/news_split.json``; the dev set's tune split;
``tests/trainset``). Every labelled article of the warehouse becomes a correction
(``extractors.corpus.Correction``: its stored title and text, the labels' verdicts).

The model goes beside the warehouse (``<db>.model.npz``), where every later ingest, backfill and
reclassify of that warehouse finds it (Settings.model_path), or to ``--out``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import sys
from pathlib import Path

from .launch import die
from .settings import build_settings, trained_model_path

CHECKOUT = Path(__file__).resolve().parents[1]
NEWS_CORPUS = CHECKOUT.parent / "shared" / "corpora" / "news-labelled"
NEWS_SPLIT = CHECKOUT / "benchmarks" / "news_split.json"
DEVSET, TRAINSET = CHECKOUT / "tests" / "devset", CHECKOUT / "tests" / "trainset"
INSTALL_HINT = "pip install 'chipwire[train]' (in a checkout: pip install '.[train]')"


def add_parser(sub, common) -> None:
    p = sub.add_parser("train", help="train the classifier on a labelled corpus plus the warehouse's labels",
                       description="Train the classifier's model (needs scikit-learn: " + INSTALL_HINT + ") on a "
                       "labelled corpus plus every article labelled with `chipwire label`, and write it beside the "
                       "warehouse (<db>.model.npz), where ingest, backfill and reclassify of that warehouse use it "
                       "from then on (run `chipwire reclassify` to apply it to the stored articles; "
                       "CHIPWIRE_MODEL=shipped goes back to the shipped model). Default corpus: the shipped model's "
                       "training set, from the source checkout.")
    p.add_argument("--corpus", action="append", default=[], metavar="DIR",
                   help="labelled documents: a folder with news.jsonl (news-labelled format) or with articles/*.txt "
                   "(dev-set format); repeatable (default: the shipped model's training set)")
    p.add_argument("--out", metavar="PATH", help="model file to write (default: <db>.model.npz beside the warehouse)")
    p.add_argument("--no-labels", action="store_true", help="leave the warehouse's labels out")
    common(p)


def read_corpus(folder: Path) -> list:
    """The labelled documents of one folder (or news.jsonl file). ValueError: one line."""
    from extractors.corpus import CorpusError, parse_devset_article, parse_news_jsonl

    news = folder if folder.is_file() else folder / "news.jsonl"
    try:
        if news.is_file():
            return parse_news_jsonl(news.read_text(encoding="utf-8"), source=folder.name or "corpus")
        files = sorted((folder / "articles").glob("*.txt")) or sorted(folder.glob("*.txt"))
        if not files:
            raise ValueError(f"--corpus {folder}: no news.jsonl and no articles/*.txt in it")
        return [parse_devset_article(f.read_text(encoding="utf-8"), f.name, source=folder.name) for f in files]
    except CorpusError as err:
        raise ValueError(f"--corpus {folder}: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"--corpus {folder}: cannot read: {getattr(err, 'strerror', None) or err}") from None


def shipped_training_set() -> list:
    """The shipped model's training documents (benchmarks/train_classifier.py), from the source
    checkout and the corpus beside it. ValueError naming what is missing."""
    missing = [str(p) for p in (NEWS_CORPUS / "news.jsonl", NEWS_SPLIT, DEVSET / "articles") if not p.exists()]
    if missing:
        raise ValueError(f"the shipped model's training set is not here ({missing[0]} is missing: it lives in the "
                         "source checkout and ../shared beside it); give --corpus DIR")
    tune = set(json.loads(NEWS_SPLIT.read_text(encoding="utf-8"))["tune"])
    news = [d for d in read_corpus(NEWS_CORPUS) if d.story in tune]
    dev = [d for d in read_corpus(DEVSET) if _devset_splits().get(d.id, "tune") == "tune"]
    own = read_corpus(TRAINSET) if (TRAINSET / "articles").is_dir() else []
    return news + dev + own


def _devset_splits() -> dict[str, str]:
    """Dev-set article id -> its split (tune: trained on; held: kept for evaluation)."""
    from extractors.corpus import parse_devset_header

    splits = {}
    for f in sorted((DEVSET / "articles").glob("*.txt")):
        meta, _ = parse_devset_header(f.read_text(encoding="utf-8"), f.name)
        splits[meta["id"]] = meta.get("split", "tune")
    return splits


def corrections(wh) -> list:
    """Every labelled article of the warehouse as a Correction (its stored title and text)."""
    from extractors.corpus import Correction

    return [Correction(r["article_id"], r["title"] or "", r["text"] or "", r["language"], relevant=r["relevant"],
                       themes=tuple(r["themes"]), not_themes=tuple(r["not_themes"]), primary=r["primary_theme"])
            for r in wh.labels.effective()]


def cmd_train(args) -> int:
    if importlib.util.find_spec("sklearn") is None:
        return die("chipwire train needs scikit-learn, which is not installed: " + INSTALL_HINT)
    from extractors.errors import ExtractorError
    from extractors.taxonomy import load_taxonomy
    from warehouse.db import Warehouse
    from warehouse.errors import WarehouseError

    settings = build_settings(db=args.db, taxonomy=args.taxonomy)
    out = Path(args.out) if args.out else trained_model_path(settings.db_path)
    try:
        taxonomy = load_taxonomy(settings.taxonomy_path)
        docs = [d for c in args.corpus for d in read_corpus(Path(c))] if args.corpus else shipped_training_set()
        fixes = []
        if not args.no_labels and settings.db_path.exists():
            wh = Warehouse(settings.db_path, lock_wait=settings.lock_wait)
            wh.migrate()
            fixes = corrections(wh)
    except (ValueError, ExtractorError, WarehouseError) as err:
        return die(str(err))
    print(f"chipwire: training on {len(docs)} documents and {len(fixes)} labelled articles ...", file=sys.stderr)
    return _train_and_write(docs, fixes, taxonomy, out, args, settings)


def _train_and_write(docs, fixes, taxonomy, out: Path, args, settings) -> int:
    from extractors.train import train_model

    meta = {"corpus": ", ".join(str(c) for c in args.corpus) or "the shipped model's training set",
            "analyst_corrections": len(fixes), "trained_by": "chipwire train"}
    model = train_model(docs, taxonomy, corrections=fixes, meta=meta)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
        model.save(tmp)
        os.replace(tmp, out)  # a run loading the model never reads half a file
    except OSError as err:
        return die(f"{out}: cannot write: {err.strerror or err}")
    print(f"wrote {out}: classifier model {model.version} ({len(docs)} documents, {len(fixes)} analysts' "
          f"corrections; languages {', '.join(model.meta['languages'])})")
    if out.resolve() == trained_model_path(settings.db_path).resolve():
        print(f"ingest, backfill and reclassify of {settings.db_path} classify with it from now on; apply it to the "
              "stored articles with:\n  chipwire reclassify" + (f" --db {shlex.quote(args.db)}" if args.db else "") +
              f"\n(back to the shipped model: delete {out}, or set CHIPWIRE_MODEL=shipped)")
    else:
        print(f"use it with:\n  CHIPWIRE_MODEL={shlex.quote(str(out.resolve()))} chipwire reclassify"
              + (f" --db {shlex.quote(args.db)}" if args.db else ""))
    return 0
