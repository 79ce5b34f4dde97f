"""The record pages in the reader's language: English dates with the English interface, Chinese ones unchanged."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from jishi.org.models import Person
from jishi.records.services import record_create
from jishi.testing import GOOD_CONTENT, Org, category, record_input

DAY = datetime.date(2026, 10, 9)  # a Friday
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def client_for(person: Person, language: str | None = None) -> Client:
    client = Client()
    client.force_login(person)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def filed_on_the_day(org: Org) -> None:
    record_create(
        author=org.colleague, data=record_input(date=DAY), now=timezone.make_aware(datetime.datetime(2026, 10, 9, 18))
    )


def test_unit_page_dates_follow_the_interface_language(org: Org) -> None:
    filed_on_the_day(org)
    url = f"/units/{org.finance.pk}/"
    english = client_for(org.unit_head, "en").get(url, {"date": DAY.isoformat()}).content.decode()
    assert "<strong>Friday, Oct 9, 2026</strong>" in english
    assert "· Oct 9 09:00–10:00" in english  # the record's line
    assert "10月9日" not in english and "星期五" not in english
    chinese = client_for(org.unit_head).get(url, {"date": DAY.isoformat()}).content.decode()
    assert "<strong>2026年10月9日 星期五</strong>" in chinese and "· 10月9日 09:00–10:00" in chinese


def test_month_page_dates_follow_the_interface_language(org: Org) -> None:
    filed_on_the_day(org)
    query = {"month": "2026-10", "date": DAY.isoformat()}
    english = client_for(org.colleague, "en").get("/me/", query).content.decode()
    assert "‹ Sep</a>" in english and "<strong>October 2026</strong>" in english and "Nov ›</a>" in english
    assert "<th>Mon</th>" in english and "<th>Sun</th>" in english
    assert "<h2>Friday, Oct 9</h2>" in english
    assert "2026年10月" not in english and "10月9日" not in english and "<th>一</th>" not in english
    chinese = client_for(org.colleague).get("/me/", query).content.decode()
    assert "‹ 9月</a>" in chinese and "<strong>2026年10月</strong>" in chinese and "11月 ›</a>" in chinese
    assert (
        "<thead><tr><th>一</th><th>二</th><th>三</th><th>四</th><th>五</th><th>六</th><th>日</th></tr></thead>"
        in chinese
    )
    assert "<h2>10月9日 星期五</h2>" in chinese


def test_quick_entry_says_saved_in_the_interface_language(org: Org) -> None:
    today = timezone.localdate()
    data = {
        "date": today.isoformat(),
        "category": category().pk,
        "start_time": "09:00",
        "end_time": "10:00",
        "content": GOOD_CONTENT,
        "visibility": "internal",
    }
    english = client_for(org.author, "en").post("/", data, follow=True).content.decode()
    assert f"Saved: {MONTHS[today.month - 1]} {today.day} " in english
    chinese = client_for(org.author).post("/", dict(data, start_time="11:00", end_time="12:00"), follow=True)
    assert f"已保存：{today:%m月%d日} " in chinese.content.decode()


def test_an_overlap_names_the_clashing_day_in_the_interface_language(org: Org) -> None:
    now = timezone.make_aware(datetime.datetime(2026, 10, 9, 18))
    record_create(author=org.author, data=record_input(date=DAY), now=now)
    clashing = record_input(date=DAY, start_time=datetime.time(9, 30), end_time=datetime.time(11, 0))
    with translation.override("en"), pytest.raises(ValidationError) as english:
        record_create(author=org.author, data=clashing, now=now)
    assert english.value.message_dict["start_time"][0].startswith("Overlaps your record “")
    assert english.value.message_dict["start_time"][0].endswith("” on Oct 9 09:00–10:00.")
    with pytest.raises(ValidationError) as chinese:
        record_create(author=org.author, data=clashing, now=now)
    expected = f"与您 10月09日 09:00–10:00 的记实“{GOOD_CONTENT[:20]}”时间重叠。"
    assert chinese.value.message_dict["start_time"] == [expected]  # byte for byte as before
