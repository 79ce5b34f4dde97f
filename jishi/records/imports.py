"""Import records migrated from an earlier system, from .xlsx or .csv — all or nothing, every bad row reported.

An import is an administrator's (or HR's) act: the records keep their dates, times and original submission
times, are marked with the import batch (who, which file), are locked at once, and enter the history at the
import. The late-entry window binds people writing today, not a migration. The same file never imports twice.

What an earlier system may hold but Jishi cannot take is refused row by row: a submission time in the future or
before the work ended (the history would claim the record was written before the work was done), and the
00:00–23:59 "whole day" placeholder (not a time anyone worked). Content that fails the substance rule is refused
unless the importer asks for legacy content (`legacy_content`): then it is imported and each such record is marked
(WorkRecord.legacy_content). The report counts late entries (补记), records on non-working days and rows dated
before the person's first post — what an administrator should look at after a migration.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jishi.core.services import audit
from jishi.core.tables import (
    FALSE,
    TRUE,
    ImportFileError,
    ImportKind,
    ImportReport,
    RowError,
    Sheet,
    parse_date,
    parse_moment,
    parse_time,
    read_table,
    split_list,
    text,
)
from jishi.core.tables import template as sheet_template
from jishi.org.calendar import WorkingCalendar, at, day_of, local_today
from jishi.org.models import Assignment, Duty, Person, Unit
from jishi.org.rules import can_import
from jishi.org.selectors import by_precedence, duty_serves, held_on
from jishi.records import org_imports
from jishi.records.batches import batch_create, fingerprint, refuse_repeat
from jishi.records.bulk import BulkRecord, category_names, id_runs, write_records
from jishi.records.fields import BY_NAME, PLAIN_FIELDS, SHEET_COLUMNS, model_field
from jishi.records.hooks import records_imported
from jishi.records.models import Category, WorkRecord
from jishi.records.validation import RecordFacts, RecordValues, content_errors, record_errors

__all__ = ["KINDS", "MAX_BYTES", "ImportFileError", "ImportReport", "RowError", "can_import", "import_records"]

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000

# The sheet's column of each plain field of the record (records.fields), and the model field that says how to read it.
_PLAIN_COLUMNS = {
    column.lookup: (column, model_field(column.lookup))
    for column in SHEET_COLUMNS
    if column.imported and column.lookup in PLAIN_FIELDS
}
with translation.override("zh-hans"):  # the file is Chinese whatever language is active at first import
    # A choice is written as its label (as the export writes it; a blank choice's label, such as 未填写, is blank too)
    # or its code.
    _CHOICES = {
        name: {str(label): value for value, label in field.choices} | {v: v for v, _ in field.choices}
        for name, (_column, field) in _PLAIN_COLUMNS.items()
        if field.choices
    }
    # What the template says of a choice column that says nothing of its own: its labels.
    _CHOICE_NOTES = {
        column.header: "、".join(str(label) for value, label in field.choices if value != "")
        + ("，可留空" if field.blank else "")
        for column, field in _PLAIN_COLUMNS.values()
        if field.choices
    }

SHEET = Sheet(
    title="工作记实",
    # The export's columns that the import reads, in its order — except that a template leads with whose records they
    # are (工号), where an export leads with each record's id.
    columns={
        column.key: column.headers
        for column in sorted(SHEET_COLUMNS, key=lambda column: column.key != "employee_number")
        if column.imported
    },
    required=("employee_number", "date", "category", "content", "submitted_at"),
    example={
        "次日结束": "否",
        "工号": "JD000123",
        "日期": "2014-03-05",
        "开始": "09:00",
        "结束": "10:30",
        "时长（分钟）": "",
        "类别": "会议",
        "工作内容": "参加区财政局预算执行分析会，汇报本科室一季度支出进度",
        "地点": "区政府第一会议室",
        "参与人员": "JD000124、JD000125",
        "合作单位": "GKK/李明",
        "职责编码": "",
        "结果/进展": "会议明确三项整改任务",
        "体会/反思": "",
        "可见范围": "政府内部",
        "敏感": "否",
        "提交时间": "2014-03-05 17:42",
    },
    notes=_CHOICE_NOTES
    | {
        "工号": _("记录人的工号（没有工号的账户填用户名）"),
        "日期": _("2014-03-05、2014/3/5 或 2014年3月5日；不能晚于今天，须在此人的任职期间"),
        "开始": _("HH:MM；与“结束”同填，或都留空并填写时长；00:00–23:59 这类“全天”不接受"),
        "结束": _("HH:MM"),
        "次日结束": _("是、否；跨夜值班结束在次日时填“是”"),
        "时长（分钟）": _("没有起止时间时填写，1 到 1440"),
        "类别": _("类别名称或代码"),
        "工作内容": _("须写明做了什么（内容规则）；旧内容不合规则时可选择“按旧系统内容导入”"),
        "参与人员": _("同事的工号（或用户名），多个用顿号或分号分隔；不含记录人本人"),
        "合作单位": _("单位代码，或“单位代码/联系人”，多个用顿号或分号分隔"),
        "职责编码": _("此人当天岗位或单位的职责编码，可留空"),
        "可见范围": _("公开、政府内部（留空同）、本单位、仅上级"),
        "敏感": _("是、否"),
        "提交时间": _("日期和时间，如 2014-03-05 17:42；不能早于工作结束，不能晚于现在"),
    },
    # Columns an export adds for people to read; accepted and ignored, so that an export imports again.
    ignored=tuple(column.header for column in SHEET_COLUMNS if not column.imported),
)
COLUMNS = SHEET.columns
EXAMPLE = SHEET.example
HEADER_LABEL = {key: SHEET.label(key) for key in COLUMNS}


class _Context:
    """What validation needs, read once for the whole file."""

    def __init__(self, rows: list[dict[str, Any]], *, legacy_content: bool = False) -> None:
        self.legacy_content = legacy_content
        self.now = timezone.now()
        self.before_start: set[int] = set()  # rows dated before the person's first post
        numbers = {text(r.get("employee_number")) for r in rows}
        numbers |= {n for r in rows for n in split_list(r.get("participants"))}
        self.people = _people_by_number(numbers)
        self.posts: dict[int, list[Assignment]] = {}
        for a in Assignment.objects.filter(person__in=self.people.values()).select_related("position__unit"):
            self.posts.setdefault(a.person_id, []).append(a)
        codes = {_partner(item)[0] for r in rows for item in split_list(r.get("partner_units"))}
        self.units = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
        categories = list(Category.objects.filter(is_active=True))
        self.categories = {c.name: c.pk for c in categories} | {c.code: c.pk for c in categories}
        self.duties: dict[str, list[Duty]] = {}
        for duty in Duty.objects.all():
            self.duties.setdefault(duty.code, []).append(duty)
        self.names = category_names()

    def first_start(self, person: Person) -> datetime.date | None:
        """The start of the person's first post (任职日期)."""
        return min((a.start for a in self.posts.get(person.pk, [])), default=None)

    def post_on(self, person: Person, day: datetime.date) -> Assignment | None:
        held = by_precedence(held_on(self.posts.get(person.pk, []), day))
        return held[0] if held else None

    def duty_for(self, code: str, day: datetime.date, person: Person) -> Duty | None:
        held = held_on(self.posts.get(person.pk, []), day)
        return next((d for d in self.duties.get(code, []) if duty_serves(d, held, day)), None)


