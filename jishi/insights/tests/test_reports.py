"""The decision reports on a small hand-built world: the figures, peers within their kind, costs, the collaboration
network, the Excel export against the page, who sees what, and bad parameters."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from jishi.insights import reports, store
from jishi.insights.models import CostRate
from jishi.org.models import Duty, Position, Rank, UnitKind
from jishi.records.services import record_create
from jishi.testing import Org, PersonFactory, build_org, make_post, make_unit, record_input

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)  # Monday; ten working days to Friday 13 March (no holiday in between)
END = datetime.date(2026, 3, 13)
WORKING_DAYS = [
    START + datetime.timedelta(days=n) for n in range(12) if (START + datetime.timedelta(days=n)).weekday() < 5
]
SATURDAY = datetime.date(2026, 3, 7)
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}


@dataclass
class World:
    org: Org
    edu: Any
    health: Any
    archives: Any
    town2: Any
    idle_duty: Duty
    budget_duty: Duty
    head_duty: Duty


def work(person: Any, day: datetime.date, start: int | None, end: int | None, **extra: Any) -> None:
    """A record of `person` on `day` from `start` to `end` o'clock (or of a duration), written that evening."""
    now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 30)))
    times = {"start_time": datetime.time(start), "end_time": datetime.time(end)} if start is not None else {}
    if not times:
        times = {"start_time": None, "end_time": None, "duration_minutes": 60}
    record_create(author=person, data=record_input(date=day, **times, **extra), now=now)


def staff(unit: Any, count: int, prefix: str) -> list[Any]:
    people = [PersonFactory(full_name=f"{prefix}{n}号", username=f"{prefix}{n}") for n in range(count)]
    for person in people:
        make_post(person, unit)
    return people


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    """Five bureaus and two towns, everyone owing records every working day of the period.

    Hours per filer per working day (an hour-long record for each tie): 财政局 86/7/10 = 1.23, 民政局 28/6/10 = 0.47,
    教育局 6.0, 卫健委 and 档案局 0.1; 马陆镇 66/3/10 = 2.2, 南翔镇 10.1. Ties: {财政局, 民政局, 教育局} and
    {马陆镇, 南翔镇, 卫健委} tightly, one weak bridge 民政局–马陆镇; 档案局 works alone."""
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    reports._kept.clear()
    settings.JISHI_MIN_GROUP_SIZE = 3
    org = build_org()
    edu = make_unit("区教育局", UnitKind.DEPARTMENT, org.root, "JYJ")
    health = make_unit("区卫健委", UnitKind.DEPARTMENT, org.root, "WJW")
    archives = make_unit("区档案局", UnitKind.DEPARTMENT, org.root, "DAJ")
    town2 = make_unit("南翔镇", UnitKind.TOWN, org.root, "NX")
    teachers, doctors, keepers = staff(edu, 3, "edu"), staff(health, 3, "health"), staff(archives, 3, "arch")
    malu, nanxiang = staff(org.town, 3, "malu"), staff(town2, 3, "nx")
    budget_duty = Duty.objects.get(code="CZJ-01")
    idle_duty = Duty.objects.create(unit=org.finance, code="CZJ-02", title="国库集中支付")
    head_post = Position.objects.get(unit=org.budget, title="科长")
    head_duty = Duty.objects.create(unit=org.budget, position=head_post, code="CZJ-03", title="预算审核")
    author_post = org.author.assignments.get().position
    # The author served 科长's duty while it was still the author's post's; then it moved to the 科长 (below).
    Duty.objects.filter(pk=head_duty.pk).update(position=author_post)

    for n, day in enumerate(WORKING_DAYS):  # 财政局: the author's 8 hours a day, half under a duty
        work(org.author, day, 9, 17, duty_id=budget_duty.pk if n % 2 else (head_duty.pk if n == 0 else None))
    for day in WORKING_DAYS[:5]:  # 民政局: 4 hours on five days, an evening and a Saturday
        work(org.unrelated, day, 9, 13)
    work(org.unrelated, WORKING_DAYS[5], 19, 21)
    work(org.unrelated, SATURDAY, 9, 11)
    for person in teachers:
        for day in WORKING_DAYS:
            work(person, day, 9, 15)
    for person in malu:
        for day in WORKING_DAYS:
            work(person, day, 9, 11)
    for person in nanxiang:
        for day in WORKING_DAYS:
            work(person, day, 8, 18)
    for person in doctors + keepers:
        work(person, WORKING_DAYS[0], 9, 10)

    def ties(author: Any, partner: Any, times: int) -> None:
        for n in range(times):
            work(author, WORKING_DAYS[6 + n], None, None, partner_units=[(partner.pk, "联系人")])

    ties(org.author, org.civil, 3)
    ties(org.author, edu, 3)
    ties(org.unrelated, edu, 3)
    ties(malu[0], town2, 3)
    ties(malu[1], health, 3)
    ties(nanxiang[0], health, 3)
    ties(org.unrelated, org.town, 1)
    Duty.objects.filter(pk=head_duty.pk).update(position=head_post)
    store.rebuild()
    return World(org, edu, health, archives, town2, idle_duty, budget_duty, head_duty)


