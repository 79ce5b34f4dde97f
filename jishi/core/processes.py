"""Worker processes forked for set-based work (sealing, verifying, building the analytics store)."""

from __future__ import annotations

import threading


def can_fork() -> bool:
    """Whether worker processes may be forked from here: only from a process running one thread.

    A fork copies the calling thread alone. A lock another thread holds at that moment — a live server's, a JVM
    gateway's, the database driver's — stays locked in the child for ever, and the pool then waits without end (the
    PostgreSQL test run hung so, sealing a demo world beside a test's live server). With other threads running, the
    work is done in this process instead: slower, never stuck.
    """
    return threading.active_count() == 1
