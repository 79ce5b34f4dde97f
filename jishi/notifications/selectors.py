"""Reads of the inbox: a person's notifications, newest first, and the unread count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jishi.core.http import int_or_none
from jishi.notifications.hooks import notification_quotes
from jishi.notifications.models import Notification
from jishi.records.models import WorkRecord

PAGE_SIZE = 20
# A quoted comment or question is trimmed to this many characters in the inbox.
QUOTE_CHARS = 80
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
    readable = WorkRecord.objects.visible_to(person).filter(pk__in=record_ids).only("pk")
    content_shown = {record.pk: bool(getattr(record, "content_visible", False)) for record in readable}
    for notification in items:
        notification.record_readable = notification.record_id is None or notification.record_id in content_shown
    _quote(items, {pk for pk, shown in content_shown.items() if shown})
    return items


def anchor_of(url: str) -> str:
    """The item a notification's link lands on ("comment-12" of "/records/5/#comment-12"), or ""."""
    return url.partition("#")[2]


def _quote(items: list[Notification], content_readable: set[int]) -> None:
    """Set `quote` on notifications about a comment or an inquiry whose record's content the reader may read now:
    the item's current text, trimmed — read at display time, never stored, so a record that became restricted or
    sensitive for the reader quotes nothing."""
    wanted = {anchor_of(n.url) for n in items if n.record_id in content_readable} - {""}
    if not wanted:
        return
    texts: dict[str, tuple[int, str]] = {}
    for answer in notification_quotes.run(anchors=sorted(wanted)):
        texts.update(answer)
    for notification in items:
        found = texts.get(anchor_of(notification.url)) if notification.record_id in content_readable else None
        if found is not None and found[0] == notification.record_id:
            text = " ".join(found[1].split())
            notification.quote = text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def unread_count(*, person: Any) -> int:
    """Unread notifications of the person, counted up to COUNT_CAP; none for anonymous users (no query).

    Every page's header shows it: the count stops at COUNT_CAP rows instead of counting a neglected inbox to the end.
    """
    if not getattr(person, "is_authenticated", False):
        return 0
    return Notification.objects.unread().filter(recipient_id=person.pk).order_by()[:COUNT_CAP].count()
