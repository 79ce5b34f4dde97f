"""Writes of tasks (督办): issue (from scratch or as a 批示 on a record), move along the status flow, link records.

Every rule is checked here, so the pages, the API and the demo behave identically. Errors are Django
ValidationErrors keyed by field, in Chinese; PermissionDenied for the wrong person; nothing is written when any
rule fails. Every change goes through `_log` — the one place task history is written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jishi.core.services import audit
from jishi.notifications.models import Kind
from jishi.notifications.services import notify
from jishi.org.calendar import day_of
from jishi.org.models import Assignment, Duty, Leadership, Person, Unit
from jishi.org.selectors import by_precedence, duties_for
from jishi.records.models import WorkRecord
from jishi.records.selectors import record_detail
from jishi.tasks import rules
from jishi.tasks.models import OPEN_STATUSES, EventKind, Status, Task, TaskEvent, TaskRecordLink

TITLE_MAX = 100
TEXT_MAX = 2000
MIN_TEXT = 5
MAX_COLLABORATORS = 20
MAX_DEADLINE_DAYS = 2 * 366

# The status flow: (from, to) → who moves it and what the step is called. Anything else skips a step.
OWNER, ISSUER = "owner", "issuer"
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (Status.ISSUED, Status.ACCEPTED): (OWNER, EventKind.ACCEPT),
    (Status.ACCEPTED, Status.IN_PROGRESS): (OWNER, EventKind.START),
    (Status.IN_PROGRESS, Status.DONE): (OWNER, EventKind.DONE),
    (Status.DONE, Status.CONFIRMED): (ISSUER, EventKind.CONFIRM),
    (Status.DONE, Status.IN_PROGRESS): (ISSUER, EventKind.RETURN),
}
NEXT_STEP = {
    Status.ISSUED: Status.ACCEPTED,
    Status.ACCEPTED: Status.IN_PROGRESS,
    Status.IN_PROGRESS: Status.DONE,
    Status.DONE: Status.CONFIRMED,
}


@dataclass
class TaskInput:
    """What an issuer submits for a task; the same shape from the form, the API and the demo."""

    title: str
    deadline: datetime.date | None
    owner_unit_id: int | None = None
    owner_person_id: int | None = None
    collaborating_unit_ids: list[int] = field(default_factory=list)
    duty_id: int | None = None
    description: str = ""


@dataclass
class _Clean:
    owner_unit: Unit
    owner_person: Person | None
    collaborators: list[Unit]
    duty: Duty | None
    issuer_unit: Unit


def _log(*, task: Task, actor: Person, verb: str, data: dict[str, Any], now: datetime.datetime) -> None:
    """The one place a task's history is written to the audit trail.

    audit() seals the event into the integrity hash chain. The audit data repeats each TaskEvent (id, from, to,
    note), so the chain covers the flow; to seal TaskEvent rows themselves, add a Kind for tasks.TaskEvent in
    integrity.canonical.KINDS and pass `history=[event]` from here."""
    task.last_activity_at = now
    audit(actor=actor, verb=f"task.{verb}", target=task, data=data)


def _event(
    *,
    task: Task,
    kind: str,
    actor: Person,
    unit: Unit | int,
    from_status: str,
    to_status: str,
    note: str,
    now: datetime.datetime,
) -> TaskEvent:
    """Append one flow event and its audit line; the caller saves the task (status, last activity) afterwards."""
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    event = TaskEvent.objects.create(
        task=task,
        kind=kind,
        actor=actor,
        unit_id=unit_id,
        at=now,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    _log(
        task=task,
        actor=actor,
        verb=kind,
        data={"event": event.pk, "from": from_status, "to": to_status, "note": note},
        now=now,
    )
    return event


def _task_url(task: Task) -> str:
    return reverse("tasks:detail", args=[task.pk])


def _owner_contacts(task: Task) -> list[Person]:
    """Who hears about the owner side's task: the owner person, or the owner unit's leaders and its handlers so far."""
    if task.owner_person_id is not None:
        return [task.owner_person] if task.owner_person else []
    today = day_of(timezone.now())
    leaders = Person.objects.filter(
        assignments__in=Assignment.objects.active_on(today).filter(
            position__unit_id=task.owner_unit_id, position__leadership__in=[Leadership.PRINCIPAL, Leadership.DEPUTY]
        )
    )
    handlers = Person.objects.filter(
        pk__in=TaskEvent.objects.filter(task=task, kind__in=[EventKind.ACCEPT, EventKind.DONE]).values("actor_id")
    )
    return list(leaders.union(handlers))


def _unit_leaders(unit_ids: list[int]) -> list[Person]:
    if not unit_ids:
        return []
    today = day_of(timezone.now())
    return list(
        Person.objects.filter(
            assignments__in=Assignment.objects.active_on(today).filter(
                position__unit_id__in=unit_ids, position__leadership=Leadership.PRINCIPAL
            )
        ).distinct()
    )


def _text(value: str, name: str, label: str, *, required: bool, maximum: int, errors: dict[str, list[str]]) -> str:
    text = value.strip()
    if required and not text:
        errors.setdefault(name, []).append(f"请填写{label}。")
    elif len(text) > maximum:
        errors.setdefault(name, []).append(f"{label}不能超过 {maximum} 字（当前 {len(text)} 字）。")
    return text


def _issuer_unit(issuer: Person, today: datetime.date) -> Unit | None:
    posts = by_precedence(
        list(Assignment.objects.active_on(today).filter(person=issuer).select_related("position__unit"))
    )
    return posts[0].position.unit if posts else None


def _owner(
    issuer: Person, data: TaskInput, today: datetime.date, errors: dict[str, list[str]]
) -> tuple[Unit, Person | None] | None:
    """The owner unit (and person), checked for existence here and for the issuer's charge by the caller."""
    unit = Unit.objects.filter(pk=data.owner_unit_id, valid_to__isnull=True).first() if data.owner_unit_id else None
    if data.owner_unit_id and unit is None:
        errors.setdefault("owner_unit_id", []).append("承办单位不存在或已撤销。")
        return None
    if data.owner_person_id is None:
        if unit is None:
            errors.setdefault("owner_unit_id", []).append("请指定承办单位或承办人。")
            return None
        if unit.parent_id is None:
            errors.setdefault("owner_unit_id", []).append("请指定具体的部门或科室作为承办单位。")
            return None
        return unit, None
    person = Person.objects.filter(pk=data.owner_person_id, is_active=True).first()
    if person is None:
        errors.setdefault("owner_person_id", []).append("承办人不存在。")
        return None
    if person.pk == issuer.pk:
        errors.setdefault("owner_person_id", []).append("不能向自己下达督办。")
        return None
    posts = by_precedence(
        list(Assignment.objects.active_on(today).filter(person=person).select_related("position__unit"))
    )
    if unit is not None:  # the person must serve in (or below) the named unit
        posts = [a for a in posts if a.position.unit.path.startswith(unit.path)]
        if not posts:
            errors.setdefault("owner_person_id", []).append(f"{person.full_name}不在{unit.name}任职。")
            return None
    if not posts:
        errors.setdefault("owner_person_id", []).append(f"{person.full_name}当前没有在职岗位。")
        return None
    # Through the first post the issuer is in charge of; otherwise the first post, refused by the caller.
    charged = [a for a in posts if rules.may_issue_to(issuer, a.position.unit)]
    return (charged or posts)[0].position.unit, person


