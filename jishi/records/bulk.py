"""Set-based writing of many records (the demo world, migrations from an earlier system).

The same rules as records.services apply to every row — the content rule, end after start, at most 24 hours,
the lock time, the late mark and (for people writing today) the late-entry window — and every record gets its
first version in the history. What it skips is one transaction and a dozen statements per record. Overlaps
between a person's records are the caller's to avoid (the demo never produces them; imports check them).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

from jishi.org.calendar import WorkingCalendar, day_of
from jishi.records.models import Category, RecordParticipant, RecordVersion, WorkRecord
from jishi.records.services import MAX_DURATION_MINUTES, content_errors, lock_time, record_snapshot

RECORD_COLUMNS = [
    "id",
    "author_id",
    "unit_id",
    "department_id",
    "date",
    "start_at",
    "end_at",
    "duration_minutes",
    "category_id",
    "content",
    "place",
    "duty_id",
    "result",
    "reflection",
    "visibility",
    "is_sensitive",
    "is_late",
    "submitted_at",
    "updated_at",
    "locks_at",
    "version",
]


@dataclass(slots=True)
class BulkRecord:
    """One record to write; times are aware datetimes, `participants` are (person_id, unit_id, contact_name)."""

    author_id: int
    unit_id: int
    department_id: int
    date: datetime.date
    category_id: int
    content: str
    submitted_at: datetime.datetime
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    duration_minutes: int | None = None
    place: str = ""
    duty_id: int | None = None
    result: str = ""
    reflection: str = ""
    visibility: str = "internal"
    is_sensitive: bool = False
    participants: list[tuple[int | None, int | None, str]] = field(default_factory=list)
    copied: bool = False  # planted by the demo builder as a copy of the author's previous record


class RecordRuleError(ValueError):
    """A row breaks a record rule; `errors` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def check(record: BulkRecord, *, category_names: list[str], enforce_late_window: bool) -> dict[str, str]:
    """The record rules that need no database lookup, as {field: message}; fills in the duration."""
    errors: dict[str, str] = {}
    found = content_errors(record.content, category_names)
    if found:
        errors["content"] = found[0]
    if record.start_at and record.end_at:
        if record.end_at <= record.start_at:
            errors["end_time"] = "结束时间必须晚于开始时间。"
        else:
            record.duration_minutes = int((record.end_at - record.start_at).total_seconds() // 60)
    elif record.start_at or record.end_at:
        errors["end_time"] = "开始和结束时间须同时填写。"
    if not errors.get("end_time") and not 1 <= (record.duration_minutes or 0) <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = "时长须在 1 分钟到 24 小时之间。"
    submitted_day = day_of(record.submitted_at)
    if record.date > submitted_day:
        errors["date"] = "日期不能晚于提交日期。"
    elif enforce_late_window and (submitted_day - record.date).days > settings.JISHI_LATE_ENTRY_DAYS:
        errors["date"] = f"补记只能在工作发生后 {settings.JISHI_LATE_ENTRY_DAYS} 天内进行。"
    return errors


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.indexname NOT IN "
                "(SELECT c.conname FROM pg_constraint c WHERE c.conrelid = %s::regclass) "
                "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table, table],
            )
        return list(cursor.fetchall())


