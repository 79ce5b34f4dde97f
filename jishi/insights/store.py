"""The analytics store: Parquet files beside the database, rebuilt from it, read with DuckDB (engine.py).

Layout under settings.JISHI_INSIGHTS_DIR:
  TABLE/month=YYYY-MM/part-0.parquet   fact tables, one file a month (records, owed, participants, supervision,
                                          terms), the month of the record's date, the owed day or the act
  TABLE.parquet                          dimensions and small tables (units, people, positions, assignments,
                                          duties, categories, tasks, task_units, calendar), one file each
  meta.json                               as_of (the newest refresh) and each month's refresh time
Every file is written under a temporary name and moved into place with os.replace, so a reader sees the old file or
the new one, never half of one. Withdrawn records are left out; times are local (settings.TIME_ZONE). The columns are
SCHEMAS below — the documented interchange for other engines (test_spark.py reads the same files with Spark).

The database is read with plain SQL through Django's connection (SQLite or PostgreSQL), a few columns at a time;
DuckDB, in memory, joins and derives the columns; pyarrow writes the files.
"""

from __future__ import annotations

import datetime
import fcntl
import heapq
import json
import multiprocessing
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, connections
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jishi.core.processes import can_fork
from jishi.insights import text, topics
from jishi.org.calendar import WorkingCalendar, local_today
from jishi.org.models import Absence, Assignment, AssignmentKind, Duty, Person, Position, Unit, UnitKind
from jishi.records.models import Category, RecordParticipant, Visibility, WorkRecord
from jishi.supervision.models import Comment, Inquiry, RecordView
from jishi.tasks.models import UNFINISHED_STATUSES, Task, TaskRecordLink

I64, I32, F64, STR, BOOL, DATE = pa.int64(), pa.int32(), pa.float64(), pa.string(), pa.bool_(), pa.date32()
TS = pa.timestamp("us")

FACTS = ("records", "owed", "participants", "supervision", "terms")
SCHEMAS: dict[str, pa.Schema] = {
    "records": pa.schema(
        [
            ("id", I64),
            ("author_id", I64),
            ("unit_id", I64),
            ("department_id", I64),
            ("date", DATE),
            ("working_day", BOOL),
            ("start_minute", I32),
            ("minutes", I64),
            ("evening_minutes", I64),
            ("category_id", I64),
            ("duty_id", I64),
            ("task_linked", BOOL),
            ("visibility", STR),
            ("is_sensitive", BOOL),
            ("is_late", BOOL),
            ("imported", BOOL),
            ("submitted_at", TS),
            ("submit_lag_days", I64),
            ("participants", I32),
            ("content_length", I32),
            ("similar_to_previous", F64),
            ("previous_similar_id", I64),
        ]
    ),
    "owed": pa.schema([("person_id", I64), ("date", DATE), ("unit_id", I64), ("department_id", I64), ("filed", BOOL)]),
    "participants": pa.schema(
        [
            ("record_id", I64),
            ("date", DATE),
            ("author_id", I64),
            ("author_department_id", I64),
            ("person_id", I64),
            ("person_department_id", I64),
            ("partner_unit_id", I64),
            ("partner_department_id", I64),
        ]
    ),
    "supervision": pa.schema(
        [
            ("kind", STR),
            ("date", DATE),
            ("actor_id", I64),
            ("actor_department_id", I64),
            ("author_id", I64),
            ("author_department_id", I64),
            ("dimension", STR),
            ("is_leader", BOOL),
        ]
    ),
    "terms": pa.schema([("record_id", I64), ("date", DATE), ("department_id", I64), ("term", STR)]),
    "units": pa.schema(
        [
            ("id", I64),
            ("name", STR),
            ("code", STR),
            ("kind", STR),
            ("parent_id", I64),
            ("department_id", I64),
            ("tier", I64),
            ("path", STR),
            ("peer_group", STR),
            ("valid_to", DATE),
        ]
    ),
    "people": pa.schema(
        [
            ("id", I64),
            ("full_name", STR),
            ("category", STR),
            ("filing_obligation", STR),
            ("is_district_cadre", BOOL),
            ("unit_id", I64),
            ("department_id", I64),
            ("rank", STR),
            ("leadership", STR),
        ]
    ),
    "positions": pa.schema([("id", I64), ("unit_id", I64), ("title", STR), ("rank", STR), ("leadership", STR)]),
    "assignments": pa.schema(
        [
            ("person_id", I64),
            ("position_id", I64),
            ("unit_id", I64),
            ("start", DATE),
            ("end", DATE),
            ("kind", STR),
        ]
    ),
    "duties": pa.schema(
        [
            ("id", I64),
            ("unit_id", I64),
            ("department_id", I64),
            ("position_id", I64),
            ("code", STR),
            ("title", STR),
            ("retired_on", DATE),
        ]
    ),
    "categories": pa.schema([("id", I64), ("code", STR), ("name", STR)]),
    "tasks": pa.schema(
        [
            ("id", I64),
            ("issuer_unit_id", I64),
            ("issuer_department_id", I64),
            ("owner_unit_id", I64),
            ("owner_department_id", I64),
            ("duty_id", I64),
            ("status", STR),
            ("issued_date", DATE),
            ("deadline", DATE),
            ("closed_date", DATE),
            ("overdue", BOOL),
            ("lead_days", I64),
        ]
    ),
    "task_units": pa.schema([("task_id", I64), ("department_id", I64), ("role", STR)]),
    # Every day of the store's span, whether it is an official working day (chinesecalendar under the overrides): the
    # partitions then carry the working days of a period themselves, for another engine too.
    "calendar": pa.schema([("date", DATE), ("working_day", BOOL)]),
}
DIMENSIONS = tuple(name for name in SCHEMAS if name not in FACTS)

