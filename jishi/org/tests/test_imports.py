"""Importing the organisation: units, positions, people with their posts, duties — all or nothing, by natural key."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from jishi.core.models import AuditEvent
from jishi.core.tables import ImportFileError, template
from jishi.org.imports import DUTIES, PEOPLE, POSITIONS, UNITS
from jishi.org.models import Assignment, AssignmentKind, Duty, Leadership, Person, Position, Rank, Unit, UnitKind
from jishi.org.rules import build_reader
from jishi.records.models import ImportBatch
from jishi.records.org_imports import import_duties, import_people, import_positions, import_units
from jishi.testing import Org


def to_csv(rows: list[list[str]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


UNIT_HEAD = ["单位代码", "单位名称", "类型", "上级单位代码", "排序"]
POSITION_HEAD = ["单位代码", "岗位名称", "职级", "领导职务", "分管单位代码"]
PEOPLE_HEAD = ["工号", "姓名", "人员类别", "填报义务", "区管干部", "主职单位代码", "主职岗位", "任职日期", "兼职岗位"]
DUTY_HEAD = ["单位代码", "岗位名称", "职责编码", "职责名称", "说明", "停用日期"]


def errors_of(report: Any) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in report.errors}


# Units ---------------------------------------------------------------------------------------------------------


def test_units_children_before_parents_build_the_tree(org: Org) -> None:
    data = to_csv(
        [
            UNIT_HEAD,
            ["FGW-S1", "综合科", "科室", "FGW", "1"],
            ["FGW-S1-A", "综合科文秘组", "科室", "FGW-S1", ""],
            ["FGW", "区发展改革委", "委办局", "JD", "3"],
            ["CZJ-3", "政府采购科", "科室", "CZJ", "3"],
        ]
    )
    report = import_units(actor=org.admin, data=data, filename="units.csv")
    assert report.ok and (report.created, report.updated, report.unchanged) == (4, 0, 0)
    commission = Unit.objects.get(code="FGW")
    group = Unit.objects.get(code="FGW-S1-A")
    assert commission.department == commission and commission.tier == 1
    assert group.department == commission and group.parent.code == "FGW-S1"
    assert group.path.startswith(commission.path) and commission.path.startswith(org.root.path)
    assert Unit.objects.get(code="CZJ-3").department == org.finance
    event = AuditEvent.objects.get(verb="org.import.units")
    assert event.actor == org.admin and sorted(event.data["created"]) == ["CZJ-3", "FGW", "FGW-S1", "FGW-S1-A"]


def test_units_xlsx_and_gbk_csv_and_english_headers(org: Org) -> None:
    xlsx = to_xlsx([UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", 3]])
    assert import_units(actor=org.admin, data=xlsx, filename="u.xlsx").created == 1
    gbk = to_csv([UNIT_HEAD, ["FGW-S1", "综合科", "科室", "FGW", "1"]], encoding="gbk")
    assert import_units(actor=org.admin, data=gbk, filename="u.csv").created == 1
    english = to_csv([["code", "name", "kind", "parent_code"], ["FGW-S2", "规划科", "section", "FGW"]])
    assert import_units(actor=org.admin, data=english, filename="en.csv").created == 1
    assert Unit.objects.get(code="FGW-S2").kind == UnitKind.SECTION


def test_units_bad_rows_each_reported_and_nothing_written(org: Org) -> None:
    data = to_csv(
        [
            UNIT_HEAD,
            ["FGW", "区发展改革委", "委办局", "JD", ""],  # good
            ["X1", "某科", "科室", "NOWHERE", ""],  # unknown parent
            ["FGW", "重复", "委办局", "JD", ""],  # duplicate code in the file
            ["X2", "某组", "部门", "FGW", ""],  # bad kind
            ["A", "甲科", "科室", "B", ""],  # cycle A → B → A
            ["B", "乙科", "科室", "A", ""],
            ["X3", "某村", "村居", "CZJ", ""],  # tree rule: a village belongs to a town
            ["", "无代码", "科室", "FGW", "x"],  # missing code, bad sort order
            ["X4", "某办", "科室", "FGW", "99999999999"],  # a sort order no column holds
        ]
    )
    report = import_units(actor=org.admin, data=data, filename="bad.csv")
    assert not report.ok and report.imported == 0
    assert {
        (3, "上级单位代码"),
        (4, "单位代码"),
        (5, "类型"),
        (6, "上级单位代码"),
        (7, "上级单位代码"),
        (8, "上级单位代码"),
        (9, "单位代码"),
        (9, "排序"),
        (10, "排序"),
    } <= errors_of(report)
    messages = " ".join(e.message for e in report.errors)
    assert "“NOWHERE”不存在" in messages and "与第 2 行重复" in messages and "成环" in messages
    assert "村居的上级单位必须是街镇" in messages
    assert not Unit.objects.filter(code="FGW").exists() and not ImportBatch.objects.exists()


def test_units_upsert_by_code_moves_and_renames(org: Org) -> None:
    data = to_csv(
        [
            UNIT_HEAD,
            ["CZJ-1", "预算管理科", "科室", "CZJ-2", "5"],  # renamed and moved under 国库科
            ["CZJ-2", "国库科", "科室", "CZJ", "0"],  # unchanged
        ]
    )
    report = import_units(actor=org.admin, data=data, filename="move.csv", dry_run=True)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Unit.objects.get(code="CZJ-1").name == "预算科"  # a dry run writes nothing
    import_units(actor=org.admin, data=data, filename="move.csv")
    budget = Unit.objects.get(code="CZJ-1")
    assert budget.name == "预算管理科" and budget.parent == org.treasury and budget.sort_order == 5
    assert budget.path.startswith(org.treasury.path) and budget.department == org.finance


def test_a_town_with_villages_cannot_become_a_department(org: Org) -> None:
    report = import_units(
        actor=org.admin, data=to_csv([UNIT_HEAD, ["ML", "马陆镇", "委办局", "JD", ""]]), filename="k.csv"
    )
    assert [(e.column, e.message) for e in report.errors] == [
        ("类型", "下级单位陆家村（ML-V1）将不符合规则：村居的上级单位必须是街镇。")
    ]


def test_moving_a_unit_under_its_own_child_is_a_cycle(org: Org) -> None:
    report = import_units(
        actor=org.admin, data=to_csv([UNIT_HEAD, ["CZJ", "区财政局", "委办局", "CZJ-1", ""]]), filename="c.csv"
    )
    assert [e.column for e in report.errors] == ["上级单位代码"] and "成环" in report.errors[0].message


# Positions -----------------------------------------------------------------------------------------------------


def test_positions_with_rank_leadership_and_units_in_charge(org: Org) -> None:
    data = to_csv(
        [
            POSITION_HEAD,
            ["CZJ", "副局长（分管预算）", "副处", "副职", "CZJ-1、CZJ-2"],
            ["CZJ-1", "预算科科员", "科员", "", ""],
            ["MZJ", "党组书记", "正处", "正职", ""],
        ]
    )
    report = import_positions(actor=org.admin, data=data, filename="p.csv")
    assert report.ok and report.created == 3
    deputy = Position.objects.get(unit=org.finance, title="副局长（分管预算）")
    assert deputy.rank == Rank.DIVISION_DEPUTY and deputy.leadership == Leadership.DEPUTY
    assert set(deputy.in_charge_of.all()) == {org.budget, org.treasury}
    assert Position.objects.get(unit=org.budget, title="预算科科员").leadership == Leadership.NONE
    # Re-import a changed file: by unit + title, the rank and 分管 change; nothing else is created.
    changed = to_csv([POSITION_HEAD, ["CZJ", "副局长（分管预算）", "正处", "副职", "CZJ-1"]])
    report = import_positions(actor=org.admin, data=changed, filename="p2.csv")
    assert (report.created, report.updated) == (0, 1)
    deputy.refresh_from_db()
    assert deputy.rank == Rank.DIVISION_PRINCIPAL and list(deputy.in_charge_of.all()) == [org.budget]


def test_positions_bad_rows(org: Org) -> None:
    data = to_csv(
        [
            POSITION_HEAD,
            ["NOWHERE", "科员", "科员", "", ""],  # unknown unit
            ["CZJ-1", "科员甲", "处长", "", ""],  # bad rank
            ["CZJ-1", "科员乙", "科员", "", "CZJ-2"],  # 分管 without leadership
            ["CZJ", "副局长（甲）", "副处", "副职", "NOPE"],  # unknown unit in charge of
            ["CZJ-1", "科员丙", "", "", ""],
            ["CZJ-1", "科员丙", "", "", ""],  # duplicate unit + title
            ["CZJ-1", "科员丁", "", "组长", ""],  # bad leadership
        ]
    )
    report = import_positions(actor=org.admin, data=data, filename="bad.csv")
    assert errors_of(report) == {
        (2, "单位代码"),
        (3, "职级"),
        (4, "分管单位代码"),
        (5, "分管单位代码"),
        (7, "岗位名称"),
        (8, "领导职务"),
    }
    assert "应为：区级领导、正处" in next(e.message for e in report.errors if e.row == 3)
    assert not Position.objects.filter(title__in=["科员甲", "科员乙", "科员丙", "科员丁", "副局长（甲）"]).exists()


def test_positions_with_two_stored_namesakes_cannot_be_matched(org: Org) -> None:
    # The test organisation has two 副局长 in 财政局 (different 分管): a title alone cannot say which.
    report = import_positions(
        actor=org.admin, data=to_csv([POSITION_HEAD, ["CZJ", "副局长", "副处", "副职", ""]]), filename="x.csv"
    )
    assert [e.column for e in report.errors] == ["岗位名称"] and "2 个名为“副局长”" in report.errors[0].message


# People --------------------------------------------------------------------------------------------------------


@pytest.fixture
def posts(org: Org) -> Org:
    Position.objects.create(unit=org.budget, title="预算科科员")
    Position.objects.create(unit=org.treasury, title="国库科科员")
    Position.objects.create(unit=org.village, title="社区社工", rank=Rank.NONE)
    return org


def test_people_are_created_with_posts_and_an_unusable_password(posts: Org) -> None:
    data = to_csv(
        [
            PEOPLE_HEAD,
            [
                "JD100001",
                "欧阳娜娜",
                "公务员",
                "必须填报",
                "否",
                "CZJ-1",
                "预算科科员",
                "2024-01-02",
                "CZJ-2/国库科科员",
            ],
            ["JD100002", "李四", "社工", "", "否", "ML-V1", "社区社工", "2023/5/1", ""],
            ["JD100003", "王五", "参公", "必须填报", "是", "CZJ-1", "预算科科员", "2024-01-02", ""],
        ]
    )
    report = import_people(actor=posts.admin, data=data, filename="people.csv")
    assert report.ok and report.created == 3
    person = Person.objects.get(employee_number="JD100001")
    assert person.username == "JD100001" and person.full_name == "欧阳娜娜" and person.name_initials == "oynn"
    assert not person.has_usable_password()
    held = {(a.position.title, a.kind) for a in person.assignments.all()}
    assert held == {("预算科科员", AssignmentKind.PRIMARY), ("国库科科员", AssignmentKind.CONCURRENT)}
    social = Person.objects.get(employee_number="JD100002")
    assert social.filing_obligation == "optional" and social.assignments.get().start == datetime.date(2023, 5, 1)
    assert Person.objects.get(employee_number="JD100003").is_district_cadre


def test_people_bad_rows(posts: Org) -> None:
    good = ["JD1", "甲", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "2024-01-02", ""]
    data = to_csv(
        [
            PEOPLE_HEAD,
            good,
            ["JD2", "乙", "临时工", "必须填报", "否", "CZJ-1", "预算科科员", "2024-01-02", ""],  # bad category
            ["JD3", "丙", "公务员", "必须填报", "否", "NOWHERE", "科员", "2024-01-02", ""],  # unknown unit
            ["JD4", "丁", "公务员", "必须填报", "否", "CZJ-1", "局长", "2024-01-02", ""],  # unknown position
            ["JD5", "戊", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "2024-13-40", ""],  # bad date
            ["JD1", "己", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "2024-01-02", ""],  # duplicate 工号
            ["JD7", "", "公务员", "必须填报", "也许", "CZJ-1", "预算科科员", "2024-01-02", "CZJ-9/科员"],
            ["admin", "庚", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "2024-01-02", ""],  # username taken
            ["JD 9", "辛", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "", ""],  # bad username, no date
        ]
    )
    report = import_people(actor=posts.admin, data=data, filename="bad.csv")
    assert errors_of(report) == {
        (3, "人员类别"),
        (4, "主职单位代码"),
        (5, "主职岗位"),
        (6, "任职日期"),
        (7, "工号"),
        (8, "姓名"),
        (8, "区管干部"),
        (8, "兼职岗位"),
        (9, "工号"),
        (10, "工号"),
        (10, "任职日期"),
    }
    assert not Person.objects.filter(employee_number="JD1").exists()


def test_people_upsert_transfers_the_primary_post_like_the_admin(posts: Org) -> None:
    posts.author.employee_number = "E-AUTHOR"
    posts.author.save()
    data = to_csv(
        [PEOPLE_HEAD, ["E-AUTHOR", "张伟", "公务员", "必须填报", "是", "CZJ-2", "国库科科员", "2025-03-01", ""]]
    )
    report = import_people(actor=posts.admin, data=data, filename="move.csv")
    assert report.ok and (report.created, report.updated) == (0, 1)
    old, new = Assignment.objects.filter(person=posts.author, kind=AssignmentKind.PRIMARY).order_by("start")
    assert old.end == datetime.date(2025, 2, 28) and new.position.title == "国库科科员" and new.end is None
    assert Person.objects.get(pk=posts.author.pk).is_district_cadre
    # The same content in another file changes nothing; a transfer dated before the current post is refused.
    again = import_people(actor=posts.admin, data=data + b"\n", filename="again.csv")
    assert (again.updated, again.unchanged) == (0, 1)
    early = to_csv([PEOPLE_HEAD, ["E-AUTHOR", "张伟", "公务员", "必须填报", "是", "CZJ-1", "预算科科员", "2025-03-01"]])
    report = import_people(actor=posts.admin, data=early, filename="early.csv")
    assert [e.column for e in report.errors] == ["任职日期"] and "必须晚于现任主职" in report.errors[0].message


def test_of_namesake_positions_a_person_matches_the_one_they_hold(posts: Org) -> None:
    # Every clerk of 预算科 has a position of their own, all titled 科员 (as in the demo world).
    posts.author.employee_number = "E-AUTHOR"
    posts.author.save()
    rows = [
        PEOPLE_HEAD,
        ["E-AUTHOR", "张伟", "公务员", "必须填报", "否", "CZJ-1", "科员", "2020-01-01", ""],
        ["E-NEW", "新人", "公务员", "必须填报", "否", "CZJ-1", "科员", "2024-01-01", ""],
    ]
    report = import_people(actor=posts.admin, data=to_csv(rows), filename="namesakes.csv", dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "主职岗位")]
    assert "2 个名为“科员”的岗位" in report.errors[0].message
    report = import_people(actor=posts.admin, data=to_csv(rows[:2]), filename="namesakes.csv", dry_run=True)
    assert report.ok and report.unchanged == 1


# Duties --------------------------------------------------------------------------------------------------------


def test_duties_of_units_and_positions_upsert_by_code(posts: Org) -> None:
    data = to_csv(
        [
            DUTY_HEAD,
            ["CZJ", "", "CZJ-01", "部门预算编制、执行和决算", "新的说明", ""],  # stored: updated
            ["CZJ-1", "预算科科员", "CZJ-1-01", "审核部门预算", "", ""],
            ["MZJ", "", "MZJ-02", "养老服务", "", "2025-12-31"],
        ]
    )
    report = import_duties(actor=posts.admin, data=data, filename="d.csv")
    assert report.ok and (report.created, report.updated) == (2, 1)
    assert Duty.objects.get(code="CZJ-01").title == "部门预算编制、执行和决算"
    assert Duty.objects.get(code="CZJ-1-01").position.title == "预算科科员"
    assert Duty.objects.get(code="MZJ-02").retired_on == datetime.date(2025, 12, 31)


def test_duties_bad_rows(posts: Org) -> None:
    data = to_csv(
        [
            DUTY_HEAD,
            ["NOWHERE", "", "X-01", "某职责", "", ""],
            ["CZJ-1", "局长", "X-02", "某职责", "", ""],
            ["CZJ", "", "X-03", "", "", "明年"],
            ["CZJ", "", "X-04", "某职责", "", ""],
            ["CZJ", "", "X-04", "又一个", "", ""],
        ]
    )
    report = import_duties(actor=posts.admin, data=data, filename="bad.csv")
    assert errors_of(report) == {(2, "单位代码"), (3, "岗位名称"), (4, "职责名称"), (4, "停用日期"), (6, "职责编码")}
    assert not Duty.objects.filter(code__startswith="X-").exists()


# Files, permissions, page and command line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "x.csv", "文件是空的"),
        (b"hello", "x.docx", "只支持"),
        (b"PK\x03\x04broken", "x.xlsx", "不是有效的 Excel"),
        (b"\x00\x01\x02", "x.csv", "不是文本格式"),
        (b"\xff\xfe\xfd\x81\x30", "x.csv", "无法识别文件编码"),
        ("单位代码,单位名称\nA,甲\n".encode(), "x.csv", "缺少必填列：类型、上级单位代码"),
        ("单位代码,单位名称,类型,上级单位代码,颜色\nA,甲,科室,CZJ,红\n".encode(), "x.csv", "无法识别的列：颜色"),
        ("单位代码,单位名称,类型,上级单位代码\n".encode(), "x.csv", "没有数据行"),
    ],
)
def test_malformed_files_get_a_clear_error(org: Org, data: bytes, filename: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        import_units(actor=org.admin, data=data, filename=filename)


def test_huge_files_are_refused(org: Org, monkeypatch: Any) -> None:
    import jishi.org.imports as imports

    monkeypatch.setattr(imports, "MAX_BYTES", 10)
    with pytest.raises(ImportFileError, match="文件过大"):
        import_units(actor=org.admin, data=to_csv([UNIT_HEAD, ["A", "甲", "科室", "CZJ"]]), filename="big.csv")


def test_the_same_file_never_imports_twice_and_a_dry_run_writes_nothing(org: Org) -> None:
    data = to_csv([UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", "3"]])
    assert import_units(actor=org.admin, data=data, filename="u.csv", dry_run=True).created == 1
    assert not Unit.objects.filter(code="FGW").exists() and not ImportBatch.objects.exists()
    import_units(actor=org.admin, data=data, filename="u.csv")
    with pytest.raises(ImportFileError, match="不会重复导入"):
        import_units(actor=org.admin, data=data, filename="renamed.csv")
    assert ImportBatch.objects.count() == 1 and AuditEvent.objects.filter(verb="org.import.units").count() == 1


def test_only_administrators_and_hr_import(org: Org) -> None:
    data = to_csv([UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", "3"]])
    for importer in (import_units, import_positions, import_people, import_duties):
        with pytest.raises(PermissionDenied):
            importer(actor=org.unit_head, data=data, filename="u.csv")
    assert import_units(actor=org.hr, data=data, filename="u.csv", dry_run=True).ok


@pytest.mark.parametrize("sheet", [UNITS, POSITIONS, PEOPLE, DUTIES])
def test_templates_carry_every_header_and_an_example_row(sheet: Any) -> None:
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(template(sheet, "xlsx"))).active.iter_rows(values_only=True))
    assert list(rows[0]) == sheet.headers and any(rows[1])
    assert template(sheet, "csv").decode("utf-8-sig").splitlines()[0] == ",".join(sheet.headers)


def test_the_page_offers_every_kind_checks_and_imports(org: Org) -> None:
    client = Client()
    client.force_login(org.admin)
    page = client.get("/records/import/?kind=units").content.decode()
    assert "单位代码" in page and "/records/import/units/template.xlsx" in page
    assert client.get("/records/import/people/template.csv").content.decode("utf-8-sig").startswith("工号,姓名")
    assert client.get("/records/import/nothing/template.csv").status_code == 404
    data = to_csv([UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", "3"], ["X", "某科", "科室", "NOWHERE", ""]])
    page = client.post(
        "/records/import/", {"kind": "units", "file": SimpleUploadedFile("u.csv", data), "dry_run": "1"}
    ).content.decode()
    assert "上级单位代码“NOWHERE”不存在" in page and "未导入任何" in page
    good = to_csv([UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", "3"]])
    page = client.post(
        "/records/import/", {"kind": "units", "file": SimpleUploadedFile("u.csv", good), "dry_run": "1"}
    ).content.decode()
    assert "校验通过" in page and not Unit.objects.filter(code="FGW").exists()
    page = client.post(
        "/records/import/", {"kind": "units", "file": SimpleUploadedFile("u.csv", good)}
    ).content.decode()
    assert "新建 1" in page and Unit.objects.filter(code="FGW").exists()
    outsider = Client()
    outsider.force_login(org.unit_head)
    assert outsider.get("/records/import/?kind=units").status_code == 403
    assert (
        outsider.post("/records/import/", {"kind": "units", "file": SimpleUploadedFile("u.csv", good)}).status_code
        == 403
    )


def test_the_command_line(org: Org, tmp_path: Any) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes(to_csv([UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", "3"]]))
    out = io.StringIO()
    call_command("import", "units", str(path), "--by", "admin", "--dry-run", stdout=out)
    assert "校验通过" in out.getvalue() and not Unit.objects.filter(code="FGW").exists()
    call_command("import", "units", str(path), "--by", "admin", stdout=out)
    assert "新建 1" in out.getvalue() and Unit.objects.filter(code="FGW").exists()
    with pytest.raises(CommandError, match="不会重复导入"):
        call_command("import", "units", str(path), "--by", "admin")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([UNIT_HEAD, ["X", "某科", "科室", "NOWHERE", ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("import", "units", str(bad), "--by", "admin", stderr=err)
    assert "第 2 行 · 上级单位代码" in err.getvalue()
    with pytest.raises(CommandError, match="只有系统管理员和组织人事"):
        call_command("import", "positions", str(bad), "--by", "unit_head")


# The whole organisation ---------------------------------------------------------------------------------------


def test_round_trip_units_positions_people_duties_then_the_rules_see_them(org: Org, tmp_path: Any) -> None:
    files = {
        "units": [
            UNIT_HEAD,
            ["FGW-S1", "综合科", "科室", "FGW", "1"],
            ["FGW", "区发展改革委", "委办局", "JD", "3"],
        ],
        "positions": [
            POSITION_HEAD,
            ["FGW", "主任", "正处", "正职", ""],
            ["FGW", "副主任（分管综合）", "副处", "副职", "FGW-S1"],
            ["FGW-S1", "综合科科员", "科员", "", ""],
        ],
        "people": [
            PEOPLE_HEAD,
            ["FG001", "钱主任", "公务员", "必须填报", "是", "FGW", "主任", "2024-01-01", ""],
            ["FG002", "孙副主任", "公务员", "必须填报", "是", "FGW", "副主任（分管综合）", "2024-01-01", ""],
            ["FG003", "李科员", "公务员", "必须填报", "否", "FGW-S1", "综合科科员", "2024-01-01", ""],
        ],
        "duties": [DUTY_HEAD, ["FGW-S1", "综合科科员", "FGW-S1-01", "综合文稿起草", "", ""]],
    }
    for kind, rows in files.items():
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(to_xlsx(rows))
        call_command("import", kind, str(path), "--by", "admin", stdout=io.StringIO())
    clerk = Person.objects.get(employee_number="FG003")
    section = Unit.objects.get(code="FGW-S1")
    today = datetime.date.today()
    reader = build_reader(clerk.pk, today)
    assert reader.unit_ids == {section.pk} and reader.department_ids == {section.department_id}
    assert build_reader(Person.objects.get(employee_number="FG002").pk, today).is_superior_for(section.pk)
    assert build_reader(Person.objects.get(employee_number="FG001").pk, today).is_superior_for(section.pk)
    assert not build_reader(org.unit_head.pk, today).is_superior_for(section.pk)
    from jishi.org.selectors import duties_for

    assert [d.code for d in duties_for(clerk, today)] == ["FGW-S1-01"]
    # The new account has no password: the administrator prints a one-time link, the person sets one and logs in.
    assert not Client().login(username="FG003", password="")
    out = io.StringIO()
    call_command("password_link", "FG003", "--by", "admin", stdout=out)
    link = out.getvalue().split("\t")[-1].strip()
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    form = browser.get("/" + path, follow=True)
    assert "新密码" in form.content.decode()
    secret = "Ji-shi-2026-new"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": secret, "new_password2": secret})
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert Client().login(username="FG003", password=secret)
    assert "已使用过或已过期" in Client().get("/" + path, follow=True).content.decode()
    assert AuditEvent.objects.filter(verb="account.password_link", actor=org.admin).exists()


GOOD = {
    "units": (import_units, [UNIT_HEAD, ["FGW", "区发展改革委", "委办局", "JD", "3"]], Unit, {"code": "FGW"}),
    "positions": (
        import_positions,
        [POSITION_HEAD, ["CZJ-1", "副科长", "副科", "副职", ""]],
        Position,
        {"title": "副科长"},
    ),
    "people": (
        import_people,
        [PEOPLE_HEAD, ["JD9", "钱多多", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "2024-01-02", ""]],
        Person,
        {"username": "JD9"},
    ),
    "duties": (import_duties, [DUTY_HEAD, ["CZJ-1", "", "CZJ-1-09", "审核", "", ""]], Duty, {"code": "CZJ-1-09"}),
}


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_kind_reads_gbk_checks_dry_and_needs_its_required_columns(posts: Org, kind: str) -> None:
    run, rows, model, key = GOOD[kind]
    report = run(actor=posts.admin, data=to_csv(rows, encoding="gbk"), filename="gbk.csv", dry_run=True)
    assert report.ok and report.created == 1 and not model.objects.filter(**key).exists()
    assert run(actor=posts.admin, data=to_csv(rows, encoding="gbk"), filename="gbk.csv").created == 1
    assert model.objects.filter(**key).exists()
    without_first = [row[1:] for row in rows]
    with pytest.raises(ImportFileError, match=f"缺少必填列：{rows[0][0]}"):
        run(actor=posts.admin, data=to_csv(without_first), filename="missing.csv")


def test_importing_people_costs_the_same_queries_for_forty_rows_as_for_one(
    posts: Org, django_assert_max_num_queries: Any
) -> None:
    rows = [PEOPLE_HEAD] + [
        [f"JD{n:03d}", f"测试{n}", "公务员", "必须填报", "否", "CZJ-1", "预算科科员", "2024-01-02", "CZJ-2/国库科科员"]
        for n in range(40)
    ]
    with django_assert_max_num_queries(30):
        report = import_people(actor=posts.admin, data=to_csv(rows), filename="forty.csv")
    assert report.created == 40 and Assignment.objects.filter(person__employee_number__startswith="JD").count() == 80
