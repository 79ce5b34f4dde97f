"""What every view shares: the request type behind login_required, and lenient query-parameter parsing."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from jishi.org.models import Person


class AuthedRequest(HttpRequest):
    """What a view behind `login_required` receives (for the type checker; no runtime effect)."""

    user: Person
    htmx: HtmxDetails


def int_or_none(value: str | None) -> int | None:
    """An integer query parameter; anything else counts as not given."""
    try:
        return int(value) if value else None
    except ValueError:
        return None


def date_or_none(value: str | None) -> datetime.date | None:
    """A YYYY-MM-DD query parameter; anything else counts as not given."""
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
