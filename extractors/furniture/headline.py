"""The page's title: its variants ("Headline | Site" -> "Headline") and fuzzy matching of a
line against them (a repeated, shortened or suffixed headline)."""

from __future__ import annotations

import re

from .text import headline_like, tokens


def title_variants(title: str | None) -> list[tuple[str, ...]]:
    if not title or not title.strip():
        return []
    out = [tokens(title)] if tokens(title) else []
    for part in re.split(r"\s+[|–—·•:]\s+|\s+-\s+|\s+::\s+", title):
        t = tokens(part)
        if len(t) >= 2 and t not in out:  # "Headline | Site" -> "Headline"
            out.append(t)
    return out


def matches_title(line: str, variants: list[tuple[str, ...]], loose: bool) -> bool:
    lt = tokens(line)
    if not lt:
        return False
    for vt in variants:
        if lt == vt:
            return True
        if not loose or len(vt) < 3 or len(lt) > 1.5 * len(vt) + 3:
            continue
        common = sum(min(lt.count(w), vt.count(w)) for w in set(vt))
        if common / len(vt) >= 0.8 and (headline_like(line, 30) or common / len(lt) >= 0.6):
            return True
        if common / len(lt) >= 0.9 and len(lt) >= 3:  # the line is the title minus a suffix
            return True
    return False
