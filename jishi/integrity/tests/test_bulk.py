"""Rows written in bulk (imports, the demo world) join the chain set-based, and verify like any other."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from jishi.integrity.models import ChainEntry
from jishi.integrity.services import link_rows
from jishi.integrity.verification import INSERTED, verify
from jishi.org.calendar import WorkingCalendar
from jishi.records.bulk import BulkRecord, write_records
from jishi.records.imports import import_records
from jishi.records.models import RecordVersion
from jishi.records.tests.test_imports import row, to_csv
from jishi.testing import GOOD_CONTENT, Org, build_org, category


def _bulk(org: Org, n: int) -> None:
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
    write_records(
        records, calendar=WorkingCalendar(day - datetime.timedelta(days=10), today + datetime.timedelta(days=30))
    )


def test_bulk_rows_are_unsealed_until_link_rows_seals_them(org: Org) -> None:
    _bulk(org, 25)
    report = verify()
    assert len([p for p in report.problems if p.what == INSERTED and p.kind == "version"]) == 25
    linked = link_rows()
    assert linked.linked["version"] == 25 and linked.total == 25
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


@pytest.mark.django_db(transaction=True)
def test_sealing_and_verifying_with_worker_processes_outside_a_transaction() -> None:
    """The demo build's path: rows committed, then two worker processes hash them while this one links. On
    PostgreSQL this once hung (the sealing transaction held a lock the workers' reads waited for). On SQLite's
    in-memory test database workers are off and it runs inline."""
    org = build_org()
    with transaction.atomic():
        _bulk(org, 30)
    assert link_rows(workers=2).linked["version"] == 30
    assert verify(workers=2).ok
