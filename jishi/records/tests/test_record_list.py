"""The items of the record lists (unit page, person page, list, feeds), as a reader sees them in each case."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.test import Client
from django.utils import timezone

from jishi.records.services import record_withdraw
from jishi.testing import Org, write_record


def page_of(reader: Any, path: str, language: str = "zh-hans") -> str:
    client = Client(headers={"accept-language": language})
    client.force_login(reader)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def item_of(page: str, record_id: int) -> str:
    """The <li> that links the record."""
    return (
        page.split(f'href="/records/{record_id}/"')[0].rsplit("<li>", 1)[1]
        + page.split(f'href="/records/{record_id}/"')[1].split("</li>")[0]
    )


def test_an_item_shows_author_unit_day_time_category_and_content_escaped(org: Org) -> None:
    record = write_record(org.author, content="与<b>财政局</b>会商预算调整 & 下达方案，明确分工和完成时限")
    page = page_of(org.unit_head, f"/people/{org.author.pk}/")
    item = item_of(page, record.pk)
    assert f'<a class="who" href="/people/{org.author.pk}/">{org.author.full_name}</a>' in item
    assert org.budget.name in item and f"{record.date.month}月{record.date.day}日" in item
    assert record.time_span in item and record.category.name in item
    assert "与&lt;b&gt;财政局&lt;/b&gt;会商预算调整 &amp; 下达方案" in item and "<b>" not in item


def test_long_content_is_cut_at_120_characters(org: Org) -> None:
    content = "推进预算绩效管理改革，" * 20
    record = write_record(org.author, content=content)
    item = item_of(page_of(org.unit_head, f"/people/{org.author.pk}/"), record.pk)
    assert f"{content[:117]}...</a>" in item  # 120 characters with the ellipsis, as Django's truncatechars


def test_tags_for_late_sensitive_and_restricted_records(org: Org) -> None:
    sensitive = write_record(org.author, is_sensitive=True, visibility="unit")
    page = page_of(org.colleague, f"/people/{org.author.pk}/")
    item = item_of(page, sensitive.pk)
    assert '<span class="tag sensitive">敏感</span>' in item and '<span class="tag">本单位</span>' in item
    # Tags are inline blocks: the white space between them is the gap a reader sees.
    assert re.search(r'</span>\s+<span class="tag sensitive">敏感</span>\s+<span class="tag">本单位</span>', item)
    english = item_of(page_of(org.colleague, f"/people/{org.author.pk}/", "en"), sensitive.pk)
    assert '<span class="tag sensitive">Sensitive</span>' in english


def test_a_reader_outside_sees_that_a_sensitive_record_exists_but_not_its_content(org: Org) -> None:
    record = write_record(org.author, is_sensitive=True, content="约谈某企业负责人，涉及举报线索的核查安排")
    page = page_of(org.unrelated, f"/people/{org.author.pk}/")
    item = item_of(page, record.pk)
    assert "涉及举报线索" not in page
    assert "（敏感内容，仅本单位、上级和授权人员可见）" in item


def test_a_withdrawn_record_shows_when_and_why_not_its_content(org: Org) -> None:
    record = write_record(org.author, content="这条记实填重了，内容不应再出现在列表中")
    record_withdraw(actor=org.author, record=record, reason="填重了 <和另一条相同>")
    page = page_of(org.unit_head, f"/people/{org.author.pk}/")
    item = item_of(page, record.pk)
    when = timezone.localtime()
    assert '<span class="tag withdrawn">已撤回</span>' in item
    assert f"{when.month}月{when.day}日" in item and "撤回：填重了 &lt;和另一条相同&gt;" in item
    assert "内容不应再出现" not in page
    english = item_of(page_of(org.unit_head, f"/people/{org.author.pk}/", "en"), record.pk)
    assert "Withdrawn" in english and ": 填重了 &lt;和另一条相同&gt;" in english


def test_a_withdrawn_record_does_not_count_as_filed_on_the_unit_page(org: Org) -> None:
    day = timezone.localdate()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    record = write_record(org.author, date=day)
    record_withdraw(actor=org.author, record=record, reason="写错了日期")
    filed = write_record(org.colleague, date=day)
    page = page_of(org.unit_head, f"/units/{org.finance.pk}/?date={day.isoformat()}")
    unfiled = page.split('id="unfiled"')[1].split("</section>")[0]
    assert org.author.full_name in unfiled and filed.author.full_name not in unfiled


def test_a_record_in_a_category_the_worker_has_not_read_yet_still_lists(org: Org) -> None:
    from jishi.records.models import Category, WorkRecord
    from jishi.records.selectors import categories

    record = write_record(org.author, content="一条记实，其类别在这个进程读取类别之后才建立")
    categories()  # the worker's categories, read before the new one exists
    new = Category.objects.create(name="新类别", code="new-kind")
    WorkRecord.objects.filter(pk=record.pk).update(category=new, visibility="legacy")
    item = item_of(page_of(org.author, f"/people/{org.author.pk}/"), record.pk)
    # The list reads each record's category with the record; a visibility outside the choices is shown as stored.
    assert '<span class="tag">新类别</span>' in item and '<span class="tag">legacy</span>' in item
