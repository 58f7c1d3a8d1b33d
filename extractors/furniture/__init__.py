"""Residual page furniture: the lines a site puts inside its article container.

trafilatura finds the article container well, but what a site puts *inside* that container
comes out with the body: a disclaimer, "Share this article", a newsletter prompt, a "Most read"
rail, a comment form, an image credit, a table-of-contents toggle, an aggregator's generated
questions. ``strip_furniture`` removes such lines from one page's text, by family, not by
string: each family is a small grammar (a label vocabulary in English, German, French and
Spanish, with Chinese, Japanese and Korean credits, notices and labels; a sentence shape, a
position), never a list of one site's phrases.

Where it cuts, from safest to boldest:

- the top block: lines before the first body paragraph (title repeats, bylines, datelines,
  section labels, site blurbs and addresses, summary boxes, TOC widgets, share bars);
- the bottom block: from the last body paragraph down. Furniture lines are peeled off the end
  one by one; a furniture *anchor* (a "Related" label, a comment stub, a newsletter prompt...)
  takes with it every line after it, provided those lines all look like furniture, headlines,
  list items or questions, never like body paragraphs;
- mid-body, only unmistakable single-line widgets ("Advertisement", "Share this article",
  "READ MORE: <headline>") and a related-links label with the headlines right under it.

The package: ``families.REGISTRY`` declares every family (name, line tests by where they may
apply, whether it anchors a block); ``patterns`` holds their grammars; ``passes`` the passes,
each doing one thing; ``text``, ``dates`` and ``headline`` the shapes they share.
docs/extraction.md describes each family, and how it was measured.

Guarantees: pure, never raises, never adds text. Output lines are a subsequence of the input's
(stripped) lines, except that a widget token glued before the first word of a line
("ToggleArtificial intelligence ...") is cut off that line. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from .families import FAMILIES, REGISTRY, Family, cjk_subscribe, deal, jump_link, related_line
from .passes import Page, bottom, glued, middle, toc, top, url_fragments

__all__ = ["FAMILIES", "REGISTRY", "Family", "FurnitureResult", "Removed", "leftover_lines", "strip_furniture"]


@dataclass(frozen=True)
class Removed:
    line: str
    family: str


@dataclass(frozen=True)
class FurnitureResult:
    text: str
    removed: tuple[Removed, ...]


def _one_pass(lines: list[str], title: str | None, url: str | None, memo: dict) -> tuple[list[str], list[Removed]]:
    page = Page(lines, title, url, memo)
    glued(page)
    url_fragments(page)
    toc(page)
    top(page)
    middle(page)
    for _ in range(6):
        if not bottom(page):
            break
    removed: list[Removed] = []
    for i in range(len(lines)):
        if i in page.prefix:
            removed.append(Removed(page.prefix[i].strip(), "widget"))
        if i in page.removed:
            removed.append(Removed(lines[i] if i not in page.prefix else page.lines[i], page.removed[i]))
    kept = [page.lines[i] for i in page.idx()]
    if not kept and lines:
        # never empty a page: if everything looked like furniture, it was not
        return lines, []
    return kept, removed


def _split(text: str) -> list[str]:
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def strip_furniture(text: str, *, title: str | None = None, url: str | None = None) -> FurnitureResult:
    """Remove furniture lines from one article body. Never raises, never adds text."""
    try:
        lines = _split(text or "")
    except Exception:
        return FurnitureResult(text=text if isinstance(text, str) else "", removed=())
    try:
        removed: list[Removed] = []
        memo: dict = {}  # line families, shared by the rounds (passes.Page)
        for _ in range(len(lines) + 2):  # to a fixed point, so that the result is idempotent
            kept, gone = _one_pass(list(lines), title, url, memo)
            if not gone:
                break
            removed.extend(gone)
            lines = kept
        return FurnitureResult(text="\n".join(lines), removed=tuple(removed))
    except Exception:
        return FurnitureResult(text="\n".join(lines), removed=())


def leftover_lines(text: str) -> int:
    """How many lines of ``text`` the families added for issue 15 take (related-link lines,
    deal boxes, CJK subscription prompts, jump links, tables of contents): for benchmarks, to
    find the pages where those leftovers occur."""
    lines = _split(text or "")
    count = sum(1 for line in lines if related_line(line) or deal(line) or cjk_subscribe(line) or jump_link(line))
    page = Page(list(lines), None, None)
    toc(page)
    return count + len(page.removed)
