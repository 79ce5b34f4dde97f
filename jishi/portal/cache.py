"""The portal's caches: a publication generation, ETag / Cache-Control, and a page cache keyed by the generation.

The generation lives in Django's default cache, which every worker shares (Redis, or files under JISHI_DATA_DIR),
so one `bump()` — a publication, a hold, a release, a record withdrawn or restricted — makes every page and feed
cached anywhere stale at once: their keys carry the generation they were rendered under. The generation is a
clock reading, not a count from 1: if the entry is lost (evicted, the cache flushed), the next reader sets a fresh
value larger than any earlier one, so an old page can never look current again.

Rendered pages are kept in each worker's memory (a spike of anonymous readers then costs one shared-cache read per
hit and no database query); only complete 200 answers that set no cookie and do not vary by cookie are kept.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.http import parse_etags
from django.utils.translation import get_language

KEY = "portal:generation"
T = TypeVar("T")
_MISSING = object()

# Per worker: pages are small (a list page is ~20 kB), a thousand of them stay well under 50 MB. An entry also expires
# after PAGE_SECONDS: a change that reached the database without a bump (an administrator's edit in the admin, a
# script) shows within that time instead of never — a spike still renders each page once per worker and period.
PAGE_SECONDS = 120
_pages = LocMemCache("jishi-portal-pages", {"TIMEOUT": PAGE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 1000}})


def _fresh() -> int:
    return time.time_ns() // 1000


def generation() -> int:
    """The current publication generation (one read of the shared cache); set afresh when missing."""
    shared = caches["default"]
    value = shared.get(KEY)
    if value is None:
        shared.add(KEY, _fresh(), timeout=None)
        value = shared.get(KEY)
    # A cache that keeps nothing (a dummy backend): every read is a new generation, nothing is served stale.
    return int(value) if value is not None else _fresh()


def _advance() -> int:
    value = max(generation() + 1, _fresh())
    caches["default"].set(KEY, value, timeout=None)
    return value


def bump() -> int:
    """Start a new generation — whatever was cached under an older one is stale — now, and again when the
    surrounding transaction commits (a reader between the two would otherwise cache the old state anew)."""
    value = _advance()
    transaction.on_commit(_advance)
    return value


# The generation a page is being drawn under: read once per request by cached_page, so that a page's parts (the
# filter form, the leaders' section) are of one generation and do not each read the shared cache again.
_drawing: contextvars.ContextVar[int | None] = contextvars.ContextVar("portal_generation", default=None)


def memo(name: str, compute: Callable[[], T]) -> T:
    """A value computed from the publications (the filter form's units and leaders, say), kept per worker for the
    current generation (the page's, inside a cached_page view)."""
    gen = _drawing.get()
    key = f"memo:{generation() if gen is None else gen}:{get_language()}:{name}"
    found = _pages.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        _pages.set(key, found)
    return found


def clear() -> None:
    """Forget this worker's cached pages (for tests)."""
    _pages.clear()


def max_age() -> int:
    """Seconds a browser or proxy may reuse a page without asking (JISHI_PORTAL_MAX_AGE, default 0: it revalidates
    with the ETag every time, so a withdrawn record is gone at once; the answer is then a cheap 304)."""
    return int(getattr(settings, "JISHI_PORTAL_MAX_AGE", 0))


def page_cache_enabled() -> bool:
    """JISHI_PORTAL_PAGE_CACHE (default on); off, every hit renders (the benchmark's uncached figures), still with
    ETag and Cache-Control."""
    return bool(getattr(settings, "JISHI_PORTAL_PAGE_CACHE", True))


def etag_for(content: bytes) -> str:
    """A strong ETag for a body."""
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def set_cache_headers(response: HttpResponseBase, *, etag: str | None = None, public: bool = True) -> None:
    """ETag (when known) and Cache-Control on an answer."""
    if etag:
        response["ETag"] = etag
    if public:
        response["Cache-Control"] = f"public, max-age={max_age()}, must-revalidate"
    else:
        response["Cache-Control"] = "private, no-cache"


def not_modified(request: HttpRequest, etag: str) -> bool:
    """Whether the client's If-None-Match already names this ETag."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def page_key(request: HttpRequest, gen: int | None = None) -> str:
    """The cache key of a page: generation, language, full path with its query."""
    return f"{generation() if gen is None else gen}:{get_language()}:{request.get_full_path()}"


def _cacheable(response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.streaming
        and not response.cookies
        and "cookie" not in response.get("Vary", "").lower()
    )


def _answer(request: HttpRequest, content: bytes, content_type: str, etag: str) -> HttpResponseBase:
    if not_modified(request, etag):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type=content_type)
    set_cache_headers(response, etag=etag)
    return response


def cached_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve a GET/HEAD view from the page cache of the current generation, with ETag and Cache-Control; an answer
    that is not a plain 200 goes out uncached and marked so (errors, redirects, anything setting a cookie)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        enabled = page_cache_enabled()
        gen = generation()
        key = page_key(request, gen) if enabled else ""
        hit = _pages.get(key) if enabled else None
        if hit is not None:
            return _answer(request, *hit)
        drawing = _drawing.set(gen)
        try:
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render):
                response = render()
        finally:
            _drawing.reset(drawing)
        if not _cacheable(response):
            if response.status_code == 200:
                set_cache_headers(response, public=False)
            elif not response.has_header("Cache-Control"):
                response["Cache-Control"] = "no-cache"
            return response
        assert isinstance(response, HttpResponse)
        content = response.content
        entry = (content, response["Content-Type"], etag_for(content))
        if enabled:
            _pages.set(key, entry)
        return _answer(request, *entry)

    return wrapper
