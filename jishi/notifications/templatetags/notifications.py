"""`{% load notifications %}{% inbox_link %}`: the header's inbox link and unread count (one indexed query).

Marking a notification read sends it again, out of band, so that the count in the header follows; the page header
(jishi.core.templatetags.frame) draws it through `header_inbox_link` (hook page.header).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from jishi.notifications.selectors import COUNT_CAP, unread_count

register = template.Library()


@register.inclusion_tag("notifications/_inbox_link.html", takes_context=True)
def inbox_link(context: template.Context) -> dict[str, Any]:
    return inbox_link_data(context.get("user"))


def inbox_link_html(user: Any) -> SafeString:
    """The link to the inbox with its unread badge ("99+" from COUNT_CAP on); nothing for a visitor not signed in."""
    return render_to_string("notifications/_inbox_link.html", inbox_link_data(user))


def header_inbox_link(*, user: Any) -> dict[str, Any]:
    """Hook page.header: the header's inbox link."""
    return {"inbox_link": inbox_link_html(user)}


def inbox_link_data(user: Any) -> dict[str, Any]:
    """What notifications/_inbox_link.html draws: the unread count only for someone signed in."""
    authenticated = bool(getattr(user, "is_authenticated", False))
    unread = unread_count(person=user) if authenticated else 0
    return {"authenticated": authenticated, "unread": unread, "cap": COUNT_CAP}


@register.filter
def in_reader_language(text: str) -> str:
    """`{{ item.text|in_reader_language }}`: a notification's stored Chinese line in the reader's language."""
    from jishi.notifications.texts import in_reader_language as translate

    return translate(text)
