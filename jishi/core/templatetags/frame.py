"""`{% page_header %}`: the bar at the top of every page — brand, menu, inbox link, account menu — written in Python.

Every page draws it, and through the template engine its sixty-odd nodes (nine links, each with a test of which page
is current, translations, two forms with their CSRF tokens) cost about 1 ms a page, as much as a list page's queries
(bench/RESULTS.md, sixth session). The markup and the translated strings are those base.html had, so pages, tests
and the catalogue are unchanged. Which entries a reader gets is decided where it was: the roles (`menu`, from
jishi.core.context_processors), the overview rule (supervision) and the unread count (notifications).
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from jishi.core.urls import reverse_ids
from jishi.notifications.templatetags.notifications import inbox_link_html
from jishi.supervision.templatetags.supervision import overview_href

register = template.Library()

_CURRENT = ' aria-current="page"'


@register.simple_tag(takes_context=True)
def page_header(context: template.Context) -> SafeString:
    """The <header>; for a visitor who is not signed in, only the brand."""
    request = context.get("request")
    user = context.get("user")
    brand = f'<a class="brand" href="{_url("records:today")}">{gettext("记实")}</a>'
    if not getattr(user, "is_authenticated", False):
        return mark_safe(f'  <header class="topbar">\n    {brand}\n  </header>\n')
    match = getattr(request, "resolver_match", None)
    view = getattr(match, "view_name", None)  # the namespaced name: tasks has a "list" and a "unit" of its own
    app = getattr(match, "app_name", None)
    nav = [
        ("records:today", gettext("今天"), view == "records:today"),
        ("records:mine", gettext("我的记实"), view == "records:mine"),
        ("records:my_unit", gettext("本单位"), view == "records:unit"),
        ("feeds:feed", gettext("动态"), app == "feeds"),
        ("supervision:inbox", gettext("确认与质询"), app == "supervision"),
        ("search:search", gettext("检索"), app == "search" or view == "records:list"),
        ("tasks:list", gettext("督办"), app == "tasks"),
        ("records:units", gettext("单位"), False),
    ]
    links = "\n".join(f'      <a href="{_url(name)}"{_CURRENT if on else ""}>{label}</a>' for name, label, on in nav)
    return mark_safe(
        f'  <header class="topbar">\n    {brand}\n    <nav class="nav">\n{links}\n    </nav>\n'
        f"    {inbox_link_html(user)}\n{_account_menu(context, request, user)}  </header>\n"
    )


def _url(name: str) -> str:
    """The URL of a view without arguments, escaped as {% url %} escapes it (a script prefix may hold any text)."""
    return escape(reverse_ids(name, []))


def _account_menu(context: template.Context, request: Any, user: Any) -> str:
    """The account menu under the reader's name: own page, tokens, overview, admin and import by role, language,
    sign-out. Values are escaped with html.escape, as Django's escape does; translations are written unescaped,
    as {% translate %} writes them."""
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(context.get("csrf_token", "")))}">'
    menu = context.get("menu") or {}
    entries = [
        (reverse_ids("records:person", [user.pk]), gettext("我的主页")),
        (reverse_ids("accounts:tokens", []), gettext("接口令牌")),
    ]
    overview = overview_href(user)
    if overview:
        entries.append((overview, gettext("监督概况")))
    if menu.get("admin"):
        entries.append((reverse_ids("admin:index", []), gettext("系统管理")))
    if menu.get("imports"):
        entries.append((reverse_ids("records:import", []), gettext("导入")))
    links = "".join(f'        <a href="{escape(href)}">{label}</a>\n' for href, label in entries)
    if get_language() == "en":
        language = '<button name="language" value="zh-hans" class="link">简体中文</button>'
    else:
        language = '<button name="language" value="en" class="link">English</button>'
    here = escape(request.get_full_path()) if request is not None else ""
    return (
        '    <details class="account">\n'
        f"      <summary>{escape(user.full_name or user.username)}</summary>\n"
        '      <div class="menu">\n'
        f"{links}"
        f'        <form method="post" action="{_url("set_language")}">{csrf}\n'
        f'          <input type="hidden" name="next" value="{here}">\n'
        f"          {language}\n"
        "        </form>\n"
        f'        <form method="post" action="{_url("logout")}">{csrf}'
        f'<button class="link">{gettext("退出")}</button></form>\n'
        "      </div>\n"
        "    </details>\n"
    )
