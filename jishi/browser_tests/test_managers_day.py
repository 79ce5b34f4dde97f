"""A section head's morning on a phone (390×844): lands on who has not filed, taps 提醒 once, sees 已提醒; the clerk
finds the reminder in their inbox. Under the Content-Security-Policy, every target at least 44 px."""

from __future__ import annotations

from typing import Any

import pytest

from jishi.browser_tests.conftest import ARTIFACTS, shot
from jishi.browser_tests.test_content_security_policy import LISTEN, Watch
from jishi.insights.managers_day import previous_working_day
from jishi.org.calendar import local_today
from jishi.testing import Org, build_org, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db: Any, settings: Any, tmp_path: Any) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_MIN_GROUP_SIZE = 2
    org = build_org()
    day = previous_working_day(local_today())
    assert day is not None
    write_record(org.author, date=day, content="审核教育局年中预算追加申请，建议先调剂再追加")
    return org


def log_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")


def test_a_section_head_reminds_who_has_not_filed(live_server: Any, phone: Any, browser: Any, world: Org) -> None:
    phone.context.add_init_script(LISTEN)
    watched = Watch(phone)
    server = live_server.url
    log_in(phone, server, "section_head")
    phone.wait_for_url(f"{server}/insights/today/")  # a section head's home is their day, not the entry form
    assert "预算科 · 今天" in phone.locator("h1").inner_text()
    unfiled = phone.locator("#unfiled")
    text = unfiled.inner_text()
    assert "李娜" in text and "张伟" not in text  # 张伟 filed
    assert "王芳" not in text  # 国库科 is not this head's section
    row = unfiled.locator("li", has_text="李娜")
    button = row.get_by_role("button", name="提醒李娜")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(ARTIFACTS / "managers-day-phone-top.png"))  # what the phone shows first
    button.click()
    row.locator(".reminded").wait_for()
    assert row.locator(".reminded").inner_text() == "已提醒"
    assert row.get_by_role("button").count() == 0  # one tap, then no second
    shot(phone, "managers-day-phone")
    phone.reload()  # the page remembers
    assert phone.locator("#unfiled li", has_text="李娜").locator(".reminded").inner_text() == "已提醒"
    phone.locator(".dash-actions a", has_text="看板").click()  # the dashboard, one tap away
    phone.wait_for_url(f"{server}/insights/units/{world.budget.pk}/")
    watched.assert_clean("the manager's day")

    clerk = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = clerk.new_page()
    log_in(page, server, "colleague")
    page.wait_for_url(f"{server}/")
    page.goto(f"{server}/inbox/")
    inbox = page.locator("main").inner_text()
    assert "刘洋 提醒您" in inbox and "的工作记实还没有填写" in inbox
    shot(page, "managers-day-clerk-inbox")
    clerk.close()


def test_a_district_leader_sees_unfiled_names_grouped_by_unit(live_server: Any, phone: Any, world: Org) -> None:
    server = live_server.url
    log_in(phone, server, "secretary")
    phone.wait_for_url(f"{server}/insights/")  # a jurisdiction leader's home stays the dashboard (issue 15)
    phone.locator(".dash-actions a", has_text="今天").click()  # the day, one tap away
    phone.wait_for_url(f"{server}/insights/today/")
    groups = phone.locator(".unfiled-groups > li")
    assert groups.count() >= 3  # 区财政局, 区民政局, 本级: groups with counts, never one block of names
    finance = phone.locator(".unfiled-groups > li", has_text="区财政局")
    assert "6 人" in finance.locator("summary").inner_text()  # 7 owe, 张伟 filed
    assert finance.locator("summary").bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "managers-day-leader")
    finance.locator("a.down").click()  # the unit row links down
    phone.wait_for_url(f"**/insights/today/?unit={world.finance.pk}**")
    assert "区财政局 · 今天" in phone.locator("h1").inner_text()
    assert phone.locator(".unfiled-groups summary", has_text="预算科").count() == 1
