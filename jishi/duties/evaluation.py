"""Measuring duty suggestion on the hand-written held-out set (jishi/duties/tests/data/heldout.json).

Used by bench/duty_suggest.py (the figures) and by the tests (a small slice, to show the pipeline works).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jishi.duties.suggest import CatalogueIndex, DutyText, History, PastRecord, rank

HELDOUT = Path(__file__).parent / "tests" / "data" / "heldout.json"


@dataclass(frozen=True)
class Item:
    """One held-out record: the unit its author works in, what they wrote, and the duty it truly serves."""

    id: int
    unit: str
    text: str
    duty: str
    split: str


@dataclass
class Figures:
    """Accuracy and latency over a set of items."""

    items: int
    top1: float
    top3: float
    empty: int
    mean_ms: float
    p95_ms: float
    misses: list[tuple[Item, list[str]]]


@dataclass(frozen=True)
class UnitContext:
    """The unit a held-out record's author works in: its name and kind (department, section, town, village)."""

    name: str
    kind: str


@dataclass
class HeldOut:
    catalogues: dict[str, list[DutyText]]
    items: list[Item]
    kinds: dict[str, UnitContext]

    def split(self, name: str) -> list[Item]:
        return [i for i in self.items if i.split == name]


def load(path: Path = HELDOUT) -> HeldOut:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    ids: dict[str, int] = {}
    catalogues: dict[str, list[DutyText]] = {}
    for unit, catalogue in data["catalogues"].items():
        catalogues[unit] = [
            DutyText(
                id=ids.setdefault(code, len(ids) + 1),
                code=code,
                title=title,
                description=description,
                specificity=specificity,
            )
            for code, title, description, specificity in catalogue["duties"]
        ]
    kinds = {unit: UnitContext(name=c["name"], kind=c["kind"]) for unit, c in data["catalogues"].items()}
    return HeldOut(catalogues=catalogues, items=[Item(**item) for item in data["items"]], kinds=kinds)


def index_for(heldout: HeldOut) -> CatalogueIndex:
    return CatalogueIndex((d.title, d.description) for duties in heldout.catalogues.values() for d in duties)


def evaluate(
    heldout: HeldOut,
    items: Sequence[Item],
    *,
    index: CatalogueIndex | None = None,
    learn_from: Sequence[Item] = (),
) -> Figures:
    """Top-1 and top-3 accuracy of `rank` on `items`; `learn_from` items act as earlier choices in the same unit."""
    index = index or index_for(heldout)
    past: dict[str, list[PastRecord]] = {}
    for item in learn_from:
        by_code = {d.code: d.id for d in heldout.catalogues[item.unit]}
        past.setdefault(item.unit, []).append(PastRecord(content=item.text, duty_id=by_code[item.duty]))
    histories = {unit: History(index, records) for unit, records in past.items()}
    top1 = top3 = empty = 0
    timings: list[float] = []
    misses: list[tuple[Item, list[str]]] = []
    for item in items:
        started = time.perf_counter()
        ranked = rank(index, item.text, heldout.catalogues[item.unit], past=histories.get(item.unit, ()))
        timings.append((time.perf_counter() - started) * 1000)
        codes = [r.duty.code for r in ranked]
        top1 += bool(codes) and codes[0] == item.duty
        top3 += item.duty in codes[:3]
        empty += not codes
        if not codes or codes[0] != item.duty:
            misses.append((item, codes))
    timings.sort()
    n = max(len(items), 1)
    return Figures(
        items=len(items),
        top1=top1 / n,
        top3=top3 / n,
        empty=empty,
        mean_ms=sum(timings) / n,
        p95_ms=timings[int(0.95 * (len(timings) - 1))] if timings else 0.0,
        misses=misses,
    )
