"""Who may see and change a work record — the only place these rules are written (PRODUCT.md).

Reading:
  公开 / 政府内部  every government account;
  本单位          the author's 本单位, the author's superiors, the jurisdiction leaders;
  仅上级          the author and the author's superiors.
  The author always reads their own records; inspection and HR read everything within their scope.
  Administrators read as staff unless they also hold a reading role. Anonymous readers see nothing
  (the public portal publishes separately, after a delay and with redaction).
Sensitive records: who, when and category stay visible to every reader above; content, place,
participants, result, reflection and attachments only to the author's 本单位, superiors and scoped roles.
A record belongs to the unit its author served in on the record's date; that unit's *current* superiors
see it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone

from jishi.org.rules import Reader, reader_for

if TYPE_CHECKING:
    from jishi.records.models import RecordQuerySet, WorkRecord

NOTHING = Q(pk__in=[])


def _superior_q(reader: Reader) -> Q:
    if reader.superior_of_all:
        return Q()
    return Q(unit_id__in=reader.superior_unit_ids) if reader.superior_unit_ids else NOTHING


def _scope_q(reader: Reader) -> Q:
    if reader.scoped_all:
        return Q()
    return Q(unit_id__in=reader.scoped_unit_ids) if reader.scoped_unit_ids else NOTHING


def _own_department_q(reader: Reader) -> Q:
    return Q(department_id__in=reader.department_ids) if reader.department_ids else NOTHING


def readable_q(reader: Reader) -> Q:
    """The condition on WorkRecord rows that `reader` may read at all."""
    from jishi.records.models import Visibility

    if reader.is_anonymous:
        return NOTHING
    if reader.scoped_all or reader.superior_of_all:
        return Q()
    unit_level = Q() if reader.is_jurisdiction_leader else (_own_department_q(reader) | _superior_q(reader))
    return (
        Q(author_id=reader.person_id)
        | Q(visibility__in=[Visibility.PUBLIC, Visibility.INTERNAL])
        | (Q(visibility=Visibility.UNIT) & unit_level)
        | (Q(visibility=Visibility.SUPERIORS) & _superior_q(reader))
        | _scope_q(reader)
    )


NOT_WITHDRAWN = Q(withdrawn_at__isnull=True)


def public_q(prefix: str = "") -> Q:
    """The public rule (政务公开, issue 18): 公开, not withdrawn, not sensitive — sensitive records never go public.
    `prefix` reaches the record through a relation ("record__" from the portal's Publication)."""
    from jishi.records.models import Visibility

    return Q(
        **{
            f"{prefix}visibility": Visibility.PUBLIC,
            f"{prefix}withdrawn_at__isnull": True,
            f"{prefix}is_sensitive": False,
        }
    )


def content_q(reader: Reader) -> Q:
    """The condition under which a readable record's content is shown (and searchable) for `reader`.

    A withdrawn record (撤回) shows nobody its content, its author included: it stays listed as a tombstone.
    """
    if reader.is_anonymous:
        return NOTHING
    if reader.scoped_all or reader.superior_of_all:
        return NOT_WITHDRAWN
    return NOT_WITHDRAWN & (
        Q(is_sensitive=False)
        | Q(author_id=reader.person_id)
        | _own_department_q(reader)
        | _superior_q(reader)
        | _scope_q(reader)
    )


def restrict(queryset: RecordQuerySet, user: Any, *, flag_content: bool = True) -> RecordQuerySet:
    """Narrow `queryset` to what `user` may read and annotate `content_visible` on each row (unless told not to)."""
    reader = reader_for(user)
    readable = readable_q(reader)
    if readable == NOTHING:
        return queryset.none()
    narrowed = queryset.filter(readable) if readable else queryset
    return with_content_visible(narrowed, user) if flag_content else narrowed


def with_content_visible(queryset: RecordQuerySet, user: Any) -> RecordQuerySet:
    """Annotate `content_visible` only: for rows whose ids were just selected through `restrict` (a list page
    fetching its 20 rows), so the readable condition is not compiled and evaluated a second time."""
    shown = content_q(reader_for(user))
    if not shown:  # Q() — everything readable shows its content (kept for a content rule without withdrawal)
        annotation: Any = Value(True, output_field=BooleanField())
    else:
        annotation = Case(When(shown, then=Value(True)), default=Value(False), output_field=BooleanField())
    return queryset.annotate(content_visible=annotation)


def can_edit(user: Any, record: WorkRecord) -> bool:
    """Only the author changes a record, and only before it locks; nobody edits a locked or withdrawn record."""
    return may_edit(user, author_id=record.author_id, locks_at=record.locks_at, withdrawn_at=record.withdrawn_at)


def may_edit(
    user: Any,
    *,
    author_id: int,
    locks_at: datetime.datetime,
    withdrawn_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> bool:
    """can_edit from the record's columns (the API's list reads them as values, not as instances)."""
    return (
        bool(getattr(user, "pk", None))
        and author_id == user.pk
        and (now or timezone.now()) < locks_at  # WorkRecord.is_locked: now >= locks_at
        and withdrawn_at is None
    )


def can_withdraw(user: Any, record: WorkRecord) -> bool:
    """撤回: the author, within the edit window, once."""
    return can_edit(user, record)


def can_add_addendum(user: Any, record: WorkRecord) -> bool:
    """Corrections to a locked record are dated addenda, written by its author."""
    return (
        bool(getattr(user, "pk", None))
        and record.author_id == user.pk
        and record.is_locked
        and record.withdrawn_at is None
    )
