"""Small defects seen on the way (issue 16): each test fails without its fix."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jishi.org.models import Person
from jishi.testing import Org

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
