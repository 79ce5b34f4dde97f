"""The demo world's assessment on the tiny scale: last quarter done for most units, this year's cycle open, a few
复核 and one 申诉 — every step with its audit event as the services write it, the chain still verifying."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from jishi.assessment import rules, services
from jishi.assessment.demo import build_demo, drafts_for, previous_quarter
from jishi.assessment.models import Assessment, Period, PeriodKind, State, Step, StepKind
from jishi.assessment.quota import statuses
from jishi.core.models import AuditEvent
from jishi.demo.world import build_world
from jishi.integrity.verification import verify
from jishi.org.models import Person
from jishi.summaries.drafting import draft_from_records

# The tiny world's records from September to 20 November 2026: last quarter (Q3) has a month of them. The world's
# build (jishi.demo.world) calls build_demo itself, on the day after its last.
TODAY = datetime.date(2026, 11, 21)


def test_previous_quarter() -> None:
    assert previous_quarter(datetime.date(2026, 12, 7)) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert previous_quarter(datetime.date(2027, 1, 3)) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))


@pytest.fixture
def world(db: None) -> None:
    build_world(scale="tiny", seed=7, start=datetime.date(2026, 9, 1), end=datetime.date(2026, 11, 20))


def test_the_tiny_world_gets_a_believable_assessment_state(world: None) -> None:
    everyday = Period.objects.get(kind=PeriodKind.EVERYDAY)
    annual = Period.objects.get(kind=PeriodKind.ANNUAL)
    assert (everyday.start, everyday.end) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert (annual.start, annual.end) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

    last_quarter = Assessment.objects.filter(period=everyday)
    units = set(last_quarter.values_list("unit_id", flat=True))
    finished = {u for u in units if not last_quarter.filter(unit_id=u, noticed_until__isnull=True).exists()}
    assert len(finished) >= len(units) * 0.6 and finished != units  # most units done, not all
    assert not last_quarter.filter(state=State.NOTICED).exists()  # every 公示 is over
    assert last_quarter.filter(state=State.FINAL).count() > 10
    for unit in finished:
        for group in statuses(everyday, unit).values():
            assert not group.limited or group.used <= group.limit
    waiting = last_quarter.exclude(unit_id__in=finished)
    assert waiting.filter(state=State.SUBMITTED).exists() and not waiting.exclude(grade="").exists()
    kinds = Counter(Step.objects.values_list("kind", flat=True))
    assert (kinds[StepKind.REVIEW_REQUEST], kinds[StepKind.REVIEW_DECISION], kinds[StepKind.APPEAL]) == (3, 2, 1)
    assert last_quarter.filter(state=State.APPEAL).count() == 1
    assert last_quarter.filter(state=State.REVIEW).count() == 1

    in_annual = Assessment.objects.filter(period=annual)
    submitted = in_annual.filter(state=State.SUBMITTED).count()
    assert 0 < submitted < in_annual.count()
    assert not in_annual.exclude(state__in=[State.OPEN, State.SUBMITTED]).exists()

    # Every step has the audit event the services write — the set-based ones the same data as a service's — and
    # the chain verifies.
    steps = AuditEvent.objects.filter(verb__startswith="assessment.").exclude(verb__startswith="assessment.period")
    assert steps.count() == Step.objects.count()
    assert AuditEvent.objects.filter(verb="integrity.load", data__source="demo.assessment").count() == 1
    bulk = steps.filter(verb="assessment.decision").order_by("id").first()
    by_service = steps.filter(verb="assessment.review_decision").order_by("id").first()
    assert bulk is not None and by_service is not None
    assert set(bulk.data) == set(by_service.data)
    step = Step.objects.get(pk=bulk.data["step"])
    assert (step.grade, step.reason, str(step.assessment_id)) == (
        bulk.data["grade"],
        bulk.data["reason"],
        bulk.target_id,
    )
    # Each step's actor is one the rules allow (the demo picks them from org's superiors without asking).
    for step in Step.objects.filter(kind__in=[StepKind.PROPOSAL, StepKind.DECISION, StepKind.NOTICE]).select_related(
        "assessment", "actor"
    ):
        allowed = rules.can_propose if step.kind == StepKind.PROPOSAL else rules.can_decide
        assert allowed(step.actor, step.assessment), (step.kind, step.actor, step.assessment)
    staff = Assessment.objects.get(period=everyday, person__username="staff")
    assert staff.summaries.exists() and staff.state in (State.FINAL, State.REVIEW, State.APPEAL)
    report = verify()
    assert report.ok, [p.line() for p in report.problems[:5]]

    assert build_demo(today=TODAY).notes  # a second run writes nothing
    assert Period.objects.count() == 2


def test_the_summaries_are_the_drafts_the_person_would_get(world: None) -> None:
    start, end = previous_quarter(TODAY)
    people = list(Person.objects.filter(records__date__gte=start, records__date__lte=end).distinct()[:8])
    texts = drafts_for([p.pk for p in people], start, end)
    assert len(texts) == len(people) > 3
    for person in people:
        assert texts[person.pk] == draft_from_records(person=person, start=start, end=end).text()


def test_services_carry_on_from_the_demo_state(world: None) -> None:
    signed = Assessment.objects.filter(state=State.FINAL, steps__kind=StepKind.ACKNOWLEDGEMENT).first()
    assert signed is not None
    with pytest.raises(services.ValidationError, match="已签署过意见"):
        services.acknowledge(person=signed.person, assessment=signed, text="同意", today=TODAY)
