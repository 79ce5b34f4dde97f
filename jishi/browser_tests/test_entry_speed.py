"""A clerk's ordinary day on a phone (issue 16): how many field actions it costs, and errors where the eye is.

The ordinary day: 会议 with a colleague, 办文, 调研 with a partner unit, 办事服务. An action is what a person does to a
field or a button: a click, a choice in a select, or focusing a field and typing into it (the typing itself is not
counted — it is the content, which no form can spare). Signing in is not part of the day's record.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jishi.browser_tests.conftest import shot
from jishi.org.calendar import at
from jishi.records.daylines import parse_day
from jishi.records.models import Category, WorkRecord
from jishi.records.services import record_create
from jishi.testing import Org, build_org, record_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY_GOAL = 12  # field actions for the ordinary day (28 before issue 16)


@pytest.fixture
def world(transactional_db: Any) -> Org:
    return build_org()


def log_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


class Clerk:
    """The page, with every field action counted and named."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.actions: list[str] = []

    def click(self, selector: str) -> None:
        self.actions.append(f"click {selector}")
        self.page.click(selector)

    def type(self, selector: str, text: str) -> None:
        self.actions.append(f"type {selector}")
        self.page.fill(selector, text)

    def choose(self, selector: str, label: str) -> None:
        self.actions.append(f"choose {label}")
        self.page.select_option(selector, label=label)


THE_DAY = "\n".join(
    [
        "09:00-10:30 会议 与李娜讨论2027年部门预算调整方案 @李娜",
        "10:30-12:00 办文 起草2027年部门预算编制说明，约三千字",
        "14:00-16:00 调研 到区民政局了解养老服务补贴发放情况 @区民政局",
        "16:00-17:00 办事服务 为陆家村代办低保复核材料并送达",
    ]
)


