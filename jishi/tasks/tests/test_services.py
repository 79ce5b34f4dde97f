"""督办 writes: the happy flow from a 批示 to a confirmed task, and every bad input refused with nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.notifications.models import Notification
from jishi.org.models import Duty
from jishi.records.models import Visibility
from jishi.tasks.models import EventKind, Status, Task, TaskEvent, TaskRecordLink
from jishi.tasks.selectors import TaskFilters, filtered_tasks, stuck_since, task_flow
from jishi.tasks.services import instruction_create, task_create, task_link_record, task_transition
from jishi.tasks.tests.helpers import file_record, issue, task_input
from jishi.testing import Org


def test_an_instruction_becomes_a_task_that_two_units_advance_to_confirmed(
    org: Org, django_capture_on_commit_callbacks
) -> None:
    report = file_record(org.author, content="向分管区领导报送养老服务补贴资金缺口测算报告，请求统筹")
    with django_capture_on_commit_callbacks(execute=True):
        task = instruction_create(
            issuer=org.district_deputy,
            record_id=report.pk,
            data=task_input(
                org,
                title="请财政局会同民政局研究解决补贴资金缺口",
                owner_unit_id=org.finance.pk,
                collaborating_unit_ids=[org.civil.pk],
                duty_id=Duty.objects.get(code="CZJ-01").pk,
            ),
        )
    assert task.status == Status.ISSUED and task.source_record == report and task.issuer_unit == org.root
    # The owner unit's head and the collaborating unit's head hear of it; the issuer does not.
    told = set(Notification.objects.filter(kind="task").values_list("recipient__username", flat=True))
    assert {"unit_head", "civil_head"} <= told and "district_deputy" not in told

    task_transition(actor=org.author, task=task, to_status=Status.ACCEPTED)
    work = file_record(org.author, content="测算2026年养老服务补贴资金缺口，形成调剂方案初稿")
    task_link_record(actor=org.author, task=task, record=work)
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS  # the first linked record starts the work
    help_ = file_record(org.unrelated, content="核对全区享受养老服务补贴人员名单，提供给区财政局")
    task_link_record(actor=org.unrelated, task=task, record=help_)
    with django_capture_on_commit_callbacks(execute=True):
        task_transition(
            actor=org.author, task=task, to_status=Status.DONE, result="补贴资金已从预备费调剂到位，12月20日拨付"
        )
    assert Notification.objects.filter(recipient=org.district_deputy, kind="task").exists()
    task_transition(actor=org.district_deputy, task=task, to_status=Status.CONFIRMED, note="同意")
    task.refresh_from_db()
    assert task.status == Status.CONFIRMED and task.closed_at is not None
    assert task.result.startswith("补贴资金已从预备费调剂到位")

    kinds = list(TaskEvent.objects.filter(task=task).values_list("kind", "from_status", "to_status"))
    assert kinds == [
        (EventKind.ISSUE, "", Status.ISSUED),
        (EventKind.ACCEPT, Status.ISSUED, Status.ACCEPTED),
        (EventKind.AUTO_START, Status.ACCEPTED, Status.IN_PROGRESS),
        (EventKind.DONE, Status.IN_PROGRESS, Status.DONE),
        (EventKind.CONFIRM, Status.DONE, Status.CONFIRMED),
    ]
    verbs = list(
        AuditEvent.objects.filter(target_type="tasks.task", target_id=str(task.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "task.issue",
        "task.accept",
        "task.link_record",
        "task.auto_start",
        "task.link_record",
        "task.done",
        "task.confirm",
    ]
    # The flow reads across both units, in time order, with both records.
    flow = task_flow(user=org.district_deputy, task=task)
    units = [item.unit.name for item in flow if item.unit]
    assert units[0] == "嘉定区" and "预算科" in units and "社会救助科" in units
    assert [item.record for item in flow if item.record] == [work, help_]
    # The lists of both units show it: owned by 财政局 (and its sections), collaborated on by 民政局.
    owned = filtered_tasks(user=org.unit_head, filters=TaskFilters(unit_id=org.finance.pk, relation="owned"))
    helped = filtered_tasks(user=org.civil_head, filters=TaskFilters(unit_id=org.civil.pk, relation="collaborating"))
    assert list(owned) == [task] and list(helped) == [task]


def test_returned_work_goes_back_to_in_progress_with_a_reason(org: Org) -> None:
    task = issue(org)
    for step in (Status.ACCEPTED, Status.IN_PROGRESS):
        task_transition(actor=org.author, task=task, to_status=step)
    task_transition(actor=org.author, task=task, to_status=Status.DONE, result="已完成资金拨付")
    with pytest.raises(ValidationError) as caught:
        task_transition(actor=org.unit_head, task=task, to_status=Status.IN_PROGRESS)
    assert "请填写退回理由" in caught.value.message_dict["note"][0]
    task_transition(actor=org.unit_head, task=task, to_status=Status.IN_PROGRESS, note="缺少拨付凭证，请补充")
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS
    last = TaskEvent.objects.filter(task=task).last()
    assert last is not None and last.kind == EventKind.RETURN and last.note == "缺少拨付凭证，请补充"


def test_a_task_without_deadline_or_owner_is_refused_and_nothing_written(org: Org) -> None:
    with pytest.raises(ValidationError) as caught:
        task_create(issuer=org.unit_head, data=task_input(org, deadline=None, owner_unit_id=None, title=" "))
    errors = caught.value.message_dict
    assert errors["deadline"] == ["请填写办结时限。"]
    assert errors["owner_unit_id"] == ["请指定承办单位或承办人。"]
    assert errors["title"] == ["请填写督办事项。"]
    assert not Task.objects.exists() and not AuditEvent.objects.filter(verb__startswith="task.").exists()


def test_a_deadline_in_the_past_is_refused(org: Org) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        issue(org, deadline=yesterday)
    assert caught.value.message_dict["deadline"] == ["办结时限不能早于今天。"]


def test_too_long_title_and_unknown_units_are_refused(org: Org) -> None:
    with pytest.raises(ValidationError) as caught:
        issue(org, title="很" * 101, collaborating_unit_ids=[999999])
    errors = caught.value.message_dict
    assert "不能超过 100 字" in errors["title"][0] and errors["collaborating_unit_ids"] == ["协办单位不存在或已撤销。"]


def test_the_duty_must_be_the_owner_units_or_the_issuers(org: Org) -> None:
    civil_duty = Duty.objects.get(code="MZJ-01")
    with pytest.raises(ValidationError) as caught:
        issue(org, duty_id=civil_duty.pk)
    assert caught.value.message_dict["duty_id"] == ["职责应为承办单位或下达人的职责（且未停用）。"]
    # The 本单位's function serves its sections' tasks.
    assert issue(org, duty_id=Duty.objects.get(code="CZJ-01").pk).duty is not None


def test_a_status_jump_is_refused_with_the_next_step(org: Org) -> None:
    task = issue(org)
    with pytest.raises(ValidationError) as caught:
        task_transition(actor=org.author, task=task, to_status=Status.DONE, result="已完成")
    assert caught.value.message_dict["status"] == ["不能从“已下达”直接改为“已办结”，下一步应为“已接收”。"]
    task.refresh_from_db()
    assert task.status == Status.ISSUED and TaskEvent.objects.filter(task=task).count() == 1


def test_only_the_issuer_confirms(org: Org) -> None:
    task = issue(org)
    task_transition(actor=org.author, task=task, to_status=Status.ACCEPTED)
    task_transition(actor=org.author, task=task, to_status=Status.IN_PROGRESS)
    task_transition(actor=org.author, task=task, to_status=Status.DONE, result="已完成资金拨付")
    for someone in (org.author, org.section_head, org.secretary):
        with pytest.raises(PermissionDenied):
            task_transition(actor=someone, task=task, to_status=Status.CONFIRMED)
    task.refresh_from_db()
    assert task.status == Status.DONE


def test_only_the_owner_side_moves_forward_and_never_the_issuer(org: Org) -> None:
    task = issue(org, owner_unit_id=org.finance.pk)  # the unit head is a member of 财政局 but issued it
    for outsider in (org.unit_head, org.unrelated, org.district_deputy):
        with pytest.raises(PermissionDenied):
            task_transition(actor=outsider, task=task, to_status=Status.ACCEPTED)
    personal = issue(org, issuer=org.section_head, owner_unit_id=None, owner_person_id=org.colleague.pk)
    assert personal.owner_unit == org.budget
    with pytest.raises(PermissionDenied):
        task_transition(actor=org.author, task=personal, to_status=Status.ACCEPTED)  # a colleague, not the owner
    task_transition(actor=org.colleague, task=personal, to_status=Status.ACCEPTED)


def test_the_result_is_required_when_reporting_done(org: Org) -> None:
    task = issue(org)
    task_transition(actor=org.author, task=task, to_status=Status.ACCEPTED)
    task_transition(actor=org.author, task=task, to_status=Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as caught:
        task_transition(actor=org.author, task=task, to_status=Status.DONE, result="  ")
    assert caught.value.message_dict["result"] == ["请填写办理结果。"]


def test_linking_someone_elses_record_is_refused(org: Org) -> None:
    task = issue(org)
    theirs = file_record(org.colleague)
    with pytest.raises(PermissionDenied, match="只能关联本人的记实"):
        task_link_record(actor=org.author, task=task, record=theirs)
    assert not TaskRecordLink.objects.exists()


def test_linking_to_a_task_you_are_not_on_is_refused(org: Org) -> None:
    task = issue(org)
    mine = file_record(org.sibling)  # 国库科: same 本单位, not the owner section
    with pytest.raises(PermissionDenied, match="不是该督办的承办方或协办方"):
        task_link_record(actor=org.sibling, task=task, record=mine)


def test_linking_twice_or_after_done_is_refused(org: Org) -> None:
    task = issue(org)
    record = file_record(org.author)
    task_link_record(actor=org.author, task=task, record=record)
    task.refresh_from_db()
    assert task.status == Status.ISSUED  # only an accepted task starts automatically
    with pytest.raises(ValidationError):
        task_link_record(actor=org.author, task=task, record=record)
    for step in (Status.ACCEPTED, Status.IN_PROGRESS):
        task_transition(actor=org.author, task=task, to_status=step)
    task_transition(actor=org.author, task=task, to_status=Status.DONE, result="已完成资金拨付")
    with pytest.raises(ValidationError):
        task_link_record(
            actor=org.author, task=task, record=file_record(org.author, content="补充核对拨付凭证和到账情况")
        )


def test_an_instruction_on_a_record_you_cannot_see_is_a_404(org: Org) -> None:
    hidden = file_record(org.author, visibility=Visibility.SUPERIORS)
    with pytest.raises(Http404):
        instruction_create(issuer=org.civil_head, record_id=hidden.pk, data=task_input(org, owner_unit_id=org.civil.pk))
    assert not Task.objects.exists()


def test_issuing_to_a_unit_you_are_not_in_charge_of_is_refused(org: Org) -> None:
    with pytest.raises(PermissionDenied, match="您不分管预算科"):
        issue(org, issuer=org.deputy_not_in_charge)
    with pytest.raises(PermissionDenied):
        issue(org, issuer=org.author)  # staff issue nothing
    with pytest.raises(PermissionDenied):
        issue(org, issuer=org.other_district_deputy, owner_unit_id=None, owner_person_id=org.author.pk)
    assert not Task.objects.exists()


def test_who_may_issue_to_whom(org: Org) -> None:
    assert issue(org, issuer=org.section_head).owner_unit == org.budget  # head of the unit itself
    assert issue(org, issuer=org.deputy_in_charge).owner_unit == org.budget
    assert issue(org, issuer=org.district_deputy).owner_unit == org.budget  # in charge of a unit above
    assert issue(org, issuer=org.secretary, owner_unit_id=org.village.pk).owner_unit == org.village
    with pytest.raises(ValidationError):
        issue(org, issuer=org.secretary, owner_unit_id=org.root.pk)  # name a department, not the district
    with pytest.raises(ValidationError):
        issue(org, issuer=org.section_head, owner_unit_id=None, owner_person_id=org.section_head.pk)


def test_stuck_means_no_event_or_linked_record_for_n_working_days(org: Org, settings) -> None:
    settings.JISHI_TASK_STUCK_WORKING_DAYS = 3
    task = issue(org)
    stuck = TaskFilters(stuck=True)
    assert not filtered_tasks(user=org.unit_head, filters=stuck).exists()
    Task.objects.filter(pk=task.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=20))
    assert list(filtered_tasks(user=org.unit_head, filters=stuck)) == [task]
    task_link_record(actor=org.author, task=task, record=file_record(org.author))  # a record is progress
    assert not filtered_tasks(user=org.unit_head, filters=stuck).exists()
    # The threshold counts working days: a long holiday does not make a task stuck by itself.
    since = stuck_since(datetime.date(2026, 10, 8))  # the day after 国庆 2026 (Oct 1–7 off, Oct 10 a working Saturday)
    assert since.date() < datetime.date(2026, 10, 1)


def test_an_instruction_needs_the_records_content(org: Org) -> None:
    sensitive = file_record(org.author, is_sensitive=True)  # 民政局's head sees that it exists, not what it says
    with pytest.raises(PermissionDenied, match="无权阅读该记实的内容"):
        instruction_create(
            issuer=org.civil_head, record_id=sensitive.pk, data=task_input(org, owner_unit_id=org.civil.pk)
        )
    task = instruction_create(issuer=org.unit_head, record_id=sensitive.pk, data=task_input(org))
    assert task.source_record == sensitive
