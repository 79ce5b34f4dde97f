"""{% follow_button person=… %} / {% follow_button unit=… %}: the 关注 button on person and unit pages."""

from __future__ import annotations

from typing import Any

from django import template

from jishi.feeds.selectors import follows

register = template.Library()


@register.inclusion_tag("feeds/_follow_button.html", takes_context=True)
def follow_button(context: dict[str, Any], person: Any = None, unit: Any = None) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    person_id = person.pk if person is not None else None
    unit_id = unit.pk if unit is not None else None
    hidden = person_id == user.pk  # nobody follows themselves
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "person_id": person_id,
        "unit_id": unit_id,
        "followed": not hidden and follows(follower=user, person_id=person_id, unit_id=unit_id),
        "hidden": hidden,
    }
