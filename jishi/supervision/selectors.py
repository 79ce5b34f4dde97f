"""Reads of supervision. Records are fetched through WorkRecord.objects.visible_to(user), like everywhere else."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Person, Unit
from jishi.org.rules import reader_for, refuse
from jishi.records.models import RecordQuerySet, WorkRecord
from jishi.records.rules import content_q
from jishi.supervision import rules
from jishi.supervision.models import (
    SUPERVISING_DIMENSIONS,
    Comment,
    CommentVersion,
    Confirmation,
    Flag,
    Inquiry,
    InquiryStatus,
    RecordView,
)


def readable_record(user: Any, pk: int) -> WorkRecord:
    """A record `user` may read (annotated with content_visible), with author and unit; otherwise 404."""
    record = WorkRecord.objects.visible_to(user).select_related("author", "unit").filter(pk=pk).first()
    if record is None:
        raise Http404("记实不存在或无权查看。")
    return record


# "@李娜" — a name runs to the first space or punctuation; the longest known name that prefixes it wins,
# so "@李娜请看" still finds 李娜.
_MENTION = re.compile(r"@([\u3400-\u9fffA-Za-z·]{1,20})")


def may_read_content(person: Person, record_id: int) -> bool:
    """Could `person` read this record's content (a mention or notification must not reveal more)?"""
    return WorkRecord.objects.visible_to(person).filter(content_q(reader_for(person)), pk=record_id).exists()


def mention_candidates(*, actor: Any, record: WorkRecord, text: str) -> dict[str, list[Person]]:
    """For each "@姓名" in `text` that names someone: the people of that name (not the actor) who may read the
    record's content — one is a mention, several must be chosen, none is silently dropped."""
    tokens = _MENTION.findall(text)
    if not tokens:
        return {}
    prefixes = {token[:n] for token in tokens for n in range(1, len(token) + 1)}
    by_name: dict[str, list[Person]] = {}
    for person in Person.objects.filter(full_name__in=prefixes, is_active=True).exclude(pk=actor.pk):
        by_name.setdefault(person.full_name, []).append(person)
    found: dict[str, list[Person]] = {}
    for token in tokens:
        name = next((token[:n] for n in range(len(token), 0, -1) if token[:n] in by_name), None)
        if name is not None and name not in found:
            found[name] = [p for p in by_name[name] if may_read_content(p, record.pk)]
    return found


def people_with_units(people: list[Person]) -> list[tuple[Person, str]]:
    """People with the names of the units of their current posts, to tell namesakes apart (one query)."""
    units: dict[int, list[str]] = {}
    for person_id, name in (
        Assignment.objects.active_on(local_today())
        .filter(person__in=people)
        .values_list("person_id", "position__unit__name")
    ):
        units.setdefault(person_id, []).append(name)
    return [(p, "、".join(units.get(p.pk, []))) for p in people]


def comment_for(user: Any, pk: int) -> Comment:
    """A comment on a record whose discussion `user` may read; otherwise 404."""
    comment = Comment.objects.filter(pk=pk).first()
    if comment is None or not rules.can_discuss(readable_record(user, comment.record_id)):
        raise Http404("点评不存在或无权查看。")
    return comment


def inquiry_for(user: Any, pk: int) -> Inquiry:
    """An inquiry on a record whose discussion `user` may read; otherwise 404."""
    inquiry = Inquiry.objects.filter(pk=pk).first()
    if inquiry is None or not rules.can_discuss(readable_record(user, inquiry.record_id)):
        raise Http404("质询不存在或无权查看。")
    return inquiry


def comments_on(record: WorkRecord) -> list[Comment]:
    """A record's comments, oldest first, with their authors and every earlier text (two queries)."""
    return list(
        Comment.objects.filter(record=record)
        .select_related("author", "actor_unit")
        .prefetch_related(Prefetch("versions", queryset=CommentVersion.objects.order_by("number")))
        .order_by("created_at", "id")
    )


def inquiries_on(record: WorkRecord, today: datetime.date | None = None) -> list[Inquiry]:
    """A record's inquiries with their status, oldest first."""
    today = today or local_today()
    return list(
        Inquiry.objects.filter(record=record)
        .with_status(today)
        .select_related("asker", "actor_unit")
        .order_by("asked_at", "id")
    )


