"""Worker-local caches of reference data: the organisation, role grants, API tokens, the calendar, categories.

Every request first reads who it is and what it may see from a few small tables that change a few times a day.
Database triggers (installed by migrations core 0004 and 0005) give the single `core_cachegeneration` row a new
random value whenever one of those tables changes — through Jishi's services, the admin, an import or raw SQL
alike — so a worker keeps what it computed from them for as long as the value it reads is the one the entry was
computed under. The value is random rather than a counter so that a change rolled back can never make an older
entry look current again.

The value is read once per request (memoised between Django's request_started and request_finished signals) and on
every call outside a request, so commands and tests always see the database as it is. A request that itself changes
reference data therefore keeps what it read at its start until it ends; Jishi's changes to the organisation answer
with a redirect, so the next request sees them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.core.signals import request_finished, request_started
from django.db import connection

_request = threading.local()
_UNREAD = object()
_caches: list[GenerationCache[Any, Any]] = []


def _start(**_: Any) -> None:
    _request.active, _request.generation = True, _UNREAD


def _finish(**_: Any) -> None:
    _request.active, _request.generation = False, _UNREAD


request_started.connect(_start, dispatch_uid="jishi.core.cache.start")
request_finished.connect(_finish, dispatch_uid="jishi.core.cache.finish")


def generation(*, fresh: bool = False) -> int | None:
    """The current generation of the reference data (one indexed read, once per request unless `fresh`); None when
    the row is missing (a flushed test database), and then nothing is cached."""
    active = getattr(_request, "active", False)
    memo = getattr(_request, "generation", _UNREAD) if active and not fresh else _UNREAD
    if memo is not _UNREAD:
        return memo  # type: ignore[return-value]
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM core_cachegeneration WHERE id = 1")
        row = cursor.fetchone()
    value = int(row[0]) if row else None
    if active and not fresh:
        _request.generation = value
    return value


def reset() -> None:
    """Forget every cached entry and the request's memo (for tests: each starts from the database as it is)."""
    _request.active, _request.generation = False, _UNREAD
    for cache in _caches:
        cache.clear()


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class GenerationCache(Generic[K, V]):
    """A bounded map whose entries hold only while the generation they were computed under is current.

    None is never kept: a miss (an unknown token, say) is asked of the database again, and cannot crowd out entries.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, key: K, compute: Callable[[], V | None]) -> V | None:
        current = generation()
        if current is None:
            return compute()
        hit = self._entries.get(key)
        if hit is not None and hit[0] == current:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)  # the least recently used entry goes first
            return hit[1]
        # A miss is computed now and tagged with the value read now, not the request's memo: if this request has
        # changed reference data in a transaction that is then rolled back, the tag is that transaction's value,
        # which can never be current again.
        current = generation(fresh=True)
        value = compute()
        if value is None or current is None:
            return value
        with self._lock:
            self._entries[key] = (current, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
