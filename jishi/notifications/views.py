"""The inbox page (通知). Views parse, call a selector or service, and render; htmx partials share the URLs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jishi.notifications.selectors import inbox_page, with_record_access
from jishi.notifications.services import mark_all_read, mark_read
from jishi.org.http import AuthedRequest


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """通知: the person's notifications, newest first, 20 a page; unread ones highlighted."""
    unread_only = request.GET.get("unread") == "1"
    page = inbox_page(person=request.user, cursor=request.GET.get("cursor"), unread_only=unread_only)
    context = {"page": page, "unread_only": unread_only}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "notifications/_page.html", context)
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def read(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one notification read; "open" also follows its link, unless it leads to a record the person may no
    longer read. Someone else's notification is a 404."""
    notification = mark_read(person=request.user, notification_id=pk)
    [notification] = with_record_access(person=request.user, items=[notification])
    target = notification.url if notification.record_readable else ""
    if "open" in request.POST and target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    if request.htmx:
        return render(request, "notifications/_read.html", {"item": notification})
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    """Mark every notification of the person read."""
    mark_all_read(person=request.user)
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = reverse("notifications:inbox")
        return response
    return redirect("notifications:inbox")