def confirmation_window_start(today: datetime.date) -> datetime.date:
    """Records older than the late-entry window cannot be confirmed: B's own record could no longer be written."""
    return today - datetime.timedelta(days=settings.JISHI_LATE_ENTRY_DAYS)


def pending_confirmations(*, person: Person, today: datetime.date | None = None) -> RecordQuerySet:
    """Records by others, readable in full by `person`, that name them and that they have not answered yet."""
    today = today or local_today()
    return (
        WorkRecord.objects.visible_to(person)
        .filter(participants__person=person, date__gte=confirmation_window_start(today))
        .exclude(author=person)
        .exclude(confirmations__person=person)
        # B's record confirming A's names A: it is B's answer to A, not a new question for A.
        .exclude(id__in=Confirmation.objects.filter(record__author=person).values("own_record_id"))
        .filter(content_q(reader_for(person)))
        .select_related("author", "unit", "category")
        .order_by("-date", "-id")
    )


@dataclass
class ParticipantState:
    """One named colleague's answer to a record, as its author sees it."""

    person: Person
    status: str  # confirmed, rejected, pending
    reason: str = ""
    own_record_id: int | None = None


def participant_states(record: WorkRecord) -> list[ParticipantState]:
    """Each colleague the record names, with their confirmation, rejection (and reason) or nothing yet."""
    named = [p.person for p in record.participants.all() if p.person is not None]
    if not named:
        return []
    answers = {c.person_id: c for c in Confirmation.objects.filter(record=record)}
    states = []
    for person in named:
        answer = answers.get(person.pk)
        if answer is None:
            states.append(ParticipantState(person, "pending"))
        else:
            states.append(ParticipantState(person, answer.status, answer.reason, answer.own_record_id))
    return states


UNSET: Any = object()


def flags_visible_to(user: Any, today: datetime.date | None = None, scope: Any = UNSET) -> QuerySet[Flag]:
    """Flags an inspector covers (by the record's unit); nobody else sees any flag but their own.

    `scope` is rules.inspector_unit_ids for the user when the caller already has it.
    """
    if not getattr(user, "pk", None):
        return Flag.objects.none()
    if scope is UNSET:
        scope = rules.inspector_unit_ids(user.pk, today or local_today())
    own = Q(flagger_id=user.pk)
    if scope is None:
        condition = Q()
    elif scope:
        condition = Q(unit_id__in=scope) | own
    else:
        condition = own
    return Flag.objects.filter(condition).select_related("record__author", "record__unit", "flagger", "unit")


def flag_for(user: Any, pk: int) -> Flag:
    """A flag `user` may see (an inspector covering it, or its flagger); otherwise 404."""
    flag = flags_visible_to(user).filter(pk=pk).first()
    if flag is None:
        raise Http404("没有这条纪检关注。")
    return flag


def flags_on(user: Any, record: WorkRecord, scope: Any = UNSET) -> list[Flag]:
    return list(flags_visible_to(user, scope=scope).filter(record=record).order_by("-created_at"))


def viewers_of(*, user: Any, record: WorkRecord) -> list[RecordView]:
    """Who opened the record, newest first — for its author only, never showing inspectors' views."""
    if not getattr(user, "pk", None) or record.author_id != user.pk:
        return []
    return list(
        RecordView.objects.filter(record=record, by_inspector=False)
        .select_related("viewer", "viewer_unit")
        .order_by("-viewed_at")
    )


@dataclass
class RecordPanel:
    """Everything the supervision panel of a record page shows to one reader."""

    record: WorkRecord
    discussable: bool
    comments: list[Comment] = field(default_factory=list)
    inquiries: list[Inquiry] = field(default_factory=list)
    may_inquire: bool = False
    is_author: bool = False
    awaiting_my_confirmation: bool = False
    my_confirmation: Confirmation | None = None
    participants: list[ParticipantState] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    may_flag: bool = False
    viewers: list[RecordView] = field(default_factory=list)
    editable_comment_ids: set[int] = field(default_factory=set)
    is_inspector: bool = False
    edit_minutes: int = 15
    max_due: datetime.date | None = None
    today: datetime.date | None = None


