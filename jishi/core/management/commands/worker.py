"""`jishi worker`: run queued background tasks (notifications), surviving database restarts and outages."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import valid_backend_name, valid_interval

from jishi.core.worker import ResilientWorker


class Command(BaseCommand):
    help = (
        "Run the background-task worker (notifications); it waits out a database outage instead of exiting. "
        "`jishi serve` runs it for you."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=valid_interval, default=1.0, help="seconds between polls of an empty queue (default 1)"
        )
        parser.add_argument(
            "--queue-name", default=DEFAULT_TASK_QUEUE_NAME, help="queues to run, comma-separated (default: default)"
        )
        parser.add_argument(
            "--backend", type=valid_backend_name, default=DEFAULT_TASK_BACKEND_ALIAS, help="task backend (default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        level = logging.WARNING if options["verbosity"] == 0 else logging.INFO
        for name in (TASKS_LOGGER, "django_tasks_db", "jishi.core.worker"):
            logging.getLogger(name).setLevel(level)
        worker = ResilientWorker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=False,
            backend_name=options["backend"],
            startup_delay=True,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
