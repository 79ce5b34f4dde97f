"""Feed pages and the follow button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jishi.core.http import int_or_none
from jishi.feeds.selectors import Feed, departments, feed_page, following
from jishi.feeds.services import follow, unfollow
from jishi.org.calendar import local_today
from jishi.org.http import AuthedRequest
from jishi.org.selectors import duties_for
from jishi.records.selectors import active_categories
from jishi.records.views import filters_from


@login_required
def feed(request: AuthedRequest, name: str = Feed.UNIT) -> HttpResponse:
    """动态: one of the four feeds, filterable by date, category, duty and (across departments) unit."""
    if name not in Feed.values:
        raise Http404
    units = [u for u in (int_or_none(v) for v in request.GET.getlist("units")) if u]
    follows = following(request.user) if name == Feed.FOLLOWING else []
    page = feed_page(
        user=request.user,
        feed=name,
        filters=filters_from(request),
        cursor=request.GET.get("cursor"),
        units=units,
        followed=follows if name == Feed.FOLLOWING else None,
    )
    if request.htmx and request.GET.get("cursor"):
        return render(request, "records/_record_page.html", {"page": page, "query": request.GET})
    context = {
        "feed": name,
        "feeds": Feed.choices,
        "page": page,
        "query": request.GET,
        "categories": active_categories(),
        "duties": duties_for(request.user, local_today()),
        "departments": departments() if name == Feed.CROSS else [],
        "chosen_units": set(units),
        "follows": follows,
    }
    return render(request, "feeds/feed.html", context)


@login_required
@require_POST
def follow_toggle(request: AuthedRequest) -> HttpResponse:
    """关注 / 取消关注 a colleague or a unit; the button redraws itself under htmx."""
    person_id = int_or_none(request.POST.get("person"))
    unit_id = int_or_none(request.POST.get("unit"))
    following_now = request.POST.get("action") != "unfollow"
    error = ""
    try:
        if following_now:
            follow(follower=request.user, person_id=person_id, unit_id=unit_id)
        else:
            unfollow(follower=request.user, person_id=person_id, unit_id=unit_id)
    except ValidationError as exc:
        error = "；".join(m for messages in exc.message_dict.values() for m in messages)
        following_now = not following_now
    if request.htmx:
        context = {"person_id": person_id, "unit_id": unit_id, "followed": following_now, "error": error}
        return render(request, "feeds/_follow_button.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    target = request.POST.get("next", "")
    safe = target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if safe else "feeds:feed")
