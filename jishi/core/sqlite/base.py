"""Django's SQLite backend, with the write lock waited for in short steps.

SQLite lets one transaction write at a time, and Jishi begins every write transaction with BEGIN IMMEDIATE so
that it waits for the lock at its start instead of failing half-way (config/settings/base.py). SQLite's own busy
handler waits in growing steps — 1, 2, 5, 10, 15, 20, 25 … ms — so with two workers the one that finds the lock
taken sleeps long past its release, while the other finishes its request and takes the lock again: two workers
recorded fewer records a second than one (bench/RESULTS.md). Here a write transaction asks for the lock with the
busy handler off and asks again every 0.2 ms, for as long as the busy timeout allows; every other statement keeps
SQLite's handler.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from django.db.backends.sqlite3 import base

RETRY_SECONDS = 0.0002


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        self.busy_timeout_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        return conn

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode != "IMMEDIATE" or not self.busy_timeout_ms:
            super()._start_transaction_under_autocommit()
            return
        raw = self.connection
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            with self.wrap_database_errors:  # Django's OperationalError ("database is locked") after the timeout
                while True:
                    try:
                        raw.execute("BEGIN IMMEDIATE")
                        return
                    except sqlite3.OperationalError as exc:
                        # SQLITE_BUSY or SQLITE_LOCKED, whatever the extended code (SQLITE_BUSY_RECOVERY …)
                        busy = exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                        if not busy or time.monotonic() > deadline:
                            raise
                    time.sleep(RETRY_SECONDS)
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
