"""The request type behind login_required: its user is a Person (org's model, Django's AUTH_USER_MODEL)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from jishi.org.models import Person


class AuthedRequest(HttpRequest):
    """What a view behind `login_required` receives (for the type checker; no runtime effect)."""

    user: Person
    htmx: HtmxDetails