def build(kind: str, user: Any, **params: str) -> reports.Report:
    query = QueryDict(mutable=True)
    query.update({**PERIOD, **params})
    return reports.build(kind, user, query)


def table(report: reports.Report, key: str) -> reports.Table:
    return next(t for t in report.tables if t.key == key)


def row_of(t: reports.Table, name: str) -> dict[str, Any]:
    """A row as {column label: shown value}, withheld cells as the word "withheld"."""
    for row in t.rows:
        if row[0].value == name:
            return {
                str(c.label): ("withheld" if cell.withheld else cell.value)
                for c, cell in zip(t.columns, row, strict=True)
            }
    raise AssertionError(f"{name} not in {t.title}: {[r[0].value for r in t.rows]}")


def names(t: reports.Table) -> list[str]:
    return [row[0].value for row in t.rows]


# ---- staffing --------------------------------------------------------------------------------------------------


def test_workload_per_head_is_compared_with_peers_of_the_same_kind(world: World) -> None:
    report = build("staffing", world.org.secretary)
    bureaus, towns = table(report, "bureau"), table(report, "town")
    finance = row_of(bureaus, "区财政局")
    assert finance["人数"] == 7 and finance["工作日"] == 10
    assert finance["人均每日工时"] == 1.23  # 86 hours / 7 people / 10 working days
    # Bureaus: 0.1, 0.1, 0.47, 1.23, 6.0 — the median is 0.47; the towns (2.2 and 10.1) are not among them.
    assert finance["同类中位数"] == 0.47
    assert finance["同类位次"] == "第 2 / 5 位"
    assert row_of(bureaus, "区教育局")["判断"] == "明显偏高"
    assert names(table(report, "attention")) == ["区教育局"]  # the one unit far from its peers
    assert sorted(names(towns)) == sorted(["马陆镇", "南翔镇"])
    malu = row_of(towns, "马陆镇")
    assert malu["人均每日工时"] == 2.2 and malu["同类中位数"] == 6.15
    assert "样本少，仅供参考" in malu["可靠程度"]  # 3 people
    civil = row_of(bureaus, "区民政局")
    assert civil["人均每日工时"] == 0.47
    assert civil["晚间占比（%）"] == round(100 * 2 / 28, 1)  # 19–21h of 28 hours (4×5 + 2 + 2 + 3 + 1)
    assert civil["周末占比（%）"] == round(100 * 2 / 28, 1)


def test_a_small_group_shows_no_number(world: World) -> None:
    sections = table(build("staffing", world.org.secretary), "section")
    treasury = row_of(sections, "区财政局 · 国库科")  # one person
    assert set(list(treasury.values())[1:]) == {"withheld"}
    assert row_of(sections, "区财政局 · 预算科")["人数"] == 3


