"""Decision reports (决策报告) at Jiading scale: server time of each report, against its aggregates run in DuckDB.

Usage (copies the demo world; never writes to it):
    flock /tmp/bench.lock .venv/bin/python bench/reports.py [--source /tmp/jiading/jishi.sqlite3]
                                                            [--work /tmp/jishi-bench-reports] [--keep] [-n 20]

The source database is copied to <work>/jishi.sqlite3 and insights' tables added; JISHI_DATA_DIR and
JISHI_INSIGHTS_DIR point into <work> (the store is built there when it is not, or with --rebuild). For two readers —
the district leader (the jurisdiction) and a bureau head (财政局) — it requests each report through Django's test
client (the whole request: middleware, scope, report, template) over the default period (four weeks):
  cold — the report computed (the kept reports dropped before each request): what the first reader pays after a refresh;
  warm — the report kept in the process (every later request until the next refresh): the page drawn;
  xlsx — the Excel export, warm;
and the floor: the same statements the report runs (captured from engine.query while it is built), executed
directly on DuckDB, warm. Target: p95 ≤ 150 ms server time (issue 15), floor beside it (goal ≤ 10×).
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


def p95(values: list[float]) -> float:
    return percentile(values, 0.95) * 1000


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):7.1f} · p95 {percentile(ms, 0.95):7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    worlds.add_arguments(
        parser, work="/tmp/jishi-bench-reports", keep="reuse the copy (and its store) in --work if there"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even when it exists")
    parser.add_argument("-n", type=int, default=20, help="requests per reader, report and mode")
    args = parser.parse_args()
    worlds.set_up(args)
    from django.conf import settings
    from django.core.management import call_command
    from django.http import QueryDict
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", "insights", verbosity=0)

    from jishi.insights import engine, reports, store
    from jishi.org.models import Person

    if args.rebuild or not store.is_built():
        started = time.perf_counter()
        store.rebuild()
        print(f"store built in {time.perf_counter() - started:.1f} s")
    records = engine.query("SELECT count(*) AS n FROM records")[0]["n"]
    print(f"store as of {engine.as_of()}, {records:,} records; period: the default four weeks")

    readers = [("district leader", Person.objects.get(username="leader"))]
    readers.append(("bureau head (财政局)", Person.objects.get(username="unit_head")))

    def statements(kind: str, user: Any) -> list[tuple[str, Any]]:
        """The statements building the report runs, as (sql, params)."""
        seen: list[tuple[str, Any]] = []
        original = engine.query

        def capture(sql: str, params: Any = None) -> list[dict[str, Any]]:
            seen.append((sql, params))
            return original(sql, params)

        engine.query = capture
        try:
            reports._kept.clear()
            reports.build(kind, user, QueryDict())
        finally:
            engine.query = original
        return seen

    def floor(sqls: list[tuple[str, Any]]) -> float:
        cursor = engine.connect().cursor()
        started = time.perf_counter()
        for sql, params in sqls:
            cursor.execute(sql, params).fetchall() if params is not None else cursor.execute(sql).fetchall()
        cursor.close()
        return time.perf_counter() - started

    print(f"{'report':<14} {'reader':<20} {'cold (ms)':>22} {'warm (ms)':>22} {'xlsx p95':>9} {'floor p95':>10}")
    for kind in reports.KINDS:
        url = reverse("insights:report", args=[kind])
        for label, user in readers:
            client = Client()
            client.force_login(user)
            sqls = statements(kind, user)
            floor(sqls)  # warm DuckDB's caches as the requests will have them
            floors = [floor(sqls) for _ in range(args.n)]
            cold, warm, xlsx = [], [], []
            for _ in range(args.n):
                reports._kept.clear()
                started = time.perf_counter()
                response = client.get(url)
                cold.append(time.perf_counter() - started)
                assert response.status_code == 200, (kind, label, response.status_code)
            for _ in range(args.n):
                started = time.perf_counter()
                client.get(url)
                warm.append(time.perf_counter() - started)
            for _ in range(max(3, args.n // 4)):
                started = time.perf_counter()
                client.get(url, {"format": "xlsx"})
                xlsx.append(time.perf_counter() - started)
            ratio = p95(cold) / max(p95(floors), 0.001)
            print(
                f"{kind:<14} {label:<20} {summary(cold):>22} {summary(warm):>22} {p95(xlsx):7.1f}"
                f" {p95(floors):8.1f}   cold/floor {ratio:4.1f}× ({len(sqls)} statements)"
            )


if __name__ == "__main__":
    main()
