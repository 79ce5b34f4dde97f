"""Dashboards' figures on a small hand-built world, through the store as the pages read it (store.rebuild, DuckDB).

Two weeks, Monday 2 to Friday 13 November 2026, with Wednesday the 4th a holiday: nine working days. In 预算科:
  - 张伟 (author) records 09:00–10:00 会议 every working day but the last: owes 9, files 8;
  - 李娜 (colleague) is on leave on the 5th and 6th, records 09:00–11:00 办文 on the 2nd and 3rd only: owes 7, files 2;
  - 刘洋 (section head) records 14:00–17:00 调研 every working day, 09:00–10:00 调研 on the holiday and 19:00–20:00
    会议 on the 9th: owes 9, files 9.
So 预算科 owes 25 days and files 19 (76.0%), 10 of 10 in the first week and 9 of 15 in the second; it records 41 hours
(会议 9, 办文 4, 调研 28) by 3 filers over 9 working days: 1.52 hours per head a working day; the evening and the
holiday hour are 60 of 2,460 minutes each (2.4%).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jishi.insights import dashboards, periods
from jishi.insights.dashboards import Period, Subject
from jishi.org.models import Absence, AbsenceKind, CalendarOverride, UnitKind
from jishi.records.models import Visibility
from jishi.testing import Org, PersonFactory, build_org, category, make_post, make_unit, write_record

pytestmark = pytest.mark.django_db

MON = datetime.date(2026, 11, 2)
HOLIDAY = datetime.date(2026, 11, 4)
END = datetime.date(2026, 11, 13)
PERIOD = Period(MON, END)
WORKING = [MON + datetime.timedelta(days=n) for n in range(12) if n not in (2, 5, 6)]
T = datetime.time


def day(n: int) -> datetime.date:
    return datetime.date(2026, 11, n)


def rebuild() -> None:
    from jishi.insights import store

    store.rebuild()


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_LATE_ENTRY_DAYS = 100_000  # the world is written after its dates
    settings.JISHI_MIN_GROUP_SIZE = 2
    org = build_org()
    CalendarOverride.objects.create(date=HOLIDAY, is_working_day=False, name="测试假日")
    Absence.objects.create(person=org.colleague, kind=AbsenceKind.LEAVE, start=day(5), end=day(6))
    budget_work = "审核教育局年中预算追加申请，建议先调剂再追加"
    for d in WORKING[:-1]:
        write_record(org.author, date=d, content=budget_work)
    for d in (day(2), day(3)):
        write_record(
            org.colleague,
            date=d,
            category_id=category("documents").pk,
            start_time=T(9),
            end_time=T(11),
            content=budget_work,
        )
    research = category("research").pk
    for d in WORKING:
        write_record(
            org.section_head, date=d, category_id=research, start_time=T(14), end_time=T(17), content=budget_work
        )
    write_record(org.section_head, date=HOLIDAY, category_id=research, content=budget_work)
    write_record(org.section_head, date=day(9), start_time=T(19), end_time=T(20), content=budget_work)
    return org


def finance(org: Org) -> Subject:
    return Subject("unit", org.finance.name, org.finance, (org.finance.pk,))


def row(rows: list[dict[str, Any]], unit_id: int) -> dict[str, Any]:
    return next(r for r in rows if r["unit_id"] == unit_id)


def test_filing_rate_counts_owed_days_from_the_calendar_without_the_holiday_and_the_leave(world: Org) -> None:
    rebuild()
    figs = dashboards.figures(finance(world), PERIOD)
    budget = row(figs["filing"]["rows"], world.budget.pk)
    assert (budget["owed"], budget["filed"], budget["rate"], budget["people"]) == (25, 19, 76.0, 3)
    assert [w["rate"] for w in budget["weeks"]] == [100.0, 60.0]
    assert budget["weeks"][1]["link"].endswith(f"start=2026-11-09&end=2026-11-13&unit={world.budget.pk}")
    # 国库科 has one person: fewer than the minimum, no numbers; and 财政局's own leaders (who owe their days and filed
    # none) are withheld with it, else the totals minus 预算科 would give 国库科's figures.
    treasury = row(figs["filing"]["rows"], world.treasury.pk)
    assert treasury["hidden"] and "rate" not in treasury and "owed" not in treasury
    own = row(figs["filing"]["rows"], world.finance.pk)
    assert own["name"].endswith("（本级）") and own["hidden"] and "owed" not in own
    assert figs["filing"]["owed"] > 27 + 25  # the totals count everyone: 本级 27, 预算科 25 and 国库科's days


def test_hours_by_category_over_time_and_per_head(world: Org) -> None:
    rebuild()
    figs = dashboards.figures(finance(world), PERIOD)
    hours = {c["name"]: c["hours"] for c in figs["categories"]}
    assert hours == {"调研": 28.0, "会议": 9.0, "办文": 4.0}
    assert [c["name"] for c in figs["categories"]] == ["调研", "会议", "办文"]  # the most time first
    assert [(v["week"], v["records"], v["hours"]) for v in figs["volume"]] == [
        ("2026-11-02", 11, 4 + 4 + 12 + 1.0),
        ("2026-11-09", 10, 4 + 15 + 1.0),
    ]
    budget = row(figs["workload"], world.budget.pk)
    assert (budget["people"], budget["records"], budget["hours"]) == (3, 21, 41.0)
    assert budget["per_head"] == round(41 / 3 / 9, 2)
    assert budget["evening_share"] == 2.4 and budget["weekend_share"] == 2.4
    assert figs["period"]["working_days"] == 9
    category_link = next(c["link"] for c in figs["categories"] if c["name"] == "办文")
    assert f"category={category('documents').pk}" in category_link


def test_a_unit_of_fewer_people_than_the_minimum_shows_no_number(world: Org, settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 8  # 财政局 has 7 people who owe days: 3 of its own, 3 in 预算科, 1 in 国库科
    rebuild()
    figs = dashboards.figures(finance(world), PERIOD)
    for table in ("filing", "workload", "tasks", "duties"):
        rows = figs[table]["rows"] if table == "filing" else figs[table]
        for r in rows:
            assert r["hidden"], (table, r["name"])
            assert not {"rate", "hours", "per_head", "overdue", "weeks"} & set(r), (table, r)
    assert figs["hidden"] and figs["categories"] == [] and figs["topics"] == []
    assert figs["people"] is None


def test_the_towns_side_by_side(world: Org) -> None:
    anting = make_unit("安亭镇", UnitKind.TOWN, world.root, "AT")
    people = {
        world.town: [PersonFactory(), PersonFactory()],
        anting: [PersonFactory(), PersonFactory(), PersonFactory()],
    }
    for town, members in people.items():
        for person in members:
            make_post(person, town)
    for person in people[world.town]:
        for d in WORKING:
            write_record(person, date=d, content="走访困难群众，落实临时救助资金发放")
    write_record(people[anting][0], date=MON, start_time=T(8), end_time=T(12), content="排查燃气安全隐患，督促商户整改")
    rebuild()
    subject = dashboards.subject_for(world.secretary)
    assert subject is not None and subject.kind == "all"
    towns = {t["name"]: t for t in dashboards.figures(subject, PERIOD)["towns"]}
    assert set(towns) == {"马陆镇", "安亭镇"}
    assert towns["马陆镇"]["rate"] == 100.0 and towns["马陆镇"]["per_head"] == 1.0
    assert towns["安亭镇"]["rate"] == round(100 / 27, 1) and towns["安亭镇"]["per_head"] == round(4 / 3 / 9, 2)
    assert towns["安亭镇"]["evening_share"] == 0.0


def test_topics_rise_against_their_baseline_and_never_from_restricted_text(world: Org) -> None:
    # 预算 was written six times a week in the baseline, more than this week's ten (those of 预算科) need to rise; 防汛
    # appears this week only; 燃气 this week too, but only in records for superiors or marked sensitive: a topic never
    # comes from text that not everyone may read.
    for weeks_back in range(1, 9):
        for n in range(6):
            date = END - datetime.timedelta(weeks=weeks_back, days=n)
            write_record(world.unrelated, date=date, content="审核教育局年中预算追加申请")
    for d in (day(9), day(10), day(11), day(12)):
        write_record(world.unrelated, date=d, content="组织防汛物资检查，核对沙袋和水泵数量")
        write_record(
            world.unrelated,
            date=d,
            start_time=T(10),
            end_time=T(11),
            content="排查燃气安全隐患，督促商户整改",
            visibility=Visibility.SUPERIORS,
        )
        write_record(world.sibling, date=d, content="排查燃气安全隐患，督促商户整改", is_sensitive=True)
    rebuild()
    subject = dashboards.subject_for(world.secretary)
    assert subject is not None
    topics = {t["term"]: t for t in dashboards.figures(subject, PERIOD)["topics"]}
    assert "防汛" in topics and topics["防汛"]["week"] == 4 and topics["防汛"]["new"]
    assert "燃气" not in topics and "安全隐患" not in topics
    assert "预算" not in topics  # 10 this week against 59 in eight weeks before: as usual
    assert "q=%E9%98%B2%E6%B1%9B" in topics["防汛"]["link"]


def test_a_repeat_is_served_from_the_cache_until_the_store_changes(world: Org, monkeypatch: Any) -> None:
    rebuild()
    first = dashboards.figures(finance(world), PERIOD)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(dashboards, "compute", fail)
    assert dashboards.figures(finance(world), PERIOD) == first


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01"}, "不是有效日期"),
        ({"end": "昨天"}, "不是有效日期"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "不能晚于"),
        ({"start": "2020-01-01", "end": "2026-11-01"}, "最长"),
        ({"end": "2999-01-01"}, "不能晚于今天"),
    ],
)
def test_bad_periods_are_refused_in_chinese(params: dict[str, str], message: str) -> None:
    with pytest.raises(periods.PeriodError, match=message):
        periods.parse_period(params, today=datetime.date(2026, 12, 6))


def test_the_default_period_is_the_last_four_complete_weeks_ending_yesterday() -> None:
    period = periods.parse_period({}, today=datetime.date(2026, 12, 6))
    assert (period.start, period.end) == (datetime.date(2026, 11, 8), datetime.date(2026, 12, 5))


def test_totals_leave_out_a_hidden_row_so_no_difference_gives_it_away(world: Org, settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 3  # 财政局（本级） 3 people and 预算科 3 are shown; 国库科 (王芳 alone) is not
    write_record(world.sibling, date=day(10), start_time=T(8), end_time=T(12), content="核对国库集中支付数据")
    rebuild()
    figs = dashboards.figures(finance(world), PERIOD)
    assert row(figs["filing"]["rows"], world.treasury.pk)["hidden"]
    # 王芳 alone is too few: a second row is withheld with 国库科, so the rows hidden together are 4 people, and the
    # totals count everyone — the same figures as 财政局's row on the jurisdiction's dashboard. (Totals without
    # 国库科 here, beside 财政局's whole row there, gave 王芳's hours by subtraction.)
    shown = [r for r in figs["workload"] if not r["hidden"]]
    assert len(shown) == 1 and shown[0]["people"] == 3
    whole = Subject("all", world.root.name, world.root, ())
    top = row(dashboards.figures(whole, PERIOD)["workload"], world.finance.pk)
    assert figs["people"] == top["people"] == 7
    assert sum(v["records"] for v in figs["volume"]) == top["records"] == 22
    assert round(sum(v["hours"] for v in figs["volume"]), 1) == top["hours"]
    assert figs["filing"]["owed"] == row(dashboards.figures(whole, PERIOD)["filing"]["rows"], world.finance.pk)["owed"]
