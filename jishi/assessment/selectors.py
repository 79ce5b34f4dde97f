"""Reads of the assessment (考核): what a user sees, the unit sheet, the 公示 list, which actions a user may take.

Every read goes through rules: a hidden assessment is a 404 (Http404), the same as a missing one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation

from jishi.assessment import quota, rules
from jishi.assessment.models import (
    GRADE_SETTING,
    Assessment,
    AssessmentQuerySet,
    NoticeShows,
    Period,
    PersonalSummary,
    State,
    Step,
    StepKind,
)
from jishi.assessment.services import TRANSITIONS, appeal_deadline, effective_state, review_deadline
from jishi.assessment.standards import standard_for_scope
from jishi.core.models import AuditEvent
from jishi.integrity.verification import CHANGED, DELETED, INSERTED, Problem
from jishi.org.models import Unit
from jishi.org.rules import reader_for

NOT_FOUND = "没有找到该考核，或您无权查看。"


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def assessments_visible_to(user: Any) -> AssessmentQuerySet:
    """Every assessment `user` may see (own, their people's, HR's scope), with what a list shows."""
    return Assessment.objects.visible_to(user).select_related("period", "person", "unit", "section")


def assessment_for(user: Any, pk: int) -> Assessment:
    """One assessment `user` may see, or Http404 (hidden and missing look alike)."""
    found = assessments_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def in_state(state: str, today: datetime.date | None = None) -> Q:
    """Assessments whose state as of `today` is `state` (a 公示 past its last day counts as final; effective_state)."""
    day = _today(today)
    if state == State.FINAL:
        return Q(state=State.FINAL) | Q(state=State.NOTICED, noticed_until__lt=day)
    if state == State.NOTICED:
        return Q(state=State.NOTICED) & (Q(noticed_until__isnull=True) | Q(noticed_until__gte=day))
    return Q(state=state)


def own_assessments(user: Any) -> QuerySet[Assessment]:
    """The user's own assessments, newest period first."""
    reader = reader_for(user)
    if reader.person_id is None:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(person_id=reader.person_id)
        .select_related("period", "unit", "section")
        .order_by("-period__end", "-id")
    )


def to_propose(user: Any) -> QuerySet[Assessment]:
    """Assessments waiting for `user`'s proposal: their people's, summary in (or overdue), not yet decided."""
    reader = reader_for(user)
    if reader.person_id is None:
        return Assessment.objects.none()
    mine = Q() if reader.superior_of_all else Q(section_id__in=reader.superior_unit_ids)
    if not reader.superior_of_all and not reader.superior_unit_ids:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(mine, state__in=[State.OPEN, State.SUBMITTED, State.PROPOSED])
        .exclude(person_id=reader.person_id)
        .select_related("period", "person", "section")
        .order_by("-period__end", "section__path", "person_id")
    )


def to_decide(user: Any) -> QuerySet[Assessment]:
    """Assessments waiting for `user`'s decision: proposed, in a unit they head or HR covers."""
    reader = reader_for(user)
    if reader.person_id is None:
        return Assessment.objects.none()
    scope = rules.hr_scope(user)
    condition = Q(pk__in=[])
    headed = [unit_id for unit_id in reader.unit_ids if rules.heads_unit(user, unit_id)]
    if headed:
        condition |= Q(unit_id__in=headed)
    if scope.all_units:
        condition = Q()
    elif scope.unit_ids:
        condition |= Q(unit_id__in=scope.unit_ids)
    return (
        Assessment.objects.filter(condition, state__in=[State.PROPOSED, State.REVIEW])
        .exclude(person_id=reader.person_id)
        .select_related("period", "person", "section")
        .order_by("-period__end", "section__path", "person_id")
    )


def periods_for(user: Any) -> QuerySet[Period]:
    """Periods `user` has something in: all for HR, else those with an assessment they may see."""
    if rules.hr_scope(user):
        return Period.objects.all()
    return Period.objects.filter(pk__in=Assessment.objects.visible_to(user).values("period_id")).order_by(
        "-start", "kind"
    )


def period_for(user: Any, pk: int) -> Period:
    """One period `user` may see, or Http404."""
    found = periods_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("没有找到该考核周期，或您无权查看。")
    return found


def steps_of(assessment: Assessment) -> list[Step]:
    """The history (the steps, oldest first) of an assessment the caller already may see."""
    return list(assessment.steps.select_related("actor").order_by("created_at", "id"))


