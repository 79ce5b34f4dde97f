"""The manager's day (今天 of a section or unit head): its figures, who sees which names, and the 提醒 button."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from jishi.insights import dashboards
from jishi.insights.managers_day import build, previous_working_day
from jishi.notifications.models import Kind, Notification
from jishi.org.calendar import local_today
from jishi.org.models import Absence, AbsenceKind, CalendarOverride, Person
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2025, 10, 13)  # an ordinary working day
WEDNESDAY = MONDAY + datetime.timedelta(days=2)


@pytest.fixture
def world(org: Org, settings: Any, tmp_path: Any) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_MIN_GROUP_SIZE = 2
    settings.JISHI_LATE_ENTRY_DAYS = 10_000
    return org


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def day_of(person: Person, day: datetime.date, today: datetime.date) -> Any:
    subject = dashboards.subject_for(person)
    assert subject is not None
    return build(person, subject, day, today)


def names(m: Any) -> dict[str, set[str]]:
    return {g.name: {p.name for p in g.people} for g in m.groups}


def test_a_section_heads_figures_for_the_day_and_the_week(world: Org) -> None:
    # 预算科 owes three records a day: 张伟, 李娜 and the head 刘洋 himself.
    for day in (MONDAY, MONDAY + datetime.timedelta(days=1), WEDNESDAY):
        write_record(world.author, date=day)
    write_record(world.colleague, date=MONDAY)
    m = day_of(world.section_head, WEDNESDAY, WEDNESDAY)
    assert (m.today_rate.filed, m.today_rate.owed, m.today_rate.percent) == (1, 3, 33)
    assert (m.week_rate.filed, m.week_rate.owed, m.week_rate.percent) == (4, 9, 44)
    assert m.unfiled == 2 and not m.grouped
    assert [p.name for p in m.groups[0].people] == ["李娜", "刘洋"]
    assert m.records_count == 1 and m.records[0].author == world.author


def test_holidays_and_absences_are_not_owed(world: Org) -> None:
    Absence.objects.create(person=world.colleague, kind=AbsenceKind.LEAVE, start=MONDAY, end=WEDNESDAY)
    CalendarOverride.objects.create(date=MONDAY + datetime.timedelta(days=1), is_working_day=False)
    write_record(world.author, date=MONDAY)
    m = day_of(world.section_head, MONDAY, WEDNESDAY)
    assert [p.name for g in m.groups for p in g.people] == ["刘洋"]  # 李娜 is on leave
    # The week: Monday and Wednesday (Tuesday a holiday), two people owing each day (李娜 on leave).
    assert (m.week_rate.filed, m.week_rate.owed) == (1, 4)
    holiday = day_of(world.section_head, MONDAY + datetime.timedelta(days=1), WEDNESDAY)
    assert holiday.groups == [] and holiday.unfiled == 0


def test_a_rate_about_too_few_people_is_not_shown(world: Org, settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 5
    m = day_of(world.section_head, MONDAY, MONDAY)
    assert m.today_rate.hidden and m.today_rate.percent is None
    assert m.unfiled == 3  # the names stay: a superior sees who has not filed


def test_a_unit_head_sees_names_grouped_by_section_and_a_leader_by_unit(world: Org) -> None:
    unit_head = day_of(world.unit_head, MONDAY, MONDAY)
    assert unit_head.grouped
    assert names(unit_head) == {
        "本级": {"陈静", "杨磊", "赵强"},
        "预算科": {"李娜", "刘洋", "张伟"},
        "国库科": {"王芳"},
    }
    budget = next(g for g in unit_head.groups if g.name == "预算科")
    assert budget.href == f"/insights/today/?unit={world.budget.pk}&day=2025-10-13"  # the row links down
    leader = day_of(world.secretary, MONDAY, MONDAY)
    counts = {g.name: g.count for g in leader.groups}
    assert counts["区财政局"] == 7 and counts["区民政局"] == 6 and counts["本级"] == 3
    assert "马陆镇" not in counts  # the village's social worker may file but owes nothing
    assert leader.groups[0].name == "区财政局"  # the most names first


def test_remind_buttons_only_for_people_one_may_remind(world: Org) -> None:
    deputy = day_of(world.district_deputy, MONDAY, MONDAY)  # 分管财政局; reads who has not filed everywhere
    can = {p.name: p.can_remind for g in deputy.groups for p in g.people}
    assert can["张伟"] and not can["徐丽"]  # 民政局 is not in their charge


def test_open_inquiries_and_tasks_due_in_the_unit(world: Org) -> None:
    from jishi.supervision.services import inquiry_ask

    record = write_record(world.author, date=MONDAY)
    inquiry_ask(actor=world.unit_head, record=record, question="请说明预算调整依据", due_on=local_today())
    m = day_of(world.section_head, MONDAY, MONDAY)
    assert m.inquiries_count == 1 and m.inquiries[0].question == "请说明预算调整依据"
    other = day_of(world.civil_head, MONDAY, MONDAY)
    assert other.inquiries_count == 0


# The page --------------------------------------------------------------------------------------------------------


def last_working_day() -> datetime.date:
    return previous_working_day(local_today()) or local_today()


def test_the_page_shows_a_section_head_only_their_sections_names(world: Org) -> None:
    day = last_working_day()
    text = client_for(world.section_head).get(f"/insights/today/?day={day.isoformat()}").content.decode()
    assert "李娜" in text and "张伟" in text and "提醒" in text
    assert "王芳" not in text and "徐丽" not in text


def test_a_district_leaders_page_is_grouped_not_a_block_of_names(world: Org) -> None:
    text = client_for(world.secretary).get("/insights/today/").content.decode()
    assert text.count("<details") >= 3 and "区民政局" in text and "进入该单位" in text


@pytest.mark.parametrize("name", ["author", "colleague", "admin"])
def test_staff_get_no_managers_day(world: Org, name: str) -> None:
    assert client_for(getattr(world, name)).get("/insights/today/").status_code == 404


def test_bad_input_is_never_a_500(world: Org) -> None:
    client = client_for(world.section_head)
    assert client.get(f"/insights/today/?unit={world.treasury.pk}").status_code == 404
    assert client.get("/insights/today/?unit=abc").status_code == 404
    response = client.get("/insights/today/?day=2025-13-45", follow=True)
    assert response.status_code == 200 and "日期无效" in response.content.decode()
    assert client.get("/insights/today/remind/").status_code == 405
    assert client.post("/insights/today/remind/", {"person": "x", "day": "y"}).status_code == 302
    response = client.post("/insights/today/remind/", {"person": "1", "day": "y"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "提醒参数无效" in response.content.decode()
    assert client.post("/insights/today/remind/", {"person": "999999", "day": last_working_day()}).status_code == 404


def test_one_tap_reminds_then_says_reminded(world: Org) -> None:
    client = client_for(world.section_head)
    day = last_working_day().isoformat()
    data = {"person": world.colleague.pk, "day": day, "unit": ""}
    first = client.post("/insights/today/remind/", data, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "已提醒" in first.content.decode()
    again = client.post("/insights/today/remind/", data, HTTP_HX_REQUEST="true")
    assert "已提醒过李娜" in again.content.decode()
    assert Notification.objects.filter(recipient=world.colleague, kind=Kind.REMINDER).count() == 1
    page = client.get(f"/insights/today/?day={day}").content.decode()
    assert "已提醒" in page
    outside = client.post("/insights/today/remind/", {**data, "person": world.sibling.pk}, HTTP_HX_REQUEST="true")
    assert outside.status_code == 404


def test_the_page_in_english(world: Org) -> None:
    client = client_for(world.section_head)
    client.cookies["django_language"] = "en"
    text = client.get(f"/insights/today/?day={last_working_day().isoformat()}").content.decode()
    assert "Not filed on" in text and "Remind 李娜" in text and "Filed this week" in text


def test_a_district_leaders_page_costs_a_bounded_number_of_queries(
    world: Org, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.secretary)
    client.get("/insights/today/")  # the worker's caches (who owes, the calendar) warm
    with django_assert_max_num_queries(25):
        assert client.get("/insights/today/").status_code == 200


def test_a_deputy_in_charge_of_two_sections_sees_each_as_a_group(world: Org) -> None:
    from jishi.org.models import Leadership
    from jishi.testing import PersonFactory, make_post

    deputy = PersonFactory(full_name="钱进", username="two_sections")
    make_post(
        deputy, world.finance, title="副局长", leadership=Leadership.DEPUTY, in_charge_of=[world.budget, world.treasury]
    )
    m = day_of(deputy, MONDAY, MONDAY)
    assert m.subject.kind == "charge"
    assert names(m) == {"预算科": {"李娜", "刘洋", "张伟"}, "国库科": {"王芳"}}
    assert all(p.can_remind for g in m.groups for p in g.people)
