"""What every view shares: lenient query-parameter parsing (the request type behind login_required is org.http's)."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.http import QueryDict
from pydantic import Field

# The largest id a BigAutoField holds: larger numbers are no id, and SQLite's driver refuses them in `IN (…)`.
ID_MAX = 2**63 - 1
# An id in an API request body: a larger number is no id (a clear 422, not a database error).
Id = Annotated[int, Field(gt=0, le=ID_MAX)]


def int_or_none(value: str | None) -> int | None:
    """An id or count from a query parameter or form field (1 … ID_MAX); anything else counts as not given."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number <= ID_MAX else None


def ids(values: list[str]) -> list[int]:
    """The valid ids among repeated form values (`?mention=1&mention=2`); the rest are dropped."""
    return [number for number in (int_or_none(v.strip()) for v in values) if number is not None]


# A period is `date_from` / `date_to` in every page, API and command. Links written before (`from`/`to`; `start`/`end`
# on the coverage page) still work until the next release.
DEPRECATED_PERIOD_NAMES = {"date_from": ("from", "start"), "date_to": ("to", "end")}


def period_param(query: QueryDict, name: str) -> str | None:
    """`date_from` or `date_to` of a query string as given (possibly empty or malformed), or under its earlier name."""
    for key in (name, *DEPRECATED_PERIOD_NAMES[name]):
        value = query.get(key)
        if value:
            return value
    return None


def date_or_none(value: str | None) -> datetime.date | None:
    """A YYYY-MM-DD query parameter; anything else counts as not given."""
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