def _duty_allowed(duty: Duty, owner_unit: Unit, issuer: Person, today: datetime.date) -> bool:
    """A task's duty is the owner unit's (its own, its 本单位's, or a section's below it) or one of the issuer's."""
    if duty.retired_on and duty.retired_on <= today:
        return False
    duty_unit = duty.unit
    own_line = duty_unit.pk in (owner_unit.pk, owner_unit.department_id) or duty_unit.path.startswith(owner_unit.path)
    return own_line or any(d.pk == duty.pk for d in duties_for(issuer, today))


def _validate(*, issuer: Person, data: TaskInput, now: datetime.datetime) -> tuple[_Clean, str, str]:
    today = day_of(now)
    if not rules.may_issue(issuer):
        raise PermissionDenied("只有领导和单位负责人可以下达督办。")
    errors: dict[str, list[str]] = {}
    title = _text(data.title, "title", "督办事项", required=True, maximum=TITLE_MAX, errors=errors)
    description = _text(data.description, "description", "要求", required=False, maximum=TEXT_MAX, errors=errors)
    if data.deadline is None:
        errors.setdefault("deadline", []).append("请填写办结时限。")
    elif data.deadline < today:
        errors.setdefault("deadline", []).append("办结时限不能早于今天。")
    elif data.deadline > today + datetime.timedelta(days=MAX_DEADLINE_DAYS):
        errors.setdefault("deadline", []).append("办结时限不能超过两年。")
    owner = _owner(issuer, data, today, errors)
    collaborator_ids = list(dict.fromkeys(data.collaborating_unit_ids))
    collaborators = list(Unit.objects.filter(pk__in=collaborator_ids, valid_to__isnull=True))
    if len(collaborators) != len(collaborator_ids):
        errors.setdefault("collaborating_unit_ids", []).append("协办单位不存在或已撤销。")
    elif len(collaborators) > MAX_COLLABORATORS:
        errors.setdefault("collaborating_unit_ids", []).append(f"协办单位不能超过 {MAX_COLLABORATORS} 个。")
    elif any(u.parent_id is None for u in collaborators):
        errors.setdefault("collaborating_unit_ids", []).append("请指定具体的部门或科室作为协办单位。")
    elif owner and any(u.pk == owner[0].pk for u in collaborators):
        errors.setdefault("collaborating_unit_ids", []).append("承办单位不必再列为协办单位。")
    duty = Duty.objects.select_related("unit").filter(pk=data.duty_id).first() if data.duty_id else None
    if data.duty_id and duty is None:
        errors.setdefault("duty_id", []).append("职责不存在。")
    elif duty and owner and not _duty_allowed(duty, owner[0], issuer, today):
        errors.setdefault("duty_id", []).append("职责应为承办单位或下达人的职责（且未停用）。")
    issuer_unit = _issuer_unit(issuer, today)
    if errors:
        raise ValidationError(errors)
    assert owner is not None and issuer_unit is not None  # no errors means both were found
    if not rules.may_issue_to(issuer, owner[0]):
        raise PermissionDenied(f"您不分管{owner[0].name}，不能向其下达督办。")
    clean = _Clean(
        owner_unit=owner[0], owner_person=owner[1], collaborators=collaborators, duty=duty, issuer_unit=issuer_unit
    )
    return clean, title, description