def record_panel(*, user: Any, record: WorkRecord) -> RecordPanel:
    """The supervision panel for `record` (already fetched through visible_to) as `user` sees it."""
    today = local_today()
    is_author = record.author_id == user.pk
    panel = RecordPanel(
        record=record,
        discussable=rules.can_discuss(record),
        is_author=is_author,
        may_flag=rules.can_flag(user, record),
        edit_minutes=rules.comment_edit_minutes(),
        max_due=today + datetime.timedelta(days=rules.inquiry_max_days()),
        today=today,
    )
    if panel.discussable:
        panel.comments = comments_on(record)
        window = datetime.timedelta(minutes=panel.edit_minutes)
        now = timezone.now()
        panel.editable_comment_ids = {
            c.pk for c in panel.comments if c.author_id == user.pk and now - c.created_at <= window
        }
        panel.inquiries = inquiries_on(record, today)
        panel.may_inquire = rules.can_inquire(user, record)
        named = any(p.person_id == user.pk for p in record.participants.all())
        if named:
            panel.my_confirmation = Confirmation.objects.filter(record=record, person=user).first()
            panel.awaiting_my_confirmation = panel.my_confirmation is None and record.date >= confirmation_window_start(
                today
            )
    if is_author:
        panel.participants = participant_states(record)
        panel.viewers = viewers_of(user=user, record=record)
    else:
        scope = rules.inspector_unit_ids(user.pk, today)
        panel.flags = flags_on(user, record, scope)
        panel.is_inspector = scope is None or record.unit_id in scope
    return panel


def inquiries_to_answer(*, person: Person, today: datetime.date | None = None) -> QuerySet[Inquiry]:
    """Inquiries on the person's own records that still wait for their answer (open or overdue)."""
    today = today or local_today()
    return (
        Inquiry.objects.filter(record__author=person, answered_at__isnull=True)
        .with_status(today)
        .select_related("asker", "record__category")
        .order_by("due_on", "id")
    )


def inquiries_asked(*, person: Person, today: datetime.date | None = None, limit: int = 50) -> list[Inquiry]:
    """The person's own inquiries, newest first, with their status."""
    today = today or local_today()
    return list(
        Inquiry.objects.filter(asker=person)
        .with_status(today)
        .select_related("record__author", "record__category")
        .order_by("-asked_at", "-id")[:limit]
    )


def notification_quotes(*, anchors: list[str]) -> dict[str, tuple[int, str]]:
    """Hook notification.quotes: the record and current text of the comments ("comment-12"), questions
    ("inquiry-7") and answers ("inquiry-7-answer") the inbox's notifications point at; two queries at most. The inbox
    quotes them only to a reader who may read the record's content now."""
    comment_ids: set[int] = set()
    inquiry_ids: set[int] = set()
    for anchor in anchors:
        kind, _, rest = anchor.partition("-")
        number = rest.removesuffix("-answer")
        if not number.isdigit() or len(number) > 12:
            continue
        if kind == "comment" and number == rest:
            comment_ids.add(int(number))
        elif kind == "inquiry":
            inquiry_ids.add(int(number))
    texts: dict[str, tuple[int, str]] = {}
    if comment_ids:
        for pk, record_id, text in Comment.objects.filter(pk__in=comment_ids).values_list("pk", "record_id", "text"):
            texts[f"comment-{pk}"] = (record_id, text)
    if inquiry_ids:
        rows = Inquiry.objects.filter(pk__in=inquiry_ids).values_list("pk", "record_id", "question", "answer")
        for pk, record_id, question, answer in rows:
            texts[f"inquiry-{pk}"] = (record_id, question)
            if answer:
                texts[f"inquiry-{pk}-answer"] = (record_id, answer)
    return texts


# --- The supervision overview -------------------------------------------------------------------------------


@dataclass
class DimensionFigures:
    """How much of a group's work one dimension reached in a period."""

    dimension: str
    label: str
    records_seen: int = 0
    records_commented: int = 0
    inquiries: int = 0


