"""Importing records from an earlier system: all or nothing, every bad row named, the same file never twice."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.records.imports import EXAMPLE, ImportFileError, import_records, template
from jishi.records.models import ImportBatch, RecordVersion, WorkRecord
from jishi.testing import Org

HEADERS = list(EXAMPLE)


def row(**values: str) -> dict[str, str]:
    base = dict(EXAMPLE)
    base.update({"工号": "E-AUTHOR", "职责编码": "", "日期": "2025-03-05", "提交时间": "2025-03-05 17:42"})
    base.update(values)
    return base


def to_csv(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig", headers: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers or HEADERS)
    for r in rows:
        writer.writerow([r.get(h, "") for h in headers or HEADERS])
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def people(org: Org) -> Org:
    org.author.employee_number = "E-AUTHOR"
    org.author.save()
    org.colleague.employee_number = "E-COLLEAGUE"
    org.colleague.save()
    return org


def test_a_good_file_imports_locked_marked_and_with_original_times(people: Org) -> None:
    data = to_csv(
        [
            row(),
            row(
                工号="E-COLLEAGUE",
                日期="2025-03-06",
                提交时间="2025-03-07 09:15",
                开始="",
                结束="",
                **{"时长（分钟）": "90"},
            ),
        ]
    )
    report = import_records(actor=people.admin, data=data, filename="old.csv")
    assert report.ok and report.imported == 2
    record = WorkRecord.objects.get(author=people.author)
    assert timezone.localtime(record.submitted_at).strftime("%Y-%m-%d %H:%M") == "2025-03-05 17:42"
    assert record.is_locked and record.import_batch == report.batch and record.unit == people.budget
    late = WorkRecord.objects.get(author=people.colleague)
    assert late.is_late and late.duration_minutes == 90
    version = RecordVersion.objects.get(record=record)
    assert version.changed_by == people.admin and version.changed_at > record.submitted_at
    assert AuditEvent.objects.filter(verb="records.import", actor=people.admin).exists()


def test_any_bad_row_imports_nothing_and_every_bad_row_is_reported(people: Org) -> None:
    rows = [
        row(),
        row(工号="NOBODY"),
        row(日期="2014-13-45"),
        row(类别="开会"),
        row(工作内容="会议"),
        row(开始="11:00", 结束="10:00", 日期="2025-03-04"),
        row(可见范围="全世界"),
        row(提交时间="昨天"),
        row(开始="09:30", 结束="10:00"),  # overlaps the first row
    ]
    report = import_records(actor=people.admin, data=to_csv(rows), filename="bad.csv")
    assert not report.ok and report.imported == 0
    found = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "工号"),
        (4, "日期"),
        (5, "类别"),
        (6, "工作内容"),
        (8, "可见范围"),
        (9, "提交时间"),
        (10, "开始"),
    } <= found
    assert any(e.row == 7 for e in report.errors)
    assert all(e.message for e in report.errors)
    assert not WorkRecord.objects.exists() and not ImportBatch.objects.exists()


def test_dry_run_writes_nothing_and_the_same_file_never_imports_twice(people: Org) -> None:
    data = to_csv([row()])
    assert import_records(actor=people.admin, data=data, filename="a.csv", dry_run=True).ok
    assert not WorkRecord.objects.exists()
    import_records(actor=people.admin, data=data, filename="a.csv")
    with pytest.raises(ImportFileError, match="不会重复导入"):
        import_records(actor=people.admin, data=data, filename="a-copy.csv")
    assert WorkRecord.objects.count() == 1


def test_gbk_csv_from_old_excel_and_xlsx_templates_import(people: Org) -> None:
    assert import_records(actor=people.admin, data=to_csv([row()], encoding="gbk"), filename="gbk.csv").imported == 1
    xlsx = template("xlsx")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx))
    sheet = book.active
    column = {cell.value: cell.column_letter for cell in sheet[1]}
    sheet[f"{column['工号']}2"] = "E-COLLEAGUE"
    sheet[f"{column['日期']}2"] = "2025-03-05"
    sheet[f"{column['提交时间']}2"] = "2025-03-05 17:42"
    out = io.BytesIO()
    book.save(out)
    assert import_records(actor=people.admin, data=out.getvalue(), filename="t.xlsx").imported == 1
    english = to_csv([row()], headers=HEADERS)
    english = english.replace("工号".encode(), b"employee_number").replace("日期".encode(), b"date", 1)
    report = import_records(actor=people.admin, data=english, filename="en.csv", dry_run=True)
    assert not any("无法识别的列" in e.message for e in report.errors)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "x.csv", "文件是空的"),
        (b"hello", "x.pdf", "只支持"),
        (b"PK\x03\x04broken", "x.xlsx", "不是有效的 Excel"),
        (b"\xff\xfe\x00\x00\x81", "x.csv", "CSV"),
        ("姓名,年龄\n张三,3\n".encode(), "x.csv", "缺少必填列"),
        ("工号,日期,类别,工作内容,提交时间,开始,结束\n".encode(), "x.csv", "没有数据行"),
    ],
)
def test_malformed_files_get_a_clear_error(people: Org, data: bytes, filename: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        import_records(actor=people.admin, data=data, filename=filename)


def test_huge_files_are_refused(people: Org, monkeypatch: Any) -> None:
    import jishi.records.imports as imports

    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    with pytest.raises(ImportFileError, match="文件过大"):
        import_records(actor=people.admin, data=to_csv([row(), row()]), filename="big.csv")


def test_only_administrators_and_hr_import(people: Org) -> None:
    with pytest.raises(PermissionDenied):
        import_records(actor=people.unit_head, data=to_csv([row()]), filename="a.csv")
    assert import_records(actor=people.hr, data=to_csv([row()]), filename="a.csv", dry_run=True).ok
    client = Client()
    client.force_login(people.unit_head)
    assert client.get("/records/import/").status_code == 403


def test_the_page_and_the_command_line(people: Org, tmp_path: Any) -> None:
    client = Client()
    client.force_login(people.admin)
    assert client.get("/records/import/template.csv").content.decode("utf-8-sig").startswith("工号,日期")
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post("/records/import/", {"file": SimpleUploadedFile("bad.csv", to_csv([row(工号="NOBODY")]))})
    assert "工号“NOBODY”不存在" in page.content.decode()
    assert client.post("/records/import/", {}).content.decode().count("请选择要导入的文件") == 1
    path = tmp_path / "ok.csv"
    path.write_bytes(to_csv([row()]))
    call_command("import", "records", str(path), "--by", "admin", "--dry-run")
    assert not WorkRecord.objects.exists()
    call_command("import", "records", str(path), "--by", "admin")
    assert WorkRecord.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([row(工号="NOBODY")]))
    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("import", "records", str(bad), "--by", "admin")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import", "records", str(tmp_path / "none.csv"), "--by", "admin")
    with pytest.raises(CommandError, match="只有系统管理员"):
        call_command("import", "records", str(bad), "--by", "unit_head")


def test_overnight_duty_needs_the_next_day_column(people: Org) -> None:
    night = row(类别="值班", 开始="20:00", 结束="08:00", 工作内容="夜间值班，处置防汛相关突发情况两起并报送值班信息")
    report = import_records(actor=people.admin, data=to_csv([night]), filename="n1.csv", dry_run=True)
    assert [e.column for e in report.errors] == ["结束"]
    night["次日结束"] = "是"
    report = import_records(actor=people.admin, data=to_csv([night]), filename="n2.csv")
    assert report.ok and WorkRecord.objects.get().duration_minutes == 12 * 60


def test_imported_records_are_found_by_search_and_a_stale_entry_under_a_new_id_is_replaced(people: Org) -> None:
    from django.db import connection

    from jishi.search.selectors import search_records
    from jishi.search.terms import index_text, tsvector_literal

    next_id = (WorkRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    stale = index_text("旧系统残留的索引条目")  # an entry left under the id the import will take
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO search_entry (rowid, terms) VALUES (%s, %s)",
            [next_id, tsvector_literal(stale) if connection.vendor == "postgresql" else stale],
        )
    data = to_csv([row(工作内容="研究鲈鱼养殖补贴的发放办法，形成初步意见")])
    report = import_records(actor=people.admin, data=data, filename="search.csv")
    assert report.ok and report.imported == 1
    record = WorkRecord.objects.get(author=people.author)
    assert [hit.record.pk for hit in search_records(user=people.author, text="鲈鱼养殖").hits] == [record.pk]
    assert not search_records(user=people.admin, text="残留").hits


def test_every_imported_record_is_indexed_across_chunk_boundaries(people: Org, monkeypatch: Any) -> None:
    from jishi.search import services
    from jishi.search.selectors import search_records

    monkeypatch.setattr(services, "CHUNK", 2)  # five records: chunks of 2, 2 and 1
    days = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]
    data = to_csv(
        [row(日期=day, 提交时间=f"{day} 18:00", 工作内容=f"核对鲈鱼养殖补贴台账第{n}册") for n, day in enumerate(days)]
    )
    report = import_records(actor=people.admin, data=data, filename="chunks.csv")
    assert report.ok and report.imported == 5
    found = {hit.record.pk for hit in search_records(user=people.author, text="鲈鱼养殖").hits}
    assert found == set(WorkRecord.objects.filter(author=people.author).values_list("pk", flat=True))
    assert len(found) == 5
