"""`{% load supervision %}{% overview_url as href %}`: where a person's links to 监督概况 go, if anywhere."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from jishi.org.rules import reader_for
from jishi.supervision.rules import can_see_overview

register = template.Library()


@register.simple_tag(takes_context=True)
def overview_url(context: template.Context) -> str:
    return overview_href(context.get("user"))


def header_overview(*, user: Any) -> dict[str, Any]:
    """Hook page.header: the account menu's 监督概况 link, if the reader may see an overview."""
    return {"overview_href": overview_href(user)}


def overview_href(user: Any) -> str:
    """The jurisdiction's overview for those who may see it, else the overview of their own 本单位 (which the rule
    always grants); "" for someone who holds no post and may see neither. The page header's menu links it too."""
    if can_see_overview(user, None):
        return reverse("supervision:overview")
    departments = reader_for(user).department_ids
    if not departments:
        return ""
    return reverse("supervision:unit_overview", args=[min(departments)])
