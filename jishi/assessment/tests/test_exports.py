"""The unit's Excel roll and the printable page of one assessment: what they hold, and who may not have them."""

from __future__ import annotations

import datetime
import io

import pytest
from django.http import Http404
from openpyxl import load_workbook

from jishi.assessment import services
from jishi.assessment.exports import printable_page, unit_roll, unit_roll_xlsx
from jishi.assessment.models import Assessment, Period, PeriodKind, State
from jishi.testing import Org

START, END = datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)
DAY = datetime.date(2026, 10, 12)


@pytest.fixture
def period(org: Org) -> Period:
    """Q3 for 区财政局 decided, noticed and over; the author asked for 复核 and had it decided."""
    period = services.period_open(
        actor=org.hr, kind=PeriodKind.EVERYDAY, start=START, end=END, summary_due=DAY - datetime.timedelta(days=2)
    )
    for assessment in Assessment.objects.filter(period=period, unit=org.finance).select_related("person"):
        grade = "较好" if assessment.person == org.author else "好"
        reason = '=HYPERLINK("http://x")' if assessment.person == org.colleague else "职责范围内工作有结果可查。"
        proposer = org.section_head if assessment.section_id == org.budget.pk else org.unit_head
        if assessment.person in (org.section_head, org.unit_head, org.deputy_in_charge, org.deputy_not_in_charge):
            proposer = org.district_deputy
        services.grade_propose(actor=proposer, assessment=assessment, grade=grade, reason=reason, today=DAY)
        services.grade_decide(actor=org.hr, assessment=assessment, grade=grade, reason=reason, today=DAY)
    services.notice_start(actor=org.unit_head, period=period, unit=org.finance, start=DAY, today=DAY)
    mine = Assessment.objects.get(period=period, person=org.author)
    later = DAY + datetime.timedelta(days=10)
    services.review_request(person=org.author, assessment=mine, reason="督办事项均按时办结，请求复核。", today=later)
    services.review_decide(actor=org.unit_head, assessment=mine, grade="较好", reason="维持原等次。", today=later)
    return period


def test_the_roll_lists_each_person_with_proposal_decision_notice_and_review(org: Org, period: Period) -> None:
    roll = unit_roll(user=org.hr, period=period, unit=org.finance, today=DAY + datetime.timedelta(days=20))
    rows = {r.person_name: r for r in roll.rows}
    assert "张伟" in rows and "徐丽" not in rows  # 民政局's people are not on 财政局's roll
    mine = rows["张伟"]
    assert (mine.section_name, mine.rank_group, mine.category) == ("预算科", "科员及以下", "公务员")
    assert (mine.proposed_grade, mine.decided_grade, mine.decision_reason) == ("较好", "较好", "维持原等次。")
    assert mine.noticed_from == DAY and mine.noticed_until is not None
    assert mine.review_appeal == "已申请复核；复核决定：较好"
    assert mine.state == State.FINAL.label


def test_the_workbook_keeps_text_as_text(org: Org, period: Period) -> None:
    name, data = unit_roll_xlsx(user=org.unit_head, period=period, unit=org.finance)
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "2026年第三季度平时考核 · 区财政局"
    assert lines[1][:3] == ("姓名", "工号", "科室")
    colleague = next(line for line in lines if line[0] == "李娜")
    assert colleague[7] == '=HYPERLINK("http://x")'  # a reason starting with "=" is a string, not a live formula
    cell = next(row for row in sheet.iter_rows() if row[0].value == "李娜")[7]
    assert cell.data_type == "s"


@pytest.mark.parametrize(
    "who", ["author", "colleague", "section_head", "deputy_in_charge", "civil_head", "inspector", "admin", "unrelated"]
)
def test_only_the_units_head_and_hr_export_the_roll(org: Org, period: Period, who: str) -> None:
    with pytest.raises(Http404):
        unit_roll_xlsx(user=getattr(org, who), period=period, unit=org.finance)


def test_the_printable_page_is_the_assessment_as_its_reader_may_see_it(org: Org, period: Period) -> None:
    mine = Assessment.objects.get(period=period, person=org.author)
    page = printable_page(user=org.author, pk=mine.pk, today=DAY + datetime.timedelta(days=20))
    assert (page.person_name, page.unit_name, page.grade) == ("张伟", "区财政局", "较好")
    assert [s.kind for s in page.steps][-2:] == ["review_request", "review_decision"]
    assert page.appeal_deadline == DAY + datetime.timedelta(days=10 + 15)
    assert page.evidence.person == org.author and page.evidence.start == START
    assert not page.evidence.findings_readable  # the person's own page: insights never shows them their findings
    for outsider in (org.colleague, org.unrelated, org.admin):
        with pytest.raises(Http404):
            printable_page(user=outsider, pk=mine.pk)
    with pytest.raises(Http404):
        printable_page(user=org.hr, pk=999_999)
