"""The SQLite backend's write lock: waited for in short steps, for as long as the busy timeout allows."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")


@pytest.fixture(autouse=True)
def _own_database_file(django_db_blocker: Any) -> Any:
    """These tests open their own database file, not the test database."""
    with django_db_blocker.unblock():
        yield


def wrapper_for(path: Path) -> Any:
    from jishi.core.sqlite.base import DatabaseWrapper

    options = {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=400;"}
    return DatabaseWrapper({**connection.settings_dict, "NAME": str(path), "OPTIONS": options}, alias="lock-test")


def test_a_write_transaction_begins_as_soon_as_the_lock_is_released(tmp_path: Path) -> None:
    wrapper = wrapper_for(tmp_path / "lock.sqlite3")
    wrapper.ensure_connection()
    holder = sqlite3.connect(tmp_path / "lock.sqlite3", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, lambda: holder.execute("COMMIT")).start()
    started = time.monotonic()
    wrapper._start_transaction_under_autocommit()
    assert wrapper.connection.in_transaction
    assert time.monotonic() - started < 0.4  # it did not give up: it began once the holder committed
    assert wrapper.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 400  # SQLite's handler is back
    wrapper.connection.execute("ROLLBACK")
    wrapper.close()
    holder.close()


def test_a_write_transaction_gives_up_after_the_busy_timeout(tmp_path: Path) -> None:
    wrapper = wrapper_for(tmp_path / "lock.sqlite3")
    wrapper.ensure_connection()
    holder = sqlite3.connect(tmp_path / "lock.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        wrapper._start_transaction_under_autocommit()
    assert time.monotonic() - started >= 0.4
    assert not wrapper.connection.in_transaction
    assert wrapper.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 400
    holder.execute("ROLLBACK")
    wrapper.close()
    holder.close()