class BulkRecordWriter:
    """Write records, their participants and first versions with executemany, in the caller's transaction."""

    def __init__(
        self,
        *,
        calendar: WorkingCalendar,
        enforce_late_window: bool = True,
        defer_indexes: bool = True,
        batch: int = 20_000,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.calendar = calendar
        self.enforce_late_window = enforce_late_window
        self.defer_indexes = defer_indexes
        self.batch = batch
        self.progress = progress or (lambda done: None)
        self.written = 0
        self.copied_ids: list[int] = []
        self.seconds_indexing = 0.0
        self.category_names = sorted(Category.objects.values_list("name", flat=True), key=len, reverse=True)

    def write(self, records: Iterable[BulkRecord]) -> int:
        """Write every record, or raise RecordRuleError for the first that breaks a rule (nothing is kept then,
        as the caller's transaction rolls back)."""
        tables = [m._meta.db_table for m in (WorkRecord, RecordVersion, RecordParticipant)]
        dropped: list[tuple[str, str]] = []
        if self.defer_indexes:
            # Loading into indexed tables is several times slower; rebuild each index once at the end.
            dropped = [ix for table in tables for ix in _secondary_indexes(table)]
            with connection.cursor() as cursor:
                for name, _ in dropped:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        ids = {
            model: (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
            for model in (WorkRecord, RecordVersion, RecordParticipant)
        }
        ops = connection.ops
        day_value: dict[datetime.date, Any] = {}
        moment_value: dict[datetime.datetime, Any] = {}

        def moment(value: datetime.datetime | None) -> Any:
            if value is None:
                return None
            adapted = moment_value.get(value)
            if adapted is None:
                adapted = moment_value[value] = ops.adapt_datetimefield_value(value)
            return adapted

        rows: list[tuple[Any, ...]] = []
        versions: list[tuple[Any, ...]] = []
        people: list[tuple[Any, ...]] = []
        for record in records:
            errors = check(record, category_names=self.category_names, enforce_late_window=self.enforce_late_window)
            if errors:
                raise RecordRuleError(errors)
            pk = ids[WorkRecord]
            ids[WorkRecord] += 1
            if record.copied:
                self.copied_ids.append(pk)
            locks_at = lock_time(record.date, record.submitted_at, self.calendar)
            late = day_of(record.submitted_at) > record.date
            day = day_value.get(record.date)
            if day is None:
                day = day_value[record.date] = ops.adapt_datefield_value(record.date)
            submitted = moment(record.submitted_at)
            rows.append(
                (
                    pk,
                    record.author_id,
                    record.unit_id,
                    record.department_id,
                    day,
                    moment(record.start_at),
                    moment(record.end_at),
                    record.duration_minutes,
                    record.category_id,
                    record.content,
                    record.place,
                    record.duty_id,
                    record.result,
                    record.reflection,
                    record.visibility,
                    record.is_sensitive,
                    late,
                    submitted,
                    submitted,
                    moment(locks_at),
                    1,
                )
            )
            parts = [{"person": p, "unit": u, "contact_name": c} for p, u, c in record.participants]
            for person_id, unit_id, contact in record.participants:
                people.append((ids[RecordParticipant], pk, person_id, unit_id, contact))
                ids[RecordParticipant] += 1
            versions.append(
                (
                    ids[RecordVersion],
                    pk,
                    1,
                    ops.adapt_json_value(record_snapshot(record, parts), None),
                    record.author_id,
                    submitted,
                )
            )
            ids[RecordVersion] += 1
            if len(rows) >= self.batch:
                self._flush(rows, versions, people)
        self._flush(rows, versions, people)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _, create in dropped:
                cursor.execute(create)
            for statement in ops.sequence_reset_sql(no_style(), [WorkRecord, RecordVersion, RecordParticipant]):
                cursor.execute(statement)
        self.seconds_indexing = time.perf_counter() - started
        return self.written

    def _flush(
        self, rows: list[tuple[Any, ...]], versions: list[tuple[Any, ...]], people: list[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name

        def insert(table: str, columns: list[str], values: list[tuple[Any, ...]]) -> None:
            if values:
                sql = (
                    f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})"
                )
                with connection.cursor() as cursor:
                    cursor.executemany(sql, values)

        insert(WorkRecord._meta.db_table, RECORD_COLUMNS, rows)
        insert(RecordParticipant._meta.db_table, ["id", "record_id", "person_id", "unit_id", "contact_name"], people)
        insert(
            RecordVersion._meta.db_table, ["id", "record_id", "number", "data", "changed_by_id", "changed_at"], versions
        )
        self.written += len(rows)
        self.progress(self.written)
        rows.clear()
        versions.clear()
        people.clear()
