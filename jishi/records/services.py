"""Writes to work records: create, update within the edit window, addenda after it, attachments.

Every rule of PRODUCT.md's "Time rules" and the record's substance is checked here, so the web page,
the API, the command line and the demo builder behave identically. Errors are Django ValidationErrors
keyed by field, in Chinese, and nothing is written when any rule fails.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext

from jishi.core.cache import GenerationCache
from jishi.core.services import audit
from jishi.org.calendar import WorkingCalendar, at, day_of, next_working_day
from jishi.org.models import Assignment, Duty, Person, Unit
from jishi.org.selectors import by_precedence, duties_for
from jishi.records.attachments import REFUSED_MESSAGE, first_bytes, is_active
from jishi.records.fields import PLAIN_FIELDS, plain_values, snapshot_changes, snapshot_values
from jishi.records.hooks import record_created, record_written
from jishi.records.models import (
    Addendum,
    Attachment,
    Category,
    RecordParticipant,
    RecordVersion,
    Visibility,
    WorkRecord,
)
from jishi.records.rules import can_edit
from jishi.records.selectors import categories as all_categories
from jishi.records.validation import CONTENT_MAX_CHARS as CONTENT_MAX_CHARS  # where other apps have read it
from jishi.records.validation import RecordFacts, RecordValues, record_errors, span_minutes

if TYPE_CHECKING:
    from jishi.records.bulk import BulkRecord

WITHDRAWAL_REASON_MAX_CHARS = 200
LONG_FIELDS = frozenset({"content", "result", "reflection", "participants"})


@dataclass
class RecordInput:
    """What a person submits for a record; the same shape from the form, the API and imports. Its plain fields
    (records.fields: content … is_sensitive) are copied to the record as given, text stripped."""

    date: datetime.date
    category_id: int
    content: str
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    ends_next_day: bool = False
    duration_minutes: int | None = None
    place: str = ""
    duty_id: int | None = None
    result: str = ""
    reflection: str = ""
    visibility: str = Visibility.INTERNAL
    is_sensitive: bool = False
    unit_id: int | None = None
    participant_ids: list[int] = field(default_factory=list)
    partner_units: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: WorkRecord) -> RecordInput:
        """The input that would reproduce `record` — the base an API PATCH applies its changes to."""
        local_start = timezone.localtime(record.start_at) if record.start_at else None
        local_end = timezone.localtime(record.end_at) if record.end_at else None
        participants = list(record.participants.all())
        return cls(
            **plain_values(record),
            date=record.date,
            category_id=record.category_id,
            start_time=local_start.time() if local_start else None,
            end_time=local_end.time() if local_end else None,
            ends_next_day=bool(local_end and local_end.date() > record.date),
            duration_minutes=None if record.start_at else record.duration_minutes,
            duty_id=record.duty_id,
            unit_id=record.unit_id,
            participant_ids=[p.person_id for p in participants if p.person_id],
            partner_units=[(p.unit_id, p.contact_name) for p in participants if p.unit_id and not p.person_id],
        )


def _local_dt(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return at(day, time)


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return _local_dt(day + datetime.timedelta(days=1), datetime.time.min)


def lock_time(
    date: datetime.date, submitted_at: datetime.datetime, calendar: WorkingCalendar | None = None
) -> datetime.datetime:
    """End of the next official working day after the later of the record's date and its submission.

    Bulk writers pass a WorkingCalendar covering the span so the overrides are read once.
    """
    later = max(date, day_of(submitted_at))
    if calendar is None:
        return _end_of_day(next_working_day(later))
    day = later + datetime.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    return _end_of_day(day)


# Posts by (person, day), per worker, while no post or unit has changed (jishi.core.cache). Read-only instances.
_posts: GenerationCache[tuple[int, datetime.date], list[Assignment]] = GenerationCache(maxsize=20_000)


def posts_on(person: Person, day: datetime.date) -> list[Assignment]:
    """The person's posts on a day, the one their work counts under by default first (secondment, primary)."""

    def read() -> list[Assignment]:
        return by_precedence(
            list(Assignment.objects.active_on(day).filter(person=person).select_related("position__unit"))
        )

    return list(_posts.get((person.pk, day), read) or [])


