import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from jishi.notifications.models import Kind, Notification
from jishi.notifications.services import default_reminder_day, remind_missing
from jishi.org.calendar import local_today
from jishi.org.models import Absence, AbsenceKind, CalendarOverride
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 10, 13)  # an ordinary working day
NATIONAL_DAY = datetime.date(2025, 10, 1)  # a holiday on a Wednesday
SUNDAY = datetime.date(2025, 10, 12)
MAKE_UP_SATURDAY = datetime.date(2025, 10, 11)  # 调休: an official working day on a Saturday


def reminded(org: Org) -> set[str]:
    return set(Notification.objects.filter(kind=Kind.REMINDER).values_list("recipient__username", flat=True))


def remind(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return remind_missing(**kwargs)


def test_working_day_reminds_everyone_who_owes_and_not_optional_filers(
    org: Org, django_capture_on_commit_callbacks
) -> None:
    run = remind(django_capture_on_commit_callbacks, day=MONDAY, today=MONDAY)
    names = reminded(org)
    assert "author" in names and "unit_head" in names and "secretary" in names
    assert "social_worker" not in names  # 村居社工 may file but are not nagged
    assert run.owing == run.queued == len(names)
    notification = Notification.objects.get(recipient=org.author)
    assert notification.text == "您 10月13日 的工作记实还没有填写"
    assert notification.url == "/" and notification.actor is None


@pytest.mark.parametrize("day", [NATIONAL_DAY, SUNDAY], ids=["holiday", "weekend"])
def test_days_off_remind_nobody(org: Org, day: datetime.date, django_capture_on_commit_callbacks) -> None:
    run = remind(django_capture_on_commit_callbacks, day=day, today=day + datetime.timedelta(days=1))
    assert not run.working_day and run.queued == 0
    assert not Notification.objects.exists()


def test_make_up_working_day_counts(org: Org, django_capture_on_commit_callbacks) -> None:
    run = remind(django_capture_on_commit_callbacks, day=MAKE_UP_SATURDAY, today=MONDAY)
    assert run.working_day and "author" in reminded(org)
    # A past day links to the entry form, where it can still be filed late.
    assert Notification.objects.get(recipient=org.author).url == "/"


def test_administrators_override_the_official_calendar(org: Org, django_capture_on_commit_callbacks) -> None:
    CalendarOverride.objects.create(date=MONDAY, is_working_day=False)
    assert not remind(django_capture_on_commit_callbacks, day=MONDAY, today=MONDAY).working_day
    CalendarOverride.objects.create(date=SUNDAY, is_working_day=True)
    assert remind(django_capture_on_commit_callbacks, day=SUNDAY, today=MONDAY).queued > 0


def test_absent_people_are_not_reminded(org: Org, django_capture_on_commit_callbacks) -> None:
    Absence.objects.create(person=org.colleague, kind=AbsenceKind.LEAVE, start=MONDAY, end=MONDAY)
    remind(django_capture_on_commit_callbacks, day=MONDAY, today=MONDAY)
    assert "colleague" not in reminded(org) and "author" in reminded(org)


def test_people_who_filed_are_not_reminded(org: Org, django_capture_on_commit_callbacks) -> None:
    today = local_today()
    CalendarOverride.objects.create(date=today, is_working_day=True)
    write_record(org.author)
    remind(django_capture_on_commit_callbacks, day=today)
    assert "author" not in reminded(org) and "colleague" in reminded(org)
    assert Notification.objects.get(recipient=org.colleague).url == "/"


def test_running_twice_reminds_nobody_twice(org: Org, django_capture_on_commit_callbacks) -> None:
    org.author.email = "zhangwei@example.gov.cn"
    org.author.save()
    first = remind(django_capture_on_commit_callbacks, day=MONDAY, today=MONDAY)
    again = remind(django_capture_on_commit_callbacks, day=MONDAY, today=MONDAY)
    assert first.queued > 0
    assert again.queued == 0 and again.already_reminded == first.queued
    assert Notification.objects.filter(recipient=org.author).count() == 1
    assert [m.to for m in mail.outbox] == [["zhangwei@example.gov.cn"]]


def test_dry_run_writes_nothing(org: Org, django_capture_on_commit_callbacks) -> None:
    run = remind(django_capture_on_commit_callbacks, day=MONDAY, today=MONDAY, dry_run=True)
    assert run.owing > 0 and run.queued == 0
    assert not Notification.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    ("day", "message"),
    [(MONDAY + datetime.timedelta(days=1), "之后"), (MONDAY - datetime.timedelta(days=8), "补记期限")],
    ids=["future", "beyond-late-entry"],
)
def test_days_that_cannot_be_acted_on_are_refused(org: Org, day: datetime.date, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        remind_missing(day=day, today=MONDAY)
    assert message in error.value.message_dict["date"][0]
    assert not Notification.objects.exists()


def _call(*args: str) -> str:
    out = StringIO()
    call_command("remind", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "2025/10/13"])
