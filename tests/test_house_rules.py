"""House rules for the extraction modules reshaped in issue 15: no function over 50 lines."""

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
