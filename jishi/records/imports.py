"""Import records migrated from an earlier system, from .xlsx or .csv — all or nothing, every bad row reported.

An import is an administrator's (or HR's) act: the records keep their dates, times and original submission
times, are marked with the import batch (who, which file), are locked at once, and enter the history at the
import. The late-entry window binds people writing today, not a migration. The same file never imports twice.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from jishi.core.services import audit
from jishi.org.calendar import WorkingCalendar, at, local_today
from jishi.org.models import Assignment, Duty, Person, Role
from jishi.org.rules import reader_for
from jishi.org.selectors import by_precedence, duty_serves, held_on
from jishi.records.bulk import BulkRecord, RecordRuleError, category_names, check, write_records
from jishi.records.models import Category, ImportBatch, Visibility, WorkRecord

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000

# Canonical column → accepted headers (Chinese first; English accepted).
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_number": ("工号", "employee_number"),
    "date": ("日期", "date"),
    "start": ("开始", "开始时间", "start", "start_time"),
    "end": ("结束", "结束时间", "end", "end_time"),
    "ends_next_day": ("次日结束", "ends_next_day"),
    "duration_minutes": ("时长（分钟）", "时长", "duration_minutes"),
    "category": ("类别", "category"),
    "content": ("工作内容", "内容", "content"),
    "place": ("地点", "place"),
    "duty_code": ("职责编码", "duty_code"),
    "result": ("结果/进展", "结果", "result"),
    "reflection": ("体会/反思", "reflection"),
    "visibility": ("可见范围", "visibility"),
    "sensitive": ("敏感", "sensitive"),
    "submitted_at": ("提交时间", "submitted_at"),
}
REQUIRED = ("employee_number", "date", "category", "content", "submitted_at")
HEADER_LABEL = {key: names[0] for key, names in COLUMNS.items()}
EXAMPLE = {
    "次日结束": "否",
    "工号": "JD000123",
    "日期": "2014-03-05",
    "开始": "09:00",
    "结束": "10:30",
    "时长（分钟）": "",
    "类别": "会议",
    "工作内容": "参加区财政局预算执行分析会，汇报本科室一季度支出进度",
    "地点": "区政府第一会议室",
    "职责编码": "",
    "结果/进展": "会议明确三项整改任务",
    "体会/反思": "",
    "可见范围": "政府内部",
    "敏感": "否",
    "提交时间": "2014-03-05 17:42",
}
TRUE = {"是", "true", "1", "yes", "y", "敏感"}
FALSE = {"否", "false", "0", "no", "n", ""}
_VISIBILITY = {str(label): value for value, label in Visibility.choices} | {v: v for v in Visibility.values}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (type, size, encoding, headers)."""


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0
    batch: ImportBatch | None = None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def read_table(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Rows as {canonical column: value}; raises ImportFileError with a Chinese message for an unreadable file."""
    if not data:
        raise ImportFileError("文件是空的。")
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"文件过大（{len(data) / 1024 / 1024:.0f} MB），上限为 {MAX_BYTES // 1024 // 1024} MB，请分批导入。"
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _read_xlsx(data)
    elif name.endswith(".csv"):
        table = _read_csv(data)
    else:
        raise ImportFileError("只支持 .xlsx（Excel）和 .csv 文件。旧版 .xls 请先在 Excel 中另存为 .xlsx。")
    if not table or not any(str(c or "").strip() for c in table[0]):
        raise ImportFileError("文件没有表头行。请使用导入模板。")
    headers = [str(c or "").strip() for c in table[0]]
    lookup = {name.lower(): key for key, names in COLUMNS.items() for name in names}
    mapping: dict[int, str] = {}
    unknown = []
    for index, header in enumerate(headers):
        if not header:
            continue
        key = lookup.get(header.lower())
        if key is None:
            unknown.append(header)
        elif key in mapping.values():
            raise ImportFileError(f"表头“{header}”重复。")
        else:
            mapping[index] = key
    missing = [HEADER_LABEL[k] for k in REQUIRED if k not in mapping.values()]
    if missing:
        raise ImportFileError(
            f"缺少必填列：{'、'.join(missing)}。" + (f"无法识别的列：{'、'.join(unknown)}。" if unknown else "")
        )
    if unknown:
        raise ImportFileError(f"无法识别的列：{'、'.join(unknown)}。请使用导入模板中的表头。")
    if "start" not in mapping.values() and "duration_minutes" not in mapping.values():
        raise ImportFileError("需要“开始/结束”两列或“时长（分钟）”一列。")
    body = [row for row in table[1:] if any(str(c if c is not None else "").strip() for c in row)]
    if not body:
        raise ImportFileError("文件只有表头，没有数据行。")
    if len(body) > MAX_ROWS:
        raise ImportFileError(f"行数过多（{len(body):,} 行），一次最多 {MAX_ROWS:,} 行，请分批导入。")
    rows = []
    for number, row in enumerate(table[1:], start=2):
        if not any(str(c if c is not None else "").strip() for c in row):
            continue
        values = {key: (row[i] if i < len(row) else None) for i, key in mapping.items()}
        values["_row"] = number
        rows.append(values)
    return rows


def _read_csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError("这不是文本格式的 CSV 文件（可能是 Excel 文件被改了扩展名）。")
    for encoding in ("utf-8-sig", "gb18030"):  # old Excel saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别文件编码。请在 Excel 中另存为“CSV UTF-8”后再导入。")
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式有误：{exc}") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("不是有效的 Excel（.xlsx）文件，可能已损坏。") from exc
    sheet = book.worksheets[0]
    rows: list[list[Any]] = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_ROWS + 1:
            raise ImportFileError(f"行数过多，一次最多 {MAX_ROWS:,} 行，请分批导入。")
    book.close()
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    return datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))


def _time(value: Any) -> datetime.time | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime.time):
        return value
    if isinstance(value, datetime.datetime):
        return value.time()
    hours, _, minutes = _text(value).partition(":")
    return datetime.time(int(hours), int(minutes[:2] or 0))


def _moment(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = _text(value).replace("/", "-").replace("T", " ")
        moment = datetime.datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=timezone.get_default_timezone())
    return moment


def can_import(user: Any) -> bool:
    """Only administrators and organisation/HR import (PRODUCT.md, "Time rules")."""
    reader = reader_for(user)
    return reader.is_administrator or Role.HR in reader.roles


class _Context:
    """What validation needs, read once for the whole file."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        numbers = {_text(r.get("employee_number")) for r in rows}
        self.people = {p.employee_number: p for p in Person.objects.filter(employee_number__in=numbers)}
        self.posts: dict[int, list[Assignment]] = {}
        for a in Assignment.objects.filter(person__in=self.people.values()).select_related("position__unit"):
            self.posts.setdefault(a.person_id, []).append(a)
        categories = list(Category.objects.filter(is_active=True))
        self.categories = {c.name: c.pk for c in categories} | {c.code: c.pk for c in categories}
        self.duties: dict[str, list[Duty]] = {}
        for duty in Duty.objects.all():
            self.duties.setdefault(duty.code, []).append(duty)
        self.names = category_names()

    def post_on(self, person: Person, day: datetime.date) -> Assignment | None:
        held = by_precedence(held_on(self.posts.get(person.pk, []), day))
        return held[0] if held else None

    def duty_for(self, code: str, day: datetime.date, person: Person) -> Duty | None:
        held = held_on(self.posts.get(person.pk, []), day)
        return next((d for d in self.duties.get(code, []) if duty_serves(d, held, day)), None)


def _row_to_record(
    row: dict[str, Any], ctx: _Context, today: datetime.date
) -> tuple[BulkRecord | None, list[RowError]]:
    number = row["_row"]
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, HEADER_LABEL[column], message))

    person = ctx.people.get(_text(row.get("employee_number")))
    if person is None:
        fail("employee_number", f"工号“{_text(row.get('employee_number'))}”不存在。")
    try:
        day = _date(row.get("date"))
    except (ValueError, TypeError):
        fail("date", f"日期“{_text(row.get('date'))}”无法识别，应为 YYYY-MM-DD。")
        day = None
    if day and day > today:
        fail("date", "日期不能晚于今天。")
    try:
        submitted = _moment(row.get("submitted_at"))
    except (ValueError, TypeError):
        fail("submitted_at", f"提交时间“{_text(row.get('submitted_at'))}”无法识别，应为 YYYY-MM-DD HH:MM。")
        submitted = None
    category = ctx.categories.get(_text(row.get("category")))
    if category is None:
        fail("category", f"类别“{_text(row.get('category'))}”不存在。")
    try:
        start, end = _time(row.get("start")), _time(row.get("end"))
    except (ValueError, TypeError):
        fail("start", "时间无法识别，应为 HH:MM。")
        start = end = None
    duration = None
    if start is None and end is None:
        try:
            duration = int(_text(row.get("duration_minutes")) or 0) or None
        except ValueError:
            fail("duration_minutes", "时长应为分钟数。")
        if duration is None and not any(e.column == HEADER_LABEL["duration_minutes"] for e in errors):
            fail("duration_minutes", "请填写开始和结束时间，或者填写时长。")
    visibility = _VISIBILITY.get(_text(row.get("visibility")) or "政府内部")
    if visibility is None:
        fail("visibility", "可见范围应为：公开、政府内部、本单位、仅上级。")
    sensitive_text = _text(row.get("sensitive")).lower()
    if sensitive_text not in TRUE | FALSE:
        fail("sensitive", "敏感应填“是”或“否”。")
    post = ctx.post_on(person, day) if person and day else None
    if person and day and post is None:
        fail("date", f"{person.full_name}在 {day} 没有在职岗位。")
    duty = None
    code = _text(row.get("duty_code"))
    if code and person and day:
        duty = ctx.duty_for(code, day, person)
        if duty is None:
            fail("duty_code", f"职责编码“{code}”不属于此人当天的岗位或单位，或已停用。")
    for column, limit in (("place", 200), ("result", 2000), ("reflection", 2000)):
        if len(_text(row.get(column))) > limit:
            fail(column, f"不能超过 {limit} 字。")
    if errors or person is None or day is None or submitted is None or post is None or category is None:
        return None, errors
    overnight = _text(row.get("ends_next_day")).lower()
    if overnight not in TRUE | FALSE:
        fail("ends_next_day", "次日结束应填“是”或“否”。")
        return None, errors
    end_day = day + datetime.timedelta(days=1) if overnight in TRUE else day  # overnight duty
    record = BulkRecord(
        author_id=person.pk,
        unit_id=post.position.unit_id,
        department_id=post.position.unit.department_id or post.position.unit_id,
        date=day,
        category_id=category,
        content=_text(row.get("content")),
        submitted_at=submitted,
        start_at=at(day, start) if start else None,
        end_at=at(end_day, end) if end else None,
        duration_minutes=duration,
        place=_text(row.get("place")),
        duty_id=duty.pk if duty else None,
        result=_text(row.get("result")),
        reflection=_text(row.get("reflection")),
        visibility=visibility or "internal",
        is_sensitive=sensitive_text in TRUE,
    )
    rules = check(record, category_names=ctx.names, enforce_late_window=False)
    for column, message in rules.items():
        key = {"end_time": "end", "start_time": "start"}.get(column, column)
        errors.append(RowError(number, HEADER_LABEL.get(key, column), message))
    return (None if rules else record), errors


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
        spans.setdefault(author, []).append((start, end, None))
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


