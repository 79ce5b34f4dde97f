"""Keeping the store current: writes mark their month, the task rewrites what it should and nothing else."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jishi.insights import engine, refresh, store
from jishi.insights.models import DirtyMonth
from jishi.org.calendar import local_today
from jishi.records.models import WorkRecord
from jishi.testing import Org, build_org, write_record

pytestmark = pytest.mark.django_db

CONTENT = "与区民政局召开养老服务协调会，明确三项分工和完成时限"


def dirty() -> set[datetime.date]:
    return set(DirtyMonth.objects.values_list("month", flat=True))


@pytest.fixture
def org(settings: Any, tmp_path: Path) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_LATE_ENTRY_DAYS = 100_000
    return build_org()


def test_a_new_record_marks_its_month(org: Org) -> None:
    write_record(org.author)
    assert dirty() == {store.month_start(local_today())}


def test_a_backdated_late_record_marks_its_own_month(org: Org) -> None:
    long_ago = local_today() - datetime.timedelta(days=70)
    record = write_record(org.author, date=long_ago)
    assert record.is_late
    assert store.month_start(long_ago) in dirty()


def test_an_import_marks_the_months_of_its_records(org: Org) -> None:
    first = write_record(org.author, date=datetime.date(2026, 3, 2))
    last = write_record(org.author, date=datetime.date(2026, 5, 6))
    DirtyMonth.objects.all().delete()
    refresh.records_bulk_written(first=first.pk, last=last.pk)
    assert dirty() == {datetime.date(2026, 3, 1), datetime.date(2026, 5, 1)}


def test_the_task_rewrites_the_dirty_current_and_previous_months_only(org: Org) -> None:
    today = local_today()
    untouched_day = today - datetime.timedelta(days=110)
    dirty_day = today - datetime.timedelta(days=70)
    write_record(org.author, date=untouched_day, content=CONTENT)
    store.rebuild()
    DirtyMonth.objects.all().delete()
    untouched = store.partition_path("records", untouched_day)
    stamp = untouched.stat().st_mtime_ns
    this_month = store.month_start(today)
    previous = store.month_start(this_month - datetime.timedelta(days=1))
    previous_records = store.partition_path("records", previous)
    previous_stamp = previous_records.stat().st_mtime_ns
    previous_owed = store.partition_path("owed", previous).stat().st_mtime_ns
    meta_before = store.read_meta()["months"]

    late = write_record(org.colleague, date=dirty_day, content=CONTENT)
    assert dirty() == {store.month_start(dirty_day)}
    done = refresh.refresh_store.call()

    assert set(done) == {store.month_key(m) for m in (dirty_day, this_month, previous)}
    assert untouched.stat().st_mtime_ns == stamp
    # this month and the previous one: owed days and supervision rewritten, records only when marked
    assert previous_records.stat().st_mtime_ns == previous_stamp
    assert store.partition_path("owed", previous).stat().st_mtime_ns != previous_owed
    meta = store.read_meta()["months"]
    assert meta[store.month_key(untouched_day)] == meta_before[store.month_key(untouched_day)]
    assert engine.query("SELECT author_id FROM records WHERE id = ?", [late.pk]) == [{"author_id": org.colleague.pk}]
    assert not dirty()


def test_a_withdrawn_record_leaves_the_store_after_the_refresh(org: Org) -> None:
    # Withdrawal announces no hook: the refresh looks for records withdrawn since the store's as_of.
    record = write_record(org.author, date=local_today() - datetime.timedelta(days=70), content=CONTENT)
    store.rebuild()
    DirtyMonth.objects.all().delete()
    assert engine.query("SELECT count(*) AS n FROM records") == [{"n": 1}]
    WorkRecord.objects.filter(pk=record.pk).update(withdrawn_at=timezone.now())
    refresh.refresh_now()
    assert engine.query("SELECT count(*) AS n FROM records") == [{"n": 0}]


def test_a_write_asks_the_worker_for_a_refresh_after_its_commit(
    org: Org, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.JISHI_INSIGHTS_REFRESH_ON_WRITE = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record = write_record(org.author, content=CONTENT)
    assert callbacks  # the test backend runs the task at once, as the worker would shortly after
    assert engine.query("SELECT id FROM records") == [{"id": record.pk}]
    assert not dirty()
    assert engine.as_of() is not None


def test_writes_while_a_refresh_waits_ask_for_no_second_one(
    org: Org, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from types import SimpleNamespace

    from django.core.cache import cache

    settings.JISHI_INSIGHTS_REFRESH_ON_WRITE = True
    cache.delete(refresh.PENDING_KEY)
    task = refresh.refresh_store
    asked: list[dict[str, Any]] = []
    monkeypatch.setattr(refresh, "refresh_store", SimpleNamespace(enqueue=lambda **kwargs: asked.append(kwargs)))
    with django_capture_on_commit_callbacks(execute=True):
        write_record(org.author, content=CONTENT)
    with django_capture_on_commit_callbacks(execute=True):
        write_record(org.colleague, content=CONTENT)
    assert len(asked) == 1  # the second write's month waits for the refresh already asked for
    assert dirty()
    task.call(**asked[0])  # the worker begins it: the next write asks again
    assert not dirty()
    with django_capture_on_commit_callbacks(execute=True):
        write_record(org.author, content=CONTENT + "（续）", date=datetime.date(2026, 10, 12))
    assert len(asked) == 2
    cache.delete(refresh.PENDING_KEY)


def test_the_command(org: Org, capsys: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("insights", "status")
    assert "尚未建立" in capsys.readouterr().out
    write_record(org.author, content=CONTENT)
    call_command("insights", "rebuild")
    assert "分析数据已重建" in capsys.readouterr().out
    call_command("insights", "refresh")
    assert "分析数据已刷新" in capsys.readouterr().out
    call_command("insights", "status")
    out = capsys.readouterr().out
    assert "数据截至" in out and store.month_key(local_today()) in out
    with pytest.raises(CommandError, match="日期格式不对"):
        call_command("insights", "rebuild", "--date-from", "2026-13-01")
    with pytest.raises(CommandError, match="不能晚于"):
        call_command("insights", "rebuild", "--date-from", "2026-11-02", "--date-to", "2026-10-01")
    call_command("insights", "rebuild", "--date-from", "2026-10-02", "--date-to", "2026-10-20")
    assert "1 个月（2026-10 至 2026-10）" in capsys.readouterr().out
