"""`{% page_header %}`: the bar at the top of every page — brand, menu, inbox link, account menu (core/_header.html,
a Jinja2 template under core/jinja2, drawn through Django's Jinja2 backend: jishi.core.jinja_env).

The markup is the template's; this tag gathers what the apps add — the main menu's entries (hook page.menu), the inbox
link with its unread count and the overview the reader may see (hook page.header) — and which entry is the page the
reader is on. Which account-menu entries a reader gets by role comes from `menu`
(jishi.org.context_processors).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from jishi.core.hooks import MenuEntry, page_menu
from jishi.core.hooks import page_header as header_hook

register = template.Library()


@register.simple_tag(takes_context=True)
def page_header(context: template.Context) -> SafeString:
    """The <header>, drawn by core/_header.html (Jinja2)."""
    drawn = get_template("core/_header.html", using="jinja2").render(header_data(context), context.get("request"))
    return mark_safe(drawn)  # a template's output, escaped by Jinja2's autoescape


def header_data(context: template.Context) -> dict[str, Any]:
    """The <header>'s data; for a visitor who is not signed in, only the brand is drawn."""
    request = context.get("request")
    user = context.get("user")
    data: dict[str, Any] = {"request": request, "user": user}
    if not getattr(user, "is_authenticated", False):
        return data
    offered = (entry for entries in page_menu.run() for entry in entries)
    shown = (entry for entry in offered if entry.shown_to is None or entry.shown_to(user))
    entries = sorted(shown, key=lambda entry: entry.order)
    data.update(entries=entries, current=current_entry(request, entries), menu=context.get("menu") or {})
    for added in header_hook.run(user=user):  # notifications: inbox_link; supervision: overview_href
        data.update(added)
    return data


def current_entry(request: Any, entries: list[MenuEntry]) -> str | None:
    """The menu entry of the page: the first whose views or namespaces (tasks has a "list" and a "unit" view of its
    own) include the page's namespaced view name."""
    match = getattr(request, "resolver_match", None)
    view = getattr(match, "view_name", None)
    namespace = f"{getattr(match, 'app_name', None)}:*"
    for entry in entries:
        if view in entry.current or namespace in entry.current:
            return entry.key
    return None