@dataclass
class GroupFigures:
    """Oversight of one group (a unit, or the jurisdiction) over a period; None figures are hidden (too small)."""

    unit_id: int | None
    name: str
    authors: int = 0
    records: int = 0
    records_seen: int = 0
    records_commented: int = 0
    inquiries_open: int = 0
    inquiries_overdue: int = 0
    inquiries_answered: int = 0
    dimensions: list[DimensionFigures] = field(default_factory=list)
    hidden: bool = False

    @property
    def seen_percent(self) -> int:
        return round(100 * self.records_seen / self.records) if self.records else 0

    @property
    def commented_percent(self) -> int:
        return round(100 * self.records_commented / self.records) if self.records else 0


@dataclass
class Overview:
    """The supervision overview of the jurisdiction (rows: department-level units) or of one unit (rows: sections)."""

    start: datetime.date
    end: datetime.date
    unit: Unit | None
    total: GroupFigures
    rows: list[GroupFigures]
    min_group: int


def _blank(unit_id: int | None, name: str) -> GroupFigures:
    return GroupFigures(
        unit_id=unit_id,
        name=name,
        dimensions=[DimensionFigures(d.value, str(d.label)) for d in SUPERVISING_DIMENSIONS],
    )


def supervision_overview(
    *, start: datetime.date, end: datetime.date, unit: Unit | None = None, today: datetime.date | None = None
) -> Overview:
    """How much of each group's work dated in [start, end] was seen, commented on and inquired into, by dimension.

    Group figures only — they never enter anyone's score. A group with fewer authors than the minimum group size
    is hidden. Views by inspectors are left out (they are confidential). Seven or eight aggregate queries whatever
    the size; views count under the record's date and units as they stood when it was viewed.
    The jurisdiction groups by 本单位 (record.department); a unit groups its records by the unit they were filed in.
    """
    today = today or local_today()
    records = WorkRecord.objects.filter(date__gte=start, date__lte=end)
    key = "department_id"
    if unit is not None:
        records = records.filter(department_id=unit.department_id or unit.pk)
        key = "unit_id"
    prefix = "record__"
    scope = Q(**{f"{prefix}date__gte": start, f"{prefix}date__lte": end})
    if unit is not None:
        scope &= Q(**{f"{prefix}department_id": unit.department_id or unit.pk})
    rkey = prefix + key

    per_group = {
        row[key]: row for row in records.values(key).annotate(n=Count("id"), authors=Count("author_id", distinct=True))
    }
    # Across the jurisdiction the sum over units is enough for the size check and spares a scan of the period.
    total_authors = (
        records.aggregate(n=Count("author_id", distinct=True))["n"]
        if unit is not None
        else sum(row["authors"] for row in per_group.values())
    )
    units = {u.pk: u for u in Unit.objects.filter(pk__in=per_group.keys()).select_related("parent")}

    def label(gid: int) -> str:
        if gid not in units:
            return ""
        # The jurisdiction's own records are its leadership's (tier 0, PRODUCT.md).
        return f"{units[gid].name}（区领导）" if units[gid].parent_id is None else units[gid].name

    groups = {gid: _blank(gid, label(gid)) for gid in per_group}
    total = _blank(unit.pk if unit else None, unit.name if unit else "全区")
    for gid, row in per_group.items():
        groups[gid].records, groups[gid].authors = row["n"], row["authors"]
    total.records = sum(g.records for g in groups.values())
    total.authors = total_authors

    def dimension_of(figures: GroupFigures, dimension: str) -> DimensionFigures:
        return next(d for d in figures.dimensions if d.dimension == dimension)

    # Views carry their record's date and units (the largest table, aggregated without a join).
    vkey = "record_department_id" if unit is None else "record_unit_id"
    views = RecordView.objects.filter(
        record_date__gte=start, record_date__lte=end, by_inspector=False, dimension__in=SUPERVISING_DIMENSIONS
    )
    if unit is not None:
        views = views.filter(record_department_id=unit.department_id or unit.pk)
    for row in views.values(vkey, "dimension").annotate(n=Count("record_id", distinct=True)):
        if row[vkey] in groups:
            dimension_of(groups[row[vkey]], row["dimension"]).records_seen = row["n"]
    for row in views.values(vkey).annotate(n=Count("record_id", distinct=True)):
        if row[vkey] in groups:
            groups[row[vkey]].records_seen = row["n"]
    comments = Comment.objects.filter(scope, dimension__in=SUPERVISING_DIMENSIONS)
    for row in comments.values(rkey, "dimension").annotate(n=Count("record_id", distinct=True)):
        dimension_of(groups[row[rkey]], row["dimension"]).records_commented = row["n"]
    for row in comments.values(rkey).annotate(n=Count("record_id", distinct=True)):
        groups[row[rkey]].records_commented = row["n"]
    inquiries = Inquiry.objects.filter(scope).with_status(today)
    for row in inquiries.values(rkey, "dimension", "status").annotate(n=Count("id")):
        figures = groups[row[rkey]]
        if row["dimension"] in SUPERVISING_DIMENSIONS:
            dimension_of(figures, row["dimension"]).inquiries += row["n"]
        if row["status"] == InquiryStatus.OPEN:
            figures.inquiries_open += row["n"]
        elif row["status"] == InquiryStatus.OVERDUE:
            figures.inquiries_overdue += row["n"]
        else:
            figures.inquiries_answered += row["n"]

    for figures in groups.values():
        _add(total, figures, authors=False)

    order = {gid: units[gid].path if gid in units else "" for gid in groups}
    if unit is None:
        # Each village is its own 本单位, but a table of two hundred villages hides the departments: across the
        # jurisdiction a town's villages make one row (records partition, so their figures add up).
        towns: dict[int, GroupFigures] = {}
        for gid in [g for g in groups if g in units and units[g].tier == 2]:
            village = units[gid]
            town_id = village.parent_id or gid
            if town_id not in towns:
                towns[town_id] = _blank(None, "")
                order[-town_id] = (village.parent.path if village.parent else village.path) + "~"
                towns[town_id].name = f"{village.parent.name if village.parent else village.name}·村居"
            _add(towns[town_id], groups.pop(gid), authors=True)
        groups.update({-town_id: figures for town_id, figures in towns.items()})

    smallest = rules.min_group_size()
    rows = [groups[gid] for gid in sorted(groups, key=lambda gid: order.get(gid, ""))]
    for figures in rows:
        if figures.authors < smallest:
            _hide(figures)
    if total.authors < smallest:
        _hide(total)
    return Overview(start=start, end=end, unit=unit, total=total, rows=rows, min_group=smallest)