def _people_by_number(numbers: set[str]) -> dict[str, Person]:
    """People by 工号, or by username for an account without one (an administrator made by hand)."""
    numbers.discard("")
    found = Person.objects.filter(Q(employee_number__in=numbers) | Q(username__in=numbers))
    by_username = {p.username: p for p in found}
    return by_username | {p.employee_number: p for p in by_username.values() if p.employee_number}


def _partner(item: str) -> tuple[str, str]:
    """A 合作单位 item: "单位代码" or "单位代码/联系人"."""
    code, _, contact = item.replace("／", "/").partition("/")
    return code.strip(), contact.strip()


WHOLE_DAY_ENDS = (datetime.time(23, 59), datetime.time(0, 0))  # 00:00–23:59 or 00:00–00:00 (next day)
# The record rules' fields that the sheet names otherwise.
RULE_COLUMN = {"start_time": "start", "end_time": "end"} | {name: c.key for name, (c, _f) in _PLAIN_COLUMNS.items()}


def _plain_values(row: dict[str, Any], fail: Callable[[str, str], None]) -> dict[str, Any]:
    """The row's plain fields (records.fields), read as their model fields say: a choice by its label or code (blank:
    the field's default; anything else is left for the record rules, which refuse it with their one message), yes/no
    as 是/否 (or the column's own header, as earlier systems wrote a mark), text as text."""
    values: dict[str, Any] = {}
    for name, (column, field) in _PLAIN_COLUMNS.items():
        cell = text(row.get(column.key))
        if name in _CHOICES:
            values[name] = _CHOICES[name].get(cell, cell) if cell else field.get_default()
        elif isinstance(field, models.BooleanField):
            if cell.lower() not in TRUE | FALSE | {column.header}:
                fail(column.key, f"{BY_NAME[name].label}应填“是”或“否”。")
            values[name] = cell.lower() in TRUE or cell == column.header
        else:
            values[name] = cell
    return values


