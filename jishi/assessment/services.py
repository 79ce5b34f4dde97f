"""Writes of the assessment (考核): open a period, the person's summary, propose, decide (within the 优秀 quota), raise
a quota, 公示, acknowledge, 复核 and 申诉.

Every rule is checked here, so the pages, the API and the demo behave identically. Errors are Django ValidationErrors
keyed by field, in Chinese; PermissionDenied for the wrong person (the caller turns it into a 404 where the assessment
is hidden from them); nothing is written when any rule fails. Every step is one append-only Step row and one audit
event in the same transaction (`_step`), sealed into the integrity chain; a decision is never overwritten — a new
Step, and `Assessment.grade` follows the latest.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from jishi.assessment import quota, rules
from jishi.assessment.models import (
    EVIDENCE_SECTIONS,
    GRADE_SETTING,
    REASON_REQUIRED,
    STANDARD_FIELDS,
    Assessment,
    NoticeShows,
    Period,
    PeriodKind,
    PersonalSummary,
    ProbationerMode,
    QuotaRaise,
    RankGroup,
    Standard,
    State,
    Step,
    StepKind,
)
from jishi.assessment.standards import frozen_now, rank_group_of, standard_for, standard_for_scope
from jishi.core.services import audit
from jishi.notifications.models import Kind
from jishi.notifications.services import notify
from jishi.org.calendar import working_days
from jishi.org.models import (
    Assignment,
    FilingObligation,
    Leadership,
    Person,
    PersonCategory,
    Role,
    RoleGrant,
    Unit,
    path_unit_ids,
)
from jishi.org.selectors import by_precedence
from jishi.summaries.drafting import draft_from_records

REASON_MAX = 2000
SUMMARY_MAX = 20_000
SUMMARY_MIN = 10
NAME_MAX = 100
MAX_PERIOD_DAYS = 366

# Which states a step may be taken from, and the state it leaves behind (None: the state does not change).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    StepKind.SUMMARY: ((State.OPEN, State.SUBMITTED), State.SUBMITTED),
    StepKind.PROPOSAL: ((State.OPEN, State.SUBMITTED, State.PROPOSED), State.PROPOSED),
    StepKind.DECISION: ((State.PROPOSED, State.DECIDED), State.DECIDED),
    StepKind.NOTICE: ((State.DECIDED,), State.NOTICED),
    StepKind.ACKNOWLEDGEMENT: ((State.NOTICED, State.FINAL), None),
    StepKind.REVIEW_REQUEST: ((State.NOTICED, State.FINAL), State.REVIEW),
    StepKind.REVIEW_DECISION: ((State.REVIEW,), State.FINAL),
    StepKind.APPEAL: ((State.NOTICED, State.FINAL), State.APPEAL),
    StepKind.APPEAL_DECISION: ((State.APPEAL,), State.FINAL),
}

STATE_REFUSALS: dict[str, str] = {
    State.OPEN: "本人尚未提交个人总结。",
    State.SUBMITTED: "尚未提出建议等次。",
    State.PROPOSED: "等次尚未确定。",
    State.DECIDED: "等次已确定，尚未公示。",
    State.NOTICED: "考核结果正在公示。",
    State.FINAL: "考核已完成。",
    State.REVIEW: "复核正在办理中。",
    State.APPEAL: "申诉正在办理中。",
}


# ---- small helpers ---------------------------------------------------------------------------------------------


def _zh(label: Any) -> str:
    """A choice's label in Chinese: the services' messages are Chinese sentences whatever the reader's language."""
    with translation.override("zh-hans"):
        return str(label)


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def effective_state(assessment: Assessment, today: datetime.date | None = None) -> str:
    """The state as of `today`: a 公示 whose last day has passed is over (`final`) even before anyone writes it."""
    day = _today(today)
    if assessment.state == State.NOTICED and assessment.noticed_until and day > assessment.noticed_until:
        return State.FINAL
    return assessment.state


# Steps that belong to the period itself; 复核 and 申诉 run on after HR closes it.
CLOSED_PERIOD_STEPS = (StepKind.SUMMARY, StepKind.PROPOSAL, StepKind.DECISION, StepKind.NOTICE)


def _check_state(assessment: Assessment, kind: str, today: datetime.date) -> str:
    allowed, _after = TRANSITIONS[kind]
    if kind in CLOSED_PERIOD_STEPS and assessment.period.closed_at is not None:
        raise ValidationError(
            {"state": [f"考核周期“{assessment.period.name}”已结束，不能再{_zh(StepKind(kind).label)}。"]}
        )
    state = effective_state(assessment, today)
    if state not in allowed:
        raise ValidationError(
            {
                "state": [
                    f"当前状态为“{_zh(State(state).label)}”，不能{_zh(StepKind(kind).label)}。{STATE_REFUSALS[state]}"
                ]
            }
        )
    return state


# What no one types and a database may refuse: control characters other than tab and line breaks (NUL is a 500 on
# PostgreSQL), and lone surrogates (not UTF-8). Every free text a service stores passes _refuse_control, so the API,
# the pages and the demo meet the same rule (the API's parser refuses NUL already; a page's form too).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
LINE_BREAKS = re.compile(r"[\t\n\r]")


