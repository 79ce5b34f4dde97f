"""The main journeys in a real browser on a phone-sized screen."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from jishi.browser_tests.conftest import shot
from jishi.records.models import Visibility, WorkRecord
from jishi.records.services import record_create
from jishi.testing import Org, build_org, record_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db: Any) -> Org:
    return build_org()


def log_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    # Staff land on / (today); section and unit heads on their day, jurisdiction leaders on their dashboard.
    page.wait_for_url(lambda url: url.startswith(server) and "/login/" not in url)


def test_a_staff_member_records_a_meeting_on_a_phone(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    phone.select_option("#id_category", label="会议")
    phone.fill("#id_start_time", "16:30")
    phone.fill("#id_end_time", "17:50")
    phone.fill("#id_content", "与区民政局召开养老服务补贴协调会，明确三项分工")
    phone.fill("#participant-search", "ln")
    phone.click("[data-pick=person][data-label=李娜]")
    assert phone.locator("[data-chips] .chip").inner_text().startswith("李娜")
    shot(phone, "today-filled")
    phone.click("#entry-form button[type=submit]")
    phone.wait_for_selector(".timeline li")
    assert "16:30–17:50" in phone.locator(".timeline").inner_text()
    assert "已保存" in phone.locator(".flash").inner_text()
    shot(phone, "today-saved")
    record = WorkRecord.objects.get()
    assert record.participants.get().person == world.colleague
    # The saved entry does not come back as a draft after a reload.
    phone.reload()
    assert phone.input_value("#id_content") == ""


def test_a_rejected_entry_explains_why_and_keeps_the_text(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    phone.fill("#id_start_time", "09:00")
    phone.fill("#id_end_time", "10:00")
    phone.fill("#id_content", "开会")
    phone.click("#entry-form button[type=submit]")
    phone.wait_for_selector(".errorlist")
    assert "内容过于简单" in phone.locator(".errorlist").first.inner_text()
    assert phone.input_value("#id_content") == "开会"
    shot(phone, "today-error")
    assert not WorkRecord.objects.exists()


def test_an_unsent_entry_survives_a_reload(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    phone.fill("#id_content", "起草2027年部门预算编制说明，约三千字")
    phone.fill("#participant-search", "zhang")
    phone.reload()
    assert phone.input_value("#id_content") == "起草2027年部门预算编制说明，约三千字"
    assert phone.locator("#entry-form [data-draft-note]").is_visible()


def test_visibility_decides_what_a_colleague_in_another_unit_sees(live_server: Any, phone: Any, world: Org) -> None:
    shared = record_create(author=world.author, data=record_input(content="与国库科核对预算执行进度，差异已说明"))
    private = record_create(
        author=world.author,
        data=record_input(
            content="向分管领导汇报预算科人员调整考虑，形成初步方案",
            visibility=Visibility.SUPERIORS,
            start_time=datetime.time(14, 0),
            end_time=datetime.time(15, 0),
        ),
    )
    log_in(phone, live_server.url, "unrelated")
    phone.goto(f"{live_server.url}/people/{world.author.pk}/")
    body = phone.locator("main").inner_text()
    assert shared.content[:10] in body and private.content[:10] not in body
    shot(phone, "person-seen-by-other-unit")
    response = phone.goto(f"{live_server.url}/records/{private.pk}/")
    assert response.status == 404


def test_a_superior_sees_the_units_missing_day(live_server: Any, phone: Any, world: Org) -> None:
    day = datetime.date(2026, 10, 9)
    record_create(
        author=world.colleague,
        data=record_input(date=day),
        now=timezone.make_aware(datetime.datetime(2026, 10, 9, 18)),
    )
    log_in(phone, live_server.url, "unit_head")
    phone.goto(f"{live_server.url}/units/{world.finance.pk}/?date={day.isoformat()}")
    unfiled = phone.locator("#unfiled").inner_text()
    assert world.author.full_name in unfiled and world.colleague.full_name not in unfiled
    shot(phone, "unit-missing")
    phone.goto(f"{live_server.url}/me/?month=2026-10")
    assert phone.locator('[data-day="2026-10-09"]').get_attribute("data-kind") == "missing"
    shot(phone, "my-calendar")
