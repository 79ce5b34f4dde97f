"""The demo world's assessment (考核), built through the services so every step is a Step with its sealed audit event:

- last quarter's everyday assessment (平时考核) done for most department-level units: summaries submitted, grades
  proposed by the direct leadership and decided by the unit's head within the quota, 公示 run and over (when the
  calendar leaves room for it), most people's acknowledgement signed; the remaining units still at the proposal
  stage, as HR would find them;
- a few 复核 requests on last quarter's results, some decided, and one 申诉 waiting for HR;
- this year's annual assessment (年度考核) open, with summaries submitted by some people.

    from jishi.assessment.demo import build_demo
    seed = build_demo(today=datetime.date(2026, 12, 7))

Deterministic for a seed and a database; refuses to run twice (periods already present). Every step is taken by the
person the rules name (a superior proposes, the unit's 正职 or HR decides, the person signs), so it also exercises the
rules; the services' `today` parameter dates each step's checks in the past.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from jishi.assessment import rules, services
from jishi.assessment.models import Assessment, Period, PeriodKind, State
from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Leadership, Person, Role, RoleGrant

EVERYDAY_GRADES = [("好", 0.25), ("较好", 0.6), ("一般", 0.13), ("较差", 0.02)]
REASONS = {
    "好": "本季度职责范围内工作推进有力，记实反映的结果具体，督办事项均按时办结。",
    "较好": "能够履行岗位职责，主要工作有结果可查，个别事项进度偏慢。",
    "一般": "岗位职责覆盖不全，部分记实缺少结果，督办事项有逾期。",
    "较差": "多项岗位职责本季度没有工作记实，督办事项逾期未办结。",
    "": "试用期内表现认真，能较快熟悉岗位职责，建议继续加强业务学习。",
}
DONE_SHARE = 0.8  # of department-level units whose everyday assessment is finished
ANNUAL_SUMMARY_SHARE = 0.3
REVIEWS = 3
EMPTY_SUMMARY = "本期没有工作记实，主要工作情况说明如下：（请本人补充）"


@dataclass
class AssessmentSeed:
    """What build_demo wrote."""

    periods: int = 0
    assessments: int = 0
    summaries: int = 0
    decided: int = 0
    noticed_units: int = 0
    acknowledged: int = 0
    reviews: int = 0
    reviews_decided: int = 0
    appeals: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def previous_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter before the one `today` is in."""
    this_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_start - datetime.timedelta(days=1)
    return datetime.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


def hr_officer(today: datetime.date) -> Person | None:
    """Someone with an HR grant over the whole jurisdiction (who opens periods and handles appeals)."""
    grant = (
        RoleGrant.objects.filter(role=Role.HR, all_units=True, granted_on__lte=today, person__is_active=True)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .select_related("person")
        .order_by("id")
        .first()
    )
    return grant.person if grant else None


class _Leaders:
    """The people who may propose and decide, each one object so org's Reader is built once per leader."""

    def __init__(self, today: datetime.date) -> None:
        posts = (
            Assignment.objects.active_on(today)
            .exclude(position__leadership=Leadership.NONE)
            .select_related("person", "position__unit")
            .prefetch_related("position__in_charge_of")
        )
        self.people: dict[int, Person] = {}
        self.principals: dict[int, list[Person]] = {}  # unit id -> its 正职
        self.in_charge: dict[int, list[Person]] = {}  # unit id -> leaders in charge of it
        self.top: list[Person] = []  # the jurisdiction's principal leaders
        for post in posts:
            person = self.people.setdefault(post.person_id, post.person)
            unit = post.position.unit
            if post.position.leadership == Leadership.PRINCIPAL:
                self.principals.setdefault(unit.pk, []).append(person)
                if unit.parent_id is None:
                    self.top.append(person)
            for charge in post.position.in_charge_of.all():
                self.in_charge.setdefault(charge.pk, []).append(person)

    def proposer(self, assessment: Assessment) -> Person | None:
        """The nearest superior: the section's head, the deputy in charge, the unit's head, then the top."""
        section, unit = assessment.section_id, assessment.unit_id
        candidates = [
            *self.principals.get(section, []),
            *self.in_charge.get(section, []),
            *self.principals.get(unit, []),
            *self.in_charge.get(unit, []),
            *self.top,
        ]
        for candidate in candidates:
            if candidate.pk != assessment.person_id and rules.can_propose(candidate, assessment):
                return candidate
        return None

    def decider(self, assessment: Assessment, hr: Person) -> Person:
        """The assessing unit's 正职, or HR for the head themselves."""
        for head in self.principals.get(assessment.unit_id, []):
            if head.pk != assessment.person_id and rules.can_decide(head, assessment):
                return head
        return hr


def _summary(person: Person, assessment: Assessment) -> str:
    text = services.summary_draft(person=person, assessment=assessment)
    return text if len(text) >= services.SUMMARY_MIN else EMPTY_SUMMARY


def _grade(rng: random.Random) -> str:
    grades, weights = zip(*EVERYDAY_GRADES, strict=True)
    return rng.choices(grades, weights=weights)[0]


def build_demo(
    *, today: datetime.date | None = None, seed: int = 2014, done_share: float = DONE_SHARE
) -> AssessmentSeed:
    """Write the demo's assessment state (see the module docstring) in one transaction; returns what was written."""
    started = time.perf_counter()
    today = today or local_today()
    out = AssessmentSeed()
    if Period.objects.exists():
        out.notes.append("考核演示数据已存在，未重复生成。")
        return out
    hr = hr_officer(today)
    if hr is None:
        out.notes.append("没有全区范围的组织人事人员，未生成考核演示数据。")
        return out
    rng = random.Random(f"{seed}-assessment")
    leaders = _Leaders(today)
    with transaction.atomic():
        _everyday(out, rng, hr, leaders, today, done_share)
        _annual(out, rng, hr, today)
    out.assessments = Assessment.objects.count()
    out.grades = dict(Counter(Assessment.objects.exclude(grade="").values_list("grade", flat=True)))
    out.seconds = time.perf_counter() - started
    return out


