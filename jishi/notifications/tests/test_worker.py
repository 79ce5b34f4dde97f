"""A notification queued while the database goes away is delivered once it is back: the worker waits, not dies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jishi.core.worker import ResilientWorker
from jishi.notifications import services
from jishi.notifications.models import Kind, Notification
from jishi.testing import Org, connect_to_nowhere, terminate_this_connection, write_record

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _database_backend(settings: Any) -> None:
    settings.TASKS = DATABASE_BACKEND


class Outage:
    """The database is away while `down`; it comes back after the worker has waited `waits` times."""

    def __init__(self, *, waits: int) -> None:
        self.down = False
        self.waits = waits
        self.slept: list[float] = []
        self._connect = connection.ensure_connection

    def ensure_connection(self) -> None:
        if self.down:
            connect_to_nowhere()
        self._connect()

    def sleep(self, seconds: float) -> None:  # the worker's backoff, without the wall clock
        self.slept.append(seconds)
        if len(self.slept) >= self.waits:
            self.down = False

    def patch(self) -> Any:
        return mock.patch.object(connection, "ensure_connection", side_effect=self.ensure_connection)


def _worker(outage: Outage) -> ResilientWorker:
    # batch: run what is queued, then return (the command runs the same loop for ever)
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
        sleep=outage.sleep,
    )


def _queue_a_comment_notification(org: Org) -> DBTaskResult:
    record = write_record(org.author)
    services.notify(
        recipients=[org.author], kind=Kind.COMMENT, actor=org.section_head, text="刘洋点评了", record=record
    )
    return DBTaskResult.objects.get()


def _assert_delivered_once(org: Org, task: DBTaskResult) -> None:
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert list(Notification.objects.values_list("recipient", flat=True)) == [org.author.pk]
    assert [m.to for m in mail.outbox] == [[org.author.email]]


@pytest.fixture
def org_with_email(org: Org) -> Iterator[Org]:
    org.author.email = "zhangwei@example.gov.cn"
    org.author.save(update_fields=["email"])
    yield org


def test_a_worker_that_finds_the_database_away_waits_and_then_delivers(org_with_email: Org) -> None:
    org = org_with_email
    task = _queue_a_comment_notification(org)
    assert task.status == TaskResultStatus.READY and not Notification.objects.exists()
    outage = Outage(waits=3)
    outage.down = True
    with outage.patch():
        _worker(outage).run()
    assert outage.slept == [0.5, 1.0, 2.0]  # capped exponential backoff, no hot loop
    _assert_delivered_once(org, task)


def test_a_task_the_outage_interrupted_runs_again_once_the_database_is_back(org_with_email: Org) -> None:
    org = org_with_email
    task = _queue_a_comment_notification(org)
    outage = Outage(waits=2)
    deliver = services.deliver

    def the_database_goes_away_as_the_task_starts(**kwargs: Any) -> int:
        if not outage.slept:
            outage.down = True
        return deliver(**kwargs)

    with outage.patch(), mock.patch.object(services, "deliver", side_effect=the_database_goes_away_as_the_task_starts):
        _worker(outage).run()
    assert outage.slept == [0.5, 1.0]
    _assert_delivered_once(org, task)
    assert task.worker_ids == ["test-worker", "test-worker"]  # claimed twice: interrupted, then run again


def test_a_task_that_keeps_failing_on_the_database_stops_after_five_attempts(org_with_email: Org) -> None:
    task = _queue_a_comment_notification(org_with_email)

    def deadlocks_every_time(**kwargs: Any) -> int:
        raise OperationalError("deadlock detected")

    with mock.patch.object(services, "deliver", side_effect=deadlocks_every_time):
        _worker(Outage(waits=1)).run()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert len(task.worker_ids) == 5
    assert not Notification.objects.exists()


def test_a_task_the_database_interrupts_every_time_is_failed_after_five_attempts(org_with_email: Org) -> None:
    task = _queue_a_comment_notification(org_with_email)
    outage = Outage(waits=1)
    deliver = services.deliver

    def the_database_goes_away_each_time(**kwargs: Any) -> int:
        outage.down = True
        return deliver(**kwargs)

    with outage.patch(), mock.patch.object(services, "deliver", side_effect=the_database_goes_away_each_time):
        _worker(outage).run()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED  # not left RUNNING for ever
    assert task.exception_class_path == "django.db.utils.OperationalError"
    assert len(task.worker_ids) == 5 and len(outage.slept) == 5
    assert not Notification.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
def test_a_worker_whose_postgresql_connection_is_terminated_recovers_and_delivers(org_with_email: Org) -> None:
    org = org_with_email
    task = _queue_a_comment_notification(org)
    terminate_this_connection()  # the connection the worker will poll on
    outage = Outage(waits=1)
    _worker(outage).run()
    assert outage.slept == [0.5]
    _assert_delivered_once(org, task)
