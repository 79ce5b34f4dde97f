"""The REST API v1: one NinjaAPI, token or session authentication, service errors as field-level 4xx.

Wiring, like urls.py: it assembles every app's router, so it sits above all of them (the layers are in .importlinter).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled
from ninja.security import HttpBearer, django_auth

from jishi.accounts.services import token_authenticate
from jishi.assessment.api import router as assessment_router
from jishi.core import throttling
from jishi.core.outage import is_database_unavailable, unavailable_response
from jishi.core.schemas import BODY_REFUSED, StrictJSONParser
from jishi.duties.api import router as duties_router
from jishi.feeds.api import router as feeds_router
from jishi.insights.api import router as insights_router
from jishi.integrity.api import router as integrity_router
from jishi.notifications.api import router as notifications_router
from jishi.org.api import router as org_router
from jishi.records.api import router as records_router
from jishi.search.api import router as search_router
from jishi.summaries.api import router as summaries_router
from jishi.supervision.api import router as supervision_router
from jishi.tasks.api import router as tasks_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # An address that keeps presenting wrong tokens waits, whatever token it sends next: the right one too, so
        # that guessing learns nothing until the window is over.
        address = throttling.client_address(request) or "unknown"
        wait = throttling.over("bad_token", address)
        if wait is not None:
            raise Throttled(wait)
        person = token_authenticate(token)
        if person is None:
            throttling.count("bad_token", address)
            return None
        request.user = person
        return person


api = NinjaAPI(
    title="Jishi 记实 API",
    version="1",
    description="工作记实接口。认证：Authorization: Bearer <令牌>（在“接口令牌”页面或 `jishi token create` 生成）。",
    urls_namespace="api-v1",
    auth=[BearerToken(), django_auth],
    throttle=throttling.API,
    parser=StrictJSONParser(),
)


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for e in errs for m in e.messages] for name, errs in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": "输入有误", "errors": validation_errors(exc)}, status=400)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own refusal of a body it cannot parse (bad JSON, a NUL: core.schemas.StrictJSONParser) is in English.
    message = BODY_REFUSED if exc.status_code == 400 and str(exc).startswith("Cannot parse") else str(exc)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return throttling.throttled_answer(api, request, exc)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "无权执行此操作"}, status=403)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    # Ninja answers an unhandled error itself under DEBUG (a traceback): a database outage is a 503 in every mode.
    if is_database_unavailable(exc):
        return unavailable_response(request, exc)
    raise exc


api.add_router("/records", records_router)
api.add_router("/", org_router)
api.add_router("/search", search_router)
api.add_router("/", supervision_router)
api.add_router("/notifications", notifications_router)
api.add_router("/duties", duties_router)
api.add_router("/tasks", tasks_router)
api.add_router("/summaries", summaries_router)
api.add_router("/integrity", integrity_router)
api.add_router("/", feeds_router)
api.add_router("/insights", insights_router)
api.add_router("/assessment", assessment_router)
