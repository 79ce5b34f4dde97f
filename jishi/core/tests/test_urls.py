"""Every link a reader is shown leads to a page that answers: the links of the main pages, followed one by one."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from jishi.org.models import Person
from jishi.testing import Org, write_record

pytestmark = pytest.mark.django_db

# Pages that are not pages to follow: files, sign-out, the admin (tested with Django's own).
NOT_FOLLOWED = ("/static/", "/media/", "/logout/", "/admin/")


def links_on(body: str) -> set[str]:
    hrefs = {html.unescape(href) for href in re.findall(r'\bhref="([^"#]*)"', body)}
    return {href for href in hrefs if href.startswith("/") and not href.startswith(NOT_FOLLOWED)}


def followed(person: Person, start: list[str]) -> dict[str, int]:
    """The status each link of the start pages ends at, after its redirects (such as 本单位 to the reader's unit);
    a link that sends the reader to sign in counts as a 401."""
    client = Client()
    client.force_login(person)

    def status(path: str) -> int:
        response = client.get(path, follow=True)
        if any(url.startswith("/login/") for url, _ in response.redirect_chain):
            return 401
        return response.status_code

    found: set[str] = set()
    for path in start:
        assert status(path) == 200, path
        found |= links_on(client.get(path, follow=True).content.decode())
    return {href: status(href) for href in sorted(found)}


def test_every_link_on_the_main_pages_answers(org: Org) -> None:
    record = write_record(org.author)
    start = ["/", "/unit/", "/me/", "/records/", "/feeds/", "/tasks/", "/supervision/", f"/records/{record.pk}/"]
    statuses = followed(org.author, start)
    assert f"/records/{record.pk}/" in statuses and f"/people/{org.author.pk}/" in statuses
    assert f"/units/{org.finance.pk}/" in statuses or f"/units/{org.budget.pk}/" in statuses
    assert {href: status for href, status in statuses.items() if status != 200} == {}


def test_every_link_a_leader_and_an_administrator_see_answers(org: Org) -> None:
    write_record(org.author)
    for person in (org.unit_head, org.admin):
        statuses = followed(person, ["/", "/unit/", "/records/", "/supervision/"])
        assert {href: status for href, status in statuses.items() if status != 200} == {}, person