def test_every_figure_links_to_its_records(world: World) -> None:
    finance = next(
        row for row in table(build("staffing", world.org.secretary), "bureau").rows if row[0].value == "区财政局"
    )
    link = next(cell.href for cell in finance if cell.href)
    assert f"unit={world.org.finance.pk}" in link and "start=2026-03-02" in link and "end=2026-03-13" in link


# ---- post setting ---------------------------------------------------------------------------------------------


def test_posts_names_idle_duties_work_without_duty_and_work_in_other_posts(world: World, settings: Any) -> None:
    report = build("posts", world.org.secretary)
    idle = [row[2].value for row in table(report, "idle").rows]
    assert "国库集中支付" in idle and "部门预算编制和执行" not in idle
    off = row_of(table(report, "off_duty"), "区财政局")
    # 财政局's 86 hours: 40 under its duty, 8 under the 科长's, 32 + 6 (the ties) under none.
    assert off["工时"] == 86.0 and off["未对应职责工时"] == 4 * 8 + 6
    elsewhere = table(report, "elsewhere")
    assert elsewhere.rows[0][0].value == "区财政局 · 预算科 · 科员"
    assert elsewhere.rows[0][1].value == "区财政局 · 预算科 · 科长"
    assert elsewhere.rows[0][2].withheld  # one author: fewer than three
    settings.JISHI_MIN_GROUP_SIZE = 1
    row = table(build("posts", world.org.secretary), "elsewhere").rows[0]
    assert row[2].value == 8.0 and row[3].value == round(100 * 8 / 86, 1)


# ---- resources -------------------------------------------------------------------------------------------------


def test_costs_use_the_default_rates_and_say_so(world: World) -> None:
    report = build("resources", world.org.secretary)
    assert any("默认标准" in note for note in report.notes)
    edu = row_of(table(report, "units"), "区教育局")
    assert edu["工时"] == 180.0 and edu["成本（元）"] == 180 * int(reports.DEFAULT_RATES[Rank.STAFF])


def test_costs_use_the_rate_set_for_a_rank(world: World) -> None:
    CostRate.objects.create(rank=Rank.STAFF, yuan_per_hour=Decimal("150.00"), valid_from=datetime.date(2026, 1, 1))
    report = build("resources", world.org.secretary)
    edu = row_of(table(report, "units"), "区教育局")
    assert edu["成本（元）"] == 180 * 150 and edu["人均成本（元）"] == 180 * 150 // 3
    rates = {row[0].value: row[2].value for row in table(report, "rates").rows}
    assert rates["科员"] == "2026-01-01" and rates["正科"] == "默认标准"
    # A rate from the middle of the period costs the days after it; the earlier rate the days before.
    CostRate.objects.create(rank=Rank.STAFF, yuan_per_hour=Decimal("200.00"), valid_from=datetime.date(2026, 3, 9))
    edu = row_of(table(build("resources", world.org.secretary), "units"), "区教育局")
    assert edu["成本（元）"] == 90 * 150 + 90 * 200


def test_hours_by_category_and_rank(world: World) -> None:
    grid = table(build("resources", world.org.secretary), "category_rank")
    assert [c.label for c in grid.columns][:2] == ["类别", "科员"]
    assert grid.rows[0][0].value == "会议"  # every record here is a meeting
    assert grid.rows[0][1].value > 0


# ---- collaboration ---------------------------------------------------------------------------------------------


def test_the_network_names_the_silo_and_two_communities(world: World) -> None:
    report = build("collaboration", world.org.secretary)
    assert names(table(report, "silos")) == ["区档案局"]
    communities = [set(row[2].value.split("、")) for row in table(report, "communities").rows]
    assert {"区财政局", "区民政局", "区教育局"} in communities
    assert {"马陆镇", "南翔镇", "区卫健委"} in communities
    ties = {(row[0].value, row[1].value): row for row in table(report, "ties").rows}
    assert ties[("区财政局", "区民政局")][3].value == 3  # partner-unit ties
    assert report.graph and len(report.graph["links"]) == 7


# ---- the export, the page, who sees what -----------------------------------------------------------------------


