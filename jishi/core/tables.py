"""Spreadsheets in and out for every importer: read .xlsx/.csv by header, report bad rows, write templates.

Nothing here knows what a row means. An importer describes its columns as a `Sheet`, reads the file with
`read_table` (which refuses an unreadable file as a whole with `ImportFileError`), validates each row itself,
and reports every bad cell as a `RowError` in an `ImportReport`. Messages are Simplified Chinese because they
go straight to the person who filled in the spreadsheet.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000

TRUE = {"是", "true", "1", "yes", "y"}
FALSE = {"否", "false", "0", "no", "n", ""}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (type, size, encoding, headers) or was imported before."""


@dataclass(frozen=True)
class Sheet:
    """The columns of one kind of import file: canonical name → accepted headers (Chinese first, English accepted)."""

    title: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    example: dict[str, str]  # header label → the template's example value
    notes: dict[str, Any] = field(default_factory=dict)  # header label → what it accepts (lazily translated)
    # Headers accepted and ignored: what an export adds for people to read (编号, 记录人 …), so that an export
    # imports again unchanged. Not in templates.
    ignored: tuple[str, ...] = ()

    def label(self, column: str) -> str:
        """The Chinese header of a canonical column, as error reports and templates show it."""
        return self.columns[column][0]

    @property
    def headers(self) -> list[str]:
        return [names[0] for names in self.columns.values()]

    def described(self) -> list[tuple[str, bool, str, Any]]:
        """(header, required, example, note) for each column, for the page that explains the template."""
        return [
            (names[0], key in self.required, self.example.get(names[0], ""), self.notes.get(names[0], ""))
            for key, names in self.columns.items()
        ]


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did; nothing is written unless `errors` is empty and it is not a dry run."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    batch: Any = None
    dry_run: bool = False
    # What the administrator should look at, counted (records: 补记, non-working days …): label → count.
    tallies: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True)
class ImportKind:
    """One kind of import offered on the import page and by `jishi import KIND`."""

    label: Any  # what a row is, for headings: 记实, 单位 … (lazily translated)
    sheet: Sheet
    run: Callable[..., ImportReport]  # (*, actor, data, filename, dry_run, **options) -> ImportReport
    summary: Any  # one line for the page: what the file holds and how it is applied (lazily translated)
    options: tuple[str, ...] = ()  # keyword flags `run` takes besides dry_run (records: legacy_content)

    def columns_help(self) -> str:
        """The columns, one a line (required ones marked), for `jishi import --help` and the like: derived from
        the same declaration the importer reads the file with."""
        lines = []
        for header, required, _example, note in self.sheet.described():
            lines.append(f"  {header}{'（必填）' if required else ''}{'：' + str(note) if note else ''}")
        if self.sheet.ignored:
            lines.append(f"  （导出文件中的 {'、'.join(self.sheet.ignored)} 列可以保留，导入时忽略）")
        return "\n".join(lines)


def _blank(value: Any) -> bool:
    return str(value if value is not None else "").strip() == ""


