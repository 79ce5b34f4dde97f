"""Small defects seen on the way (issue 16): each test fails without its fix."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from jishi.org.models import Person
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db


def login(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return " ".join(found.group(1).split())


def test_the_import_page_title_names_the_site_once(org: Org) -> None:
    page = login(org.admin).get("/records/import/").content.decode()
    assert title(page) == "导入记实 · 记实"
    people = login(org.admin).get("/records/import/?kind=people").content.decode()
    assert title(people).count("记实") == 1


def menu(html: str) -> str:
    found = re.search(r'<nav class="nav">(.*?)</nav>', html, re.S)
    assert found
    return found.group(1)


def test_inspectors_have_flags_in_the_menu_and_others_do_not(org: Org) -> None:
    menu_link = 'href="/supervision/flags/"'
    assert menu_link in menu(login(org.inspector).get("/supervision/").content.decode())
    assert menu_link in menu(login(org.scoped_inspector).get("/").content.decode())
    flags = menu(login(org.inspector).get("/supervision/flags/").content.decode())
    assert re.search(r'href="/supervision/flags/"[^>]*aria-current="page"', flags)
    assert menu_link not in menu(login(org.author).get("/supervision/").content.decode())


def test_my_unit_opens_on_ones_own_section_with_the_department_one_tap_away(org: Org) -> None:
    client = login(org.author)  # 预算科 科员
    opened = client.get("/unit/")
    assert opened.status_code == 302 and opened["Location"] == f"/units/{org.budget.pk}/"
    page = client.get(opened["Location"]).content.decode()
    assert f'href="/units/{org.finance.pk}/' in page  # 区财政局, above the title


def test_who_has_not_filed_is_grouped_by_section_with_counts(org: Org) -> None:
    day = datetime.date(2026, 10, 9)  # a Friday, a working day
    page = login(org.unit_head).get(f"/units/{org.finance.pk}/", {"date": day.isoformat()}).content.decode()
    unfiled = page.split('id="unfiled"')[1].split("</section>")[0]
    groups = {
        re.sub(r"<[^>]+>", "", heading).split()[0]: heading for heading in re.findall(r"<h3>(.*?)</h3>", unfiled, re.S)
    }
    assert {"预算科", "国库科", "本级"} <= set(groups), unfiled
    budget = unfiled.split(groups["预算科"])[1].split("</div>")[0]
    assert org.author.full_name in budget and org.colleague.full_name in budget and org.sibling.full_name not in budget
    assert "人" in groups["预算科"] and re.search(r"\d+ 人", groups["预算科"])
    own = unfiled.split(groups["本级"])[1].split("</div>")[0]
    assert org.unit_head.full_name in own  # posted on the department itself
    section = login(org.section_head).get(f"/units/{org.budget.pk}/", {"date": day.isoformat()}).content.decode()
    assert "<h3>" not in section.split('id="unfiled"')[1].split("</section>")[0]  # one section: no headings


def test_the_instruction_form_chooses_the_owner_by_name_search(org: Org) -> None:
    from django.utils import timezone

    from jishi.tasks.models import Task

    record = write_record(org.author, start_time=None, end_time=None, duration_minutes=30)
    client = login(org.district_deputy)
    url = f"/tasks/records/{record.pk}/instruct/"
    form = client.get(url).content.decode()
    assert 'data-chip-name="owner_person"' in form and 'hx-get="/lookup/people/' in form
    assert "用户名或工号" not in form
    options = client.get("/lookup/people/", {"q": "李娜"}).content.decode()
    assert f'data-id="{org.colleague.pk}"' in options
    deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    base = {"title": "请抓紧落实", "owner_unit": org.finance.pk, "deadline": deadline}
    wrong = client.post(url, {**base, "owner_person": "999999"}).content.decode()
    assert "没有找到该人员。" in wrong and not Task.objects.exists()
    kept = client.post(url, {**base, "owner_person": str(org.colleague.pk), "deadline": ""}).content.decode()
    assert f'name="owner_person" value="{org.colleague.pk}"' in kept  # the chosen person's chip survives an error
    assert client.post(url, {**base, "owner_person": str(org.colleague.pk)}).status_code == 302
    assert Task.objects.get().owner_person == org.colleague
    typed = client.post(url, {**base, "title": "再落实", "lookup_person": "李娜"})  # without script: a unique name
    assert typed.status_code == 302 and Task.objects.get(title="再落实").owner_person == org.colleague


def test_english_shows_categories_notifications_and_a_short_menu_label(
    org: Org, django_capture_on_commit_callbacks: Any
) -> None:
    from django.conf import settings

    from jishi.records.models import Category
    from jishi.supervision import services

    record = write_record(org.author, start_time=None, end_time=None, duration_minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(actor=org.unit_head, record=record, text="思路清楚，下周把分工细化到人。")
    client = login(org.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    category = record.category
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert f'<span class="tag">{category.label}</span>' in page and category.label != category.name
    inbox = client.get("/inbox/").content.decode()
    assert "赵强 (leadership) commented on your record" in inbox and "点评了你的记实" not in inbox
    bar = menu(inbox)
    assert "Review" in bar and "Confirmations" not in bar
    Category.objects.filter(pk=category.pk).update(name="专项整治")  # renamed by an administrator: kept as stored
    assert '<span class="tag">专项整治</span>' in client.get(f"/records/{record.pk}/").content.decode()
    chinese = login(org.author).get("/inbox/").content.decode()
    assert "领导赵强点评了你的记实" in chinese
