"""Export records to CSV, Excel and Parquet — only what the caller may read, content hidden where it must be.

CSV is UTF-8 with a byte-order mark, so that Excel on a government PC opens the Chinese correctly; Parquet is the
columnar format Spark, Trino, ClickHouse and DuckDB read.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from jishi.org.calendar import local_today
from jishi.records.models import Visibility
from jishi.records.selectors import RecordFilters, filtered_records

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
EXCEL_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
HIDDEN = "（敏感内容）"

# (header, English key, value getter's field) — headers are what the import accepts too.
COLUMNS = [
    ("编号", "id"),
    ("日期", "date"),
    ("开始", "start"),
    ("结束", "end"),
    ("时长（分钟）", "duration_minutes"),
    ("工号", "employee_number"),
    ("记录人", "author"),
    ("单位", "unit"),
    ("本单位", "department"),
    ("类别", "category"),
    ("工作内容", "content"),
    ("地点", "place"),
    ("职责编码", "duty_code"),
    ("对应职责", "duty"),
    ("结果/进展", "result"),
    ("可见范围", "visibility"),
    ("敏感", "sensitive"),
    ("补记", "late"),
    ("提交时间", "submitted_at"),
    ("版本", "version"),
]
_VALUES = [
    "id",
    "date",
    "start_at",
    "end_at",
    "duration_minutes",
    "author__employee_number",
    "author__full_name",
    "unit__name",
    "department__name",
    "category__name",
    "content",
    "place",
    "duty__code",
    "duty__title",
    "result",
    "visibility",
    "is_sensitive",
    "is_late",
    "submitted_at",
    "version",
    "content_visible",
]
_VISIBILITY = dict(Visibility.choices)


def rows(*, user: Any, filters: RecordFilters) -> Iterator[list[Any]]:
    """Export rows, oldest first, as typed values (dates, ints, booleans)."""
    queryset = filtered_records(user=user, filters=filters).order_by("date", "id").values_list(*_VALUES)
    zone = timezone.get_default_timezone()

    def clock(moment: datetime.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment else ""

    for (
        pk,
        day,
        start,
        end,
        minutes,
        number,
        author,
        unit,
        department,
        category,
        content,
        place,
        duty_code,
        duty,
        result,
        visibility,
        sensitive,
        late,
        submitted,
        version,
        shown,
    ) in queryset.iterator(chunk_size=5000):
        yield [
            pk,
            day,
            clock(start),
            clock(end),
            minutes,
            number or "",
            author,
            unit,
            department,
            category,
            content if shown else HIDDEN,
            place if shown else "",
            duty_code or "",
            duty or "",
            result if shown else "",
            str(_VISIBILITY.get(visibility, visibility)),
            "是" if sensitive else "否",
            "是" if late else "否",
            submitted.astimezone(zone).replace(tzinfo=None),
            version,
        ]


def _as_text(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def csv_chunks(*, user: Any, filters: RecordFilters) -> Iterator[str]:
    """The CSV as a stream of text chunks (for a streaming response or a file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([header for header, _ in COLUMNS])
    for n, row in enumerate(rows(user=user, filters=filters), start=1):
        writer.writerow([_as_text(v) for v in row])
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
    sheet.append([header for header, _ in COLUMNS])
    for n, row in enumerate(rows(user=user, filters=filters), start=1):
        if n > EXCEL_MAX_ROWS:
            raise ValueError(f"超过 Excel 的最大行数（{EXCEL_MAX_ROWS:,}），请缩小日期范围或改用 CSV / Parquet。")
        sheet.append(row)
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
            ("duration_minutes", pa.int32()),
            ("employee_number", pa.string()),
            ("author", pa.string()),
            ("unit", pa.string()),
            ("department", pa.string()),
            ("category", pa.string()),
            ("content", pa.string()),
            ("place", pa.string()),
            ("duty_code", pa.string()),
            ("duty", pa.string()),
            ("result", pa.string()),
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
