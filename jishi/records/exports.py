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
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from django.db import models
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation

from jishi.core.tables import csv_row, xlsx_row
from jishi.org.calendar import local_today
from jishi.records.fields import SHEET_COLUMNS, SheetColumn, masked
from jishi.records.models import RecordParticipant, WorkRecord
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


def _model_field(lookup: str) -> models.Field[Any, Any]:
    """The model field a column's lookup (`author__full_name`) ends at."""
    model: Any = WorkRecord
    *path, last = lookup.split("__")
    for step in path:
        model = model._meta.get_field(step).related_model
    return model._meta.get_field(last)


def _cell(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How the export writes a value of `field`: a choice as its Chinese label (the file is Chinese whatever the
    reader's language, so that it imports again), yes/no as 是/否, a moment in local time, nothing (or a blank choice,
    such as 未填写) as an empty cell."""
    if field.choices:
        with translation.override("zh-hans"):
            labels = {value: str(label) for value, label in field.choices if value != ""}
        return lambda value: labels.get(value, value)
    if isinstance(field, models.BooleanField):
        return lambda value: "是" if value else "否"
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_default_timezone()
        return lambda value: value.astimezone(zone).replace(tzinfo=None) if value else None
    return lambda value: "" if value is None else value


def _arrow_type(column: SheetColumn) -> str:
    """The Parquet type of a column, from its model field (what _cell writes); computed cells are text."""
    field = None if column.computed else _model_field(column.lookup)
    if field is None or field.choices or isinstance(field, models.BooleanField):
        return "string"
    if field.primary_key or isinstance(field, models.BigIntegerField):
        return "int64"
    if isinstance(field, models.IntegerField):
        return "int32"
    if isinstance(field, models.DateTimeField):
        return "timestamp"
    return "date32" if isinstance(field, models.DateField) else "string"


# The columns records.fields declares with a source: (key, lookup, how the value is written). The computed ones
# (times as HH:MM, 工号, who took part) are written in rows() from the values they read (_COMPUTED_READS).
_SOURCED = [(c.key, c.lookup, _cell(_model_field(c.lookup))) for c in SHEET_COLUMNS if not c.computed]
_COMPUTED_READS = ("id", "start_at", "end_at", "author__employee_number", "author__username")
_VALUES = list(dict.fromkeys([*(lookup for _, lookup, _ in _SOURCED), *_COMPUTED_READS, "content_visible"]))
_KEYS = [column.key for column in SHEET_COLUMNS]
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
    queryset = filtered_records(user=user, filters=filters).order_by("date", "id").values(*_VALUES)
    zone = timezone.get_default_timezone()

    def clock(moment: datetime.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment else ""

    found = queryset.iterator(chunk_size=5000)
    while chunk := list(islice(found, _CHUNK)):
        # Who took part is shown where the content is (as on the record's page and in the API).
        parts = _participants([row["id"] for row in chunk if row["content_visible"]])
        for row in chunk:
            start, end = row["start_at"], row["end_at"]
            cells = {key: write(row[lookup]) for key, lookup, write in _SOURCED}
            cells["start"], cells["end"] = clock(start), clock(end)
            overnight = start and end and end.astimezone(zone).date() > start.astimezone(zone).date()
            cells["ends_next_day"] = "是" if overnight else "否"
            # The import finds an account without a 工号 by its username.
            cells["employee_number"] = row["author__employee_number"] or row["author__username"]
            cells["participants"], cells["partner_units"] = parts.get(row["id"], ("", ""))
            cells = masked(cells, shown=row["content_visible"], hidden="", hidden_as={"content": HIDDEN})
            yield [cells[key] for key in _KEYS]


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

    types = {"int64": pa.int64(), "int32": pa.int32(), "date32": pa.date32(), "timestamp": pa.timestamp("s")}
    schema = pa.schema([(c.key, types.get(_arrow_type(c), pa.string())) for c in SHEET_COLUMNS])
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
