"""Duty suggestion: accuracy on the hand-written held-out set, and latency.

Usage:  .venv/bin/python bench/duty_suggest.py [--misses] [--jieba]
        DATABASE_URL=sqlite:////tmp/copy.sqlite3 .venv/bin/python bench/duty_suggest.py --db [--people 200]
        JISHI_DATA_DIR=/tmp/world-a .venv/bin/python bench/duty_suggest.py --export /tmp/a.json
        JISHI_DATA_DIR=/tmp/world-b .venv/bin/python bench/duty_suggest.py --cross /tmp/a.json [--sample 2000]
        JISHI_DATA_DIR=/tmp/world-b .venv/bin/python bench/duty_suggest.py --world --by-time
        JISHI_DATA_DIR=/tmp/world-a .venv/bin/python bench/duty_suggest.py --human

The held-out set (jishi/duties/tests/data/heldout.json, 354 records written by hand, independent of the demo
generator) runs against the demo world's real duty catalogues. Prints top-1 and top-3 accuracy on its dev split
(118 items, used for tuning) and its test split (236 items, not tuned on), with the catalogue alone and with the
dev items acting as earlier choices in the same units; `--jieba` adds jieba words of each duty's title as terms.
`--db` times the whole selector (duties_for, past choices through visible_to, ranking) for people of the database
in DATABASE_URL: the first call per person (cold: their past choices are fetched) and the next (warm).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def accuracy(show_misses: bool, with_jieba: bool) -> None:
    from jishi.duties import evaluation
    from jishi.duties.suggest import CatalogueIndex

    heldout = evaluation.load()
    segment = None
    if with_jieba:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        started = time.perf_counter()
        jieba.initialize()
        print(f"jieba loaded in {time.perf_counter() - started:.2f} s")
        segment = lambda text: [w for w in jieba.lcut(text) if len(w) >= 2]  # noqa: E731
    started = time.perf_counter()
    index = CatalogueIndex(
        ((d.title, d.description) for duties in heldout.catalogues.values() for d in duties), segment=segment
    )
    print(
        f"catalogue index: {len(index.docs)} duty texts, {len(index.vocabulary)} terms, "
        f"built in {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    print(f"{'split':<22}{'items':>6}{'top-1':>8}{'top-3':>8}{'none':>6}{'mean ms':>9}{'p95 ms':>8}")
    dev, test = heldout.split("dev"), heldout.split("test")
    runs = [
        ("dev (tuned on)", dev, ()),
        ("test", test, ()),
        ("test + dev as history", test, dev),
        ("all", heldout.items, ()),
    ]
    for name, items, learn in runs:
        f = evaluation.evaluate(heldout, items, index=index, learn_from=learn)
        print(f"{name:<22}{f.items:>6}{f.top1:>8.1%}{f.top3:>8.1%}{f.empty:>6}{f.mean_ms:>9.2f}{f.p95_ms:>8.2f}")
        if name == "test":
            kinds = {unit: catalogue.kind for unit, catalogue in heldout.kinds.items()}
            for kind in ("department", "section", "town", "village"):
                part = [i for i in items if kinds[i.unit] == kind]
                k = evaluation.evaluate(heldout, part, index=index)
                print(f"  {'· ' + kind:<20}{k.items:>6}{k.top1:>8.1%}{k.top3:>8.1%}{k.empty:>6}")
        if show_misses and name == "test":
            for item, codes in f.misses:
                print(f"    miss {item.unit:<8} want {item.duty:<10} got {codes}  {item.text}")


def latency(people: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jishi.duties.selectors import catalogue_index, clear_caches, suggest_duties
    from jishi.org.calendar import local_today
    from jishi.org.models import Assignment, Person

    texts = [
        "审核预算追加申请",
        "入户走访低保家庭",
        "检查工地塔吊",
        "12345工单回复",
        "组织老人包馄饨",
        "河道巡查发现漂浮物",
    ]
    today = local_today()
    ids = list(Assignment.objects.active_on(today).values_list("person_id", flat=True).distinct())
    sample = Person.objects.filter(pk__in=random.Random(7).sample(ids, min(people, len(ids))))
    clear_caches()
    started = time.perf_counter()
    catalogue_index()
    print(f"catalogue index from the database: {(time.perf_counter() - started) * 1000:.0f} ms (once per process)")
    cold, warm, queries = [], [], []
    for n, person in enumerate(sample):
        text = texts[n % len(texts)]
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            suggest_duties(person=person, content=text)
        cold.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx.captured_queries))
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            suggest_duties(person=person, content=texts[(n + 1) % len(texts)])
        warm.append((time.perf_counter() - started) * 1000)
        warm_queries = len(ctx.captured_queries)

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        return (
            f"{name:<6} p50 {statistics.median(values):6.1f} ms  p95 {values[int(0.95 * (len(values) - 1))]:6.1f} ms"
            f"  max {values[-1]:6.1f} ms"
        )

    print(f"{len(cold)} people, database {connection.vendor}")
    print(line("cold", cold) + f"  ({max(queries)} queries)")
    print(line("warm", warm) + f"  ({warm_queries} queries)")


def world(sample: int, show_misses: bool, by_time: bool) -> None:
    """Within one world: the world in JISHI_DATA_DIR, time split at the date seven tenths of its records precede;
    learns only from records before it (the person's own and their unit's, as the selector does). `by_time`: the
    habit weighed beside the text is what the person and their unit filed in the same half of the day."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from django.utils import timezone

    from jishi.duties import evaluation
    from jishi.duties.selectors import _duty_text, catalogue_index
    from jishi.org.models import Person
    from jishi.org.selectors import duties_for
    from jishi.records.models import WorkRecord

    rows = list(
        WorkRecord.objects.filter(withdrawn_at__isnull=True, duty__isnull=False)
        .order_by("date", "id")
        .values_list("id", "author_id", "unit_id", "duty_id", "date", "content", "is_sensitive", "start_at")
    )
    records = [evaluation.WorldRecord(*row[:7], afternoon=timezone.localtime(row[7]).hour >= 12) for row in rows]
    split = records[int(0.7 * len(records))].date
    index = catalogue_index()
    people: dict[int, Person] = {}
    cache: dict[tuple[int, object], list] = {}

    def candidates_of(author_id: int, day: object) -> list:
        key = (author_id, day)
        if key not in cache:
            person = people.setdefault(author_id, Person.objects.get(pk=author_id))
            cache[key] = [_duty_text(d) for d in duties_for(person, day)]  # type: ignore[arg-type]
        return cache[key]

    print(f"{'world':<26}{'items':>6}{'top-1':>8}{'top-3':>8}{'none':>6}{'mean ms':>9}{'p95 ms':>8}")
    for name, timed in [("after split", False), *([("after split, habit by time", True)] if by_time else [])]:
        f, skipped = evaluation.evaluate_world(
            records, candidates_of, split=split, index=index, sample=sample, by_time=timed
        )
        print(f"{name:<26}{f.items:>6}{f.top1:>8.1%}{f.top3:>8.1%}{f.empty:>6}{f.mean_ms:>9.2f}{f.p95_ms:>8.2f}")
    print(f"{len(records)} records with a duty; split at {split}; {skipped} sampled records skipped")
    if show_misses:
        for item, codes in f.misses[:40]:
            print(f"    miss want {item.duty:<6} got {codes}  {item.text[:60]}")


