"""The public portal (政务公开) on a phone, as an anonymous visitor: the district leaders' public work of last week with
citizens' personal data redacted, a search, a unit's feed, the open data — and axe-core on every portal page (no
serious or critical WCAG 2.1 AA violation)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from jishi.browser_tests.conftest import shot
from jishi.browser_tests.test_journeys import world  # noqa: F401  (the fixture)
from jishi.portal.models import Publication
from jishi.portal.selectors import last_week
from jishi.portal.tests.pages_support import public_record, publish
from jishi.records.models import WorkRecord
from jishi.testing import Org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _dated(publication: Publication, day: datetime.date) -> None:
    """Move a record and its publication to `day` (records can only be written for the last seven days)."""
    WorkRecord.objects.filter(pk=publication.record_id).update(date=day)
    Publication.objects.filter(pk=publication.pk).update(date=day)


@pytest.fixture
def portal(world: Org, settings: Any, tmp_path: Any) -> dict[str, Any]:  # noqa: F811
    settings.JISHI_PORTAL_DUMP_DIR = str(tmp_path / "data")
    settings.JISHI_MIN_GROUP_SIZE = 1
    monday, sunday = last_week()
    secretary = public_record(world.secretary, content="主持召开区委常委会，研究部署冬季安全生产工作")
    _dated(publish(secretary, is_leader=True, post_title="区委书记"), monday + datetime.timedelta(days=1))
    deputy = public_record(
        world.district_deputy,
        content="到马陆镇督查老旧小区改造，居民王桂兰反映楼道照明不足，当场交办",
        result="区财政局三日内落实资金",
    )
    _dated(
        publish(
            deputy,
            content="到马陆镇督查老旧小区改造，居民【姓名】反映楼道照明不足，当场交办",
            result="区财政局三日内落实资金",
            is_leader=True,
            post_title="副区长",
            redactions={"name": 1},
        ),
        monday + datetime.timedelta(days=3),
    )
    head = public_record(world.unit_head, content="带队走访辖区企业，听取对财政扶持政策的意见建议")
    _dated(publish(head, is_leader=True, post_title="局长"), sunday - datetime.timedelta(days=1))
    clerk = public_record(world.author, content="受理企业扶持资金申报材料五份，逐项核对后报科长审核")
    publish(clerk)
    call_command("portal", "dump", stdout=io.StringIO())
    return {"deputy": deputy, "clerk": clerk}


def check_accessibility(page: Any, name: str) -> None:
    """axe-core (bundled with axe-playwright-python, no network) over the page: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]})
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: " + "\n".join(bad)


def test_an_anonymous_visitor_reads_searches_subscribes_and_downloads(
    live_server: Any,
    phone: Any,
    portal: dict[str, Any],
    world: Org,  # noqa: F811
) -> None:
    server = live_server.url
    phone.goto(f"{server}/public/")
    check_accessibility(phone, "front page")
    assert phone.locator("h2#leaders-heading").inner_text() == "领导公开工作"
    shot(phone, "portal-front")

    # The district leaders' public work of last week, citizens' names redacted.
    phone.click("text=上周领导公开工作")
    main = phone.locator("main").inner_text()
    assert "督查老旧小区改造" in main and "区委常委会" in main and "走访辖区企业" in main
    assert "受理企业扶持资金" not in main  # not a leader
    assert "王桂兰" not in phone.content()
    assert "副区长" in main and "区委书记" in main
    shot(phone, "portal-leaders-last-week")
    phone.click("text=督查老旧小区改造")
    record = phone.locator("main").inner_text()
    assert "居民【姓名】反映楼道照明不足" in record and "区财政局三日内落实资金" in record
    assert "黄敏（副区长）" in record
    check_accessibility(phone, "record page")
    shot(phone, "portal-record")

    # Searches it.
    phone.click("nav >> text=检索")
    phone.fill("#q", "楼道照明")
    phone.press("#q", "Enter")
    phone.wait_for_selector("mark")
    assert "督查老旧小区改造" in phone.locator("main").inner_text()
    check_accessibility(phone, "search")
    shot(phone, "portal-search")
    phone.fill("#q", "王桂兰")
    phone.press("#q", "Enter")
    phone.wait_for_selector("text=没有找到包含这些词的公开工作")

    # Opens a unit's feed.
    phone.click("nav >> text=单位")
    check_accessibility(phone, "units")
    phone.click("main >> text=区财政局")
    assert "受理企业扶持资金" in phone.locator("main").inner_text()
    check_accessibility(phone, "unit page")
    shot(phone, "portal-unit")
    feed_url = phone.get_attribute("main a:has-text('RSS')", "href")
    feed = phone.request.get(f"{server}{feed_url}")
    assert feed.ok and feed.headers["content-type"].startswith("application/rss+xml")
    assert "受理企业扶持资金" in feed.text() and feed.headers.get("etag")

    # Downloads the open data.
    phone.click("nav >> text=开放数据")
    check_accessibility(phone, "open data")
    shot(phone, "portal-data")
    with phone.expect_download() as download_info:
        phone.click("main a:has-text('CSV · publications.csv')")
    path = download_info.value.path()
    csv_text = Path(path).read_text(encoding="utf-8-sig")
    assert "督查老旧小区改造" in csv_text and "王桂兰" not in csv_text

    # The other portal pages pass axe too.
    for url, name in [
        ("/public/leaders/", "leaders"),
        (f"/public/leaders/{world.district_deputy.pk}/", "leader page"),
        ("/public/stats/", "statistics"),
        (f"/public/stats/?unit={world.finance.pk}", "unit statistics"),
        ("/public/?unit=abc", "bad filter"),
        ("/public/records/99999999/", "not found"),
    ]:
        phone.goto(f"{server}{url}")
        check_accessibility(phone, name)
    phone.goto(f"{server}/public/stats/")
    shot(phone, "portal-stats")


def test_the_portal_reads_with_the_keyboard_alone(live_server: Any, phone: Any, portal: dict[str, Any]) -> None:
    phone.goto(f"{live_server.url}/public/")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "跳到正文"
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash") == "#main"
    # The filters open from the keyboard (a <details>, no script) and the first field takes focus after them.
    phone.focus("details.filters > summary")
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.querySelector('details.filters').open")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "f-unit"
    shot(phone, "portal-filters")
    assert timezone.now()  # the world is live: nothing here waited on a clock
