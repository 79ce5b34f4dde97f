"""Reads of tasks (督办). Every function starts from Task.objects.visible_to(user); linked records from
WorkRecord.objects.visible_to(user)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from jishi.org.calendar import WorkingCalendar, at, local_today
from jishi.org.models import Person, Unit
from jishi.org.rules import reader_for
from jishi.records.models import WorkRecord
from jishi.tasks import rules
from jishi.tasks.models import (
    OPEN_STATUSES,
    STALLABLE_STATUSES,
    UNFINISHED_STATUSES,
    EventKind,
    Status,
    Task,
    TaskEvent,
    TaskQuerySet,
    TaskRecordLink,
)

PAGE_SIZE = 20


class Relation:
    """How a unit stands to a task on the unit's lists."""

    OWNED = "owned"
    COLLABORATING = "collaborating"
    ISSUED = "issued"
    CHOICES = (OWNED, COLLABORATING, ISSUED)


@dataclass
class TaskFilters:
    """Filters shared by the list pages and the API list."""

    status: str = ""
    overdue: bool = False
    stuck: bool = False
    unit_id: int | None = None
    relation: str = ""  # with unit_id: owned / collaborating / issued; empty means any of the three
    mine: bool = False  # tasks the user issued, owns or collaborates on


@dataclass
class TaskPage:
    """One page of tasks, by deadline then id; flags computed against one `today`."""

    items: list[Task]
    next_cursor: str | None
    filters: TaskFilters = field(default_factory=TaskFilters)
    since: datetime.datetime | None = None  # the stuck threshold the flags used; counts reuse it


def stuck_since(today: datetime.date | None = None) -> datetime.datetime:
    """Activity before this moment makes an unfinished task stuck: the start of the N-th working day back from today
    (today counts when it is a working day), N = JISHI_TASK_STUCK_WORKING_DAYS."""
    today = today or local_today()
    days = settings.JISHI_TASK_STUCK_WORKING_DAYS
    # Twice the span plus three weeks holds N working days even across the Spring Festival's week off.
    calendar = WorkingCalendar(today - datetime.timedelta(days=days * 2 + 21), today)
    working = calendar.working_days()
    day = working[-days] if len(working) >= days else calendar.start
    return at(day, datetime.time.min)


def overdue_q(today: datetime.date) -> Q:
    return Q(deadline__lt=today, status__in=UNFINISHED_STATUSES)


def stuck_q(since: datetime.datetime) -> Q:
    return Q(last_activity_at__lt=since, status__in=STALLABLE_STATUSES)


def annotate_flags(tasks: list[Task], today: datetime.date, since: datetime.datetime) -> list[Task]:
    """Set `is_overdue` and `is_stuck` on each task (the same conditions as the filters)."""
    for task in tasks:
        task.is_overdue = task.deadline < today and task.status in UNFINISHED_STATUSES  # type: ignore[attr-defined]
        task.is_stuck = task.last_activity_at < since and task.status in STALLABLE_STATUSES  # type: ignore[attr-defined]
    return tasks


def filtered_tasks(
    *, user: Any, filters: TaskFilters, today: datetime.date | None = None, since: datetime.datetime | None = None
) -> TaskQuerySet:
    """Tasks `user` may see, narrowed by the filters."""
    today = today or local_today()
    queryset = Task.objects.visible_to(user)
    if filters.status in Status.values:
        queryset = queryset.filter(status=filters.status)
    if filters.overdue:
        queryset = queryset.filter(overdue_q(today))
    if filters.stuck:
        queryset = queryset.filter(stuck_q(since or stuck_since(today)))
    if filters.mine:
        queryset = queryset.filter(rules.involved_q(user))
    if filters.unit_id:
        # A subquery, not a list: the unit's subtree is read inside the task query itself.
        path = Unit.objects.filter(pk=filters.unit_id).values("path")[:1]
        units = Unit.objects.filter(path__startswith=Subquery(path)).values("id")
        by_relation = {
            Relation.OWNED: Q(owner_unit_id__in=units),
            Relation.COLLABORATING: Q(rules.collaborating(units)),
            Relation.ISSUED: Q(issuer_unit_id__in=units),
        }
        if filters.relation in by_relation:
            queryset = queryset.filter(by_relation[filters.relation])
        else:
            queryset = queryset.filter(
                by_relation[Relation.OWNED] | by_relation[Relation.COLLABORATING] | by_relation[Relation.ISSUED]
            )
    return queryset


