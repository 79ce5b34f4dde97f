"""The bar at the top of every page (`{% page_header %}`, core/_header.html): what each reader is offered, in their
language, read from the pages as a browser gets them."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.test import Client

from jishi.org.models import Person
from jishi.testing import Org

pytestmark = pytest.mark.django_db


def header_of(person: Person | None, path: str = "/?entry=1", language: str | None = None) -> str:
    # /?entry=1: the entry form for everyone (a leader's plain / opens on their dashboard, issue 15)
    client = Client()
    if person is not None:
        client.force_login(person)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    return body[body.index('<header class="topbar">') : body.index("</header>")]


def nav_of(header: str) -> str:
    return header[header.index('<nav class="nav">') : header.index("</nav>")]


def menu_labels(header: str) -> list[str]:
    menu = header[header.index('<div class="menu">') :]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', menu)


def test_a_visitor_not_signed_in_sees_only_the_brand(org: Org) -> None:
    header = header_of(None, "/login/")
    assert '<a class="brand" href="/">记实</a>' in header
    assert "<nav" not in header and "inbox-link" not in header and "退出" not in header


def test_the_menu_marks_the_page_the_reader_is_on(org: Org) -> None:
    nav = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav_of(header_of(org.author, "/tasks/")))
    labels = [label for _, _, label in nav]
    assert labels == ["今天", "我的记实", "本单位", "动态", "确认与质询", "检索", "督办", "周报", "考核", "单位"]
    assert [label for _, current, label in nav if current] == ["督办"]
    assert dict((label, href) for href, _, label in nav)["本单位"] == "/unit/"
    # tasks has views named "list" and "unit" too: only 督办 is current there
    assert "aria-current" not in nav_of(header_of(org.author, f"/tasks/unit/{org.finance.pk}/")).replace(
        '<a href="/tasks/" aria-current="page">督办</a>', ""
    )
    assert '<a href="/search/" aria-current="page">检索</a>' in header_of(org.author, "/records/")
    today = header_of(org.author, "/")
    assert '<a href="/" aria-current="page">今天</a>' in today
    assert today.count("aria-current") == 1


def test_staff_get_their_own_page_tokens_and_their_unit_overview_but_no_administration(org: Org) -> None:
    header = header_of(org.author)
    assert f"<summary>{org.author.full_name}</summary>" in header
    assert menu_labels(header) == ["我的主页", "接口令牌", "监督概况"]
    assert f'<a href="/people/{org.author.pk}/">我的主页</a>' in header
    assert f'<a href="/supervision/overview/units/{org.finance.pk}/">监督概况</a>' in header


def test_roles_add_administration_import_and_the_jurisdiction_overview(org: Org) -> None:
    assert menu_labels(header_of(org.admin))[-2:] == ["系统管理", "导入"]
    assert "系统管理" not in menu_labels(header_of(org.hr)) and menu_labels(header_of(org.hr))[-1] == "导入"
    assert '<a href="/supervision/overview/">监督概况</a>' in header_of(org.secretary)


def test_language_switch_and_sign_out_post_with_the_csrf_token_and_come_back_here(org: Org) -> None:
    header = header_of(org.author, "/records/?q=%22a%22&unit=1")
    assert header.count('name="csrfmiddlewaretoken"') == 2
    assert '<input type="hidden" name="next" value="/records/?q=%22a%22&amp;unit=1">' in header
    assert '<button name="language" value="en" class="link">English</button>' in header
    assert '<form method="post" action="/logout/">' in header


def test_the_language_switch_in_the_header_works_with_csrf_checks_on(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.author)
    page = client.get("/tasks/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[page.index('<header class="topbar">') :])
    assert token is not None
    response = client.post("/i18n/setlang/", {"csrfmiddlewaretoken": token[1], "language": "en", "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert '<a href="/tasks/" aria-current="page">Tasks</a>' in client.get("/tasks/").content.decode()


def test_english_readers_get_the_english_menu(org: Org) -> None:
    header = header_of(org.admin, "/", language="en")
    assert '<a href="/" aria-current="page">Today</a>' in header
    # The labels as the reader reads them (the menu's labels come from the apps, escaped: "&amp;" reads "&").
    nav = [
        html.unescape(label)
        for label in re.findall(r'<a href="[^"]+"(?: aria-current="page")?>([^<]+)</a>', nav_of(header))
    ]
    # An administrator reviews the portal's publications everywhere: the review queue (Portal) is in their menu.
    assert nav == [
        "Today", "My records", "My unit", "Feed", "Review", "Search", "Tasks", "Reports", "Assessment", "Portal",
        "Units",
    ]  # fmt: skip
    assert menu_labels(header) == ["My page", "API tokens", "Supervision overview", "Administration", "Import"]
    assert '<button class="link">Log out</button>' in header and ">Notifications</a>" in header
    assert '<button name="language" value="zh-hans" class="link">简体中文</button>' in header
    assert "今天" not in header and "退出" not in header


def test_names_are_escaped(org: Org) -> None:
    Person.objects.filter(pk=org.author.pk).update(full_name='<b>"王"</b>')
    org.author.refresh_from_db()
    summary = re.search(r"<summary>([^<]*)</summary>", header_of(org.author))
    assert summary and "<b>" not in summary[1] and html.unescape(summary[1]) == '<b>"王"</b>'  # &quot; or &#34;


def test_someone_without_a_name_is_shown_by_username(org: Org) -> None:
    Person.objects.filter(pk=org.author.pk).update(full_name="")
    org.author.refresh_from_db()
    assert f"<summary>{org.author.username}</summary>" in header_of(org.author)
