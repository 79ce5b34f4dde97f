"""What every API operation shares: the id type, the error bodies, and the statuses every operation may answer.

An operation declares its answers once with `answers(...)`; the OpenAPI document then lists every status the
operation really gives, and the generated-request test (core/tests/test_api_fuzz.py) fails on any other.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Schema
from ninja.parser import Parser

from jishi.core.http import Id

__all__ = [
    "BODY_REFUSED",
    "ErrorOut",
    "Id",
    "InvalidOut",
    "StrictJSONParser",
    "ThrottledOut",
    "UnitAndBelow",
    "answers",
]

# A unit filter on records and tasks: the unit's sections are included.
UnitAndBelow = Annotated[Id | None, Query(None, description="含下级科室")]


class ErrorOut(Schema):
    """A refusal in words: 400 with the errors per field (from a service); 401, 403, 404 and 503 without them."""

    detail: str
    errors: dict[str, list[str]] = {}


class InvalidOut(Schema):
    """422: the request does not fit the operation's schema (a value of the wrong type or out of range, such as an
    id above 2^63-1); one entry per bad value, as pydantic reports it."""

    detail: list[dict[str, Any]]


class ThrottledOut(Schema):
    """429: over a rate limit (jishi.core.throttling); the Retry-After header carries the same seconds."""

    detail: str
    retry_after: int


def answers(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """Every status of an operation: its success (`ok` with `status`), the errors it names (400 refused by a service,
    403 not allowed or a session write without the CSRF token, 404 missing or hidden), and those every operation
    gives: 401 without a valid token or session, 422 for input its schema refuses, 429 over a rate limit and 503
    while the database cannot be reached (jishi.core.outage)."""
    refusals = dict.fromkeys((*errors, 401, 503), ErrorOut)
    return {status: ok, **refusals, 422: InvalidOut, 429: ThrottledOut}


BODY_REFUSED = "请求内容无法解析：须为 UTF-8 编码的 JSON，文本中不得含有 NUL（\\u0000）字符。"


class StrictJSONParser(Parser):
    """The API's JSON bodies, refusing a NUL character anywhere in them (400).

    PostgreSQL cannot store NUL in a text column, so a body carrying one would otherwise fail at the database (a 500
    there, stored as typed on SQLite); the pages' forms refuse it already (Django's ProhibitNullCharactersValidator).
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        if _holds_nul(data):
            raise ValueError("a NUL character in the body")
        return data


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
