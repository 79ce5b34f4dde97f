"""Exports of the assessment (考核): the Excel roll of one assessing unit for a period, and the data of the printable
page of one person's assessment.

The roll is for those who decide the unit's grades — its principal head (正职) and HR in scope (rules.can_decide_unit)
— anyone else gets a 404, as for a unit that does not exist. The printable page is for whoever may see the assessment
(selectors.assessment_for), and its evidence pack is the reader's (evidence_for narrows it again to what they may
read). Text goes into cells as text, never as a formula (core.tables.xlsx_row).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.assessment import rules
from jishi.assessment.evidence import Evidence, evidence_for
from jishi.assessment.models import GRADE_SETTING, Assessment, Period, RankGroup, State, Step, StepKind
from jishi.assessment.selectors import assessment_for
from jishi.assessment.services import appeal_deadline, effective_state, review_deadline
from jishi.assessment.standards import standard_for
from jishi.core.tables import xlsx_row
from jishi.org.calendar import local_today
from jishi.org.models import PersonCategory, Unit

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RollRow:
    """One person's line on a unit's roll."""

    assessment_id: int
    person_name: str
    employee_number: str
    section_name: str
    rank_group: str  # label: 处级 / 科级 / 科员及以下
    category: str  # label: 公务员 / 参公 / 事业 / 社工
    is_probationer: bool
    proposed_grade: str
    proposal_reason: str
    decided_grade: str
    decision_reason: str
    noticed_from: datetime.date | None
    noticed_until: datetime.date | None
    state: str  # label of the state as of today
    review_appeal: str  # 复核/申诉 in words ("" when neither)
    acknowledged: str  # the person's signed opinion ("" when not yet)


@dataclass
class Roll:
    """A unit's roll for a period (名册): every assessed person, the proposal, the decision, 公示 and 复核/申诉."""

    period: Period
    unit: Unit
    rows: list[RollRow] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"jishi-assessment-{self.period.start:%Y%m%d}-{self.unit.code}.xlsx"


COLUMNS = [
    gettext_lazy("姓名"),
    gettext_lazy("工号"),
    gettext_lazy("科室"),
    gettext_lazy("职级组"),
    gettext_lazy("人员类别"),
    gettext_lazy("试用期"),
    gettext_lazy("建议等次"),
    gettext_lazy("建议理由"),
    gettext_lazy("确定等次"),
    gettext_lazy("确定理由"),
    gettext_lazy("公示开始"),
    gettext_lazy("公示结束"),
    gettext_lazy("状态"),
    gettext_lazy("复核/申诉"),
    gettext_lazy("本人意见"),
]


def _category_label(value: str) -> str:
    return str(PersonCategory(value).label) if value in PersonCategory.values else value


def _review_appeal(steps: list[Step]) -> str:
    """复核/申诉 in words from the steps, oldest first: what was asked and what was decided."""
    parts: list[str] = []
    for step in steps:
        if step.kind == StepKind.REVIEW_REQUEST:
            parts.append(_("已申请复核"))
        elif step.kind == StepKind.REVIEW_DECISION:
            parts.append(_("复核决定：%(grade)s") % {"grade": step.grade or _("评语")})
        elif step.kind == StepKind.APPEAL:
            parts.append(_("已提出申诉"))
        elif step.kind == StepKind.APPEAL_DECISION:
            parts.append(_("申诉处理决定：%(grade)s") % {"grade": step.grade or _("评语")})
    return "；".join(parts)


