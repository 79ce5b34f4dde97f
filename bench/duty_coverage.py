"""Duty coverage at Jiading scale: server time of the coverage selector for units, a town, the whole jurisdiction
and people, over this quarter and over the whole demo period, with the query count.

Usage:  cp /tmp/jiading/jishi.sqlite3 /tmp/copy.sqlite3
        DATABASE_URL=sqlite:////tmp/copy.sqlite3 .venv/bin/python manage.py migrate
        DATABASE_URL=sqlite:////tmp/copy.sqlite3 .venv/bin/python bench/duty_coverage.py [--repeat 5]

Viewers are the demo logins: `leader` (the party secretary, who reads everything the rules allow a leader) for
units, and each person themselves. Counts come from WorkRecord.objects.visible_to(viewer), as aggregates.
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
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from jishi.duties.selectors import coverage_for
    from jishi.org.models import Person, Unit
    from jishi.records.models import WorkRecord

    leader = Person.objects.get(username="leader")
    staff = Person.objects.get(username="staff")
    first_day = WorkRecord.objects.order_by("date").values_list("date", flat=True).first()
    busiest = (
        WorkRecord.objects.values("department_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("department_id", "n")
    )[:1][0]
    town = Unit.objects.filter(kind="town").order_by("id").first()
    root = Unit.objects.get(parent__isnull=True)
    cases = [
        ("busiest department", leader, {"unit_id": busiest[0]}),
        ("a town", leader, {"unit_id": town.pk if town else busiest[0]}),
        ("whole jurisdiction", leader, {"unit_id": root.pk}),
        ("one person (self)", staff, {"person_id": staff.pk}),
    ]
    periods = [("this quarter", None, None), ("whole demo period", first_day.isoformat() if first_day else None, None)]
    print(
        f"database {connection.vendor}, {WorkRecord.objects.count():,} records; busiest department has {busiest[1]:,}"
    )
    print(f"{'subject':<22}{'period':<20}{'records':>10}{'p50 ms':>9}{'max ms':>9}{'queries':>9}")
    for name, viewer, subject in cases:
        for period, start, end in periods:
            timings = []
            for _ in range(args.repeat):
                if hasattr(viewer, "_jishi_reader"):
                    del viewer._jishi_reader  # a new request computes its reader again
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as ctx:
                    result = coverage_for(viewer=viewer, start=start, end=end, **subject)
                timings.append((time.perf_counter() - started) * 1000)
            print(
                f"{name:<22}{period:<20}{result.total_records:>10,}{statistics.median(timings):>9.0f}"
                f"{max(timings):>9.0f}{len(ctx.captured_queries):>9}"
            )


if __name__ == "__main__":
    main()
