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
    contents = [row[10] for row in table[1:]]
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
        call_command("export", "--as", "unrelated", "-o", str(out), "--from", "yesterday")
    with pytest.raises(CommandError, match="没有代码"):
        call_command("export", "--as", "unrelated", "-o", str(out), "--unit", "NOPE")
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("export", "--as", "unrelated", "-o", str(tmp_path / "missing" / "x.csv"))