def _issue(*, issuer: Person, data: TaskInput, source_record: WorkRecord | None, now: datetime.datetime | None) -> Task:
    now = now or timezone.now()
    clean, title, description = _validate(issuer=issuer, data=data, now=now)
    assert data.deadline is not None  # _validate refuses a task without one
    task = Task.objects.create(
        title=title,
        description=description,
        issuer=issuer,
        issuer_unit=clean.issuer_unit,
        owner_unit=clean.owner_unit,
        owner_person=clean.owner_person,
        deadline=data.deadline,
        duty=clean.duty,
        source_record=source_record,
        status=Status.ISSUED,
        issued_at=now,
        last_activity_at=now,
    )
    task.collaborating_units.set(clean.collaborators)
    note = "批示" if source_record else ""
    _event(
        task=task,
        kind=EventKind.ISSUE,
        actor=issuer,
        unit=clean.issuer_unit,
        from_status="",
        to_status=Status.ISSUED,
        note=note,
        now=now,
    )
    recipients = _owner_contacts(task) + _unit_leaders([u.pk for u in clean.collaborators])
    verb = "批示" if source_record else "下达督办"
    notify(
        recipients=recipients,
        kind=Kind.TASK,
        actor=issuer,
        text=f"{issuer.full_name}{verb}：{title[:40]}",
        url=_task_url(task),
    )
    return task


@transaction.atomic
def task_create(*, issuer: Person, data: TaskInput, now: datetime.datetime | None = None) -> Task:
    """Issue a task to a unit or a person the issuer is in charge of, with collaborating units and a deadline."""
    return _issue(issuer=issuer, data=data, source_record=None, now=now)


@transaction.atomic
def instruction_create(
    *, issuer: Person, record_id: int, data: TaskInput, now: datetime.datetime | None = None
) -> Task:
    """Issue a 批示 on a record: a task that points back to it. A record the issuer cannot see is a 404."""
    record = record_detail(user=issuer, pk=record_id)
    if not getattr(record, "content_visible", False):
        raise PermissionDenied("您无权阅读该记实的内容，不能对其批示。")
    return _issue(issuer=issuer, data=data, source_record=record, now=now)


def _step_error(current: str, wanted: str) -> ValidationError:
    if current == Status.CONFIRMED:
        return ValidationError({"status": ["该督办已确认办结，不能再变更状态。"]})
    if current == wanted:
        return ValidationError({"status": [f"该督办已是“{Status(current).label}”。"]})
    following = Status(NEXT_STEP[Status(current)]).label
    return ValidationError(
        {"status": [f"不能从“{Status(current).label}”直接改为“{Status(wanted).label}”，下一步应为“{following}”。"]}
    )


