"""Notifications that tell: the inbox quotes the comment or question (for readers who may read it now), and opening
one lands on the item itself on the record page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jishi.notifications.models import Kind, Notification
from jishi.org.models import Person
from jishi.records.models import Visibility, WorkRecord
from jishi.supervision import services
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def login(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def record_of(org: Org, **overrides: Any) -> WorkRecord:
    return write_record(org.author, start_time=None, end_time=None, duration_minutes=30, **overrides)


def test_a_comment_is_quoted_and_opening_lands_on_it(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    record = record_of(org)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(actor=org.unit_head, record=record, text="思路清楚，下周把分工细化到人。")
    client = login(org.author)
    body = client.get("/inbox/").content.decode()
    assert "领导赵强点评了你的记实" in body and "思路清楚，下周把分工细化到人。" in body
    note = Notification.objects.get(recipient=org.author)
    opened = client.post(f"/inbox/{note.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == f"/records/{record.pk}/#comment-{comment.pk}"
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert f'id="comment-{comment.pk}"' in page


def test_a_long_comment_is_trimmed(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    record = record_of(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=org.unit_head, record=record, text="甲" * 200 + "尾巴")
    body = login(org.author).get("/inbox/").content.decode()
    assert "甲" * 79 + "…" in body and "尾巴" not in body


def test_an_inquiry_and_its_answer_are_quoted_and_land_on_them(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    record = record_of(org)
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = services.inquiry_ask(
            actor=org.district_deputy,
            record=record,
            question="经费测算依据是什么？",
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="依据2026年执行数和三项新增支出。")
    assert "经费测算依据是什么？" in login(org.author).get("/inbox/").content.decode()
    asker = login(org.district_deputy)
    assert "依据2026年执行数和三项新增支出。" in asker.get("/inbox/").content.decode()
    note = Notification.objects.get(recipient=org.district_deputy, kind=Kind.INQUIRY_ANSWER)
    target = asker.post(f"/inbox/{note.pk}/read/", {"open": "1"})["Location"]
    assert target == f"/records/{record.pk}/#inquiry-{inquiry.pk}-answer"
    assert f'id="inquiry-{inquiry.pk}-answer"' in asker.get(target.partition("#")[0]).content.decode()


def test_no_quote_once_the_record_became_sensitive_or_restricted_for_the_reader(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    record = record_of(org, visibility=Visibility.PUBLIC)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=org.section_head, record=record, text="@徐丽 请把救助口径对一下。")
    reader = login(org.unrelated)  # 民政局: reads the public record, outside its department
    assert "请把救助口径对一下" in reader.get("/inbox/").content.decode()
    WorkRecord.objects.filter(pk=record.pk).update(is_sensitive=True)  # content now closed to outsiders
    body = reader.get("/inbox/").content.decode()
    assert "在点评中提到了你" in body and "请把救助口径对一下" not in body
    WorkRecord.objects.filter(pk=record.pk).update(is_sensitive=False, visibility=Visibility.UNIT)
    body = reader.get("/inbox/").content.decode()
    assert "该记实现已无权查看" in body and "请把救助口径对一下" not in body
    assert "请把救助口径对一下" not in Notification.objects.get(recipient=org.unrelated).text  # never stored


def test_a_notification_whose_anchor_points_at_another_records_comment_quotes_nothing(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    secret = record_of(org, visibility=Visibility.SUPERIORS)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(actor=org.section_head, record=secret, text="只给本人看的话")
    public = record_of(org, visibility=Visibility.PUBLIC)
    Notification.objects.create(
        recipient=org.unrelated,
        kind=Kind.MENTION,
        text="提及",
        record=public,
        url=f"/records/{public.pk}/#comment-{comment.pk}",
    )
    assert "只给本人看的话" not in login(org.unrelated).get("/inbox/").content.decode()
