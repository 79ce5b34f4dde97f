"""Record endpoints: the same services and the same visibility rule as the web pages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from jishi.core import throttling
from jishi.core.schemas import Id, UnitAndBelow, answers
from jishi.org.http import AuthedRequest
from jishi.records import exports
from jishi.records.fields import PLAIN_FIELDS, masked
from jishi.records.hooks import record_opened
from jishi.records.models import Category, ImportBatch, Visibility, WorkRecord
from jishi.records.rules import may_edit
from jishi.records.selectors import (
    Page,
    Participant,
    RecordFilters,
    active_category,
    listed_values,
    participants_in,
    participants_of,
    record_detail,
    record_page,
)
from jishi.records.services import RecordInput, addendum_create, record_create, record_update, record_withdraw

router = Router(tags=["工作记实"])


class PartnerIn(Schema):
    unit_id: Id
    contact_name: str = Field("", description="对方联系人（可省略）")


class RecordIn(Schema):
    date: datetime.date
    category: str = Field(description="类别代码，如 meeting、research；见 GET /records/categories")
    content: str
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    ends_next_day: bool = False
    duration_minutes: int | None = None
    place: str = ""
    duty_id: Id | None = None
    result: str = ""
    reflection: str = ""
    visibility: Visibility = Visibility.INTERNAL
    is_sensitive: bool = False
    unit_id: Id | None = None
    participant_ids: list[Id] = []
    partner_units: list[PartnerIn] = []


class RecordPatch(Schema):
    date: datetime.date | None = None
    category: str | None = None
    content: str | None = None
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    ends_next_day: bool | None = None
    duration_minutes: int | None = None
    place: str | None = None
    duty_id: Id | None = None
    result: str | None = None
    reflection: str | None = None
    visibility: Visibility | None = None
    is_sensitive: bool | None = None
    unit_id: Id | None = None
    participant_ids: list[Id] | None = None
    partner_units: list[PartnerIn] | None = None


class OutSchema(BaseModel):
    """The record's answers: declared here, validated and written by pydantic alone. (A django-ninja Schema reads
    every nested object through its own getter: on a page of twenty records that cost ten times the validation.)"""

    model_config = ConfigDict(from_attributes=True)


def answer(schema: type[BaseModel], data: Any, status: int = 200) -> HttpResponse:
    """`data` as its declared schema: checked against it and written by it (the list, the detail and every write's
    answer alike)."""
    body = schema.model_validate(data).model_dump_json()
    return HttpResponse(body, status=status, content_type="application/json")


class Ref(OutSchema):
    id: int
    name: str


class CategoryOut(OutSchema):
    code: str
    name: str


class DutyRef(OutSchema):
    id: int
    code: str
    title: str


class ParticipantOut(OutSchema):
    person: Ref | None
    unit: Ref | None
    contact_name: str


class ImportOut(OutSchema):
    filename: str
    imported_by: Ref
    imported_at: datetime.datetime


class RecordOut(OutSchema):
    id: int
    author: Ref
    unit: Ref
    date: datetime.date
    start_at: datetime.datetime | None
    end_at: datetime.datetime | None
    duration_minutes: int
    category: CategoryOut
    content_hidden: bool = Field(description="敏感记实对无权阅读内容者只显示人、时间和类别")
    content: str | None
    place: str | None
    duty: DutyRef | None
    result: str | None
    reflection: str | None
    participants: list[ParticipantOut]
    visibility: Visibility
    is_sensitive: bool
    is_late: bool
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    locks_at: datetime.datetime
    locked: bool
    editable: bool
    version: int
    withdrawn: bool = Field(default=False, description="已撤回：内容不再返回，撤回时间和原因照常返回")
    withdrawn_at: datetime.datetime | None = None
    withdrawal_reason: str | None = None
    legacy_content: bool = Field(default=False, description="旧系统内容：导入时按管理员选择原样保留，未经内容规则校验")
    imported: ImportOut | None = Field(
        default=None, description="从旧系统导入的记实：文件、导入人和时间（记实详情中返回；列表中为 null）"
    )


class RecordPageOut(OutSchema):
    items: list[RecordOut]
    next_cursor: str | None


class VersionOut(Schema):
    number: int
    changed_at: datetime.datetime
    changed_by: Ref
    data: dict[str, Any]


class AddendumIn(Schema):
    content: str


class WithdrawIn(Schema):
    reason: str = Field(description="撤回原因（必填，不超过 200 字）")


class AddendumOut(Schema):
    id: int
    created_at: datetime.datetime
    content: str


def _local(value: datetime.datetime | None, zone: datetime.tzinfo) -> datetime.datetime | None:
    return value.astimezone(zone) if value else None


def record_out(
    row: Mapping[str, Any],
    user: Any,
    participants: list[Participant] | None = None,
    zone: datetime.tzinfo | None = None,
    *,
    imported: ImportBatch | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The API view of a record, shaped as RecordOut; times are given in the jurisdiction's time zone.

    `row` is the record as a page asked as rows holds it (selectors.LISTED_VALUES and content_visible; a record read
    as an instance goes through selectors.listed_values first). `participants`: the record's, read for a page at
    once (participants_of) or from its prefetched rows (participants_in); `imported`: its import batch, in a detail.
    """
    zone = zone or timezone.get_current_timezone()
    now = now or timezone.now()
    shown = bool(row["content_visible"])
    content = masked(
        {
            **{name: row[name] for name in PLAIN_FIELDS},  # content … is_sensitive, as records.fields declares them
            "participants": [
                {
                    "person": {"id": p.person_id, "name": p.person_name} if p.person_id else None,
                    "unit": {"id": p.unit_id, "name": p.unit_name} if p.unit_id else None,
                    "contact_name": p.contact_name,
                }
                for p in participants or ()
            ]
            if shown
            else None,
        },
        shown=shown,
    )
    withdrawn_at = row["withdrawn_at"]
    return {
        "id": row["id"],
        "author": {"id": row["author_id"], "name": row["author__full_name"]},
        "unit": {"id": row["unit_id"], "name": row["unit__name"]},
        "date": row["date"].isoformat(),
        "start_at": _local(row["start_at"], zone),
        "end_at": _local(row["end_at"], zone),
        "duration_minutes": row["duration_minutes"],
        "category": {"code": row["category__code"], "name": row["category__name"]},
        "content_hidden": not shown,
        **{name: content[name] for name in PLAIN_FIELDS},
        "duty": {"id": row["duty_id"], "code": row["duty__code"], "title": row["duty__title"]}
        if row["duty_id"]
        else None,
        "participants": content["participants"] or [],
        "is_late": row["is_late"],
        "submitted_at": _local(row["submitted_at"], zone),
        "updated_at": _local(row["updated_at"], zone),
        "locks_at": _local(row["locks_at"], zone),
        "locked": now >= row["locks_at"],
        "editable": may_edit(
            user, author_id=row["author_id"], locks_at=row["locks_at"], withdrawn_at=withdrawn_at, now=now
        ),
        "version": row["version"],
        "withdrawn": withdrawn_at is not None,
        "withdrawn_at": _local(withdrawn_at, zone),
        "withdrawal_reason": row["withdrawal_reason"] if withdrawn_at else None,
        "legacy_content": row["legacy_content"],
        "imported": _imported(imported, zone) if imported else None,
    }