def import_records(*, actor: Person, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Validate every row; if all are good (and not a dry run), write them all in one transaction."""
    if not can_import(actor):
        raise PermissionDenied("只有系统管理员和组织人事可以导入记实。")
    digest = hashlib.sha256(data).hexdigest()
    earlier = ImportBatch.objects.filter(sha256=digest).select_related("imported_by").first()
    if earlier:
        raise ImportFileError(
            f"该文件已于 {timezone.localtime(earlier.imported_at):%Y-%m-%d %H:%M} 由"
            f"{earlier.imported_by}导入（{earlier.rows} 条），不会重复导入。"
        )
    rows = read_table(data, filename)
    ctx = _Context(rows)
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
    if report.errors or dry_run:
        return report
    now = timezone.now()
    dates = [r.date for _, r in good]
    calendar = WorkingCalendar(min(dates), max(dates) + datetime.timedelta(days=60))
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            sha256=digest, filename=filename[-200:], imported_by=actor, imported_at=now, rows=len(good)
        )
        try:
            writer = write_records(
                _records(good), calendar=calendar, enforce_late_window=False, imported=(batch.pk, actor.pk, now)
            )
        except RecordRuleError as exc:  # validated above; kept as a guard against a rule added in one place only
            raise ImportFileError(str(exc)) from exc
        audit(
            actor=actor,
            verb="records.import",
            target=batch,
            data={"file": filename, "sha256": digest, "records": writer.written},
        )
    report.imported, report.batch = writer.written, batch
    return report


def _records(good: Iterable[tuple[int, BulkRecord]]) -> Iterable[BulkRecord]:
    return (record for _, record in good)


def template(kind: str) -> bytes:
    """A downloadable template with the headers and one example row."""
    headers = [names[0] for names in COLUMNS.values()]
    if kind == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerow([EXAMPLE[h] for h in headers])
        return buffer.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "工作记实"
    sheet.append(headers)
    sheet.append([EXAMPLE[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
