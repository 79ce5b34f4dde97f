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
import zipfile
from collections.abc import Callable
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
    run: Callable[..., ImportReport]  # (*, actor, data, filename, dry_run) -> ImportReport
    summary: Any  # one line for the page: what the file holds and how it is applied (lazily translated)


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
    mapping: dict[int, str] = {}
    unknown = []
    for index, cell in enumerate(table[0]):
        header = str(cell if cell is not None else "").strip()
        if not header:
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
        values: dict[str, Any] = {key: (row[i] if i < len(row) else None) for i, key in mapping.items()}
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
    """A downloadable template (csv with a BOM for Excel, or xlsx) with the headers and one example row."""
    headers = sheet.headers
    example = [sheet.example.get(h, "") for h in headers]
    if kind == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerow(example)
        return buffer.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet.title
    worksheet.append(headers)
    worksheet.append(example)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Cell parsers: each raises ValueError (or TypeError) for a value it cannot read; the importer words the message.


def text(value: Any) -> str:
    """A cell as trimmed text; Excel's 123.0 for a number typed as 123 reads as "123"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    cleaned = text(value).replace("/", "-").replace(".", "-")
    return datetime.date.fromisoformat("-".join(part.zfill(2) for part in cleaned.split("-")))


def parse_time(value: Any) -> datetime.time | None:
    if value is None or text(value) == "":
        return None
    if isinstance(value, datetime.time):
        return value
    if isinstance(value, datetime.datetime):
        return value.time()
    hours, _, minutes = text(value).partition(":")
    return datetime.time(int(hours), int(minutes[:2] or 0))


def parse_moment(value: Any) -> datetime.datetime:
    """A date and time; a naive one is read in the jurisdiction's time zone."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        moment = datetime.datetime.fromisoformat(text(value).replace("/", "-").replace("T", " "))
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
