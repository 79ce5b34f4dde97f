"""Entry at the speed of habit (issue 16): the next entry follows the last, copies leave the old times, 常用, a day
repeated, several lines at once, and colleagues first in the people lookup."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from jishi.org.calendar import at
from jishi.records.models import WorkRecord
from jishi.records.services import record_create
from jishi.testing import GOOD_CONTENT, Org, category, record_input, write_record

pytestmark = pytest.mark.django_db


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def value_of(page: str, field: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{field}"[^>]*>', page)
    assert found, field
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else None


def selected_category(page: str) -> str:
    select = re.search(r'<select name="category".*?</select>', page, re.S)
    assert select
    chosen = re.search(r'<option value="\d+" selected>([^<]+)</option>', select.group(0))
    assert chosen
    return chosen.group(1)


def test_the_next_entry_starts_where_the_last_ended_in_its_category(org: Org) -> None:
    write_record(
        org.author, category_id=category("documents").pk, start_time=datetime.time(9), end_time=datetime.time(10, 30)
    )
    client = login(org.author)
    page = client.get("/?entry=1").content.decode()
    assert value_of(page, "start_time") == "10:30"
    assert selected_category(page) == "办文"
    # And after an htmx save, the fresh form follows the record just saved.
    saved = client.post(
        "/",
        {
            "date": timezone.localdate().isoformat(),
            "category": category("research").pk,
            "start_time": "10:30",
            "end_time": "11:45",
            "content": GOOD_CONTENT,
            "visibility": "internal",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert value_of(saved, "start_time") == "11:45" and selected_category(saved) == "调研"
    assert "已保存" in saved and "data-announce" in saved


def test_a_copy_keeps_everything_but_the_old_times(org: Org) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    old = write_record(
        org.author,
        date=yesterday,
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        participant_ids=[org.colleague.pk],
    )
    write_record(
        org.author, start_time=datetime.time(8), end_time=datetime.time(9, 15), content="整理上周会议纪要并分送各科室"
    )
    page = login(org.author).get(f"/?copy={old.pk}").content.decode()
    assert GOOD_CONTENT in page and "李娜" in page
    assert value_of(page, "start_time") == "09:15"  # today's last end, not the copied 14:00
    assert value_of(page, "end_time") is None


def test_frequent_entries_offer_one_tap_copies(org: Org) -> None:
    for days in (1, 2, 3):
        write_record(
            org.author,
            date=timezone.localdate() - datetime.timedelta(days=days),
            content=f"审核政府采购项目材料第{days}批",
        )
    page = login(org.author).get("/?entry=1").content.decode()
    quick = re.search(r'<div class="quick".*?</div>', page, re.S)
    assert quick and "审核政府采购" in quick.group(0) and "?copy=" in quick.group(0)


def test_a_day_is_repeated_today_with_its_times(org: Org) -> None:
    today = timezone.localdate()
    source = today - datetime.timedelta(days=1)
    evening = at(source, datetime.time(20))
    record_create(author=org.author, data=record_input(date=source, participant_ids=[org.colleague.pk]), now=evening)
    record_create(
        author=org.author,
        data=record_input(
            date=source, start_time=datetime.time(14), end_time=datetime.time(15), content="到陆家村调研低保复核情况"
        ),
        now=evening,
    )
    client = login(org.author)
    assert "同昨天" in client.get("/?entry=1").content.decode()
    preview = client.get("/day/", {"from": source.isoformat()}).content.decode()
    assert "09:00–10:00" in preview and "到陆家村调研" in preview and "保存 2 条" in preview
    ids = [str(r.pk) for r in WorkRecord.objects.filter(date=source)]
    response = client.post("/day/", {"from": source.isoformat(), "record": ids, "action": "save_all"})
    assert response.status_code == 302
    copies = WorkRecord.objects.filter(date=today).order_by("start_at")
    assert [timezone.localtime(r.start_at).time() for r in copies] == [datetime.time(9), datetime.time(14)]
    assert copies[0].participants.get().person == org.colleague


LINES = "\n".join(
    [
        "09:00-10:30 会议 与李娜讨论预算调整方案 @李娜",
        "10:30-12:00 办文 起草2027年部门预算编制说明",
        "14:00-16:00 调研 到区民政局了解养老服务补贴发放情况 @区民政局",
        "16:00-17:00 办事服务 为陆家村代办低保复核材料",
    ]
)


def test_a_day_typed_as_lines_is_previewed_then_saved_together(org: Org) -> None:
    client = login(org.author)
    preview = client.post("/day/", {"text": LINES, "action": "preview"}).content.decode()
    assert "保存 4 条" in preview and "区民政局" in preview
    assert not WorkRecord.objects.exists()
    response = client.post("/day/", {"text": LINES, "action": "save_all"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/?saved=day"
    records = list(WorkRecord.objects.order_by("start_at"))
    assert [r.category.name for r in records] == ["会议", "办文", "调研", "办事服务"]
    assert records[0].participants.get().person == org.colleague
    assert records[2].participants.get().unit == org.civil
    assert records[0].content == "与李娜讨论预算调整方案"


def test_wrong_lines_are_shown_each_and_the_person_chooses(org: Org) -> None:
    text = (
        LINES + "\n17:00-16:00 其他 整理当天的会议记录和材料\n18:00-19:00 开会 学习\n19:00-20:00 会议 讨论 @不存在的人"
    )
    client = login(org.author)
    preview = client.post("/day/", {"text": text, "action": "preview"}).content.decode()
    assert "类别" in preview and "找不到“不存在的人”" in preview and "只保存正确的 5 条" in preview
    # All or nothing: the service refuses the backwards times, so nothing is kept, and each refusal is shown.
    refused = client.post("/day/", {"text": text, "action": "save_all"}).content.decode()
    assert not WorkRecord.objects.exists() and "有的行还有错误" in refused
    partial = client.post("/day/", {"text": text, "action": "save_valid"}).content.decode()
    assert WorkRecord.objects.count() == 4
    assert "已保存 4 条" in partial and "结束时间必须晚于开始时间" in partial
    # The wrong lines stay in the box to be corrected; the saved ones are gone from it.
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", partial, re.S)
    assert box and "17:00-16:00 其他" in box.group(1) and "09:00-10:30 会议" not in box.group(1)


def test_a_refusal_by_the_service_keeps_nothing_when_all_or_nothing(org: Org) -> None:
    text = "09:00-10:00 会议 开会\n10:00-11:00 办文 起草2027年部门预算编制说明"  # 开会: too thin for the service
    client = login(org.author)
    page = client.post("/day/", {"text": text, "action": "save_all"}).content.decode()
    assert not WorkRecord.objects.exists()
    assert "没有保存" in page and "只保存正确的 1 条" in page


@pytest.mark.parametrize(
    "params",
    [
        {"text": "09:00-10:00 会议 与李娜讨论\x00预算调整方案的具体安排", "action": "save_all"},
        {"text": "99:99-00:00 会议 讨论预算\n@@@ @ ＠", "action": "save_valid"},
        {"text": "9" * 30_000, "action": "preview"},
        {"from": "2026-13-45", "action": "save_all"},
        {"from": "1999-01-01", "record": ["x", "-1"], "action": "save_all"},
        {"action": "nonsense"},
    ],
)
def test_bad_input_to_the_day_mode_is_never_a_server_error(org: Org, params: dict[str, Any]) -> None:
    client = login(org.author)
    assert client.post("/day/", params).status_code == 200
    assert not WorkRecord.objects.exists()
    assert client.get("/day/", {k: v for k, v in params.items() if k != "record"}).status_code == 200


@pytest.mark.parametrize("record", ["²", "9" * 30, "-1"])
def test_a_wrong_record_id_in_a_repeated_day_is_never_a_server_error(org: Org, record: str) -> None:
    source = timezone.localdate() - datetime.timedelta(days=1)
    record_create(author=org.author, data=record_input(date=source), now=at(source, datetime.time(20)))
    response = login(org.author).post("/day/", {"from": source.isoformat(), "record": [record], "action": "save_all"})
    assert response.status_code == 200  # "²" is a digit to str.isdigit but not to int(): it was a 500
    assert WorkRecord.objects.count() == 1


def test_another_persons_day_cannot_be_repeated(org: Org) -> None:
    source = timezone.localdate() - datetime.timedelta(days=1)
    other = record_create(author=org.colleague, data=record_input(date=source), now=at(source, datetime.time(20)))
    client = login(org.author)
    page = client.get("/day/", {"from": source.isoformat()}).content.decode()
    assert GOOD_CONTENT not in page
    client.post("/day/", {"from": source.isoformat(), "record": [str(other.pk)], "action": "save_all"})
    assert not WorkRecord.objects.filter(author=org.author).exists()


def test_people_lookup_ranks_the_section_then_recent_partners(org: Org, django_assert_max_num_queries: Any) -> None:
    # 李娜 and 刘洋 (the author's section, its head) come before the rest; 胡平, of another unit, named on one of the
    # author's records, before 何燕 and 黄敏 whom pinyin would put first.
    write_record(org.author, participant_ids=[org.hr.pk])
    client = login(org.author)
    with django_assert_max_num_queries(6):  # session, user, cache generations: 4; people ranked, their posts: 2
        body = client.get("/lookup/people/", {"q": "l"}).content.decode()
    assert re.findall(r'data-label="([^"]+)"', body)[:2] == ["李娜", "刘洋"]
    body = client.get("/lookup/people/", {"q": "h"}).content.decode()
    assert re.findall(r'data-label="([^"]+)"', body) == ["胡平", "何燕", "黄敏"]
    # 李娜 never worked with them: pinyin order.
    body = login(org.colleague).get("/lookup/people/", {"q": "h"}).content.decode()
    assert re.findall(r'data-label="([^"]+)"', body) == ["何燕", "黄敏", "胡平"]


def test_the_day_mode_speaks_english_with_the_english_interface(org: Org) -> None:
    client = login(org.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/day/", {"text": "会议 讨论预算\n" + LINES, "action": "preview"}).content.decode()
    assert "Start the line with the times" in page and "Save only the 4 correct ones" in page and "Line 1" in page
    client.post("/day/", {"text": LINES, "action": "save_all"})
    assert "4 records saved." in client.get("/?saved=day").content.decode()


def test_a_line_without_its_start_follows_the_days_last_record(org: Org) -> None:
    write_record(org.author, start_time=datetime.time(8, 30), end_time=datetime.time(9, 30))
    text = "-10:30 会议 与李娜讨论预算调整方案 @李娜\n-12:00 办文 起草2027年部门预算编制说明"
    login(org.author).post("/day/", {"text": text, "action": "save_all"})
    spans = [r.time_span for r in WorkRecord.objects.order_by("start_at")]
    assert spans == ["08:30–09:30", "09:30–10:30", "10:30–12:00"]
