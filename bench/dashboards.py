"""Dashboards (看板) at Jiading scale: server time of each kind of dashboard, against its aggregates run in DuckDB.

Usage (copies the demo world; never writes to it):
    flock /tmp/bench.lock .venv/bin/python bench/dashboards.py [--source /tmp/jiading/jishi.sqlite3]
                                                               [--work /tmp/jishi-bench-dashboards] [--keep] [-n 30]

The source database is copied to <work>/jishi.sqlite3 and migrated; JISHI_DATA_DIR and JISHI_INSIGHTS_DIR point
into <work> (the store is built there when it is not, or with --rebuild). For four readers — a district leader (the
jurisdiction), a bureau head, a town head and a bureau deputy in charge of sections (分管) — it requests the dashboard
through Django's test client (the whole request: middleware, scope, figures, template) over the default period:
  cold — the figure set computed (the cache emptied before each request): what the first reader pays after a refresh;
  warm — the figure set from the cache (every later request until the next refresh);
and the floor: the same aggregates (every statement dashboards.compute runs) executed directly in DuckDB, warm.
Target: p95 ≤ 150 ms server time (issue 15), floor reported beside it (goal ≤ 10×).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import worlds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):6.1f} ms · p95 {percentile(ms, 0.95):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    worlds.add_arguments(
        parser, work="/tmp/jishi-bench-dashboards", keep="reuse the copy (and its store) in --work if there"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even when it exists")
    parser.add_argument("-n", type=int, default=30, help="requests per reader and mode")
    args = parser.parse_args()
    database = worlds.set_up(args)
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)

    from jishi.insights import dashboards, engine, periods, store
    from jishi.org.models import Leadership, Person, Position, UnitKind
    from jishi.records.models import WorkRecord

    if args.rebuild or not store.is_built():
        started = time.perf_counter()
        store.rebuild()
        print(f"store built in {time.perf_counter() - started:.1f} s")
    print(f"database: {database} ({WorkRecord.objects.count():,} records); store as of {engine.as_of()}")

    def holder(**position: Any) -> Person:
        post = Position.objects.filter(assignments__end__isnull=True, **position).order_by("id").first()
        assert post is not None, position
        return post.assignments.filter(end__isnull=True).first().person  # type: ignore[union-attr]

    readers = {
        "jurisdiction (区委书记)": holder(unit__tier=0, leadership=Leadership.PRINCIPAL),
        "bureau (局长)": holder(unit__kind=UnitKind.DEPARTMENT, leadership=Leadership.PRINCIPAL),
        "town (镇长/书记)": holder(unit__kind=UnitKind.TOWN, leadership=Leadership.PRINCIPAL),
    }
    deputy = (
        Position.objects.filter(
            unit__kind=UnitKind.DEPARTMENT, leadership=Leadership.DEPUTY, assignments__end__isnull=True
        )
        .exclude(in_charge_of=None)
        .order_by("id")
        .first()
    )
    if deputy is not None:
        readers["charge (副局长分管)"] = deputy.assignments.filter(end__isnull=True).first().person  # type: ignore[union-attr]

    period = periods.default_period()
    print(f"period {period.start} .. {period.end}; {args.n} requests per reader and mode\n")
    for label, person in readers.items():
        subject = dashboards.subject_for(person)
        assert subject is not None, label
        client = Client()
        client.force_login(person)
        client.get("/insights/")  # the first request of a process: imports, connections, the store's views
        cold, warm = [], []
        for _ in range(args.n):
            cache.clear()
            started = time.perf_counter()
            response = client.get("/insights/")
            cold.append(time.perf_counter() - started)
            assert response.status_code == 200, (label, response.status_code)
        for _ in range(args.n):
            started = time.perf_counter()
            client.get("/insights/")
            warm.append(time.perf_counter() - started)

        # The floor: every statement compute() runs, straight into DuckDB (no Django, no Python around the rows).
        statements: list[tuple[str, dict[str, Any]]] = []

        def record(sql: str, params: Any = None, seen: list[tuple[str, Any]] = statements) -> list[dict[str, Any]]:
            seen.append((sql, params))
            return engine.query(sql, params)

        dashboards.compute(subject, period, query=record)
        connection = engine.connect()
        floor = []
        for _ in range(args.n):
            started = time.perf_counter()
            for sql, params in statements:
                cursor = connection.cursor()
                cursor.execute(sql, params).fetchall()
                cursor.close()
            floor.append(time.perf_counter() - started)
        rows = len(dashboards.rows_of(subject))
        print(f"{label}: {subject.title}, {rows} rows, {len(statements)} DuckDB statements")
        print(f"  cold (computed)   {summary(cold)}")
        print(f"  warm (cached)     {summary(warm)}")
        ratio = statistics.median(cold) / statistics.median(floor)
        print(f"  floor (DuckDB)    {summary(floor)}   cold/floor {ratio:.1f}×")


if __name__ == "__main__":
    main()
