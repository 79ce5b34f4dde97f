"""The pages as a person uses them: quick entry, edits, the month calendar, the unit's day, bounded queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from jishi.records.models import Addendum, Attachment, WorkRecord
from jishi.records.services import record_withdraw
from jishi.testing import GOOD_CONTENT, Org, category, write_record


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "date": timezone.localdate().isoformat(),
        "category": category().pk,
        "start_time": "09:00",
        "end_time": "10:00",
        "content": GOOD_CONTENT,
        "visibility": "internal",
    }
    data.update(overrides)
    return data


def test_login_page_and_redirect_for_anonymous(db) -> None:
    assert Client().get("/").status_code == 302
    page = Client().get("/login/")
    assert "登录记实" in page.content.decode()


def test_quick_entry_creates_a_record_and_shows_it_on_the_timeline(org: Org) -> None:
    client = login(org.author)
    response = client.post(
        "/", form(participants=[org.colleague.pk], partner_unit=[org.civil.pk], partner_contact=["孙科长"])
    )
    assert response.status_code == 302
    record = WorkRecord.objects.get()
    assert record.participants.count() == 2
    page = client.get("/").content.decode()
    assert GOOD_CONTENT[:20] in page and "09:00–10:00" in page


def test_htmx_entry_swaps_the_page_and_signals_the_draft_to_clear(org: Org) -> None:
    client = login(org.author)
    response = client.post("/", form(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "jishi:record-saved"
    assert "<html" not in response.content.decode() and GOOD_CONTENT[:20] in response.content.decode()


def test_errors_are_shown_in_chinese_and_keep_what_was_typed(org: Org) -> None:
    client = login(org.author)
    response = client.post("/", form(content="开会", participants=[org.colleague.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "内容过于简单" in body and "开会" in body and org.colleague.full_name in body
    assert "HX-Trigger" not in response
    response = client.post("/", form(start_time="11:00", end_time="10:00"))
    assert "结束时间必须晚于开始时间" in response.content.decode()
    response = client.post("/", form(date="2026-13-40"))
    assert "日期" in response.content.decode() and response.status_code == 200
    assert not WorkRecord.objects.exists()


def test_copy_from_an_earlier_day_prefills_the_form(org: Org) -> None:
    old = write_record(
        org.author, date=timezone.localdate() - datetime.timedelta(days=1), participant_ids=[org.colleague.pk]
    )
    body = login(org.author).get(f"/?copy={old.pk}").content.decode()
    assert GOOD_CONTENT in body and org.colleague.full_name in body
    assert timezone.localdate().isoformat() in body
    assert login(org.colleague).get(f"/?copy={old.pk}").status_code == 404
    withdrawn = write_record(org.author, content="这条记实已经撤回，其内容谁都不能再复制")
    record_withdraw(actor=org.author, record=withdrawn, reason="填重了")
    assert login(org.author).get(f"/?copy={withdrawn.pk}").status_code == 404


def test_edit_within_the_window_and_not_after(org: Org) -> None:
    record = write_record(org.author)
    client = login(org.author)
    assert client.get(f"/records/{record.pk}/edit/").status_code == 200
    response = client.post(f"/records/{record.pk}/edit/", form(result="已形成会议纪要"))
    assert response.status_code == 302
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert "第 2 版" in page and "已形成会议纪要" in page
    assert login(org.colleague).get(f"/records/{record.pk}/edit/").status_code == 403
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=timezone.now())
    assert client.get(f"/records/{record.pk}/edit/").status_code == 403
    assert client.post(f"/records/{record.pk}/edit/", form(content="篡改后的内容，与某单位召开会议")).status_code == 403
    assert WorkRecord.objects.get(pk=record.pk).version == 2


def test_addenda_and_attachments_follow_the_lock(org: Org) -> None:
    record = write_record(org.author)
    client = login(org.author)
    upload = SimpleUploadedFile("纪要.txt", "会议纪要".encode())
    client.post(f"/records/{record.pk}/attachments/", {"file": upload})
    attachment = Attachment.objects.get()
    download = client.get(f"/records/{record.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == "会议纪要".encode()
    client.post(f"/records/{record.pk}/addenda/", {"content": "锁定前不应成功的补充"})
    assert not Addendum.objects.exists()
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=timezone.now())
    client.post(f"/records/{record.pk}/attachments/", {"file": SimpleUploadedFile("b.txt", b"x")})
    assert Attachment.objects.count() == 1
    client.post(f"/records/{record.pk}/addenda/", {"content": "更正：参会的还有国库科"})
    assert Addendum.objects.get().content == "更正：参会的还有国库科"
    assert "更正：参会的还有国库科" in client.get(f"/records/{record.pk}/").content.decode()


def test_sensitive_attachments_are_not_served_to_those_outside(org: Org) -> None:
    record = write_record(org.author, is_sensitive=True)
    login(org.author).post(f"/records/{record.pk}/attachments/", {"file": SimpleUploadedFile("a.txt", b"secret")})
    attachment = Attachment.objects.get()
    assert login(org.unrelated).get(f"/records/{record.pk}/attachments/{attachment.pk}/").status_code == 404
    assert login(org.section_head).get(f"/records/{record.pk}/attachments/{attachment.pk}/").status_code == 200


def test_month_calendar_marks_filed_missing_and_holidays(org: Org) -> None:
    client = login(org.author)
    page = client.get("/me/", {"month": "2026-10"}).content.decode()
    assert 'data-day="2026-10-01" data-kind="holiday"' in page
    assert 'data-day="2026-10-09" data-kind="missing"' in page
    assert 'data-day="2026-10-10" data-kind="missing"' in page  # the 调休 Saturday is owed
    partial = client.get("/me/", {"month": "2026-10", "date": "2026-10-09"}, HTTP_HX_REQUEST="true")
    assert "这一天没有记实" in partial.content.decode() and "<html" not in partial.content.decode()
    assert client.get("/me/", {"month": "garbage"}).status_code == 200


def test_unit_page_shows_who_has_not_filed_to_the_unit_and_superiors_only(org: Org) -> None:
    day = datetime.date(2026, 10, 9)
    from jishi.records.services import record_create
    from jishi.testing import record_input

    record_create(
        author=org.colleague,
        data=record_input(date=day),
        now=timezone.make_aware(datetime.datetime(2026, 10, 9, 18)),
    )
    head_page = login(org.unit_head).get(f"/units/{org.finance.pk}/", {"date": day.isoformat()}).content.decode()
    unfiled = head_page.split('id="unfiled"')[1].split("</section>")[0]
    assert org.author.full_name in unfiled and org.colleague.full_name not in unfiled
    assert org.unit_head.full_name in unfiled  # the head owes a record too
    assert f'href="/people/{org.author.pk}/"' in unfiled  # each name links to the person's records
    assert "预算科" in unfiled and " 人</span>" in unfiled  # grouped by section, each with its count
    english = login(org.unit_head)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    shown = english.get(f"/units/{org.finance.pk}/", {"date": day.isoformat()}).content.decode()
    assert "Not filed" in shown and ("1 person" in shown or " people</span>" in shown)
    outsider_page = login(org.unrelated).get(f"/units/{org.finance.pk}/", {"date": day.isoformat()}).content.decode()
    assert 'id="unfiled"' not in outsider_page and GOOD_CONTENT[:15] in outsider_page


def test_who_has_not_filed_follows_new_records_absences_and_transfers_at_once(org: Org) -> None:
    from jishi.org.models import Absence, Assignment
    from jishi.records.services import record_create
    from jishi.testing import record_input

    day = datetime.date(2026, 10, 9)
    client = login(org.unit_head)

    def unfiled() -> str:
        page = client.get(f"/units/{org.finance.pk}/", {"date": day.isoformat()}).content.decode()
        return page.split('id="unfiled"')[1].split("</section>")[0]

    assert all(p.full_name in unfiled() for p in (org.author, org.colleague, org.sibling))
    record_create(
        author=org.author, data=record_input(date=day), now=timezone.make_aware(datetime.datetime(2026, 10, 9, 18))
    )
    Absence.objects.create(person=org.colleague, start=day, end=day, kind="leave")
    Assignment.objects.filter(person=org.sibling).update(start=day + datetime.timedelta(days=1))
    shown = unfiled()
    assert org.author.full_name not in shown  # filed
    assert org.colleague.full_name not in shown  # on leave that day
    assert org.sibling.full_name not in shown  # held no post that day
    assert org.section_head.full_name in shown


def test_people_lookup_by_name_pinyin_or_initials_shows_unit_and_post(org: Org) -> None:
    client = login(org.colleague)
    for query in ("张", "zhangwei", "zw"):
        body = client.get("/lookup/people/", {"q": query}).content.decode()
        assert "张伟" in body and "预算科" in body, query
    assert "没有找到" in client.get("/lookup/people/", {"q": "不存在的人"}).content.decode()
    assert "区民政局" in client.get("/lookup/units/", {"q": "民政"}).content.decode()
    org.author.employee_number = "JD000123"
    org.author.save(update_fields=["employee_number"])
    assert "张伟" in client.get("/lookup/people/", {"q": "JD000123"}).content.decode()  # by 工号 too


def test_person_page_shows_missing_days_only_to_self_and_superiors(org: Org) -> None:
    assert "本月缺记" in login(org.section_head).get(f"/people/{org.author.pk}/").content.decode()
    assert "本月缺记" in login(org.author).get(f"/people/{org.author.pk}/").content.decode()
    assert "本月缺记" not in login(org.unrelated).get(f"/people/{org.author.pk}/").content.decode()


@pytest.mark.parametrize("path", ["/records/", "/units/{finance}/", "/people/{author}/", "/", "/me/"])
def test_list_pages_have_bounded_queries(org: Org, path: str, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        write_record(
            org.author if n % 2 else org.colleague,
            start_time=None,
            end_time=None,
            duration_minutes=5,
            participant_ids=[org.sibling.pk],
            content=f"审核第{n}号政府采购项目材料，提出修改意见",
        )
    client = login(org.section_head)
    url = path.format(finance=org.finance.pk, author=org.author.pk)
    client.get(url)
    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200


def test_token_page_shows_the_secret_once_and_revokes(org: Org) -> None:
    client = login(org.author)
    body = client.post("/account/tokens/", {"name": "办公系统对接"}).content.decode()
    secret = body.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("jsk_") and "只显示这一次" in body
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/records").status_code == 200
    assert secret not in client.get("/account/tokens/").content.decode()
    assert "请填写令牌用途" in client.post("/account/tokens/", {"name": "  "}).content.decode()
    token = org.author.api_tokens.get()
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_interface_switches_to_english(org: Org) -> None:
    client = login(org.author)
    assert "今天的记实" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Today&#x27;s records" in body or "Today's records" in body
    assert "What was done" in body


def test_a_leaders_restricted_share_is_shown_to_all_staff(org: Org) -> None:
    write_record(org.unit_head)
    write_record(org.unit_head, visibility="superiors", start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    body = login(org.unrelated).get(f"/people/{org.unit_head.pk}/").content.decode()
    share = body.split('id="restricted-share">')[1].split("</p>")[0]
    assert "2 条" in share and "1 条" in share and "50%" in share
    assert 'id="restricted-share"' not in login(org.unrelated).get(f"/people/{org.author.pk}/").content.decode()


def test_who_has_not_filed_in_a_unit_too_big_for_a_list_of_ids_is_the_same(org: Org, monkeypatch: Any) -> None:
    from jishi.records import selectors

    day = datetime.date(2026, 10, 9)
    now = timezone.make_aware(datetime.datetime(2026, 10, 9, 18))
    from jishi.records.services import record_create
    from jishi.testing import record_input

    record_create(author=org.colleague, data=record_input(date=day), now=now)
    withdrawn = record_create(
        author=org.author,
        data=record_input(date=day, start_time=datetime.time(14), end_time=datetime.time(15)),
        now=now,
    )
    record_withdraw(actor=org.author, record=withdrawn, reason="重复", now=now)
    listed = selectors.unfiled_on(unit=org.finance, day=day)
    monkeypatch.setattr(selectors, "MANY_MEMBERS", 0)
    assert selectors.unfiled_on(unit=org.finance, day=day) == listed
    names = [m.full_name for m in listed]
    assert org.author.full_name in names and org.colleague.full_name not in names


def test_the_list_takes_its_period_as_date_from_and_date_to(org: Org) -> None:
    today = timezone.localdate()
    write_record(org.author, content="今天与区民政局召开养老服务协调会，明确三项分工")
    write_record(org.author, date=today - datetime.timedelta(days=3), content="三天前到马陆镇调研村级财务管理情况")
    client = login(org.author)

    def listed(**query: str) -> str:
        return client.get("/records/", query).content.decode()

    page = listed(date_from=today.isoformat(), date_to=today.isoformat())
    assert "今天与区民政局" in page and "三天前到马陆镇" not in page
    assert f'name="date_from" value="{today.isoformat()}"' in page  # the form keeps the period
    bookmarked = listed(**{"from": today.isoformat()})  # the earlier name still works until the next release
    assert "今天与区民政局" in bookmarked and "三天前到马陆镇" not in bookmarked
