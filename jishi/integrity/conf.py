"""Integrity settings: the hash algorithm, the optional signing key and the number of independent chains.

They are read from Django settings when the deployment sets them there, else from the environment, so a
deployment can switch to SM3 (国密) or add a key without code. The key never goes into the database.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _setting(name: str, default: str) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return value


def algorithm() -> str:
    """ "sha256" (default) or "sm3"; any name hashlib offers works."""
    return str(_setting("JISHI_CHAIN_ALGORITHM", "sha256")).lower()


def signing_key() -> bytes:
    """The key that signs exported digests (HMAC); empty means digests go out unsigned."""
    key = _setting("JISHI_CHAIN_KEY", "")
    return key.encode() if isinstance(key, str) else bytes(key)


def shards() -> int:
    """How many independent chains share the writes: an actor always writes to the same one."""
    return int(_setting("JISHI_CHAIN_SHARDS", "16"))


def check() -> None:
    """Fail at start-up when the configured algorithm is not available (e.g. SM3 on an OpenSSL without it)."""
    name = algorithm()
    try:
        hashlib.new(name, b"")
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"JISHI_CHAIN_ALGORITHM={name!r} is not available in this Python's hashlib "
            f"(available: {', '.join(sorted(hashlib.algorithms_available))})."
        ) from exc
    if shards() < 1:
        raise ImproperlyConfigured("JISHI_CHAIN_SHARDS must be at least 1.")
