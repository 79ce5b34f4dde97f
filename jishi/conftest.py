import pytest
from django.core.cache import caches

from jishi.core import cache
from jishi.testing import Org, build_org


@pytest.fixture(autouse=True)
def _fresh_worker_caches() -> None:
    """Each test starts with empty worker caches (jishi.core.cache): SQLite reuses the ids of rows a rolled-back test
    wrote, and a streamed response the test never read leaves its request open."""
    cache.reset()


@pytest.fixture(autouse=True)
def _empty_shared_cache() -> None:
    """Each test starts with no request counted against a rate limit (jishi.core.throttling)."""
    for counter in caches.all():
        counter.clear()


@pytest.fixture
def org(db) -> Org:
    return build_org()