def _row_to_record(
    row: dict[str, Any], ctx: _Context, today: datetime.date
) -> tuple[BulkRecord | None, list[RowError]]:
    number = row["_row"]
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, HEADER_LABEL[column], message))

    person = ctx.people.get(text(row.get("employee_number")))
    if person is None:
        fail("employee_number", f"工号“{text(row.get('employee_number'))}”不存在。")
    try:
        day = parse_date(row.get("date"))
    except (ValueError, TypeError):
        fail("date", f"日期“{text(row.get('date'))}”无法识别，应为 YYYY-MM-DD。")
        day = None
    try:
        submitted = parse_moment(row.get("submitted_at"))
    except (ValueError, TypeError):
        fail("submitted_at", f"提交时间“{text(row.get('submitted_at'))}”无法识别，应为 YYYY-MM-DD HH:MM。")
        submitted = None
    if submitted and submitted > ctx.now:
        fail("submitted_at", f"提交时间 {timezone.localtime(submitted):%Y-%m-%d %H:%M} 晚于现在。")
    category = ctx.categories.get(text(row.get("category")))
    if category is None:
        fail("category", f"类别“{text(row.get('category'))}”不存在。")
    try:
        start, end = parse_time(row.get("start")), parse_time(row.get("end"))
    except (ValueError, TypeError):
        fail("start", "时间无法识别，应为 HH:MM。")
        start = end = None
    duration = None
    if start is None and end is None:
        try:
            duration = int(text(row.get("duration_minutes")) or 0) or None
        except ValueError:
            fail("duration_minutes", "时长应为分钟数。")
    elif start == datetime.time.min and end in WHOLE_DAY_ENDS:
        fail(
            "start",
            f"{start:%H:%M}–{end:%H:%M} 是“全天”占位，不是实际工作时间：请填写实际起止时间，"
            "或清空开始和结束并在“时长（分钟）”中填写实际时长。",
        )
    plain = _plain_values(row, fail)
    post = ctx.post_on(person, day) if person and day else None
    if person and day and post is None:
        first = ctx.first_start(person)
        if first and day < first:
            ctx.before_start.add(number)
            fail("date", f"早于{person.full_name}的任职日期（{first}）：请先导入此人当时的任职（人员导入的调动）。")
        else:
            fail("date", f"{person.full_name}在 {day} 没有在职岗位。")
    duty = None
    code = text(row.get("duty_code"))
    if code and person and day:
        duty = ctx.duty_for(code, day, person)
        if duty is None:
            fail("duty_code", f"职责编码“{code}”不属于此人当天的岗位或单位，或已停用。")
    participants, names_author = _participants(row, ctx, person, fail)
    overnight = text(row.get("ends_next_day")).lower()
    if overnight not in TRUE | FALSE:
        fail("ends_next_day", "次日结束应填“是”或“否”。")
    if day is not None:  # the record rules, as the service applies them (records.validation)
        end_day = day + datetime.timedelta(days=1) if overnight in TRUE else day  # overnight duty
        values = RecordValues(
            **plain,
            date=day,
            start_at=at(day, start) if start else None,
            end_at=at(end_day, end) if end else None,
            duration_minutes=duration,
            participants=len(participants),
            names_author=names_author,
            contact_names=[contact for _, _, contact in participants],
            legacy_content=ctx.legacy_content,
        )
        facts = RecordFacts(
            today=today,
            submitted_day=day_of(submitted) if submitted else today,
            late_window=None,  # the late-entry window binds people writing today, not a migration
            category_names=ctx.names,
        )
        failed = {e.column for e in errors}
        for name, messages in record_errors(values, facts).items():
            column = RULE_COLUMN.get(name, name)
            if HEADER_LABEL[column] not in failed:  # a cell that could not be read is reported once
                fail(column, messages[0])
    if errors or person is None or day is None or submitted is None or post is None or category is None:
        return None, errors
    record = BulkRecord(
        **plain,
        author_id=person.pk,
        unit_id=post.position.unit_id,
        department_id=post.position.unit.department_id or post.position.unit_id,
        date=day,
        category_id=category,
        submitted_at=submitted,
        start_at=at(day, start) if start else None,
        end_at=at(end_day, end) if end else None,
        duration_minutes=duration,
        duty_id=duty.pk if duty else None,
        participants=participants,
    )
    if record.end_at and submitted < record.end_at:
        fail(
            "submitted_at",
            f"提交时间 {timezone.localtime(submitted):%Y-%m-%d %H:%M} 早于工作结束"
            f"（{timezone.localtime(record.end_at):%Y-%m-%d %H:%M}）：记实只能记录已经做完的工作。",
        )
        return None, errors
    if ctx.legacy_content:  # the substance rule is waived for this record, and the record says so
        record.legacy_content = bool(content_errors(record.content, ctx.names))
    return record, errors


