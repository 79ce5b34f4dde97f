"""Session authentication that keeps each signed-in person per worker while nobody's account has changed."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.backends import ModelBackend

from jishi.core.cache import GenerationCache
from jishi.org.models import Person

_people: GenerationCache[Any, Person] = GenerationCache(maxsize=20_000)


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, with get_user — run on every request with a session — served from the worker's cache.

    A change to the person (password, deactivation, name) renews the cache generation, so Django's session check
    against the password hash and the is_active check always see the stored account.
    """

    def get_user(self, user_id: Any) -> Person | None:
        person = _people.get(user_id, lambda: super(CachedModelBackend, self).get_user(user_id))
        return copy.copy(person) if person is not None else None
