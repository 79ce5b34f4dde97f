"""The feeds in a real browser: following a colleague in another department and reading their work."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jishi.browser_tests.conftest import shot
from jishi.browser_tests.test_journeys import log_in, world  # noqa: F401  (the fixture)
from jishi.testing import Org, write_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_following_a_colleague_brings_their_records_into_the_feed(
    live_server: Any,
    phone: Any,
    world: Org,  # noqa: F811
) -> None:
    write_record(
        world.unrelated,
        content="走访辖区困难家庭三户，核实临时救助申请材料",
        start_time=datetime.time(9, 0),
        end_time=datetime.time(10, 0),
    )
    log_in(phone, live_server.url, "author")
    phone.goto(f"{live_server.url}/feeds/following/")
    assert "还没有关注任何人或单位" in phone.locator("main").inner_text()
    phone.goto(f"{live_server.url}/people/{world.unrelated.pk}/")
    phone.click("form.follow button")
    phone.wait_for_selector("form.follow button:has-text('已关注')")
    phone.goto(f"{live_server.url}/feeds/following/")
    assert "走访辖区困难家庭三户" in phone.locator(".records").inner_text()
    assert world.unrelated.full_name in phone.locator(".chips").inner_text()
    shot(phone, "feed-following")
    phone.click("nav.tabs >> text=跨部门")
    assert "走访辖区困难家庭三户" in phone.locator(".records").inner_text()
    phone.click("nav.tabs >> text=本单位")
    assert "走访辖区困难家庭三户" not in phone.locator(".records").inner_text()
    shot(phone, "feed-unit")
