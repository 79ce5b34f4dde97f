"""What the scoped roles see: an administrator alone is told it needs a reading grant, and the admin site grants one."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.org.models import Person, Role, RoleGrant
from jishi.org.rules import NEEDS_READING_GRANT
from jishi.org.services import administrator_create
from jishi.testing import LONG_AGO, Org

NEEDS = "需要纪检监察或组织人事授权"


@pytest.fixture
def sysadmin(org: Org) -> Person:
    """An administrator as `jishi createsuperuser` makes one: the role, no post, no reading grant."""
    return administrator_create(username="sysadmin", full_name="王磊", password="a-long-and-unusual-passphrase")


def browser(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def api(person: Person) -> Client:
    _, secret = token_create(person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def record_surfaces(org: Org) -> list[str]:
    return [
        "/supervision/overview/",
        f"/supervision/overview/units/{org.finance.pk}/",
        f"/duties/coverage/?unit={org.finance.pk}",
        f"/duties/coverage/?person={org.author.pk}",
    ]


def test_an_administrator_alone_is_told_it_needs_a_reading_grant(org: Org, sysadmin: Person) -> None:
    client = browser(sysadmin)
    for url in record_surfaces(org):
        page = client.get(url)
        assert page.status_code == 403, url
        assert NEEDS in page.content.decode(), url
    token = api(sysadmin)
    for url, query in [
        ("/api/v1/supervision/overview", {}),
        ("/api/v1/supervision/overview", {"unit": org.finance.pk}),
        ("/api/v1/duties/coverage", {"unit": org.finance.pk}),
    ]:
        answer = token.get(url, query)
        assert answer.status_code == 403 and answer.json()["detail"] == NEEDS_READING_GRANT, url
    # A unit that does not exist is still missing, for everyone.
    assert client.get("/supervision/overview/units/999999/").status_code == 404
    # The organisation stays theirs to manage.
    assert client.get("/admin/org/unit/").status_code == 200


def test_others_refused_still_learn_nothing(org: Org) -> None:
    """Staff outside the scope get the 404 of a missing object, as before: only the administrator role is told why."""
    for url in record_surfaces(org)[1:]:
        assert browser(org.unrelated).get(url).status_code == 404, url


def test_the_admin_grants_inspection_of_some_units_and_the_figures_open(org: Org, sysadmin: Person) -> None:
    admin = browser(org.admin)
    response = admin.post(
        "/admin/org/rolegrant/add/",
        {
            "person": sysadmin.pk,
            "role": Role.INSPECTOR,
            "units": [org.finance.pk],
            "granted_on": LONG_AGO.isoformat(),
            "note": "派驻纪检组",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(person=sysadmin, role=Role.INSPECTOR)
    assert list(grant.units.all()) == [org.finance]

    client = browser(sysadmin)
    assert client.get(f"/supervision/overview/units/{org.finance.pk}/").status_code == 200
    assert client.get(f"/duties/coverage/?unit={org.finance.pk}").status_code == 200
    # Outside the granted scope: a reader with a reading grant is refused like anyone else.
    assert client.get(f"/supervision/overview/units/{org.civil.pk}/").status_code == 404
    assert client.get("/supervision/overview/").status_code == 404


def test_a_reading_grant_without_a_scope_is_refused_by_the_admin(org: Org, sysadmin: Person) -> None:
    page = browser(org.admin).post(
        "/admin/org/rolegrant/add/",
        {"person": sysadmin.pk, "role": Role.HR, "granted_on": LONG_AGO.isoformat()},
    )
    assert page.status_code == 200 and "须选择范围单位" in page.content.decode()
    assert not RoleGrant.objects.filter(person=sysadmin, role=Role.HR).exists()
    # The whole jurisdiction is a scope too.
    done = browser(org.admin).post(
        "/admin/org/rolegrant/add/",
        {"person": sysadmin.pk, "role": Role.HR, "all_units": "on", "granted_on": LONG_AGO.isoformat()},
    )
    assert done.status_code == 302
    assert browser(sysadmin).get("/supervision/overview/").status_code == 200
