"""Notifications benchmark: `jishi remind` and the inbox at Jiading scale (5,270 filers, ~723,000 records).

Usage (never on the demo world itself — on a copy, migrated):
    cp /tmp/jiading/jishi.sqlite3 /tmp/n.sqlite3
    DATABASE_URL=sqlite:////tmp/n.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/n.sqlite3 .venv/bin/python bench/notifications.py [--date YYYY-MM-DD]

Runs with the test settings (the immediate task backend, the in-memory email backend), so a reminder run's time
includes its whole background fan-out. Prints: the one query for who owes (time and plan), a dry run, a real run
(query, inbox rows, email), the second run (which reminds nobody), a fan-out to every filer (the worst case: every
inbox row and, with addresses, every email), and the header's unread count and the inbox page for one person.
Writes reminder and bench rows into the copy.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--date", help="the day to remind about (default: the last working day up to today)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url or "/tmp/jiading/" in url:
        sys.exit("Set DATABASE_URL to a migrated copy of the demo world (see the docstring); never the original.")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jishi.notifications.models import Kind, Notification
    from jishi.notifications.selectors import inbox_page, unread_count
    from jishi.notifications.services import deliver, remind_missing, reminder_key
    from jishi.org.calendar import is_working_day, local_today
    from jishi.org.models import FilingObligation, Person
    from jishi.records.models import WorkRecord
    from jishi.records.selectors import owing_without_record

    day = datetime.date.fromisoformat(args.date) if args.date else local_today()
    while not is_working_day(day):
        day -= datetime.timedelta(days=1)
    filers = Person.objects.filter(filing_obligation=FilingObligation.REQUIRED, is_active=True).count()
    print(
        f"database: {connection.vendor}; {WorkRecord.objects.count():,} records, {filers:,} filers; "
        f"day {day} ({WorkRecord.objects.filter(date=day).count():,} records that day)"
    )
    Notification.objects.filter(key=reminder_key(day)).delete()
    mail.outbox = []  # the in-memory backend's outbox, as the test runner would set it up
    reverse("records:today")  # load the URLconf now: a one-off start-up cost, not the reminder's

    def timed(label: str, action):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = action()
            elapsed = time.perf_counter() - started
        print(f"{label:<52} {elapsed * 1000:9.1f} ms  {len(queries):5d} queries")
        return result

    owing = timed("who owes (one query)", lambda: list(owing_without_record(day=day).values_list("pk", flat=True)))
    print(f"  {len(owing):,} people owe a record for {day} and have none")
    sql, params = owing_without_record(day=day).values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql, params)
        for row in cursor.fetchall():
            print("  plan:", row[-1])
    run = timed("jishi remind --dry-run", lambda: remind_missing(day=day, dry_run=True))
    assert run.queued == 0 and not Notification.objects.filter(key=reminder_key(day)).exists()
    run = timed("jishi remind (query + fan-out: rows and email)", lambda: remind_missing(day=day))
    print(f"  reminded {run.queued:,}; {len(mail.outbox):,} emails (people with an address)")
    again = timed("jishi remind again (reminds nobody)", lambda: remind_missing(day=day))
    assert again.queued == 0, again

    everyone = list(Person.objects.filter(filing_obligation=FilingObligation.REQUIRED).values_list("pk", flat=True))
    Person.objects.filter(pk__in=everyone[:1000], email="").update(email="bench@example.gov.cn")
    mail.outbox = []
    written = timed(
        f"fan-out to all {len(everyone):,} filers (1,000 with email)",
        lambda: deliver(recipient_ids=everyone, kind=Kind.TASK, actor_id=None, text="基准测试通知", key="bench"),
    )
    print(f"  {written:,} inbox rows, {len(mail.outbox):,} emails")
    Person.objects.filter(email="bench@example.gov.cn").update(email="")
    Notification.objects.filter(key="bench").delete()

    person = Person.objects.get(pk=everyone[0])
    timed("header unread count, one person", lambda: unread_count(person=person))
    timed("inbox page, one person", lambda: inbox_page(person=person))


if __name__ == "__main__":
    main()
