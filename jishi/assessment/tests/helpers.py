"""Shared set-ups for the assessment tests: periods opened by HR, people taken through the flow."""

from __future__ import annotations

import datetime

from jishi.assessment.models import Assessment, Period, PeriodKind, State
from jishi.assessment.services import grade_decide, grade_propose, period_open, summary_submit
from jishi.org.models import Person
from jishi.testing import Org, PersonFactory, make_post

Q4_START = datetime.date(2026, 10, 1)
Q4_END = datetime.date(2026, 12, 31)
AFTER_Q4 = datetime.date(2027, 1, 4)  # a Monday
YEAR_START = datetime.date(2026, 1, 1)
YEAR_END = datetime.date(2026, 12, 31)

SUMMARY = "本季度主要做了部门预算编制和执行分析，按时完成了三项督办事项。"
REASON = "本季度按时完成预算编制，督办事项全部按期办结，记实完整。"


def open_quarter(org: Org, **kwargs: object) -> Period:
    return period_open(actor=org.hr, kind=PeriodKind.EVERYDAY, start=Q4_START, end=Q4_END, **kwargs)  # type: ignore[arg-type]


def open_year(org: Org, **kwargs: object) -> Period:
    return period_open(actor=org.hr, kind=PeriodKind.ANNUAL, start=YEAR_START, end=YEAR_END, **kwargs)  # type: ignore[arg-type]


def of(period: Period, person: Person) -> Assessment:
    return Assessment.objects.select_related("period").get(period=period, person=person)


def proposer_for(org: Org, assessment: Assessment) -> Person:
    """A superior who may propose: the bureau head, or HR's district deputy for the head themself."""
    return org.district_deputy if assessment.person_id == org.unit_head.pk else org.unit_head


def decider_for(org: Org, assessment: Assessment) -> Person:
    return org.hr if assessment.person_id == org.unit_head.pk else org.unit_head


def take_to_decided(org: Org, assessment: Assessment, grade: str, *, today: datetime.date = AFTER_Q4) -> Assessment:
    """Summary, proposal and decision of one person (everyone decided, so the unit's 公示 may start)."""
    if assessment.state == State.OPEN:
        summary_submit(person=assessment.person, assessment=assessment, body=SUMMARY, today=today)
    if assessment.state in (State.OPEN, State.SUBMITTED):
        grade_propose(
            actor=proposer_for(org, assessment), assessment=assessment, grade=grade, reason=REASON, today=today
        )
    grade_decide(actor=decider_for(org, assessment), assessment=assessment, grade=grade, reason=REASON, today=today)
    assessment.refresh_from_db()
    return assessment


def more_staff(org: Org, count: int) -> list[Person]:
    """More 科员 in 预算科, to make a rank group big enough for a quota."""
    people = [PersonFactory(full_name=f"科员{i}", username=f"staff{i}") for i in range(count)]
    for person in people:
        make_post(person, org.budget)
    return people
