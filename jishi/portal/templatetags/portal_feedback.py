"""`{% answered_messages %}`: the answered 留言 a public record or unit page shows (portal/feedback_panel.html)."""

from __future__ import annotations

from django import template

from jishi.org.models import Unit
from jishi.portal import feedback
from jishi.portal.models import Message, Publication

register = template.Library()

SHOWN = 20  # the newest answered messages on a page; the panel is part of a page kept small for slow lines


@register.simple_tag
def answered_messages(publication: Publication | None = None, unit: Unit | None = None) -> list[Message]:
    """The newest answered messages on `publication`, or to `unit` and on its live records."""
    if publication is None and unit is None:
        return []
    return list(feedback.public_messages(publication=publication, unit=unit)[:SHOWN])
