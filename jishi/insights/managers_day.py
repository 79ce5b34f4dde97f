"""The manager's day (今天 for a section or unit head): who has filed today and this week, who has not (with one tap to
remind them), the unit's records of the day, inquiries waiting for an answer and tasks coming due.

Read live from the database, not from the analytics store: at 08:30 the question is who filed by 08:25. Every rule is
borrowed — who owes a record (records.selectors.owing_on / unfiled_on: posts, the obligation, absences, the working
calendar), who may see names (org.rules.can_see_filing_status) and remind a person (can_see_person_filing, checked
again by notifications.services.remind_unfiled), records through visible_to, inquiries only on records whose content
the reader may read, tasks through Task.objects.visible_to. The units are the reader's dashboard subject
(dashboards.subject_for), so the page and the dashboard cover the same people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jishi.core.http import int_or_none
from jishi.insights import dashboards, rules
from jishi.notifications.services import remind_unfiled, reminded
from jishi.org.calendar import WorkingCalendar, local_today
from jishi.org.http import AuthedRequest
from jishi.org.models import Assignment, AssignmentKind, Person, Unit
from jishi.org.rules import can_see_filing_status, can_see_person_filing, reader_for
from jishi.records.models import WorkRecord
from jishi.records.rules import content_q
from jishi.records.selectors import Member, owing_on, unfiled_on
from jishi.supervision.models import Inquiry
from jishi.tasks.models import UNFINISHED_STATUSES
from jishi.tasks.selectors import Relation, TaskFilters, filtered_tasks

LISTED = 5  # records, inquiries and tasks shown on the page; the rest one tap away
NAMES_PER_GROUP = 40  # names listed in one unit's group; a bigger group links down to that unit's page
OPEN_GROUPS_UP_TO = 20  # unfiled names in all: up to this many, the groups start open
TASKS_AHEAD_DAYS = 7  # tasks whose deadline falls within this many days (and overdue ones) are "due"


@dataclass
class Unfiled:
    """One person who owes a record on the day and has none."""

    pk: int
    name: str
    unit_name: str
    can_remind: bool
    reminded: bool


@dataclass
class Group:
    """The unfiled people of one unit below the subject (or the subject's own people, 本级)."""

    name: str
    href: str  # the manager's day of that unit ("" for 本级 and for the subject itself)
    people: list[Unfiled] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def listed(self) -> list[Unfiled]:
        return self.people[:NAMES_PER_GROUP]

    @property
    def more(self) -> int:
        return max(0, len(self.people) - NAMES_PER_GROUP)


@dataclass
class Rate:
    """Filed person-days of owed person-days; `hidden` when fewer people than JISHI_MIN_GROUP_SIZE owe."""

    owed: int
    filed: int
    hidden: bool

    @property
    def percent(self) -> int | None:
        return round(100 * self.filed / self.owed) if self.owed and not self.hidden else None


@dataclass
class ManagersDay:
    subject: dashboards.Subject
    units: list[Unit]
    day: datetime.date
    today: datetime.date
    previous: datetime.date | None
    today_rate: Rate
    week_rate: Rate
    week_start: datetime.date
    groups: list[Group]
    unfiled: int
    records: list[WorkRecord]
    records_count: int
    records_href: str
    inquiries: list[Inquiry]
    inquiries_count: int
    tasks: list[Any]
    tasks_count: int
    tasks_href: str

    @property
    def grouped(self) -> bool:
        return len(self.groups) > 1

    @property
    def open_groups(self) -> bool:
        return self.unfiled <= OPEN_GROUPS_UP_TO


def previous_working_day(today: datetime.date) -> datetime.date | None:
    """The last working day before today (within a month): the day a morning's reminders are about."""
    calendar = WorkingCalendar(today - datetime.timedelta(days=31), today)
    earlier = [d for d in calendar.working_days() if d < today]
    return earlier[-1] if earlier else None


def subject_units(subject: dashboards.Subject) -> list[Unit]:
    if subject.kind == "charge":
        return list(Unit.objects.filter(pk__in=subject.unit_ids).order_by("path"))
    return [subject.unit] if subject.unit is not None else []


Seen = dict[tuple[int, datetime.date], list[Member]]  # unfiled_on's answers within one page


def _unfiled(seen: Seen, unit: Unit, day: datetime.date) -> list[Member]:
    if (unit.pk, day) not in seen:
        seen[unit.pk, day] = unfiled_on(unit=unit, day=day)
    return seen[unit.pk, day]


def _rate(units: list[Unit], days: list[datetime.date], seen: Seen) -> Rate:
    owed = filed = people = 0
    for day in days:
        for unit in units:
            owing = len(owing_on(unit=unit, day=day))
            owed += owing
            filed += owing - len(_unfiled(seen, unit, day))
            people = max(people, owing)
    return Rate(owed=owed, filed=filed, hidden=not rules.big_enough(people) if owed else False)


def _post_units(person_ids: list[int], day: datetime.date, paths: list[str]) -> dict[int, Unit]:
    """Each person's unit on `day` within the subject's units (their primary post first)."""
    found: dict[int, tuple[bool, Unit]] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        posts = Assignment.objects.active_on(day).filter(person_id__in=chunk).select_related("position__unit")
        for post in posts:
            unit = post.position.unit
            if not any(unit.path.startswith(p) for p in paths):
                continue
            primary = post.kind == AssignmentKind.PRIMARY
            if post.person_id not in found or (primary and not found[post.person_id][0]):
                found[post.person_id] = (primary, unit)
    return {pk: unit for pk, (_primary, unit) in found.items()}


def _link(unit: Unit, day: datetime.date) -> str:
    return reverse("insights:today") + "?" + urlencode({"unit": str(unit.pk), "day": day.isoformat()})


def _groups(user: Any, subject: dashboards.Subject, units: list[Unit], day: datetime.date, seen: Seen) -> list[Group]:
    """Who has not filed on `day`, by the units right below the subject (a leader's units each on its own)."""
    members = {m.pk: m for unit in units for m in _unfiled(seen, unit, day)}
    if not members:
        return []
    post_units = _post_units(list(members), day, [u.path for u in units])
    if subject.kind == "charge":
        heads = units
        own: Unit | None = None
    else:
        own = units[0]
        heads = list(Unit.objects.filter(parent=own, valid_to__isnull=True).order_by("path"))
    groups = {u.pk: Group(name=u.name, href=_link(u, day)) for u in heads}
    own_group = Group(name=_("本级") if heads else (own.name if own else ""), href="")
    done = reminded(members, day=day)
    for pk, member in members.items():
        unit = post_units.get(pk)
        head = next((h for h in heads if unit is not None and unit.path.startswith(h.path)), None)
        group = groups[head.pk] if head is not None else own_group
        group.people.append(
            Unfiled(
                pk=pk,
                name=member.full_name,
                unit_name=unit.name if unit is not None else "",
                can_remind=unit is not None and pk != user.pk and can_see_person_filing(user, pk, unit.pk),
                reminded=pk in done,
            )
        )
    shown = [g for g in [own_group, *groups.values()] if g.people]
    return sorted(shown, key=lambda g: -g.count) if len(shown) > 1 else shown


def _in_units(units: list[Unit], prefix: str = "") -> Q:
    if not units or units[0].parent_id is None:
        return Q()  # the jurisdiction
    return reduce(or_, (Q(**{f"{prefix}unit__path__startswith": u.path}) for u in units))


def _open_inquiries(user: Any, units: list[Unit], today: datetime.date) -> tuple[list[Inquiry], int]:
    """Unanswered inquiries on the units' records whose content the reader may read (an inquiry is part of it).

    Driven from the few open inquiries (their answered_at index), then their records checked through visible_to:
    asking visible_to for every readable record of a district first cost 2.4 s at Jiading's 725k records.
    """
    waiting = Inquiry.objects.filter(_in_units(units, "record__"), answered_at__isnull=True)
    rows = list(waiting.values_list("pk", "record_id"))
    record_ids = sorted({record_id for _pk, record_id in rows})
    readable: set[int] = set()
    content = content_q(reader_for(user))
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        records = WorkRecord.objects.visible_to(user, flag_content=False).filter(content, pk__in=chunk)
        readable.update(records.values_list("pk", flat=True))
    ids = [pk for pk, record_id in rows if record_id in readable]
    listed = (
        Inquiry.objects.filter(pk__in=ids)
        .with_status(today)
        .select_related("record__author", "asker")
        .order_by("due_on", "id")[:LISTED]
    )
    return list(listed), len(ids)


def build(user: Any, subject: dashboards.Subject, day: datetime.date, today: datetime.date) -> ManagersDay:
    units = subject_units(subject)
    week_start = today - datetime.timedelta(days=today.weekday())
    week = WorkingCalendar(week_start, today).working_days()
    seen: Seen = {}
    groups = _groups(user, subject, units, day, seen)

    records = WorkRecord.objects.visible_to(user).filed().filter(_in_units(units), date=day)
    unit_param = ",".join(str(u.pk) for u in units)
    period = {"start": day.isoformat(), "end": day.isoformat()}
    records_href = reverse("insights:records") + "?" + urlencode({"unit": unit_param, **period} if units else period)

    inquiries, inquiries_count = _open_inquiries(user, units, today)

    unit_id = units[0].pk if len(units) == 1 and units[0].parent_id is not None else None
    tasks = filtered_tasks(
        user=user, filters=TaskFilters(unit_id=unit_id, relation=Relation.OWNED if unit_id else ""), today=today
    )
    if subject.kind == "charge":
        tasks = tasks.filter(_in_units(units, "owner_"))
    due = tasks.filter(status__in=UNFINISHED_STATUSES, deadline__lte=today + datetime.timedelta(days=TASKS_AHEAD_DAYS))
    due = due.select_related("owner_unit").order_by("deadline", "id")
    tasks_href = reverse("tasks:unit", args=[unit_id]) if unit_id else reverse("tasks:list")
    listed_tasks = list(due[:LISTED])
    for task in listed_tasks:
        task.is_overdue = task.deadline < today  # type: ignore[attr-defined]

    return ManagersDay(
        subject=subject,
        units=units,
        day=day,
        today=today,
        previous=previous_working_day(today),
        today_rate=_rate(units, [today] if today in week else [], seen),
        week_rate=_rate(units, week, seen),
        week_start=week_start,
        groups=groups,
        unfiled=sum(g.count for g in groups),
        records=list(records.select_related("author", "category").order_by("-start_at", "-id")[:LISTED]),
        records_count=records.count(),
        records_href=records_href,
        inquiries=inquiries,
        inquiries_count=inquiries_count,
        tasks=listed_tasks,
        tasks_count=due.count(),
        tasks_href=tasks_href,
    )


def _subject(user: Any, raw_unit: str | None) -> dashboards.Subject:
    raw = (raw_unit or "").strip()
    unit_id = int_or_none(raw)
    if raw and unit_id is None:
        raise Http404
    subject = dashboards.subject_for(user, unit_id)
    if subject is None:
        raise Http404
    if not all(can_see_filing_status(user, u) for u in subject_units(subject)):
        raise Http404
    return subject


def _day(raw: str | None, today: datetime.date) -> datetime.date | None:
    """The day whose unfiled names and records are listed: the last working day by default (a morning's question)."""
    if not raw:
        return previous_working_day(today) or today
    try:
        day = datetime.date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if today - datetime.timedelta(days=31) <= day <= today else None


@login_required
def page(request: AuthedRequest) -> HttpResponse:
    """今天 for a section or unit head (their home; the dashboard one tap away); 404 without a group scope."""
    subject = _subject(request.user, request.GET.get("unit"))
    today = local_today()
    day = _day(request.GET.get("day"), today)
    if day is None:
        day = previous_working_day(today) or today
        messages.error(request, _("日期无效：只能查看今天和此前 31 天内的日期。"))
    context = {
        "m": build(request.user, subject, day, today),
        "day": day,
        "unit_param": request.GET.get("unit", ""),
        "remind_url": reverse("insights:remind"),
    }
    return render(request, "insights/managers_day.html", context)


@require_POST
@login_required
def remind(request: AuthedRequest) -> HttpResponse:
    """提醒: one reminder to one person about one day (notifications.services.remind_unfiled decides and logs it).
    With htmx, the button is swapped for 已提醒 (or the reason it was not sent); without, back to the page."""
    person_id = int_or_none(request.POST.get("person"))
    today = local_today()
    day = _day(request.POST.get("day"), today) if request.POST.get("day") else None
    unit = (request.POST.get("unit") or "").strip()
    back = (
        reverse("insights:today")
        + "?"
        + urlencode({k: v for k, v in (("unit", unit), ("day", day.isoformat() if day else "")) if v})
    )
    if person_id is None or day is None:
        if request.htmx:
            return render(request, "insights/_remind.html", {"error": _("提醒参数无效。")}, status=400)
        messages.error(request, _("提醒参数无效。"))
        return redirect(back)
    person = get_object_or_404(Person, pk=person_id)
    error = ""
    try:
        remind_unfiled(sender=request.user, person=person, day=day, today=today)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    state = {"pk": person.pk, "name": person.get_full_name(), "can_remind": True, "reminded": not error}
    if error and person.pk in reminded([person.pk], day=day, today=today):
        state["reminded"] = True
    if request.htmx:
        context = {"p": state, "day": day, "unit_param": unit, "error": error, "remind_url": request.path}
        return render(request, "insights/_remind.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已提醒%(name)s。") % {"name": person.get_full_name()})
    return redirect(back)
