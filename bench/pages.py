"""Server time of Jishi's pages and API at scale: lists, the unit page, the feeds, record creation.

Usage:  .venv/bin/python bench/pages.py --world /tmp/jiading/jishi.sqlite3     a copy of an existing world (SQLite)
        DATABASE_URL=postgres://…/jishi_jiading .venv/bin/python bench/pages.py --world-in-place
        .venv/bin/python bench/pages.py --scale medium                         builds a fresh world first
        .venv/bin/python bench/pages.py --scale jiading --years 5.5            the 10x world (~7.5M records, 13 GB)

Times requests through Django's handler in-process, in a fresh process as a server worker would run them (the
server's own time, without network or a load generator): p50/p95/max per surface, the query count per request, and
the query plans of the unit page and the 本单位 feed. Targets: lists and feeds < 50 ms, API create < 30 ms
(issues 2 and 4); the throughput targets are measured by bench/load.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="medium", help="build a fresh world of this scale (default medium)")
    parser.add_argument("--years", help="with --scale: jishi demo --years (5.5: the 10x Jiading world)")
    parser.add_argument("--world", help="benchmark a copy of this SQLite world instead of building one")
    parser.add_argument("--world-in-place", action="store_true", help="benchmark the DATABASE_URL world as it is")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="jishi-bench-")
    built = 0.0
    if args.world:
        shutil.copy(args.world, f"{tmp}/bench.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    if args.world or args.world_in_place:
        subprocess.run([sys.executable, "-m", "jishi", "migrate", "-v0"], check=True)
    else:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jishi", "demo", "--scale", args.scale, "--no-serve", "--rebuild"]
            + (["--years", args.years] if args.years else []),
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        )
        built = time.perf_counter() - started
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from jishi.accounts.services import token_create
    from jishi.org.models import Person, Unit
    from jishi.records.models import WorkRecord

    print(
        f"database: {connection.vendor}; world: {WorkRecord.objects.count()} records, "
        f"{Person.objects.count()} people, {Unit.objects.count()} units; `jishi demo` took {built:.1f} s"
    )

    import gc

    gc.freeze()  # as config/wsgi.py does in a server worker
    head = Person.objects.get(username="unit_head")
    staff = Person.objects.get(username="staff")
    finance = Unit.objects.get(code="CZJ")
    from jishi.org.calendar import is_working_day

    dates = WorkRecord.objects.order_by("-date").values_list("date", flat=True).distinct()[:10]
    busiest_day = next(d for d in dates if is_working_day(d))  # the unit page then lists who has not filed
    page_client = Client()
    page_client.force_login(head)
    _, secret = token_create(person=staff, name="bench")
    api_client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def timed(label: str, call, n: int = args.requests) -> None:  # type: ignore[no-untyped-def]
        call(0)  # warm up
        samples = []
        queries: list[str] = []
        with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
            call(1)
        for i in range(n):
            t0 = time.perf_counter()
            response = call(i + 2)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code in (200, 201), (label, response.status_code, response.content[:300])
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(
            f"{label:<44} p50 {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms   "
            f"max {samples[-1]:6.1f} ms   queries {len(queries)}"
        )

    day = busiest_day.isoformat()
    timed("unit page (财政局, one day, 20 rows)", lambda i: page_client.get(f"/units/{finance.pk}/", {"date": day}))
    timed("records list page (all visible, 20 rows)", lambda i: page_client.get("/records/"))
    timed("API list (unit filter, 20 rows)", lambda i: api_client.get("/api/v1/records", {"unit": finance.pk}))
    timed("API list (no filter, 20 rows)", lambda i: api_client.get("/api/v1/records"))
    first = api_client.get("/api/v1/records").json()["next_cursor"]
    timed("API list (second page by cursor)", lambda i: api_client.get("/api/v1/records", {"cursor": first}))

    from jishi.feeds.services import follow

    for other in (
        Person.objects.filter(is_active=True)
        .exclude(pk=staff.pk)
        .order_by("pk")[:: max(1, Person.objects.count() // 8)][:8]
    ):
        follow(follower=staff, person_id=other.pk)
    follow(follower=staff, unit_id=Unit.objects.get(code="MZJ").pk)
    staff_client = Client()
    staff_client.force_login(staff)
    leader_client = Client()
    leader_client.force_login(Person.objects.get(username="deputy_leader"))
    for feed in ("unit", "cross", "leaders", "following"):
        timed(f"feed page {feed} (staff)", lambda i, feed=feed: staff_client.get(f"/feeds/{feed}/"))
    timed("feed page unit (分管副区长)", lambda i: leader_client.get("/feeds/unit/"))
    timed("API feed leaders (staff)", lambda i: api_client.get("/api/v1/feeds/leaders"))

    authors = list(Person.objects.filter(filing_obligation="required", assignments__isnull=False).distinct()[:2000])
    today = timezone.localdate().isoformat()
    tokens = {p.pk: token_create(person=p, name="bench")[1] for p in authors[: args.requests + 22]}

    def create(i: int):  # type: ignore[no-untyped-def]
        author = authors[i]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[author.pk]}")
        return client.post(
            "/api/v1/records",
            {
                "date": today,
                "category": "meeting",
                "start_time": "20:00",
                "end_time": "20:30",
                "content": "与区民政局召开养老服务补贴协调会，明确三项分工和完成时限",
                "participant_ids": [staff.pk if author.pk != staff.pk else head.pk],
            },
            content_type="application/json",
        )

    timed("API create (validate, version, audit)", create)
    # What each statement of a create costs (mean over 20 more), to see which grows with the table.
    statements: dict[str, list[float]] = {}

    def clock(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.setdefault(sql, []).append((time.perf_counter() - started) * 1000)

    with connection.execute_wrapper(clock):
        for i in range(args.requests + 2, min(len(authors), args.requests + 22)):
            create(i)
    runs = max(1, min(len(authors), args.requests + 22) - args.requests - 2)
    print("  slowest statements of a create (mean ms per request):")
    for sql, spent in sorted(statements.items(), key=lambda item: -sum(item[1]))[:6]:
        print(f"    {sum(spent) / runs:6.2f}  {' '.join(sql.split())[:110]}")

    from jishi.org.selectors import subtree_ids

    query = WorkRecord.objects.visible_to(head).filter(unit_id__in=subtree_ids(finance.pk), date=busiest_day)
    sql, params = query.order_by("-date", "-id")[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        print("\nplan of the unit page query:")
        for row in cursor.fetchall():
            print("   ", " | ".join(str(c) for c in row))


if __name__ == "__main__":
    main()
