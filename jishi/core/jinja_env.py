"""The Jinja2 environment of Django's own Jinja2 backend (TEMPLATES, "jinja2"), for the hot templates.

The templates under an app's `jinja2/` directory are drawn by Jinja2 — the lists of records (records/_record_page.html,
records/_record_items.html) and the page header (core/_header.html) — because Django's template engine costs several
times more for the same markup on pages drawn hundreds of times a second. Everything else stays a Django template.

What a Jinja2 template gets besides Jinja2's own:
- `_()`, `gettext()` and `ngettext()`: Django's translation (jinja2.ext.i18n, old style: `_()` returns the catalogue's
  text, `|format(...)` fills a placeholder). Write a translated string as `{{ _("文本") }}` or inside a tag
  (`{% set when = _("n月j日") %}`): `manage.py makemessages` reads these templates as it reads Django's (their name ends
  in .html) and finds a `_("…")` at the start of a `{{ }}` and anywhere in a `{% %}` — not in a filter's arguments.
- `url(name, *args, **kwargs)`: django.urls.reverse; `static(path)`; `get_language()`.
- filters `date(format)` (Django's date formats, an aware datetime in the current time zone first),
  `truncatechars(n)` (Django's, "…" included in the n) and `linebreaksbr` (Django's, escaping first).
- `csrf_input`, `csrf_token` and `request` when rendered with a request (Django's backend adds them).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext
from jinja2 import Environment


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """The path of a named URL, as Django's {% url %} gives it (NoReverseMatch for a wrong name or arguments).

    Remembered per worker for the URL configuration and script prefix in use: a list of twenty records asks for
    forty paths, the header for a dozen, and a reverse() costs as much as drawing a record.
    """
    try:
        return _reverse(get_urlconf(), get_script_prefix(), name, args, tuple(sorted(kwargs.items())))
    except TypeError:  # an argument that cannot be a key (a list): asked without the memo
        return reverse(name, args=args or None, kwargs=kwargs or None)


@functools.lru_cache(maxsize=8192)
def _reverse(urlconf: str | None, prefix: str, name: str, args: tuple[Any, ...], kwargs: tuple[Any, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None, current_app=None)


def date(value: datetime.date | datetime.datetime | None, format: str | None = None) -> str:
    """Django's `date` filter: a date, or an aware datetime in the current time zone, in a Django date format."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return _date_format(value, format, get_language())  # the language is part of the key: formats are translated


@functools.lru_cache(maxsize=4096)
def _date_format(value: datetime.date, format: str | None, language: str | None) -> str:
    """A list of twenty records of one day formats one date twenty times: remembered per worker."""
    try:
        return formats.date_format(value, format)
    except AttributeError:
        return dateformat.format(value, format or "")


def truncatechars(value: Any, length: int) -> str:
    """Django's `truncatechars`: at most `length` characters, the last one "…" when cut."""
    return Truncator(value).chars(int(length))


def linebreaksbr(value: Any) -> str:
    """Django's `linebreaksbr`: the text escaped, its line breaks as <br>."""
    return defaultfilters.linebreaksbr(value, autoescape=True)


def environment(**options: Any) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(url=url, static=static, get_language=get_language)
    env.filters.update(date=date, truncatechars=truncatechars, linebreaksbr=linebreaksbr)
    return env
