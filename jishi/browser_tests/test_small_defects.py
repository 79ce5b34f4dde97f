"""Small defects seen on the way (issue 16), checked in a real browser at 390×844 and 1280×800."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jishi.browser_tests.conftest import shot
from jishi.browser_tests.test_journeys import world  # noqa: F401  (the fixture)
from jishi.org.models import Unit
from jishi.testing import Org, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A desktop-sized page (1280×800), Chinese locale."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Any, server: str, username: str) -> None:
    """Sign in, wherever the person's home then opens (a leader's lands on their dashboard)."""
    page.goto(f"{server}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


LAYOUT = """() => {
  const box = document.querySelector('.table-scroll');
  const cells = [...document.querySelectorAll('table.overview thead th')];
  const last = cells[cells.length - 1].getBoundingClientRect();
  const frame = box.getBoundingClientRect();
  return {
    lastRight: last.right, boxRight: frame.right, boxScrolls: box.scrollWidth > box.clientWidth + 1,
    scrollable: getComputedStyle(box).overflowX, pageOverflow: document.documentElement.scrollWidth > innerWidth + 1,
  };
}"""


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_supervision_overview_shows_its_last_column(
    live_server: Any,
    world: Org,  # noqa: F811
    size: str,
    request: pytest.FixtureRequest,
) -> None:
    settings = request.getfixturevalue("settings")
    settings.JISHI_MIN_GROUP_SIZE = 1  # the small world's units are shown, each a row
    # A unit named as real ones are: the longest name makes the widest first column.
    Unit.objects.filter(pk=world.finance.pk).update(name="区发展和改革委员会（区粮食和物资储备局、区价格监督检查局）")
    for n in range(3):
        write_record(
            world.author,
            content=f"组织召开第{n}次预算执行分析会，梳理三个项目支出进度偏慢的原因",
            start_time=None,
            end_time=None,
            duration_minutes=30,
        )
    page = request.getfixturevalue(size)
    log_in(page, live_server.url, "secretary")
    page.goto(f"{live_server.url}/supervision/overview/")
    layout = page.evaluate(LAYOUT)
    shot(page, f"small-defects-overview-{size}")
    assert not layout["pageOverflow"]  # the page itself never scrolls sideways
    if size == "desk":  # at 1280 the whole table fits: the last column is not cut
        assert layout["lastRight"] <= layout["boxRight"] + 1 and not layout["boxScrolls"], layout
    else:  # on a phone it may scroll, within its own box
        assert layout["scrollable"] in ("auto", "scroll"), layout
        page.locator(".table-scroll").evaluate("box => box.scrollLeft = box.scrollWidth")
        last = page.evaluate(LAYOUT)
        assert last["lastRight"] <= last["boxRight"] + 1, last


def test_the_instruction_form_picks_its_owner_by_name(
    live_server: Any,
    phone: Any,
    world: Org,  # noqa: F811
) -> None:
    import datetime

    from django.utils import timezone

    from jishi.tasks.models import Task

    record = write_record(world.author, start_time=None, end_time=None, duration_minutes=30)
    log_in(phone, live_server.url, "district_deputy")
    phone.goto(f"{live_server.url}/tasks/records/{record.pk}/instruct/")
    phone.fill("#id_title", "请抓紧落实")
    phone.select_option("#id_owner_unit", str(world.finance.pk))
    phone.fill("#id_deadline", (timezone.localdate() + datetime.timedelta(days=10)).isoformat())
    phone.fill("#owner-search", "李")
    phone.click(f'#person-options [data-id="{world.colleague.pk}"]')
    phone.wait_for_selector('[data-chips] input[name="owner_person"]', state="attached")
    shot(phone, "small-defects-instruction-owner")
    phone.click("button[type=submit]")
    phone.wait_for_url(lambda url: "/instruct/" not in url)
    assert Task.objects.get().owner_person == world.colleague


def test_opening_a_notification_lands_on_the_comment_highlighted(
    live_server: Any,
    phone: Any,
    world: Org,  # noqa: F811
) -> None:
    from jishi.supervision import services

    record = write_record(
        world.author,
        content="组织召开预算执行分析会，梳理三个项目支出进度偏慢的原因，" + "逐项核对资金拨付和合同节点。" * 12,
        start_time=None,
        end_time=None,
        duration_minutes=60,
    )
    comment = services.comment_create(
        actor=world.unit_head, record=record, text="进度偏慢的项目请列出时间表，月底前报我。"
    )
    # comment_create notified the author (outside a transaction, the delivery ran at once)
    log_in(phone, live_server.url, "author")
    phone.goto(f"{live_server.url}/inbox/")
    assert "进度偏慢的项目请列出时间表" in phone.locator(".inbox").inner_text()  # quoted
    shot(phone, "small-defects-inbox-quote")
    phone.click(".inbox button[name=open]")
    phone.wait_for_url(f"**/records/{record.pk}/#comment-{comment.pk}")
    target = phone.locator(f"#comment-{comment.pk}")
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 844 - 60, box  # scrolled into view, above the bottom bar
    assert target.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"  # highlighted (:target)
    shot(phone, "small-defects-comment-landed")


def test_my_unit_opens_on_the_section_and_groups_who_has_not_filed(
    live_server: Any,
    phone: Any,
    world: Org,  # noqa: F811
) -> None:
    log_in(phone, live_server.url, "author")
    phone.goto(f"{live_server.url}/unit/")
    assert phone.locator("h1").inner_text().startswith("预算科")
    phone.click(f'main a[href^="/units/{world.finance.pk}/"]')  # the department, one tap away
    phone.wait_for_url(f"**/units/{world.finance.pk}/**")
    phone.context.clear_cookies()
    log_in(phone, live_server.url, "unit_head")
    phone.goto(f"{live_server.url}/units/{world.finance.pk}/?date=2026-10-09")  # a working Friday
    headings = phone.locator("#unfiled h3").all_inner_texts()
    phone.locator("#unfiled").scroll_into_view_if_needed()
    shot(phone, "small-defects-unit-unfiled")
    assert all("人" in h for h in headings) and any("预算科" in h for h in headings), headings
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")
