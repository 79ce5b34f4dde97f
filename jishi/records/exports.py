"""Export records to CSV, Excel and Parquet — only what the caller may read, content hidden where it must be.

CSV is UTF-8 with a byte-order mark, so that Excel on a government PC opens the Chinese correctly; Parquet is the
columnar format Spark, Trino, ClickHouse and DuckDB read. The CSV and Excel columns are the records import's, so an
export imports again (participants included); text a spreadsheet would evaluate is written as text (core.tables).
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from jishi.core.tables import csv_row, xlsx_row
from jishi.org.calendar import local_today
from jishi.records.fields import SHEET_COLUMNS, masked
from jishi.records.models import RecordParticipant, Visibility
from jishi.records.selectors import RecordFilters, filtered_records

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
EXCEL_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
HIDDEN = "（敏感内容）"

# (header, English key), declared once in records.fields with the import's: an export imports again, the columns
# only people read (编号, 记录人, 单位 …) being the ones the import ignores.
COLUMNS = [(column.header, column.key) for column in SHEET_COLUMNS]
_VALUES = [
    "id",
    "date",
    "start_at",
    "end_at",
    "duration_minutes",
    "author__employee_number",
    "author__username",
    "author__full_name",
    "unit__name",
    "department__name",
    "category__name",
    "content",
    "place",
    "duty__code",
    "duty__title",
    "result",
    "reflection",
    "visibility",
    "is_sensitive",
    "is_late",
    "submitted_at",
    "version",
    "content_visible",
]
_VISIBILITY = dict(Visibility.choices)
_CHUNK = 2000  # rows read at a time; their participants come in one query per chunk


def _participants(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each record's (参与人员, 合作单位) cells as the import reads them: 工号 (the username for an account without
    one), and 单位代码 or 单位代码/联系人, separated by 、."""
    people: dict[int, list[str]] = {}
    partners: dict[int, list[str]] = {}
    found = (
        RecordParticipant.objects.filter(record_id__in=ids)
        .order_by("id")
        .values_list("record_id", "person__employee_number", "person__username", "unit__code", "contact_name")
    )
    for record_id, number, username, code, contact in found:
        if number or username:
            people.setdefault(record_id, []).append(number or username)
        elif code:
            partners.setdefault(record_id, []).append(f"{code}/{contact}" if contact else code)
    return {pk: ("、".join(people.get(pk, [])), "、".join(partners.get(pk, []))) for pk in ids}


