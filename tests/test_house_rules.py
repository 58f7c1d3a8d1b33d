"""House rules: function length for the extraction modules reshaped in issue 15; module and
function length and no `global` for warehouse/ (issue 13)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

EXTRACTORS = Path(__file__).resolve().parents[1] / "extractors"
RESHAPED = ["article.py", "body.py", "titles.py", "title_blocks.py", "published.py", "structured.py", "sitelearn.py", "urls.py",
            "clean.py", *(f"furniture/{p.name}" for p in sorted((EXTRACTORS / "furniture").glob("*.py")))]


@pytest.mark.parametrize("module", RESHAPED)
def test_no_function_over_50_lines(module):
    tree = ast.parse((EXTRACTORS / module).read_text(encoding="utf-8"))
    long = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 50]
    assert long == []


ROOT = EXTRACTORS.parent
HOUSE_LINES, HOUSE_FUNCTION_LINES = 400, 50


def _house_modules():
    for package in ("flows", "deploy"):
        yield from sorted((ROOT / package).rglob("*.py"))


def test_flows_house_rules():
    """flows/ and deploy/ (issue 13): no module over 400 lines, no function over 50 lines, no
    ``global`` (module-level state a run mutates)."""
    broken = []
    for path in _house_modules():
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        if len(source.splitlines()) > HOUSE_LINES:
            broken.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > HOUSE_FUNCTION_LINES:
                    broken.append(f"{name}::{node.name}: {length} lines")
            elif isinstance(node, ast.Global):
                broken.append(f"{name}:{node.lineno}: global {', '.join(node.names)}")
    assert broken == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules ``name`` imports, at module level or inside functions: ``from P
    import X`` counts as importing P.X when that is a module, else P."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                         for alias in node.names)
    return {m for m in found if m in known and m != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycles():
    """No import cycle among flows/, warehouse/, extractors/ (issue 13), counting the imports
    inside functions too: a lazy import hides a cycle, it does not remove it."""
    paths = {_module_name(p): p for package in ("flows", "warehouse", "extractors")
             for p in (ROOT / package).rglob("*.py")}
    graph = {name: _imports(path, name, set(paths)) for name, path in paths.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


WAREHOUSE = Path(__file__).resolve().parents[1] / "warehouse"


@pytest.mark.parametrize("module", sorted(p.name for p in WAREHOUSE.glob("*.py")))
def test_warehouse_modules_are_short_with_short_functions_and_no_globals(module):
    """Issue 13's house rules for warehouse/: no module over 400 lines, no function over 50
    lines (def to end), no `global` statement."""
    source = (WAREHOUSE / module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert len(source.splitlines()) <= 400
    long = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 50]
    assert long == []
    assert [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Global)] == []


SQL_START = re.compile(r"^\s*(select\s.*\bfrom\b|insert\s+into\s|update\s+\w+\s+set\s|delete\s+from\s|"
                       r"create\s+(or\s+replace\s+)?(table|view|index)\s|comment\s+on\s|attach\s)", re.I | re.S)


def test_no_sql_outside_the_warehouse():
    """The warehouse package owns every statement: no string in flows/ or deploy/ that starts as
    SQL, and no ``.execute(`` call there."""
    found = []
    for path in _house_modules():
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
                found.append(f"{name}:{node.lineno}: {node.value[:40]!r}")
            elif isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany"):
                found.append(f"{name}:{node.lineno}: .{node.attr}(")
    assert found == []
