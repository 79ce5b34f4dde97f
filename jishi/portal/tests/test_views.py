"""The public pages as an anonymous visitor meets them: lists, filters, a record, units, leaders, statistics, the open
data page; bad parameters, ids that are not live, and the caches (ETag, Cache-Control, the generation)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jishi.portal import cache
from jishi.portal.tests.pages_support import public_record, publish
from jishi.records.models import Visibility, WorkRecord
from jishi.testing import Org, category, write_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world(org: Org, settings: Any, tmp_path: Path) -> dict[str, WorkRecord]:
    # The statistics' filing rate comes from the insights store: this test's own, not one an earlier test built.
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    """A citizen-facing world: a leader's and a clerk's published records, one not published, one internal."""
    leader = public_record(
        org.unit_head, content="局长带队检查全区预算执行情况", date=TODAY - datetime.timedelta(days=2)
    )
    publish(leader, is_leader=True, post_title="局长")
    clerk = public_record(
        org.author,
        content="受理养老补贴申请，村民张三反映电话13812345678打不通",
        result="已转交社会救助科办理",
        date=TODAY - datetime.timedelta(days=1),
        category_id=category("visit").pk if _has("visit") else category().pk,
    )
    publish(
        clerk,
        content="受理养老补贴申请，村民【姓名】反映电话【电话】打不通",
        result="已转交社会救助科办理",
        redactions={"name": 1, "phone": 1},
    )
    unpublished = public_record(org.colleague, content="与区发改委会商明年重点项目清单，确定三项前期工作")
    internal = write_record(
        org.sibling, content="国库科与代理银行核对本月国库集中支付账目，差异两笔已查清", visibility=Visibility.INTERNAL
    )
    return {"leader": leader, "clerk": clerk, "unpublished": unpublished, "internal": internal}


def _has(code: str) -> bool:
    from jishi.records.models import Category

    return Category.objects.filter(code=code).exists()


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_front_page_lists_leaders_first_then_newest(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    response = client.get("/public/")
    assert response.status_code == 200
    page = text(response)
    leaders_at, newest_at = page.index('id="leaders-heading">领导公开工作'), page.index('id="list-heading">最新公开')
    assert leaders_at < page.index("局长带队检查") < newest_at
    # In the newest list, the clerk's (yesterday) before the leader's (two days ago).
    rest = page[newest_at:]
    assert rest.index("受理养老补贴申请") < rest.index("局长带队检查")
    # Each item names its unit, the author's post and the date.
    assert "区财政局" in rest and "张伟（科员）" in rest and (TODAY - datetime.timedelta(days=1)).isoformat() in rest
    # Never the unpublished, the internal, or the original personal data.
    assert "与区发改委会商明年重点项目" not in page and "代理银行核对本月国库" not in page
    assert "13812345678" not in page and "张三" not in page


def test_a_long_text_is_cut_to_80_characters_in_lists(client: Client, org: Org) -> None:
    exact = "甲" * 80
    long = "乙" * 79 + "丙丁"
    for content in (exact, long):  # the published (redacted) text is what the list shows
        publish(public_record(org.author), content=content)
    page = text(client.get("/public/"))
    assert f">{exact}<" in page  # 80 characters: whole
    assert f">{'乙' * 79}…<" in page and "丙" not in page  # 81: the first 79 and "…", as truncatechars(80)


def test_filters_narrow_the_list(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    by_unit = text(client.get(f"/public/?unit={org.civil.pk}"))
    assert "没有符合条件的公开工作" in by_unit
    by_section = text(client.get(f"/public/?unit={org.budget.pk}"))
    assert "受理养老补贴申请" in by_section and "局长带队检查" not in by_section
    by_leader = text(client.get(f"/public/?leader={org.unit_head.pk}"))
    assert "局长带队检查" in by_leader and "受理养老补贴申请" not in by_leader
    leaders_only = text(client.get("/public/?leaders=1"))
    assert "局长带队检查" in leaders_only and "受理养老补贴申请" not in leaders_only
    day = (TODAY - datetime.timedelta(days=1)).isoformat()
    by_date = text(client.get(f"/public/?date_from={day}&date_to={day}"))
    assert "受理养老补贴申请" in by_date and "局长带队检查" not in by_date
    code = world["leader"].category.code
    by_category = text(client.get(f"/public/?category={code}"))
    assert "局长带队检查" in by_category
    # The leaders' section is the unfiltered front page's only.
    assert "更多领导公开工作" not in by_date


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("unit=abc", "没有这个单位"),
        ("unit=99999999", "没有这个单位"),
        ("unit=-1", "没有这个单位"),
        ("unit=99999999999999999999999", "没有这个单位"),
        ("leader=1x", "没有这位领导的公开工作"),
        ("date_from=2026-13-40", "起始日期不是有效日期"),
        ("date_to=yesterday", "结束日期不是有效日期"),
        ("date_from=2026-02-01&date_to=2026-01-01", "结束日期不能早于起始日期"),
        ("category=nope", "没有这个类别"),
        ("page=0", "页码应为"),
        ("page=abc", "页码应为"),
        ("page=100000", "页码应为"),
        ("leaders=yes", "只能是 0 或 1"),
    ],
)
def test_bad_filter_values_say_what_is_wrong(client: Client, org: Org, query: str, message: str) -> None:
    response = client.get(f"/public/?{query}")
    assert response.status_code == 400
    page = text(response)
    assert "筛选条件有误" in page and message in page
    assert 'role="alert"' in page


def test_leader_filter_for_someone_who_is_not_a_leader(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    response = client.get(f"/public/?leader={org.author.pk}")
    assert response.status_code == 400
    assert client.get(f"/public/leaders/{org.author.pk}/").status_code == 404


def test_pagination(client: Client, org: Org) -> None:
    for n in range(23):
        record = public_record(
            org.author,
            content=f"第{n:02d}次走访辖区企业了解用工诉求，协调解决两项问题",
            date=TODAY - datetime.timedelta(days=n % 5),
        )
        publish(record)
    first = text(client.get("/public/"))
    assert first.count('class="item"') == 20 and "下一页" in first and "上一页" not in first
    second = client.get("/public/?page=2")
    assert second.status_code == 200
    assert text(second).count('class="item"') == 3 and "上一页" in text(second)
    assert client.get("/public/?page=3").status_code == 200  # past the end: an empty page, not an error


def test_record_page_shows_the_redacted_text_and_who_wrote_it(
    client: Client, org: Org, world: dict[str, WorkRecord]
) -> None:
    response = client.get(f"/public/records/{world['clerk'].pk}/")
    assert response.status_code == 200
    page = text(response)
    assert "村民【姓名】反映电话【电话】" in page and "已转交社会救助科办理" in page
    assert "张三" not in page and "13812345678" not in page
    assert "区财政局" in page and "预算科" in page and "张伟（科员）" in page
    assert "2 处以【】代替" in page
    assert "公众留言" in page  # P-feedback's panel is placed on the page


@pytest.mark.parametrize("which", ["unpublished", "internal"])
def test_records_not_live_are_404(client: Client, world: dict[str, WorkRecord], which: str) -> None:
    response = client.get(f"/public/records/{world[which].pk}/")
    assert response.status_code == 404
    assert "没有找到这个页面" in text(response)


def test_nonexistent_ids_are_404(client: Client, org: Org) -> None:
    for url in ["/public/records/99999999/", "/public/units/99999999/", "/public/leaders/99999999/"]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/public/records/{2**63}/").status_code == 404


def test_a_publication_not_yet_due_or_held_is_404(client: Client, org: Org) -> None:
    later = public_record(org.author, content="会同区教育局研究课后服务经费安排，形成初步方案")
    publish(later, published_at=timezone.now() + datetime.timedelta(hours=2))
    assert client.get(f"/public/records/{later.pk}/").status_code == 404
    held = public_record(org.colleague, content="组织召开预算绩效评价培训会，讲解评价指标和流程")
    publication = publish(held)
    publication.held = True
    publication.save(update_fields=["held"])
    cache.bump()
    assert client.get(f"/public/records/{held.pk}/").status_code == 404
    assert "预算绩效评价培训会" not in text(client.get("/public/"))


@pytest.mark.parametrize(
    "change",
    [
        {"visibility": Visibility.INTERNAL},
        {"is_sensitive": True},
        {"withdrawn_at": timezone.now()},
    ],
)
def test_a_record_restricted_after_publication_is_gone_at_once(
    client: Client, world: dict[str, WorkRecord], change: dict[str, object]
) -> None:
    record = world["clerk"]
    url = f"/public/records/{record.pk}/"
    assert client.get(url).status_code == 200  # now in the page cache
    assert "受理养老补贴申请" in text(client.get("/public/"))
    WorkRecord.objects.filter(pk=record.pk).update(**change)
    cache.bump()  # what the records hook listener does on every record write (P-pub)
    assert client.get(url).status_code == 404
    assert "受理养老补贴申请" not in text(client.get("/public/"))


def test_a_hold_through_the_service_empties_the_caches(
    client: Client, org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    """P-pub's hold bumps the generation when it commits: no manual bump here."""
    from jishi.portal.publication import hold

    record = public_record(org.author, content="赴马陆镇调研农村公路养护资金使用情况，提出三条改进意见")
    publish(record)
    url = f"/public/records/{record.pk}/"
    assert client.get(url).status_code == 200
    assert "农村公路养护资金" in text(client.get("/public/"))
    with django_capture_on_commit_callbacks(execute=True):
        hold(actor=org.admin, record=record, reason="含有未脱敏的群众信息")
    assert client.get(url).status_code == 404
    assert "农村公路养护资金" not in text(client.get("/public/"))


