"""Request rate limits: the API per person, search and export per person, wrong API tokens per address.

Counts live in Django's default cache, which every gunicorn worker shares (config/settings/base.py: CACHES) — except
the general API limit without Redis, counted in each worker's memory (JISHI_RATE_CACHES) — in fixed windows: `30/min`
allows 30 requests in each clock minute, and a request over it is told how many seconds remain in the window
(Retry-After). Limits come from settings.JISHI_RATE_LIMITS, read on every request.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle

PERIODS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
clock = time.time  # (tests hold it still)


@dataclass(frozen=True)
class Rate:
    """At most `count` requests in each window of `seconds`."""

    count: int
    seconds: int


def rate(scope: str) -> Rate | None:
    """The limit of a scope from settings ("30/min", "10/10min"); None when it has none."""
    value = settings.JISHI_RATE_LIMITS.get(scope)
    if not value:
        return None
    count, _, period = value.partition("/")
    unit = period.lstrip("0123456789")
    multiple = int(period[: len(period) - len(unit)] or 1)
    return Rate(count=int(count), seconds=multiple * PERIODS[unit])


def _key(scope: str, ident: str, index: int) -> str:
    return f"jishi:rate:{scope}:{ident}:{index}"


def _counter(scope: str) -> BaseCache:
    """Where a scope's requests are counted: the shared cache, or the worker's own (settings.JISHI_RATE_CACHES)."""
    return caches[settings.JISHI_RATE_CACHES.get(scope, "default")]


def _window(limit: Rate) -> tuple[int, float]:
    """The number of the current window and the seconds left in it."""
    now = clock()
    index = int(now // limit.seconds)
    return index, (index + 1) * limit.seconds - now


def over(scope: str, ident: str) -> int | None:
    """Seconds until `ident` may try again if it has used up the scope's limit in this window, else None (counts
    nothing)."""
    limit = rate(scope)
    if limit is None:
        return None
    index, left = _window(limit)
    cache = _counter(scope)
    return math.ceil(left) if (cache.get(_key(scope, ident, index)) or 0) >= limit.count else None


def count(scope: str, ident: str) -> int | None:
    """Count one request by `ident`; seconds until it may try again if this one is over the limit, else None."""
    limit = rate(scope)
    if limit is None:
        return None
    index, left = _window(limit)
    key = _key(scope, ident, index)
    cache = _counter(scope)
    try:
        used = cache.incr(key)
    except ValueError:  # the window's first request
        used = 1 if cache.add(key, 1, timeout=limit.seconds + 1) else cache.incr(key)
        # The file cache lists its directory on every write: the last window's counter goes now, not when culled.
        cache.delete(_key(scope, ident, index - 1))
    return max(1, math.ceil(left)) if used > limit.count else None


def client_address(request: HttpRequest) -> str | None:
    """The address a request comes from, for the rate limits and the login lockout (AXES_CLIENT_IP_CALLABLE).

    Behind JISHI_PROXY_COUNT proxies it is the address the first of them saw, counted from the right of
    X-Forwarded-For: whatever stands further left the client wrote itself.
    """
    remote: str | None = request.META.get("REMOTE_ADDR")
    proxies = settings.JISHI_PROXY_COUNT
    if not proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def requester(request: HttpRequest) -> str:
    """Whom a limit counts: the signed-in person, or the address of an anonymous request."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"person:{user.pk}"
    return f"address:{client_address(request) or 'unknown'}"


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    """A page's answer over a limit: a short Chinese page, 429, Retry-After."""
    response = render(request, "429.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a page view: each request counts against the scope's limit for its requester (put it inside
    login_required so the person is known)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            wait = count(scope, requester(request))
            if wait is not None:
                return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return limited

    return decorator


class Throttle(BaseThrottle):
    """A django-ninja throttle over `count`: ninja answers 429 with Retry-After (config.api.on_throttled)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._wait = threading.local()  # ninja asks wait() right after allow_request(), on the same thread

    def allow_request(self, request: HttpRequest) -> bool:
        self._wait.seconds = count(self.scope, requester(request))
        return self._wait.seconds is None

    def wait(self) -> float | None:
        return getattr(self._wait, "seconds", None)


def throttled_answer(api: NinjaAPI, request: HttpRequest, exc: Throttled) -> HttpResponse:
    """An API's answer over a limit: 429, the wait in Chinese and in Retry-After (core.schemas.ThrottledOut)."""
    wait = max(1, math.ceil(exc.wait or 1))
    response = api.create_response(
        request, {"detail": f"请求过于频繁，请 {wait} 秒后再试。", "retry_after": wait}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


API = Throttle("api")
# An operation's throttles replace the API's: the expensive operations list both.
SEARCH: list[BaseThrottle] = [API, Throttle("search")]
EXPORT: list[BaseThrottle] = [API, Throttle("export")]
