"""Set-based writing of many records (the demo world, migrations from an earlier system).

The same rules as records.services apply to every row (one function, records.validation) — the content rule,
end after start, at most 24 hours, the text limits, the late-entry window (for people writing today) — with the
lock time and the late mark, and every record gets its first version in the history. What it skips is one
transaction and a dozen statements per record. Overlaps between a person's records
are the caller's to avoid (the demo never produces them; imports check them).
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

from jishi.core.models import ReadableJSONEncoder
from jishi.org.calendar import WorkingCalendar, day_of
from jishi.records.fields import plain_values
from jishi.records.hooks import records_bulk_written
from jishi.records.models import Category, RecordParticipant, RecordVersion, WorkRecord
from jishi.records.services import lock_time, record_snapshot
from jishi.records.validation import RecordFacts, RecordValues, record_errors, span_minutes

# Every column of the record table, as the model declares them: a row is built as a mapping by column name
# (RowPreparer.prepare), so a value cannot land in another column, and a column the row lacks fails at the first row.
RECORD_COLUMNS = [f.column for f in WorkRecord._meta.concrete_fields]
_RECORD_ROW = itemgetter(*RECORD_COLUMNS)
_RECORD_ID = RECORD_COLUMNS.index("id")


@dataclass(slots=True)
class BulkRecord:
    """One record to write; times are aware datetimes, `participants` are (person_id, unit_id, contact_name). Its
    plain fields (records.fields: content … is_sensitive) are written to the columns of their names."""

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
    # An import's legacy content (旧系统内容): the substance rule is waived for it and the record is marked.
    legacy_content: bool = False


class RecordRuleError(ValueError):
    """A row breaks a record rule; `errors` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def record_values(record: BulkRecord) -> RecordValues:
    """The values the record rules look at (records.validation)."""
    return RecordValues(
        **plain_values(record),
        date=record.date,
        start_at=record.start_at,
        end_at=record.end_at,
        duration_minutes=record.duration_minutes,
        participants=len(record.participants),
        names_author=any(person == record.author_id for person, _, _ in record.participants),
        contact_names=[contact for _, _, contact in record.participants],
        legacy_content=record.legacy_content,
    )


def check(
    record: BulkRecord, *, category_names: list[str], enforce_late_window: bool, today: datetime.date | None = None
) -> dict[str, str]:
    """The record rules (records.validation) as {field: first message}; fills in the duration of a timed record.

    `today`: the day of whoever writes, where the record must not be dated after it (an import); the demo world
    writes each record as of its own submission, which then binds alone.
    """
    facts = RecordFacts(
        today=today,
        submitted_day=day_of(record.submitted_at),
        late_window=settings.JISHI_LATE_ENTRY_DAYS if enforce_late_window else None,
        category_names=category_names,
    )
    errors = record_errors(record_values(record), facts)
    if record.start_at and record.end_at and "end_time" not in errors:
        record.duration_minutes = span_minutes(record.start_at, record.end_at)
    return {name: messages[0] for name, messages in errors.items()}


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


def _drop_foreign_keys(cursor: Any, tables: list[str]) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of `tables` (PostgreSQL), returning (table, name, definition) to add them back."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
        [tables],
    )
    keys = [(table, name, definition) for table, name, definition in cursor.fetchall()]
    for table, name, _ in keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return keys


@dataclass
class Batch:
    """Rows ready for executemany: records, participants, versions; and the ids of planted copies."""

    records: list[tuple[Any, ...]] = field(default_factory=list)
    participants: list[tuple[Any, ...]] = field(default_factory=list)
    versions: list[tuple[Any, ...]] = field(default_factory=list)
    copied_ids: list[int] = field(default_factory=list)


Ids = tuple[Iterator[int], Iterator[int], Iterator[int]]  # of records, participants, versions


