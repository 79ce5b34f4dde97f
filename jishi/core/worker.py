"""The background-task worker, kept alive through database outages, and the supervisor `jishi serve` runs it under.

django-tasks-db's worker exits on the first connection error (a PostgreSQL restart), and its queue then waits until
someone restarts Jishi. `ResilientWorker` runs the same loop and, when the database goes away, closes its
connections, waits with capped exponential backoff and resumes. `SupervisedProcess` restarts the worker process if
it exits anyway (a crash, a kill), with backoff too, and reaps it so that no zombie is left.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connections, router
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from jishi.core.outage import one_line

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# The task result stores the class path of what the task raised.
DATABASE_ERROR_PATHS = frozenset(f"{error.__module__}.{error.__qualname__}" for error in DATABASE_ERRORS)
# Waiting for the database: 0.5 s, 1 s, 2 s … then every 30 s.
WAIT_FIRST = 0.5
WAIT_MAX = 30.0
# A task the database interrupted runs again, up to this many claims in all (a query that always times out stops).
MAX_ATTEMPTS = 5


def backoff(first: float, most: float) -> Iterator[float]:
    """first, 2·first, 4·first … capped at most, for ever."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, most)


def close_database_connections() -> None:
    """Drop every connection of this thread; a broken one may fail to close, which is fine."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            connection.close()


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, resumed after a lost database connection instead of exiting.

    A task the outage interrupted — its result could not be written, or it failed with a database error — is queued
    again once the database is back (at least once: a task that had finished before its result could be written runs
    a second time; Jishi's keyed notifications are delivered once, others may repeat).
    """

    def __init__(self, *, sleep: Callable[[float], Any] = time.sleep, **options: Any) -> None:
        super().__init__(**options)
        self.sleep = sleep
        self.database = router.db_for_write(DBTaskResult)
        # Tasks the database took away mid-run, with what stopped them; settled once it answers again.
        self.interrupted: dict[Any, tuple[DBTaskResult, BaseException | None]] = {}

    def run(self) -> None:
        while True:
            try:
                self.settle_interrupted()
                super().run()
                return
            except DATABASE_ERRORS as error:
                if not self.running:  # asked to stop: do not wait for a database that may never come back
                    return
                self.wait_for_database(error)
                self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DATABASE_ERRORS as error:
            # Neither the task's result nor its failure could be written: the row still says RUNNING.
            self.interrupted[db_task_result.pk] = (db_task_result, error)
            raise
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and db_task_result.exception_class_path in DATABASE_ERROR_PATHS
        ):
            self.interrupted[db_task_result.pk] = (db_task_result, None)
            self.settle_interrupted()

    def settle_interrupted(self) -> None:
        """Queue the interrupted tasks again (until MAX_ATTEMPTS claims); a task out of attempts stays failed."""
        for pk, (result, error) in list(self.interrupted.items()):
            if len(result.worker_ids) < MAX_ATTEMPTS:
                DBTaskResult.objects.filter(pk=pk).update(
                    status=TaskResultStatus.READY,
                    started_at=None,
                    finished_at=None,
                    return_value=None,
                    exception_class_path="",
                    traceback="",
                )
                logger.warning("task %s was interrupted by the database and is queued again", pk)
            elif error is not None:  # the row still says RUNNING: record the failure the outage kept from it
                result.set_failed(error)
            del self.interrupted[pk]

    def wait_for_database(self, error: BaseException) -> None:
        """Close the connections, then try again after 0.5 s, 1 s, 2 s … 30 s until the database answers."""
        delays = backoff(WAIT_FIRST, WAIT_MAX)
        while self.running:
            close_database_connections()
            delay = next(delays)
            logger.warning("database unavailable (%s); the worker retries in %.1f s", one_line(error), delay)
            self.sleep(delay)
            try:
                connections[self.database].ensure_connection()
            except DATABASE_ERRORS as again:
                error = again
                continue
            logger.warning("database reachable again; the worker resumes")
            return


class SupervisedProcess:
    """A child process kept running: `check()` (called every second or so) restarts it after it exits.

    Restarts back off (1 s, 2 s … 60 s) so a worker that cannot start does not spin; a run longer than a minute
    resets the backoff. An exited child is reaped at once — `poll()` collects its status — so none is left a zombie.
    """

    RESTART_FIRST = 1.0
    RESTART_MAX = 60.0
    HEALTHY_AFTER = 60.0

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        env: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], Any] = logger.warning,
    ) -> None:
        self.argv = list(argv)
        self.name = name
        self.env = env
        self.clock = clock
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.delays = backoff(self.RESTART_FIRST, self.RESTART_MAX)
        self.restarts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env)
        self.started_at = self.clock()
        self.restart_at = None

    def check(self) -> None:
        """Restart the child if it has exited and its backoff has passed."""
        if self.process is None:
            return
        now = self.clock()
        if self.restart_at is None:
            code = self.process.poll()
            if code is None:
                return
            if now - self.started_at >= self.HEALTHY_AFTER:
                self.delays = backoff(self.RESTART_FIRST, self.RESTART_MAX)
            delay = next(self.delays)
            self.restart_at = now + delay
            self.log(f"{self.name} exited with status {code}; restarting it in {delay:.0f} s")
        if now >= self.restart_at:
            self.restarts += 1
            self.start()

    def stop(self, timeout: float = 10) -> None:
        """Ask the child to stop (SIGTERM), kill it after `timeout` seconds, and reap it."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
