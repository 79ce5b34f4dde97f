"""The dossier (干部实绩档案) across periods and years, as the person, their leaders, HR and outsiders meet it."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404

from jishi.assessment import services
from jishi.assessment.dossier import dossier_for
from jishi.assessment.models import Assessment, Period, PeriodKind, StepKind
from jishi.testing import Org

Q3 = (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
YEAR_2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


def open_period(org: Org, kind: str, start: datetime.date, end: datetime.date) -> Period:
    return services.period_open(
        actor=org.hr, kind=kind, start=start, end=end, summary_due=end + datetime.timedelta(days=10)
    )


def decide(org: Org, period: Period, grade: str, reason: str) -> Assessment:
    """The author's assessment of `period` through summary, proposal and decision."""
    assessment = Assessment.objects.get(period=period, person=org.author)
    day = period.end + datetime.timedelta(days=5)
    services.summary_submit(
        person=org.author, assessment=assessment, body="一、部门预算编制和执行：完成三个街镇预算审核。", today=day
    )
    services.grade_propose(actor=org.section_head, assessment=assessment, grade=grade, reason=reason, today=day)
    services.grade_decide(actor=org.unit_head, assessment=assessment, grade=grade, reason=reason, today=day)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def periods(org: Org) -> dict[str, Assessment]:
    annual = open_period(org, PeriodKind.ANNUAL, *YEAR_2025)
    everyday = open_period(org, PeriodKind.EVERYDAY, *Q3)
    return {
        "annual": decide(org, annual, "称职", "全年预算审核按时完成，结果有记实可查。"),
        "everyday": decide(org, everyday, "较好", "季度内预算调整审核及时，个别督办事项进度偏慢。"),
    }


def test_the_person_sees_every_period_with_grades_reasons_steps_and_summary(
    org: Org, periods: dict[str, Assessment]
) -> None:
    dossier = dossier_for(user=org.author, person=org.author)
    assert [y.year for y in dossier.years] == [2026, 2025]
    latest, earlier = dossier.years
    assert latest.annual is None and [e.grade for e in latest.everyday] == ["较好"]
    assert earlier.annual is not None and earlier.annual.grade == "称职"
    entry = latest.everyday[0]
    assert entry.period_name == "2026年第三季度平时考核"
    assert [s.kind for s in entry.steps] == [StepKind.SUMMARY, StepKind.PROPOSAL, StepKind.DECISION]
    assert [(s.actor_name, s.reason) for s in entry.reasons] == [
        ("刘洋", "季度内预算调整审核及时，个别督办事项进度偏慢。"),
        ("赵强", "季度内预算调整审核及时，个别督办事项进度偏慢。"),
    ]
    assert entry.summary is not None and entry.summary.body.startswith("一、部门预算编制和执行")
    assert entry.records_url == f"/records/?author={org.author.pk}&date_from=2026-07-01&date_to=2026-09-30"
    assert [e.assessment_id for e in dossier.entries] == [periods["everyday"].pk, periods["annual"].pk]


def test_leaders_and_hr_see_it_and_nobody_else_does(org: Org, periods: dict[str, Assessment]) -> None:
    for reader in (org.section_head, org.deputy_in_charge, org.unit_head, org.hr):
        assert len(dossier_for(user=reader, person=org.author).entries) == 2
    for outsider in (org.colleague, org.sibling, org.unrelated, org.civil_head, org.admin):
        with pytest.raises(Http404):
            dossier_for(user=outsider, person=org.author)
    with pytest.raises(Http404):
        dossier_for(user=org.section_head, person=999_999)  # a missing person looks the same


def test_before_any_period_the_person_sees_an_empty_dossier_and_others_a_404(org: Org) -> None:
    own = dossier_for(user=org.author, person=org.author.pk)
    assert own.is_empty and own.person == org.author
    with pytest.raises(Http404):
        dossier_for(user=org.section_head, person=org.author)
