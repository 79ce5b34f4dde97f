"""{% follow_button person=… %} / {% follow_button unit=… %}: the 关注 button on person and unit pages."""

from __future__ import annotations

from typing import Any

from django import template

from jishi.feeds.models import Follow

register = template.Library()


@register.inclusion_tag("feeds/_follow_button.html", takes_context=True)
def follow_button(context: dict[str, Any], person: Any = None, unit: Any = None) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    target = {"person": person} if person is not None else {"unit": unit}
    hidden = person is not None and person.pk == user.pk  # nobody follows themselves
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "person_id": person.pk if person is not None else None,
        "unit_id": unit.pk if unit is not None else None,
        "followed": not hidden and Follow.objects.filter(follower_id=user.pk, **target).exists(),
        "hidden": hidden,
    }