def parse_cursor(cursor: str | None) -> tuple[datetime.date, int] | None:
    """A cursor is "YYYY-MM-DD_ID" of the last row of the previous page; a bad one is treated as none."""
    if not cursor:
        return None
    try:
        day, pk = cursor.split("_", 1)
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _with_related(queryset: TaskQuerySet) -> TaskQuerySet:
    return queryset.select_related("issuer", "issuer_unit", "owner_unit", "owner_person", "duty").prefetch_related(
        Prefetch("collaborating_units", queryset=Unit.objects.only("id", "name"))
    )


def task_page(*, user: Any, filters: TaskFilters, cursor: str | None = None, size: int = PAGE_SIZE) -> TaskPage:
    """A page of tasks `user` may see, nearest deadline first, keyset-paginated on (deadline, id)."""
    today = local_today()
    since = stuck_since(today)
    queryset = filtered_tasks(user=user, filters=filters, today=today, since=since)
    position = parse_cursor(cursor)
    if position:
        day, pk = position
        queryset = queryset.filter(Q(deadline__gt=day) | Q(deadline=day, id__gt=pk))
    ids = list(queryset.order_by("deadline", "id").values_list("id", flat=True)[: size + 1])
    rows = list(_with_related(Task.objects.filter(id__in=ids)).order_by("deadline", "id"))
    more = len(rows) > size
    items = annotate_flags(rows[:size], today, since)
    next_cursor = f"{items[-1].deadline.isoformat()}_{items[-1].pk}" if more else None
    return TaskPage(items=items, next_cursor=next_cursor, filters=filters, since=since)


def task_detail(*, user: Any, pk: int) -> Task:
    """One task `user` may see; a hidden task and a missing one are the same 404."""
    task = _with_related(Task.objects.visible_to(user)).filter(pk=pk).first()
    if task is None:
        raise Http404("督办不存在或无权查看。")
    today = local_today()
    annotate_flags([task], today, stuck_since(today))
    return task


@dataclass
class FlowItem:
    """One step of a task's flow: an event, or a linked record (hidden ones carry no author, unit or content)."""

    at: datetime.datetime
    kind: str  # "event" or "record"
    label: str
    actor: Person | None = None
    unit: Unit | None = None
    from_status: str = ""
    to_status: str = ""
    note: str = ""
    from_label: str = ""
    to_label: str = ""
    record: WorkRecord | None = None
    hidden: bool = False


def task_flow(*, user: Any, task: Task) -> list[FlowItem]:
    """Who did what, in time order, across units: the events and the linked records the viewer may see.

    A linked record the viewer may not read appears as "一条无权查看的记实" with only the time it was linked —
    no author, unit or content, so the task's progress shows without revealing the record."""
    items = [
        FlowItem(
            at=e.at,
            kind="event",
            label=str(EventKind(e.kind).label),
            actor=e.actor,
            unit=e.unit,
            from_status=e.from_status,
            to_status=e.to_status,
            note=e.note,
            from_label=str(Status(e.from_status).label) if e.from_status else "",
            to_label=str(Status(e.to_status).label),
        )
        for e in TaskEvent.objects.filter(task=task).select_related("actor", "unit").order_by("at", "id")
    ]
    links = list(TaskRecordLink.objects.filter(task=task).order_by("linked_at", "id"))
    readable = {
        r.pk: r
        for r in WorkRecord.objects.visible_to(user)
        .filter(pk__in=[link.record_id for link in links])
        .select_related("author", "unit", "category")
    }
    for link in links:
        record = readable.get(link.record_id)
        if record is None:
            items.append(FlowItem(at=link.linked_at, kind="record", label="一条无权查看的记实", hidden=True))
        else:
            items.append(
                FlowItem(
                    at=link.linked_at,
                    kind="record",
                    label="关联记实",
                    actor=record.author,
                    unit=record.unit,
                    record=record,
                )
            )
    return sorted(items, key=lambda item: item.at)


