"""One-time set-password links: how imported people (created without a password) get their first one."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from jishi.testing import Org


def test_the_command_names_unknown_and_inactive_accounts(org: Org) -> None:
    with pytest.raises(CommandError, match="没有这些账户：nobody"):
        call_command("password_link", "author", "nobody")
    org.author.is_active = False
    org.author.save()
    with pytest.raises(CommandError, match="已停用"):
        call_command("password_link", "author")
    out = io.StringIO()
    call_command("password_link", "colleague", "sibling", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["colleague", "sibling"]
    assert all("/password/set/" in line for line in lines)


def test_administrators_make_links_from_the_people_list(org: Org) -> None:
    from django.test import Client

    client = Client()
    client.force_login(org.admin)
    response = client.post(
        "/admin/org/person/",
        {"action": "password_links", "_selected_action": [org.author.pk, org.colleague.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert page.count("/password/set/") == 2 and "张伟（author）" in page
