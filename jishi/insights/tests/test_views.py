"""The dashboard pages, their drill-down, the API and the home page: who gets what, and no input gives a 500."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from jishi.org.models import Person
from jishi.records.models import Visibility
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


@pytest.fixture
def world(org: Org, settings: Any, tmp_path: Any) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_MIN_GROUP_SIZE = 2
    return org


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


# Who gets a dashboard: group scope (insights.rules) — the jurisdiction, a unit head's unit, a leader's units.
SEES = {
    "secretary": "嘉定区",  # 区委书记: the jurisdiction
    "district_deputy": "嘉定区",  # a district leader: the jurisdiction too (jurisdiction leaders read it all)
    "unit_head": "区财政局",
    "deputy_in_charge": "预算科",  # 分管预算科
    "section_head": "预算科",
    "inspector": "嘉定区",
    "hr": "嘉定区",
    "scoped_inspector": "区民政局",
}
SEES_NOTHING = ["author", "colleague", "sibling", "unrelated", "admin", "social_worker"]


@pytest.mark.parametrize(("name", "title"), SEES.items())
def test_readers_with_a_scope_get_their_dashboard(world: Org, name: str, title: str) -> None:
    response = client_for(getattr(world, name)).get("/insights/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{title} · 看板" in text and "数据截至" in text


@pytest.mark.parametrize("name", SEES_NOTHING)
def test_staff_without_a_scope_get_a_404_everywhere(world: Org, name: str) -> None:
    client = client_for(getattr(world, name))
    for path in (
        "/insights/",
        f"/insights/units/{world.budget.pk}/",
        "/insights/records/",
        "/api/v1/insights/dashboard",
    ):
        assert client.get(path).status_code == 404, path
    assert "看板" not in client.get("/?entry=1").content.decode()  # no menu entry either


def test_a_unit_outside_the_scope_is_a_404_like_a_missing_one(world: Org) -> None:
    client = client_for(world.deputy_in_charge)  # 分管预算科, not 国库科
    assert client.get(f"/insights/units/{world.budget.pk}/").status_code == 200
    assert client.get(f"/insights/units/{world.treasury.pk}/").status_code == 404
    assert client.get("/insights/units/999999/").status_code == 404
    assert client.get(f"/insights/records/?unit={world.treasury.pk}").status_code == 404
    assert client.get("/insights/records/").status_code == 404  # the jurisdiction is not theirs


def test_the_dashboard_draws_every_figure_with_a_table_and_its_chart_data(world: Org) -> None:
    write_record(world.author, date=YESTERDAY)
    write_record(world.colleague, date=YESTERDAY)
    response = client_for(world.unit_head).get("/insights/")
    text = response.content.decode()
    for heading in (
        "记实率（按单位、按周）",
        "记实条数与工时（按周）",
        "工作类别用时",
        "人均工作量",
        "职责覆盖（按周）",
    ):
        assert heading in text
    for chart in ("filing", "volume", "categories", "workload", "duties", "tasks", "supervision", "topics"):
        assert f'<script id="chart-{chart}" type="application/json">' in text
    assert "<table" in text and "echarts.min.js" in text and "charts.js" in text
    assert "style=" not in text  # the Content-Security-Policy allows no inline style
    budget = next(r for r in response.context["figs"]["filing"]["rows"] if r["unit_id"] == world.budget.pk)
    assert budget["people"] == 3 and budget["rate"] is not None
    assert sum(v["records"] for v in response.context["figs"]["volume"]) == 2
    assert "少于 2 人，不显示" in text  # 国库科: one person
    # Tasks and supervision lead to their own apps' lists, which apply their own rules.
    assert f"/tasks/?unit={world.budget.pk}&amp;rel=owned" in text
    assert f"/supervision/overview/units/{world.finance.pk}/?date_from=" in text


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-02-30",
        "end=x",
        "start=2026-11-10&end=2026-11-01",
        "start=2000-01-01",
        "end=2999-12-31",
        "start=%00",
    ],
)
def test_bad_periods_give_a_chinese_error_never_a_500(world: Org, query: str) -> None:
    client = client_for(world.unit_head)
    for path in ("/insights/", f"/insights/units/{world.budget.pk}/", f"/insights/records/?unit={world.budget.pk}&"):
        glue = "" if path.endswith("&") else "?"
        response = client.get(f"{path}{glue}{query}")
        assert response.status_code == 400, path
        assert any(word in response.content.decode() for word in ("日期", "天")), path
    api = client.get(f"/api/v1/insights/dashboard?{query}")
    assert api.status_code == 422 and ("日期" in api.json()["detail"] or "天" in api.json()["detail"])


@pytest.mark.parametrize("query", ["unit=abc", "unit=-1", "category=x", "duty=1.5", "unit=99999999999999999999"])
def test_bad_drill_down_parameters_give_a_chinese_error_or_a_404(world: Org, query: str) -> None:
    response = client_for(world.secretary).get(f"/insights/records/?{query}")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "参数无效" in response.content.decode()


def test_the_drill_down_lists_only_visible_records_and_says_how_many_it_hides(world: Org) -> None:
    # 副区长黄敏 is a jurisdiction leader: every figure, but 民政局's records "仅上级" are not hers to read.
    write_record(world.unrelated, date=YESTERDAY, content="走访困难群众，落实临时救助资金发放")
    write_record(
        world.unrelated,
        date=YESTERDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        content="核查低保对象家庭收入，形成处理意见",
        visibility=Visibility.SUPERIORS,
    )
    client = client_for(world.district_deputy)
    day = YESTERDAY.isoformat()
    url = f"/insights/records/?unit={world.civil.pk}&start={day}&end={day}"
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 200
    assert "走访困难群众" in text and "核查低保对象" not in text
    # One author that day: a count of what she does not see would tell that this person filed a 仅上级 record.
    assert response.context["visible"] == 1 and response.context["hidden"] is None
    assert "不向你显示" not in text
    write_record(world.civil_head, date=YESTERDAY)  # 民政局 局长, a second author that day
    response = client.get(url)
    assert response.context["visible"] == 2 and response.context["hidden"] == 1  # two authors: the count is shown
    assert "另有 1 条计入了看板数字，但按可见范围不向你显示" in response.content.decode()
    # Their superior sees both, and nothing is hidden from them.
    head = client_for(world.civil_head).get(f"/insights/records/?unit={world.civil.pk}&start={day}&end={day}")
    assert "核查低保对象" in head.content.decode() and head.context["hidden"] == 0


def test_the_api_returns_the_dashboards_figures(world: Org) -> None:
    write_record(world.author, date=YESTERDAY)
    client = client_for(world.unit_head)
    answer = client.get(f"/api/v1/insights/dashboard?unit={world.finance.pk}")
    assert answer.status_code == 200
    figs = answer.json()
    assert figs["subject"] == {"kind": "unit", "title": "区财政局", "unit_id": world.finance.pk}
    assert {"filing", "volume", "categories", "workload", "towns", "duties", "tasks", "supervision", "topics"} <= set(
        figs
    )
    page = client.get(f"/insights/units/{world.finance.pk}/").context["figs"]
    assert figs["filing"] == page["filing"] and figs["workload"] == page["workload"]
    assert client.get(f"/api/v1/insights/dashboard?unit={world.civil.pk}").status_code == 404
    assert client.get("/api/v1/insights/dashboard?unit=abc").status_code == 422


def test_a_leaders_home_opens_on_the_dashboard_and_the_entry_form_stays_one_tap_away(world: Org) -> None:
    client = client_for(world.district_deputy)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/insights/"
    dashboard = client.get("/insights/").content.decode()
    assert 'href="/?entry=1"' in dashboard  # 记录
    assert "看板" in client.get("/?entry=1").content.decode()  # the menu entry
    assert client.get("/?entry=1").status_code == 200
    assert client.get("/").status_code == 200  # once a sign-in: then 今天 is the entry form again


@pytest.mark.parametrize(
    ("name", "home"),
    [("unit_head", "/insights/today/"), ("section_head", "/insights/today/"), ("secretary", "/insights/")],
)
def test_unit_heads_land_on_their_day_and_leaders_on_their_dashboard(world: Org, name: str, home: str) -> None:
    assert client_for(getattr(world, name)).get("/")["Location"] == home  # managers_day: the dashboard a tap away


@pytest.mark.parametrize("name", ["author", "inspector", "hr"])
def test_staff_and_scoped_roles_keep_the_entry_form_as_their_home(world: Org, name: str) -> None:
    response = client_for(getattr(world, name)).get("/")
    assert response.status_code == 200 and 'id="entry-form"' in response.content.decode()


def test_a_leader_in_charge_of_several_units_sees_them_side_by_side_and_their_records(world: Org) -> None:
    from jishi.org.models import Leadership
    from jishi.testing import PersonFactory, make_post

    deputy = PersonFactory(full_name="钱多", username="two_sections")
    make_post(
        deputy, world.finance, title="副局长", leadership=Leadership.DEPUTY, in_charge_of=[world.budget, world.treasury]
    )
    write_record(world.author, date=YESTERDAY)
    write_record(world.sibling, date=YESTERDAY)
    client = client_for(deputy)
    response = client.get("/insights/")
    figs = response.context["figs"]
    assert figs["subject"]["kind"] == "charge" and "分管单位 · 看板" in response.content.decode()
    assert sorted(r["name"] for r in figs["workload"]) == ["国库科", "预算科"]  # in the tree's order
    link = next(c["link"] for c in figs["categories"])
    assert "unit=" in link and "%2C" in link  # both units: "3,4"
    records = client.get(link)
    assert records.status_code == 200 and records.context["visible"] == 2
    assert {u.name for u in records.context["units"]} == {"预算科", "国库科"}
    assert client.get(f"/insights/records/?unit={world.budget.pk},{world.civil.pk}").status_code == 404


def test_a_topic_leads_to_the_records_with_its_word(world: Org) -> None:
    write_record(world.unrelated, date=YESTERDAY, content="组织防汛物资检查，核对沙袋和水泵数量")
    write_record(
        world.unrelated,
        date=YESTERDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        content="走访困难群众，落实临时救助资金发放",
    )
    day = YESTERDAY.isoformat()
    response = client_for(world.civil_head).get(
        f"/insights/records/?unit={world.civil.pk}&start={day}&end={day}&q=防汛"
    )
    text = response.content.decode()
    assert response.status_code == 200 and "防汛物资" in text and "困难群众" not in text
    assert response.context["hidden"] is None  # a word is matched only in what the reader may read: no count of others
    assert "含“防汛”" in text
