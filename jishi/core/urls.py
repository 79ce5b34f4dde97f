"""Reversing URLs once per name: `reverse_ids` gives what Django's reverse() gives, for integer arguments.

A page of twenty records links each record and its author; reversing a URL (namespaces, the resolver's candidates, a
regular-expression check of each) cost a list page as much as its queries. For a URL name and arguments that are
non-negative integers, the URL is reversed once with placeholder numbers and written from then on by putting the
numbers in their places. Where the placeholders do not come back exactly once each, in order (a pattern that only
takes four digits, say), every call goes to Django's reverse. `core/tests/test_urls.py` checks every URL name of
Jishi's URLconf against Django's reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_PLACEHOLDER = 987_654_321_000
_templates: dict[tuple[Any, ...], tuple[str, ...] | None] = {}


def reverse_ids(view_name: str, args: list[int], current_app: str | None = None) -> str:
    """reverse(view_name, args=args, current_app=current_app) for non-negative integer arguments."""
    parts = _parts(view_name, len(args), current_app)
    if parts is None:
        return reverse(view_name, args=args, current_app=current_app)
    pieces = [parts[0]]
    for value, after in zip(args, parts[1:], strict=True):
        pieces += [str(value), after]
    return "".join(pieces)


def id_url_writer(view_name: str) -> Callable[[int], str]:
    """A function giving reverse(view_name, args=[pk]) for each pk: for a loop over many rows, which then looks up
    the URL's parts (and the request's prefix and language) once instead of once per row."""
    parts = _parts(view_name, 1, None)
    if parts is None:
        return lambda pk: reverse(view_name, args=[pk])
    before, after = parts
    return lambda pk: f"{before}{pk}{after}"


def _parts(view_name: str, count: int, current_app: str | None) -> tuple[str, ...] | None:
    """The URL's text around its `count` arguments, or None where Django's reverse must write it each time."""
    # Everything reverse() reads besides its arguments; the language too, should URLs ever carry it (i18n_patterns).
    key = (view_name, count, current_app, get_urlconf(), get_script_prefix(), get_language())
    try:
        return _templates[key]
    except KeyError:
        parts = _templates[key] = _template(view_name, count, current_app)
        return parts


def _template(view_name: str, count: int, current_app: str | None) -> tuple[str, ...] | None:
    placeholders = [_PLACEHOLDER + i for i in range(count)]
    try:
        url = reverse(view_name, args=placeholders, current_app=current_app)
    except NoReverseMatch:
        return None
    parts = []
    for placeholder in map(str, placeholders):
        if url.count(placeholder) != 1:
            return None
        before, url = url.split(placeholder)
        parts.append(before)
    return (*parts, url)