def overview_for(
    *,
    viewer: Any,
    unit_id: int | None,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> Overview:
    """The overview of a unit (or of the jurisdiction when `unit_id` is None) for `viewer`: one they may not see is a
    404, like a missing unit (rules.can_see_overview)."""
    unit = None
    if unit_id is not None:
        unit = Unit.objects.select_related("department").filter(pk=unit_id).first()
        if unit is None:
            raise Http404("没有找到，或您无权查看。")
    if not rules.can_see_overview(viewer, unit):
        refuse(viewer)  # a 404, or for an administrator without a reading grant a 403 that says so
    return supervision_overview(start=start, end=end, unit=unit, today=today)


def _add(into: GroupFigures, figures: GroupFigures, *, authors: bool) -> None:
    """Add one group's figures to another's (groups whose records do not overlap)."""
    if authors:
        into.authors += figures.authors
        into.records += figures.records
    into.records_seen += figures.records_seen
    into.records_commented += figures.records_commented
    into.inquiries_open += figures.inquiries_open
    into.inquiries_overdue += figures.inquiries_overdue
    into.inquiries_answered += figures.inquiries_answered
    for mine, theirs in zip(into.dimensions, figures.dimensions, strict=True):
        mine.records_seen += theirs.records_seen
        mine.records_commented += theirs.records_commented
        mine.inquiries += theirs.inquiries


def _hide(figures: GroupFigures) -> None:
    """Keep the name, drop every figure: a group this small would describe individuals."""
    blank = _blank(figures.unit_id, figures.name)
    blank.hidden = True
    figures.__dict__.update(blank.__dict__)
