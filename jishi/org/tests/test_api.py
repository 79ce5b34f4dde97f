"""Organisation endpoints: ids outside a bigint are invalid input (422), people are found by 工号 as by name."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.testing import Org


@pytest.fixture
def api(org: Org) -> Client:
    _, secret = token_create(person=org.author, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("/api/v1/units?parent=-81049581007149121536", ["query", "parent"]),
        ("/api/v1/units/9223372036854775808", ["path", "unit_id"]),
        ("/api/v1/positions?unit=9223372036854775808", ["query", "unit"]),
        ("/api/v1/people?unit=-9223372036854775809", ["query", "unit"]),
        ("/api/v1/people/18446744073709551616", ["path", "person_id"]),
        ("/api/v1/duties?unit=99999999999999999999", ["query", "unit"]),
        ("/api/v1/duties?position=0", ["query", "position"]),
    ],
)
def test_ids_outside_a_bigint_are_invalid_input_not_a_server_error(api: Client, url: str, where: list[str]) -> None:
    """Generated requests (schemathesis) found 500s here: SQLite's driver cannot bind an int beyond 64 bits."""
    response = api.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == where


def test_the_largest_id_is_looked_up_and_not_found(api: Client) -> None:
    assert api.get(f"/api/v1/units/{2**63 - 1}").status_code == 404
    assert api.get("/api/v1/units", {"parent": 2**63 - 1}).json() == []


def test_people_are_found_by_employee_number_and_username(api: Client, org: Org) -> None:
    org.colleague.employee_number = "JD000123"
    org.colleague.save(update_fields=["employee_number"])

    def names(q: str) -> list[str]:
        return [p["name"] for p in api.get("/api/v1/people", {"q": q}).json()]

    assert names("JD000123") == ["李娜"]
    assert names("jd0001") == ["李娜"]  # the beginning of a 工号, in either case
    assert names("colleague") == ["李娜"]  # the login name (an imported person's is the 工号)
    assert names("coll") == []  # but not part of one: short queries would match everyone's
    assert names("李") == ["李娜"]  # names as before
