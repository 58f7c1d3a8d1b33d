"""`chipwire label`, `review` and `train`: analysts correct the classifier, and it learns.

    chipwire label ARTICLE_ID [--theme X]... [--not-theme Y]... [--relevant | --irrelevant]
                   [--primary X] [--note TEXT] [--withdraw X|relevance|all]   one article's correction
    chipwire label --file labels.jsonl|labels.csv    many, all or none (one-line error naming the line)
    chipwire review [--limit N] [--theme X]          the articles the classifier is least sure of
    chipwire train [--corpus DIR]... [--out PATH]    a model from a corpus plus the labels (flows/train_cmd.py)

A label is stored in the warehouse's `labels` table and applied to the article's stored
classification at once; every later classification of the article (ingest, `reclassify`)
applies it again (warehouse/labels.py), so it survives; `chipwire train` learns from it.
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys

from .labelfile import LabelSpec, read_label_file, spec_problem, spec_rows, with_withdrawals_expanded
from .launch import die
from .settings import build_settings

EPILOG = """\
examples:
  chipwire review --limit 10                      # least sure first, each with its label command
  chipwire label 3f2a9c1d0b7e4a55 --primary smuggling_enforcement --not-theme export_controls
  chipwire label 3f2a9c1d0b7e4a55 --irrelevant --note "Russia sanctions, not chips"
  chipwire label 3f2a9c1d0b7e4a55 --withdraw export_controls   # take a label back: the classifier decides again
  chipwire label --file labels.csv               # columns: article_id, themes, not_themes, relevant, primary, note
  chipwire train && chipwire reclassify          # learn from the labels, then classify again with it