def latest_summary(assessment: Assessment) -> PersonalSummary | None:
    """The person's latest submitted 个人总结, or None."""
    return assessment.summaries.order_by("-version").first()


def actions_for(user: Any, assessment: Assessment, today: datetime.date | None = None) -> set[str]:
    """The steps `user` may take now (StepKind values): the pages show only these forms."""
    day = _today(today)
    state = effective_state(assessment, day)
    actions: set[str] = set()

    def open_for(kind: str) -> bool:
        return state in TRANSITIONS[kind][0]

    if rules.is_person(user, assessment):
        if open_for(StepKind.SUMMARY):
            actions.add(StepKind.SUMMARY)
        kinds = set(assessment.steps.values_list("kind", flat=True))
        if open_for(StepKind.ACKNOWLEDGEMENT) and StepKind.ACKNOWLEDGEMENT not in kinds:
            actions.add(StepKind.ACKNOWLEDGEMENT)
        review_until = review_deadline(assessment)
        if (
            open_for(StepKind.REVIEW_REQUEST)
            and not kinds & {StepKind.REVIEW_REQUEST, StepKind.APPEAL}
            and review_until is not None
            and day <= review_until
        ):
            actions.add(StepKind.REVIEW_REQUEST)
        appeal_until = appeal_deadline(assessment)
        if (
            open_for(StepKind.APPEAL)
            and StepKind.APPEAL not in kinds
            and appeal_until is not None
            and day <= appeal_until
        ):
            actions.add(StepKind.APPEAL)
        return actions
    if rules.can_propose(user, assessment) and open_for(StepKind.PROPOSAL):
        due = assessment.period.summary_due
        if state != State.OPEN or (due is not None and day > due):
            actions.add(StepKind.PROPOSAL)
    if rules.can_decide(user, assessment):
        if open_for(StepKind.DECISION):
            actions.add(StepKind.DECISION)
        if open_for(StepKind.REVIEW_DECISION):
            actions.add(StepKind.REVIEW_DECISION)
    if rules.can_decide_appeal(user, assessment) and open_for(StepKind.APPEAL_DECISION):
        actions.add(StepKind.APPEAL_DECISION)
    return actions


@dataclass
class UnitSheet:
    """The unit sheet of a period: its people with their state and grades, the quota of each rank group."""

    period: Period
    unit: Unit
    rows: list[Assessment]
    proposals: dict[int, Step]
    quotas: dict[str, quota.QuotaStatus]
    can_decide: bool
    can_start_notice: bool
    counts: dict[str, int] = field(default_factory=dict)


def unit_sheet(user: Any, period: Period, unit: Unit, today: datetime.date | None = None) -> UnitSheet:
    """The sheet of one assessing unit in a period, for its superiors and HR in scope (else Http404)."""
    if not rules.can_see_unit_sheet(user, unit.pk):
        raise Http404("没有找到该单位的考核，或您无权查看。")
    day = _today(today)
    rows = list(
        Assessment.objects.filter(period=period, unit=unit)
        .select_related("person", "section", "period")
        .order_by("section__path", "rank_group", "person_id")
    )
    proposals: dict[int, Step] = {}
    for step in Step.objects.filter(assessment__in=rows, kind=StepKind.PROPOSAL).order_by("created_at", "id"):
        proposals[step.assessment_id] = step  # the latest wins
    counts: dict[str, int] = {}
    for row in rows:
        state = effective_state(row, day)
        counts[state] = counts.get(state, 0) + 1
    can_decide = rules.can_decide_unit(user, unit.pk)
    waiting = any(r.state in (State.OPEN, State.SUBMITTED, State.PROPOSED) for r in rows)
    return UnitSheet(
        period=period,
        unit=unit,
        rows=rows,
        proposals=proposals,
        quotas=quota.statuses(period, unit.pk),
        can_decide=can_decide,
        can_start_notice=can_decide and bool(rows) and not waiting and any(r.state == State.DECIDED for r in rows),
        counts=counts,
    )


@dataclass(frozen=True)
class NoticeEntry:
    """One line of the 公示 list: who, where, which grade — never reasons or evidence."""

    person_name: str
    section_name: str
    grade: str


@dataclass
class NoticeList:
    """The 公示 a unit's staff see for a period, while it runs (`entries` empty otherwise)."""

    period: Period
    unit: Unit
    running: bool
    noticed_from: datetime.date | None
    noticed_until: datetime.date | None
    shows_all: bool
    entries: list[NoticeEntry]