def _participants(
    row: dict[str, Any], ctx: _Context, author: Person | None, fail: Callable[[str, str], None]
) -> tuple[list[tuple[int | None, int | None, str]], bool]:
    """The row's 参与人员 and 合作单位 as BulkRecord participants, and whether the author named themself; each
    unknown one is a row error (the rules on them are the record's, in records.validation). People who have since
    left are accepted: they did take part then."""
    found: list[tuple[int | None, int | None, str]] = []
    names_author = False
    for item in dict.fromkeys(split_list(row.get("participants"))):
        person = ctx.people.get(item)
        if person is None:
            fail("participants", f"参与人员工号“{item}”不存在。")
        elif author is not None and person.pk == author.pk:
            names_author = True
        elif all(p != person.pk for p, _, _ in found):
            found.append((person.pk, None, ""))
    for item in dict.fromkeys(split_list(row.get("partner_units"))):
        code, contact = _partner(item)
        unit = ctx.units.get(code)
        if unit is None:
            fail("partner_units", f"合作单位代码“{code}”不存在。")
        else:
            found.append((None, unit, contact))
    return found, names_author


def _tally(report: ImportReport, good: list[tuple[int, BulkRecord]], ctx: _Context) -> None:
    """What an administrator should look at after a migration, counted over the rows that import (and the rows
    refused for a date before the person's first post)."""
    window = settings.JISHI_LATE_ENTRY_DAYS
    late = [(day_of(r.submitted_at) - r.date).days for _, r in good]
    counts = {
        "补记（提交晚于工作当天）": sum(1 for days in late if days > 0),
        f"其中超过 {window} 天补记期限": sum(1 for days in late if days > window),
    }
    if good:
        dates = [r.date for _, r in good]
        calendar = WorkingCalendar(min(dates), max(dates))
        counts["非工作日（节假日、周末）"] = sum(1 for _, r in good if not calendar.is_working_day(r.date))
    else:
        counts["非工作日（节假日、周末）"] = 0
    counts["早于任职日期（未导入）"] = len(ctx.before_start)
    counts["按旧系统内容导入（未经内容规则）"] = sum(1 for _, r in good if r.legacy_content)
    report.tallies = counts


