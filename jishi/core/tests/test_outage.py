"""While the database cannot be reached, the API answers 503 JSON and pages a short Chinese page, with Retry-After."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError, close_old_connections, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings

from jishi.core.outage import is_database_unavailable
from jishi.org.models import Person
from jishi.testing import Org, PersonFactory, connect_to_nowhere, terminate_this_connection, write_record

pytestmark = pytest.mark.django_db


def database_away() -> Any:
    """Every query of the request finds the database away (Django connects, or checks the connection, first)."""
    return mock.patch.object(connection, "ensure_connection", side_effect=connect_to_nowhere)


def _assert_no_server_details(body: str) -> None:
    assert "Traceback" not in body and "/work/" not in body and "site-packages" not in body


def test_the_api_answers_503_json_with_retry_after(org: Org, client: Client) -> None:
    client.force_login(org.author)
    with database_away():
        response = client.get("/api/v1/records")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "暂时无法连接数据库，请稍后重试"}
    _assert_no_server_details(response.content.decode())


def test_a_bearer_token_check_that_finds_the_database_away_is_a_503(org: Org, client: Client) -> None:
    with database_away():
        response = client.get("/api/v1/records", headers={"Authorization": "Bearer jsk_not-a-real-token"})
    assert response.status_code == 503
    assert response.json()["detail"] == "暂时无法连接数据库，请稍后重试"


@override_settings(DEBUG=True)
def test_the_api_answers_503_under_debug_too(org: Org, client: Client) -> None:
    client.force_login(org.author)
    with database_away():
        response = client.get("/api/v1/records")
    assert response.status_code == 503
    _assert_no_server_details(response.content.decode())


def test_a_page_answers_a_short_chinese_page(org: Org, client: Client) -> None:
    record = write_record(org.author)
    client.force_login(org.author)
    with database_away():
        response = client.get(f"/records/{record.pk}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "暂时无法连接数据库" in body and '<html lang="zh-Hans">' in body
    _assert_no_server_details(body)


class ReadsTheDatabaseFirst:
    """Stands for a middleware that reads the database before the view (sessions, users, login lockouts)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        Person.objects.exists()
        return self.get_response(request)


def _with_middleware_after(anchor: str, added: str, middleware: list[str]) -> list[str]:
    at = middleware.index(anchor) + 1
    return [*middleware[:at], added, *middleware[at:]]


@pytest.mark.parametrize(("path", "json"), [("/api/v1/records", True), ("/", False)])
def test_an_outage_met_inside_another_middleware_is_a_503_too(org: Org, settings: Any, path: str, json: bool) -> None:
    # Django turns that middleware's exception into a 500 in its own layer; the outermost one must still see it.
    settings.MIDDLEWARE = _with_middleware_after(
        "django.contrib.sessions.middleware.SessionMiddleware",
        f"{__name__}.ReadsTheDatabaseFirst",
        settings.MIDDLEWARE,
    )
    client = Client(raise_request_exception=False)  # as a real server: the exception is not re-raised to the caller
    with database_away():
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()["detail"] if json else response.content.decode()
    assert "暂时无法连接数据库" in body


def test_a_page_is_served_again_once_the_database_is_back(org: Org, client: Client) -> None:
    client.force_login(org.author)
    with database_away():
        assert client.get("/").status_code == 503
    assert client.get("/").status_code == 200


def _error(run: Callable[[], object]) -> BaseException:
    try:
        with transaction.atomic():
            run()
    except Exception as error:
        return error
    raise AssertionError("expected a database error")


def test_only_connection_errors_count_as_the_database_being_away(org: Org) -> None:
    def missing_table() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM no_such_table_here")

    def duplicate_username() -> None:
        Person.objects.create(username=org.author.username)

    assert is_database_unavailable(_error(connect_to_nowhere))
    assert not is_database_unavailable(_error(missing_table))  # a bug to fix, not an outage
    duplicate = _error(duplicate_username)
    assert isinstance(duplicate, IntegrityError) and not is_database_unavailable(duplicate)
    assert not is_database_unavailable(OperationalError("no driver error behind it"))
    assert not is_database_unavailable(ValueError("not a database error"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
def test_a_connection_terminated_by_postgresql_is_a_503_then_the_next_request_reconnects() -> None:
    person = PersonFactory()
    client = Client()
    client.force_login(person)
    assert client.get("/api/v1/records").status_code == 200
    terminate_this_connection()
    response = client.get("/api/v1/records")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    close_old_connections()  # what Django does when a real request finishes (the test client leaves it out)
    assert client.get("/api/v1/records").status_code == 200
