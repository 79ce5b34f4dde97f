"""Supervision in a real browser: seen across departments, commented on by a leader, questioned by an inspector,
answered by the author, who then sees who viewed the record and finds it all in the inbox."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from jishi.browser_tests.conftest import shot
from jishi.browser_tests.test_journeys import log_in, world  # noqa: F401  (the fixture)
from jishi.testing import Org, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Any) -> None:
    page.context.clear_cookies()


def test_a_record_is_seen_commented_questioned_and_answered(
    live_server: Any,
    phone: Any,
    world: Org,  # noqa: F811
) -> None:
    record = write_record(
        world.author,
        content="组织召开预算执行分析会，梳理三个项目支出进度偏慢的原因",
        start_time=datetime.time(9, 0),
        end_time=datetime.time(10, 0),
    )
    url = f"{live_server.url}/records/{record.pk}/"

    log_in(phone, live_server.url, "unrelated")  # a colleague in another department (民政局)
    phone.goto(url)
    assert "预算执行分析会" in phone.locator("main").inner_text()
    log_out(phone)

    log_in(phone, live_server.url, "district_deputy")  # the district deputy in charge of 财政局
    phone.goto(url)
    phone.fill("#comment-text", "进度偏慢的项目请列出时间表，月底前报我。")
    phone.click("button:has-text('发表点评')")
    phone.wait_for_selector(".comments .tag.leader")
    log_out(phone)

    log_in(phone, live_server.url, "inspector")
    phone.goto(url)
    phone.click("summary:has-text('提出质询')")
    phone.fill("#inquiry-question", "三个项目支出偏慢，是否存在资金拨付不及时的问题？")
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    phone.fill("#inquiry-due", due)
    phone.click("form button:has-text('提出质询')")
    phone.wait_for_selector(".tag.late:has-text('待答复')")
    log_out(phone)

    log_in(phone, live_server.url, "author")
    assert phone.locator(".inbox-link").count() == 1
    phone.goto(f"{live_server.url}/inbox/")
    inbox = phone.locator("main").inner_text()
    assert "点评" in inbox and "质询" in inbox
    shot(phone, "inbox")
    phone.goto(url)
    phone.fill("textarea[name=answer]", "已核实：两个项目因招标延期，一个因资金拨付流程，已督促整改。")
    phone.click("button:has-text('答复')")
    phone.wait_for_selector(".tag.ok:has-text('已答复')")
    panel = phone.locator("#supervision-panel").inner_text()
    assert world.unrelated.full_name in panel and world.district_deputy.full_name in panel  # who viewed
    assert world.inspector.full_name not in panel.split("谁看过")[1].split("纪检")[0]  # inspectors' views hidden
    shot(phone, "record-supervised")