def detail_out(record: WorkRecord, user: Any) -> dict[str, Any]:
    """A record from record_detail (its participants and import batch read with it), shaped as RecordOut."""
    imported = record.import_batch if record.import_batch_id else None
    return record_out(listed_values(record), user, participants_in(record), imported=imported)


def _imported(batch: ImportBatch, zone: datetime.tzinfo) -> dict[str, Any]:
    who = batch.imported_by
    return {
        "filename": batch.filename,
        "imported_by": {"id": who.pk, "name": who.full_name},
        "imported_at": _local(batch.imported_at, zone),
    }


def record_page_out(page: Page, user: Any) -> HttpResponse:
    """A page of records asked as rows (record_page(as_rows=True)), answered as RecordPageOut."""
    zone, now = timezone.get_current_timezone(), timezone.now()
    body = {
        "items": [record_out(r, user, page.participants.get(r["id"]), zone, now=now) for r in page.items],
        "next_cursor": page.next_cursor,
    }
    return answer(RecordPageOut, body)


def _category_id(code: str) -> int:
    category = active_category(code)
    if category is None:
        raise ValidationError({"category": [f"没有代码为“{code}”的类别。"]})
    return category.pk


def _input_from(payload: RecordIn | RecordPatch, base: RecordInput | None) -> RecordInput:
    values = payload.dict(exclude_unset=True)
    if "category" in values:
        values["category_id"] = _category_id(values.pop("category"))
    if payload.partner_units is not None and "partner_units" in values:
        # From the schema objects, not the dict: exclude_unset would drop a contact name left to its default.
        values["partner_units"] = [(p.unit_id, p.contact_name) for p in payload.partner_units]
    if base is None:
        return RecordInput(**values)
    for name, value in values.items():
        if value is None and name not in {"start_time", "end_time", "duration_minutes", "duty_id", "unit_id"}:
            continue
        setattr(base, name, value)
    if (
        "duration_minutes" in values
        and values["duration_minutes"] is not None
        and not ({"start_time", "end_time"} & values.keys())
    ):
        base.start_time = base.end_time = None
    return base


