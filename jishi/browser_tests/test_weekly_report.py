"""周报 on a phone (390×844): a clerk opens 周报, finds it drafted from the week's records by duty, writes only the
plan and submits (one edit); their section head finds it among their people's reports. Under the
Content-Security-Policy, every target at least 44 px, nothing wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from jishi.browser_tests.conftest import ARTIFACTS, shot
from jishi.browser_tests.test_content_security_policy import LISTEN, Watch
from jishi.org.models import Duty
from jishi.summaries.services import period_containing, summary_submit
from jishi.testing import Org, build_org, category, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_TARGETS = """() => [...document.querySelectorAll('main a, main button, main textarea, main summary')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim().slice(0, 20) || e.id, e.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([name, r]) => `${name} ${Math.round(r.width)}×${Math.round(r.height)}`)"""


@pytest.fixture
def world(transactional_db: Any) -> Org:
    org = build_org()
    duty = Duty.objects.get(code="CZJ-01")
    monday, today = period_containing("week", timezone.localdate()).start, timezone.localdate()
    write_record(
        org.author,
        date=monday,
        duty_id=duty.pk,
        content="审核区教育局追加预算申请三项，核减不合理支出。另与对方沟通了细节",
        result="核减120万元，已反馈教育局",
        start_time=timezone.datetime(2000, 1, 1, 9).time(),
        end_time=timezone.datetime(2000, 1, 1, 11).time(),
    )
    write_record(
        org.author,
        date=today,
        category_id=category("training").pk,
        content="参加党建学习会议，学习有关文件精神",
        start_time=timezone.datetime(2000, 1, 1, 14).time(),
        end_time=timezone.datetime(2000, 1, 1, 15).time(),
    )
    last_monday = monday - timezone.timedelta(days=7)
    summary_submit(
        user=org.author, kind="week", period_start=last_monday, body="上周工作", plan="完成教育局追加预算审核"
    )
    return org


def log_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_clerk_submits_the_week_with_one_edit_and_the_head_reads_it(
    live_server: Any, phone: Any, browser: Any, world: Org
) -> None:
    phone.context.add_init_script(LISTEN)
    watched = Watch(phone)
    server = live_server.url
    log_in(phone, server, "author")
    phone.get_by_role("button", name="更多").click()  # the phone's bottom bar: 周报 under 更多
    phone.locator("#nav-more a", has_text="周报").click()
    phone.wait_for_url(f"{server}/summaries/")
    phone.locator(".rows a", has_text="周报").first.click()  # this week's, drafted already
    assert "完成教育局追加预算审核" in phone.locator("#previous-plan").inner_text()  # last week's plan, on top
    body = phone.locator("#id_body")
    drafted = body.input_value()
    assert drafted.startswith("一、部门预算编制和执行")  # by duty, then 未关联职责
    assert "审核区教育局追加预算申请三项，核减不合理支出" in drafted and "另与对方沟通" not in drafted
    assert "结果/进展：核减120万元" in drafted and "未关联职责" in drafted and "合计 3 小时" in drafted
    assert "提交给：" in phone.locator("main").inner_text() and "刘洋" in phone.locator("main").inner_text()
    assert phone.evaluate(SMALL_TARGETS) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("#id_plan", "完成下年度预算初稿，报局务会审议")  # the one edit
    shot(phone, "weekly-report-draft-phone")
    phone.get_by_role("button", name="提交给上级").click()
    phone.wait_for_url(f"{server}/summaries/*/")
    assert "已提交（第 1 版）" in phone.locator("#messages").inner_text()
    assert "完成下年度预算初稿" in phone.locator("#plan").inner_text()
    assert phone.evaluate(SMALL_TARGETS) == []
    watched.assert_clean("the weekly report")

    head = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = head.new_page()
    log_in(page, server, "section_head")
    page.goto(f"{server}/summaries/")
    people = page.locator("#people")
    assert "张伟" in people.inner_text()
    assert page.evaluate(SMALL_TARGETS) == []
    people.locator("a", has_text="张伟").first.click()  # newest first: this week's
    page.wait_for_url(f"{server}/summaries/*/")
    report = page.locator("#report").inner_text()
    assert "审核区教育局追加预算申请三项" in report and "完成下年度预算初稿" in page.locator("#plan").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "weekly-report-head-phone.png"), full_page=True)
    head.close()
