"""通知 endpoints: the same selectors and services as the inbox page; only the caller's own notifications."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from jishi.core.schemas import Id, answers
from jishi.notifications.models import Kind, Notification
from jishi.notifications.selectors import inbox_page, unread_count, with_record_access
from jishi.notifications.services import mark_all_read, mark_read, remind_unfiled
from jishi.org.models import Person

router = Router(tags=["通知"])


class ActorOut(Schema):
    id: int
    name: str


class NotificationOut(Schema):
    id: int
    kind: Kind
    text: str
    actor: ActorOut | None
    record_id: int | None
    record_readable: bool = Field(description="能否查看相关记实：调动或可见范围变更后可能已无权查看，此时链接会是 404")
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class CountOut(Schema):
    count: int


def _me(request: HttpRequest) -> Person:
    """The authenticated caller (the router's auth guarantees a Person)."""
    assert isinstance(request.user, Person)
    return request.user


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(moment) if moment else None


def notification_out(notification: Notification) -> NotificationOut:
    actor = notification.actor
    return NotificationOut(
        id=notification.pk,
        kind=Kind(notification.kind),
        text=notification.text,
        actor=ActorOut(id=actor.pk, name=actor.get_full_name()) if actor else None,
        record_id=notification.record_id,
        record_readable=notification.record_readable,
        url=notification.url,
        created_at=timezone.localtime(notification.created_at),
        read_at=_local(notification.read_at),
    )


@router.get("", response=answers(NotificationPageOut), summary="我的通知（新的在前，游标分页，每页 20 条）")
def list_notifications(request: HttpRequest, unread: bool = False, cursor: str | None = None) -> NotificationPageOut:
    page = inbox_page(person=_me(request), cursor=cursor, unread_only=unread)
    return NotificationPageOut(items=[notification_out(n) for n in page.items], next_cursor=page.next_cursor)


@router.get("/unread-count", response=answers(CountOut), summary="未读通知数（超过 99 时返回 100）")
def get_unread_count(request: HttpRequest) -> CountOut:
    return CountOut(count=unread_count(person=_me(request)))


@router.post("/read-all", response=answers(CountOut, 403), summary="全部标为已读（返回本次标记的条数）")
def post_read_all(request: HttpRequest) -> CountOut:
    return CountOut(count=mark_all_read(person=_me(request)))


@router.post(
    "/{notification_id}/read", response=answers(NotificationOut, 403, 404), summary="标为已读（他人的通知返回 404）"
)
def post_read(request: HttpRequest, notification_id: Id) -> NotificationOut:
    me = _me(request)
    [notification] = with_record_access(person=me, items=[mark_read(person=me, notification_id=notification_id)])
    return notification_out(notification)


class RemindIn(Schema):
    person_id: Id
    day: datetime.date = Field(description="未填报的日期（工作日，不晚于今天，在补记期限内）")


class RemindOut(Schema):
    person_id: int
    day: datetime.date
    reminded: bool


@router.post(
    "/remind",
    response=answers(RemindOut, 400, 403, 404),
    summary="提醒未填报的人（与“今天”页的“提醒”同一服务：每人每天最多一次；无权查看其填报情况时返回 404）",
)
def post_remind(request: HttpRequest, payload: RemindIn) -> RemindOut:
    person = get_object_or_404(Person, pk=payload.person_id)
    remind_unfiled(sender=_me(request), person=person, day=payload.day)
    return RemindOut(person_id=person.pk, day=payload.day, reminded=True)