@dataclass
class _Clean:
    unit: Unit
    start_at: datetime.datetime | None
    end_at: datetime.datetime | None
    duration_minutes: int
    category: Category
    duty: Duty | None
    participant_ids: list[int]
    partner_units: list[tuple[int, str]]


def _validate(
    *,
    author: Person,
    data: RecordInput,
    submitted_at: datetime.datetime,
    now: datetime.datetime,
    exclude_pk: int | None = None,
) -> _Clean:
    categories = all_categories()
    participant_ids = list(dict.fromkeys(data.participant_ids))
    start_at = _local_dt(data.date, data.start_time) if data.start_time is not None else None
    end_day = data.date + datetime.timedelta(days=1 if data.ends_next_day else 0)
    end_at = _local_dt(end_day, data.end_time) if data.end_time is not None else None
    errors = record_errors(
        RecordValues(
            **plain_values(data),
            date=data.date,
            start_at=start_at,
            end_at=end_at,
            duration_minutes=data.duration_minutes,
            participants=len(participant_ids) + len(data.partner_units),
            names_author=author.pk in participant_ids,
            contact_names=[name for _, name in data.partner_units],
        ),
        RecordFacts(
            today=day_of(now),
            submitted_day=day_of(submitted_at),
            late_window=settings.JISHI_LATE_ENTRY_DAYS,
            category_names=sorted((c.name for c in categories), key=len, reverse=True),
        ),
    )
    # The form and the API have always shown the people and the partner units named under one key.
    if "partner_units" in errors:
        errors.setdefault("participants", []).extend(errors.pop("partner_units"))

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    category = next((c for c in categories if c.pk == data.category_id and c.is_active), None)
    if category is None:
        err("category", "请选择有效的类别。")
    if start_at is None or end_at is None:
        start_at = end_at = None
        duration = data.duration_minutes or 0
    else:
        duration = span_minutes(start_at, end_at)

    posts = posts_on(author, data.date) if "date" not in errors else []
    unit: Unit | None = None
    if "date" not in errors:
        if not posts:
            err("date", "该日期您没有在职岗位，无法记录这一天的工作。")
        elif data.unit_id is None:
            unit = posts[0].position.unit
        else:
            unit = next((a.position.unit for a in posts if a.position.unit_id == data.unit_id), None)
            if unit is None:
                err("unit", "只能记在您当天任职的单位名下。")

    duty = None
    if data.duty_id is not None and "date" not in errors:
        duty = next((d for d in duties_for(author, data.date) if d.pk == data.duty_id), None)
        if duty is None:
            err("duty", "所选职责不属于您当天的岗位或单位，或已停用。")

    if participant_ids:
        found = set(Person.objects.filter(pk__in=participant_ids, is_active=True).values_list("pk", flat=True))
        if len(found) != len(participant_ids):
            err("participants", "有参与者不存在或已停用，请从候选名单中选择。")
    unit_ids = {u for u, _ in data.partner_units}
    if unit_ids and len(set(Unit.objects.filter(pk__in=unit_ids).values_list("pk", flat=True))) != len(unit_ids):
        err("participants", "有合作单位不存在，请从候选名单中选择。")

    if start_at and end_at and not errors:
        clash = overlap_error(author=author, start_at=start_at, end_at=end_at, exclude_pk=exclude_pk)
        if clash:
            err("start_time", clash)

    if errors:
        raise ValidationError(errors)
    assert unit is not None and category is not None
    return _Clean(unit, start_at, end_at, duration, category, duty, participant_ids, list(data.partner_units))


def serialise_author(author: Person) -> None:
    """Make the author's timed writes wait for each other until this transaction ends, so that two at once (a
    double submit, two tabs) cannot both pass the overlap check. SQLite's one write lock already does this; on
    PostgreSQL it is the author's row, locked FOR UPDATE."""
    if connection.vendor == "postgresql":
        Person.objects.select_for_update().filter(pk=author.pk).values_list("pk").first()


