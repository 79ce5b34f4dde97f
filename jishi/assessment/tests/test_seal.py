"""Every assessment step is sealed in the integrity chain: `jishi verify` passes after a flow, and a step or its event
changed behind Jishi's back is found."""

from __future__ import annotations

import datetime
import json

from django.core.management import call_command
from django.db import connection

from jishi.assessment.models import Assessment, PersonalSummary, Step, StepKind
from jishi.assessment.selectors import unsealed_steps
from jishi.assessment.services import acknowledge, notice_start, review_decide, review_request
from jishi.assessment.tests.helpers import AFTER_Q4, of, open_quarter, take_to_decided
from jishi.core.models import AuditEvent
from jishi.integrity.models import ChainEntry
from jishi.integrity.verification import verify
from jishi.testing import Org

FINANCE = ("author", "colleague", "sibling", "section_head", "deputy_in_charge", "deputy_not_in_charge", "unit_head")


def sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def flow(org: Org):  # type: ignore[no-untyped-def]
    period = open_quarter(org)
    for name in FINANCE:
        take_to_decided(org, of(period, getattr(org, name)), "较好")
    notice_start(actor=org.unit_head, period=period, unit=org.finance, today=AFTER_Q4)
    mine = of(period, org.author)
    acknowledge(person=org.author, assessment=mine, text="有异议", today=AFTER_Q4)
    review_request(person=org.author, assessment=mine, reason="请求复核", today=datetime.date(2027, 1, 11))
    review_decide(
        actor=org.unit_head, assessment=mine, grade="好", reason="经复核改为好", today=datetime.date(2027, 1, 12)
    )
    return mine


def test_each_step_is_sealed_and_verify_passes_after_a_flow(org: Org) -> None:
    mine = flow(org)
    steps = list(mine.steps.all())
    assert [s.kind for s in steps] == [
        StepKind.SUMMARY,
        StepKind.PROPOSAL,
        StepKind.DECISION,
        StepKind.NOTICE,
        StepKind.ACKNOWLEDGEMENT,
        StepKind.REVIEW_REQUEST,
        StepKind.REVIEW_DECISION,
    ]
    events = {
        e.data["step"]: e for e in AuditEvent.objects.filter(verb__startswith="assessment.", data__has_key="step")
    }
    sealed = set(ChainEntry.objects.filter(kind="event").values_list("object_id", flat=True))
    for step in Step.objects.all():
        assert events[step.pk].pk in sealed  # the event that carries the step is in the chain
    assert unsealed_steps(mine) == []
    report = verify()
    assert report.ok, [p.line() for p in report.problems]
    call_command("verify")  # `jishi verify`, as an operator runs it


def test_a_step_or_its_event_changed_by_sql_is_found(org: Org) -> None:
    mine = flow(org)
    decision = mine.steps.get(kind=StepKind.REVIEW_DECISION)
    sql(f"UPDATE {Step._meta.db_table} SET grade = %s WHERE id = %s", ["较差", decision.pk])
    assert [s.pk for s in unsealed_steps(mine)] == [decision.pk]
    event = AuditEvent.objects.get(verb="assessment.review_decision")
    data = dict(event.data, grade="较差")
    sql(f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s", [json.dumps(data), event.pk])
    report = verify()
    assert not report.ok and any(p.object_id == event.pk for p in report.problems)


def test_verify_finds_steps_grades_and_summaries_changed_behind_the_services(org: Org) -> None:
    mine = flow(org)
    other = of(mine.period, org.colleague)
    assert verify().ok
    decision = mine.steps.get(kind=StepKind.DECISION)
    Step.objects.filter(pk=decision.pk).update(grade="好", reason="改过的理由")
    Assessment.objects.filter(pk=other.pk).update(grade="好")
    PersonalSummary.objects.filter(assessment=other).update(body="事后改写的总结")
    proposal = other.steps.get(kind=StepKind.PROPOSAL)
    Step.objects.filter(pk=proposal.pk).delete()
    forged = Step.objects.create(
        assessment=other,
        kind=StepKind.COMMENT,
        actor=org.unit_head,
        reason="补写的评语",
        created_at=decision.created_at,
    )
    report = verify()
    found = {(p.what, p.kind, p.object_id) for p in report.problems}
    assert found == {
        ("changed", "assessment_step", decision.pk),
        ("changed", "assessment", other.pk),
        ("changed", "assessment_summary", other.summaries.get().pk),
        ("deleted", "assessment_step", proposal.pk),
        ("inserted", "assessment_step", forged.pk),
    }
    lines = "\n".join(p.line() for p in report.problems)
    assert (
        f"[改动] 考核过程 #{decision.pk}（" in lines and f"考核 #{mine.pk} 的“确定等次”的等次、理由与审计事件" in lines
    )
    assert f"[改动] 考核 #{other.pk}" in lines and f"[删除] 考核过程 #{proposal.pk}" in lines
    assert "改过的理由" not in lines and "事后改写" not in lines  # the report never quotes what it guards


def test_the_grade_alone_changed_is_found(org: Org) -> None:
    mine = flow(org)
    Assessment.objects.filter(pk=mine.pk).update(grade="较差")
    report = verify()
    assert [(p.what, p.kind, p.object_id) for p in report.problems] == [("changed", "assessment", mine.pk)]
    assert report.problems[0].when  # by the time of the step whose grade counts