def linked_record_count(task: Task) -> int:
    return TaskRecordLink.objects.filter(task=task).count()


def tasks_of_record(*, user: Any, record: WorkRecord) -> list[Task]:
    """Tasks a record is linked to or was instructed on, that `user` may see."""
    linked = Task.objects.visible_to(user).filter(Q(links__record=record) | Q(source_record=record)).distinct()
    return list(linked.select_related("owner_unit", "owner_person").order_by("deadline", "id"))


def tasks_to_link(*, user: Any) -> TaskQuerySet:
    """Open tasks the user may link their records to (owner side or collaborator), nearest deadline first — for the
    record page's picker and an entry form's optional select."""
    queryset = Task.objects.visible_to(user).filter(rules.linkable_q(user), status__in=OPEN_STATUSES)
    return queryset.select_related("owner_unit").order_by("deadline", "id")


def linkable_tasks(*, user: Any, record: WorkRecord) -> list[Task]:
    """Open tasks the record's author may link it to, not linked yet."""
    if getattr(user, "pk", None) != record.author_id:
        return []
    return list(tasks_to_link(user=user).exclude(links__record=record)[:50])


def own_records_to_link(*, user: Any, task: Task, days: int = 14) -> list[WorkRecord]:
    """The user's own recent records not yet linked to `task`, when they may link to it (the task page's picker)."""
    if task.status not in OPEN_STATUSES or not rules.may_link(user, task):
        return []
    since = local_today() - datetime.timedelta(days=days)
    own = (
        WorkRecord.objects.visible_to(user)
        .filed()  # a withdrawn record advances nothing
        .filter(author_id=user.pk, date__gte=since)
        .exclude(task_links__task=task)
    )
    return list(own.select_related("category").order_by("-date", "-id")[:20])


def counts_for(*, user: Any, unit_id: int | None = None, since: datetime.datetime | None = None) -> dict[str, int]:
    """Open, overdue and stuck counts for the list header, in one query."""
    today = local_today()
    since = since or stuck_since(today)
    base = filtered_tasks(user=user, filters=TaskFilters(unit_id=unit_id), today=today)
    return base.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=overdue_q(today)),
        stuck=Count("id", filter=stuck_q(since)),
    )


@dataclass
class UnitTally:
    """One department-level unit's tasks as owner, for the jurisdiction overview."""

    unit: Unit
    open: int
    overdue: int
    stuck: int
    awaiting: int  # reported done, not yet confirmed


def department_overview(*, user: Any, since: datetime.datetime | None = None) -> list[UnitTally]:
    """Owned tasks per department-level unit (its sections' included), among those `user` may see; two queries.

    Tasks are counted, never people: no minimum group size applies."""
    today = local_today()
    since = since or stuck_since(today)
    rows = (
        Task.objects.visible_to(user)
        .annotate(department=Coalesce("owner_unit__department_id", "owner_unit_id"))
        .values("department")
        .annotate(
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=overdue_q(today)),
            stuck=Count("id", filter=stuck_q(since)),
            awaiting=Count("id", filter=Q(status=Status.DONE)),
        )
        .order_by()
    )
    tallies = {row["department"]: row for row in rows}
    units = Unit.objects.filter(pk__in=tallies).order_by("path").only("id", "name", "path")
    return [
        UnitTally(
            unit=unit,
            open=tallies[unit.pk]["open"],
            overdue=tallies[unit.pk]["overdue"],
            stuck=tallies[unit.pk]["stuck"],
            awaiting=tallies[unit.pk]["awaiting"],
        )
        for unit in units
    ]


def issuable_units(user: Any) -> list[Unit]:
    """Current units the user may issue tasks to, in tree order (for the form)."""
    reader_units = Unit.objects.filter(valid_to__isnull=True, parent__isnull=False)
    reader = reader_for(user)
    if not reader.superior_of_all:
        reader_units = reader_units.filter(pk__in=reader.superior_unit_ids)
    return list(reader_units.only("id", "name", "tier", "path").order_by("path"))