def _canonical_work(title: str, unit_code: str, department_code: str | None) -> tuple[str, str]:
    """The work a duty names, the same in every demo world: its department's code and its title without a
    section's name (a section's duty is its department's function; the seed chooses which sections have which)."""
    from jishi.duties.text import base_title

    return department_code or unit_code, base_title(title)


def export(path: Path) -> None:
    """Write the training examples of the world in JISHI_DATA_DIR (seed A): per unit code, its newest shared
    records (what `jishi duties train` learns from) labelled with the work their duty names (--cross reads them)."""
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from jishi.duties import training
    from jishi.org.models import Unit
    from jishi.records.models import WorkRecord

    codes = dict(Unit.objects.values_list("id", "code"))
    units = WorkRecord.objects.filter(training.SHARED).order_by().values_list("unit_id", flat=True).distinct()
    out: dict[str, list[list[str]]] = {}
    for unit_id in units:
        rows = (
            WorkRecord.objects.filter(training.SHARED, unit_id=unit_id)
            .order_by("-date", "-id")
            .values_list("content", "duty__title", "duty__unit__code", "duty__unit__department__code")[
                : training.UNIT_EXAMPLES
            ]
        )
        out[codes[unit_id]] = [[c, *_canonical_work(t, u, d)] for c, t, u, d in rows]
    path.write_text(json.dumps(out, ensure_ascii=False))
    print(f"{sum(map(len, out.values()))} examples of {len(out)} units written to {path}")