def test_the_excel_export_has_the_page_numbers(world: World) -> None:
    from openpyxl import load_workbook

    client = Client()
    client.force_login(world.org.secretary)
    url = reverse("insights:report", args=["staffing"])
    response = client.get(url, {**PERIOD, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    report = build("staffing", world.org.secretary)
    for t in report.tables:
        sheet = book[t.title[:31]]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [str(c.label) for c in t.columns]
        for line, cells in zip(rows[1:], t.rows, strict=True):
            assert list(line) == [reports.withheld_text() if c.withheld else c.value for c in cells]
    page = client.get(url, PERIOD).content.decode()
    assert "1.23" in page and "数据截至" in page and "少于 3 人，不显示" in page
    assert 'media="print"' in page


def test_formula_text_stays_text_in_the_export(world: World) -> None:
    from openpyxl import load_workbook

    Duty.objects.filter(pk=world.idle_duty.pk).update(title='=HYPERLINK("http://x")')
    store.rebuild()
    client = Client()
    client.force_login(world.org.secretary)
    response = client.get(reverse("insights:report", args=["posts"]), {**PERIOD, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["没有工作的职责"]
    cells = [cell for row in sheet.iter_rows() for cell in row if str(cell.value).startswith("=HYPERLINK")]
    assert cells and all(cell.data_type == "s" for cell in cells)


@pytest.mark.parametrize("kind", list(reports.KINDS))
def test_who_sees_the_reports(world: World, kind: str) -> None:
    url = reverse("insights:report", args=[kind])
    client = Client()
    client.force_login(world.org.author)  # staff without a post over anyone
    assert client.get(url, PERIOD).status_code == 404
    client.force_login(world.org.unit_head)  # 财政局's head: 财政局 only
    assert client.get(url, PERIOD).status_code == 200
    assert client.get(url, {**PERIOD, "unit": world.org.civil.pk}).status_code == 404
    assert client.get(url, {**PERIOD, "unit": world.org.budget.pk}).status_code == 200
    client.force_login(world.org.secretary)
    assert client.get(url, {**PERIOD, "unit": world.org.civil.pk}).status_code == 200


def test_a_unit_head_sees_only_their_units_rows(world: World) -> None:
    report = build("staffing", world.org.unit_head)
    assert [t.key for t in report.tables] == ["attention", "bureau", "section"]
    assert names(table(report, "bureau")) == ["区财政局"]
    assert row_of(table(report, "bureau"), "区财政局")["同类中位数"] == 0.47  # still against all bureaus
    collaboration = build("collaboration", world.org.unit_head)
    assert all("区财政局" in (row[0].value, row[1].value) for row in table(collaboration, "ties").rows)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01"}, "不是有效日期"),
        ({"start": "2026-03-13", "end": "2026-03-01"}, "不能晚于结束日期"),
        ({"start": "2020-01-01", "end": "2026-03-01"}, "最长 1098 天"),
        ({"unit": "abc"}, "无法识别"),
        ({"start": "2099-01-01", "end": "2099-01-31"}, "晚于今天"),
        ({"unit": "²"}, "无法识别"),
        ({"format": "pdf"}, "不支持的格式"),
    ],
)
def test_bad_parameters_are_explained_in_chinese(world: World, params: dict[str, str], message: str) -> None:
    client = Client()
    client.force_login(world.org.secretary)
    response = client.get(reverse("insights:report", args=["staffing"]), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_report_or_unit_is_not_found(world: World) -> None:
    client = Client()
    client.force_login(world.org.secretary)
    assert client.get(reverse("insights:report", args=["budget"])).status_code == 404
    assert client.get(reverse("insights:report", args=["staffing"]), {"unit": "999999"}).status_code == 404
    assert client.get(reverse("insights:report", args=["staffing"]), {"unit": str(2**70)}).status_code == 404


def test_the_default_period_is_the_last_four_weeks() -> None:
    assert reports.parse_period(QueryDict(), today=datetime.date(2026, 3, 14)) == (START - datetime.timedelta(16), END)


def test_the_reports_speak_english_with_the_english_interface(world: World) -> None:
    from django.utils import translation

    with translation.override("en"):
        report = build("staffing", world.org.secretary)
        assert report.title == "Staffing"
        assert table(report, "attention").title == "Units to look at"
        assert row_of(table(report, "section"), "区财政局 · 国库科")["People"] == "withheld"
        assert reports.withheld_text() == "fewer than 3 people, not shown"
    assert build("staffing", world.org.secretary).title == "人员编制"  # a report is kept per language


def test_a_rank_too_small_to_show_cannot_be_had_from_the_category_total(world: World) -> None:
    head = world.org.unit_head  # the 局长, alone in the rank 正处: two hours of meetings
    Position.objects.filter(pk=head.assignments.get().position_id).update(rank=Rank.DIVISION_PRINCIPAL)
    work(head, WORKING_DAYS[1], 14, 16)
    store.rebuild()
    reports._kept.clear()
    row = table(build("resources", world.org.secretary), "category_rank").rows[0]
    ranks = row[1:-2]
    # 科员's 669 hours beside the total 671 gave the 局长's two hours: 科员 is withheld with the 局长's cell.
    assert len(ranks) == 2 and all(cell.withheld for cell in ranks)
    assert row[-2].value == 671.0


def test_a_department_minus_its_shown_sections_never_gives_a_small_group() -> None:
    """财政局 of 8 filers: 本级 2 leaders, sections of 3 and 3 people (minimum group 3). Showing both sections would
    let the department's hours minus theirs give the two leaders' hours: the smaller section is withheld too."""
    loads = {
        ("department", 1): reports.Load(people=8, days=10, exact_per_head=2.0),
        ("unit", 11): reports.Load(people=3, days=10, exact_per_head=1.0),
        ("unit", 12): reports.Load(people=3, days=10, exact_per_head=3.0),
        ("department", 2): reports.Load(people=9, days=10, exact_per_head=2.0),
        ("unit", 21): reports.Load(people=3, days=10, exact_per_head=1.0),
        ("unit", 22): reports.Load(people=3, days=10, exact_per_head=3.0),
    }
    with override_settings(JISHI_MIN_GROUP_SIZE=3):
        assert reports.covered_sections({1: [11, 12], 2: [21, 22]}, loads) == {11}  # 2: the rest are 3 people
        loads[("department", 1)] = reports.Load(people=6, days=10, exact_per_head=2.0)
        assert reports.covered_sections({1: [11, 12]}, loads) == set()  # everyone is in a shown section


def test_the_staffing_report_withholds_a_section_that_would_give_away_the_leaders(world: World, settings: Any) -> None:
    # 财政局: 本级 3 (head, two deputies), 预算科 3, 国库科 1 + 6 new = 7.
    for person in staff(world.org.treasury, 6, "tr"):
        for day in WORKING_DAYS:
            work(person, day, 9, 12)
    store.rebuild()
    reports._kept.clear()
    settings.JISHI_MIN_GROUP_SIZE = 4
    report = build("staffing", world.org.secretary)
    finance = row_of(table(report, "bureau"), "区财政局")
    assert finance["人数"] == 13  # 本级 3, 预算科 3, 国库科 7
    sections = table(report, "section")
    # 预算科 (3) is too small; 国库科 (7) alone shown would leave 13 - 7 = 6 = 本级 3 + 预算科 3: people enough.
    assert set(list(row_of(sections, "区财政局 · 预算科").values())[1:]) == {"withheld"}
    assert row_of(sections, "区财政局 · 国库科")["人数"] == 7
    settings.JISHI_MIN_GROUP_SIZE = 7
    reports._kept.clear()
    report = build("staffing", world.org.secretary)
    sections = table(report, "section")
    # Now 国库科 (7) is the only section big enough; 13 - 7 = 6 people would be 本级 and 预算科 together, fewer than
    # the minimum of 7: 国库科 is withheld too, and no section row can be subtracted from the department's.
    assert set(list(row_of(sections, "区财政局 · 国库科").values())[1:]) == {"withheld"}
