"""House rules: function length for the extraction modules reshaped in issue 15; module and
function length and no `global` for warehouse/ (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EXTRACTORS = Path(__file__).resolve().parents[1] / "extractors"
RESHAPED = ["article.py", "body.py", "titles.py", "published.py", "structured.py", "sitelearn.py", "urls.py",
            "clean.py", *(f"furniture/{p.name}" for p in sorted((EXTRACTORS / "furniture").glob("*.py")))]


@pytest.mark.parametrize("module", RESHAPED)
def test_no_function_over_50_lines(module):
    tree = ast.parse((EXTRACTORS / module).read_text(encoding="utf-8"))
    long = [(n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 50]
    assert long == []


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
