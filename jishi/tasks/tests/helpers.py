from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from jishi.org.models import Person
from jishi.records.models import WorkRecord
from jishi.tasks.models import Task
from jishi.tasks.services import TaskInput, task_create
from jishi.testing import GOOD_CONTENT, Org, write_record


def task_input(org: Org, **overrides: Any) -> TaskInput:
    values: dict[str, Any] = {
        "title": "年底前完成养老服务补贴资金拨付",
        "deadline": timezone.localdate() + datetime.timedelta(days=14),
        "owner_unit_id": org.budget.pk,
    }
    values.update(overrides)
    return TaskInput(**values)


def issue(org: Org, issuer: Person | None = None, **overrides: Any) -> Task:
    return task_create(issuer=issuer or org.unit_head, data=task_input(org, **overrides))


_hours = iter(range(10**6))


def file_record(author: Person, content: str = GOOD_CONTENT, **overrides: Any) -> WorkRecord:
    """A record in its own half hour, so one author's records in a test never overlap."""
    slot = next(_hours) % 28
    start = datetime.time(8 + slot // 2, 30 * (slot % 2))
    end = datetime.time(8 + slot // 2, 30 * (slot % 2) + 29)
    return write_record(author, content=content, start_time=start, end_time=end, **overrides)
