"""Supervision services: what a user would notice, and every bad input changing nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.notifications.models import Kind, Notification
from jishi.org.models import AssignmentKind
from jishi.records.models import Visibility, WorkRecord
from jishi.supervision import selectors, services
from jishi.supervision.models import (
    Comment,
    CommentVersion,
    Confirmation,
    Dimension,
    Flag,
    Inquiry,
    InquiryStatus,
    RecordView,
)
from jishi.testing import Org, PersonFactory, make_post, write_record

pytestmark = pytest.mark.django_db


def untimed(author: Any, **overrides: Any) -> WorkRecord:
    return write_record(author, start_time=None, end_time=None, duration_minutes=30, **overrides)


def locked(record: WorkRecord) -> WorkRecord:
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=timezone.now() - datetime.timedelta(hours=1))
    record.refresh_from_db()
    return record


# --- comments ---------------------------------------------------------------------------------------------------


def test_a_leader_comments_and_the_author_is_notified(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    record = untimed(org.author)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(actor=org.unit_head, record=record, text="思路清楚，下周把分工细化到人。")
    assert comment.is_leader and comment.leader_title == "区财政局 局长"
    assert comment.dimension == Dimension.VERTICAL and comment.actor_unit_id == org.finance.pk
    assert [v.text for v in comment.versions.all()] == ["思路清楚，下周把分工细化到人。"]
    note = Notification.objects.get(recipient=org.author)
    assert note.kind == Kind.COMMENT and note.text == "领导赵强点评了你的记实"
    assert AuditEvent.objects.filter(verb="supervision.comment").count() == 1


def test_a_colleague_comment_is_not_a_leader_comment(org: Org) -> None:
    comment = services.comment_create(actor=org.unrelated, record=untimed(org.author), text="我们局也在做类似的事。")
    assert not comment.is_leader and comment.dimension == Dimension.HORIZONTAL


@pytest.mark.parametrize("text", ["", "   ", "字" * 1001])
def test_empty_or_too_long_comments_are_refused(org: Org, text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.comment_create(actor=org.colleague, record=untimed(org.author), text=text)
    assert "text" in exc.value.message_dict
    assert not Comment.objects.exists()


def test_a_hidden_record_cannot_be_commented(org: Org) -> None:
    record = untimed(org.author, visibility=Visibility.SUPERIORS)
    with pytest.raises(Http404):
        services.comment_create(actor=org.colleague, record=record, text="看不到的记实")
    assert not Comment.objects.exists()


def test_sensitive_content_outsiders_neither_see_nor_post_comments(org: Org) -> None:
    record = untimed(org.author, is_sensitive=True)
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=org.unrelated, record=record, text="想问问情况")
    services.comment_create(actor=org.colleague, record=record, text="同意处理意见")


def test_a_locked_record_is_still_open_to_comments_and_inquiries(org: Org) -> None:
    record = locked(untimed(org.author))
    services.comment_create(actor=org.section_head, record=record, text="锁定后仍可点评")
    services.inquiry_ask(
        actor=org.section_head, record=record, question="这项工作后来落实了吗？", due_on=timezone.localdate()
    )
    assert Comment.objects.count() == 1 and Inquiry.objects.count() == 1


def test_the_author_edits_within_the_window_and_every_text_is_kept(org: Org) -> None:
    record = untimed(org.author)
    posted = timezone.now()
    comment = services.comment_create(actor=org.colleague, record=record, text="第一稿", now=posted)
    services.comment_edit(
        actor=org.colleague, comment=comment, text="第二稿", now=posted + datetime.timedelta(minutes=5)
    )
    services.comment_edit(
        actor=org.colleague, comment=comment, text="第二稿", now=posted + datetime.timedelta(minutes=6)
    )
    comment.refresh_from_db()
    assert comment.text == "第二稿" and comment.version == 2 and comment.edited_at is not None
    assert list(CommentVersion.objects.filter(comment=comment).values_list("text", flat=True)) == ["第一稿", "第二稿"]


def test_a_comment_is_immutable_after_the_window(org: Org, settings: Any) -> None:
    settings.JISHI_COMMENT_EDIT_MINUTES = 15
    posted = timezone.now() - datetime.timedelta(minutes=16)
    comment = services.comment_create(actor=org.colleague, record=untimed(org.author), text="原文", now=posted)
    with pytest.raises(ValidationError, match="15 分钟"):
        services.comment_edit(actor=org.colleague, comment=comment, text="改过")
    comment.refresh_from_db()
    assert comment.text == "原文" and comment.version == 1


def test_nobody_edits_someone_elses_comment(org: Org) -> None:
    comment = services.comment_create(actor=org.colleague, record=untimed(org.author), text="原文")
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=org.author, comment=comment, text="改过")
    with pytest.raises(ValidationError):
        services.comment_edit(actor=org.colleague, comment=comment, text="")
    comment.refresh_from_db()
    assert comment.text == "原文"


def test_mentions_notify_only_colleagues_who_can_read_the_record(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    record = untimed(org.author, visibility=Visibility.UNIT)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(
            actor=org.section_head, record=record, text="@李娜请看，另请@徐丽 参考。@不存在的人"
        )
    # 李娜 (same section) reads it; 徐丽 (another department) may not see a 本单位 record: silently left out.
    assert set(comment.mention_rows.values_list("person_id", flat=True)) == {org.colleague.pk}
    assert Notification.objects.filter(kind=Kind.MENTION, recipient=org.colleague).count() == 1
    assert not Notification.objects.filter(recipient=org.unrelated).exists()


def test_an_ambiguous_mention_must_be_chosen_by_id(org: Org) -> None:
    namesake = PersonFactory(full_name="李娜", username="li_na_2")
    make_post(namesake, org.treasury)
    record = untimed(org.author)
    with pytest.raises(ValidationError) as exc:
        services.comment_create(actor=org.section_head, record=record, text="@李娜 看一下")
    assert "mentions" in exc.value.message_dict
    comment = services.comment_create(
        actor=org.section_head, record=record, text="@李娜 看一下", mention_ids=[namesake.pk]
    )
    assert list(comment.mention_rows.values_list("person_id", flat=True)) == [namesake.pk]


def test_an_edit_notifies_only_newly_mentioned(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    record = untimed(org.author)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(actor=org.section_head, record=record, text="@李娜 看一下")
        services.comment_edit(actor=org.section_head, comment=comment, text="@李娜 @王芳 都看一下")
    assert Notification.objects.filter(kind=Kind.MENTION, recipient=org.colleague).count() == 1
    assert Notification.objects.filter(kind=Kind.MENTION, recipient=org.sibling).count() == 1


# --- inquiries --------------------------------------------------------------------------------------------------


def test_an_inquiry_is_answered_by_the_author(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    record = untimed(org.author)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = services.inquiry_ask(
            actor=org.district_deputy,
            record=record,
            question="经费测算依据是什么？",
            due_on=today + datetime.timedelta(days=3),
        )
        assert inquiry.dimension == Dimension.TOP_DOWN and inquiry.is_leader
        assert inquiry.status_on(today) == InquiryStatus.OPEN
        services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="依据2026年执行数和三项新增支出。")
    inquiry.refresh_from_db()
    assert inquiry.status_on(today) == InquiryStatus.ANSWERED and not inquiry.answered_late
    assert Notification.objects.filter(recipient=org.author, kind=Kind.INQUIRY).exists()
    assert Notification.objects.filter(recipient=org.district_deputy, kind=Kind.INQUIRY_ANSWER).exists()


def test_overdue_is_computed_from_the_due_day(org: Org) -> None:
    asked = timezone.now() - datetime.timedelta(days=5)
    inquiry = services.inquiry_ask(
        actor=org.colleague,
        record=untimed(org.author),
        question="进展如何，请说明。",
        due_on=(asked + datetime.timedelta(days=2)).date(),
        now=asked,
    )
    today = timezone.localdate()
    assert Inquiry.objects.with_status(today).get().status == InquiryStatus.OVERDUE  # type: ignore[attr-defined]
    assert inquiry.status_on(today) == InquiryStatus.OVERDUE
    services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="已落实，逾期答复致歉。")
    inquiry.refresh_from_db()
    assert inquiry.status_on(today) == InquiryStatus.ANSWERED and inquiry.answered_late


@pytest.mark.parametrize(
    ("question", "days", "field"),
    [
        ("", 3, "question"),
        ("为什么", 3, "question"),  # too short to say anything
        ("问" * 1001, 3, "question"),
        ("经费测算依据是什么？", None, "due_on"),
        ("经费测算依据是什么？", -1, "due_on"),
        ("经费测算依据是什么？", 31, "due_on"),
    ],
)
def test_bad_inquiries_are_refused(org: Org, question: str, days: int | None, field: str) -> None:
    due = None if days is None else timezone.localdate() + datetime.timedelta(days=days)
    with pytest.raises(ValidationError) as exc:
        services.inquiry_ask(actor=org.colleague, record=untimed(org.author), question=question, due_on=due)
    assert field in exc.value.message_dict
    assert not Inquiry.objects.exists()


def test_no_inquiry_into_ones_own_record_or_a_hidden_one(org: Org) -> None:
    due = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.inquiry_ask(actor=org.author, record=untimed(org.author), question="自问自答可以吗", due_on=due)
    hidden = untimed(org.colleague, visibility=Visibility.SUPERIORS)
    with pytest.raises(Http404):
        services.inquiry_ask(actor=org.unrelated, record=hidden, question="这是什么工作？", due_on=due)


def test_one_open_inquiry_per_asker_and_record(org: Org) -> None:
    record = untimed(org.author)
    due = timezone.localdate() + datetime.timedelta(days=2)
    services.inquiry_ask(actor=org.colleague, record=record, question="第一个问题是什么", due_on=due)
    with pytest.raises(ValidationError, match="尚未答复"):
        services.inquiry_ask(actor=org.colleague, record=record, question="第二个问题是什么", due_on=due)


def test_only_the_author_answers_and_only_once(org: Org) -> None:
    inquiry = services.inquiry_ask(
        actor=org.colleague, record=untimed(org.author), question="进展如何，请说明。", due_on=timezone.localdate()
    )
    with pytest.raises(PermissionDenied):
        services.inquiry_answer(actor=org.section_head, inquiry=inquiry, answer="我替他答")
    with pytest.raises(ValidationError):
        services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="  ")
    with pytest.raises(ValidationError):
        services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="答" * 2001)
    services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="已落实")
    with pytest.raises(ValidationError, match="已答复"):
        services.inquiry_answer(actor=org.author, inquiry=inquiry, answer="再答一次")
    inquiry.refresh_from_db()
    assert inquiry.answer == "已落实"


# --- participant cross-confirmation --------------------------------------------------------------------------------


def test_a_named_participant_confirms_and_gets_a_filled_record(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk, org.sibling.pk], place="局301会议室")
    assert list(selectors.pending_confirmations(person=org.colleague)) == [meeting]
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.confirmation_confirm(actor=org.colleague, record=meeting)
    own = confirmation.own_record
    assert own is not None and own.author == org.colleague
    assert (own.date, own.start_at, own.end_at, own.category_id, own.place) == (
        meeting.date,
        meeting.start_at,
        meeting.end_at,
        meeting.category_id,
        "局301会议室",
    )
    assert f"记实 #{meeting.pk}" in own.content
    assert set(own.participants.values_list("person_id", flat=True)) == {org.author.pk, org.sibling.pk}
    assert own.versions.count() == 1  # written by record_create: a first version, an audit event
    assert not selectors.pending_confirmations(person=org.colleague).exists()
    assert Notification.objects.filter(recipient=org.author, kind=Kind.CONFIRMATION).exists()
    states = {s.person.pk: s.status for s in selectors.participant_states(meeting)}
    assert states == {org.colleague.pk: "confirmed", org.sibling.pk: "pending"}


def test_confirming_over_an_existing_record_is_a_clear_error(org: Org) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk])
    write_record(org.colleague, start_time=datetime.time(9, 30), end_time=datetime.time(11, 0))
    with pytest.raises(ValidationError) as exc:
        services.confirmation_confirm(actor=org.colleague, record=meeting)
    assert "时间重叠" in str(exc.value)
    assert not Confirmation.objects.exists()


def test_rejecting_needs_a_reason_that_the_author_sees(org: Org) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk])
    with pytest.raises(ValidationError):
        services.confirmation_reject(actor=org.colleague, record=meeting, reason=" ")
    with pytest.raises(ValidationError):
        services.confirmation_reject(actor=org.colleague, record=meeting, reason="因" * 201)
    services.confirmation_reject(actor=org.colleague, record=meeting, reason="当天请假，未参加")
    [state] = selectors.participant_states(meeting)
    assert state.status == "rejected" and state.reason == "当天请假，未参加"
    with pytest.raises(ValidationError, match="已处理"):
        services.confirmation_confirm(actor=org.colleague, record=meeting)


def test_nobody_confirms_a_record_that_does_not_name_them(org: Org) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk])
    with pytest.raises(PermissionDenied):
        services.confirmation_confirm(actor=org.sibling, record=meeting)
    with pytest.raises(PermissionDenied):
        services.confirmation_reject(actor=org.sibling, record=meeting, reason="不是我")
    assert not Confirmation.objects.exists()


def test_a_record_the_participant_cannot_see_is_not_pending(org: Org) -> None:
    meeting = write_record(org.author, participant_ids=[org.unrelated.pk], visibility=Visibility.UNIT)
    assert not selectors.pending_confirmations(person=org.unrelated).exists()
    with pytest.raises(Http404):
        services.confirmation_confirm(actor=org.unrelated, record=meeting)


# --- flags -------------------------------------------------------------------------------------------------------


def test_a_flag_is_seen_by_covering_inspectors_and_the_flagger_only(org: Org) -> None:
    record = untimed(org.author)
    flag = services.flag_create(actor=org.colleague, record=record, reason="会议费用与标准不符，请核查。")
    assert flag.unit_id == org.budget.pk

    def sees(person: Any) -> bool:
        return selectors.flags_visible_to(person).filter(pk=flag.pk).exists()

    assert sees(org.colleague) and sees(org.inspector)
    for person in (org.author, org.section_head, org.unit_head, org.secretary, org.hr, org.admin, org.scoped_inspector):
        assert not sees(person), person
    assert not Notification.objects.exists()


@pytest.mark.parametrize("reason", ["", "不好", "理" * 1001])
def test_a_flag_needs_a_reason(org: Org, reason: str) -> None:
    with pytest.raises(ValidationError):
        services.flag_create(actor=org.colleague, record=untimed(org.author), reason=reason)
    assert not Flag.objects.exists()


def test_no_flag_on_ones_own_or_a_hidden_record(org: Org) -> None:
    with pytest.raises(PermissionDenied):
        services.flag_create(actor=org.author, record=untimed(org.author), reason="自己举报自己")
    with pytest.raises(Http404):
        services.flag_create(
            actor=org.unrelated, record=untimed(org.colleague, visibility=Visibility.UNIT), reason="看不到也举报"
        )


# --- views -------------------------------------------------------------------------------------------------------


def test_views_count_once_a_day_and_never_the_authors_own(org: Org) -> None:
    record = untimed(org.author)
    # Mid-morning local time: a minute later is the same day whenever the test runs (at 23:59:30 it was not).
    now = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(10)))
    assert services.view_log(viewer=org.colleague, record=record, now=now)
    assert not services.view_log(viewer=org.colleague, record=record, now=now + datetime.timedelta(minutes=1))
    assert services.view_log(viewer=org.colleague, record=record, now=now + datetime.timedelta(days=1))
    assert not services.view_log(viewer=org.author, record=record, now=now)
    assert RecordView.objects.filter(viewer=org.colleague).count() == 2


def test_the_author_sees_viewers_but_not_inspectors(org: Org) -> None:
    record = untimed(org.author)
    services.view_log(viewer=org.district_deputy, record=record)
    services.view_log(viewer=org.inspector, record=record)
    services.view_log(viewer=org.unrelated, record=record)
    shown = selectors.viewers_of(user=org.author, record=record)
    assert {v.viewer_id for v in shown} == {org.district_deputy.pk, org.unrelated.pk}
    assert {v.dimension for v in shown} == {Dimension.TOP_DOWN, Dimension.HORIZONTAL}
    assert selectors.viewers_of(user=org.section_head, record=record) == []
    assert RecordView.objects.get(viewer=org.inspector).by_inspector
    assert AuditEvent.objects.filter(verb="supervision.inspector_view", actor=org.inspector).count() == 1


def test_a_scoped_inspector_outside_their_scope_views_as_staff(org: Org) -> None:
    record = untimed(org.author)
    services.view_log(viewer=org.scoped_inspector, record=record)
    assert not RecordView.objects.get(viewer=org.scoped_inspector).by_inspector


def test_the_stored_dimension_survives_a_transfer(org: Org) -> None:
    record = untimed(org.author)
    services.view_log(viewer=org.unrelated, record=record)
    comment = services.comment_create(actor=org.unrelated, record=record, text="横向点评")
    make_post(org.unrelated, org.budget, kind=AssignmentKind.CONCURRENT)
    assert Comment.objects.get(pk=comment.pk).dimension == Dimension.HORIZONTAL
    assert RecordView.objects.get(viewer=org.unrelated).dimension == Dimension.HORIZONTAL
    later = services.comment_create(actor=org.unrelated, record=record, text="调入后点评")
    assert later.dimension == Dimension.VERTICAL


def test_named_participants_can_be_told(org: Org, django_capture_on_commit_callbacks: Any) -> None:
    meeting = write_record(org.author, participant_ids=[org.colleague.pk, org.unrelated.pk], visibility=Visibility.UNIT)
    with django_capture_on_commit_callbacks(execute=True):
        services.participants_notify(record=meeting)
    # 徐丽 works elsewhere and may not see a 本单位 record: notify() leaves her out.
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [org.colleague.pk]


def test_an_inspector_closes_a_flag_once_and_only_in_scope(org: Org) -> None:
    flag = services.flag_create(actor=org.colleague, record=untimed(org.author), reason="工时与纪要不符，请核查")
    with pytest.raises(PermissionDenied):
        services.flag_close(actor=org.scoped_inspector, flag=flag, note="不归我管")
    with pytest.raises(PermissionDenied):
        services.flag_close(actor=org.unit_head, flag=flag, note="领导不能处理")
    with pytest.raises(ValidationError):
        services.flag_close(actor=org.inspector, flag=flag, note="")
    services.flag_close(actor=org.inspector, flag=flag, note="经核实，时长系笔误，已提醒更正。")
    with pytest.raises(ValidationError, match="已处理"):
        services.flag_close(actor=org.inspector, flag=flag, note="再处理一次")
    flag.refresh_from_db()
    assert flag.closed_by == org.inspector and flag.closing_note.startswith("经核实")


def test_a_withdrawn_record_closes_discussion_and_confirmation(org: Org) -> None:
    from jishi.records.services import record_withdraw

    meeting = write_record(org.author, participant_ids=[org.colleague.pk])
    record_withdraw(actor=org.author, record=meeting, reason="记错了日期，重新记录")
    assert not selectors.pending_confirmations(person=org.colleague).exists()
    with pytest.raises(PermissionDenied, match="撤回"):
        services.comment_create(actor=org.section_head, record=meeting, text="看看")
    with pytest.raises(PermissionDenied):
        services.confirmation_confirm(actor=org.colleague, record=meeting)


def test_naming_a_colleague_asks_them_to_confirm_but_a_confirmation_asks_nobody(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        record = write_record(org.author, participant_ids=[org.colleague.pk])
    assert Notification.objects.filter(recipient=org.colleague, kind=Kind.CONFIRMATION).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_confirm(actor=org.colleague, record=record)
    # The colleague's own record names the author: the author hears of the confirmation, and is asked nothing.
    told = Notification.objects.filter(recipient=org.author, kind=Kind.CONFIRMATION)
    assert [n.text for n in told] == [f"{org.colleague.full_name}确认参与了你记录的工作"]
    assert list(selectors.pending_confirmations(person=org.author)) == []
    assert list(selectors.pending_confirmations(person=org.colleague)) == []
