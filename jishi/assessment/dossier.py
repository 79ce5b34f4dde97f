"""The dossier (干部实绩档案) of one person across periods and years: grades, reasons, steps, summaries, evidence links.

It holds the assessments `user` may see (`Assessment.objects.visible_to(user)`, rules.py): the person sees all of
their own, an assessor the ones in their scope, HR within its scope. Someone who may see none of the person's
assessments gets a 404, as for a person who does not exist. The evidence itself is not copied into the dossier: each
period links to its assessment page (the evidence pack, narrowed again to what the reader may read) and to the
person's records of the period (the record list, through visible_to like every list).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from jishi.assessment.models import Assessment, PeriodKind, PersonalSummary, State, Step
from jishi.assessment.services import effective_state
from jishi.insights.findings import person_records_link
from jishi.org.models import Person


@dataclass(frozen=True)
class StepLine:
    """One step of an assessment's history, as the person's history shows it."""

    kind: str  # models.StepKind
    kind_label: str
    actor_name: str
    grade: str
    reason: str
    created_at: datetime.datetime


@dataclass(frozen=True)
class SummaryLine:
    """The person's latest submitted summary (个人总结) of a period."""

    body: str
    version: int
    submitted_at: datetime.datetime


@dataclass
class DossierEntry:
    """One period of the dossier: the grade ("" until decided), the state, the history, the links to the evidence."""

    assessment_id: int
    period_name: str
    kind: str  # models.PeriodKind
    kind_label: str
    start: datetime.date
    end: datetime.date
    unit_name: str
    section_name: str
    grade: str
    state: str
    state_label: str
    is_probationer: bool
    noticed_from: datetime.date | None
    noticed_until: datetime.date | None
    steps: list[StepLine] = field(default_factory=list)
    summary: SummaryLine | None = None
    records_url: str = ""  # the person's records of the period, as the reader may read them

    @property
    def year(self) -> int:
        return self.end.year

    @property
    def reasons(self) -> list[StepLine]:
        """The steps that carry a written reason (proposals, decisions, reviews, appeals, comments)."""
        return [s for s in self.steps if s.reason]

    @property
    def evidence_url(self) -> str:
        """The assessment's page, where the evidence pack is shown ("" before the pages are installed)."""
        try:
            return reverse("assessment:detail", args=[self.assessment_id])
        except NoReverseMatch:
            return ""


@dataclass
class DossierYear:
    """A year of the dossier: its annual assessment (if any) and its everyday (quarterly) ones, oldest first."""

    year: int
    annual: DossierEntry | None = None
    everyday: list[DossierEntry] = field(default_factory=list)


@dataclass
class Dossier:
    """干部实绩档案 — `person`'s assessments that the reader may see, newest year first."""

    person: Person
    years: list[DossierYear]

    @property
    def entries(self) -> list[DossierEntry]:
        """Every entry, newest period first."""
        out = [e for y in self.years for e in ([y.annual] if y.annual else []) + list(reversed(y.everyday))]
        return sorted(out, key=lambda e: (e.end, e.kind == PeriodKind.ANNUAL), reverse=True)

    @property
    def is_empty(self) -> bool:
        return not self.years


def dossier_for(*, user: Any, person: Person | int) -> Dossier:
    """The dossier of `person` (a Person or its id) as `user` may see it; a 404 when `user` may see none of the
    person's assessments (the person themselves always gets theirs, empty before their first period)."""
    person_id = person if isinstance(person, int) else person.pk
    assessments = list(
        Assessment.objects.visible_to(user)
        .filter(person_id=person_id)
        .select_related("period", "unit", "section", "person")
        .prefetch_related(
            Prefetch("steps", queryset=Step.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("summaries", queryset=PersonalSummary.objects.order_by("-version")),
        )
        .order_by("period__end", "period__kind", "id")
    )
    if assessments:
        subject = assessments[0].person
    elif getattr(user, "pk", None) == person_id:
        subject = Person.objects.get(pk=person_id)
    else:
        raise Http404("没有找到，或您无权查看。")
    by_year: dict[int, DossierYear] = defaultdict(lambda: DossierYear(year=0))
    for assessment in assessments:
        entry = _entry(assessment)
        year = by_year[entry.year]
        year.year = entry.year
        if entry.kind == PeriodKind.ANNUAL:
            year.annual = entry
        else:
            year.everyday.append(entry)
    return Dossier(person=subject, years=[by_year[y] for y in sorted(by_year, reverse=True)])


def _entry(assessment: Assessment) -> DossierEntry:
    period = assessment.period
    summaries = list(assessment.summaries.all())
    latest = summaries[0] if summaries else None
    state = effective_state(assessment)  # a 公示 past its last day reads as final
    return DossierEntry(
        assessment_id=assessment.pk,
        period_name=period.name,
        kind=period.kind,
        kind_label=period.get_kind_display(),
        start=period.start,
        end=period.end,
        unit_name=assessment.unit.name,
        section_name=assessment.section.name,
        grade=assessment.grade,
        state=state,
        state_label=str(State(state).label),
        is_probationer=assessment.is_probationer,
        noticed_from=assessment.noticed_from,
        noticed_until=assessment.noticed_until,
        steps=[
            StepLine(
                kind=step.kind,
                kind_label=step.get_kind_display(),
                actor_name=str(step.actor),
                grade=step.grade,
                reason=step.reason,
                created_at=step.created_at,
            )
            for step in assessment.steps.all()
        ],
        summary=SummaryLine(body=latest.body, version=latest.version, submitted_at=latest.submitted_at)
        if latest
        else None,
        records_url=person_records_link(assessment.person_id, period.start, period.end),
    )
