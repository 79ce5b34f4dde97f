"""CPU time per request, in-process, of the surfaces bench/load.py measures and of their floors.

Usage:  .venv/bin/python bench/cpu.py --world /tmp/jiading/jishi.sqlite3          a copy of a SQLite world
        DATABASE_URL=postgres://…/jishi_speed .venv/bin/python bench/cpu.py      that database, in place

Each surface is asked through Django's test client (no server, no network, no load generator) 30 times to warm up,
then `--requests` times; the figure is the p50 of the process's CPU time per request (time.process_time), which other
programs on a busy machine disturb far less than wall time does — what bench/load.py's req/s cannot say on a loaded
two-core machine. The database's own work on PostgreSQL is in another process and is not counted. The ratio
"floor / surface" is what the surface's req/s would be against its floor's if CPU in the worker were all there is.
`--profile NAME` prints a cProfile of that surface.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import pstats
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", help="SQLite world to copy (default: DATABASE_URL in place)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", help="print a cProfile of this surface")
    parser.add_argument("--only", help="comma-separated surfaces to measure (default: all)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="jishi-cpu-"))
    if args.world:
        shutil.copy(args.world, workdir / "world.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'world.sqlite3'}"
    elif not os.environ.get("DATABASE_URL"):
        sys.exit("give --world FILE.sqlite3 or set DATABASE_URL")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.portal_settings",  # bench.settings, the page cache switchable
        JISHI_SECRET_KEY=secrets.token_urlsafe(50),
        JISHI_ALLOWED_HOSTS="testserver",
        JISHI_SECURE_COOKIES="0",
        JISHI_SSL_REDIRECT="0",
        # The portal's pages render on every hit (its page cache would answer from memory after the first).
        JISHI_PORTAL_PAGE_CACHE="0",
    )
    subprocess.run([sys.executable, "-m", "jishi", "migrate", "--no-input", "-v0"], check=True, cwd=ROOT)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from jishi.accounts.services import token_create
    from jishi.org.models import Assignment, AssignmentKind, FilingObligation, Person, Unit
    from jishi.records.models import WorkRecord

    posts = list(
        Assignment.objects.filter(
            kind=AssignmentKind.PRIMARY, end__isnull=True, person__filing_obligation=FilingObligation.REQUIRED
        )
        .select_related("position__unit")
        .order_by("person_id")[:20]
    )
    tokens = [token_create(person=a.person, name="bench")[1] for a in posts]
    finance = Unit.objects.get(code="CZJ")
    busiest = WorkRecord.objects.filter(unit__department=finance).order_by("-date").values_list("date", flat=True)[0]
    browser, api = Client(), Client()
    browser.force_login(Person.objects.get(username="unit_head"))
    today = datetime.date.today().isoformat()
    first = posts[0]

    def bearer(i: int) -> str:
        return f"Bearer {tokens[i % len(tokens)]}"

    def create(i: int) -> object:
        body = {"date": today, "category": "meeting", "content": f"与相关科室会商第{i}项年度重点工作推进情况，明确分工"}
        return api.post(
            "/api/v1/records",
            json.dumps(body | {"duration_minutes": 30}),
            "application/json",
            HTTP_AUTHORIZATION=bearer(i),
        )

    def floor_create(i: int) -> object:
        body = {
            "author_id": first.person_id,
            "unit_id": first.position.unit_id,
            "department_id": first.position.unit.department_id or first.position.unit_id,
            "date": today,
            "category": "meeting",
            "content": f"与相关科室会商第{i}项年度重点工作推进情况",
            "duration_minutes": 30,
        }
        return api.post("/floor/create", json.dumps(body), "application/json")

    from jishi.portal.models import Publication

    published = list(Publication.objects.live().order_by("-published_at").values_list("record_id", flat=True)[:200])
    anonymous = Client()
    surfaces = {
        "floor: bare list of 20": lambda i: api.get("/floor/list"),
        "floor: bare HTML page of 20": lambda i: api.get("/floor/page"),
        "portal front page": lambda i: anonymous.get("/public/"),
        "portal record page": lambda i: anonymous.get(f"/public/records/{published[i % len(published)]}/"),
        "API list (20)": lambda i: api.get("/api/v1/records", HTTP_AUTHORIZATION=bearer(i)),
        "unit page (20)": lambda i: browser.get(f"/units/{finance.pk}/?date={busiest.isoformat()}"),
        "feeds (本单位)": lambda i: browser.get("/feeds/"),
        "floor: bare insert": floor_create,
        "API create": create,
    }
    print(f"CPU per request, in-process — {connection.vendor}, {WorkRecord.objects.count():,} records")
    print(f"{'surface':<26}{'p50 ms':>8}{'min ms':>8}{'statements':>12}")
    wanted = set(args.only.split(",")) if args.only else set(surfaces)
    for name, ask in surfaces.items():
        if name not in wanted:
            continue
        for i in range(30):
            response = ask(i)
            assert response.status_code in (200, 201), (name, response.status_code)  # type: ignore[attr-defined]
        statements: list[str] = []

        def count(execute, sql, params, many, context, seen=statements):  # type: ignore[no-untyped-def]
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            ask(1)
        profile = cProfile.Profile() if args.profile == name else None
        times = []
        for i in range(args.requests):
            started = time.process_time()
            if profile:
                profile.enable()
            ask(i)
            if profile:
                profile.disable()
            times.append(time.process_time() - started)
        print(f"{name:<26}{statistics.median(times) * 1000:>8.2f}{min(times) * 1000:>8.2f}{len(statements):>12}")
        if profile:
            pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)
    connection.close()
    if args.world:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
