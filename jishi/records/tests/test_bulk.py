"""Bulk writes and people at work: a record created while an import runs takes its own id, on both databases."""

from __future__ import annotations

import datetime
import sqlite3
import threading
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections

from jishi.integrity.verification import verify
from jishi.records import bulk
from jishi.records.imports import import_records
from jishi.records.models import RecordVersion, WorkRecord
from jishi.records.services import record_create
from jishi.records.tests.test_imports import row, to_csv
from jishi.testing import GOOD_CONTENT, build_org, record_input

IMPORTED = 300


def _file() -> bytes:
    rows = [
        row(
            工号="E-AUTHOR",
            开始="",
            结束="",
            工作内容=f"{GOOD_CONTENT}（旧系统第{i}条）",
            **{"时长（分钟）": "30"},
        )
        for i in range(IMPORTED)
    ]
    return to_csv(rows)


@pytest.fixture
def org_for_import(transactional_db: Any) -> Any:
    org = build_org()
    org.author.employee_number = "E-AUTHOR"
    org.author.save()
    return org


@pytest.fixture
def org_in_production_database(org_for_import: Any, tmp_path: Path) -> Any:
    """On SQLite, the same database in a file, as Jishi runs it (WAL, write transactions begin IMMEDIATE and wait
    for the lock). The test database lives in shared-cache memory, where connections lock table by table and a
    second writer fails at once instead of waiting: not how two requests meet in production."""
    if connection.vendor != "sqlite":
        yield org_for_import
        return
    settings = connections.settings["default"]
    memory, in_memory = settings["NAME"], connections["default"]
    path = tmp_path / "jishi.sqlite3"
    in_memory.ensure_connection()
    with sqlite3.connect(path) as copy:
        in_memory.connection.backup(copy)
    settings["NAME"] = str(path)  # for this thread's connection below and the other thread's
    connections["default"] = connections.create_connection("default")
    try:
        yield org_for_import
    finally:
        connections["default"].close()
        connections["default"] = in_memory  # still open: closing it would drop the test database
        settings["NAME"] = memory


def test_a_record_created_while_an_import_writes_takes_an_id_of_its_own(org_in_production_database: Any) -> None:
    """Someone files a record after the import has written its rows and before it commits. Ids used to be chosen as
    max(id) + 1 with the PostgreSQL sequence moved only at the end: the two took the same id, the person's create
    waited on the import's uncommitted row and failed with an IntegrityError once the import committed. Now the
    import reserves its ids from the sequences (PostgreSQL) or holds the write lock while it picks them (SQLite)."""
    org = org_in_production_database
    outcome: dict[str, Any] = {}
    started = threading.Event()

    def create() -> None:
        try:
            started.set()
            outcome["record"] = record_create(author=org.colleague, data=record_input()).pk
        except Exception as exc:  # reported to the test below
            outcome["error"] = exc
        finally:
            connections.close_all()

    original = bulk.BulkRecordWriter.insert
    person = threading.Thread(target=create)

    def insert_then_let_someone_create(writer: bulk.BulkRecordWriter, batch: bulk.Batch) -> None:
        original(writer, batch)
        if person.ident is None:
            person.start()
            assert started.wait(10)
            if connection.vendor == "postgresql":
                # PostgreSQL lets the person write meanwhile: wait for their create to finish, still inside the
                # import's transaction (it used to wait here, on the import's row with the same id).
                person.join(10)
            # SQLite: the person waits for the import's write lock; the import goes on and commits.

    with mock.patch.object(bulk.BulkRecordWriter, "insert", insert_then_let_someone_create):
        report = import_records(actor=org.admin, data=_file(), filename="old.csv")
    person.join(30)

    assert "error" not in outcome, outcome.get("error")
    assert report.ok and report.imported == IMPORTED
    imported = set(WorkRecord.objects.filter(import_batch=report.batch).values_list("pk", flat=True))
    assert len(imported) == IMPORTED and outcome["record"] not in imported
    assert WorkRecord.objects.get(pk=outcome["record"]).author == org.colleague
    assert RecordVersion.objects.filter(record_id=outcome["record"]).count() == 1
    # Creates after the import go on without a collision either.
    afternoon = record_input(start_time=datetime.time(14, 0), end_time=datetime.time(15, 0))
    later = record_create(author=org.colleague, data=afternoon).pk
    assert later not in imported and later != outcome["record"]
    result = verify()
    assert result.ok, [p.line() for p in result.problems[:5]]


def test_an_import_never_reuses_the_id_of_a_record_removed_behind_jishi(org: Any) -> None:
    """Ids are never handed out twice (SQLite's AUTOINCREMENT, PostgreSQL's sequence): max(id) + 1 gave the next
    import the id of a record deleted by hand, and its new version the id of the deleted one's — whose chain entries
    verify then matched against the stranger's rows."""
    org.author.employee_number = "E-AUTHOR"
    org.author.save()
    removed = record_create(author=org.colleague, data=record_input())
    version = RecordVersion.objects.get(record=removed).pk
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RecordVersion._meta.db_table} WHERE record_id = %s", [removed.pk])
        cursor.execute(f"DELETE FROM {WorkRecord._meta.db_table} WHERE id = %s", [removed.pk])
    report = import_records(actor=org.admin, data=to_csv([row()]), filename="old.csv")
    imported = WorkRecord.objects.get(import_batch=report.batch)
    assert imported.pk > removed.pk
    assert RecordVersion.objects.get(record=imported).pk > version
