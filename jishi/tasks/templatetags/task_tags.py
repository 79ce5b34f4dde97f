"""The 督办 panel on the record page: self-contained, so the record view needs no change."""

from __future__ import annotations

from typing import Any

from django import template

from jishi.records.models import WorkRecord
from jishi.tasks import rules
from jishi.tasks.selectors import linkable_tasks, tasks_of_record

register = template.Library()


@register.inclusion_tag("tasks/_record_panel.html", takes_context=True)
def record_tasks_panel(context: dict[str, Any], record: WorkRecord) -> dict[str, Any]:
    """Tasks the record feeds or was instructed on; the author's 关联督办 form; the 批示 button for leaders."""
    user = context["request"].user
    return {
        "record": record,
        "tasks": tasks_of_record(user=user, record=record),
        "linkable": linkable_tasks(user=user, record=record),
        "may_instruct": rules.may_issue(user) and bool(getattr(record, "content_visible", False)),
        "csrf_token": context.get("csrf_token"),
    }
