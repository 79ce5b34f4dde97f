"""The demo world's assessment on the tiny scale: last quarter done for most units, this year's cycle open, a few
复核 and one 申诉 — every step a Step with its audit event, the chain still verifying."""

from __future__ import annotations

import datetime

import pytest

from jishi.assessment.demo import build_demo, previous_quarter
from jishi.assessment.models import Assessment, Period, PeriodKind, State, Step, StepKind
from jishi.assessment.quota import statuses
from jishi.core.models import AuditEvent
from jishi.demo.world import build_world
from jishi.integrity.verification import verify

TODAY = datetime.date(2026, 12, 7)


def test_previous_quarter() -> None:
    assert previous_quarter(datetime.date(2026, 12, 7)) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert previous_quarter(datetime.date(2027, 1, 3)) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))


@pytest.mark.django_db
def test_the_tiny_world_gets_a_believable_assessment_state() -> None:
    build_world(scale="tiny", seed=7, today=TODAY)
    seed = build_demo(today=TODAY)
    everyday = Period.objects.get(kind=PeriodKind.EVERYDAY)
    annual = Period.objects.get(kind=PeriodKind.ANNUAL)
    assert (everyday.start, everyday.end) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert (annual.start, annual.end) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

    last_quarter = Assessment.objects.filter(period=everyday)
    units = set(last_quarter.values_list("unit_id", flat=True))
    finished = {u for u in units if not last_quarter.filter(unit_id=u, noticed_until__isnull=True).exists()}
    assert len(finished) >= len(units) * 0.6 and finished != units  # most units done, not all
    assert last_quarter.filter(noticed_until__lt=TODAY, state=State.NOTICED).count() == 0  # 公示 over
    for unit in finished:
        for group in statuses(everyday, unit).values():
            assert not group.limited or group.used <= group.limit
    assert seed.reviews == 3 and seed.appeals == 1
    assert last_quarter.filter(state=State.APPEAL).count() == 1
    assert last_quarter.filter(state=State.REVIEW).count() == 1
    assert Step.objects.filter(kind=StepKind.REVIEW_DECISION).count() == 2

    in_annual = Assessment.objects.filter(period=annual)
    submitted = in_annual.filter(state=State.SUBMITTED).count()
    assert 0 < submitted < in_annual.count()
    assert in_annual.exclude(state__in=[State.OPEN, State.SUBMITTED]).count() == 0

    # Every step is a service's: one audit event each, and the chain verifies.
    assert (
        AuditEvent.objects.filter(verb__startswith="assessment.").exclude(verb__startswith="assessment.period").count()
        == Step.objects.count()
    )
    report = verify()
    assert report.ok, [p.line() for p in report.problems[:5]]
    assert build_demo(today=TODAY).notes  # a second run writes nothing
    assert Period.objects.count() == 2