"""


def add_parser(sub) -> None:
    """Register ``label``, ``review`` and ``train``."""
    from . import train_cmd

    p = sub.add_parser("label", help="correct an article's relevance or themes (survives reclassify, trains the model)",
                       description="Record an analyst's correction of one article (or of many, --file): it is applied "
                       "to the stored classification at once, overrides the classifier from then on (ingest and "
                       "reclassify keep it), and is learnt by `chipwire train`. Naming a theme implies the article "
                       "is relevant. Theme ids are those of the taxonomy.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("article_id", nargs="?", metavar="ARTICLE_ID", help="the article (articles.article_id)")
    p.add_argument("--theme", action="append", default=[], metavar="ID", help="a theme it has (repeatable)")
    p.add_argument("--not-theme", action="append", default=[], metavar="ID", help="a theme it has not (repeatable)")
    rel = p.add_mutually_exclusive_group()
    rel.add_argument("--relevant", dest="relevant", action="store_const", const=True, help="it is on the topic")
    rel.add_argument("--irrelevant", dest="relevant", action="store_const", const=False,
                     help="it is not on the topic (removes its themes)")
    p.add_argument("--primary", metavar="ID", help="its main theme (implies --theme ID)")
    p.add_argument("--withdraw", action="append", default=[], metavar="ID",
                   help="take back the earlier labels of a theme, of `relevance`, or `all` of them: the classifier "
                   "decides them again (the labels stay in the table; repeatable)")
    p.add_argument("--note", metavar="TEXT", help="why (kept with the label)")
    p.add_argument("--by", metavar="NAME", help="who labels (default: the login name)")
    p.add_argument("--file", metavar="FILE", help="labels from a .jsonl or .csv file instead (all or none are stored)")
    _common(p)

    p = sub.add_parser("review", help="list the articles the classifier is least sure of, with the label command",
                       description="Classified articles nobody has labelled yet, the least sure first (relevance "
                       "near its threshold, two themes close for primary, a theme near its threshold): a few "
                       "labels there teach `chipwire train` the most. Each comes with the `chipwire label` command "
                       "that states what the classifier thinks: edit it to correct it.")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    p.add_argument("--theme", metavar="ID", help="only articles the classifier gave this theme")
    _common(p)
    train_cmd.add_parser(sub, _common)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE", help="warehouse file (default: $CHIPWIRE_DB or ./data/chipwire.duckdb)")
    p.add_argument("--taxonomy", metavar="FILE",
                   help="theme taxonomy (TOML; default: $CHIPWIRE_TAXONOMY or the shipped taxonomy)")


def _open(args):
    """(settings, taxonomy, warehouse) of a command, or raises ValueError/ExtractorError/WarehouseError."""
    from extractors.taxonomy import load_taxonomy
    from warehouse.db import Warehouse

    settings = build_settings(db=args.db, taxonomy=args.taxonomy)
    if not settings.db_path.exists():
        raise ValueError(f"{settings.db_path}: no warehouse here yet (run `chipwire ingest` or `chipwire demo` first)")
    taxonomy = load_taxonomy(settings.taxonomy_path)
    wh = Warehouse(settings.db_path, lock_wait=settings.lock_wait)
    wh.migrate()
    return settings, taxonomy, wh


def _specs(args, theme_ids) -> tuple[list[LabelSpec], list[str]]:
    """The label specs of the command line or of --file, and where each came from."""
    if args.file and args.article_id:
        raise ValueError("give either ARTICLE_ID or --file, not both")
    if args.file:
        if args.theme or args.not_theme or args.primary or args.relevant is not None or args.note or args.withdraw:
            raise ValueError("--file: the labels come from the file (no --theme, --not-theme, --primary, --note, "
                             "--withdraw, --relevant or --irrelevant with it)")
        return read_label_file(args.file, theme_ids)
    if not args.article_id:
        raise ValueError("name the article: chipwire label ARTICLE_ID --theme ID ... (or --file FILE)")
    spec = with_withdrawals_expanded(LabelSpec(args.article_id.strip(), tuple(args.theme), tuple(args.not_theme),
                                               args.relevant, args.primary, args.note, tuple(args.withdraw)), theme_ids)
    problem = spec_problem(spec, theme_ids)
    if problem:
        raise ValueError(problem)
    return [spec], ["the command line"]


def cmd_label(args) -> int:
    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    try:
        settings, taxonomy, wh = _open(args)
        specs, where = _specs(args, taxonomy.theme_ids)
        held = wh.labels.stored_ids([s.article_id for s in specs])
        missing = next((i for i, s in enumerate(specs) if s.article_id not in held), None)
        if missing is not None:
            raise ValueError(f"{where[missing]}: no article {specs[missing].article_id!r} in {settings.db_path} "
                             "(`chipwire review` lists stored articles with their ids)")
        by = args.by or _login()
        counts = wh.labels.add([row for s in specs for row in spec_rows(s, by)])
        again = _classify_withdrawn(settings, taxonomy, wh, [s.article_id for s in specs if s.withdraw])
    except (ValueError, ExtractorError, WarehouseError) as err:
        return die(str(err))
    print(f"chipwire: stored {counts['labels']} label{'s' * (counts['labels'] != 1)} of {counts['articles']} "
          f"article{'s' * (counts['articles'] != 1)} in {settings.db_path}; applied now, kept by reclassify"
          + (f"; {again} classified again where labels were withdrawn" if again else ""))
    for state in wh.labels.classification_of([s.article_id for s in specs][:20]):
        print("  " + _state_line(state))
    return 0


def _classify_withdrawn(settings, taxonomy, wh, article_ids: list[str]) -> int:
    """Classify again the articles whose labels were taken back, so that the classifier's own
    verdict replaces the withdrawn one at once (the labels still standing are applied again)."""
    if not article_ids:
        return 0
    from .refine import classify_pending
    from .work import classifier_model

    counts = classify_pending(wh, taxonomy, force=True, ids=sorted(set(article_ids)),
                              model=classifier_model(settings.model_path))
    return counts["articles_classified"]


def _login() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def _state_line(state: dict) -> str:
    themes = ", ".join(f"{t} ({src})" for t, src in zip(state["themes"], state["sources"])) or "no themes"
    line = f"{state['article_id']}: {'relevant' if state['is_relevant'] else 'not relevant'}; {themes}"
    if state["is_relevant"] and not state["themes"]:
        line += " (name one with --theme or --primary, or run `chipwire reclassify`)"
    return line


def label_command(row: dict, db_arg: str | None) -> str:
    """The `chipwire label` command that states what the classifier thinks of an article."""
    parts = ["chipwire", "label", row["article_id"]]
    if db_arg:
        parts += ["--db", db_arg]
    if not row["is_relevant"]:
        parts.append("--irrelevant")
    elif row["themes"]:
        parts += ["--primary", row["themes"][0]]
        for theme in row["themes"][1:]:
            parts += ["--theme", theme]
    else:
        parts.append("--relevant")
    return shlex.join(parts)


def cmd_review(args) -> int:
    from extractors.errors import ExtractorError
    from warehouse.errors import WarehouseError

    try:
        settings, taxonomy, wh = _open(args)
        if args.theme and args.theme not in taxonomy.theme_ids:
            raise ValueError(f"--theme {args.theme!r}: not a theme of {settings.taxonomy_path} "
                             f"(one of {', '.join(taxonomy.theme_ids)})")
        rows = wh.labels.review(limit=args.limit, theme=args.theme)
    except (ValueError, ExtractorError, WarehouseError) as err:
        return die(str(err))
    if not rows:
        print("chipwire: no unlabelled classified articles" + (f" with theme {args.theme}" if args.theme else ""))
        return 0
    print(f"{len(rows)} articles the classifier is least sure of (least sure first); each command states what it "
          "thinks: edit it to correct it\n")
    for n, r in enumerate(rows, 1):
        rel = "relevant" if r["is_relevant"] else "not relevant"
        print(f"{n:>3}. {r['article_id']}  uncertainty {r['uncertainty']:.2f}  relevance {r['relevance']:.2f} ({rel})"
              f"  {r['source'] or '?'}  [{r['language'] or '?'}]")
        print(f"     {(r['title'] or '(no title)')[:110]}")
        print(f"     themes: {', '.join(r['themes']) or '-'}")
        print(f"     {label_command(r, args.db)}\n")
    sys.stdout.flush()
    return 0


def cmd_train(args) -> int:
    from .train_cmd import cmd_train as train

    return train(args)


HANDLERS = {"label": cmd_label, "review": cmd_review, "train": cmd_train}
