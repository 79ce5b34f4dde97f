"""Test settings: fast hashing, in-memory email, tasks run immediately."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise indexes every static file per handler, and the test client builds a handler per client.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405

# Files the code writes beside the database (the demo manifest) go to a scratch directory, not the checkout.
DATA_DIR = Path(tempfile.mkdtemp(prefix="jishi-test-"))
# The insights store of this test session (tests that build one point it at their own tmp_path).
JISHI_INSIGHTS_DIR = DATA_DIR / "insights"
JISHI_INSIGHTS_REFRESH_ON_WRITE = False  # writes still mark their months; test_refresh turns the task on
JISHI_PORTAL_PUBLISH_ON_WRITE = False  # tests publish by calling publication.publish_due

# One process: the cache is memory, emptied before each test (jishi/conftest.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
    "worker": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "worker"},
}
# The rate limits are counted in every test, but only tests about them set limits anyone reaches.
JISHI_RATE_LIMITS = {scope: "100000/min" for scope in JISHI_RATE_LIMITS}  # noqa: F405
# The test client's login() calls authenticate() without a request, which django-axes refuses; the lockout tests
# switch it on (jishi/accounts/tests/test_throttling.py).
AXES_ENABLED = False
