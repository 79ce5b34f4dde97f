"""Writes of supervision: comments, inquiries and answers, participant confirmations, flags, view logs.

Each service re-reads the record through WorkRecord.objects.visible_to(actor), so a record the actor may not
see is a 404 here exactly as on the pages; rules.py says who may do what; the dimension of every view, comment
and inquiry is classified once (rules.classify) and stored on the row.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from jishi.core.services import audit
from jishi.notifications.models import Kind
from jishi.notifications.services import notify
from jishi.org.calendar import day_of
from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.records.services import CONTENT_MAX_CHARS, RecordInput, record_create
from jishi.supervision import rules
from jishi.supervision.models import (
    Comment,
    CommentMention,
    CommentVersion,
    Confirmation,
    ConfirmationStatus,
    Flag,
    Inquiry,
    RecordView,
)
from jishi.supervision.selectors import may_read_content, mention_candidates, readable_record

COMMENT_MAX_CHARS = 1000
QUESTION_MIN_CHARS = 5
QUESTION_MAX_CHARS = 1000
ANSWER_MAX_CHARS = 2000
REASON_MAX_CHARS = 200
FLAG_REASON_MIN_CHARS = 5
FLAG_REASON_MAX_CHARS = 1000
MAX_MENTIONS = 10


def _url(record: WorkRecord) -> str:
    return reverse("records:detail", args=[record.pk])


def _text(value: str, *, field: str, label: str, max_chars: int, min_chars: int = 1) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [f"请填写{label}。"]})
    if len(text) < min_chars:
        raise ValidationError({field: [f"{label}至少 {min_chars} 个字，请写明具体内容。"]})
    if len(text) > max_chars:
        raise ValidationError({field: [f"{label}不能超过 {max_chars} 字（当前 {len(text)} 字）。"]})
    return text


def resolve_mentions(*, actor: Person, record: WorkRecord, text: str, mention_ids: list[int]) -> list[Person]:
    """The colleagues a comment mentions: explicit ids, and "@姓名" in the text when the name is unambiguous.

    Only people who may read the record's content are kept — the rest are silently left out, so a mention never
    tells anyone the record exists. A name shared by several such people must be chosen by id.
    """
    chosen: dict[int, Person] = {}
    if mention_ids:
        for person in Person.objects.filter(pk__in=set(mention_ids), is_active=True):
            if may_read_content(person, record.pk):
                chosen[person.pk] = person
    for name, readable in mention_candidates(actor=actor, record=record, text=text).items():
        if any(p.pk in chosen for p in readable):
            continue
        if len(readable) > 1:
            raise ValidationError({"mentions": [f"有 {len(readable)} 位同事名叫“{name}”，请从候选中选择要提及的人。"]})
        if readable:
            chosen[readable[0].pk] = readable[0]
    chosen.pop(actor.pk, None)
    if len(chosen) > MAX_MENTIONS:
        raise ValidationError({"mentions": [f"一条点评最多提及 {MAX_MENTIONS} 人。"]})
    return list(chosen.values())


def _closed(record: WorkRecord) -> str:
    if record.withdrawn_at is not None:
        return "记实已撤回，点评和质询随之关闭。"
    return "敏感记实的点评和质询仅本单位、上级和授权人员可见。"


def _classified(actor: Person, record: WorkRecord, day: datetime.date) -> tuple[rules.Classification, list[rules.Post]]:
    posts = rules.posts_of(actor.pk, day)
    return rules.classify_act(actor_id=actor.pk, record=record, day=day, posts=posts), posts


@transaction.atomic
def comment_create(
    *,
    actor: Person,
    record: WorkRecord,
    text: str,
    mention_ids: list[int] | None = None,
    now: datetime.datetime | None = None,
) -> Comment:
    """Post a review comment (点评) on a record the actor may read; mentioned colleagues are notified."""
    now = now or timezone.now()
    record = readable_record(actor, record.pk)
    if not rules.can_comment(actor, record):
        raise PermissionDenied(_closed(record))
    body = _text(text, field="text", label="点评内容", max_chars=COMMENT_MAX_CHARS)
    mentioned = resolve_mentions(actor=actor, record=record, text=body, mention_ids=mention_ids or [])
    classification, posts = _classified(actor, record, day_of(now))
    leading = rules.leader_post(posts, classification.post)
    comment = Comment.objects.create(
        record=record,
        author=actor,
        text=body,
        created_at=now,
        is_leader=leading is not None,
        leader_title=leading.title[:200] if leading else "",
        dimension=classification.dimension,
        actor_unit_id=classification.unit_id,
    )
    version = CommentVersion.objects.create(comment=comment, number=1, text=body, written_at=now)
    CommentMention.objects.bulk_create([CommentMention(comment=comment, person=p) for p in mentioned])
    audit(
        actor=actor,
        verb="supervision.comment",
        target=record,
        data={"comment": comment.pk, "dimension": comment.dimension, "mentions": [p.pk for p in mentioned]},
        history=[version],  # the comment's text joins the integrity hash chain
    )
    who = actor.get_full_name()
    label = "领导" if comment.is_leader else ""
    notify(
        recipients=[record.author],
        kind=Kind.COMMENT,
        actor=actor,
        text=f"{label}{who}点评了你的记实",
        record=record,
        url=_at(record, f"comment-{comment.pk}"),
    )
    others = [p for p in mentioned if p.pk != record.author_id]  # the author already hears of the comment
    notify(
        recipients=others,
        kind=Kind.MENTION,
        actor=actor,
        text=f"{who}在点评中提到了你",
        record=record,
        url=_at(record, f"comment-{comment.pk}"),
    )
    return comment


@transaction.atomic
def comment_edit(
    *,
    actor: Person,
    comment: Comment,
    text: str,
    mention_ids: list[int] | None = None,
    now: datetime.datetime | None = None,
) -> Comment:
    """Change one's own comment within the edit window; the earlier text stays as a version."""
    now = now or timezone.now()
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    record = readable_record(actor, comment.record_id)
    if comment.author_id != actor.pk:
        raise PermissionDenied("只能修改自己的点评。")
    minutes = rules.comment_edit_minutes()
    if now - comment.created_at > datetime.timedelta(minutes=minutes):
        raise ValidationError({"text": [f"点评发表超过 {minutes} 分钟，已不能修改。"]})
    body = _text(text, field="text", label="点评内容", max_chars=COMMENT_MAX_CHARS)
    if body == comment.text:
        return comment
    mentioned = resolve_mentions(actor=actor, record=record, text=body, mention_ids=mention_ids or [])
    already = set(comment.mention_rows.values_list("person_id", flat=True))
    added = [p for p in mentioned if p.pk not in already]
    comment.text = body
    comment.version += 1
    comment.edited_at = now
    comment.save(update_fields=["text", "version", "edited_at"])
    version = CommentVersion.objects.create(comment=comment, number=comment.version, text=body, written_at=now)
    CommentMention.objects.bulk_create([CommentMention(comment=comment, person=p) for p in added])
    audit(
        actor=actor,
        verb="supervision.comment_edit",
        target=record,
        data={"comment": comment.pk, "version": comment.version},
        history=[version],  # the new text joins the integrity hash chain
    )
    notify(
        recipients=added,
        kind=Kind.MENTION,
        actor=actor,
        text=f"{actor.get_full_name()}在点评中提到了你",
        record=record,
        url=_at(record, f"comment-{comment.pk}"),
    )
    return comment