def _refuse_control(text: str, *, field: str, label: str, single_line: bool = False) -> str:
    """`text` unchanged, or a ValidationError on `field` when it holds a control character (or, `single_line`, a tab
    or line break)."""
    if CONTROL.search(text) or (single_line and LINE_BREAKS.search(text)):
        raise ValidationError({field: [f"{label}含有无法保存的控制字符，请删除后再提交。"]})
    return text


def _reason(value: str, *, label: str = "理由", required: bool = True) -> str:
    text = _refuse_control((value or "").strip(), field="reason", label=label)
    if required and not text:
        raise ValidationError({"reason": [f"请填写{label}。"]})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": [f"{label}不能超过 {REASON_MAX} 字（当前 {len(text)} 字）。"]})
    return text


def _lock(assessment: Assessment) -> Assessment:
    """The row again, locked for this transaction (with its period's row), so two steps never cross."""
    return Assessment.objects.select_for_update().select_related("period").get(pk=assessment.pk)


def group_lock(assessment: Assessment) -> QuerySet[Assessment]:
    """The rows of the assessment's quota group (period, unit, rank group) to lock, in id order and only theirs: every
    transaction that locks several assessments takes them in ascending id before anything else (the period's row,
    the chain), so two heads deciding in one group queue on its first row instead of deadlocking on PostgreSQL."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .filter(period_id=assessment.period_id, unit_id=assessment.unit_id, rank_group=assessment.rank_group)
        .order_by("pk")
    )


def _lock_group(assessment: Assessment) -> Assessment:
    """Lock the whole quota group (grade-setting steps: the quota counts the group), then the assessment as _lock."""
    list(group_lock(assessment).values_list("pk", flat=True))
    return _lock(assessment)


def _step(
    *,
    assessment: Assessment,
    kind: str,
    actor: Person,
    grade: str = "",
    reason: str = "",
    now: datetime.datetime,
    extra: dict[str, Any] | None = None,
) -> Step:
    """The one place a step is written: the Step row and its audit event (sealed in the chain), together."""
    if kind in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": ["请填写理由。"]})  # services check first; this guards new callers
    step = Step.objects.create(
        assessment=assessment, kind=kind, actor=actor, grade=grade, reason=reason, created_at=now
    )
    data: dict[str, Any] = {
        "step": step.pk,
        "kind": kind,
        "period": assessment.period_id,
        "person": assessment.person_id,
        "grade": grade,
        "reason": reason,
        "state": assessment.state,
    }
    data.update(extra or {})
    audit(actor=actor, verb=f"assessment.{kind}", target=assessment, data=data)
    return step


def _url(assessment: Assessment) -> str:
    try:
        return reverse("assessment:detail", args=[assessment.pk])
    except NoReverseMatch:  # the pages are optional to the services (the API works without them)
        return ""


def _tell_person(assessment: Assessment, actor: Person, text: str) -> None:
    """A line in the person's inbox about their own assessment (queued on commit; never the reasons)."""
    notify(recipients=[assessment.person], kind=Kind.ASSESSMENT, actor=actor, text=text, url=_url(assessment))


def _tell_deciders(assessment: Assessment, actor: Person, text: str) -> None:
    """A line for the assessing unit's principal head(s) today (not the person themself)."""
    heads = Person.objects.filter(
        assignments__in=Assignment.objects.active_on(timezone.localdate()).filter(
            position__unit_id=assessment.unit_id, position__leadership=Leadership.PRINCIPAL
        )
    ).exclude(pk=assessment.person_id)
    notify(recipients=list(heads.distinct()), kind=Kind.ASSESSMENT, actor=actor, text=text, url=_url(assessment))


def _tell_hr(assessment: Assessment, actor: Person, text: str) -> None:
    """A line for HR whose scope covers the assessing unit today (who decide 申诉)."""
    today = timezone.localdate()
    above = path_unit_ids(Unit.objects.get(pk=assessment.unit_id).path)
    grants = (
        RoleGrant.objects.filter(role=Role.HR, granted_on__lte=today)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .filter(Q(all_units=True) | Q(units__in=above))
    )
    people = Person.objects.filter(pk__in=grants.values("person_id"), is_active=True).exclude(pk=assessment.person_id)
    notify(recipients=list(people), kind=Kind.ASSESSMENT, actor=actor, text=text, url=_url(assessment))


def _grade(assessment: Assessment, standard: Standard, grade: str) -> str:
    """The grade checked against the standard's scale; a comment-only probationer gets none."""
    grade = (grade or "").strip()
    if assessment.is_probationer and standard.probationer_mode == ProbationerMode.COMMENT_ONLY:
        if grade:
            raise ValidationError({"grade": ["试用期人员只写评语，不确定等次；请把等次留空，在理由中填写评语。"]})
        return ""
    scale = standard.grades_for(assessment.period.kind)
    if not grade:
        raise ValidationError({"grade": ["请选择等次。"]})
    if grade not in scale:
        raise ValidationError({"grade": [f"等次应为{'、'.join(scale)}之一。"]})
    return grade