def rows(*, user: Any, filters: RecordFilters) -> Iterator[list[Any]]:
    """Export rows, oldest first, as typed values (dates, ints, booleans), in the order of COLUMNS."""
    queryset = filtered_records(user=user, filters=filters).order_by("date", "id").values_list(*_VALUES)
    zone = timezone.get_default_timezone()

    def clock(moment: datetime.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment else ""

    found = queryset.iterator(chunk_size=5000)
    while chunk := list(islice(found, _CHUNK)):
        # Who took part is shown where the content is (as on the record's page and in the API).
        parts = _participants([values[0] for values in chunk if values[-1]])
        for (
            pk,
            day,
            start,
            end,
            minutes,
            number,
            username,
            author,
            unit,
            department,
            category,
            content,
            place,
            duty_code,
            duty,
            result,
            reflection,
            visibility,
            sensitive,
            late,
            submitted,
            version,
            shown,
        ) in chunk:
            overnight = bool(start and end and end.astimezone(zone).date() > start.astimezone(zone).date())
            people, partners = parts.get(pk, ("", ""))
            texts = masked(
                {"content": content, "place": place, "result": result, "reflection": reflection},
                shown=shown,
                hidden="",
                hidden_as={"content": HIDDEN},
            )
            cells = {
                "id": pk,
                "date": day,
                "start": clock(start),
                "end": clock(end),
                "ends_next_day": "是" if overnight else "否",
                "duration_minutes": minutes,
                "employee_number": number or username,  # the import finds an account without a 工号 by its username
                "author": author,
                "unit": unit,
                "department": department,
                "category": category,
                "content": texts["content"],
                "place": texts["place"],
                "participants": people,
                "partner_units": partners,
                "duty_code": duty_code or "",
                "duty": duty or "",
                "result": texts["result"],
                "reflection": texts["reflection"],
                "visibility": str(_VISIBILITY.get(visibility, visibility)),
                "sensitive": "是" if sensitive else "否",
                "late": "是" if late else "否",
                "submitted_at": submitted.astimezone(zone).replace(tzinfo=None),
                "version": version,
            }
            yield [cells[key] for _, key in COLUMNS]


def csv_chunks(*, user: Any, filters: RecordFilters) -> Iterator[str]:
    """The CSV as a stream of text chunks (for a streaming response or a file); text that a spreadsheet would take
    for a formula is escaped (core.tables.csv_row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(csv_row(header for header, _ in COLUMNS))
    for n, row in enumerate(rows(user=user, filters=filters), start=1):
        writer.writerow(csv_row(row))
        if n % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(*, user: Any, filters: RecordFilters) -> tempfile._TemporaryFileWrapper[bytes]:
    """An Excel workbook in a temporary file (write-only mode: memory stays flat however many rows)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("工作记实")
    sheet.append(xlsx_row(sheet, [header for header, _ in COLUMNS]))
    for n, row in enumerate(rows(user=user, filters=filters), start=1):
        if n > EXCEL_MAX_ROWS:
            raise ValueError(f"超过 Excel 的最大行数（{EXCEL_MAX_ROWS:,}），请缩小日期范围或改用 CSV / Parquet。")
        sheet.append(xlsx_row(sheet, row))  # text stays text: never a live formula
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the caller streams and closes it
    book.save(handle.name)
    handle.seek(0)
    return handle


def parquet_file(*, user: Any, filters: RecordFilters) -> tempfile._TemporaryFileWrapper[bytes]:
    """A Parquet file (English column names, typed columns) in a temporary file, written in row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("date", pa.date32()),
            ("start", pa.string()),
            ("end", pa.string()),
            ("ends_next_day", pa.string()),
            ("duration_minutes", pa.int32()),
            ("employee_number", pa.string()),
            ("author", pa.string()),
            ("unit", pa.string()),
            ("department", pa.string()),
            ("category", pa.string()),
            ("content", pa.string()),
            ("place", pa.string()),
            ("participants", pa.string()),
            ("partner_units", pa.string()),
            ("duty_code", pa.string()),
            ("duty", pa.string()),
            ("result", pa.string()),
            ("reflection", pa.string()),
            ("visibility", pa.string()),
            ("sensitive", pa.string()),
            ("late", pa.string()),
            ("submitted_at", pa.timestamp("s")),
            ("version", pa.int32()),
        ]
    )
    handle = tempfile.NamedTemporaryFile(suffix=".parquet")  # noqa: SIM115 — the caller streams and closes it
    with pq.ParquetWriter(handle.name, schema, compression="zstd") as writer:
        chunk: list[list[Any]] = []
        for row in rows(user=user, filters=filters):
            chunk.append(row)
            if len(chunk) >= 50_000:
                writer.write_batch(
                    pa.record_batch([list(column) for column in zip(*chunk, strict=True)], schema=schema)
                )
                chunk = []
        if chunk:
            writer.write_batch(pa.record_batch([list(column) for column in zip(*chunk, strict=True)], schema=schema))
        else:
            writer.write_table(schema.empty_table())
    handle.seek(0)
    return handle


def download(kind: str, *, user: Any, filters: RecordFilters) -> HttpResponseBase:
    """The HTTP download for a format; the page and the API both answer with it."""
    name = f"jishi-records-{local_today():%Y%m%d}.{kind}"
    if kind == "csv":
        response = StreamingHttpResponse(csv_chunks(user=user, filters=filters), content_type=FORMATS[kind])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    try:
        handle = (xlsx_file if kind == "xlsx" else parquet_file)(user=user, filters=filters)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=FORMATS[kind])