def _everyday(
    out: AssessmentSeed,
    rng: random.Random,
    hr: Person,
    leaders: _Leaders,
    today: datetime.date,
    done_share: float,
) -> None:
    start, end = previous_quarter(today)
    summary_due = min(end + datetime.timedelta(days=10), today)
    period = services.period_open(actor=hr, kind=PeriodKind.EVERYDAY, start=start, end=end, summary_due=summary_due)
    out.periods += 1
    assessments = list(period.assessments.select_related("period", "person").order_by("unit_id", "section_id", "id"))
    units = sorted({a.unit_id for a in assessments})
    done_units = set(rng.sample(units, max(1, round(len(units) * done_share)))) if units else set()
    # The quarter's steps are dated after it: summaries by the due day, proposals and decisions the week after.
    summary_day = min(end + datetime.timedelta(days=5), today)
    decide_day = min(summary_due + datetime.timedelta(days=3), today)
    # 公示 starts once decided and lasts its working days; it is over by today only if the calendar leaves room.
    notice_day = max(decide_day, min(decide_day + datetime.timedelta(days=2), today - datetime.timedelta(days=14)))
    for assessment in assessments:
        done = assessment.unit_id in done_units
        if done or rng.random() < 0.6:
            person = assessment.person
            services.summary_submit(
                person=person, assessment=assessment, body=_summary(person, assessment), today=summary_day
            )
            out.summaries += 1
        if not done:
            continue
        proposer = leaders.proposer(assessment)
        if proposer is None:
            continue
        grade = "" if assessment.is_probationer else _grade(rng)
        services.grade_propose(
            actor=proposer, assessment=assessment, grade=grade, reason=REASONS[grade], today=decide_day
        )
        services.grade_decide(
            actor=leaders.decider(assessment, hr),
            assessment=assessment,
            grade=grade,
            reason=REASONS[grade],
            today=decide_day,
        )
        out.decided += 1
    for unit_id in sorted(done_units):
        waiting = Assessment.objects.filter(period=period, unit_id=unit_id).exclude(state=State.DECIDED).exists()
        if waiting:  # someone without a superior to propose: the unit waits, as a real one would
            continue
        first = Assessment.objects.filter(period=period, unit_id=unit_id).select_related("unit").first()
        if first is None:
            continue
        services.notice_start(actor=hr, period=period, unit=first.unit, start=notice_day, today=notice_day)
        out.noticed_units += 1
    services.notices_close(today=today)
    _acknowledge_and_review(out, rng, period, hr, leaders, today)


def _acknowledge_and_review(
    out: AssessmentSeed, rng: random.Random, period: Period, hr: Person, leaders: _Leaders, today: datetime.date
) -> None:
    noticed = list(
        Assessment.objects.filter(period=period, noticed_until__isnull=False)
        .select_related("period", "person")
        .order_by("id")
    )
    if not noticed:
        return
    known = noticed[0].noticed_until or today
    sign_day = min(known, today)
    # 复核 is asked by people who did not get the better grades; the rest mostly sign 同意.
    candidates = [a for a in noticed if a.grade in ("一般", "较差")] or [a for a in noticed if a.grade == "较好"]
    reviewing = {a.pk for a in rng.sample(candidates, min(REVIEWS, len(candidates)))}
    for assessment in noticed:
        if assessment.pk in reviewing:
            continue
        if rng.random() < 0.85:
            services.acknowledge(person=assessment.person, assessment=assessment, text="同意", today=sign_day)
            out.acknowledged += 1
    ask_day = min(known + datetime.timedelta(days=3), today)
    answer_day = min(ask_day + datetime.timedelta(days=7), today)
    appeal_day = min(answer_day + datetime.timedelta(days=5), today)
    for index, assessment in enumerate(a for a in noticed if a.pk in reviewing):
        services.review_request(
            person=assessment.person,
            assessment=assessment,
            reason="本季度承担的专项任务均已按期完成，记实中有结果可查，请求复核等次。",
            today=ask_day,
        )
        out.reviews += 1
        if index == len(reviewing) - 1 and index > 0:
            continue  # the last one still waits for its 复核 decision
        services.review_decide(
            actor=leaders.decider(assessment, hr),
            assessment=assessment,
            grade=assessment.grade,
            reason="经复核，结合记实和督办办理情况，维持原等次。",
            today=answer_day,
        )
        out.reviews_decided += 1
        if index == 0:
            services.appeal_file(
                person=assessment.person,
                assessment=assessment,
                reason="复核未说明逾期督办事项的客观原因（上级调整了任务要求），请求组织人事部门处理。",
                today=appeal_day,
            )
            out.appeals += 1


def _annual(out: AssessmentSeed, rng: random.Random, hr: Person, today: datetime.date) -> None:
    start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    period = services.period_open(
        actor=hr,
        kind=PeriodKind.ANNUAL,
        start=start,
        end=end,
        summary_due=datetime.date(today.year + 1, 1, 15),
    )
    out.periods += 1
    for assessment in period.assessments.select_related("period", "person").order_by("id"):
        if rng.random() < ANNUAL_SUMMARY_SHARE:
            person = assessment.person
            services.summary_submit(
                person=person, assessment=assessment, body=_summary(person, assessment), today=today
            )
            out.summaries += 1
