"""A superior's one-tap reminder (提醒, the manager's day): once a day per person, logged, only within their scope."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from jishi.core.models import AuditEvent
from jishi.notifications.models import Kind, Notification
from jishi.notifications.services import remind_missing, remind_unfiled, reminded
from jishi.org.models import Absence, AbsenceKind, CalendarOverride
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 10, 13)  # an ordinary working day
TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture
def world(org: Org, settings: Any) -> Org:
    settings.JISHI_LATE_ENTRY_DAYS = 10_000  # the fixed days above lie in the past
    return org


def inbox(person: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind=Kind.REMINDER))


def test_a_section_head_reminds_a_clerk_once_and_it_is_logged(world: Org) -> None:
    notification = remind_unfiled(sender=world.section_head, person=world.author, day=MONDAY, today=TUESDAY)
    assert inbox(world.author) == [notification]
    assert notification.actor == world.section_head and notification.url == "/"
    assert "刘洋" in notification.text and "10月13日" in notification.text
    event = AuditEvent.objects.get(verb="notifications.remind")
    assert event.actor_id == world.section_head.pk and event.target_id == str(world.author.pk)
    assert event.data == {"day": "2025-10-13"}
    assert reminded([world.author.pk, world.colleague.pk], day=MONDAY, today=TUESDAY) == {world.author.pk}


def test_twice_in_a_day_is_refused_whoever_asks_and_sends_nothing_more(world: Org) -> None:
    remind_unfiled(sender=world.section_head, person=world.author, day=MONDAY, today=TUESDAY)
    for sender in (world.section_head, world.unit_head):
        with pytest.raises(ValidationError, match="已提醒过张伟"):
            remind_unfiled(sender=sender, person=world.author, day=MONDAY, today=TUESDAY)
    with pytest.raises(ValidationError, match="每人每天最多提醒一次"):  # another missing day, the same day
        remind_unfiled(sender=world.section_head, person=world.author, day=TUESDAY, today=TUESDAY)
    assert len(inbox(world.author)) == 1
    assert AuditEvent.objects.filter(verb="notifications.remind").count() == 1


def test_the_morning_run_does_not_remind_again_about_the_same_day(
    world: Org, django_capture_on_commit_callbacks
) -> None:
    remind_unfiled(sender=world.section_head, person=world.author, day=MONDAY, today=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        run = remind_missing(day=MONDAY, today=TUESDAY)
    assert run.already_reminded >= 1
    assert len(inbox(world.author)) == 1


def test_filing_the_day_settles_the_reminder(world: Org) -> None:
    notification = remind_unfiled(sender=world.section_head, person=world.author, day=MONDAY, today=TUESDAY)
    write_record(world.author, date=MONDAY)
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    ("sender", "person"),
    [
        ("section_head", "sibling"),  # 国库科: another section of the same bureau
        ("section_head", "unrelated"),  # another bureau
        ("colleague", "author"),  # a colleague is no superior
        ("deputy_not_in_charge", "author"),  # 分管国库科, not 预算科
        ("section_head", "section_head"),  # oneself
        ("admin", "author"),  # an administrator manages the organisation, reads no filing
    ],
)
def test_outside_ones_scope_is_a_404(world: Org, sender: str, person: str) -> None:
    with pytest.raises(Http404):
        remind_unfiled(sender=getattr(world, sender), person=getattr(world, person), day=MONDAY, today=TUESDAY)
    assert not Notification.objects.exists() and not AuditEvent.objects.filter(verb="notifications.remind").exists()


@pytest.mark.parametrize("sender", ["unit_head", "deputy_in_charge", "district_deputy", "secretary", "inspector"])
def test_superiors_and_scoped_roles_may_remind(world: Org, sender: str) -> None:
    remind_unfiled(sender=getattr(world, sender), person=world.author, day=MONDAY, today=TUESDAY)
    assert len(inbox(world.author)) == 1


def test_days_nobody_owes_are_refused_with_a_clear_message(world: Org) -> None:
    write_record(world.author, date=MONDAY)
    with pytest.raises(ValidationError, match="已填写或无需填写"):
        remind_unfiled(sender=world.section_head, person=world.author, day=MONDAY, today=TUESDAY)
    Absence.objects.create(person=world.colleague, kind=AbsenceKind.LEAVE, start=MONDAY, end=MONDAY)
    with pytest.raises(ValidationError, match="已填写或无需填写"):
        remind_unfiled(sender=world.section_head, person=world.colleague, day=MONDAY, today=TUESDAY)
    CalendarOverride.objects.create(date=TUESDAY, is_working_day=False)
    with pytest.raises(ValidationError, match="不是工作日"):
        remind_unfiled(sender=world.section_head, person=world.colleague, day=TUESDAY, today=TUESDAY)
    with pytest.raises(ValidationError, match="今天之后"):
        remind_unfiled(sender=world.section_head, person=world.colleague, day=TUESDAY, today=MONDAY)
    assert not Notification.objects.exists()


def test_a_day_past_the_late_entry_window_is_refused(world: Org, settings: Any) -> None:
    settings.JISHI_LATE_ENTRY_DAYS = 7
    with pytest.raises(ValidationError, match="补记期限"):
        remind_unfiled(
            sender=world.section_head, person=world.author, day=MONDAY, today=MONDAY + datetime.timedelta(days=8)
        )


def test_the_api_calls_the_same_service(world: Org) -> None:
    from jishi.notifications.tests.test_api import api_for
    from jishi.org.calendar import local_today, working_days

    day = working_days(local_today() - datetime.timedelta(days=10), local_today())[-1]
    api = api_for(world.section_head)
    url = "/api/v1/notifications/remind"
    ok = api.post(url, {"person_id": world.colleague.pk, "day": day.isoformat()}, content_type="application/json")
    assert ok.status_code == 200 and ok.json() == {
        "person_id": world.colleague.pk,
        "day": day.isoformat(),
        "reminded": True,
    }
    again = api.post(url, {"person_id": world.colleague.pk, "day": day.isoformat()}, content_type="application/json")
    assert again.status_code == 400 and "已提醒过李娜" in again.json()["errors"]["person"][0]
    outside = api.post(url, {"person_id": world.sibling.pk, "day": day.isoformat()}, content_type="application/json")
    assert outside.status_code == 404
    bad = api.post(url, {"person_id": "x", "day": "2025-02-30"}, content_type="application/json")
    assert bad.status_code == 422
    assert len(inbox(world.colleague)) == 1