def test_a_clerk_records_the_ordinary_day_in_a_few_actions(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    clerk = Clerk(phone)
    began = time.monotonic()
    clerk.click("[data-open-details=day-mode]")
    assert phone.evaluate("document.activeElement.id") == "day-text" and in_view(phone, "#day-text")
    clerk.type("#day-text", THE_DAY)
    clerk.click("#day-form button[value=preview]")
    phone.wait_for_selector("#day-form .preview")
    assert phone.locator("#day-form .preview > li.ok").count() == 4
    assert in_view(phone, "#day-form .preview") and in_view(phone, "#day-form button[value=save_all]")
    shot(phone, "entry-speed-preview")
    phone.screenshot(path="test-artifacts/entry-speed-preview-screen.png")  # the screen as the person sees it
    clerk.click("#day-form button[value=save_all]")
    phone.wait_for_url(f"{live_server.url}/?saved=day")
    scripted = time.monotonic() - began
    timeline = phone.locator(".timeline").inner_text()
    for span in ("09:00–10:30", "10:30–12:00", "14:00–16:00", "16:00–17:00"):
        assert span in timeline
    assert "已保存 4 条" in phone.locator("#messages").inner_text()
    shot(phone, "entry-speed-saved")
    records = list(WorkRecord.objects.order_by("start_at"))
    assert [r.category.name for r in records] == ["会议", "办文", "调研", "办事服务"]
    assert records[0].participants.get().person == world.colleague
    assert records[2].participants.get().unit == world.civil
    # The next entry on the form starts where the day ended, in its category.
    assert phone.input_value("#id_start_time") == "17:00"
    assert phone.locator("#id_category option:checked").inner_text() == "办事服务"
    print(f"\nthe ordinary day, 一次记多条: {len(clerk.actions)} field actions, scripted {scripted:.1f} s")
    assert len(clerk.actions) <= DAY_GOAL, clerk.actions


def test_the_same_day_on_the_one_entry_form(live_server: Any, phone: Any, world: Org) -> None:
    """The form one record at a time: the start follows the last end, so only the first start is typed."""
    log_in(phone, live_server.url, "author")
    clerk = Clerk(phone)
    began = time.monotonic()

    def save() -> None:
        count = phone.locator(".timeline li").count()
        clerk.click("#entry-form button[type=submit]")
        phone.locator(".timeline li").nth(count).wait_for()

    clerk.type("#id_start_time", "09:00")  # 会议 is already the category of a first entry
    clerk.type("#id_end_time", "10:30")
    clerk.type("#id_content", "与李娜讨论2027年部门预算调整方案")
    clerk.type("#participant-search", "ln")
    clerk.click("[data-pick=person][data-label=李娜]")
    save()
    assert phone.input_value("#id_start_time") == "10:30"
    clerk.choose("#id_category", "办文")
    clerk.type("#id_end_time", "12:00")
    clerk.type("#id_content", "起草2027年部门预算编制说明，约三千字")
    save()
    clerk.choose("#id_category", "调研")
    clerk.type("#id_start_time", "14:00")  # after lunch: the one start that does not follow
    clerk.type("#id_end_time", "16:00")
    clerk.type("#id_content", "到区民政局了解养老服务补贴发放情况")
    clerk.type("#unit-search", "民政")
    clerk.click("[data-pick=unit][data-label=区民政局]")
    save()
    clerk.choose("#id_category", "办事服务")
    clerk.type("#id_end_time", "17:00")
    clerk.type("#id_content", "为陆家村代办低保复核材料并送达")
    save()
    scripted = time.monotonic() - began
    assert WorkRecord.objects.count() == 4
    print(f"\nthe ordinary day, one entry at a time: {len(clerk.actions)} field actions, scripted {scripted:.1f} s")
    assert len(clerk.actions) <= 21  # 28 before: the start now follows the last end, the category stays


def in_view(page: Any, selector: str) -> bool:
    """Whether the element is on screen: below the sticky header, above a menu bar fixed at the bottom."""
    return bool(
        page.evaluate(
            """(selector) => {
              const el = document.querySelector(selector);
              const header = document.querySelector('.topbar');
              const top = header ? header.getBoundingClientRect().bottom : 0;
              const nav = document.querySelector('.nav');
              const fixed = nav && getComputedStyle(nav).position === 'fixed';
              const bottom = fixed ? nav.getBoundingClientRect().top : window.innerHeight;
              const box = el.getBoundingClientRect();
              return box.top >= top && box.bottom <= bottom;
            }""",
            selector,
        )
    )


def test_an_error_after_save_is_in_view_focused_and_read_out(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    phone.fill("#id_start_time", "09:00")
    phone.fill("#id_end_time", "10:00")
    phone.fill("#id_content", "开会")
    phone.locator("#entry-form button[type=submit]").scroll_into_view_if_needed()
    phone.click("#entry-form button[type=submit]")
    phone.wait_for_selector("#id_content[aria-invalid=true]")
    expect(phone.locator("#entry-live")).to_contain_text("内容过于简单")
    assert phone.evaluate("document.activeElement.id") == "id_content"
    assert in_view(phone, "#id_content") and in_view(phone, "#id_content ~ .errorlist")
    assert phone.locator("#entry-live").get_attribute("aria-live") == "polite"
    phone.screenshot(path="test-artifacts/entry-error-in-view.png")  # the screen as the person sees it
    # Corrected and saved: the confirmation is on screen and read out too.
    phone.fill("#id_content", "与李娜讨论2027年部门预算调整方案，明确三项分工")
    phone.click("#entry-form button[type=submit]")
    phone.wait_for_selector("#entry-card [data-announce]")
    expect(phone.locator("#entry-live")).to_contain_text("已保存")
    assert in_view(phone, "#entry-card [data-announce]")
    phone.screenshot(path="test-artifacts/entry-saved-in-view.png")


def test_a_wrong_line_of_the_day_is_shown_in_view(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    phone.click("#day-mode > summary")
    phone.fill("#day-text", THE_DAY + "\n18:00-19:00 开会 学习文件")
    phone.click("#day-form button[value=preview]")
    phone.wait_for_selector("#day-form li[data-invalid]")
    phone.locator("#day-form li[data-invalid]:focus").wait_for()
    assert in_view(phone, "#day-form li[data-invalid]")
    expect(phone.locator("#entry-live")).to_contain_text("类别")
    assert phone.locator("#day-form button[value=save_valid]").inner_text() == "只保存正确的 4 条"
    phone.screenshot(path="test-artifacts/entry-day-wrong-line.png")
    phone.click("#day-form button[value=save_valid]")
    phone.wait_for_selector("#day-entry [data-announce]")
    assert in_view(phone, "#day-entry [data-announce]")
    assert WorkRecord.objects.count() == 4
    assert "18:00-19:00 开会" in phone.input_value("#day-text")


def test_unsent_lines_survive_a_reload_and_go_once_saved(live_server: Any, phone: Any, world: Org) -> None:
    log_in(phone, live_server.url, "author")
    phone.click("[data-open-details=day-mode]")
    phone.fill("#day-text", THE_DAY)
    phone.reload()
    assert phone.locator("#day-mode").get_attribute("open") is not None
    assert phone.input_value("#day-text") == THE_DAY
    phone.click("#day-form button[value=preview]")
    phone.click("#day-form button[value=save_all]")
    phone.wait_for_url(f"{live_server.url}/?saved=day")
    phone.goto(f"{live_server.url}/?entry=1")
    assert phone.input_value("#day-text") == ""


def test_a_day_like_yesterday_takes_two_taps(live_server: Any, phone: Any, world: Org) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    evening = at(yesterday, datetime.time(20))
    for line in parse_day(THE_DAY, ["会议", "办文", "调研", "办事服务"])[1::2]:  # 办文 and 办事服务: the routine
        category = Category.objects.get(name=line.category)
        data = record_input(date=yesterday, category_id=category.pk, content=line.content, start_time=line.start)
        data.end_time = line.end
        record_create(author=world.author, data=data, now=evening)
    log_in(phone, live_server.url, "author")
    clerk = Clerk(phone)
    clerk.click(".quick >> text=同昨天")
    phone.wait_for_selector("#day-form .preview input[name=record]")
    assert in_view(phone, "#day-form .preview")
    shot(phone, "entry-same-as-yesterday")
    clerk.click("#day-form button[value=save_all]")
    phone.wait_for_url(f"{live_server.url}/?saved=day")
    timeline = phone.locator(".timeline").inner_text()
    assert "10:30–12:00" in timeline and "16:00–17:00" in timeline
    assert WorkRecord.objects.filter(date=timezone.localdate()).count() == 2
    print(f"\na day like yesterday: {len(clerk.actions)} field actions")
    assert len(clerk.actions) == 2
