"""Login lockout with django-axes: per account and per address, each with its own limit, and a Chinese lockout page.

Axes compares one failure count with one limit (AXES_FAILURE_LIMIT). An office of two hundred people behind one NAT
address must not be locked out by five typos, so LockoutHandler counts the account's failures and the address's
separately and lets the address reach its own, higher limit (JISHI_LOGIN_ADDRESS_FAILURE_LIMIT).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


@dataclass(frozen=True)
class Failures:
    """Failed logins within the cool-off: of the account tried, and from the address tried from."""

    account: int
    address: int

    @property
    def account_locked(self) -> bool:
        return self.account >= settings.AXES_FAILURE_LIMIT

    @property
    def address_locked(self) -> bool:
        return self.address >= settings.JISHI_LOGIN_ADDRESS_FAILURE_LIMIT


def recent_attempts(request: HttpRequest) -> QuerySet[AccessAttempt]:
    """Failed-login records still within the cool-off (older ones no longer count)."""
    return AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))


def _sum(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def failures(request: HttpRequest, credentials: dict[str, Any] | None) -> Failures:
    username = get_client_username(request, credentials)
    recent = recent_attempts(request)
    return Failures(
        account=_sum(recent.filter(username=username)) if username else 0,
        address=_sum(recent.filter(ip_address=request.axes_ip_address)),  # type: ignore[attr-defined]
    )


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with the account's failures and the address's counted against their own limits."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Axes locks when this figure reaches AXES_FAILURE_LIMIT: an address over its own limit reports that limit.
        found = failures(request, credentials)
        if found.address_locked:
            return max(found.account, settings.AXES_FAILURE_LIMIT)
        return found.account

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # After a successful login only that account's failures are forgotten. Axes would also forget every failure
        # from the address, letting anyone with an account of their own wipe the count of someone else's they guess.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lock_ends(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime.datetime:
    """When the lockout on this login ends at the latest: the cool-off after the last failure that counts for it."""
    found = failures(request, credentials)
    recent = recent_attempts(request)
    username = get_client_username(request, credentials)
    if found.account_locked and username:
        recent = recent.filter(username=username)
    else:
        recent = recent.filter(ip_address=request.axes_ip_address)  # type: ignore[attr-defined]
    last = recent.aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    cool_off = get_cool_off(request) or datetime.timedelta(0)
    return last + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, when to try again, and whom to ask."""
    found = failures(request, credentials)
    ends = lock_ends(request, credentials)
    seconds = max(1, math.ceil((ends - timezone.now()).total_seconds()))
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "by_address": not found.account_locked,
            "minutes": math.ceil(seconds / 60),
            "ends": timezone.localtime(ends),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


@dataclass(frozen=True)
class Lockout:
    """An account or an address locked out now, until `ends` at the latest."""

    username: str | None
    ip_address: str | None
    failures: int
    ends: datetime.datetime


def current_lockouts() -> list[Lockout]:
    """Accounts and addresses locked out now (for `jishi unlock --list`), accounts first."""
    cool_off = get_cool_off() or datetime.timedelta(0)
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    accounts = (
        recent.exclude(username=None)
        .values("username")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username")
    )
    addresses = (
        recent.values("ip_address")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(n__gte=settings.JISHI_LOGIN_ADDRESS_FAILURE_LIMIT)
        .order_by("ip_address")
    )
    return [Lockout(row["username"], None, row["n"], row["last"] + cool_off) for row in accounts] + [
        Lockout(None, row["ip_address"], row["n"], row["last"] + cool_off) for row in addresses
    ]
