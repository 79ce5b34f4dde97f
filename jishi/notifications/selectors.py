"""Reads of the inbox: a person's notifications, newest first, and the unread count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jishi.core.http import int_or_none
from jishi.notifications.models import Notification
from jishi.records.models import WorkRecord

PAGE_SIZE = 20
# The header shows "99+" beyond this: the count stops early instead of counting a neglected inbox to the end.
COUNT_CAP = 100


@dataclass
class InboxPage:
    """One keyset page of an inbox, newest first; the cursor is the id of the last row shown."""

    items: list[Notification]
    next_cursor: str | None


def inbox_page(
    *, person: Any, cursor: str | None = None, unread_only: bool = False, size: int = PAGE_SIZE
) -> InboxPage:
    """A page of the person's own notifications, newest first: the rows with their actors, and whether the person
    may still read the records they are about (one more query when any is)."""
    queryset = Notification.objects.filter(recipient_id=person.pk)
    if unread_only:
        queryset = queryset.unread()
    before = int_or_none(cursor)  # a bad cursor is treated as none (the first page), like the record lists
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.select_related("actor").order_by("-id")[: size + 1])
    more = len(rows) > size
    items = with_record_access(person=person, items=rows[:size])
    return InboxPage(items=items, next_cursor=str(items[-1].pk) if more else None)


def with_record_access(*, person: Any, items: list[Notification]) -> list[Notification]:
    """Set `record_readable` on notifications about a record: may the person still read it? A notification was
    delivered only to those who could, but a transfer or a change of visibility may have ended that since. One
    query for all of them, through the one visibility rule (WorkRecord.objects.visible_to)."""
    record_ids = {n.record_id for n in items if n.record_id is not None}
    if not record_ids:
        return items
    readable = set(WorkRecord.objects.visible_to(person).filter(pk__in=record_ids).values_list("pk", flat=True))
    for notification in items:
        notification.record_readable = notification.record_id is None or notification.record_id in readable
    return items


def unread_count(*, person: Any) -> int:
    """Unread notifications of the person, counted up to COUNT_CAP; none for anonymous users (no query).

    Every page's header shows it: the count stops at COUNT_CAP rows instead of counting a neglected inbox to the end.
    """
    if not getattr(person, "is_authenticated", False):
        return 0
    return Notification.objects.unread().filter(recipient_id=person.pk).order_by()[:COUNT_CAP].count()
