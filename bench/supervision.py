"""Supervision benchmark at Jiading scale: the demo layer, the overview, the record page and the inbox.

Usage (never on the demo world itself — on a copy, migrated):
    cp /tmp/jiading/jishi.sqlite3 /tmp/s.sqlite3
    DATABASE_URL=sqlite:////tmp/s.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/s.sqlite3 .venv/bin/python bench/supervision.py [--seed-days 30]

Prints: the time to add the demo supervision layer (only when the copy has none yet), then queries and time of the
jurisdiction overview for a month and for the whole stored period, a unit's overview, the record page (author and
another reader) of the most-viewed record, and the 确认与质询 page of the person with most pending confirmations.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed-days", type=int, default=30, help="days of records the demo layer covers")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url or "/tmp/jiading/" in url:
        sys.exit("Set DATABASE_URL to a migrated copy of the demo world (see the docstring); never the original.")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jishi.org.models import Unit
    from jishi.records.models import RecordParticipant, WorkRecord
    from jishi.supervision import demo
    from jishi.supervision.models import RecordView
    from jishi.supervision.selectors import supervision_overview

    last = WorkRecord.objects.order_by("-date").values_list("date", flat=True).first()
    first = WorkRecord.objects.order_by("date").values_list("date", flat=True).first()
    assert last and first, "the copy has no records"
    print(f"database: {connection.vendor}; {WorkRecord.objects.count():,} records from {first} to {last}")
    if not RecordView.objects.exists():
        started = time.perf_counter()
        report = demo.seed(rng=random.Random(2014), until=last, days=args.seed_days)
        print(f"demo layer ({args.seed_days} days): {report} in {time.perf_counter() - started:.1f} s")
    print(f"stored: {RecordView.objects.count():,} views")

    def measure(label: str, action: object) -> object:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = action()  # type: ignore[operator]
            elapsed = time.perf_counter() - started
        print(f"{label}: {len(queries)} queries, {elapsed * 1000:.0f} ms")
        return result

    month_start = last.replace(day=1)
    measure("overview, jurisdiction, this month", lambda: supervision_overview(start=month_start, end=last))
    measure("overview, jurisdiction, whole period", lambda: supervision_overview(start=first, end=last))
    busiest = (
        WorkRecord.objects.filter(date__gte=month_start)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest
    unit = Unit.objects.get(pk=busiest["department_id"])
    measure(f"overview, {unit.name}, this month", lambda: supervision_overview(start=month_start, end=last, unit=unit))

    top = RecordView.objects.values("record_id").annotate(n=Count("id")).order_by("-n").first()
    assert top
    record = WorkRecord.objects.select_related("author").get(pk=top["record_id"])
    reader = RecordView.objects.filter(record=record).select_related("viewer").first()
    assert reader
    for label, person in (("author", record.author), ("reader", reader.viewer)):
        client = Client()
        client.force_login(person)
        path = reverse("records:detail", args=[record.pk])
        client.get(path)
        response = measure(
            f"record page with {top['n']} views, as {label}",
            lambda c=client, p=path: c.get(p),  # type: ignore[misc]
        )
        assert response.status_code == 200  # type: ignore[attr-defined]
    named = (
        RecordParticipant.objects.filter(person__isnull=False, record__date__gte=last.replace(day=1))
        .values("person_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if named:
        client = Client()
        client.force_login(type(record.author).objects.get(pk=named["person_id"]))
        client.get(reverse("supervision:inbox"))
        measure(f"确认与质询 page ({named['n']} namings)", lambda: client.get(reverse("supervision:inbox")))
    # The jurisdiction's overview is for its leaders and whole-jurisdiction inspection/HR (9e58466): anyone else,
    # the record's author included, gets a 404 and would time the error page.
    overview_client = Client()
    overview_client.force_login(type(record.author).objects.get(username="leader"))  # the demo's 区委书记
    response = measure("overview page (HTML), this month", lambda: overview_client.get(reverse("supervision:overview")))
    assert response.status_code == 200  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
