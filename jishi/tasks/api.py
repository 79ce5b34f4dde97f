"""督办 endpoints: the same services and visibility rule as the pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jishi.core.schemas import Id, UnitAndBelow, answers
from jishi.records.models import WorkRecord
from jishi.records.selectors import record_detail
from jishi.tasks.models import Status as TaskStatus
from jishi.tasks.models import Task
from jishi.tasks.selectors import FlowItem, Relation, TaskFilters, task_detail, task_flow, task_page
from jishi.tasks.services import TaskInput, instruction_create, task_create, task_link_record, task_transition

router = Router(tags=["督办"])


class Ref(Schema):
    id: int
    name: str


class TaskIn(Schema):
    title: str
    deadline: datetime.date | None = None
    owner_unit_id: Id | None = Field(None, description="承办单位；指定承办人时可省略")
    owner_person_id: Id | None = Field(None, description="承办人（可选）")
    collaborating_unit_ids: list[Id] = []
    duty_id: Id | None = None
    description: str = ""


class InstructionIn(TaskIn):
    record_id: Id


class TransitionIn(Schema):
    to_status: TaskStatus = Field(description="accepted / in_progress / done / confirmed；退回即 done → in_progress")
    note: str = Field("", description="说明；退回时必填理由")
    result: str = Field("", description="办理结果；报告办结（done）时必填")


class LinkIn(Schema):
    record_id: Id


class LinkOut(Schema):
    task_id: int
    record_id: int
    linked_at: datetime.datetime
    status: TaskStatus


class FlowOut(Schema):
    at: datetime.datetime
    kind: str = Field(description="event 或 record")
    label: str
    actor: Ref | None
    unit: Ref | None
    from_status: str
    to_status: str
    note: str
    record_id: int | None = Field(description="无权查看的记实为空")
    hidden: bool


class TaskOut(Schema):
    id: int
    title: str
    description: str
    status: TaskStatus
    issuer: Ref
    issuer_unit: Ref
    owner_unit: Ref
    owner_person: Ref | None
    collaborating_units: list[Ref]
    deadline: datetime.date
    duty_id: int | None
    source_record_id: int | None
    result: str
    issued_at: datetime.datetime
    last_activity_at: datetime.datetime
    overdue: bool
    stuck: bool


class TaskDetailOut(TaskOut):
    flow: list[FlowOut]


class TaskPageOut(Schema):
    items: list[TaskOut]
    next_cursor: str | None


def _ref(obj: Any) -> Ref | None:
    if obj is None:
        return None
    return Ref(id=obj.pk, name=getattr(obj, "full_name", None) or obj.name)


def task_out(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "status": TaskStatus(task.status),
        "issuer": _ref(task.issuer),
        "issuer_unit": _ref(task.issuer_unit),
        "owner_unit": _ref(task.owner_unit),
        "owner_person": _ref(task.owner_person),
        "collaborating_units": [_ref(u) for u in task.collaborating_units.all()],
        "deadline": task.deadline,
        "duty_id": task.duty_id,
        "source_record_id": task.source_record_id,
        "result": task.result,
        "issued_at": task.issued_at,
        "last_activity_at": task.last_activity_at,
        "overdue": getattr(task, "is_overdue", False),
        "stuck": getattr(task, "is_stuck", False),
    }


def flow_out(item: FlowItem) -> FlowOut:
    return FlowOut(
        at=item.at,
        kind=item.kind,
        label=item.label,
        actor=_ref(item.actor),
        unit=_ref(item.unit),
        from_status=item.from_status,
        to_status=item.to_status,
        note=item.note,
        record_id=item.record.pk if item.record else None,
        hidden=item.hidden,
    )


def _detail(request: HttpRequest, task_id: int) -> TaskDetailOut:
    task = task_detail(user=request.user, pk=task_id)
    flow = [flow_out(item) for item in task_flow(user=request.user, task=task)]
    return TaskDetailOut(**task_out(task), flow=flow)


def _input(payload: TaskIn) -> TaskInput:
    return TaskInput(
        title=payload.title,
        deadline=payload.deadline,
        owner_unit_id=payload.owner_unit_id,
        owner_person_id=payload.owner_person_id,
        collaborating_unit_ids=payload.collaborating_unit_ids,
        duty_id=payload.duty_id,
        description=payload.description,
    )


@router.get("", response=answers(TaskPageOut), summary="督办列表（按办结时限，游标分页，每页 20 条）")
def list_tasks(
    request: HttpRequest,
    status: TaskStatus | None = None,
    overdue: bool = False,
    stuck: bool = False,
    mine: bool = Query(False, description="只看与我有关的（下达、承办、协办）"),
    unit: UnitAndBelow = None,
    relation: str = Query("", pattern="^(|owned|collaborating|issued)$", description="与 unit 配合：承办/协办/下达"),
    cursor: str | None = None,
) -> TaskPageOut:
    filters = TaskFilters(
        status=status or "",
        overdue=overdue,
        stuck=stuck,
        mine=mine,
        unit_id=unit,
        relation=relation if relation in Relation.CHOICES else "",
    )
    page = task_page(user=request.user, filters=filters, cursor=cursor)
    return TaskPageOut(items=[TaskOut(**task_out(t)) for t in page.items], next_cursor=page.next_cursor)


@router.post("", response=answers(TaskDetailOut, 400, 403, 404, status=201), summary="下达督办")
def create_task(request: HttpRequest, payload: TaskIn) -> Status[TaskDetailOut]:
    task = task_create(issuer=request.user, data=_input(payload))  # type: ignore[arg-type]
    return Status(201, _detail(request, task.pk))


@router.post(
    "/instructions",
    response=answers(TaskDetailOut, 400, 403, 404, status=201),
    summary="对记实批示（生成督办）",
)
def create_instruction(request: HttpRequest, payload: InstructionIn) -> Status[TaskDetailOut]:
    task = instruction_create(issuer=request.user, record_id=payload.record_id, data=_input(payload))  # type: ignore[arg-type]
    return Status(201, _detail(request, task.pk))


@router.get("/{task_id}", response=answers(TaskDetailOut, 404), summary="督办详情（含办理过程）")
def get_task(request: HttpRequest, task_id: Id) -> TaskDetailOut:
    return _detail(request, task_id)


@router.post(
    "/{task_id}/transitions",
    response=answers(TaskDetailOut, 400, 403, 404),
    summary="变更状态：接收、开始办理、报告办结、确认或退回",
)
def transition_task(request: HttpRequest, task_id: Id, payload: TransitionIn) -> TaskDetailOut:
    task = task_detail(user=request.user, pk=task_id)
    task_transition(
        actor=request.user,  # type: ignore[arg-type]
        task=task,
        to_status=payload.to_status,
        note=payload.note,
        result=payload.result,
    )
    return _detail(request, task_id)


@router.post(
    "/{task_id}/records",
    response=answers(LinkOut, 400, 403, 404, status=201),
    summary="把本人的记实关联到督办",
)
def link_record(request: HttpRequest, task_id: Id, payload: LinkIn) -> Status[LinkOut]:
    task = task_detail(user=request.user, pk=task_id)
    record: WorkRecord = record_detail(user=request.user, pk=payload.record_id)
    link = task_link_record(actor=request.user, task=task, record=record)  # type: ignore[arg-type]
    task.refresh_from_db(fields=["status"])
    return Status(
        201, LinkOut(task_id=task.pk, record_id=record.pk, linked_at=link.linked_at, status=TaskStatus(task.status))
    )
