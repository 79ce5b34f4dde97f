"""Duty suggestion: accuracy on the hand-written held-out set, and latency.

Usage:  .venv/bin/python bench/duty_suggest.py [--misses] [--jieba]
        DATABASE_URL=sqlite:////tmp/copy.sqlite3 .venv/bin/python bench/duty_suggest.py --db [--people 200]

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


def world(sample: int, show_misses: bool) -> None:
    """Second-seed measure: the world in JISHI_DATA_DIR (e.g. a demo built with --seed 7), time split at the date
    seven tenths of its records precede; learns only from records before it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from jishi.duties import evaluation
    from jishi.duties.selectors import _duty_text, catalogue_index
    from jishi.org.models import Person
    from jishi.org.selectors import duties_for
    from jishi.records.models import WorkRecord

    rows = list(
        WorkRecord.objects.filter(withdrawn_at__isnull=True, duty__isnull=False)
        .order_by("date", "id")
        .values_list("id", "author_id", "unit_id", "duty_id", "date", "content", "is_sensitive")
    )
    records = [evaluation.WorldRecord(*row) for row in rows]
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

    figures, skipped = evaluation.evaluate_world(records, candidates_of, split=split, index=index, sample=sample)
    print(f"{len(records)} records with a duty; split at {split}; {skipped} sampled records skipped")
    print(f"{'world':<22}{'items':>6}{'top-1':>8}{'top-3':>8}{'none':>6}{'mean ms':>9}{'p95 ms':>8}")
    f = figures
    print(f"{'after split':<22}{f.items:>6}{f.top1:>8.1%}{f.top3:>8.1%}{f.empty:>6}{f.mean_ms:>9.2f}{f.p95_ms:>8.2f}")
    if show_misses:
        for item, codes in f.misses[:40]:
            print(f"    miss want {item.duty:<6} got {codes}  {item.text[:60]}")


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
    args = parser.parse_args()
    if args.human:
        human(args.misses)
    elif args.world:
        world(args.sample, args.misses)
    elif args.db:
        latency(args.people)
    else:
        accuracy(args.misses, args.jieba)


if __name__ == "__main__":
    main()