def cross(path: Path, sample: int, show_misses: bool) -> None:
    """Second seed: learn each unit's model from the examples `export` wrote from world A, and rank a sample of
    the records of the world in JISHI_DATA_DIR (world B: other people, other records, the same posts) — nothing of
    world B is learned. Duties are matched across the worlds by the work they name (_canonical_work)."""
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from jishi.duties import evaluation
    from jishi.duties.selectors import _duty_text, catalogue_index
    from jishi.duties.suggest import DutyText, NgramModel, learn
    from jishi.org.models import Duty, Person, Unit
    from jishi.org.selectors import duties_for
    from jishi.records.models import WorkRecord

    canonical: dict[tuple[str, str], int] = {}
    data: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    models: dict[str, NgramModel] = {
        unit: learn([(c, canonical.setdefault((d, t), len(canonical) + 1)) for c, d, t in rows])
        for unit, rows in data.items()
    }
    print(f"{len(models)} unit models learned from {path} in {time.perf_counter() - started:.1f} s")
    work = {
        pk: canonical.setdefault(_canonical_work(t, u, d), len(canonical) + 1)
        for pk, t, u, d in Duty.objects.values_list("id", "title", "unit__code", "unit__department__code")
    }
    codes = dict(Unit.objects.values_list("id", "code"))
    records = [
        evaluation.CrossRecord(codes[u], a, day, c, work[d])
        for u, a, day, c, d in WorkRecord.objects.filter(withdrawn_at__isnull=True, duty__isnull=False)
        .order_by("id")
        .values_list("unit_id", "author_id", "date", "content", "duty_id")
    ]
    index = catalogue_index()
    people: dict[int, Person] = {}
    cache: dict[tuple[int, object], list[DutyText]] = {}

    def candidates_of(author_id: int, day: object) -> list[DutyText]:
        key = (author_id, day)
        if key not in cache:
            person = people.setdefault(author_id, Person.objects.get(pk=author_id))
            texts = [_duty_text(d) for d in duties_for(person, day)]  # type: ignore[arg-type]
            cache[key] = [
                DutyText(work[t.id], t.code, t.title, t.description, t.specificity) for t in texts if t.id in work
            ]
        return cache[key]

    print(f"{len(records)} records of this world with a duty; a sample of {sample}")
    print(f"{'second seed':<34}{'items':>6}{'top-1':>8}{'top-3':>8}{'none':>6}{'mean ms':>9}{'p95 ms':>8}")
    for name, learned in (("catalogue + lexicon", {}), ("+ unit models of the first seed", models)):
        f, skipped = evaluation.evaluate_cross(records, candidates_of, learned, index=index, sample=sample)
        print(f"{name:<34}{f.items:>6}{f.top1:>8.1%}{f.top3:>8.1%}{f.empty:>6}{f.mean_ms:>9.2f}{f.p95_ms:>8.2f}")
        if show_misses and learned:
            for item, got in f.misses[:40]:
                print(f"    miss want {item.duty:<10} got {got}  {item.text[:60]}")
    print(f"({skipped} sampled records skipped: their duty not among the author's that day, or fewer than three)")


