"""监督 endpoints: the same services, selectors and visibility rule as the pages."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jishi.core.schemas import Id, answers
from jishi.org.calendar import local_today
from jishi.supervision import rules, selectors, services
from jishi.supervision.models import Comment, Confirmation, Flag, Inquiry, RecordView

router = Router(tags=["监督"])


class Ref(Schema):
    id: int
    name: str


class CommentIn(Schema):
    text: str
    mention_ids: list[Id] = Field(default=[], description="要提及的同事；正文中的 @姓名 在不重名时自动识别")


class CommentVersionOut(Schema):
    number: int
    text: str
    written_at: datetime.datetime


class CommentOut(Schema):
    id: int
    record_id: int
    author: Ref
    text: str
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    editable_until: datetime.datetime
    is_leader: bool
    leader_title: str
    dimension: str
    versions: list[CommentVersionOut]


class InquiryIn(Schema):
    question: str
    due_on: datetime.date | None = Field(default=None, description="答复期限（含当天），不早于今天，最长 30 天")


class AnswerIn(Schema):
    answer: str


class InquiryOut(Schema):
    id: int
    record_id: int
    asker: Ref
    question: str
    asked_at: datetime.datetime
    due_on: datetime.date
    status: str = Field(description="open 待答复 / answered 已答复 / overdue 已逾期")
    answer: str
    answered_at: datetime.datetime | None
    answered_late: bool
    is_leader: bool
    dimension: str


class ReasonIn(Schema):
    reason: str


class ConfirmationOut(Schema):
    record_id: int
    person: Ref
    status: str
    reason: str
    own_record_id: int | None


class ParticipantStateOut(Schema):
    person: Ref
    status: str = Field(description="confirmed / rejected / pending")
    reason: str
    own_record_id: int | None


class PendingOut(Schema):
    record_id: int
    author: Ref
    unit: Ref
    date: datetime.date
    category: str
    content: str


class FlagOut(Schema):
    id: int
    record_id: int
    unit: Ref
    flagger: Ref
    reason: str
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    closing_note: str = Field(description="处理意见：仅纪检监察人员可见")


class NoteIn(Schema):
    note: str


class ViewerOut(Schema):
    viewer: Ref
    unit: Ref | None
    viewed_at: datetime.datetime
    dimension: str


class DimensionOut(Schema):
    dimension: str
    label: str
    records_seen: int
    records_commented: int
    inquiries: int


class GroupOut(Schema):
    unit_id: int | None
    name: str
    hidden: bool = Field(description="记录人少于最小群体人数，数字不显示")
    authors: int
    records: int
    records_seen: int
    records_commented: int
    inquiries_open: int
    inquiries_overdue: int
    inquiries_answered: int
    dimensions: list[DimensionOut]


class OverviewOut(Schema):
    start: datetime.date
    end: datetime.date
    min_group: int
    total: GroupOut
    rows: list[GroupOut]


def _ref(person: object) -> Ref:
    return Ref(id=person.pk, name=person.get_full_name())  # type: ignore[attr-defined]


def comment_out(comment: Comment) -> CommentOut:
    return CommentOut(
        id=comment.pk,
        record_id=comment.record_id,
        author=_ref(comment.author),
        text=comment.text,
        created_at=timezone.localtime(comment.created_at),
        edited_at=timezone.localtime(comment.edited_at) if comment.edited_at else None,
        editable_until=timezone.localtime(comment.created_at)
        + datetime.timedelta(minutes=rules.comment_edit_minutes()),
        is_leader=comment.is_leader,
        leader_title=comment.leader_title,
        dimension=comment.dimension,
        versions=[
            CommentVersionOut(number=v.number, text=v.text, written_at=timezone.localtime(v.written_at))
            for v in comment.versions.all()
        ],
    )


def inquiry_out(inquiry: Inquiry, today: datetime.date) -> InquiryOut:
    return InquiryOut(
        id=inquiry.pk,
        record_id=inquiry.record_id,
        asker=_ref(inquiry.asker),
        question=inquiry.question,
        asked_at=timezone.localtime(inquiry.asked_at),
        due_on=inquiry.due_on,
        status=inquiry.status_on(today),
        answer=inquiry.answer,
        answered_at=timezone.localtime(inquiry.answered_at) if inquiry.answered_at else None,
        answered_late=inquiry.answered_late,
        is_leader=inquiry.is_leader,
        dimension=inquiry.dimension,
    )


def _confirmation_out(c: Confirmation) -> ConfirmationOut:
    return ConfirmationOut(
        record_id=c.record_id, person=_ref(c.person), status=c.status, reason=c.reason, own_record_id=c.own_record_id
    )


def _flag_out(f: Flag, scope: set[int] | None) -> FlagOut:
    inspecting = scope is None or f.unit_id in scope
    return FlagOut(
        id=f.pk,
        record_id=f.record_id,
        unit=Ref(id=f.unit_id, name=f.unit.name),
        flagger=_ref(f.flagger),
        reason=f.reason,
        created_at=timezone.localtime(f.created_at),
        closed_at=timezone.localtime(f.closed_at) if f.closed_at else None,
        closing_note=f.closing_note if inspecting else "",
    )


def _inspection_scope(request: HttpRequest) -> set[int] | None:
    return rules.inspector_unit_ids(request.user.pk or 0, local_today())


def _viewer_out(v: RecordView) -> ViewerOut:
    return ViewerOut(
        viewer=_ref(v.viewer),
        unit=Ref(id=v.viewer_unit.pk, name=v.viewer_unit.name) if v.viewer_unit else None,
        viewed_at=timezone.localtime(v.viewed_at),
        dimension=v.dimension,
    )


@router.get("/records/{record_id}/comments", response=answers(list[CommentOut], 404), summary="记实的点评")
def list_comments(request: HttpRequest, record_id: Id) -> list[CommentOut]:
    record = selectors.readable_record(request.user, record_id)
    if not rules.can_discuss(record):
        return []
    return [comment_out(c) for c in selectors.comments_on(record)]


@router.post(
    "/records/{record_id}/comments",
    response=answers(CommentOut, 400, 403, 404, status=201),
    summary="发表点评（@姓名 提醒能看到该记实的同事）",
)
def create_comment(request: HttpRequest, record_id: Id, payload: CommentIn) -> Status[CommentOut]:
    record = selectors.readable_record(request.user, record_id)
    comment = services.comment_create(
        actor=request.user,  # type: ignore[arg-type]
        record=record,
        text=payload.text,
        mention_ids=payload.mention_ids,
    )
    return Status(201, comment_out(comment))


@router.patch(
    "/comments/{comment_id}",
    response=answers(CommentOut, 400, 403, 404),
    summary="修改自己的点评（发表后短时间内；旧文保留）",
)
def edit_comment(request: HttpRequest, comment_id: Id, payload: CommentIn) -> CommentOut:
    comment = selectors.comment_for(request.user, comment_id)
    comment = services.comment_edit(
        actor=request.user,  # type: ignore[arg-type]
        comment=comment,
        text=payload.text,
        mention_ids=payload.mention_ids,
    )
    return comment_out(Comment.objects.select_related("author").get(pk=comment.pk))


@router.get("/records/{record_id}/inquiries", response=answers(list[InquiryOut], 404), summary="记实的质询")
def list_record_inquiries(request: HttpRequest, record_id: Id) -> list[InquiryOut]:
    record = selectors.readable_record(request.user, record_id)
    if not rules.can_discuss(record):
        return []
    today = local_today()
    return [inquiry_out(q, today) for q in selectors.inquiries_on(record, today)]


@router.post(
    "/records/{record_id}/inquiries",
    response=answers(InquiryOut, 400, 403, 404, status=201),
    summary="提出质询（记录人须在期限内答复）",
)
def ask_inquiry(request: HttpRequest, record_id: Id, payload: InquiryIn) -> Status[InquiryOut]:
    record = selectors.readable_record(request.user, record_id)
    inquiry = services.inquiry_ask(
        actor=request.user,  # type: ignore[arg-type]
        record=record,
        question=payload.question,
        due_on=payload.due_on,
    )
    return Status(201, inquiry_out(inquiry, local_today()))


@router.post(
    "/inquiries/{inquiry_id}/answer",
    response=answers(InquiryOut, 400, 403, 404),
    summary="答复质询（仅记录人本人，一次）",
)
def answer_inquiry(request: HttpRequest, inquiry_id: Id, payload: AnswerIn) -> InquiryOut:
    inquiry = selectors.inquiry_for(request.user, inquiry_id)
    inquiry = services.inquiry_answer(actor=request.user, inquiry=inquiry, answer=payload.answer)  # type: ignore[arg-type]
    return inquiry_out(inquiry, local_today())


@router.get(
    "/inquiries", response=answers(list[InquiryOut]), summary="我的质询：待我答复（to_answer）或我提出的（asked）"
)
def my_inquiries(
    request: HttpRequest, role: str = Query("to_answer", pattern="^(to_answer|asked)$")
) -> list[InquiryOut]:
    today = local_today()
    if role == "asked":
        rows = selectors.inquiries_asked(person=request.user, today=today)  # type: ignore[arg-type]
    else:
        rows = list(selectors.inquiries_to_answer(person=request.user, today=today)[:200])  # type: ignore[arg-type]
    return [inquiry_out(q, today) for q in rows]


@router.get("/confirmations/pending", response=answers(list[PendingOut]), summary="把我列为参与者、待我确认的记实")
def pending_confirmations(request: HttpRequest) -> list[PendingOut]:
    rows = selectors.pending_confirmations(person=request.user)[:200]  # type: ignore[arg-type]
    return [
        PendingOut(
            record_id=r.pk,
            author=_ref(r.author),
            unit=Ref(id=r.unit_id, name=r.unit.name),
            date=r.date,
            category=r.category.name,
            content=r.content,
        )
        for r in rows
    ]


@router.get(
    "/records/{record_id}/confirmations",
    response=answers(list[ParticipantStateOut], 404),
    summary="参与者的确认情况（记录人本人可见）",
)
def record_confirmations(request: HttpRequest, record_id: Id) -> list[ParticipantStateOut]:
    record = selectors.readable_record(request.user, record_id)
    if record.author_id != request.user.pk:
        return []
    return [
        ParticipantStateOut(person=_ref(s.person), status=s.status, reason=s.reason, own_record_id=s.own_record_id)
        for s in selectors.participant_states(record)
    ]


@router.post(
    "/records/{record_id}/confirm",
    response=answers(ConfirmationOut, 400, 403, 404, status=201),
    summary="确认参与，并生成自己的记实",
)
def confirm(request: HttpRequest, record_id: Id) -> Status[ConfirmationOut]:
    record = selectors.readable_record(request.user, record_id)
    confirmation = services.confirmation_confirm(actor=request.user, record=record)  # type: ignore[arg-type]
    return Status(201, _confirmation_out(confirmation))


@router.post(
    "/records/{record_id}/reject",
    response=answers(ConfirmationOut, 400, 403, 404, status=201),
    summary="表示未参与（须说明理由，记录人可见）",
)
def reject(request: HttpRequest, record_id: Id, payload: ReasonIn) -> Status[ConfirmationOut]:
    record = selectors.readable_record(request.user, record_id)
    confirmation = services.confirmation_reject(
        actor=request.user,  # type: ignore[arg-type]
        record=record,
        reason=payload.reason,
    )
    return Status(201, _confirmation_out(confirmation))


@router.post(
    "/records/{record_id}/flags",
    response=answers(FlagOut, 400, 403, 404, status=201),
    summary="提请纪检关注（保密：仅纪检监察人员和本人可见）",
)
def create_flag(request: HttpRequest, record_id: Id, payload: ReasonIn) -> Status[FlagOut]:
    record = selectors.readable_record(request.user, record_id)
    flag = services.flag_create(actor=request.user, record=record, reason=payload.reason)  # type: ignore[arg-type]
    flag = Flag.objects.select_related("unit", "flagger").get(pk=flag.pk)
    return Status(201, _flag_out(flag, _inspection_scope(request)))


@router.get(
    "/flags", response=answers(list[FlagOut]), summary="纪检关注：纪检监察人员看其范围内全部，其他人只看自己提出的"
)
def list_flags(request: HttpRequest) -> list[FlagOut]:
    scope = _inspection_scope(request)
    rows = selectors.flags_visible_to(request.user).order_by("-created_at", "-id")[:200]
    return [_flag_out(f, scope) for f in rows]


@router.post(
    "/flags/{flag_id}/close",
    response=answers(FlagOut, 400, 403, 404),
    summary="办结纪检关注（负责该单位的纪检监察人员，写明处理意见）",
)
def close_flag(request: HttpRequest, flag_id: Id, payload: NoteIn) -> FlagOut:
    flag = selectors.flag_for(request.user, flag_id)
    services.flag_close(actor=request.user, flag=flag, note=payload.note)  # type: ignore[arg-type]
    return _flag_out(selectors.flag_for(request.user, flag_id), _inspection_scope(request))


@router.get(
    "/records/{record_id}/viewers",
    response=answers(list[ViewerOut], 404),
    summary="谁看过我的记实（记录人本人可见；纪检监察人员的查看不显示）",
)
def record_viewers(request: HttpRequest, record_id: Id) -> list[ViewerOut]:
    record = selectors.readable_record(request.user, record_id)
    return [_viewer_out(v) for v in selectors.viewers_of(user=request.user, record=record)]


def _group_out(g: selectors.GroupFigures) -> GroupOut:
    return GroupOut(
        unit_id=g.unit_id,
        name=g.name,
        hidden=g.hidden,
        authors=g.authors,
        records=g.records,
        records_seen=g.records_seen,
        records_commented=g.records_commented,
        inquiries_open=g.inquiries_open,
        inquiries_overdue=g.inquiries_overdue,
        inquiries_answered=g.inquiries_answered,
        dimensions=[DimensionOut(**d.__dict__) for d in g.dimensions],
    )


@router.get(
    "/supervision/overview",
    response=answers(OverviewOut, 400, 403, 404),
    summary="监督概况：全区（按本单位）或某单位（按科室）在一段时间内的记实被查看、点评、质询情况",
    description="某单位的概况：本单位人员、其上级、区领导和范围内的纪检监察、组织人事可看；"
    "全区概况：区领导和全区范围的纪检监察、组织人事可看。"
    "没有纪检监察或组织人事授权的系统管理员得到 403（说明需要授权），其他人得到 404。",
)
def overview(
    request: HttpRequest,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    unit: Id | None = None,
) -> OverviewOut:
    today = local_today()
    end = min(date_to or today, today)
    start = date_from or end.replace(day=1)
    if start > end or (end - start).days > 366:
        raise ValidationError({"date_from": ["起始日期须不晚于截止日期，且期间不超过一年。"]})
    data = selectors.overview_for(viewer=request.user, unit_id=unit, start=start, end=end, today=today)
    return OverviewOut(
        start=data.start,
        end=data.end,
        min_group=data.min_group,
        total=_group_out(data.total),
        rows=[_group_out(g) for g in data.rows],
    )
