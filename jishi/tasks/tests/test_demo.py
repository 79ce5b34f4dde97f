"""The demo seeder keeps every rule the services keep: charge, owner side, linkers, one step at a time."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from jishi.org.calendar import at
from jishi.records.services import record_create
from jishi.tasks import rules
from jishi.tasks.demo import seed_tasks
from jishi.tasks.models import EventKind, Status, Task, TaskEvent, TaskRecordLink
from jishi.tasks.services import TRANSITIONS
from jishi.testing import Org, record_input

CONTENTS = [
    "核对预算执行进度，形成分析表报局领导",
    "走访救助对象家庭，核实困难情况并登记",
    "整理国库集中支付凭证，完成月度对账",
]


@pytest.fixture
def world(org: Org) -> Org:
    today = timezone.localdate()
    for back in range(1, 60, 2):  # filed the same evening, as the world builder does
        day = today - datetime.timedelta(days=back)
        for n, person in enumerate([org.author, org.colleague, org.sibling, org.unrelated, org.section_head]):
            data = record_input(date=day, content=CONTENTS[(back + n) % 3])
            record_create(author=person, data=data, now=at(day, datetime.time(18, n)))
    return org


def test_seeded_tasks_follow_the_rules(world: Org) -> None:
    summary = seed_tasks(seed=3, count=40)
    assert summary.tasks == Task.objects.count() == 40 and summary.events == TaskEvent.objects.count()
    steps = {(a, b) for a, b in TRANSITIONS} | {(Status.ACCEPTED, Status.IN_PROGRESS)}
    for task in Task.objects.prefetch_related("events", "links__record", "collaborating_units"):
        assert rules.may_issue_to(task.issuer, task.owner_unit)
        events = list(task.events.order_by("at", "id"))
        assert events[0].kind == EventKind.ISSUE and events[-1].to_status == task.status
        for before, after in itertools.pairwise(events):
            assert before.to_status == after.from_status and (after.from_status, after.to_status) in steps
            side = "issuer" if after.kind in (EventKind.CONFIRM, EventKind.RETURN) else "owner"
            if after.kind == EventKind.AUTO_START:
                assert rules.may_link(after.actor, task)
            elif side == "issuer":
                assert rules.is_issuer(after.actor, task)
            else:
                assert rules.is_owner_side(after.actor, task)
        for link in task.links.all():
            assert link.linked_by_id == link.record.author_id and rules.may_link(link.linked_by, task)
            assert link.linked_at >= task.issued_at
    assert TaskRecordLink.objects.exists() and Task.objects.filter(status=Status.CONFIRMED).exists()


def test_seeding_twice_is_refused(world: Org) -> None:
    seed_tasks(seed=1, count=3)
    with pytest.raises(RuntimeError):
        seed_tasks(seed=1, count=3)