def _overlaps(records: list[tuple[int, BulkRecord]]) -> list[RowError]:
    """A person's records may not overlap — within the file, or with what is already stored."""
    timed = [(n, r) for n, r in records if r.start_at and r.end_at]
    if not timed:
        return []
    errors = []
    authors = {r.author_id for _, r in timed}
    first = min(r.date for _, r in timed) - datetime.timedelta(days=1)
    last = max(r.date for _, r in timed) + datetime.timedelta(days=1)
    spans: dict[int, list[tuple[datetime.datetime, datetime.datetime, int | None]]] = {}
    for author, start, end in WorkRecord.objects.filter(
        author_id__in=authors, date__range=(first, last), start_at__isnull=False
    ).values_list("author_id", "start_at", "end_at"):
        spans.setdefault(author, []).append((start, end, None))  # type: ignore[arg-type]  # start_at__isnull=False
    for n, r in timed:
        spans.setdefault(r.author_id, []).append((r.start_at, r.end_at, n))  # type: ignore[arg-type]
    for items in spans.values():
        items.sort(key=lambda s: s[0])
        latest_end, latest_row = None, None
        for start, end, row in items:
            if latest_end and start < latest_end and row is not None:
                where = f"第 {latest_row} 行" if latest_row else "已有记实"
                errors.append(RowError(row, HEADER_LABEL["start"], f"与{where}时间重叠。"))
            if latest_end is None or end > latest_end:
                latest_end, latest_row = end, row
    return errors


def import_records(
    *, actor: Person, data: bytes, filename: str, dry_run: bool = False, legacy_content: bool = False
) -> ImportReport:
    """Validate every row; if all are good (and not a dry run), write them all in one transaction.

    `legacy_content`: import content that fails the substance rule as it stands, marking each such record.
    """
    if not can_import(actor):
        raise PermissionDenied("只有系统管理员和组织人事可以导入记实。")
    digest = fingerprint(data)
    refuse_repeat(digest)
    rows = read_table(data, filename, SHEET, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if "start" not in rows[0] and "duration_minutes" not in rows[0]:
        raise ImportFileError("需要“开始/结束”两列或“时长（分钟）”一列。")
    ctx = _Context(rows, legacy_content=legacy_content)
    today = local_today()
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    good: list[tuple[int, BulkRecord]] = []
    for row in rows:
        record, errors = _row_to_record(row, ctx, today)
        report.errors += errors
        if record is not None:
            good.append((row["_row"], record))
    report.errors += _overlaps(good)
    report.errors.sort(key=lambda e: (e.row, e.column))
    _tally(report, good, ctx)
    if report.errors or dry_run:
        return report
    dates = [r.date for _, r in good]
    calendar = WorkingCalendar(min(dates), max(dates) + datetime.timedelta(days=60))
    with transaction.atomic():
        batch = batch_create(actor=actor, digest=digest, filename=filename, rows=len(good))
        # Every row passed the record rules above (records.validation, as the writer applies them again).
        writer = write_records(
            _records(good),
            calendar=calendar,
            enforce_late_window=False,
            imported=(batch.pk, actor.pk, batch.imported_at),
        )
        # The imported versions join the integrity chain: registered as this import's load, then sealed — the chain
        # seals nothing after its time that no load of Jishi's own registered.
        records_imported.run(actor=actor, version_runs=id_runs(writer.version_ids))
        audit(
            actor=actor,
            verb="records.import",
            target=batch,
            data={
                "file": filename,
                "sha256": digest,
                "records": writer.written,
                "legacy_content": report.tallies["按旧系统内容导入（未经内容规则）"],
            },
        )
    report.imported, report.batch = writer.written, batch
    return report


def _records(good: Iterable[tuple[int, BulkRecord]]) -> Iterable[BulkRecord]:
    return (record for _, record in good)


def template(kind: str) -> bytes:
    """The records template (csv or xlsx) with the headers and one example row."""
    return sheet_template(SHEET, kind)


RECORDS = ImportKind(
    label=_("记实"),
    sheet=SHEET,
    run=import_records,
    options=("legacy_content",),
    summary=_("从旧系统迁移的记实：保留原日期、时间和提交时间，导入后立即锁定，并记录导入人和文件。"),
)

# Every kind the import page and `jishi import` offer, in the order an organisation is set up.
KINDS: dict[str, ImportKind] = {**org_imports.KINDS, "records": RECORDS}
