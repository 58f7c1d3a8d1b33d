"""The classification figures of labelled documents (shared by eval_classify.py and
train_classifier.py, so that cross-validation and the test report count alike).

    Outcome(relevant, themes)                   what the classifier said (themes: primary first)
    document_metrics(docs, outcomes, theme_ids) -> dict

- relevance accuracy: predicted relevant == labelled relevant, over every document;
- primary accuracy: over the documents labelled relevant (one predicted irrelevant is wrong);
- present themes found: labelled-present themes the classifier assigned / labelled-present;
- absent themes assigned: every theme a document is not labelled with (present or, in the dev
  set, in passing) counts as absent, irrelevant documents included (the dev set's rule); the
  news corpus labels no passing mentions, so a passing mention assigned counts as an error here;
- forbidden assigned: the stricter subset: themes labelled clearly absent though their words
  appear (the corpus's ``forbidden``) that the classifier assigned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from extractors.corpus import Document


@dataclass(frozen=True)
class Outcome:
    relevant: bool
    themes: tuple[str, ...]  # primary first


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class _Tally:
    def __init__(self) -> None:
        self.c: dict[str, int] = defaultdict(int)

    def add(self, doc: Document, out: Outcome, theme_ids: Sequence[str]) -> None:
        c = self.c
        c["n"] += 1
        c["rel_ok"] += out.relevant == bool(doc.relevant)
        if doc.relevant:
            c["prim_n"] += 1
            c["prim_ok"] += bool(out.relevant and out.themes and out.themes[0] == doc.primary)
        pred = set(out.themes) if out.relevant else set()
        for t in theme_ids:
            if t in doc.present:
                c["present"] += 1
                c["found"] += t in pred
            elif t not in doc.passing:
                c["absent"] += 1
                c["assigned"] += t in pred
            if t in doc.absent:
                c["forbidden"] += 1
                c["forbidden_assigned"] += t in pred

    def figures(self) -> dict:
        c = self.c
        return {
            "documents": c["n"], "relevant": c["prim_n"],
            "relevance_accuracy": c["rel_ok"] / c["n"] if c["n"] else None,
            "primary_accuracy": c["prim_ok"] / c["prim_n"] if c["prim_n"] else None,
            "present_found": c["found"] / c["present"] if c["present"] else None,
            "present_n": c["present"],
            "absent_assigned": c["assigned"] / c["absent"] if c["absent"] else None,
            "absent_n": c["absent"],
            "forbidden_assigned": c["forbidden_assigned"] / c["forbidden"] if c["forbidden"] else None,
            "forbidden_n": c["forbidden"],
        }


def document_metrics(docs: Sequence[Document], outcomes: Sequence[Outcome], theme_ids: Iterable[str]) -> dict:
    """Overall, per-language and per-theme figures, and the errors, of one set of documents."""
    theme_ids = tuple(theme_ids)
    overall, by_lang = _Tally(), defaultdict(_Tally)
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    prim_n, prim_ok = defaultdict(int), defaultdict(int)
    errors: list[str] = []
    for d, o in zip(docs, outcomes):
        overall.add(d, o, theme_ids)
        by_lang[_lang(d)].add(d, o, theme_ids)
        pred = set(o.themes) if o.relevant else set()
        for t in theme_ids:
            gold = t in d.present
            tp[t] += gold and t in pred
            fn[t] += gold and t not in pred
            fp[t] += (t in pred) and not gold and t not in d.passing
        if d.relevant:
            prim_n[d.primary] += 1
            prim_ok[d.primary] += bool(o.relevant and o.themes and o.themes[0] == d.primary)
        errors.extend(_errors(d, o, pred))
    per_theme = {t: dict(zip(("precision", "recall", "f1"), _prf(tp[t], fp[t], fn[t])), support=tp[t] + fn[t],
                         primary_n=prim_n[t], primary_accuracy=prim_ok[t] / prim_n[t] if prim_n[t] else None)
                 for t in theme_ids}
    out = overall.figures()
    out.update(per_language={k: v.figures() for k, v in sorted(by_lang.items())}, per_theme=per_theme, errors=errors)
    return out


def _lang(d: Document) -> str:
    if d.lang == "zh" and d.script:
        return f"zh-{d.script}"
    return d.lang or "?"


def _errors(d: Document, o: Outcome, pred: set[str]) -> list[str]:
    out = []
    if o.relevant != bool(d.relevant):
        out.append(f"{d.id} [{_lang(d)}]: relevant {o.relevant}, labelled {d.relevant}")
    elif d.relevant and (not o.themes or o.themes[0] != d.primary):
        out.append(f"{d.id} [{_lang(d)}]: primary {o.themes[0] if o.themes else None}, labelled {d.primary} ({', '.join(o.themes)})")
    missed = [t for t in d.present if t not in pred]
    extra = [t for t in pred if t not in d.present and t not in d.passing]
    if d.relevant and o.relevant and (missed or extra):
        out.append(f"{d.id} [{_lang(d)}]: missed {missed} extra {extra}")
    return out
