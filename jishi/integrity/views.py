"""The integrity page (完整性): the last verification and the digest dates, for inspectors and administrators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jishi.integrity.rules import can_see_integrity
from jishi.integrity.selectors import integrity_status


@login_required
def status(request: HttpRequest) -> HttpResponse:
    if not can_see_integrity(request.user):
        raise Http404  # like a page that does not exist, for everyone else
    return render(request, "integrity/status.html", {"status": integrity_status()})
