"""The main pages under the strict Content-Security-Policy: nothing is blocked, and htmx still does its work."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from jishi.browser_tests.test_journeys import log_in, world  # noqa: F401  (the fixture)
from jishi.records.models import WorkRecord
from jishi.testing import Org, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected in the page before any of its own scripts run, across navigations.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


class Watch:
    """A page with its CSP violations (events and console reports) and its console errors, gathered as it goes."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.violations: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def _console(self, message: Any) -> None:
        # A failed load (the favicon Chromium asks for) is the network's business, not the policy's.
        if message.type in ("error", "warning") and not message.text.startswith("Failed to load resource"):
            self.console.append(f"{message.type}: {message.text}")

    def collect(self) -> None:
        """Take the page's violation events before it is left."""
        self.violations += self.page.evaluate("window.__violations || []")
        self.page.evaluate("window.__violations = []")

    def assert_clean(self, where: str) -> None:
        self.collect()
        policy = [line for line in self.console if "Content Security Policy" in line or "Content-Security" in line]
        assert self.violations == [], where
        assert policy == [], where
        assert self.console == [], where


@pytest.fixture
def watched(phone: Any) -> Iterator[Watch]:
    phone.context.add_init_script(LISTEN)
    yield Watch(phone)


def test_the_main_pages_run_under_the_policy_and_htmx_still_works(
    live_server: Any,
    watched: Watch,
    world: Org,  # noqa: F811
) -> None:
    page, server = watched.page, live_server.url
    response = page.goto(f"{server}/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe" not in response.headers["content-security-policy"]
    watched.assert_clean("login page")
    log_in(page, server, "author")

    # Today's entry form: duty suggestions and the participant search are htmx requests; the save is one too.
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "10:30")
    page.fill("#id_content", "审核教育局年中预算追加申请，建议先调剂再追加")
    page.wait_for_selector(".duty-pick[data-duty]")
    page.click(".duty-pick[data-duty]")
    pick = page.locator(".duty-pick[data-duty]").first
    assert pick.get_attribute("aria-pressed") == "true"
    assert page.input_value("#id_duty") == pick.get_attribute("data-duty")
    page.fill("#participant-search", "ln")
    page.click("[data-pick=person][data-label=李娜]")
    assert page.locator("[data-chips] .chip").inner_text().startswith("李娜")
    page.fill("#participant-search", "没有这个人")
    page.wait_for_selector("#person-options .none-found")
    assert page.locator("#person-options .none-found").evaluate("e => getComputedStyle(e).paddingTop") != "0px"
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector(".timeline li")
    assert "已保存" in page.locator(".flash").inner_text()
    record = WorkRecord.objects.get()
    assert record.duty_id is not None and record.participants.get().person == world.colleague
    watched.assert_clean("today's entry form, saved")

    # The record page: its content keeps its line breaks through the stylesheet, not a style attribute.
    page.goto(f"{server}/records/{record.pk}/")
    assert "审核教育局年中预算追加申请" in page.locator("main").inner_text()
    assert page.locator("td.prewrap").first.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    watched.assert_clean("record page")

    page.goto(f"{server}/search/?q=预算追加")
    assert "预算追加" in page.locator("main").inner_text()
    watched.assert_clean("search")

    # The calendar: a day opens by htmx in the side panel.
    page.goto(f"{server}/me/")
    today = timezone.localdate()
    page.click(f'[data-day="{today.isoformat()}"] a')
    page.wait_for_selector("#day-records >> text=审核教育局年中预算追加申请")
    watched.assert_clean("my records")

    # The unit page: choosing a date opens that day (a change handler in app.js, no inline onchange).
    day = today - datetime.timedelta(days=1)
    write_record(world.colleague, content="核对预算执行进度并报送科长审核签字", date=day)
    page.goto(f"{server}/units/{world.budget.pk}/")
    page.fill("input[type=date][data-autosubmit]", day.isoformat())
    page.wait_for_url(f"**/units/{world.budget.pk}/?date={day.isoformat()}")
    assert "核对预算执行进度" in page.locator("main").inner_text()
    assert page.locator("input[type=date][data-autosubmit]").input_value() == day.isoformat()
    watched.assert_clean("unit page")


def test_the_admin_and_the_api_docs_run_under_the_policy(
    live_server: Any,
    watched: Watch,
    world: Org,  # noqa: F811
) -> None:
    page, server = watched.page, live_server.url
    page.goto(f"{server}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    person = f"/admin/org/person/{world.author.pk}/change/"
    for path in ("/admin/", "/admin/org/person/", person, "/admin/org/unit/add/"):
        assert page.goto(f"{server}{path}").status == 200 and page.url == f"{server}{path}"
        watched.assert_clean(path)
    # Swagger UI (django-ninja's, served from static files) draws every operation without inline script or eval.
    page.goto(f"{server}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    watched.assert_clean("API docs")