def test_every_page_has_etag_and_cache_control_and_answers_304(
    client: Client, org: Org, world: dict[str, WorkRecord]
) -> None:
    urls = [
        "/public/",
        f"/public/records/{world['clerk'].pk}/",
        "/public/units/",
        f"/public/units/{org.finance.pk}/",
        "/public/leaders/",
        f"/public/leaders/{org.unit_head.pk}/",
        "/public/search?q=养老",
        "/public/stats/",
        "/public/data/",
        f"/public/units/{org.finance.pk}/feed.rss",
        f"/public/leaders/{org.unit_head.pk}/feed.atom",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        etag = response["ETag"]
        assert etag.startswith('"') and "public" in response["Cache-Control"], url
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again["ETag"] == etag


def test_pages_come_from_the_cache_until_the_generation_moves(
    client: Client, org: Org, world: dict[str, WorkRecord], django_assert_num_queries: Any
) -> None:
    client.get("/public/")
    with django_assert_num_queries(0):
        assert client.get("/public/").status_code == 200
    record = public_record(org.sibling, content="牵头梳理国库库款余额情况，编制下月资金调度计划")
    publish(record)  # bumps
    assert "牵头梳理国库库款余额情况，编制下月资金调度计划" in text(client.get("/public/"))


def test_pages_are_anonymous_and_small(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    response = client.get("/public/")
    assert not response.cookies  # no session, no CSRF cookie: one copy serves everyone
    assert "<script" not in response.content.decode()
    assert len(response.content) < 30_000
    assert 'lang="zh-CN"' in response.content.decode()
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in response.content.decode()


def test_signed_in_staff_see_the_same_public_page(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    anonymous = client.get(f"/public/records/{world['clerk'].pk}/").content
    client.force_login(org.admin)
    assert client.get(f"/public/records/{world['clerk'].pk}/").content == anonymous
    assert client.get(f"/public/records/{world['internal'].pk}/").status_code == 404


def test_units_and_leaders_pages(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    units = text(client.get("/public/units/"))
    assert "区财政局" in units and "区民政局" not in units
    unit = text(client.get(f"/public/units/{org.finance.pk}/"))
    assert "受理养老补贴申请" in unit and "局长带队检查" in unit
    assert f"/public/units/{org.finance.pk}/feed.rss" in unit
    empty = client.get(f"/public/units/{org.civil.pk}/")
    assert empty.status_code == 200 and "还没有公开的工作记实" in text(empty)
    assert client.get(f"/public/units/{org.finance.pk}/?page=x").status_code == 400
    leaders = text(client.get("/public/leaders/"))
    assert "赵强" in leaders and "张伟" not in leaders
    leader = text(client.get(f"/public/leaders/{org.unit_head.pk}/"))
    assert "局长带队检查" in leader and "受理养老补贴申请" not in leader


def test_stats_page(client: Client, org: Org, world: dict[str, WorkRecord], settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1000
    page = text(client.get("/public/stats/"))
    assert "全辖区公开统计" in page
    assert "已公开记实</dt><dd>2</dd>" in page.replace("> <", "><")
    assert "区财政局" in page and "按类别" in page and "按月份" in page
    assert TODAY.strftime("%Y-%m") in page
    # Too few people everywhere: no filing rate is shown, anywhere.
    assert "人数不足，不显示" in page
    assert not re.search(r"填报率.{0,80}\d+\.\d%", page)
    unit = client.get(f"/public/stats/?unit={org.finance.pk}")
    assert unit.status_code == 200 and "区财政局 · 公开统计" in text(unit)
    for bad in ("abc", "0", "99999999", "1" * 30):
        response = client.get(f"/public/stats/?unit={bad}")
        assert response.status_code == 400 and "没有这个单位" in text(response)


def test_stats_show_the_filing_rate_for_groups_big_enough(
    client: Client, org: Org, world: dict[str, WorkRecord], settings
) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 1
    page = text(client.get(f"/public/stats/?unit={org.finance.pk}"))
    shown = re.search(r"填报率.{0,80}?(\d+\.\d)%", page)
    assert shown and 0 <= float(shown.group(1)) <= 100


def test_search_with_a_bad_query_says_why(client: Client, org: Org) -> None:
    assert client.get("/public/search").status_code == 200
    for bad in ("!!!", "字" * 101, "a b c d e f g h i"):
        response = client.get("/public/search", {"q": bad})
        assert response.status_code == 400
        assert 'role="alert"' in text(response)
    assert client.get("/public/search", {"q": "养老", "after": "garbage"}).status_code == 400


def test_the_navigation_marks_the_current_page(client: Client, org: Org) -> None:
    page = text(client.get("/public/stats/"))
    assert re.search(r'href="/public/stats/" aria-current="page"', page)


def test_the_pages_speak_english_too(client: Client, org: Org, world: dict[str, WorkRecord]) -> None:
    page = text(client.get("/public/", headers={"Accept-Language": "en"}))
    assert "Leaders&#39; public work" in page or "Leaders' public work" in page
    assert "Skip to content" in page
    chinese = text(client.get("/public/", headers={"Accept-Language": "zh-hans"}))
    assert "跳到正文" in chinese  # cached per language, not one for both
