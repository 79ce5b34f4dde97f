"""While the database cannot be reached: 503 with Retry-After (JSON for the API, a short Chinese page elsewhere).

A lost or refused connection is an outage, not a bug: clients should wait and retry, and the server should not
answer with a traceback or an English error page. Only connection-level errors count — a constraint violation,
bad data or a missing table stays a 500 that somebody must fix.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
# PostgreSQL: class 08 is "connection exception"; 57P01–57P03 are a server shutting down, crashed or starting up
# (pg_terminate_backend gives 57P01). psycopg's own connection failures (refused, closed, lost) carry no SQLSTATE.
POSTGRES_UNAVAILABLE = ("08", "57P01", "57P02", "57P03")
# SQLite: the database file cannot be opened or read (a missing directory, an unmounted disk).
SQLITE_UNAVAILABLE = ("SQLITE_CANTOPEN", "SQLITE_IOERR")
# Where the got_request_exception receiver leaves the error for the middleware (see DatabaseUnavailableMiddleware).
REQUEST_ATTRIBUTE = "jishi_database_unavailable"


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be reached now (as opposed to a query or data that is wrong)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    # Django raises its own OperationalError from the driver's, which is the cause.
    cause = error.__cause__
    if cause is None:
        return False
    if hasattr(cause, "sqlstate"):  # psycopg
        sqlstate = cause.sqlstate
        return sqlstate is None or sqlstate.startswith(POSTGRES_UNAVAILABLE)
    errorname = getattr(cause, "sqlite_errorname", None)
    return isinstance(errorname, str) and errorname.startswith(SQLITE_UNAVAILABLE)


def one_line(error: BaseException) -> str:
    """A driver's message on one log line (psycopg's span several)."""
    return " ".join(str(error).split()) or type(error).__name__


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The answer while the database is away (logged on one line); it reads neither the database, the session nor
    the user."""
    logger.warning("database unavailable, answered 503 to %s %s: %s", request.method, request.path, one_line(error))
    response: HttpResponse
    if request.path_info.startswith(API_PREFIX):
        detail = _("暂时无法连接数据库，请稍后重试")
        response = JsonResponse({"detail": detail}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        # No request: context processors (the user, the unread count) would read the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a database outage into 503 wherever in the request it shows (view, template, or another middleware).

    A view's or template's error reaches `process_exception`. An error raised in another middleware (a session
    saved on the way out, a lockout check) never reaches this one: Django converts it to a 500 in that layer. For
    those, `mark_database_unavailable` (connected to `got_request_exception` in CoreConfig.ready) marks the request
    and this middleware, placed outside every middleware that reads the database, replaces the 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, REQUEST_ATTRIBUTE, None)
        if error is not None and response.status_code == 500:
            return unavailable_response(request, error)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None


def mark_database_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """got_request_exception receiver: Django sends it while handling the exception, so sys.exc_info() holds it."""
    error = sys.exc_info()[1]
    if request is not None and is_database_unavailable(error):
        setattr(request, REQUEST_ATTRIBUTE, error)