def _check_quota(assessment: Assessment, grade: str) -> None:
    """Refuse one more person in the limited grade than the group's limit allows. The caller holds the group's lock
    (_lock_group), so two deciders in parallel never both take the last place (PostgreSQL; SQLite serialises writers
    anyway)."""
    if not grade or grade == assessment.grade:
        return
    status = quota.status(assessment.period, assessment.unit_id, assessment.rank_group, excluding=assessment.pk)
    if not status.limited or grade != status.grade:
        return
    if status.used + 1 > status.limit:
        group = _zh(RankGroup(assessment.rank_group).label)
        raise ValidationError(
            {
                "grade": [
                    f"{status.grade}等次已达本单位{group}上限（{status.limit} 人，占 {status.share_percent}，"
                    f"共 {status.group_size} 人），不能再确定为{status.grade}；"
                    "如确需提高比例，须经组织人事部门批准后再确定。"
                ]
            }
        )


def _set_grade(assessment: Assessment, grade: str, today: datetime.date) -> None:
    assessment.grade = grade
    assessment.decided_on = today


# ---- opening a period -----------------------------------------------------------------------------------------


def _period_name(kind: str, start: datetime.date, end: datetime.date) -> str:
    if kind == PeriodKind.ANNUAL:
        return f"{start.year}年度考核"
    quarter = (start.month - 1) // 3 + 1
    names = "一二三四"
    if start.month in (1, 4, 7, 10) and start.day == 1 and end.year == start.year:
        return f"{start.year}年第{names[quarter - 1]}季度平时考核"
    return f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}平时考核"


def _row(period: Period, held: list[Assignment], *, is_probationer: bool) -> Assessment | None:
    """The assessment of someone holding `held` on the period's last day (the post their work counts under), or None
    for the jurisdiction's own leaders, whom the level above assesses."""
    post = by_precedence(held)[0]
    unit = post.position.unit
    if unit.parent_id is None:
        return None
    return Assessment(
        period=period,
        person_id=post.person_id,
        unit_id=unit.department_id or unit.pk,
        section_id=unit.pk,
        rank_group=rank_group_of(post.position.rank),
        category=post.person.category,
        is_probationer=is_probationer,
    )