PEER_GROUPS = {
    UnitKind.JURISDICTION: "leadership",
    UnitKind.DEPARTMENT: "bureau",
    UnitKind.TOWN: "town",
    UnitKind.SECTION: "section",
    UnitKind.VILLAGE: "village",
}
# Similarity looks back over the author's last few filing days (text.PREVIOUS_DAYS): a month is read with the three
# weeks before it (someone back from a longer absence is compared with what the window holds).
CONTEXT_DAYS = 21
ALL_STAFF = (Visibility.PUBLIC.value, Visibility.INTERNAL.value)


# -- where things are ---------------------------------------------------------------------------------------------


def store_dir() -> Path:
    return Path(settings.JISHI_INSIGHTS_DIR)


def month_key(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of the months from `first`'s to `last`'s, in order."""
    months, day = [], month_start(first)
    while day <= last:
        months.append(day)
        day = month_end(day) + datetime.timedelta(days=1)
    return months


def partition_path(table: str, month: datetime.date) -> Path:
    return store_dir() / table / f"month={month_key(month)}" / "part-0.parquet"


def read_meta() -> dict[str, Any]:
    try:
        return dict(json.loads((store_dir() / "meta.json").read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return {}


def is_built() -> bool:
    return bool(read_meta().get("as_of"))


def period_version(start: datetime.date, end: datetime.date) -> tuple[Any, ...]:
    """What changes when the store's facts of the months from `start` to `end` change: the generation (a new one at
    each full rebuild) and the serial of the write that last wrote each of those months. The dimensions (people,
    units, the calendar) are rewritten at every refresh and are not part of it."""
    meta = read_meta()
    first, last = month_key(start), month_key(end)
    serials = meta.get("month_serials", {})
    return (meta.get("generation"), tuple(sorted((k, v) for k, v in serials.items() if first <= k <= last)))


# -- writing files atomically ---------------------------------------------------------------------------------------


def _replace(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_table(path: Path, table: pa.Table, schema: pa.Schema) -> None:
    """Write `table` with exactly `schema`'s columns and types, replacing `path` in one step."""
    table = table.select(schema.names).cast(schema)
    _replace(path, lambda temporary: pq.write_table(table, temporary))


def _write_meta(months: Iterable[datetime.date], *, full: bool, started: datetime.datetime) -> None:
    """as_of is when the refresh began reading the database: the store holds everything committed before it."""
    meta = read_meta()
    now = started.isoformat(timespec="seconds")
    refreshed = dict(meta.get("months", {}))
    # Every write has a serial, and each month keeps the serial that last wrote it; a full rebuild starts a new
    # generation. Together they say whether a month changed, finer than the times (two writes in one second).
    serial = int(meta.get("serial", 0)) + 1
    written = dict(meta.get("month_serials", {}))
    if full:
        refreshed, written = {}, {}
        meta["generation"] = secrets.token_hex(8)
        meta["rebuilt_at"] = now
    refreshed.update({month_key(m): now for m in months})
    written.update({month_key(m): serial for m in months})
    meta.update(
        {
            "as_of": now,
            "serial": serial,
            "months": dict(sorted(refreshed.items())),
            "month_serials": dict(sorted(written.items())),
        }
    )
    body = json.dumps(meta, ensure_ascii=False, indent=1)
    _replace(store_dir() / "meta.json", lambda temporary: temporary.write_text(body, encoding="utf-8"))


