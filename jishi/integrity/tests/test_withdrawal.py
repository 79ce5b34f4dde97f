"""撤回: the author takes a record back before it locks, with a reason; a tombstone stays, nothing is deleted."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jishi.accounts.services import token_create
from jishi.core.models import AuditEvent
from jishi.integrity.models import ChainEntry
from jishi.integrity.verification import verify
from jishi.org.calendar import WorkingCalendar
from jishi.records.models import RecordVersion, WorkRecord
from jishi.records.selectors import missing_days, owing_without_record
from jishi.records.services import addendum_create, record_update, record_withdraw
from jishi.testing import GOOD_CONTENT, Org, record_input, write_record

REASON = "日期记错了，应记在前一天"


def test_the_author_withdraws_within_the_edit_window(org: Org) -> None:
    record = write_record(org.author)
    before = ChainEntry.objects.count()
    record_withdraw(actor=org.author, record=record, reason=f"  {REASON}  ")
    record.refresh_from_db()
    assert record.is_withdrawn and record.withdrawal_reason == REASON and record.version == 2
    assert record.content == GOOD_CONTENT  # kept, only no longer shown
    latest = RecordVersion.objects.get(record=record, number=2)
    assert latest.data["withdrawn"]["reason"] == REASON and latest.data["content"] == GOOD_CONTENT
    event = AuditEvent.objects.get(verb="record.withdraw")
    assert (event.actor_id, event.target_id, event.data["reason"]) == (org.author.pk, str(record.pk), REASON)
    assert list(ChainEntry.objects.filter(pk__gt=0).values_list("kind", flat=True))[before:] == ["version", "event"]
    assert verify().ok


@pytest.mark.parametrize(
    ("reason", "message"), [("", "请写明撤回原因"), ("   ", "请写明撤回原因"), ("长" * 201, "不能超过 200 字")]
)
def test_a_reason_is_required(org: Org, reason: str, message: str) -> None:
    record = write_record(org.author)
    with pytest.raises(ValidationError) as error:
        record_withdraw(actor=org.author, record=record, reason=reason)
    assert message in error.value.message_dict["reason"][0]
    record.refresh_from_db()
    assert not record.is_withdrawn and record.version == 1


def test_only_the_author_may_withdraw(org: Org) -> None:
    record = write_record(org.author)
    for someone in (org.colleague, org.section_head, org.admin, org.inspector):
        with pytest.raises(PermissionDenied):
            record_withdraw(actor=someone, record=record, reason=REASON)
    assert not WorkRecord.objects.get(pk=record.pk).is_withdrawn


def test_a_locked_record_cannot_be_withdrawn(org: Org) -> None:
    record = write_record(org.author)
    with pytest.raises(ValidationError, match="已锁定"):
        record_withdraw(actor=org.author, record=record, reason=REASON, now=record.locks_at)
    assert RecordVersion.objects.filter(record=record).count() == 1


def test_a_withdrawn_record_is_final(org: Org) -> None:
    record = write_record(org.author)
    record_withdraw(actor=org.author, record=record, reason=REASON)
    with pytest.raises(ValidationError, match="已经撤回"):
        record_withdraw(actor=org.author, record=record, reason=REASON)
    with pytest.raises(ValidationError, match="已撤回"):
        record_update(actor=org.author, record=record, data=record_input(place="区政府"))
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="已撤回"):
        addendum_create(actor=org.author, record=record, content="补充一下情况说明", now=record.locks_at)


def test_readers_still_find_it_but_nobody_sees_its_content(org: Org) -> None:
    record = write_record(org.author)
    record_withdraw(actor=org.author, record=record, reason=REASON)
    for reader in (org.author, org.colleague, org.unit_head, org.inspector, org.secretary):
        row = WorkRecord.objects.visible_to(reader).get(pk=record.pk)
        assert row.content_visible is False and row.is_withdrawn  # type: ignore[attr-defined]


def _a_working_day_in_the_late_window() -> datetime.date:
    today = timezone.localdate()
    calendar = WorkingCalendar(today - datetime.timedelta(days=7), today)
    return max(d for d in calendar.working_days() if today - datetime.timedelta(days=6) <= d < today)


def test_a_withdrawn_record_no_longer_counts_as_filed(org: Org) -> None:
    day = _a_working_day_in_the_late_window()
    record = write_record(org.author, date=day)
    assert org.author not in owing_without_record(day=day, unit=org.budget)
    assert day not in missing_days(org.author, day, day)
    record_withdraw(actor=org.author, record=record, reason=REASON)
    assert org.author in owing_without_record(day=day, unit=org.budget)
    assert missing_days(org.author, day, day) == [day]


# ---- the API ------------------------------------------------------------------------------------------


def _api(person: Any) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_withdraw_through_the_api(org: Org) -> None:
    record = write_record(org.author)
    url = f"/api/v1/records/{record.pk}/withdrawal"
    response = _api(org.author).post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["withdrawn"] and body["withdrawal_reason"] == REASON and body["content"] is None
    listed = _api(org.colleague).get("/api/v1/records").json()["items"]
    [item] = [i for i in listed if i["id"] == record.pk]
    assert item["withdrawn"] and item["content"] is None and item["content_hidden"]
    assert _api(org.colleague).get(f"/api/v1/records/{record.pk}/versions").json() == []


def test_the_api_refuses_bad_withdrawals(org: Org) -> None:
    record = write_record(org.author)
    url = f"/api/v1/records/{record.pk}/withdrawal"
    response = _api(org.colleague).post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 403
    response = _api(org.author).post(url, {"reason": " "}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    hidden = write_record(org.unrelated, visibility="superiors")
    response = _api(org.author).post(
        f"/api/v1/records/{hidden.pk}/withdrawal", {"reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 404


def test_the_api_deletes_nothing(org: Org) -> None:
    record = write_record(org.author)
    response = _api(org.author).delete(f"/api/v1/records/{record.pk}")
    assert response.status_code == 405
    assert WorkRecord.objects.filter(pk=record.pk).exists()


# ---- the record page ------------------------------------------------------------------------------------


def test_withdraw_from_the_record_page(client: Client, org: Org) -> None:
    record = write_record(org.author)
    client.force_login(org.author)
    page = client.get(reverse("records:detail", args=[record.pk])).content.decode()
    assert reverse("records:withdraw", args=[record.pk]) in page
    response = client.post(reverse("records:withdraw", args=[record.pk]), {"reason": REASON}, follow=True)
    page = response.content.decode()
    assert "已撤回" in page and REASON in page and GOOD_CONTENT not in page
    client.force_login(org.colleague)
    listing = client.get(reverse("records:list")).content.decode()
    assert "已撤回" in listing and GOOD_CONTENT not in listing


def test_the_page_refuses_others_and_empty_reasons(client: Client, org: Org) -> None:
    record = write_record(org.author)
    client.force_login(org.colleague)
    assert (
        reverse("records:withdraw", args=[record.pk])
        not in client.get(reverse("records:detail", args=[record.pk])).content.decode()
    )
    assert client.post(reverse("records:withdraw", args=[record.pk]), {"reason": REASON}).status_code == 403
    client.force_login(org.author)
    response = client.post(reverse("records:withdraw", args=[record.pk]), {"reason": ""}, follow=True)
    assert "请写明撤回原因" in response.content.decode()
    assert not WorkRecord.objects.get(pk=record.pk).is_withdrawn
