"""A district leader's dashboard on a phone: lands on it after signing in, switches a chart to its table, taps a figure
to the records behind it — all under the Content-Security-Policy (ECharts from Jishi's own static files)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jishi.browser_tests.conftest import ARTIFACTS, shot
from jishi.browser_tests.test_content_security_policy import LISTEN, Watch
from jishi.org.calendar import local_today, working_days
from jishi.testing import Org, build_org, category, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db: Any, settings: Any, tmp_path: Any) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_MIN_GROUP_SIZE = 2
    settings.JISHI_LATE_ENTRY_DAYS = 100
    org = build_org()
    today = local_today()
    days = working_days(today - datetime.timedelta(days=28), today - datetime.timedelta(days=1))
    research = category("research").pk
    for n, day in enumerate(days):
        write_record(org.author, date=day, content="审核教育局年中预算追加申请，建议先调剂再追加")
        if n % 2:
            write_record(org.colleague, date=day, category_id=research, content="组织防汛物资检查，核对沙袋和水泵数量")
        if n % 3:
            write_record(org.unrelated, date=day, content="走访困难群众，落实临时救助资金发放")
    return org


def test_a_district_leader_reads_the_dashboard_on_a_phone(live_server: Any, phone: Any, world: Org) -> None:
    phone.context.add_init_script(LISTEN)
    watched = Watch(phone)
    server = live_server.url
    phone.goto(f"{server}/login/")
    phone.fill("#id_username", "secretary")
    phone.fill("#id_password", "pw")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{server}/insights/")  # the home of a leader is their dashboard
    assert "嘉定区 · 看板" in phone.locator("h1").inner_text()
    assert "数据截至" in phone.locator(".as-of").inner_text()
    phone.wait_for_selector("#fig-filing.has-chart canvas")
    filing = phone.locator("#fig-filing")
    assert filing.locator(".chart").is_visible() and not filing.locator(".figure-table").is_visible()
    box = filing.locator("[data-show=table]").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a tap target
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(phone, "dashboard-phone")
    phone.screenshot(path=str(ARTIFACTS / "dashboard-phone-top.png"))  # what the phone shows first
    watched.assert_clean("the dashboard")

    # 图 → 表: the same figure as a table, readable as text.
    filing.locator("[data-show=table]").click()
    assert filing.locator(".figure-table").is_visible() and not filing.locator(".chart").is_visible()
    assert filing.locator("[data-show=table]").get_attribute("aria-pressed") == "true"
    assert "预算科" not in filing.locator(".figure-table").inner_text()  # the jurisdiction's rows are its bureaus
    assert "区财政局" in filing.locator(".figure-table").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "dashboard-phone-table")

    # A figure leads to its records: 区民政局's hours in the workload table.
    workload = phone.locator("#fig-workload")
    workload.locator("[data-show=table]").click()
    workload.locator("tr", has_text="区民政局").locator("a").first.click()
    phone.wait_for_url("**/insights/records/**")
    assert "走访困难群众" in phone.locator(".records").inner_text()
    assert "预算追加" not in phone.locator(".records").inner_text()
    assert "你可查看其中" in phone.locator(".drill-note").inner_text()
    shot(phone, "dashboard-phone-records")
    watched.assert_clean("the drill-down")

    # Tapping a chart opens the records behind it: the middle of the first bar of time by category.
    phone.go_back()
    phone.wait_for_selector("#fig-categories.has-chart canvas")
    chart = phone.locator("#fig-categories .chart")
    chart.scroll_into_view_if_needed()
    x, y = chart.evaluate(
        """el => {
          const chart = echarts.getInstanceByDom(el);
          const first = chart.getOption().series[0].data[0];
          return chart.convertToPixel({seriesIndex: 0}, [first / 2, 0]);
        }"""
    )
    box = chart.bounding_box()
    phone.mouse.click(box["x"] + x, box["y"] + y)
    phone.wait_for_url("**/insights/records/**category=**")
    assert "条记实" in phone.locator(".drill-note").inner_text()
    watched.assert_clean("a chart tapped")
