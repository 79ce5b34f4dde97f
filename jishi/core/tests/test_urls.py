"""`reverse_ids` and `id_url_writer` write exactly what Django's reverse() writes."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path, re_path, reverse, set_urlconf
from django.urls.converters import IntConverter

from jishi.core.urls import id_url_writer, reverse_ids


def _named(patterns: list[Any], namespace: str = "") -> list[tuple[str, Any]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _named(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((namespace + entry.name, entry.pattern))
    return found


JISHI_URLS = [(name, p) for name, p in _named(get_resolver().url_patterns) if not name.startswith("admin:")]


@pytest.mark.parametrize("name,pattern", JISHI_URLS, ids=[name for name, _ in JISHI_URLS])
def test_every_url_of_jishi_reads_as_djangos_reverse(name: str, pattern: Any) -> None:
    converters = list(getattr(pattern, "converters", {}).values())
    if not all(isinstance(c, IntConverter) for c in converters):
        pytest.skip("not integers only: {% url %} gives it to Django's reverse")
    if not converters and getattr(pattern, "regex", None) is not None and pattern.regex.groups:
        pytest.skip("a regular expression with groups: {% url %} gives it to Django's reverse")
    for value in (0, 7, 1_234_567):
        args = [value] * len(converters)
        assert reverse_ids(name, args) == reverse(name, args=args)
        if len(args) == 1:
            assert id_url_writer(name)(value) == reverse(name, args=args)


def view(request: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse()


urlpatterns = [
    re_path(r"^year/(?P<year>[0-9]{4})/$", view, name="year"),
    path("day/<int:month>/<int:day>/", view, name="day"),
]


def test_a_pattern_that_refuses_the_placeholder_goes_to_djangos_reverse() -> None:
    set_urlconf(sys.modules[__name__])
    try:
        assert reverse_ids("year", [2014]) == "/year/2014/"
        assert reverse_ids("day", [7, 15]) == "/day/7/15/"
        assert id_url_writer("year")(2014) == "/year/2014/"
    finally:
        set_urlconf(None)
