"""Working days follow the official calendar under admin overrides; owed days respect posts, absences, obligation."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jishi.org.calendar import is_working_day, next_working_day, owed_days
from jishi.org.models import Absence, CalendarOverride
from jishi.records.selectors import missing_days
from jishi.records.services import record_create
from jishi.testing import Org, record_input

D = datetime.date


def test_official_holidays_and_adjusted_working_days(db) -> None:
    assert not is_working_day(D(2026, 10, 1))  # National Day
    assert is_working_day(D(2026, 10, 10))  # Saturday 调休
    assert not is_working_day(D(2026, 9, 26))  # ordinary Saturday
    assert next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)


def test_a_year_the_package_does_not_know_works_with_overrides(db) -> None:
    assert is_working_day(D(2027, 1, 4))  # Monday, weekday fallback
    assert not is_working_day(D(2027, 1, 2))
    CalendarOverride.objects.create(date=D(2027, 1, 4), is_working_day=False, name="调整")
    CalendarOverride.objects.create(date=D(2027, 1, 9), is_working_day=True, name="调休上班")
    assert not is_working_day(D(2027, 1, 4))
    assert is_working_day(D(2027, 1, 9))


def test_owed_and_missing_days(org: Org) -> None:
    # The week of 2026-09-28: Mon–Wed working, Thu 10-01 onward holiday.
    Absence.objects.create(person=org.author, kind="leave", start=D(2026, 9, 29), end=D(2026, 9, 29))
    assert owed_days(org.author, D(2026, 9, 26), D(2026, 10, 4)) == [D(2026, 9, 28), D(2026, 9, 30)]
    record_create(
        author=org.author,
        data=record_input(date=D(2026, 9, 28)),
        now=timezone.make_aware(datetime.datetime(2026, 9, 28, 18)),
    )
    assert missing_days(org.author, D(2026, 9, 26), D(2026, 10, 4)) == [D(2026, 9, 30)]


def test_optional_filers_owe_nothing(org: Org) -> None:
    assert owed_days(org.social_worker, D(2026, 9, 1), D(2026, 9, 30)) == []