@transaction.atomic
def task_transition(
    *,
    actor: Person,
    task: Task,
    to_status: str,
    note: str = "",
    result: str = "",
    now: datetime.datetime | None = None,
) -> Task:
    """Move a task one step: the owner side accepts, starts and reports done (with a result); only the issuer
    confirms or returns (with a reason). A step that skips another is refused."""
    now = now or timezone.now()
    task = Task.objects.select_for_update(of=("self",)).select_related("owner_person", "issuer").get(pk=task.pk)
    if to_status not in Status.values:
        raise ValidationError({"status": ["未知的状态。"]})
    step = TRANSITIONS.get((task.status, to_status))
    if step is None:
        raise _step_error(task.status, to_status)
    side, kind = step
    if side == ISSUER and not rules.is_issuer(actor, task):
        raise PermissionDenied("只有下达人可以确认或退回督办。")
    if side == OWNER and not rules.is_owner_side(actor, task):
        raise PermissionDenied("只有承办方可以接收、办理和报告办结。")
    errors: dict[str, list[str]] = {}
    if kind == EventKind.DONE:
        result = _text(result, "result", "办理结果", required=True, maximum=TEXT_MAX, errors=errors)
        if result and len(result) < MIN_TEXT:
            errors.setdefault("result", []).append(f"请写明办理结果（至少 {MIN_TEXT} 个字）。")
    note_required = kind == EventKind.RETURN
    note = _text(
        note, "note", "退回理由" if note_required else "说明", required=note_required, maximum=TEXT_MAX, errors=errors
    )
    if note_required and note and len(note) < MIN_TEXT:
        errors.setdefault("note", []).append(f"请写明退回理由（至少 {MIN_TEXT} 个字）。")
    if errors:
        raise ValidationError(errors)
    from_status = task.status
    unit = task.issuer_unit_id if side == ISSUER else task.owner_unit_id
    _event(
        task=task, kind=kind, actor=actor, unit=unit, from_status=from_status, to_status=to_status, note=note, now=now
    )
    task.status = to_status
    fields = ["status", "last_activity_at"]
    if kind == EventKind.DONE:
        task.result = result
        fields.append("result")
    if kind == EventKind.CONFIRM:
        task.closed_at = now
        fields.append("closed_at")
    task.save(update_fields=fields)
    _notify_step(task, kind, actor)
    return task


def _notify_step(task: Task, kind: str, actor: Person) -> None:
    name = actor.full_name
    title = task.title[:40]
    if kind == EventKind.DONE:
        notify(
            recipients=[task.issuer],
            kind=Kind.TASK,
            actor=actor,
            text=f"{name}报告督办已办结：{title}",
            url=_task_url(task),
        )
    elif kind == EventKind.CONFIRM:
        notify(
            recipients=_owner_contacts(task),
            kind=Kind.TASK,
            actor=actor,
            text=f"{name}确认督办办结：{title}",
            url=_task_url(task),
        )
    elif kind == EventKind.RETURN:
        notify(
            recipients=_owner_contacts(task),
            kind=Kind.TASK,
            actor=actor,
            text=f"{name}退回督办：{title}",
            url=_task_url(task),
        )


@transaction.atomic
def task_link_record(
    *, actor: Person, task: Task, record: WorkRecord, now: datetime.datetime | None = None
) -> TaskRecordLink:
    """Link the actor's own record to a task they are on; the first record moves an accepted task to in progress."""
    now = now or timezone.now()
    task = Task.objects.select_for_update().get(pk=task.pk)
    if record.author_id != actor.pk:
        raise PermissionDenied("只能关联本人的记实。")
    if not WorkRecord.objects.filter(pk=record.pk).filed().exists():  # as stored now, not as the caller last read it
        raise ValidationError({"record": ["该记实已撤回，不能关联督办。"]})
    if not rules.may_link(actor, task):
        raise PermissionDenied("您不是该督办的承办方或协办方，不能关联记实。")
    if task.status not in OPEN_STATUSES:
        raise ValidationError({"task": ["该督办已报告办结，不能再关联记实。"]})
    if TaskRecordLink.objects.filter(task=task, record=record).exists():
        raise ValidationError({"record": ["该记实已关联此督办。"]})
    link = TaskRecordLink.objects.create(task=task, record=record, linked_by=actor, linked_at=now)
    _log(task=task, actor=actor, verb="link_record", data={"record": record.pk, "link": link.pk}, now=now)
    fields = ["last_activity_at"]
    if task.status == Status.ACCEPTED:
        _event(
            task=task,
            kind=EventKind.AUTO_START,
            actor=actor,
            unit=record.unit_id,
            from_status=Status.ACCEPTED,
            to_status=Status.IN_PROGRESS,
            note="",
            now=now,
        )
        task.status = Status.IN_PROGRESS
        fields.append("status")
    task.save(update_fields=fields)
    return link