def overlap_error(
    *, author: Person, start_at: datetime.datetime, end_at: datetime.datetime, exclude_pk: int | None = None
) -> str | None:
    """The message for a timed record overlapping another of the author's, or None.

    A timed record starts on its own date and lasts at most 24 hours, so one that overlaps [start_at, end_at) is
    dated from the day before start_at's day to end_at's day: that range of the (author, date) index is all there is
    to read. Without it the check read every record the author ever wrote (14 ms at 140 records; 10x at 10x).
    """
    first_day = timezone.localdate(start_at) - datetime.timedelta(days=1)
    overlapping = WorkRecord.objects.filter(
        author=author, date__range=(first_day, timezone.localdate(end_at)), start_at__lt=end_at, end_at__gt=start_at
    )
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clash = overlapping.first()
    if clash is None or clash.start_at is None or clash.end_at is None:
        return None
    span = f"{timezone.localtime(clash.start_at):%H:%M}–{timezone.localtime(clash.end_at):%H:%M}"
    # Shown in the form, so in the reader's language; the other service errors are not translated yet.
    day = format_date(clash.date, gettext("m月d日"))
    overlap = gettext("与您 %(day)s %(span)s 的记实“%(content)s”时间重叠。")
    return overlap % {"day": day, "span": span, "content": clash.content[:20]}


def participant_rows(clean: _Clean) -> list[dict[str, Any]]:
    return [{"person": pid, "unit": None, "contact_name": ""} for pid in clean.participant_ids] + [
        {"person": None, "unit": uid, "contact_name": name.strip()} for uid, name in clean.partner_units
    ]


def _stored_participant_rows(record: WorkRecord) -> list[dict[str, Any]]:
    return [
        {"person": p.person_id, "unit": p.unit_id, "contact_name": p.contact_name}
        for p in record.participants.order_by("id")
    ]


def _utc_iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def record_snapshot(record: WorkRecord | BulkRecord, participants: list[dict[str, Any]]) -> dict[str, Any]:
    """What a version keeps: the record's fields as records.fields declares them, in that order (the integrity chain
    hashes the text), then who took part and, once withdrawn, the withdrawal."""
    return {**snapshot_values(record), "participants": participants, **_withdrawal(record)}


def _withdrawal(record: WorkRecord | BulkRecord) -> dict[str, Any]:
    # Only a withdrawn record carries the key, so the snapshots of all other records keep their shape.
    withdrawn_at = getattr(record, "withdrawn_at", None)
    if withdrawn_at is None:
        return {}
    return {"withdrawn": {"at": _utc_iso(withdrawn_at), "reason": getattr(record, "withdrawal_reason", "")}}


def _apply(record: WorkRecord, data: RecordInput, clean: _Clean) -> None:
    record.unit = clean.unit
    record.department_id = clean.unit.department_id or clean.unit.pk
    record.date = data.date
    record.start_at, record.end_at = clean.start_at, clean.end_at
    record.duration_minutes = clean.duration_minutes
    record.category = clean.category
    record.duty = clean.duty
    for name in PLAIN_FIELDS:
        value = getattr(data, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)


def _write_participants(record: WorkRecord, rows: list[dict[str, Any]], *, replace: bool = True) -> None:
    if replace:
        record.participants.all().delete()
    RecordParticipant.objects.bulk_create(
        [
            RecordParticipant(record=record, person_id=r["person"], unit_id=r["unit"], contact_name=r["contact_name"])
            for r in rows
        ]
    )


def record_create(
    *, author: Person, data: RecordInput, now: datetime.datetime | None = None, ask_participants: bool = True
) -> WorkRecord:
    """Create a record for `author`; submission time is the server's, late entries are marked. Colleagues it names
    are asked to confirm — except when the record is itself a confirmation of theirs (`ask_participants=False`).

    The input is checked before the write transaction begins: on SQLite that transaction holds the database's one
    write lock (BEGIN IMMEDIATE), and every other person recording waits for it. Only the overlap with the author's
    other records is checked again inside it, where no other write of the author's can come between the check and
    the insert (`serialise_author`).
    """
    now = now or timezone.now()
    clean = _validate(author=author, data=data, submitted_at=now, now=now)
    with transaction.atomic():
        if clean.start_at and clean.end_at:
            serialise_author(author)
            clash = overlap_error(author=author, start_at=clean.start_at, end_at=clean.end_at)
            if clash:
                raise ValidationError({"start_time": [clash]})
        return _record_insert(author=author, data=data, clean=clean, now=now, ask_participants=ask_participants)


