"""Jishi's URLs plus three bare Django views, the floors the benchmark measures Jishi's endpoints against.

The floors do what the framework must do anyway for the same request — route, authenticate by session or nothing,
read or insert the same table — without Jishi's rules (visibility, validation, versions, audit). They exist only in
the benchmark server (bench/settings.py); the product's URLconf does not include them.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Engine
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as jishi_urlpatterns
from jishi.records.models import Category, WorkRecord


def floor_list(request: HttpRequest) -> JsonResponse:
    """Twenty newest records, as a bare Django view would list them (one indexed query, no visibility)."""
    rows = list(
        WorkRecord.objects.order_by("-date", "-id").values("id", "date", "content", "author_id", "unit_id")[:20]
    )
    return JsonResponse({"items": rows})


# A page drawn the way a bare Django project draws one: Django's template language, {% url %} per item.
_PAGE = Engine(dirs=[str(Path(__file__).parent / "templates")]).get_template("floor_page.html")


def floor_page(request: HttpRequest) -> HttpResponse:
    """The same twenty records as an HTML page: their author, unit and category joined, a link each (no visibility,
    no frame, no middleware of Jishi's beyond the project's) — the floor for the pages."""
    records = WorkRecord.objects.select_related("author", "unit", "category").order_by("-date", "-id")[:20]
    return HttpResponse(_PAGE.render(Context({"records": records})))


@csrf_exempt
def floor_create(request: HttpRequest) -> JsonResponse:
    """Insert the same row the API would, with no validation, version, audit or participants."""
    body = json.loads(request.body)
    author_id = int(body["author_id"])
    unit_id = int(body["unit_id"])
    now = timezone.now()
    record = WorkRecord.objects.create(
        author_id=author_id,
        unit_id=unit_id,
        department_id=int(body["department_id"]),
        date=datetime.date.fromisoformat(body["date"]),
        duration_minutes=int(body["duration_minutes"]),
        category=Category.objects.get(code=body["category"]),
        content=body["content"],
        submitted_at=now,
        updated_at=now,
        locks_at=now + datetime.timedelta(days=1),
    )
    return JsonResponse({"id": record.pk}, status=201)


urlpatterns = [
    path("floor/list", floor_list),
    path("floor/page", floor_page),
    path("floor/create", floor_create),
    *jishi_urlpatterns,
]