def read_table(
    data: bytes, filename: str, sheet: Sheet, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> list[dict[str, Any]]:
    """Rows as {canonical column: value, "_row": number}; a column missing from the file is missing from the dict.

    Raises ImportFileError with a Chinese message for an empty, huge, unknown, corrupt or badly encoded file, a file
    without the required headers, with unknown or repeated headers, or without data rows.
    """
    if not data:
        raise ImportFileError("文件是空的。")
    if len(data) > max_bytes:
        raise ImportFileError(
            f"文件过大（{len(data) / 1024 / 1024:.0f} MB），上限为 {max_bytes // 1024 // 1024} MB，请分批导入。"
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _read_xlsx(data, max_rows)
    elif name.endswith(".csv"):
        table = _read_csv(data)
    else:
        raise ImportFileError("只支持 .xlsx（Excel）和 .csv 文件。旧版 .xls 请先在 Excel 中另存为 .xlsx。")
    if not table or all(_blank(c) for c in table[0]):
        raise ImportFileError("文件没有表头行。请使用导入模板。")
    lookup = {alias.lower(): key for key, aliases in sheet.columns.items() for alias in aliases}
    ignored = {header.lower() for header in sheet.ignored}
    mapping: dict[int, str] = {}
    unknown = []
    for index, cell in enumerate(table[0]):
        header = str(cell if cell is not None else "").strip()
        if not header or header.lower() in ignored:
            continue
        key = lookup.get(header.lower())
        if key is None:
            unknown.append(header)
        elif key in mapping.values():
            raise ImportFileError(f"表头“{header}”重复。")
        else:
            mapping[index] = key
    missing = [sheet.label(k) for k in sheet.required if k not in mapping.values()]
    if missing:
        raise ImportFileError(
            f"缺少必填列：{'、'.join(missing)}。" + (f"无法识别的列：{'、'.join(unknown)}。" if unknown else "")
        )
    if unknown:
        raise ImportFileError(f"无法识别的列：{'、'.join(unknown)}。请使用导入模板中的表头。")
    rows = []
    for number, row in enumerate(table[1:], start=2):
        if all(_blank(c) for c in row):
            continue
        values: dict[str, Any] = {key: unescape(row[i] if i < len(row) else None) for i, key in mapping.items()}
        values["_row"] = number
        rows.append(values)
    if not rows:
        raise ImportFileError("文件只有表头，没有数据行。")
    if len(rows) > max_rows:
        raise ImportFileError(f"行数过多（{len(rows):,} 行），一次最多 {max_rows:,} 行，请分批导入。")
    return rows


def _read_csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError("这不是文本格式的 CSV 文件（可能是 Excel 文件被改了扩展名）。")
    for encoding in ("utf-8-sig", "gb18030"):  # old Excel saves CSV as GBK; GB18030 is its superset
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别文件编码。请在 Excel 中另存为“CSV UTF-8”后再导入。")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式有误：{exc}") from exc


def _read_xlsx(data: bytes, max_rows: int) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("不是有效的 Excel（.xlsx）文件，可能已损坏。") from exc
    try:
        rows: list[list[Any]] = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > max_rows + 1:
                raise ImportFileError(f"行数过多，一次最多 {max_rows:,} 行，请分批导入。")
        return rows
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ImportFileError("不是有效的 Excel（.xlsx）文件，可能已损坏。") from exc
    finally:
        book.close()


def template(sheet: Sheet, kind: str) -> bytes:
    """A downloadable template (csv with a BOM for Excel, or xlsx) with the headers and one example row; the xlsx
    explains every column on a second sheet."""
    headers = sheet.headers
    example = [sheet.example.get(h, "") for h in headers]
    if kind == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(csv_row(headers))
        writer.writerow(csv_row(example))
        return buffer.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet.title)
    worksheet.append(xlsx_row(worksheet, headers))
    worksheet.append(xlsx_row(worksheet, example))
    # The columns explained on a second sheet (the importer reads only the first).
    notes = book.create_sheet("各列说明")
    notes.append(xlsx_row(notes, ["列", "必填", "示例", "说明"]))
    for header, required, value, note in sheet.described():
        notes.append(xlsx_row(notes, [header, "是" if required else "", value, str(note)]))
    if sheet.ignored:
        notes.append(xlsx_row(notes, ["", "", "", f"导出文件中的 {'、'.join(sheet.ignored)} 列可以保留，导入时忽略。"]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Spreadsheet formula injection (OWASP "CSV injection"): Excel, WPS and LibreOffice evaluate a cell whose text starts
# with one of these (=HYPERLINK("http://…"&A1, …), +cmd|…, @SUM(…); a leading tab or CR survives a paste). Every
# spreadsheet Jishi writes — exports, import templates — goes through csv_row or xlsx_row, so no text from a record
# is ever evaluated by the spreadsheet that opens it. Parquet is for analysis tools, not spreadsheets: left as is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ESCAPE = "'"


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: dates as ISO text; text that a spreadsheet would take for a formula gets a leading
    apostrophe, which keeps it text (OWASP's advice); numbers and other values unchanged."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return CSV_ESCAPE + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def xlsx_row(worksheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `worksheet.append`: every piece of text is a string cell, never a formula, whatever it starts with
    (openpyxl would otherwise store text starting with "=" as a live formula). Other values go in as they are."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(worksheet, value)
            cell.data_type = "s"  # after the value: assigning the value is what made it a formula
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def unescape(value: Any) -> Any:
    """A cell as imported: Jishi's own escape (an apostrophe before text that starts like a formula, as csv_cell
    writes it) is taken off, so an export imports unchanged. Any other apostrophe is kept: it is the writer's."""
    if isinstance(value, str) and value.startswith(CSV_ESCAPE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


# Cell parsers: each raises ValueError (or TypeError) for a value it cannot read; the importer words the message.


def text(value: Any) -> str:
    """A cell as trimmed text; Excel's 123.0 for a number typed as 123 reads as "123"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Dates and times as people and earlier systems write them: 2026-11-02, 2026/11/2, 2026.11.2, 2026年11月2日,
# 20261102; 9:00, 09:00:00, 9：00, 9时30分, 9点; a date and a time together (a space, "T" or nothing between
# them), optionally with a UTC offset. Full-width digits and colons read as their ASCII forms (NFKC).
_WHEN = re.compile(
    r"(?:(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?|(?P<compact>\d{8}))?"
    r"(?:[T\s]*(?P<hour>\d{1,2})(?::|时|点)(?P<minute>\d{1,2})?分?(?::(?P<second>\d{1,2})(?:\.\d+)?)?秒?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug makes 1 March 1900 day 61)
_EXCEL_LAST_DAY = 2_958_465  # 9999-12-31


def _from_serial(serial: float) -> tuple[datetime.date | None, datetime.time | None]:
    """An Excel serial number: whole days since 1899-12-30, the fraction a time of day (0.5 is 12:00)."""
    if not 0 <= serial <= _EXCEL_LAST_DAY:
        raise ValueError(serial)
    moment = _EXCEL_EPOCH + datetime.timedelta(seconds=round(serial * 86400))
    day = moment.date() if serial >= 1 else None
    clock = moment.time() if serial != int(serial) or day is None else None
    return day, clock


def parse_when(value: Any) -> tuple[datetime.date | None, datetime.time | None]:
    """The date and the time of day in a cell, either of which may be absent (never both); the time carries the
    cell's UTC offset, if it gave one. The one reader of dates and times for every importer.

    Reads text in the forms above, Excel's datetime, date, time and duration cells, and Excel serial numbers (a
    number in the cell; in text only a fraction, a time of day — "2026" or "1102" typed as text is refused, never
    read as a day in 1905). Raises ValueError for anything else.
    """
    if isinstance(value, datetime.datetime):
        return value.date(), value.timetz()
    if isinstance(value, datetime.date):
        return value, None
    if isinstance(value, datetime.time):
        return None, value
    if isinstance(value, datetime.timedelta):  # a time typed into a cell formatted as a duration
        if not datetime.timedelta(0) <= value < datetime.timedelta(days=1):
            raise ValueError(value)
        return None, (datetime.datetime.min + value).time()
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return _from_serial(float(value))
    cleaned = unicodedata.normalize("NFKC", text(value))
    if re.fullmatch(r"0?\.\d+", cleaned):  # a time of day as Excel's fraction; bare digits in text are no date
        return _from_serial(float(cleaned))
    found = _WHEN.fullmatch(cleaned)
    if not cleaned or found is None or not (found["year"] or found["compact"] or found["hour"]):
        raise ValueError(value)
    day = None
    if found["compact"]:
        compact = found["compact"]
        day = datetime.date(int(compact[:4]), int(compact[4:6]), int(compact[6:]))
    elif found["year"]:
        day = datetime.date(int(found["year"]), int(found["month"]), int(found["day"]))
    clock = None
    if found["hour"]:
        zone = None
        if found["offset"]:
            offset = found["offset"].replace(":", "")
            minutes = 0 if offset == "Z" else int(offset[1:3]) * 60 + int(offset[3:5])
            zone = datetime.timezone(datetime.timedelta(minutes=-minutes if offset.startswith("-") else minutes))
        clock = datetime.time(int(found["hour"]), int(found["minute"] or 0), int(found["second"] or 0), tzinfo=zone)
    elif found["offset"]:
        raise ValueError(value)
    return day, clock


def parse_date(value: Any) -> datetime.date:
    """A date; Excel's date cells (a datetime at midnight) too. A time of day other than 00:00 is refused."""
    day, clock = parse_when(value)
    if day is None or (clock is not None and clock.replace(tzinfo=None) != datetime.time.min):
        raise ValueError(value)
    return day


def parse_time(value: Any) -> datetime.time | None:
    """A time of day, or None for an empty cell; the date of a full date and time is set aside (earlier systems
    write 开始 as 2014-03-05 09:00)."""
    if value is None or text(value) == "":
        return None
    _, clock = parse_when(value)
    if clock is None:
        raise ValueError(value)
    return clock.replace(tzinfo=None)


def parse_moment(value: Any) -> datetime.datetime:
    """A date and a time (both required); a naive one is read in the jurisdiction's time zone."""
    day, clock = parse_when(value)
    if day is None or clock is None:
        raise ValueError(value)
    moment = datetime.datetime.combine(day, clock)
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=timezone.get_default_timezone())
    return moment


def parse_flag(value: Any, *, extra_true: frozenset[str] = frozenset()) -> bool:
    """是/否 (true/false, 1/0, yes/no); an empty cell is 否."""
    cleaned = text(value).lower()
    if cleaned in TRUE or cleaned in extra_true:
        return True
    if cleaned in FALSE:
        return False
    raise ValueError(cleaned)


def split_list(value: Any) -> list[str]:
    """A cell holding several items: separated by 、，,；; or line breaks; blanks dropped."""
    return [item.strip() for item in re.split(r"[、，,；;\n]+", text(value)) if item.strip()]
