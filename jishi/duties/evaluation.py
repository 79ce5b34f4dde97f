"""Measuring duty suggestion on the hand-written held-out set (jishi/duties/tests/data/heldout.json).

Used by bench/duty_suggest.py (the figures) and by the tests (a small slice, to show the pipeline works).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jishi.duties.suggest import CatalogueIndex, DutyText, History, NgramModel, PastRecord, learn, rank

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


@dataclass
class Tally:
    """A measure's running count: each ranked answer against the duty its author chose, and how long it took."""

    top1: int = 0
    top3: int = 0
    empty: int = 0
    timings: list[float] = field(default_factory=list)
    misses: list[tuple[Item, list[str]]] = field(default_factory=list)

    def add(self, got: Sequence[Any], want: Any, ms: float, miss: tuple[Item, list[str]]) -> None:
        """Count one answer (`got`, best first) for the duty `want`; `miss` is kept when the first is wrong."""
        self.timings.append(ms)
        self.top1 += bool(got) and got[0] == want
        self.top3 += want in got[:3]
        self.empty += not got
        if not got or got[0] != want:
            self.misses.append(miss)

    def figures(self) -> Figures:
        timings = sorted(self.timings)
        n = max(len(timings), 1)
        return Figures(
            items=len(timings),
            top1=self.top1 / n,
            top3=self.top3 / n,
            empty=self.empty,
            mean_ms=sum(timings) / n,
            p95_ms=timings[int(0.95 * (len(timings) - 1))] if timings else 0.0,
            misses=self.misses,
        )


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
    tally = Tally()
    for item in items:
        started = time.perf_counter()
        ranked = rank(index, item.text, heldout.catalogues[item.unit], past=histories.get(item.unit, ()))
        ms = (time.perf_counter() - started) * 1000
        codes = [r.duty.code for r in ranked]
        tally.add(codes, item.duty, ms, (item, codes))
    return tally.figures()


@dataclass(frozen=True)
class WorldRecord:
    """A filed record of a demo world, as the second-seed measure needs it."""

    id: int
    author_id: int
    unit_id: int
    duty_id: int
    date: Any
    content: str
    sensitive: bool
    afternoon: bool = False  # started at noon or later (the time-of-day habit, --by-time)


def _time_priors(before: Sequence[WorldRecord], unit_weight: float = 0.5) -> dict[tuple[int, bool], dict[int, float]]:
    """Per (author, half of the day): the share of their own past records (1) and their unit's colleagues' (0.5)
    under each duty in that half of the day."""
    own: dict[tuple[int, bool], dict[int, float]] = {}
    unit: dict[tuple[int, bool], dict[int, float]] = {}
    authors: dict[int, int] = {}
    for r in before:
        slot = own.setdefault((r.author_id, r.afternoon), {})
        slot[r.duty_id] = slot.get(r.duty_id, 0.0) + 1.0
        if not r.sensitive:
            shared = unit.setdefault((r.unit_id, r.afternoon), {})
            shared[r.duty_id] = shared.get(r.duty_id, 0.0) + unit_weight
        authors[r.author_id] = r.unit_id
    priors: dict[tuple[int, bool], dict[int, float]] = {}
    for author, unit_id in authors.items():
        for half in (False, True):
            mass = dict(unit.get((unit_id, half), {}))
            for duty_id, count in own.get((author, half), {}).items():
                mass[duty_id] = mass.get(duty_id, 0.0) + count
            total = sum(mass.values())
            if total:
                priors[(author, half)] = {d: m / total for d, m in mass.items()}
    return priors


def evaluate_world(
    records: Sequence[WorldRecord],
    candidates_of: Any,
    *,
    split: Any,
    index: CatalogueIndex,
    sample: int = 600,
    seed: int = 7,
    own_history: int = 200,
    unit_history: int = 200,
    by_time: bool = False,
    unit_examples: int = 3000,
) -> tuple[Figures, int]:
    """Top-1/top-3 on records filed on or after `split`, learning only from records filed before it: the author's
    own (weight 1) and their unit's colleagues' non-sensitive ones (weight 0.5), newest first, and the unit's model
    learned from its non-sensitive records, as the selector does. `candidates_of(author_id, date)` gives the author's
    duties (DutyText) that day. Returns the figures and how many sampled records were skipped because their duty was
    not among the author's duties that day."""
    import random

    before = [r for r in records if r.date < split]
    after = [r for r in records if r.date >= split]
    chosen = random.Random(seed).sample(after, min(sample, len(after)))
    by_author: dict[int, list[WorldRecord]] = {}
    by_unit: dict[int, list[WorldRecord]] = {}
    for r in sorted(before, key=lambda r: (r.date, r.id), reverse=True):
        by_author.setdefault(r.author_id, []).append(r)
        if not r.sensitive:
            by_unit.setdefault(r.unit_id, []).append(r)
    histories: dict[int, History] = {}
    models: dict[int, NgramModel] = {}
    time_priors = _time_priors(before) if by_time else {}
    skipped = 0
    tally = Tally()
    for record in chosen:
        duties = candidates_of(record.author_id, record.date)
        ids = {d.id for d in duties}
        if record.duty_id not in ids or len(duties) < 3:
            skipped += 1
            continue
        history = histories.get(record.author_id)
        if history is None:
            own = [PastRecord(r.content, r.duty_id) for r in by_author.get(record.author_id, [])[:own_history]]
            mates = [r for r in by_unit.get(record.unit_id, []) if r.author_id != record.author_id][:unit_history]
            own += [PastRecord(r.content, r.duty_id, 0.5) for r in mates]
            model = models.get(record.unit_id)
            if model is None:  # the unit's model as the worker keeps it: its newest shared records before the split
                rows = [(r.content, r.duty_id) for r in by_unit.get(record.unit_id, [])[:unit_examples]]
                model = models[record.unit_id] = learn(rows)
            history = histories[record.author_id] = History(index, own, [model])
        started = time.perf_counter()
        prior = time_priors.get((record.author_id, record.afternoon), {}) if by_time else None
        ranked = rank(index, record.content, duties, past=history, prior=prior)
        ms = (time.perf_counter() - started) * 1000
        tally.add(
            [r.duty.id for r in ranked],
            record.duty_id,
            ms,
            (
                Item(record.id, str(record.unit_id), record.content, str(record.duty_id), "world"),
                [r.duty.code for r in ranked],
            ),
        )
    return tally.figures(), skipped


