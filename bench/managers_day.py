"""The manager's day (今天 of a section or unit head, insights/managers_day.py) at Jiading scale.

Usage (opens the demo world read-only — mode=ro, query_only — and never writes to it):
    flock /tmp/bench.lock .venv/bin/python bench/managers_day.py [--source /tmp/jiading/jishi.sqlite3] [-n 10]

For a section head, a town head and the district secretary (258 unfiled names at Jiading), it builds the page
(managers_day.build) and renders its template, with the worker's caches warm (who owes, the calendar) as in a running
worker after its first request. It reports wall and CPU time (process_time: robust on a busy shared machine) and the
number of statements, with the slowest statement.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="/tmp/jiading/jishi.sqlite3", help="the demo world's database")
    parser.add_argument("-n", type=int, default=10, help="builds per reader")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")  # memory caches, no files written
    from django.conf import settings

    settings.DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": f"file:{args.source}?mode=ro",
        "OPTIONS": {"uri": True, "init_command": "PRAGMA query_only=1;"},
    }
    import django

    django.setup()
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from jishi.insights import dashboards
    from jishi.insights.managers_day import build, previous_working_day
    from jishi.org.calendar import local_today
    from jishi.org.models import Assignment, Leadership

    today = local_today()
    day = previous_working_day(today) or today
    principal = Assignment.objects.active_on(today).filter(position__leadership=Leadership.PRINCIPAL)
    readers = {
        "section head": principal.filter(position__unit__kind="section"),
        "town head": principal.filter(position__unit__kind="town"),
        "district secretary": principal.filter(position__unit__tier=0),
    }
    for name, posts in readers.items():
        post = posts.select_related("person", "position__unit").order_by("id").first()
        if post is None:
            continue
        person = post.person
        subject = dashboards.subject_for(person)
        assert subject is not None
        walls, cpus = [], []
        for n in range(args.n + 1):
            wall, cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                m = build(person, subject, day, today)
                render_to_string(
                    "insights/managers_day.html",
                    {"m": m, "day": day, "unit_param": "", "remind_url": "/insights/today/remind/"},
                )
            if n:  # the first warms the worker's caches
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        print(
            f"{name:18} {post.position.unit.name}: unfiled {m.unfiled} in {len(m.groups)} groups · "
            f"wall p50 {statistics.median(walls):.0f} ms · CPU p50 {statistics.median(cpus):.0f} ms · "
            f"{len(queries)} statements, slowest {float(slowest['time']) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