def test_command_bad_date_is_a_clear_error(org: Org, value: str) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _call("--date", value)


def test_command_future_date_is_a_clear_error(org: Org) -> None:
    with pytest.raises(CommandError, match="之后"):
        _call("--date", (local_today() + datetime.timedelta(days=1)).isoformat())


def test_command_reminds_about_the_previous_working_day(org: Org, django_capture_on_commit_callbacks) -> None:
    today = local_today()
    yesterday = today - datetime.timedelta(days=1)
    CalendarOverride.objects.create(date=today, is_working_day=True)
    CalendarOverride.objects.create(date=yesterday, is_working_day=True)
    write_record(org.author, date=yesterday)  # a late entry: filed, so not reminded
    assert "试运行" in _call("--dry-run")
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        out = _call()
    assert f"{yesterday}：" in out and "已提醒" in out
    assert "author" not in reminded(org) and "colleague" in reminded(org)
    text = f"您 {yesterday.month}月{yesterday.day}日 的工作记实还没有填写"
    assert Notification.objects.get(recipient=org.colleague).text == text


def test_command_is_quiet_on_a_day_off(org: Org) -> None:
    CalendarOverride.objects.create(date=local_today(), is_working_day=False)
    assert "不是工作日" in _call()
    assert not Notification.objects.exists()


def test_command_with_todays_date(org: Org, django_capture_on_commit_callbacks) -> None:
    CalendarOverride.objects.create(date=local_today(), is_working_day=True)
    with django_capture_on_commit_callbacks(execute=True):
        _call("--date", local_today().isoformat())
    assert "author" in reminded(org)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2025, 10, 14), datetime.date(2025, 10, 13)),  # Tuesday → Monday
        (MONDAY, MAKE_UP_SATURDAY),  # Monday after National Day → the make-up working Saturday
        (datetime.date(2025, 10, 9), datetime.date(2025, 9, 30)),  # first day after the holiday
        (SUNDAY, None),  # a day off: quiet
        (NATIONAL_DAY, None),
    ],
)
def test_default_day_is_the_previous_working_day(org: Org, today: datetime.date, expected) -> None:
    assert default_reminder_day(today) == expected


def test_finding_who_owes_is_one_query(org: Org, django_assert_num_queries) -> None:
    remind_missing(day=MONDAY, today=MONDAY, dry_run=True)  # the worker has read the calendar's overrides
    with django_assert_num_queries(2):  # the cache generation, then who owes and who was reminded already
        run = remind_missing(day=MONDAY, today=MONDAY, dry_run=True)
    assert run.owing > 0


def test_filing_the_day_settles_its_reminder(org: Org, django_capture_on_commit_callbacks) -> None:
    today = local_today()
    CalendarOverride.objects.create(date=today, is_working_day=True)
    remind(django_capture_on_commit_callbacks, day=today)
    write_record(org.colleague)
    assert Notification.objects.get(recipient=org.colleague).read_at is not None
    assert Notification.objects.get(recipient=org.sibling).read_at is None