HUMAN = Path(__file__).parent / "tests" / "data" / "heldout_human.json"


@dataclass(frozen=True)
class HumanItem:
    """A record of the human-written held-out set (heldout_human.md): evaluation only, never training data."""

    unit_code: str
    text: str
    duty_code: str
    duty_title: str
    candidates: tuple[str, ...]
    ambiguous: bool


def load_human(path: Path = HUMAN) -> list[HumanItem]:
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return [
        HumanItem(
            unit_code=d["unit_code"],
            text=d["text"],
            duty_code=d["duty_code"],
            duty_title=d["duty_title"],
            candidates=tuple(d["candidates"]),
            ambiguous=str(d.get("note", "")).startswith("ambiguous"),
        )
        for d in data
    ]


def evaluate_human(
    items: Sequence[HumanItem],
    catalogue: dict[str, DutyText],
    *,
    index: CatalogueIndex,
    histories: dict[str, History] | None = None,
) -> Figures:
    """Top-1/top-3 of `rank` on the human set: candidates by code from `catalogue` (a world's duties), the history
    of each unit (learned from that world's records) if given. A record whose duty the world lacks is a miss."""
    histories = histories or {}
    tally = Tally()
    for n, item in enumerate(items):
        duties = [catalogue[c] for c in item.candidates if c in catalogue]
        started = time.perf_counter()
        ranked = rank(index, item.text, duties, past=histories.get(item.unit_code, ()))
        ms = (time.perf_counter() - started) * 1000
        codes = [r.duty.code for r in ranked]
        tally.add(
            codes,
            item.duty_code,
            ms,
            (Item(n, item.unit_code, item.text, item.duty_code, "human"), codes),
        )
    return tally.figures()


@dataclass(frozen=True)
class CrossRecord:
    """A filed record of the second world, as the cross-seed measure needs it: labels are canonical duty ids (the
    same work in both worlds has the same id; see bench/duty_suggest.py --cross)."""

    unit: str
    author_id: int
    date: Any
    content: str
    duty_id: int


def evaluate_cross(
    records: Sequence[CrossRecord],
    candidates_of: Any,
    models: dict[str, Any],
    *,
    index: CatalogueIndex,
    sample: int = 600,
    seed: int = 7,
) -> tuple[Figures, int]:
    """Top-1/top-3 on a sample of `records` (a world the models never saw), ranked with the text, the lexicon and
    the model learned from the other world's unit of the same code (`models`, NgramModel by unit code; none: the
    catalogue and lexicon alone). Nothing of this world is learned: no person's own history, no habit. Returns the
    figures and how many sampled records were skipped (their duty not among the author's that day, or fewer than
    three duties)."""
    import random

    chosen = random.Random(seed).sample(list(records), min(sample, len(records)))
    skipped = 0
    tally = Tally()
    histories: dict[str, History] = {}
    for record in chosen:
        duties = candidates_of(record.author_id, record.date)
        if record.duty_id not in {d.id for d in duties} or len({d.id for d in duties}) < 3:
            skipped += 1
            continue
        history = histories.get(record.unit)
        if history is None:
            model = models.get(record.unit)
            history = histories[record.unit] = History(index, [], [model] if model is not None else [])
        started = time.perf_counter()
        ranked = rank(index, record.content, duties, past=history)
        ms = (time.perf_counter() - started) * 1000
        tally.add(
            [r.duty.id for r in ranked],
            record.duty_id,
            ms,
            (
                Item(0, record.unit, record.content, next(d.code for d in duties if d.id == record.duty_id), "cross"),
                [r.duty.code for r in ranked],
            ),
        )
    return tally.figures(), skipped
