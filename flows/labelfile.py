"""Analysts' labels as `chipwire label` reads them: one command line, or a file of them.

    read_label_file(path, theme_ids) -> ([LabelSpec], [where])   ValueError: one line naming the line
    spec_problem(spec, theme_ids) -> str | None                   what is wrong with one label
    spec_rows(spec, labelled_by) -> [row for the labels table]

A file is JSON Lines (``.jsonl``: one object a line) or CSV (``.csv``: a header line), with
the fields ``article_id`` (required), ``themes``, ``not_themes``, ``relevant``, ``primary``,
``note``, ``withdraw`` (theme ids, ``relevance`` or ``all``: labels taken back; and
``theme``/``not_theme`` for one). In CSV, several themes are separated by ``;``,
``|`` or spaces, and ``relevant`` is true/false/yes/no/1/0 or empty (not said).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

FIELDS = ("article_id", "themes", "theme", "not_themes", "not_theme", "relevant", "primary", "note", "withdraw")
RELEVANCE = "relevance"  # what --withdraw calls the relevance verdict
_TRUE, _FALSE = {"true", "yes", "1", "relevant"}, {"false", "no", "0", "irrelevant"}


@dataclass(frozen=True)
class LabelSpec:
    article_id: str
    themes: tuple[str, ...] = ()
    not_themes: tuple[str, ...] = ()
    relevant: bool | None = None
    primary: str | None = None
    note: str | None = None
    # labels taken back before the rest is stored: theme ids, or RELEVANCE for the relevance verdict
    withdraw: tuple[str, ...] = ()


def spec_problem(spec: LabelSpec, theme_ids, names=("--theme", "--not-theme", "--primary", "--withdraw")) -> str | None:
    """What is wrong with one label (one line), or None; ``names``: how its fields are called."""
    known = tuple(theme_ids)
    if not spec.article_id:
        return "no article_id"
    for name, values in ((names[0], spec.themes), (names[1], spec.not_themes),
                         (names[2], (spec.primary,) if spec.primary else ())):
        for t in values:
            if t not in known:
                return f"{name} {t!r}: not a theme of the taxonomy (one of {', '.join(known)})"
    for t in spec.withdraw:
        if t not in known and t != RELEVANCE:
            return f"{names[3]} {t!r}: not a theme of the taxonomy, {RELEVANCE!r} or 'all' (one of {', '.join(known)})"
    said = set(spec.themes) | ({spec.primary} if spec.primary else set())
    again = sorted((said | set(spec.not_themes)) & set(spec.withdraw))
    if again or (RELEVANCE in spec.withdraw and spec.relevant is not None):
        return f"{names[3]} {again[0] if again else RELEVANCE!r} and a new verdict on it at once: give one of them"
    both = sorted(said & set(spec.not_themes))
    if both:
        return f"theme {both[0]!r} is both present and absent"
    if spec.relevant is False and said:
        return "--irrelevant with a theme: an off-topic article has no themes"
    if not (said or spec.not_themes or spec.relevant is not None or spec.withdraw):
        return "nothing to label: give --theme, --not-theme, --primary, --relevant, --irrelevant or --withdraw"
    return None


def with_withdrawals_expanded(spec: LabelSpec, theme_ids) -> LabelSpec:
    """``withdraw = ("all",)`` (with or without others) as every theme of the taxonomy and relevance."""
    if "all" not in spec.withdraw:
        return spec
    return replace(spec, withdraw=tuple(theme_ids) + (RELEVANCE,))


def spec_rows(spec: LabelSpec, labelled_by: str | None) -> list[dict]:
    """The rows of the labels table for one label, in order: withdrawals, relevance, themes, primary."""
    base = {"article_id": spec.article_id, "labelled_by": labelled_by, "note": spec.note}
    rows = [{**base, "theme": None if t == RELEVANCE else t, "verdict": "withdrawn"} for t in dict.fromkeys(spec.withdraw)]
    if spec.relevant is not None:
        rows.append({**base, "theme": None, "verdict": "relevant" if spec.relevant else "irrelevant"})
    rows += [{**base, "theme": t, "verdict": "present"} for t in dict.fromkeys(spec.themes) if t != spec.primary]
    rows += [{**base, "theme": t, "verdict": "absent"} for t in dict.fromkeys(spec.not_themes)]
    if spec.primary:
        rows.append({**base, "theme": spec.primary, "verdict": "primary"})
    return rows


def _themes(value) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.replace(";", " ").replace("|", " ").replace(",", " ").split() if v)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise ValueError(f"themes must be a list of theme ids or a string, not {value!r}")


def _relevant(value) -> bool | None:
    if value is None or value == "" or isinstance(value, bool):
        return value if isinstance(value, bool) else None
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"relevant must be true or false, not {value!r}")


def _spec(row: dict) -> LabelSpec:
    unknown = sorted(k for k in row if k not in FIELDS)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    aid = row.get("article_id")
    if not isinstance(aid, str) or not aid.strip():
        raise ValueError("no article_id")
    primary = row.get("primary") or None
    if primary is not None and not isinstance(primary, str):
        raise ValueError(f"primary must be a theme id, not {primary!r}")
    note = row.get("note")
    return LabelSpec(aid.strip(), _themes(row.get("themes")) + _themes(row.get("theme")),
                     _themes(row.get("not_themes")) + _themes(row.get("not_theme")), _relevant(row.get("relevant")),
                     primary.strip() if primary else None, str(note) if note not in (None, "") else None,
                     _themes(row.get("withdraw")))


def _records(path: str, text: str) -> list[tuple[int, dict]]:
    """(line number, raw record) of a .jsonl or .csv file."""
    if path.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        out = []
        for row in reader:
            if None in row:
                raise ValueError(f"{path}: line {reader.line_num}: more values than the header has columns")
            out.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}))
        return out
    if not path.lower().endswith((".jsonl", ".json", ".ndjson")):
        raise ValueError(f"{path}: a label file is .jsonl (one JSON object a line) or .csv (with a header line)")
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as err:
            raise ValueError(f"{path}: line {n}: not JSON ({err.args[0].split(':')[0]})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}: line {n}: not a JSON object")
        out.append((n, record))
    return out


def read_label_file(path: str, theme_ids) -> tuple[list[LabelSpec], list[str]]:
    """Every label of the file, checked (themes against the taxonomy), and where each is
    (``FILE: line N``); ValueError naming the first bad line. Nothing is stored here."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror or err}") from None
    specs, where = [], []
    for n, record in _records(path, text):
        try:
            spec = _spec(record)
        except ValueError as err:
            raise ValueError(f"{path}: line {n}: {err}") from None
        spec = with_withdrawals_expanded(spec, theme_ids)
        problem = spec_problem(spec, theme_ids, ("theme", "not_themes", "primary", "withdraw"))
        if problem:
            raise ValueError(f"{path}: line {n}: {problem}")
        specs.append(spec)
        where.append(f"{path}: line {n}")
    if not specs:
        raise ValueError(f"{path}: no labels in it")
    return specs, where
