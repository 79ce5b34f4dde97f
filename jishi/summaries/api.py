"""周报 / 月报 endpoints: the same services and visibility rule as the pages."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from jishi.core.schemas import Id, answers
from jishi.summaries.models import Kind, Summary, SummaryVersion
from jishi.summaries.selectors import own_summaries, people_summaries, summary_detail
from jishi.summaries.services import summary_draft, summary_submit

router = Router(tags=["周报月报"])


class Ref(Schema):
    id: int
    name: str


class SummaryOut(Schema):
    id: int
    author: Ref
    unit: Ref
    kind: Kind
    period_start: datetime.date
    period_end: datetime.date
    version: int
    submitted_at: datetime.datetime


class SummaryVersionOut(Schema):
    number: int
    body: str
    plan: str
    submitted_at: datetime.datetime


class SummaryDetailOut(SummaryOut):
    versions: list[SummaryVersionOut] = Field(description="最新版本在前")


class SummaryListOut(Schema):
    items: list[SummaryOut]


class DraftOut(Schema):
    kind: Kind
    period_start: datetime.date
    period_end: datetime.date
    record_count: int
    previous_plan: str = Field(description="上期报告的下期计划")
    body: str = Field(description="由本期记实生成的报告正文，可修改后提交")


class SubmitIn(Schema):
    kind: Kind
    period_start: datetime.date = Field(description="周报为星期一，月报为当月1日")
    body: str | None = Field(None, description="报告正文；省略则按草稿提交")
    plan: str = Field("", description="下期计划（可选）")


def _out(summary: Summary) -> SummaryOut:
    return SummaryOut(
        id=summary.pk,
        author=Ref(id=summary.author_id, name=summary.author.full_name),
        unit=Ref(id=summary.unit_id, name=summary.unit.name),
        kind=Kind(summary.kind),
        period_start=summary.period_start,
        period_end=summary.period_end,
        version=summary.version,
        submitted_at=summary.submitted_at,
    )


def _detail(summary: Summary, versions: list[SummaryVersion]) -> SummaryDetailOut:
    return SummaryDetailOut(
        **_out(summary).dict(),
        versions=[
            SummaryVersionOut(number=v.number, body=v.body, plan=v.plan, submitted_at=v.submitted_at) for v in versions
        ],
    )


@router.get("", response=answers(SummaryListOut), summary="可查看的下属报告（本人、上级、授权范围；最新在前）")
def list_summaries(request: HttpRequest, kind: Kind | None = None, mine: bool = False) -> SummaryListOut:
    if mine:
        reports = own_summaries(user=request.user, limit=50)
    else:
        reports = people_summaries(user=request.user, kind=kind or "")
    return SummaryListOut(items=[_out(s) for s in reports])


@router.get("/draft", response=answers(DraftOut, 400), summary="由本人记实生成的周报/月报草稿")
def draft(request: HttpRequest, kind: Kind, period_start: datetime.date) -> DraftOut:
    result = summary_draft(person=request.user, kind=kind, period_start=period_start)  # type: ignore[arg-type]
    return DraftOut(
        kind=kind,
        period_start=result.start,
        period_end=result.end,
        record_count=result.record_count,
        previous_plan=result.previous_plan,
        body=result.text(),
    )


@router.post(
    "", response=answers(SummaryDetailOut, 400, 403, status=201), summary="提交（或修改后再提交）本人的周报/月报"
)
def submit(request: HttpRequest, payload: SubmitIn) -> Status[SummaryDetailOut]:
    version = summary_submit(
        user=request.user, kind=payload.kind, period_start=payload.period_start, body=payload.body, plan=payload.plan
    )
    summary, versions = summary_detail(user=request.user, pk=version.summary_id)
    return Status(201, _detail(summary, versions))


@router.get("/{summary_id}", response=answers(SummaryDetailOut, 404), summary="一份报告及其历史版本")
def get_summary(request: HttpRequest, summary_id: Id) -> SummaryDetailOut:
    summary, versions = summary_detail(user=request.user, pk=summary_id)
    return _detail(summary, versions)
