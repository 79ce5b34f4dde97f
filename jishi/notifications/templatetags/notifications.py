"""`{% load notifications %}{% inbox_link %}`: the header's inbox link and unread count (one indexed query).

Written in Python because every page's header has it (jishi.core.templatetags.frame); marking a notification read
sends it again, out of band, so that the count in the header follows.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from jishi.core.urls import reverse_ids
from jishi.notifications.selectors import COUNT_CAP, unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_link(context: template.Context) -> SafeString:
    return inbox_link_html(context.get("user"))


def inbox_link_html(user: Any) -> SafeString:
    """The link to the inbox with its unread badge ("99+" from COUNT_CAP on); nothing for a visitor not signed in."""
    if not getattr(user, "is_authenticated", False):
        return mark_safe("")
    unread = unread_count(person=user)
    label = badge = ""
    if unread:  # the numbers are integers and the translations text: nothing here needs escaping
        label = ' aria-label="{}"'.format(gettext("通知（%(unread)s 条未读）") % {"unread": unread})
        badge = ' <span class="badge">{}</span>'.format("99+" if unread >= COUNT_CAP else unread)
    href = escape(reverse_ids("notifications:inbox", []))
    return mark_safe(
        f'<a id="inbox-link" class="inbox-link" href="{href}" hx-swap-oob="true"{label}>{gettext("通知")}{badge}</a>'
    )