class RowPreparer:
    """Turn BulkRecords into rows, applying the record rules.

    Ids come from `ids`: reserved from the sequences as they are needed (write_records, reserve_ids), or arithmetic
    progressions (`itertools.count(first, stride)`) — then the preparer touches no database and can run in a worker,
    and several preparers can work on separate parts of one load and still give every row a fixed id (the demo).
    """

    def __init__(
        self,
        *,
        calendar: WorkingCalendar,
        category_names: list[str],
        ids: Ids,
        enforce_late_window: bool = True,
        batch: int = 20_000,
        imported: tuple[int, int, datetime.datetime] | None = None,
    ) -> None:
        """`imported`: (batch id, importer id, import time) for records migrated from an earlier system: they keep
        their submission time, are locked at once, and enter the history at the import, by the importer."""
        self.calendar = calendar
        self.imported = imported
        self.category_names = category_names
        self.record_ids, self.participant_ids, self.version_ids = ids
        self.enforce_late_window = enforce_late_window
        self.batch = batch
        self.ops = connection.ops
        self._days: dict[datetime.date, Any] = {}
        self._moments: dict[datetime.datetime, Any] = {}
        self._locks: dict[tuple[datetime.date, datetime.date], Any] = {}

    def _moment(self, value: datetime.datetime | None) -> Any:
        if value is None:
            return None
        adapted = self._moments.get(value)
        if adapted is None:
            adapted = self._moments[value] = self.ops.adapt_datetimefield_value(value)
        return adapted

    def prepare(self, records: Iterable[BulkRecord]) -> Iterator[Batch]:
        """Batches of rows; raises RecordRuleError at the first record that breaks a rule."""
        batch = Batch()
        ops = self.ops
        record_ids, participant_ids, version_ids = self.record_ids, self.participant_ids, self.version_ids
        import_batch = import_lock = versioned_by = None
        # One encoder for the whole load: building one per row (as JSONField does) doubled the cost of the JSON.
        encode = ReadableJSONEncoder().encode
        if self.imported:
            import_batch, versioned_by, moment = self.imported
            import_lock = self._moment(moment)
        for record in records:
            errors = check(record, category_names=self.category_names, enforce_late_window=self.enforce_late_window)
            if errors:
                raise RecordRuleError(errors)
            pk = next(record_ids)
            if record.copied:
                batch.copied_ids.append(pk)
            submitted_day = day_of(record.submitted_at)
            key = (record.date, submitted_day)
            locks_at = import_lock or self._locks.get(key)
            if locks_at is None:
                locks_at = self._locks[key] = self._moment(lock_time(record.date, record.submitted_at, self.calendar))
            day = self._days.get(record.date)
            if day is None:
                day = self._days[record.date] = ops.adapt_datefield_value(record.date)
            submitted = self._moment(record.submitted_at)
            row = plain_values(record)
            row.update(
                id=pk,
                author_id=record.author_id,
                unit_id=record.unit_id,
                department_id=record.department_id,
                date=day,
                start_at=self._moment(record.start_at),
                end_at=self._moment(record.end_at),
                duration_minutes=record.duration_minutes,
                category_id=record.category_id,
                duty_id=record.duty_id,
                is_late=submitted_day > record.date,
                submitted_at=submitted,
                updated_at=submitted,
                locks_at=locks_at,
                version=1,
                import_batch_id=import_batch,
                legacy_content=record.legacy_content,
                withdrawn_at=None,
                withdrawal_reason="",
            )
            batch.records.append(_RECORD_ROW(row))
            parts = [{"person": p, "unit": u, "contact_name": c} for p, u, c in record.participants]
            for person_id, unit_id, contact in record.participants:
                batch.participants.append((next(participant_ids), pk, person_id, unit_id, contact))
            snapshot = encode(record_snapshot(record, parts))
            batch.versions.append(
                (next(version_ids), pk, 1, snapshot, versioned_by or record.author_id, import_lock or submitted)
            )
            if len(batch.records) >= self.batch:
                yield batch
                batch = Batch()
        if batch.records:
            yield batch


ID_TABLES = (WorkRecord, RecordParticipant, RecordVersion)


