"""Generic page furniture (placeholder until the family-based cleaner lands): normalises lines only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Removed:
    line: str
    family: str


@dataclass(frozen=True)
class FurnitureResult:
    text: str
    removed: tuple[Removed, ...] = ()


def strip_furniture(text: str, *, title: str | None = None, url: str | None = None) -> FurnitureResult:
    return FurnitureResult("\n".join(line.strip() for line in text.split("\n") if line.strip()))