def human(show_misses: bool) -> None:
    """The human-written held-out set (heldout_human.json, never training data) against the world in
    JISHI_DATA_DIR (read only: SELECTs, no cache writes): catalogue and lexicon alone, without the lexicon, and with
    each unit's model learned from that world's shared records."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from jishi.duties import evaluation, training
    from jishi.duties.selectors import _duty_text
    from jishi.duties.suggest import CatalogueIndex, History, PastRecord, learn
    from jishi.org.models import Duty, Unit
    from jishi.records.models import WorkRecord

    items = evaluation.load_human()
    duties = list(Duty.objects.select_related("unit"))
    catalogue = {d.code: _duty_text(d) for d in duties}
    texts = [(d.title, d.description) for d in duties]
    index = CatalogueIndex(texts)
    bare = CatalogueIndex(texts, lexicon=())
    histories: dict[str, History] = {}
    for unit in Unit.objects.filter(code__in={i.unit_code for i in items}):
        rows = list(
            WorkRecord.objects.filter(training.SHARED, unit_id=unit.pk)
            .order_by("-date", "-id")
            .values_list("content", "duty_id")[: training.UNIT_EXAMPLES]
        )
        model = learn(rows)
        print(f"  {unit.code:<8} learned from {len(rows)} records, reliability {model.reliability:.2f}")
        histories[unit.code] = History(index, [PastRecord(c, d, 0.5) for c, d in rows[:200]], [model])
    print(f"{len(items)} human-written records, {sum(i.ambiguous for i in items)} marked ambiguous")
    print(f"{'run':<34}{'items':>6}{'top-1':>8}{'top-3':>8}{'none':>6}{'mean ms':>9}{'p95 ms':>8}")
    runs = [
        ("catalogue + lexicon", index, None),
        ("catalogue, no lexicon", bare, None),
        ("+ learned from this world", index, histories),
    ]
    for name, idx, hist in runs:
        f = evaluation.evaluate_human(items, catalogue, index=idx, histories=hist)
        print(f"{name:<34}{f.items:>6}{f.top1:>8.1%}{f.top3:>8.1%}{f.empty:>6}{f.mean_ms:>9.2f}{f.p95_ms:>8.2f}")
        clear = [i for i in items if not i.ambiguous]
        g = evaluation.evaluate_human(clear, catalogue, index=idx, histories=hist)
        print(f"{'  · not ambiguous':<34}{g.items:>6}{g.top1:>8.1%}{g.top3:>8.1%}{g.empty:>6}")
        if show_misses and hist is None and idx is index:
            for item, codes in f.misses:
                print(f"    miss {item.unit:<8} want {item.duty:<10} got {codes}  {item.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true", help="list the test items whose first suggestion is wrong")
    parser.add_argument("--jieba", action="store_true", help="add jieba words of each duty's title as terms")
    parser.add_argument("--db", action="store_true", help="time the selector on the DATABASE_URL database")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--world", action="store_true", help="second-seed measure on the JISHI_DATA_DIR world")
    parser.add_argument("--sample", type=int, default=600)
    parser.add_argument("--human", action="store_true", help="the human-written held-out set on JISHI_DATA_DIR")
    parser.add_argument("--by-time", action="store_true", help="--world: also weigh the habit of that time of day")
    parser.add_argument("--export", type=Path, help="write the JISHI_DATA_DIR world's training examples to a file")
    parser.add_argument("--cross", type=Path, help="learn from --export's file, measure on the JISHI_DATA_DIR world")
    args = parser.parse_args()
    if args.export:
        export(args.export)
    elif args.cross:
        cross(args.cross, args.sample, args.misses)
    elif args.human:
        human(args.misses)
    elif args.world:
        world(args.sample, args.misses, args.by_time)
    elif args.db:
        latency(args.people)
    else:
        accuracy(args.misses, args.jieba)


if __name__ == "__main__":
    main()