def notice_for_unit(user: Any, period: Period, unit: Unit, today: datetime.date | None = None) -> NoticeList:
    """The unit's 公示 list as the standard configures it (优秀 only, or every grade), during 公示 only; Http404 for
    anyone outside the unit, its superiors and HR in scope."""
    if not rules.can_see_notice(user, period, unit.pk):
        raise Http404("没有找到该公示，或您无权查看。")
    day = _today(today)
    rows = list(
        Assessment.objects.filter(
            period=period,
            unit=unit,
            state=State.NOTICED,
            noticed_from__lte=day,
            noticed_until__gte=day,
        )
        .select_related("person", "section", "period")
        .order_by("section__path", "person__name_pinyin", "person_id")
    )
    entries: list[NoticeEntry] = []
    shows_all = False
    for row in rows:
        standard = standard_for_scope(category=row.category, rank_group=row.rank_group, period=period)
        shows_all = shows_all or standard.notice_shows == NoticeShows.ALL_GRADES
        if not row.grade:
            continue  # a comment-only probationer has no grade to notice
        limited = standard.limited_grade(period.kind)
        top = limited[0] if limited else standard.grades_for(period.kind)[0]
        if standard.notice_shows == NoticeShows.ALL_GRADES or row.grade == top:
            entries.append(NoticeEntry(row.person.full_name, row.section.name, row.grade))
    return NoticeList(
        period=period,
        unit=unit,
        running=bool(rows),
        noticed_from=min((r.noticed_from for r in rows if r.noticed_from), default=None),
        noticed_until=max((r.noticed_until for r in rows if r.noticed_until), default=None),
        shows_all=shows_all,
        entries=entries,
    )


def notices_for(user: Any, today: datetime.date | None = None) -> list[tuple[Period, Unit]]:
    """The 公示 running today in the user's own units (本单位): what their home page links to."""
    reader = reader_for(user)
    if reader.person_id is None or not reader.department_ids:
        return []
    day = _today(today)
    pairs = (
        Assessment.objects.filter(
            unit_id__in=reader.department_ids,
            state=State.NOTICED,
            noticed_from__lte=day,
            noticed_until__gte=day,
        )
        .values_list("period_id", "unit_id")
        .distinct()
    )
    keys = set(pairs)
    periods = Period.objects.in_bulk({p for p, _ in keys})
    units = Unit.objects.in_bulk({u for _, u in keys})
    return sorted(((periods[p], units[u]) for p, u in keys), key=lambda pu: (-pu[0].end.toordinal(), pu[1].path))


SealedStep = tuple[str, int | None, str, str]  # verb, actor, grade, reason — what a step's audit event says of it


def _sealed(assessment_ids: list[int]) -> tuple[dict[int, tuple[int, int, SealedStep]], dict[int, tuple[int, str]]]:
    """The audit events of these assessments' steps and summaries: {step id: (event id, assessment id, sealed)} and
    {summary id: (event id, sealed body)} (one query)."""
    events = AuditEvent.objects.filter(
        target_type=Assessment._meta.label_lower,
        target_id__in=[str(pk) for pk in assessment_ids],
        verb__startswith="assessment.",
    ).values_list("pk", "verb", "actor_id", "data", "target_id")
    steps: dict[int, tuple[int, int, SealedStep]] = {}
    summaries: dict[int, tuple[int, str]] = {}
    for event_id, verb, actor_id, data, target_id in events:
        if not isinstance(data, dict):
            continue
        if isinstance(data.get("step"), int):
            sealed = (verb, actor_id, str(data.get("grade", "")), str(data.get("reason", "")))
            steps[data["step"]] = (event_id, int(target_id), sealed)
        if verb == f"assessment.{StepKind.SUMMARY}" and isinstance(data.get("summary"), int):
            summaries[data["summary"]] = (event_id, str(data.get("body", "")))
    return steps, summaries


def _row_says(step: Step) -> SealedStep:
    return (f"assessment.{step.kind}", step.actor_id, step.grade, step.reason)


def unsealed_steps(assessment: Assessment) -> list[Step]:
    """The steps whose row no longer says what their sealed audit event says (kind, actor, grade, reason), or that
    have no event: empty for an untouched history. `jishi verify` proves the events themselves unchanged and runs
    cross_check (below) over every assessment; this ties one assessment's Step rows to their events (two queries)."""
    sealed, _ = _sealed([assessment.pk])
    return [
        step
        for step in assessment.steps.order_by("created_at", "id")
        if step.pk not in sealed or sealed[step.pk][2] != _row_says(step)
    ]


