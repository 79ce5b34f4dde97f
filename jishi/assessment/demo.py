"""The demo world's assessment (考核):

- last quarter's everyday assessment (平时考核) done for most department-level units (always those of the demo's
  logins): summaries submitted by many (drafted from each person's own records; the others were graded without one,
  as the passed due day allows), grades proposed by the nearest superior and decided by the unit's head (HR for the
  head) within the quota, 公示 run — and over, when the calendar leaves room — and most people's opinion signed; the
  remaining units still at the summary stage, as HR would find them mid-cycle;
- three 复核 requests on last quarter's results (two decided) and one 申诉 waiting for HR;
- this year's annual assessment (年度考核) open, with summaries submitted by some people.

    from jishi.assessment.demo import build_demo
    seed = build_demo(today=datetime.date(2026, 12, 7))

Periods are opened, 公示 closed, and 复核/申诉 taken through the services. The thousands of everyday steps (summary,
proposal, decision, 公示, signed opinion) are written set-based, as the tasks and supervision demos write theirs — a
Jiading-sized world would otherwise spend minutes on one transaction per step: each Step gets the audit event
services._step writes (same verb, target and data), the events are registered as one bulk load and sealed into the
integrity chain at once. Every actor is the one the rules name (the superior org defines; the test asks
rules.can_propose / can_decide of each step), grades come from the standard's scale within the quota
(quota.share_for), and 公示 lasts the standard's working days (services.notice_end). The services then act on that
state (复核 and 申诉 below), which checks it is theirs.

Deterministic for a seed and a database; refuses to run twice (periods already present).
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jishi.assessment import quota, services
from jishi.assessment.models import (
    Assessment,
    Period,
    PeriodKind,
    PersonalSummary,
    Standard,
    State,
    Step,
    StepKind,
)
from jishi.assessment.standards import standard_for_scope
from jishi.core.models import AuditEvent
from jishi.integrity.services import link_rows, load_register
from jishi.org.calendar import at, local_today
from jishi.org.models import Assignment, Leadership, Person, Role, RoleGrant
from jishi.records.models import WorkRecord
from jishi.summaries.drafting import Draft, DraftItem, DraftSection, TaskLine, condense
from jishi.tasks.models import Status, TaskRecordLink

EVERYDAY_GRADES = [("好", 0.25), ("较好", 0.6), ("一般", 0.13), ("较差", 0.02)]
REASONS = {
    "好": "本季度职责范围内工作推进有力，记实反映的结果具体，督办事项均按时办结。",
    "较好": "能够履行岗位职责，主要工作有结果可查，个别事项进度偏慢。",
    "一般": "岗位职责覆盖不全，部分记实缺少结果，督办事项有逾期。",
    "较差": "多项岗位职责本季度没有工作记实，督办事项逾期未办结。",
    "": "试用期内表现认真，能较快熟悉岗位职责，建议继续加强业务学习。",
}
DONE_SHARE = 0.8  # of department-level units whose everyday assessment is finished
SUMMARY_SHARE = 0.7  # of last quarter's people who submitted a summary (within the budget)
ANNUAL_SUMMARY_SHARE = 0.2  # of this year's people who have already submitted theirs
SUMMARY_BUDGET = 250  # summaries per period at most: each is a draft of the person's records (≈ 8 ms)
SIGNED_SHARE = 0.85
REVIEWS = 3
DRAFT_CHUNK = 400  # people whose records are read at once for their drafts


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
    steps: int = 0
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


# ---- drafts --------------------------------------------------------------------------------------------------


def drafts_for(person_ids: list[int], start: datetime.date, end: datetime.date) -> dict[int, str]:
    """The draft summary (summaries.drafting's Draft, so the very text draft_from_records gives each person) of many
    people at once, from plain rows; people without a record in the period have none."""
    texts: dict[int, str] = {}
    for offset in range(0, len(person_ids), DRAFT_CHUNK):
        chunk = person_ids[offset : offset + DRAFT_CHUNK]
        records = (
            WorkRecord.objects.filter(author_id__in=chunk, date__gte=start, date__lte=end)
            .filed()
            .order_by("author_id", "date", "start_at", "id")
            .values_list(
                "id",
                "author_id",
                "date",
                "duty_id",
                "duty__title",
                "content",
                "result",
                "duration_minutes",
                "category__name",
                "category__sort_order",
            )
        )
        links = (
            TaskRecordLink.objects.filter(
                record__author_id__in=chunk,
                record__date__gte=start,
                record__date__lte=end,
                record__withdrawn_at__isnull=True,
            )
            .order_by("task__deadline", "task_id")
            .values_list("record__author_id", "task_id", "task__title", "task__status")
        )
        tasks: dict[int, dict[int, TaskLine]] = defaultdict(dict)
        for author_id, task_id, title, status in links:
            line = tasks[author_id].get(task_id)
            count = line.records + 1 if line else 1
            tasks[author_id][task_id] = TaskLine(task_id, title, str(Status(status).label), count)
        current: int | None = None
        rows: list[tuple[Any, ...]] = []
        for row in records:
            if row[1] != current:
                if current is not None:
                    texts[current] = _draft(current, start, end, rows, tasks.get(current, {}))
                current, rows = row[1], []
            rows.append(row)
        if current is not None:
            texts[current] = _draft(current, start, end, rows, tasks.get(current, {}))
    return texts


def _draft(
    person_id: int,
    start: datetime.date,
    end: datetime.date,
    rows: list[tuple[Any, ...]],
    tasks: dict[int, TaskLine],
) -> str:
    # As draft_from_records: by duty (most time first), 未关联职责 last; hours by category in the categories' order.
    by_duty: dict[int | None, DraftSection] = {}
    minutes_by_category: dict[str, int] = defaultdict(int)
    category_order: dict[str, int] = {}
    for record_id, _author, day, duty_id, duty_title, content, result, minutes, category, order in rows:
        if duty_id not in by_duty:
            by_duty[duty_id] = DraftSection(duty_title if duty_id is not None else _("未关联职责"))
        by_duty[duty_id].items.append(
            DraftItem(
                record_id=record_id,
                date=day,
                text=condense(content),
                result=condense(result) if result.strip() else "",
                minutes=minutes,
                category=category,
            )
        )
        minutes_by_category[category] += minutes
        category_order.setdefault(category, order)
    duties = sorted((s for k, s in by_duty.items() if k is not None), key=lambda s: (-s.minutes, s.title))
    sections = duties + ([by_duty[None]] if None in by_duty else [])
    categories = sorted(minutes_by_category.items(), key=lambda kv: (category_order[kv[0]], kv[0]))
    draft = Draft(
        person_id=person_id,
        start=start,
        end=end,
        sections=sections,
        tasks=list(tasks.values()),
        hours_by_category=categories,
    )
    return draft.text()


# ---- who acts ------------------------------------------------------------------------------------------------


class _Leaders:
    """The people who may propose and decide, each one object so org's Reader is built once per leader."""

    def __init__(self, today: datetime.date, hr: Person) -> None:
        self.hr = hr
        posts = (
            Assignment.objects.active_on(today)
            .exclude(position__leadership=Leadership.NONE)
            .select_related("person", "position__unit")
            .prefetch_related("position__in_charge_of")
        )
        people: dict[int, Person] = {}
        self.principals: dict[int, list[Person]] = defaultdict(list)  # unit id -> its 正职
        self.in_charge: dict[int, list[Person]] = defaultdict(list)  # unit id -> leaders in charge of it
        self.top: list[Person] = []  # the jurisdiction's principal leaders
        for post in posts:
            person = people.setdefault(post.person_id, post.person)
            unit = post.position.unit
            if post.position.leadership == Leadership.PRINCIPAL:
                self.principals[unit.pk].append(person)
                if unit.parent_id is None:
                    self.top.append(person)
            for charge in post.position.in_charge_of.all():
                self.in_charge[charge.pk].append(person)

    def proposer(self, assessment: Assessment) -> Person | None:
        """The nearest superior as org defines them: the section's head, the deputy in charge of the section, the
        unit's head, the jurisdiction leader in charge of the unit, then the principal leaders. (Asking
        rules.can_propose of each would build every leader's Reader: seconds at Jiading's scale. The test asks it
        of every proposal written.)"""
        section, unit = assessment.section_id, assessment.unit_id
        candidates = [
            *self.principals.get(section, []),
            *self.in_charge.get(section, []),
            *self.principals.get(unit, []),
            *self.in_charge.get(unit, []),
            *self.top,
        ]
        return next((c for c in candidates if c.pk != assessment.person_id), None)

    def decider(self, assessment: Assessment) -> Person:
        """The assessing unit's 正职, or HR for the head themselves (or a unit without one)."""
        heads = self.principals.get(assessment.unit_id, [])
        return next((h for h in heads if h.pk != assessment.person_id), self.hr)


# ---- the set-based writer ------------------------------------------------------------------------------------


class _Writer:
    """Steps, summaries and state changes collected in memory, then written set-based with one audit event per step
    (services._step's verb, target and data), registered as one bulk load and sealed."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.data: list[dict[str, Any]] = []
        self.summaries: dict[int, PersonalSummary] = {}  # by index of its step
        self.changed: dict[int, Assessment] = {}

    def step(
        self,
        assessment: Assessment,
        kind: str,
        actor: Person,
        moment: datetime.datetime,
        *,
        grade: str = "",
        reason: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.steps.append(
            Step(assessment=assessment, kind=kind, actor=actor, grade=grade, reason=reason, created_at=moment)
        )
        data = {
            "kind": kind,
            "period": assessment.period_id,
            "person": assessment.person_id,
            "grade": grade,
            "reason": reason,
            "state": assessment.state,
        }
        self.data.append(data | (extra or {}))
        self.changed[assessment.pk] = assessment

    def summary(self, assessment: Assessment, body: str, moment: datetime.datetime) -> None:
        assessment.state = State.SUBMITTED
        self.summaries[len(self.steps)] = PersonalSummary(
            assessment=assessment, body=body, version=1, submitted_at=moment
        )
        self.step(assessment, StepKind.SUMMARY, assessment.person, moment, extra={"version": 1, "body": body})

    def finish(self) -> int:
        """Write everything; returns the number of steps."""
        if not self.steps:
            return 0
        PersonalSummary.objects.bulk_create(list(self.summaries.values()), batch_size=1000)
        for index, summary in self.summaries.items():
            self.data[index] = {"summary": summary.pk} | self.data[index]
        Step.objects.bulk_create(self.steps, batch_size=1000)
        events = [
            AuditEvent(
                actor_id=step.actor_id,
                verb=f"assessment.{step.kind}",
                target_type=Assessment._meta.label_lower,
                target_id=str(step.assessment_id),
                data={"step": step.pk} | data,
            )
            for step, data in zip(self.steps, self.data, strict=True)
        ]
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        # One UPDATE per distinct outcome (a handful), not bulk_update's CASE over thousands of rows.
        outcomes: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for a in self.changed.values():
            outcomes[(a.state, a.grade, a.decided_on, a.noticed_from, a.noticed_until)].append(a.pk)
        for (state, grade, decided_on, noticed_from, noticed_until), ids in outcomes.items():
            for offset in range(0, len(ids), 900):
                Assessment.objects.filter(pk__in=ids[offset : offset + 900]).update(
                    state=state,
                    grade=grade,
                    decided_on=decided_on,
                    noticed_from=noticed_from,
                    noticed_until=noticed_until,
                )
        ids = sorted(e.pk for e in events)
        load = load_register(actor=None, source="demo.assessment", runs={"event": _runs(ids)})
        link_rows(loads=[load])
        return len(self.steps)


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for pk in ids:
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs


# ---- the demo ------------------------------------------------------------------------------------------------


def build_demo(
    *,
    today: datetime.date | None = None,
    seed: int = 2014,
    done_share: float = DONE_SHARE,
    showcase: Iterable[str] = (),
    summary_budget: int = SUMMARY_BUDGET,
) -> AssessmentSeed:
    """Write the demo's assessment state (see the module docstring) in one transaction; returns what was written.

    `showcase`: usernames (the demo's logins) whose units are among the finished ones and whose sections' people
    submit summaries first; `summary_budget`: at most this many summaries per period (each is a full draft of the
    person's records: the rest of last quarter's people were graded without one, as the due day allows)."""
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
    featured = set(Person.objects.filter(username__in=list(showcase)).values_list("pk", flat=True))
    with transaction.atomic():
        plan = _Plan(rng=rng, leaders=_Leaders(today, hr), today=today, featured=featured, budget=summary_budget)
        writer = _Writer()
        everyday = _everyday(plan, writer, out, done_share)
        _annual(plan, writer, out)
        out.steps = writer.finish()
        services.notices_close(today=today)
        _reviews(out, rng, everyday, plan.leaders, today)
    out.assessments = Assessment.objects.count()
    out.grades = dict(Counter(Assessment.objects.exclude(grade="").values_list("grade", flat=True)))
    out.seconds = time.perf_counter() - started
    return out


@dataclass
class _Plan:
    """What the demo's steps share: the dice, who acts, today, the featured people, and standards looked up once."""

    rng: random.Random
    leaders: _Leaders
    today: datetime.date
    featured: set[int]
    budget: int
    standards: dict[tuple[str, str], Standard] = field(default_factory=dict)
    notice_ends: dict[tuple[datetime.date, int], datetime.date] = field(default_factory=dict)

    def standard(self, assessment: Assessment) -> Standard:
        key = (assessment.category, assessment.rank_group)
        if key not in self.standards:
            self.standards[key] = standard_for_scope(category=key[0], rank_group=key[1])
        return self.standards[key]

    def notice_end(self, start: datetime.date, days: int) -> datetime.date:
        if (start, days) not in self.notice_ends:
            self.notice_ends[(start, days)] = services.notice_end(start, days)
        return self.notice_ends[(start, days)]

    def writers_of_summaries(self, assessments: list[Assessment], share: float) -> list[Assessment]:
        """Who submits a summary: the featured people's sections first, then a random share, within the budget."""
        sections = {a.section_id for a in assessments if a.person_id in self.featured}
        first = [a for a in assessments if a.section_id in sections]
        rest = [a for a in assessments if a.section_id not in sections and self.rng.random() < share]
        self.rng.shuffle(rest)
        return (first + rest)[: self.budget]


class _Grades:
    """Grades for a unit's people: drawn from the everyday scale, never more of the limited grade than its quota."""

    def __init__(self, plan: _Plan, period: Period, group_sizes: Counter[tuple[int, str]]) -> None:
        self.plan, self.period, self.group_sizes = plan, period, group_sizes
        self.used: Counter[tuple[int, str]] = Counter()
        self.limits: dict[tuple[int, str], tuple[str, int] | None] = {}

    def draw(self, assessment: Assessment) -> str:
        key = (assessment.unit_id, assessment.rank_group)
        if key not in self.limits:
            share = quota.share_for(self.period, assessment.unit_id, assessment.rank_group)
            self.limits[key] = (share[0], math.floor(share[1] * self.group_sizes[key])) if share else None
        grades, weights = zip(*EVERYDAY_GRADES, strict=True)
        grade: str = self.plan.rng.choices(grades, weights=weights)[0]
        limited = self.limits[key]
        if limited and grade == limited[0]:
            if self.used[key] < limited[1]:
                self.used[key] += 1
            else:  # the quota is full: the next grade down
                scale = self.plan.standard(assessment).grades_for(self.period.kind)
                grade = scale[min(scale.index(grade) + 1, len(scale) - 1)]
        return grade


def _everyday(plan: _Plan, writer: _Writer, out: AssessmentSeed, done_share: float) -> Period:
    rng, leaders, today = plan.rng, plan.leaders, plan.today
    start, end = previous_quarter(today)
    summary_due = min(end + datetime.timedelta(days=10), today)
    period = services.period_open(
        actor=leaders.hr, kind=PeriodKind.EVERYDAY, start=start, end=end, summary_due=summary_due
    )
    out.periods += 1
    assessments = list(period.assessments.select_related("person").order_by("unit_id", "section_id", "id"))
    units = sorted({a.unit_id for a in assessments})
    featured_units = {a.unit_id for a in assessments if a.person_id in plan.featured}
    others = [u for u in units if u not in featured_units]
    wanted = max(1, round(len(units) * done_share)) - len(featured_units)
    done_units = featured_units | set(rng.sample(others, max(0, min(wanted, len(others) - 1))))
    # The quarter's steps are dated after it: summaries by the due day, proposals and decisions the days after, 公示
    # once decided — over by today when the calendar leaves room.
    summary_day = min(end + datetime.timedelta(days=5), today)
    decide_day = min(summary_due + datetime.timedelta(days=3), today)
    notice_day = max(decide_day, min(decide_day + datetime.timedelta(days=2), today - datetime.timedelta(days=14)))
    submitting = plan.writers_of_summaries(assessments, SUMMARY_SHARE)
    drafts = drafts_for([a.person_id for a in submitting], start, end)
    for a in submitting:
        body = drafts.get(a.person_id, "")
        if len(body) >= services.SUMMARY_MIN:
            writer.summary(a, body, at(summary_day, datetime.time(16, rng.randrange(60))))
            out.summaries += 1
    grades = _Grades(plan, period, Counter((a.unit_id, a.rank_group) for a in assessments))
    waiting: set[int] = set()
    for a in assessments:
        if a.unit_id not in done_units:
            continue
        proposer = leaders.proposer(a)
        if proposer is None:  # nobody above them in post: the unit waits, as a real one would
            waiting.add(a.unit_id)
            continue
        grade = "" if a.is_probationer else grades.draw(a)
        reason = REASONS[grade]
        a.state = State.PROPOSED
        writer.step(a, StepKind.PROPOSAL, proposer, at(decide_day, datetime.time(10)), grade=grade, reason=reason)
        a.state, a.grade, a.decided_on = State.DECIDED, grade, decide_day
        decider = leaders.decider(a)
        writer.step(a, StepKind.DECISION, decider, at(decide_day, datetime.time(15)), grade=grade, reason=reason)
        out.decided += 1
    noticed = [a for a in assessments if a.unit_id in done_units - waiting]
    for a in noticed:
        days = plan.standard(a).notice_working_days
        a.noticed_from, a.noticed_until, a.state = notice_day, plan.notice_end(notice_day, days), State.NOTICED
        writer.step(
            a,
            StepKind.NOTICE,
            leaders.decider(a),
            at(notice_day, datetime.time(9)),
            grade=a.grade,
            extra={"from": notice_day.isoformat(), "until": a.noticed_until.isoformat(), "working_days": days},
        )
    out.noticed_units = len(done_units - waiting)
    for a in noticed:
        if a.grade in ("好", "较好") and rng.random() < SIGNED_SHARE:
            sign_day = min(a.noticed_until or today, today)
            moment = at(sign_day, datetime.time(11))
            writer.step(a, StepKind.ACKNOWLEDGEMENT, a.person, moment, grade=a.grade, reason="同意")
            out.acknowledged += 1
    return period


def _reviews(out: AssessmentSeed, rng: random.Random, period: Period, leaders: _Leaders, today: datetime.date) -> None:
    """Three 复核 through the services, two decided, the first then appealed (申诉) — over last quarter's results."""
    # 复核 is asked by people without the better grades who have not signed (then by unsigned 较好 in a small world).
    unsigned = (
        Assessment.objects.filter(period=period, noticed_until__isnull=False)
        .exclude(steps__kind=StepKind.ACKNOWLEDGEMENT)
        .select_related("period", "person")
        .order_by("id")
    )
    candidates = list(unsigned.filter(grade__in=["一般", "较差"]))
    if len(candidates) < REVIEWS:
        pool = list(unsigned.filter(grade="较好"))
        candidates += rng.sample(pool, min(REVIEWS - len(candidates), len(pool)))
    reviewing = rng.sample(candidates, min(REVIEWS, len(candidates)))
    for index, assessment in enumerate(reviewing):
        known = assessment.noticed_until or today
        ask_day = min(known + datetime.timedelta(days=3), today)
        answer_day = min(ask_day + datetime.timedelta(days=7), today)
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
            actor=leaders.decider(assessment),
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
                today=min(answer_day + datetime.timedelta(days=5), today),
            )
            out.appeals += 1


def _annual(plan: _Plan, writer: _Writer, out: AssessmentSeed) -> None:
    today, rng = plan.today, plan.rng
    start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    period = services.period_open(
        actor=plan.leaders.hr,
        kind=PeriodKind.ANNUAL,
        start=start,
        end=end,
        summary_due=datetime.date(today.year + 1, 1, 15),
    )
    out.periods += 1
    assessments = list(period.assessments.select_related("person").order_by("id"))
    chosen = plan.writers_of_summaries(assessments, ANNUAL_SUMMARY_SHARE)
    drafts = drafts_for([a.person_id for a in chosen], start, end)
    for a in chosen:
        body = drafts.get(a.person_id, "")
        if len(body) >= services.SUMMARY_MIN:
            day = max(start, today - datetime.timedelta(days=1 + rng.randrange(10)))
            writer.summary(a, body, at(day, datetime.time(9 + rng.randrange(8), rng.randrange(60))))
            out.summaries += 1
