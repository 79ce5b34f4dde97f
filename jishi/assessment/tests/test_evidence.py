"""The evidence pack as an assessor, a colleague and an outsider meet it: what it links to, what each may see of it,
and what the standard asks of a complete record."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from jishi.assessment.evidence import SECTIONS, evidence_for
from jishi.insights import findings, store
from jishi.insights.tests import planted
from jishi.org.models import Assignment, Duty, Person
from jishi.records.models import Visibility
from jishi.supervision.services import comment_create, confirmation_confirm, inquiry_answer, inquiry_ask
from jishi.tasks.models import Task
from jishi.tasks.services import TaskInput, task_create, task_transition
from jishi.testing import Org, write_record


def period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=6), today


def pack(org: Org, reader: Person, **kwargs: Any) -> Any:
    start, end = period()
    return evidence_for(user=reader, person=org.author, start=start, end=end, **kwargs)


def budget_duty() -> Duty:
    return Duty.objects.get(code="CZJ-01")


def test_records_are_grouped_by_duty_with_their_first_sentence_result_and_link(org: Org) -> None:
    today = timezone.localdate()
    served = write_record(
        org.author,
        duty_id=budget_duty().pk,
        content="审核三个街镇的年度预算草案。逐项核对支出标准",
        result="退回两份，要求补充依据。其余通过",
    )
    loose = write_record(
        org.author,
        date=today - datetime.timedelta(days=1),
        start_time=datetime.time(14, 0),
        end_time=datetime.time(15, 0),
    )
    evidence = pack(org, org.section_head)
    assert [w.title for w in evidence.by_duty] == ["部门预算编制和执行", "未关联职责"]
    line = evidence.by_duty[0].records[0]
    assert (line.record_id, line.url) == (served.pk, f"/records/{served.pk}/")
    assert line.text == "审核三个街镇的年度预算草案"
    assert line.result == "退回两份，要求补充依据"
    assert evidence.by_duty[0].with_result == 1
    assert evidence.by_duty[1].records[0].record_id == loose.pk
    assert evidence.late_entries == [evidence.by_duty[1].records[0]]  # filed the day after: 补记
    assert evidence.record_ids == sorted([served.pk, loose.pk])


def test_the_pack_holds_only_what_the_reader_may_read(org: Org) -> None:
    restricted = write_record(org.author, visibility=Visibility.SUPERIORS, content="关于个别干部的谈话情况，已报告局长")
    sensitive = write_record(
        org.author,
        is_sensitive=True,
        content="审核困难家庭补助资金拨付名单，核对身份信息",
        start_time=datetime.time(11, 0),
        end_time=datetime.time(12, 0),
    )
    for_head = {r.record_id for w in pack(org, org.section_head).by_duty for r in w.records}
    assert for_head == {restricted.pk, sensitive.pk}
    for_colleague = {r.record_id for w in pack(org, org.colleague).by_duty for r in w.records}
    assert for_colleague == {sensitive.pk}  # 仅上级: not for a colleague, here as everywhere
    outsider = pack(org, org.unrelated)
    (line,) = [r for w in outsider.by_duty for r in w.records]
    assert line.record_id == sensitive.pk and not line.content_visible
    assert line.text == "" and line.result == ""  # the day and the link, not the words
    assert pack(org, org.author).completeness.records == 2  # the person reads all of their own


def test_duty_coverage_lists_the_posts_duties_with_and_without_work(org: Org) -> None:
    post = Assignment.objects.get(person=org.author).position
    idle = Duty.objects.create(unit=org.budget, position=post, code="CZJ-1-07", title="政府采购预算审核")
    write_record(org.author, duty_id=budget_duty().pk)
    evidence = pack(org, org.section_head)
    assert [(c.title, c.covered) for c in evidence.covered_duties] == [("部门预算编制和执行", True)]
    assert [c.duty_id for c in evidence.uncovered_duties] == [idle.pk]


def test_tasks_show_on_time_overdue_and_returned(org: Org) -> None:
    today = timezone.localdate()
    issue = lambda title: task_create(  # noqa: E731
        issuer=org.section_head,
        data=TaskInput(title=title, deadline=today + datetime.timedelta(days=3), owner_person_id=org.author.pk),
    )
    done = issue("汇总各科室预算调整需求")
    for step in ("accepted", "in_progress"):
        task_transition(actor=org.author, task=done, to_status=step)
    task_transition(actor=org.author, task=done, to_status="done", result="已汇总并报局长")
    task_transition(actor=org.section_head, task=done, to_status="in_progress", note="缺少国库科意见，请补充")
    task_transition(actor=org.author, task=done, to_status="done", result="已补充国库科意见")
    late = issue("起草预算执行情况报告")
    Task.objects.filter(pk=late.pk).update(deadline=today - datetime.timedelta(days=2))
    evidence = pack(org, org.section_head)
    outcomes = {t.task_id: (t.outcome, t.returned, t.owned) for t in evidence.tasks}
    assert outcomes == {done.pk: ("on_time", 1, True), late.pk: ("overdue", 0, True)}
    assert [t.task_id for t in evidence.returned_tasks] == [done.pk]
    assert evidence.tasks_with("overdue")[0].url == f"/tasks/{late.pk}/"
    assert pack(org, org.unrelated).tasks == []  # an outsider does not see the unit's tasks


def test_inquiries_comments_and_confirmations_on_the_persons_records(org: Org) -> None:
    today = timezone.localdate()
    meeting = write_record(org.author, participant_ids=[org.colleague.pk], duty_id=budget_duty().pk)
    asked = inquiry_ask(actor=org.unit_head, record=meeting, question="三项分工的牵头人是谁？", due_on=today)
    inquiry_answer(actor=org.author, inquiry=asked, answer="由预算科牵头，国库科配合")
    inquiry_ask(actor=org.unit_head, record=meeting, question="完成时限是否已报区政府？", due_on=today)
    comment_create(actor=org.section_head, record=meeting, text="分工清楚，请按时限推进")
    comment_create(actor=org.colleague, record=meeting, text="收到")  # a colleague's, not a leader's 点评
    confirmation_confirm(actor=org.colleague, record=meeting)
    evidence = pack(org, org.deputy_in_charge)
    assert [(i.status, i.answer) for i in evidence.inquiries] == [
        ("answered", "由预算科牵头，国库科配合"),
        ("open", ""),
    ]
    assert [(c.author_name, c.text) for c in evidence.comments] == [("刘洋", "分工清楚，请按时限推进")]
    assert [(c.colleague_name, c.record.record_id) for c in evidence.confirmations] == [("李娜", meeting.pk)]


def test_the_standard_chooses_the_sections_and_what_a_complete_record_is(org: Org) -> None:
    write_record(org.author, duty_id=budget_duty().pk, result="完成")
    write_record(org.author, duty_id=budget_duty().pk, start_time=datetime.time(13, 0), end_time=datetime.time(14, 0))
    write_record(org.author, start_time=datetime.time(15, 0), end_time=datetime.time(16, 0))
    strict = SimpleNamespace(
        evidence_sections=["records", "completeness"], record_requires_duty=True, record_requires_result=True
    )
    evidence = pack(org, org.section_head, standard=strict)
    assert evidence.sections == ["records", "completeness"]
    assert evidence.tasks == [] and evidence.coverage == [] and not evidence.findings_readable
    c = evidence.completeness
    assert (c.records, c.with_duty, c.with_result, c.complete) == (3, 2, 1, 1)
    assert (c.duty_percent, c.result_percent, c.complete_percent) == (67, 33, 33)
    assert pack(org, org.section_head).sections == list(SECTIONS)  # no standard: everything, a duty suffices
    assert pack(org, org.section_head).completeness.complete == 2


@pytest.fixture
def planted_people(db: Any, settings: Any, tmp_path: Any) -> dict[str, Person]:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    planted.build()
    store.rebuild()
    findings._cache.clear()
    return {p.employee_number: p for p in Person.objects.all()}


def test_data_quality_findings_for_superiors_only(planted_people: dict[str, Person]) -> None:
    start, end = datetime.date(2025, 3, 3), datetime.date(2025, 3, 28)
    person, head = planted_people["B8P3"], planted_people["B8H"]
    evidence = evidence_for(user=head, person=person, start=start, end=end)
    assert evidence.findings_readable
    assert [f.kind for f in evidence.findings] == ["copy_paste"]
    assert evidence.findings[0].url and evidence.findings[0].explanation
    own = evidence_for(user=person, person=person, start=start, end=end)
    assert not own.findings_readable and own.findings == []  # insights' rule: not for the person themselves
    colleague = evidence_for(user=planted_people["B8P1"], person=person, start=start, end=end)
    assert not colleague.findings_readable


def test_the_pack_costs_the_same_queries_however_much_work_there_is(org: Org) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            pack(org, org.section_head)
        return len(captured.captured_queries)

    first = write_record(org.author, duty_id=budget_duty().pk)
    comment_create(actor=org.section_head, record=first, text="请按时限推进")
    queries()  # the reader's caches warm
    few = queries()
    for hour in (11, 13, 15, 17):
        record = write_record(org.author, start_time=datetime.time(hour, 0), end_time=datetime.time(hour, 30))
        comment_create(actor=org.unit_head, record=record, text="收到")
    assert queries() == few