@contextmanager
def _locked() -> Iterator[None]:
    """One writer at a time (the worker's refresh and a rebuild from the command line)."""
    store_dir().mkdir(parents=True, exist_ok=True)
    with open(store_dir() / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- reading the database -------------------------------------------------------------------------------------------


def _epoch(column: str) -> str:
    """Seconds since 1970 of an aware datetime column, on SQLite (stored as UTC text) and PostgreSQL."""
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%s', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"


def _flag(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


def _fetch(sql: str, params: Sequence[Any], columns: list[tuple[str, pa.DataType]]) -> pa.Table:
    """Rows of a query as an Arrow table with these column names and types."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    pairs = zip(columns, values, strict=True)
    return pa.table({name: pa.array(column, type=kind) for (name, kind), column in pairs})


def _aware(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _records(first: datetime.date, last: datetime.date) -> pa.Table:
    table = WorkRecord._meta.db_table
    sql = f"""
        SELECT r.id, r.author_id, r.unit_id, r.department_id, CAST(r.date AS TEXT), {_epoch("r.start_at")},
               {_epoch("r.end_at")}, r.duration_minutes, r.category_id, r.duty_id, r.visibility,
               {_flag("r.is_sensitive")}, {_flag("r.is_late")},
               CASE WHEN r.import_batch_id IS NULL THEN 0 ELSE 1 END, {_epoch("r.submitted_at")}, r.content
        FROM {table} r
        WHERE r.withdrawn_at IS NULL AND r.date >= %s AND r.date <= %s
        ORDER BY r.author_id, r.date, r.id
    """
    return _fetch(
        sql,
        [first, last],
        [
            ("id", I64),
            ("author_id", I64),
            ("unit_id", I64),
            ("department_id", I64),
            ("date", STR),
            ("start_epoch", I64),
            ("end_epoch", I64),
            ("minutes", I64),
            ("category_id", I64),
            ("duty_id", I64),
            ("visibility", STR),
            ("is_sensitive", I64),
            ("is_late", I64),
            ("imported", I64),
            ("submitted_epoch", I64),
            ("content", STR),
        ],
    )


def _participants(first: datetime.date, last: datetime.date) -> pa.Table:
    sql = f"""
        SELECT p.record_id, p.person_id, p.unit_id
        FROM {RecordParticipant._meta.db_table} p JOIN {WorkRecord._meta.db_table} r ON r.id = p.record_id
        WHERE r.withdrawn_at IS NULL AND r.date >= %s AND r.date <= %s
    """
    return _fetch(sql, [first, last], [("record_id", I64), ("person_id", I64), ("partner_unit_id", I64)])


def _task_links(first: datetime.date, last: datetime.date) -> pa.Table:
    sql = f"""
        SELECT DISTINCT l.record_id
        FROM {TaskRecordLink._meta.db_table} l JOIN {WorkRecord._meta.db_table} r ON r.id = l.record_id
        WHERE r.date >= %s AND r.date <= %s
    """
    return _fetch(sql, [first, last], [("record_id", I64)])


def _supervision(first: datetime.date, last: datetime.date) -> pa.Table:
    """Comments, inquiries and views (not inspectors' views: never shown to authors) whose local day is in range."""
    records = WorkRecord._meta.db_table
    # As the backend stores them (SQLite: UTC text), or a local bound would be compared with UTC times as text.
    adapt = connection.ops.adapt_datetimefield_value
    start, end = adapt(_aware(first)), adapt(_aware(last + datetime.timedelta(days=1)))
    sql = f"""
        SELECT 'comment', {_epoch("c.created_at")}, c.author_id, c.actor_unit_id, r.author_id, r.department_id,
               c.dimension, {_flag("c.is_leader")}
        FROM {Comment._meta.db_table} c JOIN {records} r ON r.id = c.record_id
        WHERE c.created_at >= %s AND c.created_at < %s
        UNION ALL
        SELECT 'inquiry', {_epoch("q.asked_at")}, q.asker_id, q.actor_unit_id, r.author_id, r.department_id,
               q.dimension, {_flag("q.is_leader")}
        FROM {Inquiry._meta.db_table} q JOIN {records} r ON r.id = q.record_id
        WHERE q.asked_at >= %s AND q.asked_at < %s
        UNION ALL
        SELECT 'view', {_epoch("v.viewed_at")}, v.viewer_id, v.viewer_unit_id, r.author_id, v.record_department_id,
               v.dimension, 0
        FROM {RecordView._meta.db_table} v JOIN {records} r ON r.id = v.record_id
        WHERE v.viewed_at >= %s AND v.viewed_at < %s AND NOT v.by_inspector
    """
    return _fetch(
        sql,
        [start, end] * 3,
        [
            ("kind", STR),
            ("epoch", I64),
            ("actor_id", I64),
            ("actor_unit_id", I64),
            ("author_id", I64),
            ("author_department_id", I64),
            ("dimension", STR),
            ("is_leader", I64),
        ],
    )


def _rows(queryset: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in queryset]


def _from_rows(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def _department(unit: dict[str, Any]) -> int:
    return int(unit["department_id"] or unit["id"])


def _calendar(first: datetime.date, last: datetime.date) -> pa.Table:
    calendar = WorkingCalendar(first, last)
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    return pa.table({"date": pa.array(days, DATE), "working_day": pa.array([calendar.is_working_day(d) for d in days])})


def _calendar_span(months: list[datetime.date], today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the store's first month (kept in meta.json, or these months') to the end of this year."""
    known = [datetime.date.fromisoformat(f"{key}-01") for key in read_meta().get("months", {})]
    first = min([*known, *months, month_start(today)])
    return first, datetime.date(max(today.year, months[-1].year if months else today.year), 12, 31)


def _dimensions(today: datetime.date) -> dict[str, pa.Table]:
    """The small tables, read whole (a few thousand rows each)."""
    units = _rows(
        Unit.objects.values("id", "name", "code", "kind", "parent_id", "department_id", "tier", "path", "valid_to")
    )
    department_of = {u["id"]: _department(u) for u in units}
    for unit in units:
        unit["department_id"] = department_of[unit["id"]]
        unit["peer_group"] = PEER_GROUPS.get(unit["kind"], unit["kind"])
    positions = _rows(Position.objects.values("id", "unit_id", "title", "rank", "leadership"))
    position_by_id = {p["id"]: p for p in positions}
    assignments = _rows(
        Assignment.objects.values("id", "person_id", "position_id", "position__unit_id", "start", "end", "kind")
    )
    for a in assignments:
        a["unit_id"] = a.pop("position__unit_id")
    main_post: dict[int, dict[str, Any]] = {}
    # The main post today: a primary assignment before any other, then the latest begun, then the first made.
    for a in sorted(assignments, key=lambda a: (a["kind"] != AssignmentKind.PRIMARY, -a["start"].toordinal(), a["id"])):
        if a["start"] <= today and (a["end"] is None or today <= a["end"]):
            main_post.setdefault(a["person_id"], a)
    people = _rows(Person.objects.values("id", "full_name", "category", "filing_obligation", "is_district_cadre"))
    for person in people:
        post = main_post.get(person["id"])
        position = position_by_id.get(post["position_id"]) if post else None
        person["unit_id"] = post["unit_id"] if post else None
        person["department_id"] = department_of.get(post["unit_id"]) if post else None
        person["rank"] = position["rank"] if position else None
        person["leadership"] = position["leadership"] if position else None
    duties = _rows(Duty.objects.values("id", "unit_id", "position_id", "code", "title", "retired_on"))
    for duty in duties:
        duty["department_id"] = department_of.get(duty["unit_id"])
    tasks: list[dict[str, Any]] = []
    task_units: list[dict[str, Any]] = []
    for task in Task.objects.prefetch_related("collaborating_units").order_by("id"):
        issued = timezone.localdate(task.issued_at)
        closed = timezone.localdate(task.closed_at) if task.closed_at else None
        tasks.append(
            {
                "id": task.pk,
                "issuer_unit_id": task.issuer_unit_id,
                "issuer_department_id": department_of.get(task.issuer_unit_id),
                "owner_unit_id": task.owner_unit_id,
                "owner_department_id": department_of.get(task.owner_unit_id),
                "duty_id": task.duty_id,
                "status": task.status,
                "issued_date": issued,
                "deadline": task.deadline,
                "closed_date": closed,
                "overdue": task.status in UNFINISHED_STATUSES and task.deadline < today,
                "lead_days": (closed - issued).days if closed else None,
            }
        )
        roles = [("issuer", task.issuer_unit_id), ("owner", task.owner_unit_id)]
        roles += [("collaborator", u.pk) for u in task.collaborating_units.all()]
        for role, unit_id in roles:
            task_units.append({"task_id": task.pk, "department_id": department_of.get(unit_id), "role": role})
    categories = _rows(Category.objects.values("id", "code", "name"))
    tables: dict[str, list[dict[str, Any]]] = {
        "units": units,
        "people": people,
        "positions": positions,
        "assignments": assignments,
        "duties": duties,
        "categories": categories,
        "tasks": tasks,
        "task_units": task_units,
    }
    return {name: _from_rows(rows, SCHEMAS[name]) for name, rows in tables.items()}


# -- deriving the fact tables ---------------------------------------------------------------------------------------


def _context(first: datetime.date, last: datetime.date) -> pa.Table:
    """The records before a month that its records are compared with (text.similarity_to_previous): ids, authors,
    dates and contents only."""
    sql = f"""
        SELECT id, author_id, CAST(date AS TEXT), content FROM {WorkRecord._meta.db_table}
        WHERE withdrawn_at IS NULL AND date >= %s AND date <= %s
        ORDER BY author_id, date, id
    """
    return _fetch(sql, [first, last], [("id", I64), ("author_id", I64), ("date", STR), ("content", STR)])


def _similarities(raw: pa.Table, context: pa.Table, since: datetime.date) -> pa.Table:
    """text.similarity_to_previous over the fetched records, with the context before them (both sorted by author,
    date and id; the context's dates all come first)."""

    def rows(table: pa.Table) -> Iterator[tuple[int, int, str, str]]:
        columns = [table.column(name).to_pylist() for name in ("id", "author_id", "date", "content")]
        return zip(*columns, strict=True)

    merged = heapq.merge(rows(context), rows(raw), key=lambda r: (r[1], r[2], r[0]))
    ids, scores, previous = [], [], []
    for record_id, score, previous_id in text.similarity_to_previous(merged, since=since.isoformat()):
        ids.append(record_id)
        scores.append(score)
        previous.append(previous_id)
    return pa.table(
        {
            "id": pa.array(ids, I64),
            "similar_to_previous": pa.array(scores, F64),
            "previous_similar_id": pa.array(previous, I64),
        }
    )


# No topic term holds punctuation or a space (test_store checks the lexicon): a content's terms are those of its
# runs between them, and runs repeat across records far more than whole contents do ("提出7条修改意见").
_TERM_BREAK = re.compile(r"[，。；：、！？“”‘’（）《》〈〉【】,;:!?()\[\]\"'\s]+")


def record_terms(content: str, cache: dict[str, list[str]]) -> list[str]:
    """topics.terms(content), computed run by run with the runs' terms remembered in `cache`: the union of the
    runs' terms less any term inside another one found (topics' longest-only rule, applied again over the union)."""
    found: set[str] = set()
    for run in _TERM_BREAK.split(content):
        if len(run) < topics.MIN_CHARS:
            continue
        terms = cache.get(run)
        if terms is None:
            terms = cache[run] = topics.terms(run)
        found.update(terms)
    if len(found) < 2:
        return sorted(found)
    key = "\n".join(sorted(found))  # the same few terms recur: their longest-only set is remembered too
    kept = cache.get(key)
    if kept is None:
        kept = cache[key] = sorted(t for t in found if not any(t != other and t in other for other in found))
    return kept


def _terms(raw: pa.Table, months: set[str]) -> pa.Table:
    """topics.terms of each record visible to all staff and not sensitive (a topic never shows restricted text)."""
    cache: dict[str, list[str]] = {}
    record_ids, dates, departments, words = [], [], [], []
    names = ("id", "date", "department_id", "visibility", "is_sensitive", "content")
    columns = [raw.column(name).to_pylist() for name in names]
    for record_id, day, department_id, visibility, sensitive, content in zip(*columns, strict=True):
        if sensitive or visibility not in ALL_STAFF or day[:7] not in months:
            continue
        for term in record_terms(content, cache):
            record_ids.append(record_id)
            dates.append(day)
            departments.append(department_id)
            words.append(term)
    day_strings = pa.array(dates, STR)
    return pa.table(
        {
            "record_id": pa.array(record_ids, I64),
            "date": day_strings.cast(DATE),
            "department_id": pa.array(departments, I64),
            "term": pa.array(words, STR),
            "month": pc.utf8_slice_codeunits(day_strings, 0, 7),
        }
    )


OVERLAP_MACRO = """
CREATE OR REPLACE TEMP MACRO overlap_minutes(s, e, a, b) AS
    greatest(0, (epoch(least(e, b)) - epoch(greatest(s, a))) // 60)
"""

# Each fact table from the tables registered by _build_months, in this order (participants read out_records).
FACT_SQL = {
    "records": """
CREATE TEMP TABLE out_records AS
WITH base AS (
    SELECT r.*, CAST(r.date AS DATE) AS day,
           timezone($tz, to_timestamp(r.start_epoch)) AS s, timezone($tz, to_timestamp(r.end_epoch)) AS e,
           timezone($tz, to_timestamp(r.submitted_epoch)) AS submitted,
           date_trunc('day', timezone($tz, to_timestamp(r.start_epoch))) AS d0
    FROM raw_records r
    WHERE strftime(CAST(r.date AS DATE), '%Y-%m') IN (SELECT month FROM wanted)
), counted AS (SELECT record_id, count(*) AS n FROM raw_participants GROUP BY record_id)
SELECT b.id, b.author_id, b.unit_id, b.department_id, b.day AS date, coalesce(c.working, false) AS working_day,
       CAST(hour(b.s) * 60 + minute(b.s) AS INTEGER) AS start_minute, b.minutes,
       CASE WHEN b.s IS NULL OR b.e IS NULL THEN 0 ELSE least(b.minutes, greatest(0,
           (epoch(b.e) - epoch(b.s)) // 60
           - overlap_minutes(b.s, b.e, b.d0 + INTERVAL 8 HOUR, b.d0 + INTERVAL 18 HOUR)
           - overlap_minutes(b.s, b.e, b.d0 + INTERVAL 32 HOUR, b.d0 + INTERVAL 42 HOUR)
       )) END AS evening_minutes,
       b.category_id, b.duty_id, l.record_id IS NOT NULL AS task_linked, b.visibility,
       b.is_sensitive = 1 AS is_sensitive, b.is_late = 1 AS is_late, b.imported = 1 AS imported,
       b.submitted AS submitted_at, date_diff('day', b.day, CAST(b.submitted AS DATE)) AS submit_lag_days,
       CAST(coalesce(n.n, 0) AS INTEGER) AS participants, CAST(length(b.content) AS INTEGER) AS content_length,
       coalesce(m.similar_to_previous, 0.0) AS similar_to_previous, m.previous_similar_id,
       strftime(b.day, '%Y-%m') AS month
FROM base b
LEFT JOIN calendar c ON c.date = b.day
LEFT JOIN raw_links l ON l.record_id = b.id
LEFT JOIN counted n ON n.record_id = b.id
LEFT JOIN similarities m ON m.id = b.id
""",
    "participants": """
CREATE TEMP TABLE out_participants AS
SELECT p.record_id, r.date, r.author_id, r.department_id AS author_department_id, p.person_id,
       (SELECT u.department_id FROM assignments a JOIN units u ON u.id = a.unit_id
        WHERE a.person_id = p.person_id AND a.start <= r.date AND (a."end" IS NULL OR r.date <= a."end")
        ORDER BY a.kind = 'primary' DESC, a.start DESC LIMIT 1) AS person_department_id,
       p.partner_unit_id, pu.department_id AS partner_department_id, r.month
FROM raw_participants p JOIN out_records r ON r.id = p.record_id LEFT JOIN units pu ON pu.id = p.partner_unit_id
""",
    "supervision": """
CREATE TEMP TABLE out_supervision AS
SELECT s.kind, CAST(timezone($tz, to_timestamp(s.epoch)) AS DATE) AS date, s.actor_id,
       au.department_id AS actor_department_id, s.author_id, s.author_department_id, s.dimension,
       s.is_leader = 1 AS is_leader, strftime(CAST(timezone($tz, to_timestamp(s.epoch)) AS DATE), '%Y-%m') AS month
FROM raw_supervision s LEFT JOIN units au ON au.id = s.actor_unit_id
WHERE strftime(CAST(timezone($tz, to_timestamp(s.epoch)) AS DATE), '%Y-%m') IN (SELECT month FROM wanted)
""",
    "owed": """
CREATE TEMP TABLE out_owed AS
WITH days AS (
    SELECT date FROM calendar WHERE working AND date <= $today AND strftime(date, '%Y-%m') IN (SELECT month FROM wanted)
), held AS (
    SELECT a.person_id, d.date, a.unit_id
    FROM days d JOIN assignments a ON a.start <= d.date AND (a."end" IS NULL OR d.date <= a."end")
    JOIN people p ON p.id = a.person_id AND p.filing_obligation = 'required'
    QUALIFY row_number() OVER (PARTITION BY a.person_id, d.date ORDER BY a.kind = 'primary' DESC, a.start DESC) = 1
), filed AS (SELECT author_id, date FROM filed_days)
SELECT h.person_id, h.date, h.unit_id, u.department_id, f.author_id IS NOT NULL AS filed,
       strftime(h.date, '%Y-%m') AS month
FROM held h
LEFT JOIN units u ON u.id = h.unit_id
LEFT JOIN filed f ON f.author_id = h.person_id AND f.date = h.date
WHERE NOT EXISTS (
    SELECT 1 FROM absences b WHERE b.person_id = h.person_id AND b.start <= h.date AND h.date <= b."end"
)
""",
}
# What changes in a month without a record written for it (comments, views, owed days): a month refreshed only because
# it is this month or the previous one rewrites just these.
LIGHT = ("owed", "supervision")


def _build_months(
    con: duckdb.DuckDBPyConnection,
    months: list[datetime.date],
    dims: dict[str, pa.Table],
    tables: Sequence[str] = FACTS,
) -> None:
    """Write these fact tables' partitions for these months (an empty file for a month without rows)."""
    first, last = months[0], month_end(months[-1])
    today = local_today()
    wanted = {month_key(m) for m in months}
    calendar_from = first - datetime.timedelta(days=CONTEXT_DAYS)
    calendar = WorkingCalendar(calendar_from, last)
    days = [calendar_from + datetime.timedelta(days=i) for i in range((last - calendar_from).days + 1)]
    absences = list(Absence.objects.filter(start__lte=last, end__gte=first).values_list("person_id", "start", "end"))
    con.execute(OVERLAP_MACRO)
    con.register("wanted", pa.table({"month": pa.array(sorted(wanted), STR)}))
    con.register(
        "calendar",
        pa.table({"date": pa.array(days, DATE), "working": pa.array([calendar.is_working_day(d) for d in days], BOOL)}),
    )
    con.register(
        "absences",
        pa.table(
            {
                "person_id": pa.array([a[0] for a in absences], I64),
                "start": pa.array([a[1] for a in absences], DATE),
                "end": pa.array([a[2] for a in absences], DATE),
            }
        ),
    )
    for name in ("units", "people", "assignments"):
        con.register(name, dims[name])
    raw = None
    if "records" in tables:
        raw = _records(first, last)
        con.register("raw_records", raw)
        con.register("raw_participants", _participants(first, last))
        con.register("raw_links", _task_links(first, last))
        context = _context(first - datetime.timedelta(days=CONTEXT_DAYS), first - datetime.timedelta(days=1))
        con.register("similarities", _similarities(raw, context, first))
        filed = con.sql("SELECT DISTINCT author_id, CAST(date AS DATE) AS date FROM raw_records").to_arrow_table()
    else:
        filed = _filed_days(first, last)
    con.register("filed_days", filed)
    if "supervision" in tables:
        con.register("raw_supervision", _supervision(first, last))
    outputs: dict[str, pa.Table] = {}
    for name, statement in FACT_SQL.items():
        if name not in tables:
            continue
        parameters = {k: v for k, v in {"tz": settings.TIME_ZONE, "today": today}.items() if f"${k}" in statement}
        con.execute(statement, parameters)
    for name in FACT_SQL:
        if name in tables:
            outputs[name] = con.sql(f"SELECT * FROM out_{name}").to_arrow_table()
    if raw is not None and "terms" in tables:
        outputs["terms"] = _terms(raw, wanted)
    for name, table in outputs.items():
        _write_months(name, table, months)
    for name in FACT_SQL:
        con.execute(f"DROP TABLE IF EXISTS out_{name}")


def _filed_days(first: datetime.date, last: datetime.date) -> pa.Table:
    """Who filed on which day (a non-withdrawn record), for the owed days of a month whose records stay as they are."""
    sql = f"""
        SELECT DISTINCT author_id, CAST(date AS TEXT) FROM {WorkRecord._meta.db_table}
        WHERE withdrawn_at IS NULL AND date >= %s AND date <= %s
    """
    table = _fetch(sql, [first, last], [("author_id", I64), ("date", STR)])
    return table.set_column(1, "date", table.column("date").cast(DATE))


def _write_months(name: str, table: pa.Table, months: list[datetime.date]) -> None:
    schema = SCHEMAS[name]
    for month in months:
        rows = table.filter(pc.equal(table.column("month"), month_key(month)))
        write_table(partition_path(name, month), rows, schema)


def _write_dimensions(dims: dict[str, pa.Table]) -> None:
    for name, table in dims.items():
        write_table(store_dir() / f"{name}.parquet", table, SCHEMAS[name])


def _connect_builder() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"threads": 2})


def _record_span() -> tuple[datetime.date, datetime.date] | None:
    span = WorkRecord.objects.filter(withdrawn_at__isnull=True).order_by("date").values_list("date", flat=True)
    first = span.first()
    if first is None:
        return None
    last = WorkRecord.objects.order_by("-date").values_list("date", flat=True).first() or first
    return first, last


def rebuild(
    *, date_from: datetime.date | None = None, date_to: datetime.date | None = None, parallel: bool = False
) -> list[datetime.date]:
    """Rewrite the store: every month from the first record's to this one (or those within date_from..date_to),
    and every dimension. Without a range, partitions of months no longer in the data are removed. `parallel`: in
    JISHI_INSIGHTS_WORKERS processes (the command line and the worker; a web request builds in its own). Returns
    the months written."""
    started = timezone.localtime()
    today = local_today()
    span = _record_span()
    first = date_from or (span[0] if span else month_start(today) - datetime.timedelta(days=1))
    last = date_to or max(today, span[1] if span else today)
    months = months_between(first, last)
    with _locked():
        dims = _dimensions(today)
        if months and parallel:
            _build_in_parallel(months, dims)
        elif months:
            _build_run_here(months, dims)
        full = date_from is None and date_to is None
        if full and months:
            dims["calendar"] = _calendar(months[0], datetime.date(max(today.year, months[-1].year), 12, 31))
        else:
            dims["calendar"] = _calendar(*_calendar_span(months, today))
        _write_dimensions(dims)
        if full:
            keep = {month_key(m) for m in months}
            for name in FACTS:
                for folder in (store_dir() / name).glob("month=*"):
                    if folder.name.removeprefix("month=") not in keep:
                        shutil.rmtree(folder, ignore_errors=True)
        _write_meta(months, full=full, started=started)
    return months


def refresh(months: Iterable[datetime.date], *, light: Iterable[datetime.date] = ()) -> list[datetime.date]:
    """Rewrite these months' partitions (grouped into runs of consecutive months), the LIGHT tables of the `light`
    months (those not among `months`), and every dimension. Returns every month written, in order."""
    today = local_today()
    full_months = sorted({month_start(m) for m in months})
    light_months = sorted({month_start(m) for m in light} - set(full_months))
    wanted = sorted([*full_months, *light_months])
    with _locked():
        started = timezone.localtime()
        dims = _dimensions(today)
        con = _connect_builder()
        try:
            for run in _runs(full_months):
                _build_months(con, run, dims)
            for run in _runs(light_months):
                _build_months(con, run, dims, tables=LIGHT)
        finally:
            con.close()
        dims["calendar"] = _calendar(*_calendar_span(wanted, today))
        _write_dimensions(dims)
        _write_meta(wanted, full=False, started=started)
    return wanted


def _workers() -> int:
    configured = int(getattr(settings, "JISHI_INSIGHTS_WORKERS", 0) or 0)
    return configured if configured > 0 else min(4, os.cpu_count() or 1)


def _balanced_runs(months: list[datetime.date], parts: int) -> list[list[datetime.date]]:
    """The months cut into at most `parts` runs of consecutive months with about as many records each."""
    counts = dict(
        WorkRecord.objects.filter(date__gte=months[0], date__lte=month_end(months[-1]))
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    weights = [counts.get(m, 0) + 1_000 for m in months]  # owed days and the rest cost something in an empty month
    target = sum(weights) / parts
    runs: list[list[datetime.date]] = [[]]
    load = 0.0
    for month, weight in zip(months, weights, strict=True):
        if runs[-1] and load + weight / 2 > target and len(runs) < parts:
            runs.append([])
            load = 0.0
        runs[-1].append(month)
        load += weight
    return runs


def _build_run(run: list[datetime.date], dims: dict[str, pa.Table]) -> None:
    """Build a run of months in a process of its own (with its own database connection and DuckDB)."""
    con = _connect_builder()
    try:
        _build_months(con, run, dims)
    finally:
        con.close()
        connections.close_all()


def _build_in_parallel(months: list[datetime.date], dims: dict[str, pa.Table]) -> None:
    """Build the months in JISHI_INSIGHTS_WORKERS processes, forked, each a run of months — or here, in one run, with
    one worker, one month, inside a transaction (its rows are not visible to another connection: tests), or beside
    other threads (core.processes.can_fork)."""
    parts = min(_workers(), len(months))
    if parts <= 1 or connection.in_atomic_block or not can_fork():
        _build_run_here(months, dims)
        return
    runs = _balanced_runs(months, parts)
    connections.close_all()  # each process opens its own
    with multiprocessing.get_context("fork").Pool(len(runs)) as pool:
        pool.starmap(_build_run, [(run, dims) for run in runs])


def _build_run_here(months: list[datetime.date], dims: dict[str, pa.Table]) -> None:
    con = _connect_builder()
    try:
        _build_months(con, months, dims)
    finally:
        con.close()


def _runs(months: list[datetime.date]) -> Iterator[list[datetime.date]]:
    """Consecutive months together (one read of the database each), a gap starting a new run."""
    run: list[datetime.date] = []
    for month in months:
        if run and month != month_end(run[-1]) + datetime.timedelta(days=1):
            yield run
            run = []
        run.append(month)
    if run:
        yield run