def _first_free(model: type[Any]) -> int:
    """One past the highest id the table has held: past its rows and past its sequence (ids handed out, even to a
    transaction that rolled back; on SQLite, AUTOINCREMENT's record of the highest id ever used)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0] or 0
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]  # a name PostgreSQL gives, quoted where it needs to be
            cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")
        else:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
    return max(top, (found[0] or 0) if found else 0) + 1


def next_ids() -> tuple[int, int, int]:
    """The first free id of records, participants and versions, for a load that numbers its rows itself (the demo's
    arithmetic progressions), in the caller's transaction. Nobody else may insert into these tables until it ends —
    on SQLite its write lock sees to that, on PostgreSQL a table lock taken here — and finish() then moves the
    sequences past the rows written."""
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in ID_TABLES)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
    return tuple(_first_free(model) for model in ID_TABLES)  # type: ignore[return-value]


def reserve_ids(model: type[Any]) -> Iterator[int]:
    """Ids for a bulk load that no other writer can be given while it runs, taken as they are needed.

    On PostgreSQL they come from the table's own sequence (nextval, a growing chunk at a time), exactly as a record
    created meanwhile takes its id, so the two never meet and nobody waits; ids left over are a gap, as after a
    rollback. On SQLite the caller's transaction holds the one write lock (Jishi begins every write transaction
    IMMEDIATE), so the next free ids are the load's until it commits; AUTOINCREMENT then continues past them.
    """
    if connection.vendor != "postgresql":
        yield from itertools.count(_first_free(model))
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
    chunk = 1000
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, chunk])
            yield from sorted(value for (value,) in cursor.fetchall())
        chunk = min(chunk * 4, 64_000)


def category_names() -> list[str]:
    return sorted(Category.objects.values_list("name", flat=True), key=len, reverse=True)


class BulkRecordWriter:
    """Insert prepared batches with executemany, in the caller's transaction.

    With `defer_indexes`, the secondary indexes of the three tables (and on PostgreSQL their foreign keys) are
    dropped first and restored once by finish(): loading into indexed tables is several times slower.
    """

    TABLES = (WorkRecord, RecordVersion, RecordParticipant)

    def __init__(
        self,
        *,
        defer_indexes: bool = True,
        progress: Callable[[int], None] | None = None,
        reserved_ids: bool = False,
    ) -> None:
        """`reserved_ids`: the rows' ids came from reserve_ids — the sequences are past them already, and finish()
        must not set them back to the highest id this transaction sees (others may hold higher ones); the writer then
        also keeps the ids it wrote (`record_ids`, `version_ids`) for the caller to index and register."""
        self.progress = progress or (lambda done: None)
        self.written = 0
        self.reserved_ids = reserved_ids
        self.record_ids: list[int] = []
        self.version_ids: list[int] = []
        self.copied_ids: list[int] = []
        self.seconds_indexing = 0.0
        self.seconds_inserting = 0.0
        self.dropped: list[tuple[str, str]] = []
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # a bigger page cache for the load (this connection only)
                cursor.execute("PRAGMA cache_size = -262144")
        self.dropped_keys: list[tuple[str, str, str]] = []
        if defer_indexes:
            self.dropped = [ix for model in self.TABLES for ix in _secondary_indexes(model._meta.db_table)]
            with connection.cursor() as cursor:
                for name, _ in self.dropped:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                if connection.vendor == "postgresql":
                    # ALTER TABLE refuses to run while checks are pending in the transaction (the organisation just
                    # written, say): run them now, then defer again as Django's keys are by default.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    self.dropped_keys = _drop_foreign_keys(cursor, [m._meta.db_table for m in self.TABLES])
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def insert(self, batch: Batch) -> None:
        started = time.perf_counter()
        quote = connection.ops.quote_name

        def insert(table: str, columns: list[str], values: list[tuple[Any, ...]]) -> None:
            if not values:
                return
            names = ", ".join(quote(c) for c in columns)
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":  # COPY: several times faster than executemany on PostgreSQL
                    with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
                else:
                    cursor.executemany(
                        f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", values
                    )

        insert(WorkRecord._meta.db_table, RECORD_COLUMNS, batch.records)
        insert(
            RecordParticipant._meta.db_table,
            ["id", "record_id", "person_id", "unit_id", "contact_name"],
            batch.participants,
        )
        insert(
            RecordVersion._meta.db_table,
            ["id", "record_id", "number", "data", "changed_by_id", "changed_at"],
            batch.versions,
        )
        self.written += len(batch.records)
        if self.reserved_ids:
            self.record_ids += [row[_RECORD_ID] for row in batch.records]
            self.version_ids += [row[0] for row in batch.versions]
        self.copied_ids += batch.copied_ids
        self.seconds_inserting += time.perf_counter() - started
        self.progress(self.written)

    def finish(self) -> int:
        """Rebuild the dropped indexes and (unless the ids were reserved from them) move the id sequences past the
        rows written."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            if self.dropped and connection.vendor == "postgresql":
                # Foreign keys are deferred to commit; PostgreSQL will not build an index over pending checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # sort each index in memory
            for _, create in self.dropped:
                cursor.execute(create)
            for table, name, definition in self.dropped_keys:
                # Checked in one pass over the table (an anti-join), where a deferred key checks row by row at commit:
                # for the demo world's 1.7 M rows that was 16.5 s of the build.
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID")
                cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
            if not self.reserved_ids:
                for statement in connection.ops.sequence_reset_sql(no_style(), list(self.TABLES)):
                    cursor.execute(statement)
        self.seconds_indexing = time.perf_counter() - started
        return self.written


def write_records(
    records: Iterable[BulkRecord],
    *,
    calendar: WorkingCalendar,
    enforce_late_window: bool = True,
    defer_indexes: bool = False,
    progress: Callable[[int], None] | None = None,
    imported: tuple[int, int, datetime.datetime] | None = None,
) -> BulkRecordWriter:
    """Prepare and insert in this process (imports; the demo builder splits preparation over two), with ids reserved
    so that records created meanwhile by people at work take others. It runs in the caller's transaction (one of its
    own if there is none): on SQLite that transaction's write lock is what keeps the ids the load's."""
    with transaction.atomic(savepoint=False):  # the caller's, or one of its own: SQLite's lock is held throughout
        writer = BulkRecordWriter(defer_indexes=defer_indexes, progress=progress, reserved_ids=True)
        preparer = RowPreparer(
            calendar=calendar,
            category_names=category_names(),
            ids=(reserve_ids(WorkRecord), reserve_ids(RecordParticipant), reserve_ids(RecordVersion)),
            enforce_late_window=enforce_late_window,
            imported=imported,
        )
        for batch in preparer.prepare(records):
            writer.insert(batch)
        writer.finish()
        # The new records enter the search index in the same transaction, run by run of ids (a run ends only where a
        # record created meanwhile took an id); the demo build, which writes through BulkRecordWriter, rebuilds it once.
        for first, last in id_runs(writer.record_ids):
            records_bulk_written.run(first=first, last=last)
    return writer


def id_runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """The runs (first, last — both included) that cover exactly `ids`."""
    runs: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs
