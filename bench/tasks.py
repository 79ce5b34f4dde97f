"""督办 benchmark on a copy of the Jiading-scale world: seeding time, then server time of the task surfaces.

Usage:  cp /tmp/jiading/jishi.sqlite3 /tmp/tasks-bench.sqlite3
        DATABASE_URL=sqlite:////tmp/tasks-bench.sqlite3 .venv/bin/python manage.py migrate
        DATABASE_URL=sqlite:////tmp/tasks-bench.sqlite3 .venv/bin/python bench/tasks.py [--requests 30]

Seeds tasks with jishi.tasks.demo.seed_tasks (unless the database already has tasks), then times requests through
Django's handler in-process (the server's own time: no network, no load generator) as the demo logins, and prints
p50/p95/max and the query count per surface. Never point it at a database you care about: it writes tasks.
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jishi.org.models import Person
    from jishi.records.models import WorkRecord
    from jishi.tasks.demo import seed_tasks
    from jishi.tasks.models import Task, TaskRecordLink

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database: {connection.vendor}; {WorkRecord.objects.count()} records, {Person.objects.count()} people")
    if not Task.objects.exists():
        summary = seed_tasks(seed=args.seed)
        print(
            f"seed_tasks: {summary.tasks} tasks ({summary.instructions} 批示), {summary.events} events, "
            f"{summary.links} linked records; {summary.by_status}; overdue {summary.overdue}, stuck {summary.stuck}; "
            f"{summary.seconds:.1f} s"
        )
    task = Task.objects.filter(status="confirmed").order_by("id").first()
    linked = TaskRecordLink.objects.order_by("id").first()
    assert task is not None and linked is not None
    surfaces = [
        ("leader", "/tasks/"),
        ("leader", "/tasks/?overdue=1"),
        ("leader", "/tasks/?stuck=1"),
        ("deputy_leader", "/tasks/"),
        ("unit_head", "/tasks/?mine=1"),
        ("unit_head", f"/tasks/unit/{task.owner_unit.department_id or task.owner_unit_id}/?rel=owned"),
        ("staff", "/tasks/"),
        ("inspector", "/tasks/?status=in_progress"),
        ("leader", f"/tasks/{task.pk}/"),
        ("leader", f"/api/v1/tasks/{task.pk}"),
        ("leader", "/api/v1/tasks?overdue=true"),
        ("leader", f"/records/{linked.record_id}/"),
        ("leader", "/records/"),  # for scale: the records list on the same machine at the same moment
    ]
    print(
        f"{'who':<14} {'surface':<44} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'queries':>7} {'SQL ms':>7} "
        f"{'status':>6}"
    )
    for username, url in surfaces:
        client = Client()
        client.force_login(Person.objects.get(username=username))
        client.get(url)  # warm caches as a running worker would have them
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(
            f"{username:<14} {url:<44} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f} "
            f"{len(queries):7d} {sql_ms:7.1f} {response.status_code:6d}"
        )


if __name__ == "__main__":
    main()