def _record_insert(
    *, author: Person, data: RecordInput, clean: _Clean, now: datetime.datetime, ask_participants: bool
) -> WorkRecord:
    record = WorkRecord(author=author, submitted_at=now, updated_at=now, version=1)
    _apply(record, data, clean)
    record.is_late = data.date < day_of(now)
    record.locks_at = lock_time(data.date, now)
    record.save()
    rows = participant_rows(clean)
    if rows:
        _write_participants(record, rows, replace=False)
    record_written.run(record=record, new=True)  # in this transaction: a record and its search entry commit together
    version = RecordVersion.objects.create(
        record=record, number=1, data=record_snapshot(record, rows), changed_by=author, changed_at=now
    )
    audit(
        actor=author,
        verb="record.create",
        target=record,
        data={"version": 1, "late": record.is_late},
        history=[version],
    )
    record_created.run(
        record=record, author=author, ask_participants=ask_participants and any(row["person"] for row in rows)
    )
    return record


@transaction.atomic
def record_update(
    *, actor: Person, record: WorkRecord, data: RecordInput, now: datetime.datetime | None = None
) -> WorkRecord:
    """Change a record within its edit window; the previous version stays in the history."""
    now = now or timezone.now()
    record = WorkRecord.objects.select_for_update().get(pk=record.pk)
    if record.author_id != actor.pk:
        raise PermissionDenied("只有记录人本人可以修改记实。")
    serialise_author(actor)
    if now >= record.locks_at:
        raise ValidationError({"__all__": ["该记实已锁定，不能修改；如需更正，请添加补充说明。"]})
    if record.withdrawn_at is not None:
        raise ValidationError({"__all__": ["该记实已撤回，不能修改。"]})
    clean = _validate(author=actor, data=data, submitted_at=record.submitted_at, now=now, exclude_pk=record.pk)
    before = record_snapshot(record, _stored_participant_rows(record))
    rows = participant_rows(clean)
    _apply(record, data, clean)
    after = record_snapshot(record, rows)
    if after == before:  # nothing changed: keep the history free of empty versions
        return record
    record.locks_at = lock_time(record.date, record.submitted_at)
    record.is_late = record.date < day_of(record.submitted_at)
    record.version += 1
    record.updated_at = now
    record.save()
    _write_participants(record, rows)
    record_written.run(record=record, new=False)
    version = RecordVersion.objects.create(
        record=record, number=record.version, data=after, changed_by=actor, changed_at=now
    )
    # Over the keys of both: a field declared omit_blank enters the snapshot when set and leaves it when cleared.
    changed = sorted(snapshot_changes(before, after))
    # Before/after of the short fields (visibility, sensitivity, times …); long texts are in the two versions.
    shown = [k for k in changed if k not in LONG_FIELDS]
    audit(
        actor=actor,
        verb="record.update",
        target=record,
        data={
            "version": record.version,
            "changed": changed,
            "before": {k: before.get(k) for k in shown},
            "after": {k: after.get(k) for k in shown},
        },
        history=[version],
    )
    return record


@transaction.atomic
def addendum_create(
    *, actor: Person, record: WorkRecord, content: str, now: datetime.datetime | None = None
) -> Addendum:
    """Append a dated correction to a locked record (before the lock, edit the record instead)."""
    now = now or timezone.now()
    if record.author_id != actor.pk:
        raise PermissionDenied("只有记录人本人可以添加补充说明。")
    if now < record.locks_at:
        raise ValidationError({"content": ["记实尚未锁定，请直接修改记实。"]})
    if record.withdrawn_at is not None:
        raise ValidationError({"content": ["该记实已撤回，不能添加补充说明。"]})
    text = content.strip()
    if len(text) < 5:
        raise ValidationError({"content": ["请写明需要更正或补充的内容（至少 5 个字）。"]})
    if len(text) > 2000:
        raise ValidationError({"content": ["补充说明不能超过 2000 字。"]})
    addendum = Addendum.objects.create(record=record, author=actor, created_at=now, content=text)
    record_written.run(record=record, new=False)  # the addenda are searched with the record, under its content rule
    audit(actor=actor, verb="record.addendum", target=record, data={"addendum": addendum.pk}, history=[addendum])
    return addendum