def unit_roll(*, user: Any, period: Period, unit: Unit, today: datetime.date | None = None) -> Roll:
    """The roll of `unit` in `period` for its deciders and HR in scope; Http404 for anyone else."""
    if not rules.can_decide_unit(user, unit.pk):
        raise Http404(_("没有找到该单位的考核，或您无权查看。"))
    day = today or local_today()
    assessments = list(
        Assessment.objects.filter(period=period, unit=unit)
        .select_related("person", "section")
        .order_by("section__path", "rank_group", "person_id")
    )
    steps: dict[int, list[Step]] = {a.pk: [] for a in assessments}
    for step in Step.objects.filter(assessment__in=assessments).order_by("created_at", "id"):
        steps[step.assessment_id].append(step)
    roll = Roll(period=period, unit=unit)
    for a in assessments:
        history = steps[a.pk]
        proposal = next((s for s in reversed(history) if s.kind == StepKind.PROPOSAL), None)
        decision = next((s for s in reversed(history) if s.kind in GRADE_SETTING), None)
        signed = next((s for s in history if s.kind == StepKind.ACKNOWLEDGEMENT), None)
        roll.rows.append(
            RollRow(
                assessment_id=a.pk,
                person_name=a.person.full_name,
                employee_number=a.person.employee_number or "",
                section_name=a.section.name,
                rank_group=str(RankGroup(a.rank_group).label) if a.rank_group in RankGroup.values else a.rank_group,
                category=_category_label(a.category),
                is_probationer=a.is_probationer,
                proposed_grade=proposal.grade if proposal else "",
                proposal_reason=proposal.reason if proposal else "",
                decided_grade=a.grade,
                decision_reason=decision.reason if decision else "",
                noticed_from=a.noticed_from,
                noticed_until=a.noticed_until,
                state=str(State(effective_state(a, day)).label),
                review_appeal=_review_appeal(history),
                acknowledged=signed.reason if signed else "",
            )
        )
    return roll


def roll_xlsx(roll: Roll) -> bytes:
    """The roll as an Excel workbook (one sheet, a header row, one row per person)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("考核名册"))
    sheet.append(xlsx_row(sheet, [f"{roll.period.name} · {roll.unit.name}"]))
    sheet.append(xlsx_row(sheet, [str(c) for c in COLUMNS]))
    yes, no = _("是"), _("否")
    for r in roll.rows:
        values = [
            r.person_name,
            r.employee_number,
            r.section_name,
            r.rank_group,
            r.category,
            yes if r.is_probationer else no,
            r.proposed_grade,
            r.proposal_reason,
            r.decided_grade,
            r.decision_reason,
            r.noticed_from,
            r.noticed_until,
            r.state,
            r.review_appeal,
            r.acknowledged,
        ]
        sheet.append(xlsx_row(sheet, values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def unit_roll_xlsx(*, user: Any, period: Period, unit: Unit, today: datetime.date | None = None) -> tuple[str, bytes]:
    """(file name, workbook bytes) of a unit's roll; Http404 for a reader who may not export it."""
    roll = unit_roll(user=user, period=period, unit=unit, today=today)
    return roll.filename, roll_xlsx(roll)


@dataclass
class PrintablePage:
    """Everything the printable page (打印页) of one assessment shows: the person and period, the summary, the grade
    with every step and reason, the 公示, the person's signed opinion, the windows for 复核/申诉, and the evidence."""

    assessment: Assessment
    person_name: str
    unit_name: str
    section_name: str
    rank_group: str
    category: str
    period_name: str
    start: datetime.date
    end: datetime.date
    state: str
    grade: str
    summary: str
    summary_submitted_at: datetime.datetime | None
    steps: list[Step]
    acknowledgement: str
    noticed_from: datetime.date | None
    noticed_until: datetime.date | None
    review_deadline: datetime.date | None
    appeal_deadline: datetime.date | None
    evidence: Evidence
    printed_on: datetime.date


def printable_page(*, user: Any, pk: int, today: datetime.date | None = None) -> PrintablePage:
    """The printable page of assessment `pk` as `user` may see it (Http404 when hidden or missing)."""
    day = today or local_today()
    assessment = assessment_for(user, pk)
    steps = list(assessment.steps.select_related("actor").order_by("created_at", "id"))
    summary = assessment.summaries.order_by("-version").first()
    signed = next((s for s in steps if s.kind == StepKind.ACKNOWLEDGEMENT), None)
    return PrintablePage(
        assessment=assessment,
        person_name=assessment.person.full_name,
        unit_name=assessment.unit.name,
        section_name=assessment.section.name,
        rank_group=str(RankGroup(assessment.rank_group).label),
        category=_category_label(assessment.category),
        period_name=assessment.period.name,
        start=assessment.period.start,
        end=assessment.period.end,
        state=str(State(effective_state(assessment, day)).label),
        grade=assessment.grade,
        summary=summary.body if summary else "",
        summary_submitted_at=summary.submitted_at if summary else None,
        steps=steps,
        acknowledgement=signed.reason if signed else "",
        noticed_from=assessment.noticed_from,
        noticed_until=assessment.noticed_until,
        review_deadline=review_deadline(assessment),
        appeal_deadline=appeal_deadline(assessment),
        evidence=evidence_for(user=user, assessment=assessment, standard=standard_for(assessment), today=day),
        printed_on=day,
    )
