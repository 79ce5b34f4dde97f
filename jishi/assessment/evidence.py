"""The evidence pack (考核依据) beside an assessment: what the person's work in a period shows, as the reader sees it.

Everything is fetched through the reader's visibility — `WorkRecord.objects.visible_to(user)` for records and
`Task.objects.visible_to(user)` for tasks — never the person's: an assessor who may not read a 仅上级 record of a
colleague's does not see it here either, and a record whose content is withheld from the reader (sensitive) shows
its day and link but not its words, nor the words of comments and inquiries on it.

Substance over traces (重绩不重痕): the pack holds results against duties, tasks and their outcome, leaders' comments,
inquiries and how they were answered, colleagues' confirmations, late entries and data-quality findings. It never
reads logins, sessions, record views, likes, notifications read or time online, and it computes no score: counts
appear only as context beside the records they count (tests/test_no_traces.py proves the first part).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.assessment.standards import standard_for
from jishi.duties.selectors import duty_coverage
from jishi.org.calendar import day_of, local_today
from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.summaries.drafting import condense
from jishi.supervision.models import Comment, Confirmation, ConfirmationStatus, Inquiry, InquiryStatus
from jishi.tasks.models import EventKind, Status, Task, TaskEvent, TaskRecordLink

# The sections of a pack, in the order a page shows them; a Standard's `evidence_sections` lists the keys an assessor
# sees (empty: all of them).
SECTIONS: dict[str, Any] = {
    "records": gettext_lazy("按职责的工作与结果"),
    "coverage": gettext_lazy("职责覆盖"),
    "tasks": gettext_lazy("督办事项"),
    "inquiries": gettext_lazy("质询与答复"),
    "comments": gettext_lazy("领导点评"),
    "confirmations": gettext_lazy("同事参与确认"),
    "late_entries": gettext_lazy("补记"),
    "quality": gettext_lazy("数据质量提示"),
    "completeness": gettext_lazy("记实完整度"),
}

FINDING_KINDS = ("copy_paste", "backfill", "long_hours")


@dataclass(frozen=True)
class RecordLine:
    """One record as evidence: its day, its first sentence and result (its author's words), and where it is."""

    record_id: int
    date: datetime.date
    url: str  # /records/<id>/
    text: str  # the content's first sentence; "" when the reader may not see the content
    result: str  # the result's first sentence, "" when none or withheld
    content_visible: bool
    duty_title: str
    is_late: bool


@dataclass
class DutyWork:
    """The records of one duty (or of none: duty_id None, 未关联职责) in the period, oldest first."""

    duty_id: int | None
    title: str
    records: list[RecordLine] = field(default_factory=list)
    minutes: int = 0

    @property
    def with_result(self) -> int:
        """How many of these records say what came of the work (that the reader can see)."""
        return sum(1 for r in self.records if r.result)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class CoverageLine:
    """A duty of the person's post(s) and whether any visible work in the period served it."""

    duty_id: int
    code: str
    title: str
    records: int
    covered: bool
    retired: bool


@dataclass(frozen=True)
class TaskLine:
    """A task the person owned or advanced in the period, with its outcome against its deadline.

    outcome: "on_time" (reported done by the deadline), "late" (done after it), "overdue" (not done, deadline
    passed), "open" (not done, deadline still ahead). `returned` counts the times the issuer sent it back (退回)."""

    task_id: int
    url: str
    title: str
    deadline: datetime.date
    status: str
    status_label: str
    outcome: str
    done_on: datetime.date | None
    returned: int
    owned: bool  # the person was its named owner (承办人), not only linking records to it
    records: list[RecordLine] = field(default_factory=list)

    @property
    def outcome_label(self) -> str:
        return str(TASK_OUTCOMES[self.outcome])


TASK_OUTCOMES: dict[str, Any] = {
    "on_time": gettext_lazy("按时办结"),
    "late": gettext_lazy("超期办结"),
    "overdue": gettext_lazy("逾期未办结"),
    "open": gettext_lazy("办理中"),
}


@dataclass(frozen=True)
class InquiryLine:
    """A 质询 on one of the person's records and how it was answered (texts withheld with the record's content)."""

    inquiry_id: int
    record: RecordLine
    asker_name: str
    leader_title: str
    question: str
    asked_on: datetime.date
    due_on: datetime.date
    status: str  # supervision.InquiryStatus: answered / open / overdue
    status_label: str
    answer: str
    answered_on: datetime.date | None
    answered_late: bool


@dataclass(frozen=True)
class CommentLine:
    """A leader's 点评 on one of the person's records."""

    comment_id: int
    record: RecordLine
    author_name: str
    leader_title: str
    text: str  # "" when the record's content is withheld from the reader
    created_on: datetime.date


@dataclass(frozen=True)
class ConfirmationLine:
    """A colleague named on the person's record who confirmed taking part (with a record of their own)."""

    record: RecordLine
    colleague_name: str
    confirmed_on: datetime.date


@dataclass(frozen=True)
class FindingLine:
    """A data-quality finding about the person (insights): what it says and the link to the records behind it."""

    kind: str
    kind_label: str
    explanation: str
    strength_word: str
    url: str


@dataclass(frozen=True)
class Completeness:
    """How many of the person's visible records meet the standard's idea of a complete record (context, not a score)."""

    records: int
    with_duty: int
    with_result: int
    complete: int
    requires_duty: bool
    requires_result: bool

    @staticmethod
    def _percent(part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    @property
    def duty_percent(self) -> int:
        return self._percent(self.with_duty, self.records)

    @property
    def result_percent(self) -> int:
        return self._percent(self.with_result, self.records)

    @property
    def complete_percent(self) -> int:
        return self._percent(self.complete, self.records)


@dataclass
class Evidence:
    """The evidence pack of one person over [start, end] as `reader` may see it.

    `sections` lists the section keys (SECTIONS) the standard shows; a section left out is also left empty.
    `findings_readable` says whether the reader may see data-quality findings about this person at all (insights'
    rule: superiors and scoped roles, never the person themselves), so a page can tell "none" from "not for you".
    """

    person: Person
    start: datetime.date
    end: datetime.date
    sections: list[str]
    by_duty: list[DutyWork] = field(default_factory=list)
    coverage: list[CoverageLine] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)
    inquiries: list[InquiryLine] = field(default_factory=list)
    comments: list[CommentLine] = field(default_factory=list)
    confirmations: list[ConfirmationLine] = field(default_factory=list)
    late_entries: list[RecordLine] = field(default_factory=list)
    findings: list[FindingLine] = field(default_factory=list)
    findings_readable: bool = False
    completeness: Completeness | None = None

    def shows(self, section: str) -> bool:
        return section in self.sections

    @property
    def section_titles(self) -> list[tuple[str, str]]:
        """(key, title) of each section shown, in order."""
        return [(key, str(SECTIONS[key])) for key in self.sections]

    @property
    def covered_duties(self) -> list[CoverageLine]:
        return [line for line in self.coverage if line.covered]

    @property
    def uncovered_duties(self) -> list[CoverageLine]:
        return [line for line in self.coverage if not line.covered]

    def tasks_with(self, outcome: str) -> list[TaskLine]:
        return [t for t in self.tasks if t.outcome == outcome]

    @property
    def returned_tasks(self) -> list[TaskLine]:
        return [t for t in self.tasks if t.returned]

    @property
    def record_ids(self) -> list[int]:
        """Every record the pack links to (a dossier keeps them as the period's evidence links)."""
        return sorted({r.record_id for work in self.by_duty for r in work.records})


def _sections_of(standard: Any) -> list[str]:
    chosen = list(getattr(standard, "evidence_sections", None) or [])
    return [key for key in SECTIONS if not chosen or key in chosen]


def evidence_for(
    *,
    user: Any,
    person: Person | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    standard: Any = None,
    assessment: Any = None,
    today: datetime.date | None = None,
) -> Evidence:
    """The evidence pack of `person` over [start, end] as `user` may see it — or of an assessment (its person, its
    period, its standard). The caller has already checked that `user` may see the assessment (rules); what the pack
    holds is narrowed again here to the records and tasks `user` may read.

    `standard` (an assessment.Standard, or anything with `evidence_sections`, `record_requires_duty`,
    `record_requires_result`) chooses the sections and what a complete record is; None shows everything and asks
    only for a duty."""
    if assessment is not None:
        person, start, end = assessment.person, assessment.period.start, assessment.period.end
        if standard is None:
            standard = standard_for(assessment)
    if person is None or start is None or end is None:
        raise TypeError("evidence_for needs an assessment, or a person with start and end")
    today = today or local_today()
    evidence = Evidence(person=person, start=start, end=end, sections=_sections_of(standard))
    records = list(
        WorkRecord.objects.visible_to(user)
        .filter(author=person, date__gte=start, date__lte=end)
        .filed()
        .select_related("duty")
        .order_by("date", "start_at", "id")
    )
    lines = {r.pk: _line(r) for r in records}
    if evidence.shows("records"):
        evidence.by_duty = _by_duty(records, lines)
    if evidence.shows("coverage"):
        evidence.coverage = _coverage(user, person, start, end)
    if evidence.shows("tasks"):
        evidence.tasks = _tasks(user, person, start, end, today, lines)
    record_ids = list(lines)
    if evidence.shows("inquiries"):
        evidence.inquiries = _inquiries(record_ids, lines, today)
    if evidence.shows("comments"):
        evidence.comments = _comments(record_ids, lines)
    if evidence.shows("confirmations"):
        evidence.confirmations = _confirmations(record_ids, lines)
    if evidence.shows("late_entries"):
        evidence.late_entries = [lines[r.pk] for r in records if r.is_late]
    if evidence.shows("quality"):
        evidence.findings_readable, evidence.findings = _findings(user, person, start, end)
    if evidence.shows("completeness"):
        evidence.completeness = _completeness(records, standard)
    return evidence


def _line(record: WorkRecord) -> RecordLine:
    shown = bool(getattr(record, "content_visible", True))
    return RecordLine(
        record_id=record.pk,
        date=record.date,
        url=reverse("records:detail", args=[record.pk]),
        text=condense(record.content) if shown else "",
        result=condense(record.result) if shown and record.result.strip() else "",
        content_visible=shown,
        duty_title=record.duty.title if record.duty else "",
        is_late=record.is_late,
    )


def _by_duty(records: list[WorkRecord], lines: dict[int, RecordLine]) -> list[DutyWork]:
    groups: dict[int | None, DutyWork] = {}
    for record in records:
        work = groups.get(record.duty_id)
        if work is None:
            title = record.duty.title if record.duty else _("未关联职责")
            work = groups[record.duty_id] = DutyWork(duty_id=record.duty_id, title=title)
        work.records.append(lines[record.pk])
        work.minutes += record.duration_minutes
    # Duties by time given to them, the work without a duty last (as the person's summary drafts them).
    duties = sorted((w for k, w in groups.items() if k is not None), key=lambda w: (-w.minutes, w.title))
    return duties + ([groups[None]] if None in groups else [])


def _coverage(user: Any, person: Person, start: datetime.date, end: datetime.date) -> list[CoverageLine]:
    # duties' own coverage: the catalogue of the person's posts in the period, counted from what `user` may read.
    found = duty_coverage(viewer=user, kind="person", subject=person, start=start, end=end)
    out = []
    for line in [*found.covered, *found.uncovered]:
        duty = line.duty
        if duty is None:
            continue
        out.append(
            CoverageLine(
                duty_id=duty.pk,
                code=duty.code,
                title=duty.title,
                records=line.records,
                covered=line.records > 0,
                retired=line.retired,
            )
        )
    return out


def _tasks(
    user: Any,
    person: Person,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    lines: dict[int, RecordLine],
) -> list[TaskLine]:
    linked = TaskRecordLink.objects.filter(record_id__in=list(lines)).values_list("task_id", "record_id")
    records_of: dict[int, list[int]] = defaultdict(list)
    for task_id, record_id in linked:
        records_of[task_id].append(record_id)
    # Owned tasks the period touched: issued by its end, and due in it or still unfinished when it began.
    owned = Q(owner_person=person, issued_at__date__lte=end) & (
        Q(deadline__gte=start) | Q(closed_at__isnull=True) | Q(closed_at__date__gte=start)
    )
    tasks = list(
        Task.objects.visible_to(user).filter(owned | Q(pk__in=list(records_of))).order_by("deadline", "id").distinct()
    )
    done_on: dict[int, datetime.date] = {}
    returned: dict[int, int] = defaultdict(int)
    events = TaskEvent.objects.filter(task__in=[t.pk for t in tasks], kind__in=[EventKind.DONE, EventKind.RETURN])
    for task_id, kind, at in events.order_by("at", "id").values_list("task_id", "kind", "at"):
        if kind == EventKind.DONE:
            done_on[task_id] = day_of(at)  # the last report counts: a returned task is done when reported again
        else:
            returned[task_id] += 1
    horizon = min(end, today)
    out = []
    for task in tasks:
        finished = task.status in (Status.DONE, Status.CONFIRMED)
        reported = done_on.get(task.pk) if finished else None
        if reported is not None:
            outcome = "on_time" if reported <= task.deadline else "late"
        else:
            outcome = "overdue" if task.deadline < horizon else "open"
        out.append(
            TaskLine(
                task_id=task.pk,
                url=reverse("tasks:detail", args=[task.pk]),
                title=task.title,
                deadline=task.deadline,
                status=task.status,
                status_label=task.get_status_display(),
                outcome=outcome,
                done_on=reported,
                returned=returned.get(task.pk, 0),
                owned=task.owner_person_id == person.pk,
                records=[lines[r] for r in sorted(records_of.get(task.pk, []), key=lambda r: lines[r].date)],
            )
        )
    return out


def _inquiries(record_ids: list[int], lines: dict[int, RecordLine], today: datetime.date) -> list[InquiryLine]:
    inquiries = (
        Inquiry.objects.filter(record_id__in=record_ids)
        .with_status(today)
        .select_related("asker")
        .order_by("asked_at", "id")
    )
    out = []
    for inquiry in inquiries:
        line = lines[inquiry.record_id]
        shown = line.content_visible
        out.append(
            InquiryLine(
                inquiry_id=inquiry.pk,
                record=line,
                asker_name=str(inquiry.asker),
                leader_title=inquiry.leader_title,
                question=inquiry.question if shown else "",
                asked_on=day_of(inquiry.asked_at),
                due_on=inquiry.due_on,
                status=inquiry.status,  # type: ignore[attr-defined]  # with_status's annotation
                status_label=str(InquiryStatus(inquiry.status).label),  # type: ignore[attr-defined]
                answer=inquiry.answer if shown else "",
                answered_on=day_of(inquiry.answered_at) if inquiry.answered_at else None,
                answered_late=inquiry.answered_late,
            )
        )
    return out


def _comments(record_ids: list[int], lines: dict[int, RecordLine]) -> list[CommentLine]:
    comments = (
        Comment.objects.filter(record_id__in=record_ids, is_leader=True)
        .select_related("author")
        .order_by("created_at", "id")
    )
    return [
        CommentLine(
            comment_id=c.pk,
            record=lines[c.record_id],
            author_name=str(c.author),
            leader_title=c.leader_title,
            text=c.text if lines[c.record_id].content_visible else "",
            created_on=day_of(c.created_at),
        )
        for c in comments
    ]


def _confirmations(record_ids: list[int], lines: dict[int, RecordLine]) -> list[ConfirmationLine]:
    confirmed = (
        Confirmation.objects.filter(record_id__in=record_ids, status=ConfirmationStatus.CONFIRMED)
        .select_related("person")
        .order_by("decided_at", "id")
    )
    return [
        ConfirmationLine(record=lines[c.record_id], colleague_name=str(c.person), confirmed_on=day_of(c.decided_at))
        for c in confirmed
    ]


def _findings(user: Any, person: Person, start: datetime.date, end: datetime.date) -> tuple[bool, list[FindingLine]]:
    from jishi.insights import findings, rules  # the analytics store is opened only for a reader who may see them

    if not rules.can_see_person(user, person.pk):
        return False, []
    found = findings.findings_for(user, start=start, end=end, kinds=FINDING_KINDS)
    return True, [
        FindingLine(
            kind=f.kind,
            kind_label=f.kind_label,
            explanation=f.explanation,
            strength_word=f.strength_word,
            url=f.evidence,
        )
        for f in found
        if f.subject_type == "person" and f.subject_id == person.pk
    ]


def _completeness(records: list[WorkRecord], standard: Any) -> Completeness:
    requires_duty = bool(getattr(standard, "record_requires_duty", True))
    requires_result = bool(getattr(standard, "record_requires_result", False))
    with_duty = sum(1 for r in records if r.duty_id is not None)
    with_result = sum(1 for r in records if r.result.strip())
    complete = sum(
        1 for r in records if (not requires_duty or r.duty_id is not None) and (not requires_result or r.result.strip())
    )
    return Completeness(
        records=len(records),
        with_duty=with_duty,
        with_result=with_result,
        complete=complete,
        requires_duty=requires_duty,
        requires_result=requires_result,
    )