@transaction.atomic
def record_withdraw(
    *, actor: Person, record: WorkRecord, reason: str, now: datetime.datetime | None = None
) -> WorkRecord:
    """撤回 — the author takes a record back before it locks, with a reason; a tombstone and every version stay.

    The record no longer counts as filed for its day; readers see who withdrew it, when and why, not its content.
    """
    now = now or timezone.now()
    record = WorkRecord.objects.select_for_update().get(pk=record.pk)
    if record.author_id != actor.pk:
        raise PermissionDenied("只有记录人本人可以撤回记实。")
    if record.withdrawn_at is not None:
        raise ValidationError({"__all__": ["该记实已经撤回。"]})
    if now >= record.locks_at:
        raise ValidationError({"__all__": ["该记实已锁定，不能撤回；如需更正，请添加补充说明。"]})
    text = reason.strip()
    if len(text) < 2:
        raise ValidationError({"reason": ["请写明撤回原因。"]})
    if len(text) > WITHDRAWAL_REASON_MAX_CHARS:
        raise ValidationError({"reason": [f"撤回原因不能超过 {WITHDRAWAL_REASON_MAX_CHARS} 字。"]})
    record.withdrawn_at, record.withdrawal_reason = now, text
    record.version += 1
    record.updated_at = now
    record.save(update_fields=["withdrawn_at", "withdrawal_reason", "version", "updated_at"])
    version = RecordVersion.objects.create(
        record=record,
        number=record.version,
        data=record_snapshot(record, _stored_participant_rows(record)),
        changed_by=actor,
        changed_at=now,
    )
    audit(
        actor=actor,
        verb="record.withdraw",
        target=record,
        data={"version": record.version, "reason": text},
        history=[version],
    )
    return record


@transaction.atomic
def attachment_add(*, actor: Person, record: WorkRecord, upload: UploadedFile) -> Attachment:
    """Attach a file to a record that is still editable."""
    if not can_edit(actor, record):
        raise ValidationError({"file": ["只能在记实锁定前由本人添加附件（已撤回的记实不能添加）。"]})
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": ["文件是空的。"]})
    if size > settings.JISHI_ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": [f"文件不能超过 {settings.JISHI_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB。"]})
    name = (upload.name or "附件")[-200:]
    if is_active(name=name, declared_type=upload.content_type, head=first_bytes(upload)):
        raise ValidationError({"file": [REFUSED_MESSAGE.format(name=name)]})
    attachment = Attachment.objects.create(
        record=record,
        file=upload,
        original_name=name,
        size=size,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    audit(actor=actor, verb="record.attachment", target=record, data={"attachment": attachment.pk, "name": name})
    return attachment


def records_create_together(
    *, author: Person, inputs: list[RecordInput], all_or_nothing: bool
) -> tuple[list[WorkRecord], dict[int, list[str]]]:
    """Create several records of `author` (a day typed as lines, a day repeated), each through record_create — no
    rule of its own. `all_or_nothing`: one refused input and none is kept (every input is still tried, so that each
    says what is wrong); otherwise the good ones are kept. Returns the records kept and the errors by input index."""
    created: list[WorkRecord] = []
    errors: dict[int, list[str]] = {}
    with transaction.atomic():
        for index, data in enumerate(inputs):
            try:
                # A savepoint each: a refusal inside record_create's transaction (an overlap) undoes only that one.
                with transaction.atomic():
                    created.append(record_create(author=author, data=data))
            except ValidationError as exc:
                errors[index] = exc.messages
        if errors and all_or_nothing:
            transaction.set_rollback(True)
            created = []
    return created, errors
