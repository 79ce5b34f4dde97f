"""The portal's publication generation: a counter in the shared cache that every publish, hold, release and record
write bumps, so that pages, feeds and API answers cached under the old value are never served again."""

from __future__ import annotations

import time

from django.core.cache import cache

KEY = "portal:generation"


def _fresh() -> int:
    # Started from the clock, not from 1: after the counter was evicted, a new start never meets a value under which
    # something is still cached.
    return time.time_ns() // 1000


def generation() -> int:
    """The current generation."""
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, _fresh(), timeout=None)
        value = cache.get(KEY)
    return int(value) if value is not None else _fresh()


def bump() -> int:
    """Start a new generation: whatever was cached under an older one is stale."""
    try:
        return int(cache.incr(KEY))
    except ValueError:  # not in the cache (never set, or evicted)
        value = _fresh()
        cache.set(KEY, value, timeout=None)
        return value
