"""Rows written in bulk (imports, the demo world) join the chain set-based, and verify like any other."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jishi.integrity.models import BulkLoad, ChainEntry
from jishi.integrity.services import link_rows, load_register
from jishi.integrity.verification import INSERTED, verify
from jishi.org.calendar import WorkingCalendar
from jishi.records.bulk import BulkRecord, BulkRecordWriter, id_runs, write_records
from jishi.records.imports import import_records
from jishi.records.models import RecordVersion
from jishi.records.tests.test_imports import row, to_csv
from jishi.testing import GOOD_CONTENT, Org, build_org, category


def _bulk(org: Org, n: int) -> BulkRecordWriter:
    today = timezone.localdate()
    day = today - datetime.timedelta(days=1)
    records = [
        BulkRecord(
            author_id=(org.author if i % 2 else org.colleague).pk,
            unit_id=org.budget.pk,
            department_id=org.finance.pk,
            date=day,
            category_id=category().pk,
            content=f"{GOOD_CONTENT}（第{i}项）",
            submitted_at=timezone.now(),
            duration_minutes=30,
            participants=[(org.sibling.pk, None, "")] if i % 3 == 0 else [],
        )
        for i in range(n)
    ]
    return write_records(
        records, calendar=WorkingCalendar(day - datetime.timedelta(days=10), today + datetime.timedelta(days=30))
    )


def test_bulk_rows_are_sealed_only_once_their_load_is_registered(org: Org) -> None:
    writer = _bulk(org, 25)
    report = verify()
    assert len([p for p in report.problems if p.what == INSERTED and p.kind == "version"]) == 25
    unregistered = link_rows(find_stray=True)
    assert unregistered.total == 0 and unregistered.stray["version"][0] == 25  # found, listed, not sealed
    load = load_register(actor=org.admin, source="test.bulk", runs={"version": id_runs(writer.version_ids)})
    assert load.rows == {"version": {"runs": [[min(writer.version_ids), max(writer.version_ids)]], "count": 25}}
    linked = link_rows()
    assert linked.linked["version"] == 25 and linked.total == 25 and linked.loads == [load]
    assert verify().ok
    assert link_rows().total == 0  # nothing left to seal
    assert ChainEntry.objects.filter(kind="version").count() == RecordVersion.objects.count() == 25


def test_an_import_seals_its_versions(org: Org) -> None:
    org.author.employee_number = "E-AUTHOR"
    org.author.save()
    report = import_records(actor=org.admin, data=to_csv([row()]), filename="old.csv")
    assert report.ok and report.imported == 1
    result: Any = verify()
    assert result.ok, [p.line() for p in result.problems]
    [load] = BulkLoad.objects.all()
    version = RecordVersion.objects.get()
    assert (load.source, load.registered_by, load.rows["version"]["runs"]) == (
        "records.import",
        org.admin,
        [[version.pk, version.pk]],
    )


@pytest.mark.django_db(transaction=True)
def test_sealing_and_verifying_with_worker_processes_outside_a_transaction() -> None:
    """The demo build's path: rows committed, then two worker processes hash them while this one links. On
    PostgreSQL this once hung (the sealing transaction held a lock the workers' reads waited for). On SQLite's
    in-memory test database workers are off and it runs inline."""
    org = build_org()
    with transaction.atomic():
        writer = _bulk(org, 30)
        load_register(actor=None, source="test.bulk", runs={"version": id_runs(writer.version_ids)})
    assert link_rows(workers=2).linked["version"] == 30
    assert verify(workers=2).ok


@pytest.mark.django_db
def test_a_demo_world_is_sealed_as_its_registered_load_and_verifies() -> None:
    from jishi.demo.world import build_world

    build_world(scale="tiny", seed=5)
    [load] = BulkLoad.objects.filter(source="demo.build")
    assert load.count("version") == RecordVersion.objects.count() > 200
    report = verify()
    assert report.ok, [p.line() for p in report.problems[:5]]
    out = StringIO()
    call_command("chain", "build", stdout=out)  # nothing left to seal, nothing suspicious: exit 0
    assert "未入链任何行" in out.getvalue()


def test_a_key_set_after_an_import_does_not_make_chain_build_fail(org: Org) -> None:
    """The import before the key registered its load unsigned and sealed it; chain build under the key has nothing
    to seal, so it has nothing to refuse either."""
    from django.test import override_settings

    org.author.employee_number = "E-AUTHOR"
    org.author.save()
    assert import_records(actor=org.admin, data=to_csv([row()]), filename="old.csv").ok
    with override_settings(JISHI_CHAIN_KEY="a-key-set-later"):
        out = StringIO()
        call_command("chain", "build", stdout=out)
        assert "未入链任何行" in out.getvalue() and "不予入链" not in out.getvalue()


def test_no_worker_process_is_forked_beside_another_thread() -> None:
    """A fork copies only the calling thread: a lock held by another (a live server's, a JVM gateway's) would stay
    locked in the child and the pool would wait for ever. Beside another thread the work runs in this process."""
    import threading

    from jishi.integrity import services, verification

    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert not services._workers_possible(2)
        assert not verification._workers_possible(2)
    finally:
        release.set()
        other.join()
