import datetime
from typing import Any

import pytest
from django.utils import timezone

from jishi.records.models import WorkRecord
from jishi.records.services import addendum_create, record_update, record_withdraw
from jishi.testing import Org, record_input, write_record


@pytest.fixture
def history(org: Org) -> dict[str, Any]:
    """A small history: records, a change, an addendum to a locked record, a withdrawal, audit events."""
    first = write_record(org.author)
    second = write_record(org.colleague, start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    record_update(
        actor=org.colleague,
        record=second,
        data=record_input(start_time=datetime.time(14, 0), end_time=datetime.time(15, 30), visibility="unit"),
    )
    locked = write_record(org.unit_head, date=timezone.localdate() - datetime.timedelta(days=3))
    WorkRecord.objects.filter(pk=locked.pk).update(locks_at=timezone.now() - datetime.timedelta(minutes=1))
    locked.refresh_from_db()  # time moved on past its lock
    addendum = addendum_create(actor=org.unit_head, record=locked, content="补充：会议纪要已于次日印发各科室")
    withdrawn = write_record(org.section_head)
    record_withdraw(actor=org.section_head, record=withdrawn, reason="记错了日期")
    return {
        "first": first,
        "second": WorkRecord.objects.get(pk=second.pk),
        "locked": locked,
        "addendum": addendum,
        "withdrawn": WorkRecord.objects.get(pk=withdrawn.pk),
    }