@transaction.atomic
def inquiry_ask(
    *,
    actor: Person,
    record: WorkRecord,
    question: str,
    due_on: datetime.date | None,
    now: datetime.datetime | None = None,
) -> Inquiry:
    """Put an inquiry (质询) to a record's author, who must answer by the end of `due_on`."""
    now = now or timezone.now()
    record = readable_record(actor, record.pk)
    if record.author_id == actor.pk:
        raise PermissionDenied("不能质询自己的记实。")
    if not rules.can_inquire(actor, record):
        raise PermissionDenied(_closed(record))
    errors: dict[str, list[str]] = {}
    try:
        body = _text(
            question, field="question", label="质询内容", max_chars=QUESTION_MAX_CHARS, min_chars=QUESTION_MIN_CHARS
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    today = day_of(now)
    longest = rules.inquiry_max_days()
    if due_on is None:
        errors["due_on"] = ["请填写答复期限。"]
    elif due_on < today:
        errors["due_on"] = ["答复期限不能早于今天。"]
    elif due_on > today + datetime.timedelta(days=longest):
        latest = today + datetime.timedelta(days=longest)
        errors["due_on"] = [f"答复期限最长 {longest} 天（不晚于 {latest:%Y-%m-%d}）。"]
    if errors:
        raise ValidationError(errors)
    if Inquiry.objects.filter(record=record, asker=actor, answered_at__isnull=True).exists():
        raise ValidationError({"question": ["您对这条记实的质询尚未答复，请等待答复后再提出新的质询。"]})
    assert due_on is not None
    classification, posts = _classified(actor, record, today)
    leading = rules.leader_post(posts, classification.post)
    inquiry = Inquiry.objects.create(
        record=record,
        asker=actor,
        question=body,
        asked_at=now,
        due_on=due_on,
        is_leader=leading is not None,
        leader_title=leading.title[:200] if leading else "",
        dimension=classification.dimension,
        actor_unit_id=classification.unit_id,
    )
    audit(
        actor=actor,
        verb="supervision.inquiry",
        target=record,
        data={"inquiry": inquiry.pk, "due_on": due_on, "dimension": inquiry.dimension},
    )
    notify(
        recipients=[record.author],
        kind=Kind.INQUIRY,
        actor=actor,
        text=f"{actor.get_full_name()}对你的记实提出质询，请在{due_on.month}月{due_on.day}日前答复",
        record=record,
        url=_at(record, f"inquiry-{inquiry.pk}"),
    )
    return inquiry


@transaction.atomic
def inquiry_answer(*, actor: Person, inquiry: Inquiry, answer: str, now: datetime.datetime | None = None) -> Inquiry:
    """The record's author answers an inquiry, once; an answer after the due day is kept and shown as late."""
    now = now or timezone.now()
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    record = readable_record(actor, inquiry.record_id)
    if not rules.can_answer(actor, record):
        raise PermissionDenied("只有记实的记录人本人可以答复质询。")
    if inquiry.answered_at is not None:
        raise ValidationError({"answer": ["该质询已答复，答复不能修改。"]})
    body = _text(answer, field="answer", label="答复", max_chars=ANSWER_MAX_CHARS)
    inquiry.answer = body
    inquiry.answered_at = now
    inquiry.save(update_fields=["answer", "answered_at"])
    audit(
        actor=actor,
        verb="supervision.inquiry_answer",
        target=record,
        data={"inquiry": inquiry.pk, "late": inquiry.answered_late},
    )
    notify(
        recipients=[inquiry.asker],
        kind=Kind.INQUIRY_ANSWER,
        actor=actor,
        text=f"{actor.get_full_name()}答复了你的质询",
        record=record,
        url=_at(record, f"inquiry-{inquiry.pk}-answer"),
    )
    return inquiry


def _at(record: WorkRecord, anchor: str) -> str:
    """The record page's link landing on one item of its supervision panel (a comment, an inquiry)."""
    return f"{reverse('records:detail', args=[record.pk])}#{anchor}"


def _named(actor: Person, record: WorkRecord) -> None:
    if not record.participants.filter(person=actor).exists():
        raise PermissionDenied("这条记实没有把您列为参与者。")
    if Confirmation.objects.filter(record=record, person=actor).exists():
        raise ValidationError({"__all__": ["您已处理过这条记实的参与确认。"]})


def participant_record_input(record: WorkRecord, person: Person) -> RecordInput:
    """B's record of a meeting A recorded: the same day, times, category, place and visibility; A and the other
    participants as B's participants; the content refers to A's record."""
    data = RecordInput.from_record(record)
    note = f"\n（参与{record.author.get_full_name()}记录的工作，见记实 #{record.pk}）"
    data.content = record.content[: CONTENT_MAX_CHARS - len(note)] + note
    data.participant_ids = [record.author_id] + [pid for pid in data.participant_ids if pid != person.pk]
    data.duty_id = None
    data.unit_id = None
    data.result = ""
    data.reflection = ""
    return data


def participants_notify(*, record: WorkRecord) -> None:
    """Tell the colleagues a new record names that it awaits their confirmation (call inside record creation's
    transaction; notify() delivers on commit, and only to those who may see the record)."""
    named = [p.person for p in record.participants.select_related("person") if p.person is not None]
    notify(
        recipients=named,
        kind=Kind.CONFIRMATION,
        actor=record.author,
        text=f"{record.author.get_full_name()}的记实把你列为参与者，请确认",
        record=record,
    )


def record_created_ask(*, record: WorkRecord, author: Person, ask_participants: bool) -> None:
    """Hook record.created: ask the colleagues the new record names to confirm, unless it is itself a confirmation."""
    if ask_participants:
        participants_notify(record=record)


@transaction.atomic
def confirmation_confirm(*, actor: Person, record: WorkRecord, now: datetime.datetime | None = None) -> Confirmation:
    """A named participant confirms: their own record is created, already filled, through record_create."""
    now = now or timezone.now()
    record = readable_record(actor, record.pk)
    if not rules.can_discuss(record):
        raise PermissionDenied("您无权阅读这条记实的内容。")
    _named(actor, record)
    own = record_create(author=actor, data=participant_record_input(record, actor), now=now, ask_participants=False)
    confirmation = Confirmation.objects.create(
        record=record, person=actor, status=ConfirmationStatus.CONFIRMED, own_record=own, decided_at=now
    )
    audit(actor=actor, verb="supervision.confirm", target=record, data={"own_record": own.pk})
    notify(
        recipients=[record.author],
        kind=Kind.CONFIRMATION,
        actor=actor,
        text=f"{actor.get_full_name()}确认参与了你记录的工作",
        record=record,
    )
    return confirmation


@transaction.atomic
def confirmation_reject(
    *, actor: Person, record: WorkRecord, reason: str, now: datetime.datetime | None = None
) -> Confirmation:
    """A named participant says they were not part of the work, with a reason the author sees."""
    now = now or timezone.now()
    record = readable_record(actor, record.pk)
    if not rules.can_discuss(record):
        raise PermissionDenied("您无权阅读这条记实的内容。")
    _named(actor, record)
    text = _text(reason, field="reason", label="理由", max_chars=REASON_MAX_CHARS, min_chars=2)
    confirmation = Confirmation.objects.create(
        record=record, person=actor, status=ConfirmationStatus.REJECTED, reason=text, decided_at=now
    )
    audit(actor=actor, verb="supervision.reject", target=record, data={"reason": text})
    notify(
        recipients=[record.author],
        kind=Kind.CONFIRMATION,
        actor=actor,
        text=f"{actor.get_full_name()}表示未参与你记录的工作",
        record=record,
    )
    return confirmation


@transaction.atomic
def flag_create(*, actor: Person, record: WorkRecord, reason: str, now: datetime.datetime | None = None) -> Flag:
    """Flag a record to discipline inspection (纪检); confidential — no notification reaches author or leaders."""
    now = now or timezone.now()
    record = readable_record(actor, record.pk)
    if not rules.can_flag(actor, record):
        raise PermissionDenied("不能对自己的记实提请纪检关注。")
    text = _text(reason, field="reason", label="理由", max_chars=FLAG_REASON_MAX_CHARS, min_chars=FLAG_REASON_MIN_CHARS)
    flag = Flag.objects.create(record=record, flagger=actor, reason=text, created_at=now, unit_id=record.unit_id)
    # The audit line names the flag only: its reason stays in the flag, which inspectors alone read.
    audit(actor=actor, verb="supervision.flag", target=flag)
    return flag


@transaction.atomic
def flag_close(*, actor: Person, flag: Flag, note: str, now: datetime.datetime | None = None) -> Flag:
    """An inspector covering the record closes a flag with their conclusion (once)."""
    now = now or timezone.now()
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if not rules.inspector_covers(actor.pk, flag.unit_id, day_of(now)):
        raise PermissionDenied("只有负责该单位的纪检监察人员可以处理。")
    if flag.closed_at is not None:
        raise ValidationError({"note": ["该提请已处理。"]})
    flag.closing_note = _text(note, field="note", label="处理意见", max_chars=FLAG_REASON_MAX_CHARS, min_chars=2)
    flag.closed_at, flag.closed_by = now, actor
    flag.save(update_fields=["closing_note", "closed_at", "closed_by"])
    audit(actor=actor, verb="supervision.flag_close", target=flag)
    return flag


def view_log(*, viewer: Person, record: WorkRecord, now: datetime.datetime | None = None) -> bool:
    """Log that `viewer` opened `record` (page or API detail) — once per viewer and day; returns True when new.

    The caller has already fetched the record through visible_to. The author's own views are not views.
    """
    if not getattr(viewer, "pk", None) or viewer.pk == record.author_id:
        return False
    now = now or timezone.now()
    day = day_of(now)
    if RecordView.objects.filter(record_id=record.pk, viewer_id=viewer.pk, day=day).exists():
        return False
    classification = rules.classify_act(actor_id=viewer.pk, record=record, day=day)
    by_inspector = rules.inspector_covers(viewer.pk, record.unit_id, day)
    try:
        with transaction.atomic():
            view = RecordView.objects.create(
                record_id=record.pk,
                viewer_id=viewer.pk,
                day=day,
                viewed_at=now,
                dimension=classification.dimension,
                viewer_unit_id=classification.unit_id,
                by_inspector=by_inspector,
                record_date=record.date,
                record_unit_id=record.unit_id,
                record_department_id=record.department_id,
            )
            if by_inspector:
                audit(actor=viewer, verb="supervision.inspector_view", target=record, data={"view": view.pk})
    except IntegrityError:  # two tabs opened at once: the other request logged today's view
        return False
    return True


__all__ = [
    "comment_create",
    "comment_edit",
    "confirmation_confirm",
    "confirmation_reject",
    "flag_create",
    "inquiry_answer",
    "inquiry_ask",
    "view_log",
]
