"""Relevance ranks the newest matches only (JISHI_SEARCH_RANK_WINDOW), and says so when there were more."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from jishi.search.selectors import rank_window, search_records
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def on_day(author: Any, days_ago: int, content: str, **overrides: Any) -> Any:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return write_record(
        author, content=content, date=day, start_time=None, end_time=None, duration_minutes=30, **overrides
    )


def test_ranked_results_come_from_the_newest_matches_and_say_so_when_there_were_more(org: Org, settings: Any) -> None:
    settings.JISHI_SEARCH_RANK_WINDOW = 3
    settings.JISHI_LATE_ENTRY_DAYS = 60
    # The oldest records say 信访 most often: ranking every match would put them first.
    old = [on_day(org.author, 30 + n, "信访信访信访：整理信访台账，核对信访来件") for n in range(2)]
    new = [on_day(org.author, n, f"第{n}次到区信访办协调停车难问题，形成处理意见") for n in range(3)]
    results = search_records(user=org.colleague, text="信访")
    assert results.order == "relevance"
    assert sorted(h.record.pk for h in results.hits) == sorted(r.pk for r in new)
    assert "最近 3 条" in results.notice
    assert "更早的请按时间排序或限定日期" in results.notice
    with translation.override("en"):
        english = search_records(user=org.colleague, text="信访").notice
    assert "newest 3 matching records" in english
    # Newest first still reaches the older ones.
    newest = [h.record.pk for h in search_records(user=org.colleague, text="信访", order="newest").hits]
    assert set(newest) == {r.pk for r in old + new}
    # A window that holds every match ranks them all and says nothing.
    settings.JISHI_SEARCH_RANK_WINDOW = 5
    results = search_records(user=org.colleague, text="信访")
    assert {h.record.pk for h in results.hits[:2]} == {r.pk for r in old}
    assert len(results.hits) == 5
    assert results.notice == ""


def test_the_window_never_holds_content_the_reader_may_not_see(org: Org, settings: Any) -> None:
    settings.JISHI_SEARCH_RANK_WINDOW = 2
    public = [on_day(org.author, 3 - n, f"到甲乙丙社区走访第{n}次，了解停车难问题") for n in range(3)]  # oldest first
    secret = on_day(org.author, 0, "核对干部考察材料中的甲乙丙事项并提出处理意见", is_sensitive=True)
    # 民政局 staff: the sensitive record's words never match; the window is the two newest records they may read
    # (newest as written: by id).
    outsider = search_records(user=org.unrelated, text="甲乙丙")
    assert sorted(h.record.pk for h in outsider.hits) == sorted(r.pk for r in public[1:])
    assert "最近 2 条" in outsider.notice
    assert search_records(user=org.unrelated, text="考察").hits == []
    # The author's 本单位 read it: it is the newest match, so it is in their window.
    inside = [h.record.pk for h in search_records(user=org.sibling, text="甲乙丙").hits]
    assert secret.pk in inside and len(inside) == 2


@pytest.mark.parametrize("value", [0, -5, 20_001, "5000", 2.5, True, None])
def test_a_bad_window_setting_stops_the_start_with_a_clear_message(settings: Any, value: Any) -> None:
    settings.JISHI_SEARCH_RANK_WINDOW = value
    with pytest.raises(ImproperlyConfigured, match="JISHI_SEARCH_RANK_WINDOW must be a whole number"):
        rank_window()
    with pytest.raises(ImproperlyConfigured, match="JISHI_SEARCH_RANK_WINDOW"):
        apps.get_app_config("search").ready()


def test_the_default_window() -> None:
    assert rank_window() == 2_000