CROSS_CHECK_BATCH = 500  # assessments per round: their steps, summaries and events in four queries
STEP_FIELDS = {1: "操作人", 2: "等次", 3: "理由"}


def _when(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def cross_check() -> list[Problem]:
    """Listener of integrity.cross_check (`jishi verify`): every Step row against its sealed audit event, every
    assessment's grade against the sealed grade of its latest grade-setting step, every 个人总结 against its event —
    so a history or a grade changed, inserted or deleted by SQL is reported by assessment and time. Set-based, in
    batches of assessments; never quotes a reason or a grade (the report reaches the integrity page)."""
    problems: list[Problem] = []
    ids = list(Assessment.objects.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), CROSS_CHECK_BATCH):
        problems += _cross_check_batch(ids[offset : offset + CROSS_CHECK_BATCH])
    return problems


def _cross_check_batch(assessment_ids: list[int]) -> list[Problem]:
    sealed, sealed_summaries = _sealed(assessment_ids)
    problems: list[Problem] = []
    latest: dict[int, tuple[Step, str]] = {}  # assessment id: its latest grade-setting step and the grade it sealed
    steps = Step.objects.filter(assessment_id__in=assessment_ids).order_by("assessment_id", "created_at", "id")
    for step in steps:
        label = _zh_label(StepKind, step.kind)
        entry = sealed.pop(step.pk, None)
        if entry is None:
            problems.append(
                Problem(
                    INSERTED, "assessment_step", step.pk, None, _when(step.created_at),
                    f"考核 #{step.assessment_id} 的“{label}”没有审计事件：绕过考核流程直接写入。", "考核过程",
                )
            )  # fmt: skip
            continue
        event_id, event_target, says = entry
        row = _row_says(step)
        if event_target != step.assessment_id or says[0] != row[0]:
            differs = ["所属考核或环节"]
        else:
            differs = [name for index, name in STEP_FIELDS.items() if says[index] != row[index]]
        if differs:
            problems.append(
                Problem(
                    CHANGED, "assessment_step", step.pk, None, _when(step.created_at),
                    f"考核 #{step.assessment_id} 的“{label}”的{'、'.join(differs)}与审计事件 #{event_id} "
                    "记载的不符：被直接改动。", "考核过程",
                )
            )  # fmt: skip
        if step.kind in GRADE_SETTING:
            latest[step.assessment_id] = (step, says[2])
    for step_id, (event_id, assessment_id, _says) in sorted(sealed.items()):
        problems.append(
            Problem(
                DELETED, "assessment_step", step_id, None, None,
                f"审计事件 #{event_id} 记载的考核 #{assessment_id} 的考核过程已不在：被直接删除。", "考核过程",
            )
        )  # fmt: skip
    graded = Assessment.objects.filter(pk__in=assessment_ids).values_list("pk", "grade")
    for assessment_id, grade in graded:
        step_and_grade = latest.get(assessment_id)
        expected = step_and_grade[1] if step_and_grade else ""
        if grade != expected:
            when = _when(step_and_grade[0].created_at) if step_and_grade else None
            source = "最新的定等次环节" if step_and_grade else "考核过程（尚无定等次环节）"
            problems.append(
                Problem(
                    CHANGED, "assessment", assessment_id, None, when,
                    f"考核 #{assessment_id} 的等次与{source}记载的不符：被直接改动。", "考核",
                )
            )  # fmt: skip
    summaries = PersonalSummary.objects.filter(assessment_id__in=assessment_ids).values_list(
        "pk", "assessment_id", "body", "submitted_at"
    )
    for summary_id, assessment_id, body, submitted_at in summaries:
        found = sealed_summaries.pop(summary_id, None)
        if found is None or found[1] != body:
            what, detail = (
                (INSERTED, "没有审计事件：绕过考核流程直接写入。")
                if found is None
                else (CHANGED, f"与审计事件 #{found[0]} 记载的不符：被直接改动。")
            )
            problems.append(
                Problem(
                    what, "assessment_summary", summary_id, None, _when(submitted_at),
                    f"考核 #{assessment_id} 的个人总结{detail}", "个人总结",
                )
            )  # fmt: skip
    return problems


def _zh_label(choices: Any, value: str) -> str:
    """A choice's label in Chinese whatever the caller's language (the verification report is Chinese)."""
    with translation.override("zh-hans"):
        return str(choices(value).label) if value in choices.values else value