@router.get("/categories", response=answers(list[CategoryOut]), summary="记实类别")
def list_categories(request: HttpRequest) -> list[Category]:
    return list(Category.objects.filter(is_active=True))


@router.get("", response=answers(RecordPageOut, 400), summary="记实列表（按日期倒序，游标分页，每页 20 条）")
def list_records(
    request: HttpRequest,
    author: Id | None = None,
    unit: UnitAndBelow = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    category: str | None = None,
    duty: Id | None = None,
    q: str = Query("", description="检索内容（只匹配您有权阅读的内容）"),
    cursor: str | None = None,
) -> HttpResponse:
    category_id = _category_id(category) if category else None
    filters = RecordFilters(
        author_id=author,
        unit_id=unit,
        date_from=date_from,
        date_to=date_to,
        category_id=category_id,
        duty_id=duty,
        q=q[:100],
    )
    page = record_page(user=request.user, filters=filters, cursor=cursor, as_rows=True)
    return record_page_out(page, request.user)


@router.get(
    "/export",
    summary="导出记实（csv / xlsx / parquet，只含您有权阅读的记实）",
    response=answers(None, 400),
    throttle=throttling.EXPORT,
)
def export_records(
    request: HttpRequest,
    format: str = Query("csv", pattern="^(csv|xlsx|parquet)$"),
    author: Id | None = None,
    unit: Id | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    category: str | None = None,
    q: str = "",
) -> HttpResponseBase:
    filters = RecordFilters(
        author_id=author,
        unit_id=unit,
        date_from=date_from,
        date_to=date_to,
        category_id=_category_id(category) if category else None,
        q=q[:100],
    )
    return exports.download(format, user=request.user, filters=filters)


@router.post("", response=answers(RecordOut, 400, 403, status=201), summary="新建记实")
def create_record(request: AuthedRequest, payload: RecordIn) -> HttpResponse:
    data = _input_from(payload, None)
    record = record_create(author=request.user, data=data)
    record.content_visible = True  # type: ignore[attr-defined]  # an author always reads their own record
    named = participants_of([record])[record.pk] if data.participant_ids or data.partner_units else []
    return answer(RecordOut, record_out(listed_values(record), request.user, named), status=201)


@router.get("/{record_id}", response=answers(RecordOut, 404), summary="记实详情")
def get_record(request: AuthedRequest, record_id: Id) -> HttpResponse:
    record = record_detail(user=request.user, pk=record_id)
    record_opened.run(viewer=request.user, record=record)  # the API detail is a view too (PRODUCT.md), once a day
    return answer(RecordOut, detail_out(record, request.user))


@router.patch(
    "/{record_id}",
    response=answers(RecordOut, 400, 403, 404),
    summary="修改记实（锁定前，本人）",
)
def update_record(request: AuthedRequest, record_id: Id, payload: RecordPatch) -> HttpResponse:
    record = record_detail(user=request.user, pk=record_id)
    data = _input_from(payload, RecordInput.from_record(record))
    record_update(actor=request.user, record=record, data=data)
    return answer(RecordOut, detail_out(record_detail(user=request.user, pk=record_id), request.user))


@router.get("/{record_id}/versions", response=answers(list[VersionOut], 404), summary="记实的全部版本")
def list_versions(request: HttpRequest, record_id: Id) -> list[VersionOut]:
    record = record_detail(user=request.user, pk=record_id)
    if not record.content_visible:  # type: ignore[attr-defined]
        return []
    return [
        VersionOut(
            number=v.number,
            changed_at=v.changed_at,
            changed_by=Ref(id=v.changed_by.pk, name=v.changed_by.full_name),
            data=v.data,
        )
        for v in record.versions.all()
    ]


@router.post(
    "/{record_id}/addenda",
    response=answers(AddendumOut, 400, 403, 404, status=201),
    summary="为已锁定的记实添加补充说明",
)
def add_addendum(request: HttpRequest, record_id: Id, payload: AddendumIn) -> Status[AddendumOut]:
    record = record_detail(user=request.user, pk=record_id)
    addendum = addendum_create(actor=request.user, record=record, content=payload.content)  # type: ignore[arg-type]
    return Status(201, AddendumOut(id=addendum.pk, created_at=addendum.created_at, content=addendum.content))


@router.post(
    "/{record_id}/withdrawal",
    response=answers(RecordOut, 400, 403, 404),
    summary="撤回记实（锁定前，本人，须写明原因；不删除，留下撤回记录）",
)
def withdraw_record(request: HttpRequest, record_id: Id, payload: WithdrawIn) -> HttpResponse:
    record = record_detail(user=request.user, pk=record_id)
    record_withdraw(actor=request.user, record=record, reason=payload.reason)  # type: ignore[arg-type]
    return answer(RecordOut, detail_out(record_detail(user=request.user, pk=record_id), request.user))
