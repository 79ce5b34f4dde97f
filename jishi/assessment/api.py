"""考核 endpoints under /api/v1/assessment/: the same services and visibility rule as the pages.

A hidden assessment, period or unit sheet is a 404 like a missing one; a visible one the caller may not act on is a
403 with the reason; a refused step is a 400 with Chinese messages per field (from the services).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jishi.assessment import quota as quotas
from jishi.assessment import selectors, services
from jishi.assessment.models import (
    Assessment,
    NoticeShows,
    Period,
    PeriodKind,
    ProbationerMode,
    RankGroup,
    Standard,
    State,
    Step,
    StepKind,
)
from jishi.assessment.standards import standard_for
from jishi.core.schemas import Id, answers
from jishi.org.models import Person, Unit

router = Router(tags=["考核"])

PAGE_MAX = 200


class Ref(Schema):
    id: int
    name: str


class PeriodOut(Schema):
    id: int
    kind: PeriodKind
    name: str
    start: datetime.date
    end: datetime.date
    summary_due: datetime.date | None
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


class PeriodListOut(Schema):
    items: list[PeriodOut]


class PeriodIn(Schema):
    kind: PeriodKind = Field(description="everyday 平时考核（季度） / annual 年度考核")
    start: datetime.date
    end: datetime.date
    name: str = Field("", description="省略则按周期生成，如“2026年第四季度平时考核”")
    summary_due: datetime.date | None = Field(None, description="个人总结提交截止日期（可选）")
    probationer_ids: list[Id] = Field([], description="试用期人员（新录用）", max_length=10_000)


class AssessmentOut(Schema):
    id: int
    period: Ref
    person: Ref
    unit: Ref = Field(description="考核单位（本单位）")
    section: Ref = Field(description="所在科室")
    rank_group: RankGroup
    category: str
    is_probationer: bool
    state: State = Field(description="当前状态；公示期满即为 final")
    grade: str = Field(description="当前等次；未确定或试用期只写评语时为空")
    noticed_from: datetime.date | None
    noticed_until: datetime.date | None


class AssessmentListOut(Schema):
    items: list[AssessmentOut]
    total: int


class StepOut(Schema):
    id: int
    kind: StepKind
    label: str
    actor: Ref
    grade: str
    reason: str
    created_at: datetime.datetime


class PersonalSummaryOut(Schema):
    version: int
    body: str
    submitted_at: datetime.datetime


class AssessmentDetailOut(AssessmentOut):
    grades: list[str] = Field(description="本周期适用的等次")
    summary: PersonalSummaryOut | None = Field(description="最新提交的个人总结")
    steps: list[StepOut] = Field(description="考核过程，按时间先后")
    actions: list[StepKind] = Field(description="当前用户现在可以进行的环节")
    review_deadline: datetime.date | None = Field(description="申请复核的最后一天")
    appeal_deadline: datetime.date | None = Field(description="提出申诉的最后一天")


class DraftOut(Schema):
    body: str = Field(description="由本人本期记实生成的个人总结草稿，可修改后提交")


class SummaryIn(Schema):
    body: str = Field(description="个人总结正文")


class GradeIn(Schema):
    grade: str = Field("", description="等次；试用期人员只写评语时留空")
    reason: str = Field(description="理由；试用期人员为评语")


class TextIn(Schema):
    text: str = Field(description="本人意见，如“同意”")


class ReasonIn(Schema):
    reason: str


class QuotaOut(Schema):
    rank_group: RankGroup
    grade: str = Field(description="受比例限制的等次；为空表示不限")
    limit: int
    used: int
    group_size: int
    share: str = Field(description="比例上限，如 0.20")
    raised: bool = Field(description="是否经批准提高")


class SheetRowOut(AssessmentOut):
    proposed_grade: str | None = Field(description="最近一次建议等次；未提出为空")


class UnitSheetOut(Schema):
    period: Ref
    unit: Ref
    rows: list[SheetRowOut]
    quotas: list[QuotaOut]
    can_decide: bool
    can_start_notice: bool


class NoticeEntryOut(Schema):
    person_name: str
    section_name: str
    grade: str


class NoticeOut(Schema):
    period: Ref
    unit: Ref
    running: bool = Field(description="公示是否正在进行；不在公示期内时名单为空")
    noticed_from: datetime.date | None
    noticed_until: datetime.date | None
    entries: list[NoticeEntryOut]


class NoticeIn(Schema):
    start: datetime.date | None = Field(None, description="公示开始日期；省略为今天")


class QuotaRaiseIn(Schema):
    unit_id: Id
    rank_group: RankGroup
    share: Decimal = Field(gt=0, le=1, max_digits=4, decimal_places=2, description="新比例，如 0.30")
    reason: str = Field(description="批准理由（批准文件）")


class QuotaRaiseOut(Schema):
    id: int
    unit: Ref
    rank_group: RankGroup
    share: str
    reason: str
    approved_by: Ref
    approved_at: datetime.datetime


def _period_out(period: Period) -> PeriodOut:
    return PeriodOut(
        id=period.pk,
        kind=PeriodKind(period.kind),
        name=period.name,
        start=period.start,
        end=period.end,
        summary_due=period.summary_due,
        opened_at=period.opened_at,
        closed_at=period.closed_at,
    )


def _fields(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "period": Ref(id=assessment.period_id, name=assessment.period.name),
        "person": Ref(id=assessment.person_id, name=assessment.person.full_name),
        "unit": Ref(id=assessment.unit_id, name=assessment.unit.name),
        "section": Ref(id=assessment.section_id, name=assessment.section.name),
        "rank_group": RankGroup(assessment.rank_group),
        "category": assessment.category,
        "is_probationer": assessment.is_probationer,
        "state": State(services.effective_state(assessment)),
        "grade": assessment.grade,
        "noticed_from": assessment.noticed_from,
        "noticed_until": assessment.noticed_until,
    }


def _step_out(step: Step) -> StepOut:
    return StepOut(
        id=step.pk,
        kind=StepKind(step.kind),
        label=str(StepKind(step.kind).label),
        actor=Ref(id=step.actor_id, name=step.actor.full_name),
        grade=step.grade,
        reason=step.reason,
        created_at=step.created_at,
    )


def _detail(request: HttpRequest, assessment_id: int) -> AssessmentDetailOut:
    assessment = selectors.assessment_for(request.user, assessment_id)
    summary = selectors.latest_summary(assessment)
    actions = selectors.actions_for(request.user, assessment)
    return AssessmentDetailOut(
        **_fields(assessment),
        grades=standard_for(assessment).grades_for(assessment.period.kind),
        summary=PersonalSummaryOut(version=summary.version, body=summary.body, submitted_at=summary.submitted_at)
        if summary
        else None,
        steps=[_step_out(step) for step in selectors.steps_of(assessment)],
        actions=sorted((StepKind(kind) for kind in actions), key=list(StepKind).index),
        review_deadline=services.review_deadline(assessment),
        appeal_deadline=services.appeal_deadline(assessment),
    )


def _unit(unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404("没有找到该单位。")
    return unit


def _quota_out(rank_group: str, status: quotas.QuotaStatus) -> QuotaOut:
    return QuotaOut(
        rank_group=RankGroup(rank_group),
        grade=status.grade,
        limit=status.limit,
        used=status.used,
        group_size=status.group_size,
        share=str(status.share),
        raised=status.raised,
    )


# ---- periods (before /{assessment_id}, so "periods" is never read as an id) ------------------------------------


@router.get("/periods", response=answers(PeriodListOut), summary="考核周期（组织人事可见全部，其他人见与本人有关的）")
def list_periods(request: HttpRequest) -> PeriodListOut:
    return PeriodListOut(items=[_period_out(p) for p in selectors.periods_for(request.user)])


@router.post("/periods", response=answers(PeriodOut, 400, 403, status=201), summary="发起考核周期（组织人事）")
def open_period(request: HttpRequest, payload: PeriodIn) -> Status[PeriodOut]:
    period = services.period_open(
        actor=request.user,  # type: ignore[arg-type]
        kind=payload.kind,
        start=payload.start,
        end=payload.end,
        name=payload.name,
        summary_due=payload.summary_due,
        probationer_ids=payload.probationer_ids,
    )
    return Status(201, _period_out(period))


@router.post(
    "/periods/{period_id}/close", response=answers(PeriodOut, 400, 403, 404), summary="结束考核周期（组织人事）"
)
def close_period(request: HttpRequest, period_id: Id) -> PeriodOut:
    period = selectors.period_for(request.user, period_id)
    return _period_out(services.period_close(actor=request.user, period=period))  # type: ignore[arg-type]


class AddIn(Schema):
    person_id: Id
    is_probationer: bool = False


@router.post(
    "/periods/{period_id}/assessments",
    response=answers(AssessmentDetailOut, 400, 403, 404, status=201),
    summary="增加被考核人（组织人事；如自愿填报的社工）",
)
def add_assessment(request: HttpRequest, period_id: Id, payload: AddIn) -> Status[AssessmentDetailOut]:
    period = selectors.period_for(request.user, period_id)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise Http404("没有找到该人员。")
    added = services.assessment_add(
        actor=request.user,  # type: ignore[arg-type]
        period=period,
        person=person,
        is_probationer=payload.is_probationer,
    )
    return Status(201, _detail(request, added.pk))


@router.get(
    "/periods/{period_id}/units/{unit_id}",
    response=answers(UnitSheetOut, 404),
    summary="单位考核汇总：人员、建议等次、确定等次、优秀比例",
)
def get_unit_sheet(request: HttpRequest, period_id: Id, unit_id: Id) -> UnitSheetOut:
    unit = _unit(unit_id)
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        raise Http404("没有找到该考核周期。")
    sheet = selectors.unit_sheet(request.user, period, unit)
    return UnitSheetOut(
        period=Ref(id=period.pk, name=period.name),
        unit=Ref(id=unit.pk, name=unit.name),
        rows=[
            SheetRowOut(
                **_fields(row),
                proposed_grade=sheet.proposals[row.pk].grade if row.pk in sheet.proposals else None,
            )
            for row in sheet.rows
        ],
        quotas=[_quota_out(group, status) for group, status in sheet.quotas.items()],
        can_decide=sheet.can_decide,
        can_start_notice=sheet.can_start_notice,
    )


@router.get(
    "/periods/{period_id}/units/{unit_id}/notice",
    response=answers(NoticeOut, 404),
    summary="公示名单（本单位人员在公示期内可见；不含理由）",
)
def get_notice(request: HttpRequest, period_id: Id, unit_id: Id) -> NoticeOut:
    unit = _unit(unit_id)
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        raise Http404("没有找到该考核周期。")
    notice = selectors.notice_for_unit(request.user, period, unit)
    return NoticeOut(
        period=Ref(id=period.pk, name=period.name),
        unit=Ref(id=unit.pk, name=unit.name),
        running=notice.running,
        noticed_from=notice.noticed_from,
        noticed_until=notice.noticed_until,
        entries=[
            NoticeEntryOut(person_name=e.person_name, section_name=e.section_name, grade=e.grade)
            for e in notice.entries
        ],
    )


@router.post(
    "/periods/{period_id}/units/{unit_id}/notice",
    response=answers(UnitSheetOut, 400, 403, 404),
    summary="启动公示（单位全部确定等次后）",
)
def start_notice(request: HttpRequest, period_id: Id, unit_id: Id, payload: NoticeIn) -> UnitSheetOut:
    unit = _unit(unit_id)
    period = selectors.period_for(request.user, period_id)
    services.notice_start(actor=request.user, period=period, unit=unit, start=payload.start)  # type: ignore[arg-type]
    return get_unit_sheet(request, period_id, unit_id)


@router.get(
    "/periods/{period_id}/units/{unit_id}/quota",
    response=answers(list[QuotaOut], 404),
    summary="优秀比例：各职级组的上限与已用",
)
def get_quota(request: HttpRequest, period_id: Id, unit_id: Id) -> list[QuotaOut]:
    unit = _unit(unit_id)
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        raise Http404("没有找到该考核周期。")
    sheet = selectors.unit_sheet(request.user, period, unit)
    return [_quota_out(group, status) for group, status in sheet.quotas.items()]


@router.post(
    "/periods/{period_id}/quota-raises",
    response=answers(QuotaRaiseOut, 400, 403, 404, status=201),
    summary="批准提高优秀比例（组织人事）",
)
def raise_quota(request: HttpRequest, period_id: Id, payload: QuotaRaiseIn) -> Status[QuotaRaiseOut]:
    period = selectors.period_for(request.user, period_id)
    unit = _unit(payload.unit_id)
    raised = services.quota_raise(
        actor=request.user,  # type: ignore[arg-type]
        period=period,
        unit=unit,
        rank_group=payload.rank_group,
        share=payload.share,
        reason=payload.reason,
    )
    return Status(
        201,
        QuotaRaiseOut(
            id=raised.pk,
            unit=Ref(id=unit.pk, name=unit.name),
            rank_group=RankGroup(raised.rank_group),
            share=str(raised.share),
            reason=raised.reason,
            approved_by=Ref(id=raised.approved_by_id, name=raised.approved_by.full_name),
            approved_at=raised.approved_at,
        ),
    )


# ---- standards -------------------------------------------------------------------------------------------------


class StandardOut(Schema):
    id: int
    category: str = Field(description="人员类别；空为全部")
    rank_group: str = Field(description="职级组；空为全部")
    everyday_grades: list[str]
    annual_grades: list[str]
    excellent_grade: str
    excellent_share: str
    everyday_quota: str | None
    notice_working_days: int
    review_window_days: int
    appeal_window_days: int
    probationer_mode: ProbationerMode
    record_requires_duty: bool
    record_requires_result: bool
    evidence_sections: list[str]
    notice_shows: NoticeShows


class StandardIn(Schema):
    """Only the fields given change; the category and rank group only on creation."""

    category: str | None = Field(None, max_length=30)
    rank_group: str | None = Field(None, max_length=20)
    everyday_grades: list[str] | None = Field(None, max_length=20)
    annual_grades: list[str] | None = Field(None, max_length=20)
    excellent_grade: str | None = Field(None, max_length=20)
    excellent_share: Decimal | None = Field(None, ge=0, le=1, max_digits=4, decimal_places=2)
    everyday_quota: Decimal | None = Field(None, ge=0, le=1, max_digits=4, decimal_places=2)
    notice_working_days: int | None = Field(None, ge=1, le=365)
    review_window_days: int | None = Field(None, ge=1, le=365)
    appeal_window_days: int | None = Field(None, ge=1, le=365)
    probationer_mode: ProbationerMode | None = None
    record_requires_duty: bool | None = None
    record_requires_result: bool | None = None
    evidence_sections: list[str] | None = Field(None, max_length=20)
    notice_shows: NoticeShows | None = None


def _standard_out(standard: Standard) -> StandardOut:
    return StandardOut(
        id=standard.pk,
        category=standard.category,
        rank_group=standard.rank_group,
        everyday_grades=list(standard.everyday_grades),
        annual_grades=list(standard.annual_grades),
        excellent_grade=standard.excellent_grade,
        excellent_share=str(standard.excellent_share),
        everyday_quota=None if standard.everyday_quota is None else str(standard.everyday_quota),
        notice_working_days=standard.notice_working_days,
        review_window_days=standard.review_window_days,
        appeal_window_days=standard.appeal_window_days,
        probationer_mode=ProbationerMode(standard.probationer_mode),
        record_requires_duty=standard.record_requires_duty,
        record_requires_result=standard.record_requires_result,
        evidence_sections=list(standard.evidence_sections),
        notice_shows=NoticeShows(standard.notice_shows),
    )


def _standard_values(payload: StandardIn) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True)
    # null means "not given", except for the everyday quota, where it means "unlimited".
    return {k: v for k, v in values.items() if v is not None or k == "everyday_quota"}


@router.get("/standards", response=answers(list[StandardOut]), summary="考核标准（按人员类别和职级组，最具体的适用）")
def list_standards(request: HttpRequest) -> list[StandardOut]:
    return [_standard_out(s) for s in Standard.objects.order_by("category", "rank_group", "id")]


@router.post("/standards", response=answers(StandardOut, 400, 403, status=201), summary="新建考核标准（组织人事）")
def create_standard(request: HttpRequest, payload: StandardIn) -> Status[StandardOut]:
    values = {"category": "", "rank_group": ""} | _standard_values(payload)
    standard = services.standard_save(actor=request.user, values=values)  # type: ignore[arg-type]
    return Status(201, _standard_out(standard))


@router.patch(
    "/standards/{standard_id}",
    response=answers(StandardOut, 400, 403, 404),
    summary="修改考核标准（组织人事）",
    description="修改只适用于此后发起的考核周期；已发起的周期沿用发起时的标准。"
    "提高已发起周期某单位的优秀比例，用 POST /periods/{id}/quota（写明理由）。",
)
def update_standard(request: HttpRequest, standard_id: Id, payload: StandardIn) -> StandardOut:
    standard = Standard.objects.filter(pk=standard_id).first()
    if standard is None:
        raise Http404("没有找到该考核标准。")
    saved = services.standard_save(actor=request.user, values=_standard_values(payload), standard=standard)  # type: ignore[arg-type]
    return _standard_out(saved)


# ---- assessments ----------------------------------------------------------------------------------------------


@router.get("", response=answers(AssessmentListOut), summary="我可见的考核（本人、所属人员、组织人事范围内）")
def list_assessments(
    request: HttpRequest,
    period: Annotated[Id | None, Query(None, description="考核周期")] = None,
    state: Annotated[State | None, Query(None, description="状态")] = None,
    mine: bool = Query(False, description="只看本人的"),
    page: int = Query(1, ge=1, le=100_000, description="页码，从 1 起"),
    limit: int = Query(50, ge=1, le=PAGE_MAX, description="每页条数"),
) -> AssessmentListOut:
    rows = selectors.own_assessments(request.user) if mine else selectors.assessments_visible_to(request.user)
    if period is not None:
        rows = rows.filter(period_id=period)
    if state is not None:
        rows = rows.filter(selectors.in_state(state))
    rows = rows.select_related("period", "person", "unit", "section").order_by("-period__end", "unit_id", "id")
    return AssessmentListOut(
        items=[AssessmentOut(**_fields(a)) for a in rows[(page - 1) * limit : page * limit]], total=rows.count()
    )


@router.get("/{assessment_id}", response=answers(AssessmentDetailOut, 404), summary="考核详情（含个人总结和过程）")
def get_assessment(request: HttpRequest, assessment_id: Id) -> AssessmentDetailOut:
    return _detail(request, assessment_id)


@router.get(
    "/{assessment_id}/summary/draft",
    response=answers(DraftOut, 403, 404),
    summary="由本人本期记实生成个人总结草稿（只读，不保存）",
)
def draft_summary(request: HttpRequest, assessment_id: Id) -> DraftOut:
    assessment = selectors.assessment_for(request.user, assessment_id)
    return DraftOut(body=services.summary_draft(person=request.user, assessment=assessment))  # type: ignore[arg-type]


@router.post(
    "/{assessment_id}/summary",
    response=answers(AssessmentDetailOut, 400, 403, 404, status=201),
    summary="提交个人总结（提出建议等次前可重新提交，保留各版本）",
)
def submit_summary(request: HttpRequest, assessment_id: Id, payload: SummaryIn) -> Status[AssessmentDetailOut]:
    assessment = selectors.assessment_for(request.user, assessment_id)
    services.summary_submit(person=request.user, assessment=assessment, body=payload.body)  # type: ignore[arg-type]
    return Status(201, _detail(request, assessment_id))


def _graded_step(name: str, summary: str, service: Any) -> None:
    """Register one grade-and-reason step (proposal, decision, 复核 decision, 申诉 decision)."""

    @router.post(
        f"/{{assessment_id}}/{name}",
        response=answers(AssessmentDetailOut, 400, 403, 404),
        summary=summary,
        operation_id=f"assessment_{name.replace('/', '_')}",
    )
    def step(request: HttpRequest, assessment_id: Id, payload: GradeIn) -> AssessmentDetailOut:
        assessment = selectors.assessment_for(request.user, assessment_id)
        service(actor=request.user, assessment=assessment, grade=payload.grade, reason=payload.reason)
        return _detail(request, assessment_id)


_graded_step("proposal", "提出建议等次（上级领导，附理由）", services.grade_propose)
_graded_step("decision", "确定等次（单位主要负责人或组织人事；受优秀比例限制）", services.grade_decide)
_graded_step("review/decision", "作出复核决定", services.review_decide)
_graded_step("appeal/decision", "作出申诉处理决定（组织人事）", services.appeal_decide)


class ProbationerIn(Schema):
    is_probationer: bool


@router.post(
    "/{assessment_id}/probationer",
    response=answers(AssessmentDetailOut, 400, 403, 404),
    summary="标记或取消试用期（组织人事；提出建议等次前）",
)
def set_probationer(request: HttpRequest, assessment_id: Id, payload: ProbationerIn) -> AssessmentDetailOut:
    assessment = selectors.assessment_for(request.user, assessment_id)
    services.probationer_set(actor=request.user, assessment=assessment, is_probationer=payload.is_probationer)  # type: ignore[arg-type]
    return _detail(request, assessment_id)


@router.post(
    "/{assessment_id}/acknowledgement",
    response=answers(AssessmentDetailOut, 400, 403, 404),
    summary="本人对考核结果签署意见",
)
def acknowledge(request: HttpRequest, assessment_id: Id, payload: TextIn) -> AssessmentDetailOut:
    assessment = selectors.assessment_for(request.user, assessment_id)
    services.acknowledge(person=request.user, assessment=assessment, text=payload.text)  # type: ignore[arg-type]
    return _detail(request, assessment_id)


@router.post("/{assessment_id}/review", response=answers(AssessmentDetailOut, 400, 403, 404), summary="本人申请复核")
def request_review(request: HttpRequest, assessment_id: Id, payload: ReasonIn) -> AssessmentDetailOut:
    assessment = selectors.assessment_for(request.user, assessment_id)
    services.review_request(person=request.user, assessment=assessment, reason=payload.reason)  # type: ignore[arg-type]
    return _detail(request, assessment_id)


@router.post("/{assessment_id}/appeal", response=answers(AssessmentDetailOut, 400, 403, 404), summary="本人提出申诉")
def file_appeal(request: HttpRequest, assessment_id: Id, payload: ReasonIn) -> AssessmentDetailOut:
    assessment = selectors.assessment_for(request.user, assessment_id)
    services.appeal_file(person=request.user, assessment=assessment, reason=payload.reason)  # type: ignore[arg-type]
    return _detail(request, assessment_id)