@transaction.atomic
def period_open(
    *,
    actor: Person,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    name: str | None = None,
    summary_due: datetime.date | None = None,
    probationer_ids: Iterable[int] = (),
) -> Period:
    """Open a period and an assessment for everyone who must file and holds a post (below the jurisdiction's own
    leadership, whom the level above assesses) on its last day; `probationer_ids` are those in 试用期 (org keeps no
    date of entry, so HR says who they are; probationer_set corrects it later)."""
    if not rules.can_open_period(actor):
        raise PermissionDenied("只有全区范围的组织人事部门可以发起考核。")
    errors: dict[str, list[str]] = {}
    if kind not in PeriodKind.values:
        errors["kind"] = ["考核类型应为平时考核或年度考核。"]
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        errors["start"] = ["请填写起止日期。"]
    elif end < start:
        errors["end"] = ["截止日期不能早于起始日期。"]
    elif (end - start).days >= MAX_PERIOD_DAYS:
        errors["end"] = ["考核周期不能超过一年。"]
    elif summary_due is not None and summary_due < start:
        errors["summary_due"] = ["总结提交截止日期不能早于周期起始日期。"]
    title = (name or "").strip()
    if CONTROL.search(title) or LINE_BREAKS.search(title):
        errors["name"] = ["名称含有无法保存的控制字符，请删除后再提交。"]
    elif len(title) > NAME_MAX:
        errors["name"] = [f"名称不能超过 {NAME_MAX} 字。"]
    if errors:
        raise ValidationError(errors)
    if Period.objects.filter(kind=kind, start=start).exists():
        raise ValidationError({"start": ["该起始日期的同类考核周期已经发起。"]})
    now = timezone.now()
    period = Period.objects.create(
        kind=kind,
        name=title or _period_name(kind, start, end),
        start=start,
        end=end,
        summary_due=summary_due,
        opened_by=actor,
        opened_at=now,
        standards=frozen_now(),  # the period keeps these rules to its end
    )
    probationers = set(probationer_ids)
    posts = (
        Assignment.objects.active_on(end)
        .filter(person__is_active=True, person__filing_obligation=FilingObligation.REQUIRED)
        .select_related("position__unit", "person")
    )
    by_person: dict[int, list[Assignment]] = {}
    for post in posts:
        by_person.setdefault(post.person_id, []).append(post)
    rows = []
    for person_id, held in by_person.items():
        row = _row(period, held, is_probationer=person_id in probationers)
        if row is not None:
            rows.append(row)
    outside = probationers - {row.person_id for row in rows}
    if outside:
        raise ValidationError(
            {"probationer_ids": [f"{len(outside)} 名试用期人员不在本次考核范围内（须在周期截止日在岗且须填报）。"]}
        )
    Assessment.objects.bulk_create(rows, batch_size=1000)
    audit(
        actor=actor,
        verb="assessment.period_open",
        target=period,
        data={"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "people": len(rows)},
    )
    return period


@transaction.atomic
def assessment_add(*, actor: Person, period: Period, person: Person, is_probationer: bool = False) -> Assessment:
    """HR adds someone the period left out (a voluntary filer such as a 社工, or a post recorded late) who holds a
    post on the period's last day; HR's scope must cover their unit."""
    if period.closed_at is not None:
        raise ValidationError({"period": [f"考核周期“{period.name}”已结束，不能再增加被考核人。"]})
    held = list(
        Assignment.objects.active_on(period.end).filter(person=person).select_related("position__unit", "person")
    )
    row = _row(period, held, is_probationer=is_probationer) if held and person.is_active else None
    if row is None:
        raise ValidationError({"person_id": ["该人员在周期截止日没有可考核的在职岗位。"]})
    if not rules.can_raise_quota(actor, row.unit_id):  # HR whose scope covers the unit
        raise PermissionDenied("只有该单位范围内的组织人事部门可以增加被考核人。")
    if Assessment.objects.filter(period=period, person=person).exists():
        raise ValidationError({"person_id": ["该人员已在本考核周期中。"]})
    row.save()
    audit(
        actor=actor,
        verb="assessment.add",
        target=row,
        data={"period": period.pk, "person": person.pk, "is_probationer": is_probationer},
    )
    return row


@transaction.atomic
def probationer_set(*, actor: Person, assessment: Assessment, is_probationer: bool) -> Assessment:
    """HR marks (or unmarks) a person as in 试用期 for this assessment, before any grade is proposed."""
    assessment = _lock(assessment)
    if not rules.can_decide_appeal(actor, assessment):
        raise PermissionDenied("只有组织人事部门可以确定试用期人员。")
    if assessment.state not in (State.OPEN, State.SUBMITTED):
        raise ValidationError({"state": ["已提出建议等次，不能再更改试用期标记。"]})
    assessment.is_probationer = bool(is_probationer)
    assessment.save(update_fields=["is_probationer"])
    audit(
        actor=actor,
        verb="assessment.probationer",
        target=assessment,
        data={"is_probationer": assessment.is_probationer},
    )
    return assessment


@transaction.atomic
def period_close(*, actor: Person, period: Period) -> Period:
    """HR closes a period; its open steps (review, appeal) still run to their end."""
    if not rules.can_open_period(actor):
        raise PermissionDenied("只有全区范围的组织人事部门可以结束考核周期。")
    if period.closed_at is not None:
        raise ValidationError({"period": ["该考核周期已经结束。"]})
    period.closed_at = timezone.now()
    period.save(update_fields=["closed_at"])
    audit(actor=actor, verb="assessment.period_close", target=period, data={})
    return period


# ---- the person's summary -------------------------------------------------------------------------------------


def summary_draft(*, person: Person, assessment: Assessment) -> str:
    """The draft of the person's 个人总结 from their own records of the period (their own words, never invented)."""
    if not rules.is_person(person, assessment):
        raise PermissionDenied("只能起草本人的个人总结。")
    period = assessment.period
    draft = draft_from_records(person=person, start=period.start, end=period.end)
    return draft.text()


@transaction.atomic
def summary_submit(
    *, person: Person, assessment: Assessment, body: str, today: datetime.date | None = None
) -> PersonalSummary:
    """Submit (or, before a grade is proposed, resubmit) the person's 个人总结: a new version, never an edit."""
    day = _today(today)
    assessment = _lock(assessment)
    if not rules.is_person(person, assessment):
        raise PermissionDenied("只能提交本人的个人总结。")
    _check_state(assessment, StepKind.SUMMARY, day)
    text = _refuse_control((body or "").strip(), field="body", label="个人总结")
    if len(text) < SUMMARY_MIN:
        raise ValidationError({"body": [f"个人总结不能少于 {SUMMARY_MIN} 字。"]})
    if len(text) > SUMMARY_MAX:
        raise ValidationError({"body": [f"个人总结不能超过 {SUMMARY_MAX} 字（当前 {len(text)} 字）。"]})
    now = timezone.now()
    version = assessment.summaries.count() + 1
    summary = PersonalSummary.objects.create(assessment=assessment, body=text, version=version, submitted_at=now)
    assessment.state = State.SUBMITTED
    assessment.save(update_fields=["state"])
    _step(
        assessment=assessment,
        kind=StepKind.SUMMARY,
        actor=person,
        now=now,
        extra={"summary": summary.pk, "version": version, "body": text},
    )
    return summary


# ---- proposal and decision ------------------------------------------------------------------------------------


@transaction.atomic
def grade_propose(
    *, actor: Person, assessment: Assessment, grade: str, reason: str, today: datetime.date | None = None
) -> Step:
    """The direct leadership proposes a grade with a written reason (a comment only, for a comment-only probationer).
    Before the person's summary is in, only once the summary's due date has passed."""
    day = _today(today)
    assessment = _lock(assessment)
    if not rules.can_propose(actor, assessment):
        raise PermissionDenied("只有被考核人的上级领导可以提出建议等次。")
    state = _check_state(assessment, StepKind.PROPOSAL, day)
    due = assessment.period.summary_due
    if state == State.OPEN and (due is None or day <= due):
        raise ValidationError({"state": ["本人尚未提交个人总结；总结提交截止日期过后方可直接提出建议等次。"]})
    standard = standard_for(assessment)
    clean_grade = _grade(assessment, standard, grade)
    text = _reason(reason, label="评语" if not clean_grade else "理由")
    assessment.state = State.PROPOSED
    assessment.save(update_fields=["state"])
    return _step(
        assessment=assessment, kind=StepKind.PROPOSAL, actor=actor, grade=clean_grade, reason=text, now=timezone.now()
    )


@transaction.atomic
def grade_decide(
    *, actor: Person, assessment: Assessment, grade: str, reason: str, today: datetime.date | None = None
) -> Step:
    """The unit's head (or HR) decides the grade within the 优秀 quota; before 公示 a decision may be changed by a
    new decision (the old one stays in the history)."""
    day = _today(today)
    assessment = _lock_group(assessment)
    if not rules.can_decide(actor, assessment):
        raise PermissionDenied("只有考核单位的主要负责人或组织人事部门可以确定等次。")
    _check_state(assessment, StepKind.DECISION, day)
    standard = standard_for(assessment)
    clean_grade = _grade(assessment, standard, grade)
    text = _reason(reason, label="评语" if not clean_grade else "理由")
    _check_quota(assessment, clean_grade)
    _set_grade(assessment, clean_grade, day)
    assessment.state = State.DECIDED
    assessment.save(update_fields=["state", "grade", "decided_on"])
    return _step(
        assessment=assessment, kind=StepKind.DECISION, actor=actor, grade=clean_grade, reason=text, now=timezone.now()
    )


@transaction.atomic
def quota_raise(
    *, actor: Person, period: Period, unit: Unit, rank_group: str, share: Decimal | str | float, reason: str
) -> QuotaRaise:
    """HR approves a higher 优秀 share for one unit and rank group in a period, with the reason on record."""
    if not rules.can_raise_quota(actor, unit.pk):
        raise PermissionDenied("只有组织人事部门可以批准提高优秀比例。")
    errors: dict[str, list[str]] = {}
    if rank_group not in RankGroup.values:
        errors["rank_group"] = ["职级组应为处级、科级或科员及以下。"]
    try:
        value = Decimal(str(share)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        value = Decimal("-1")
    if not value.is_finite() or not (Decimal("0") < value <= Decimal("1")):
        errors["share"] = ["比例应为 0 到 1 之间的小数（如 0.25）。"]
    text = (reason or "").strip()
    if CONTROL.search(text):
        errors["reason"] = ["批准理由含有无法保存的控制字符，请删除后再提交。"]
    elif not text:
        errors["reason"] = ["请填写批准理由。"]
    elif len(text) > REASON_MAX:
        errors["reason"] = [f"批准理由不能超过 {REASON_MAX} 字。"]
    if errors:
        raise ValidationError(errors)
    if not Assessment.objects.filter(period=period, unit=unit).exists():
        raise ValidationError({"unit": ["该单位在本考核周期没有被考核人。"]})
    raised = QuotaRaise.objects.create(
        period=period,
        unit=unit,
        rank_group=rank_group,
        share=value,
        reason=text,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    audit(
        actor=actor,
        verb="assessment.quota_raise",
        target=raised,
        data={"period": period.pk, "unit": unit.pk, "rank_group": rank_group, "share": str(value), "reason": text},
    )
    return raised


# ---- 公示 and the person's acknowledgement -----------------------------------------------------------------------


def notice_end(start: datetime.date, days: int) -> datetime.date:
    """The last day of a 公示 of `days` working days beginning on `start` (or the first working day after it)."""
    span = working_days(start, start + datetime.timedelta(days=max(days, 1) * 3 + 30))
    return span[days - 1]


@transaction.atomic
def notice_start(
    *, actor: Person, period: Period, unit: Unit, start: datetime.date | None = None, today: datetime.date | None = None
) -> list[Assessment]:
    """Start the unit's 公示 once every assessment of it is decided: `notice_working_days` working days."""
    day = _today(today)
    if not rules.can_decide_unit(actor, unit.pk):
        raise PermissionDenied("只有考核单位的主要负责人或组织人事部门可以启动公示。")
    if period.closed_at is not None:
        raise ValidationError({"unit": [f"考核周期“{period.name}”已结束，不能再启动公示。"]})
    first = start or day
    if first < day:
        raise ValidationError({"start": ["公示开始日期不能早于今天。"]})
    if first > day + datetime.timedelta(days=60):
        raise ValidationError({"start": ["公示开始日期不能晚于 60 天后。"]})
    # Lock the unit's rows in id order and only theirs (not the joined period and people), as _lock_group does,
    # then read them in the sheet's order.
    list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(period=period, unit=unit)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assessments = list(Assessment.objects.filter(period=period, unit=unit).select_related("period", "person"))
    if not assessments:
        raise ValidationError({"unit": ["该单位在本考核周期没有被考核人。"]})
    waiting = [a for a in assessments if a.state in (State.OPEN, State.SUBMITTED, State.PROPOSED)]
    if waiting:
        names = "、".join(a.person.full_name for a in waiting[:5]) + ("等" if len(waiting) > 5 else "")
        raise ValidationError({"unit": [f"还有 {len(waiting)} 人的等次尚未确定（{names}），全部确定后方可公示。"]})
    to_notice = [a for a in assessments if a.state == State.DECIDED]
    if not to_notice:
        raise ValidationError({"unit": ["该单位本周期的考核结果已经公示。"]})
    now = timezone.now()
    for assessment in to_notice:
        standard = standard_for_scope(category=assessment.category, rank_group=assessment.rank_group, period=period)
        days = standard.notice_working_days
        assessment.noticed_from = first
        assessment.noticed_until = notice_end(first, days)
        assessment.state = State.NOTICED
        assessment.save(update_fields=["noticed_from", "noticed_until", "state"])
        _step(
            assessment=assessment,
            kind=StepKind.NOTICE,
            actor=actor,
            grade=assessment.grade,
            now=now,
            extra={"from": first.isoformat(), "until": assessment.noticed_until.isoformat(), "working_days": days},
        )
        until = assessment.noticed_until
        _tell_person(
            assessment, actor, f"{assessment.period.name}结果公示至{until.month}月{until.day}日，请签署本人意见"
        )
    return to_notice


@transaction.atomic
def notices_close(*, today: datetime.date | None = None) -> int:
    """Write `final` on every assessment whose 公示 is over (the state reads as final anyway; this keeps queries
    simple). Time passing is no one's step, so no Step is written. Returns how many moved."""
    day = _today(today)
    return Assessment.objects.filter(state=State.NOTICED, noticed_until__lt=day).update(state=State.FINAL)


@transaction.atomic
def acknowledge(*, person: Person, assessment: Assessment, text: str, today: datetime.date | None = None) -> Step:
    """The person signs their opinion on the result (本人签署意见), once."""
    day = _today(today)
    assessment = _lock(assessment)
    if not rules.is_person(person, assessment):
        raise PermissionDenied("只能对本人的考核结果签署意见。")
    _check_state(assessment, StepKind.ACKNOWLEDGEMENT, day)
    if assessment.steps.filter(kind=StepKind.ACKNOWLEDGEMENT).exists():
        raise ValidationError({"state": ["您已签署过意见。"]})
    body = _refuse_control((text or "").strip(), field="text", label="本人意见")
    if not body:
        raise ValidationError({"text": ["请填写本人意见（如“同意”）。"]})
    if len(body) > REASON_MAX:
        raise ValidationError({"text": [f"本人意见不能超过 {REASON_MAX} 字。"]})
    return _step(
        assessment=assessment,
        kind=StepKind.ACKNOWLEDGEMENT,
        actor=person,
        grade=assessment.grade,
        reason=body,
        now=timezone.now(),
    )


# ---- 复核 and 申诉 ---------------------------------------------------------------------------------------------


def _known_on(assessment: Assessment) -> datetime.date | None:
    """The day the person is taken to know the result: the 公示's last day, or the decision's day without one."""
    return assessment.noticed_until or assessment.decided_on


def review_deadline(assessment: Assessment) -> datetime.date | None:
    """The last day to ask for 复核 (review_window_days after the result is known)."""
    known = _known_on(assessment)
    if known is None:
        return None
    return known + datetime.timedelta(days=standard_for(assessment).review_window_days)


def appeal_deadline(assessment: Assessment) -> datetime.date | None:
    """The last day to file 申诉: appeal_window_days after the 复核 decision, or the review window without one."""
    if assessment.review_decided_on is not None:
        return assessment.review_decided_on + datetime.timedelta(days=standard_for(assessment).appeal_window_days)
    return review_deadline(assessment)


@transaction.atomic
def review_request(*, person: Person, assessment: Assessment, reason: str, today: datetime.date | None = None) -> Step:
    """The person asks for 复核 of the result, with reasons, within the review window; once."""
    day = _today(today)
    assessment = _lock(assessment)
    if not rules.is_person(person, assessment):
        raise PermissionDenied("只能对本人的考核结果申请复核。")
    _check_state(assessment, StepKind.REVIEW_REQUEST, day)
    if assessment.steps.filter(kind__in=[StepKind.REVIEW_REQUEST, StepKind.APPEAL]).exists():
        raise ValidationError({"state": ["已申请过复核或已提出申诉，不能再次申请复核。"]})
    deadline = review_deadline(assessment)
    if deadline is None or day > deadline:
        raise ValidationError(
            {"state": [f"复核申请期限已过（截至 {deadline:%Y年%m月%d日}）。" if deadline else "尚无可复核的结果。"]}
        )
    text = _reason(reason, label="申请复核的理由")
    assessment.state = State.REVIEW
    assessment.save(update_fields=["state"])
    _tell_deciders(assessment, person, f"{person.full_name}申请复核{assessment.period.name}结果")
    return _step(
        assessment=assessment,
        kind=StepKind.REVIEW_REQUEST,
        actor=person,
        grade=assessment.grade,
        reason=text,
        now=timezone.now(),
        extra={"deadline": deadline.isoformat()},
    )


@transaction.atomic
def review_decide(
    *, actor: Person, assessment: Assessment, grade: str, reason: str, today: datetime.date | None = None
) -> Step:
    """The decider answers the 复核 with a reason; the grade may stay or change (a change still within the quota)."""
    day = _today(today)
    assessment = _lock_group(assessment)
    if not rules.can_decide(actor, assessment):
        raise PermissionDenied("只有考核单位的主要负责人或组织人事部门可以作出复核决定。")
    _check_state(assessment, StepKind.REVIEW_DECISION, day)
    clean_grade = _grade(assessment, standard_for(assessment), grade)
    text = _reason(reason, label="复核决定的理由")
    _check_quota(assessment, clean_grade)
    assessment.grade = clean_grade
    assessment.review_decided_on = day
    assessment.state = State.FINAL
    assessment.save(update_fields=["grade", "review_decided_on", "state"])
    _tell_person(assessment, actor, f"{assessment.period.name}复核决定已作出")
    return _step(
        assessment=assessment,
        kind=StepKind.REVIEW_DECISION,
        actor=actor,
        grade=clean_grade,
        reason=text,
        now=timezone.now(),
    )


@transaction.atomic
def appeal_file(*, person: Person, assessment: Assessment, reason: str, today: datetime.date | None = None) -> Step:
    """The person files a 申诉 within the window (after the 复核 decision, or directly within the review window);
    once, and not while a 复核 is pending."""
    day = _today(today)
    assessment = _lock(assessment)
    if not rules.is_person(person, assessment):
        raise PermissionDenied("只能对本人的考核结果提出申诉。")
    _check_state(assessment, StepKind.APPEAL, day)
    if assessment.steps.filter(kind=StepKind.APPEAL).exists():
        raise ValidationError({"state": ["已提出过申诉。"]})
    deadline = appeal_deadline(assessment)
    if deadline is None or day > deadline:
        raise ValidationError(
            {"state": [f"申诉期限已过（截至 {deadline:%Y年%m月%d日}）。" if deadline else "尚无可申诉的结果。"]}
        )
    text = _reason(reason, label="申诉理由")
    assessment.state = State.APPEAL
    assessment.save(update_fields=["state"])
    _tell_hr(assessment, person, f"{person.full_name}对{assessment.period.name}结果提出申诉")
    return _step(
        assessment=assessment,
        kind=StepKind.APPEAL,
        actor=person,
        grade=assessment.grade,
        reason=text,
        now=timezone.now(),
        extra={"deadline": deadline.isoformat()},
    )


@transaction.atomic
def appeal_decide(
    *, actor: Person, assessment: Assessment, grade: str, reason: str, today: datetime.date | None = None
) -> Step:
    """HR decides the 申诉 with a reason; the grade may stay or change (a change still within the quota)."""
    day = _today(today)
    assessment = _lock_group(assessment)
    if not rules.can_decide_appeal(actor, assessment):
        raise PermissionDenied("只有组织人事部门可以处理申诉。")
    _check_state(assessment, StepKind.APPEAL_DECISION, day)
    clean_grade = _grade(assessment, standard_for(assessment), grade)
    text = _reason(reason, label="申诉处理决定的理由")
    _check_quota(assessment, clean_grade)
    assessment.grade = clean_grade
    assessment.state = State.FINAL
    assessment.save(update_fields=["grade", "state"])
    _tell_person(assessment, actor, f"{assessment.period.name}申诉处理决定已作出")
    return _step(
        assessment=assessment,
        kind=StepKind.APPEAL_DECISION,
        actor=actor,
        grade=clean_grade,
        reason=text,
        now=timezone.now(),
    )


def latest_grade_step(assessment: Assessment) -> Step | None:
    """The step whose grade counts (the latest decision, 复核 or 申诉 decision)."""
    return assessment.steps.filter(kind__in=GRADE_SETTING).order_by("-created_at", "-id").first()


# ---- standards (HR) -------------------------------------------------------------------------------------------

GRADE_MAX = 20
SCALE_MAX = 8
WINDOW_MAX = 365


def _scale_errors(value: Any, label: str) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > SCALE_MAX:
        return [f"{label}应为 1 到 {SCALE_MAX} 个等次。"]
    if any(not isinstance(g, str) or not g.strip() or len(g) > GRADE_MAX for g in value):
        return [f"{label}的每个等次应为不超过 {GRADE_MAX} 字的文字。"]
    if any(CONTROL.search(g) or LINE_BREAKS.search(g) for g in value):
        return [f"{label}含有无法保存的控制字符，请删除后再提交。"]
    if len({g.strip() for g in value}) != len(value):
        return [f"{label}不能有重复的等次。"]
    return []


def standard_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """The rules a standard's values must keep (only the keys given are checked), as errors per field."""
    errors: dict[str, list[str]] = {}
    for name, label in (("everyday_grades", "平时考核等次"), ("annual_grades", "年度考核等次")):
        if name in values and (problems := _scale_errors(values[name], label)):
            errors[name] = problems
    if "excellent_grade" in values:
        annual = values.get("annual_grades")
        if not isinstance(values["excellent_grade"], str) or not values["excellent_grade"].strip():
            errors["excellent_grade"] = ["请填写受比例限制的等次。"]
        elif CONTROL.search(values["excellent_grade"]) or LINE_BREAKS.search(values["excellent_grade"]):
            errors["excellent_grade"] = ["受比例限制的等次含有无法保存的控制字符，请删除后再提交。"]
        elif isinstance(annual, list) and "annual_grades" not in errors and values["excellent_grade"] not in annual:
            errors["excellent_grade"] = ["受比例限制的等次应为年度考核等次之一。"]
    for name in ("excellent_share", "everyday_quota"):
        if name not in values or (values[name] is None and name == "everyday_quota"):
            continue
        try:
            share = Decimal(str(values[name]))
        except (InvalidOperation, ValueError):
            share = Decimal("-1")
        if not share.is_finite() or not (Decimal("0") <= share <= Decimal("1")):
            errors[name] = ["比例应为 0 到 1 之间的小数（如 0.20）。"]
    for name, label in (
        ("notice_working_days", "公示工作日数"),
        ("review_window_days", "复核申请期限"),
        ("appeal_window_days", "申诉期限"),
    ):
        if name in values:
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= WINDOW_MAX):
                errors[name] = [f"{label}应为 1 到 {WINDOW_MAX} 之间的整数。"]
    if "evidence_sections" in values:
        sections = values["evidence_sections"]
        if not isinstance(sections, list) or any(s not in EVIDENCE_SECTIONS for s in sections):
            errors["evidence_sections"] = [f"实绩材料应从{'、'.join(EVIDENCE_SECTIONS)}中选择。"]
    if "category" in values and values["category"] not in ("", *PersonCategory.values):
        errors["category"] = ["人员类别应为公务员、参公、事业或社工（留空表示全部）。"]
    if "rank_group" in values and values["rank_group"] not in ("", *RankGroup.values):
        errors["rank_group"] = ["职级组应为处级、科级或科员及以下（留空表示全部）。"]
    if "probationer_mode" in values and values["probationer_mode"] not in ProbationerMode.values:
        errors["probationer_mode"] = ["试用期人员的处理应为只写评语或确定等次。"]
    if "notice_shows" in values and values["notice_shows"] not in NoticeShows.values:
        errors["notice_shows"] = ["公示内容应为只公示优秀等次或公示全部等次。"]
    for name in ("record_requires_duty", "record_requires_result"):
        if name in values and not isinstance(values[name], bool):
            errors[name] = ["应为是或否。"]
    return errors


@transaction.atomic
def standard_save(*, actor: Person, values: dict[str, Any], standard: Standard | None = None) -> Standard:
    """HR over the whole jurisdiction creates a standard for a category and rank group, or changes one; audited with
    the values before and after. Periods already open keep the values they opened under (Period.standards): the new
    values apply to periods opened later (an open period's 优秀 share rises only by quota_raise)."""
    if not rules.can_open_period(actor):
        raise PermissionDenied("只有全区范围的组织人事部门可以修改考核标准。")
    unknown = set(values) - set(STANDARD_FIELDS)
    if unknown:
        raise ValidationError({name: ["不是考核标准的字段。"] for name in sorted(unknown)})
    target = standard or Standard()
    merged = {name: getattr(target, name) for name in STANDARD_FIELDS} | values
    errors = standard_errors(merged)
    if errors:
        raise ValidationError(errors)
    scope_given = (values.get("category", target.category), values.get("rank_group", target.rank_group))
    if standard is not None and scope_given != (standard.category, standard.rank_group):
        raise ValidationError({"category": ["适用范围不能修改；请为新的范围另建标准。"]})
    scope = Standard.objects.filter(category=merged["category"], rank_group=merged["rank_group"])
    if standard is None and scope.exists():
        raise ValidationError({"category": ["该人员类别和职级组已有考核标准，请直接修改。"]})
    before = {name: _plain(getattr(target, name)) for name in values} if standard else {}
    for name, value in values.items():
        if name in ("excellent_share", "everyday_quota") and value is not None:
            value = Decimal(str(value)).quantize(Decimal("0.01"))
        setattr(target, name, value)
    target.save()
    audit(
        actor=actor,
        verb="assessment.standard_update" if standard else "assessment.standard_create",
        target=target,
        data={"before": before, "after": {name: _plain(getattr(target, name)) for name in values}},
    )
    return target


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
