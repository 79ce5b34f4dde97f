"""`{% load notifications %}{% inbox_link %}`: the header's inbox link and unread count (one indexed query)."""

from __future__ import annotations

from typing import Any

from django import template

from jishi.notifications.selectors import COUNT_CAP, unread_count

register = template.Library()


@register.inclusion_tag("notifications/_inbox_link.html", takes_context=True)
def inbox_link(context: template.Context) -> dict[str, Any]:
    user = context.get("user")
    authenticated = bool(getattr(user, "is_authenticated", False))
    return {
        "authenticated": authenticated,
        "unread": unread_count(person=user) if authenticated else 0,
        "cap": COUNT_CAP,
    }
