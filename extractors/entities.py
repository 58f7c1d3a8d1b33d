"""Named entities: companies, chips, agencies, countries, rules (and a few people).

A gazetteer (``deploy/entities.toml``: a table per kind, canonical name = [aliases]) is
compiled into one :class:`~extractors.taxonomy.Matcher`, so aliases follow the taxonomy's term
rules: whole words, case-insensitive unless the alias has no lower-case letter (``BIS``,
``CAC``, ``H20``) or is written ``cs:...``; CJK aliases (``英伟达``, ``昇腾``) match as
substrings; German, French, Spanish and Chinese country names are aliases like any other.

Overlaps: within a kind the longest alias wins (``美国商务部`` is the Commerce Department, not
MOFCOM's ``商务部``; ``Ascend 910B`` is not also ``Ascend``); across kinds both count
(``Nvidia H20`` is a chip and a mention of Nvidia). ``[ignore]`` phrases win over everything
and yield nothing (``Washington Post``).

    load_gazetteer(path=None) -> Gazetteer
    find_entities(title, text, gazetteer=None) -> tuple[EntityHit, ...]   most mentioned first
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .taxonomy import Matcher, TaxonomyError, compile_term, resolve_overlaps

IGNORE = "ignore"
_MODEL_RE = re.compile(r"^(?:cs:)?[A-Z0-9][A-Za-z0-9 ]*[0-9A-Z]$")


@dataclass(frozen=True)
class EntityHit:
    entity: str  # canonical name
    kind: str
    mentions: int


@dataclass(frozen=True)
class Gazetteer:
    path: str
    entities: tuple[tuple[str, str, tuple[str, ...]], ...]  # (canonical, kind, aliases)
    matcher: Matcher = field(compare=False, repr=False)
    owners: tuple[tuple[str, str], ...] = field(compare=False, repr=False)  # term -> (name, kind)


def _fail(path: str, where: str, problem: str) -> TaxonomyError:
    return TaxonomyError(f"{path}: {where}: {problem}")


def parse_gazetteer(text: str, path: str = "<gazetteer>") -> Gazetteer:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: not valid TOML: {exc}") from None
    entities: list[tuple[str, str, tuple[str, ...]]] = []
    terms = []
    owners: list[tuple[str, str]] = []
    for kind, table in data.items():
        if not isinstance(table, dict):
            raise _fail(path, kind, "must be a table of name = [aliases]")
        if kind != IGNORE and not re.match(r"^[a-z][a-z_]*$", kind):
            raise _fail(path, kind, "a kind is a lower-case word")
        for name, aliases in table.items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise _fail(path, f"{kind}.{name}", "aliases must be a list of strings")
            forms = list(aliases) if kind == IGNORE else [name, *aliases]
            seen: set[str] = set()
            for alias in forms:
                variants = [alias]
                if kind != IGNORE and _MODEL_RE.match(alias) and any(c.isdigit() for c in alias):
                    variants.append(alias + "s")  # H100s, A800s
                for v in variants:
                    if v in seen:
                        continue
                    seen.add(v)
                    try:
                        terms.append(compile_term(v, 1.0))
                    except ValueError as exc:
                        raise _fail(path, f"{kind}.{name}", f"alias {v!r}: {exc}") from None
                    owners.append((name, kind))
            if kind != IGNORE:
                entities.append((name, kind, tuple(aliases)))
    return Gazetteer(path, tuple(entities), Matcher(terms), tuple(owners))


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    if path is None:
        return _default_gazetteer()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{p}: cannot be read ({exc.__class__.__name__})") from None
    return parse_gazetteer(text, str(p))


def default_gazetteer_path() -> Path:
    try:
        from importlib import resources

        candidate = Path(str(resources.files("deploy") / "entities.toml"))
        if candidate.is_file():
            return candidate
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[1] / "deploy" / "entities.toml"


@lru_cache(maxsize=1)
def _default_gazetteer() -> Gazetteer:
    return load_gazetteer(default_gazetteer_path())


def find_entities(title: str | None, text: str | None, gazetteer: Gazetteer | None = None) -> tuple[EntityHit, ...]:
    gaz = gazetteer or _default_gazetteer()
    counts: dict[tuple[str, str], int] = {}
    for part in (title or "", text or ""):
        if not part:
            continue
        hits = gaz.matcher.find(part)
        if not hits:
            continue
        ignore_spans = [(h.start, h.end) for h in hits if gaz.owners[h.term][1] == IGNORE]
        by_kind: dict[str, list] = {}
        for h in hits:
            kind = gaz.owners[h.term][1]
            if kind == IGNORE:
                continue
            if any(s < h.end and h.start < e for s, e in ignore_spans):
                continue
            by_kind.setdefault(kind, []).append(h)
        for kind, khits in by_kind.items():
            for h in resolve_overlaps(khits):
                key = gaz.owners[h.term]
                counts[key] = counts.get(key, 0) + 1
    return tuple(
        EntityHit(name, kind, n)
        for (name, kind), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    )
