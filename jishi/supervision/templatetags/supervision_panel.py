"""The supervision panel on the record page (点评、质询、参与确认、纪检关注、谁看过), self-contained as tasks' panel
is: the record view knows nothing of supervision. Its htmx actions re-render the same partial
(supervision.views._panel).
"""

from __future__ import annotations

from typing import Any

from django import template

from jishi.records.models import WorkRecord
from jishi.supervision.selectors import record_panel

register = template.Library()


@register.inclusion_tag("supervision/_record_panel.html", takes_context=True)
def record_supervision_panel(context: template.Context, record: WorkRecord) -> dict[str, Any]:
    """The panel for `record` (already fetched through visible_to) as the request's user sees it."""
    return {
        "supervision": record_panel(user=context["request"].user, record=record),
        "supervision_errors": {},
        "supervision_form": {},
        "csrf_token": context.get("csrf_token"),
    }
