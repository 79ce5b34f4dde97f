"""Keeping the store current: record writes mark their month dirty, the background worker rewrites it.

The listeners run inside the write's transaction (jishi/records/hooks.py) and only upsert a DirtyMonth row — a
record of any date marks its own month, so a late or backdated record (补记) or an import of last year reaches
the store too. After the commit they enqueue `refresh_store`; the worker (`jishi worker`) runs it: the dirty months
whole (with the months of records withdrawn or linked to a task since the last refresh, which no hook announces),
always this month's and the previous one's owed days and supervision acts (comments, views and owed days happen
now, about records of any date), and every dimension and small table. Several enqueued refreshes cost one: a
task finding nothing dirty and a store refreshed after it was asked for returns at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from jishi.insights import store
from jishi.insights.models import DirtyMonth
from jishi.org.calendar import local_today

if TYPE_CHECKING:
    from jishi.org.models import Person
    from jishi.records.models import WorkRecord


# Set while a refresh is enqueued and not yet begun (in the cache every process shares); PENDING_SECONDS bounds how
# long a lost task (a worker killed before it began) can hold back the next one.
PENDING_KEY = "insights:refresh:pending"
PENDING_SECONDS = 300


def mark_months(days: Iterable[datetime.date]) -> None:
    """Mark the months of these days dirty (in the caller's transaction) and ask for a refresh after its commit."""
    months = sorted({store.month_start(d) for d in days})
    if not months:
        return
    now = timezone.now()
    DirtyMonth.objects.bulk_create(
        [DirtyMonth(month=m, marked_at=now) for m in months],
        update_conflicts=True,
        unique_fields=["month"],
        update_fields=["marked_at"],
    )
    # One refresh waiting is enough: a write while one waits leaves its month dirty for it. Enqueuing on every write
    # cost each record create a second write transaction (the task row) — a fifth of the API create's throughput.
    if settings.JISHI_INSIGHTS_REFRESH_ON_WRITE and cache.add(PENDING_KEY, now.isoformat(), timeout=PENDING_SECONDS):
        asked = now.isoformat()
        transaction.on_commit(lambda: refresh_store.enqueue(asked_at=asked))


def record_written(*, record: WorkRecord, new: bool) -> None:
    """record.written: the record's month (its date's, however far back) is out of date."""
    mark_months([record.date])


def records_bulk_written(*, first: int, last: int) -> None:
    """records.bulk_written: the months of the records an import inserted."""
    from jishi.records.models import WorkRecord

    mark_months(WorkRecord.objects.filter(pk__range=(first, last)).dates("date", "month"))


def records_imported(*, actor: Person, version_runs: list[tuple[int, int]]) -> None:
    """records.imported: the months of the records whose versions an import wrote (updated ones included)."""
    from jishi.records.models import RecordVersion

    for first, last in version_runs:
        mark_months(RecordVersion.objects.filter(pk__range=(first, last)).dates("record__date", "month"))


def refresh_now() -> list[datetime.date]:
    """Rewrite the dirty months whole; this month and the previous one at least their owed days and supervision acts
    (what changes without a record written); every small table. Then clear the marks that were read (a month marked
    again meanwhile stays dirty for the next refresh). An empty store is built whole."""
    marks = dict(DirtyMonth.objects.values_list("month", "marked_at"))
    if not store.is_built():
        months = store.rebuild(parallel=True)
    else:
        this_month = store.month_start(local_today())
        previous = store.month_start(this_month - datetime.timedelta(days=1))
        months = store.refresh([*marks, *changed_behind_the_hooks()], light=[this_month, previous])
    for month, marked_at in marks.items():
        DirtyMonth.objects.filter(month=month, marked_at__lte=marked_at).delete()
    return months


def changed_behind_the_hooks() -> set[datetime.date]:
    """Months whose records changed since the last refresh without a hook: withdrawn records (they leave the store)
    and records newly linked to a task (task_linked)."""
    from jishi.records.models import WorkRecord
    from jishi.tasks.models import TaskRecordLink

    as_of = store.read_meta().get("as_of")
    if not as_of:
        return set()
    since = datetime.datetime.fromisoformat(str(as_of))
    withdrawn = WorkRecord.objects.filter(withdrawn_at__gte=since).dates("date", "month")
    linked = TaskRecordLink.objects.filter(linked_at__gte=since).dates("record__date", "month")
    return {*withdrawn, *linked}


@task()
def refresh_store(*, asked_at: str = "") -> list[str]:
    """Refresh the store after writes (see the module's docstring); returns the months rewritten, 'YYYY-MM'."""
    cache.delete(PENDING_KEY)  # a write from now on asks for the next refresh
    as_of = str(store.read_meta().get("as_of") or "")
    covered = bool(asked_at and as_of) and datetime.datetime.fromisoformat(as_of) >= datetime.datetime.fromisoformat(
        asked_at
    )
    if covered and not DirtyMonth.objects.exists():
        return []  # another refresh, begun after this one was asked for, has done its work
    return [store.month_key(m) for m in refresh_now()]
