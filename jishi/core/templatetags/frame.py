"""`{% page_header %}`: the bar at the top of every page — brand, menu, inbox link, account menu (core/_header.html).

The markup is the template's; this tag works out what the template cannot say simply: which menu entry is the page the
reader is on, and what other apps add through the hook page.header (the inbox link with its unread count, the
overview the reader may see). Which account-menu entries a reader gets by role comes from `menu`
(jishi.org.context_processors).
"""

from __future__ import annotations

from typing import Any

from django import template

from jishi.core.hooks import page_header as header_hook

register = template.Library()


@register.inclusion_tag("core/_header.html", takes_context=True)
def page_header(context: template.Context) -> dict[str, Any]:
    """The <header>'s data; for a visitor who is not signed in, only the brand is drawn."""
    request = context.get("request")
    user = context.get("user")
    data: dict[str, Any] = {"request": request, "user": user}
    if not getattr(user, "is_authenticated", False):
        return data
    data.update(current=current_entry(request), menu=context.get("menu") or {})
    for added in header_hook.run(user=user):  # notifications: inbox_link; supervision: overview_href
        data.update(added)
    return data


def current_entry(request: Any) -> str | None:
    """The menu entry of the page: by namespaced view name, as tasks has a "list" and a "unit" view of its own."""
    match = getattr(request, "resolver_match", None)
    view = getattr(match, "view_name", None)
    app = getattr(match, "app_name", None)
    if view in ("records:today", "records:mine"):
        return view.removeprefix("records:")
    if view == "records:unit":
        return "unit"
    if app in ("feeds", "supervision", "search", "tasks"):
        return app
    if view == "records:list":
        return "search"
    return None
