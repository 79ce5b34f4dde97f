"""Request types for views behind login_required: the user is a Person and django-htmx has run."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from jishi.org.models import Person


class AuthedRequest(HttpRequest):
    """What a view behind `login_required` receives (for the type checker; no runtime effect)."""

    user: Person
    htmx: HtmxDetails
