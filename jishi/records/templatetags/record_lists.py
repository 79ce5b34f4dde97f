"""`{% record_page %}`: a page of records in a Django page, drawn by the one Jinja2 template for lists
(records/_record_page.html under records/jinja2, jishi.core.jinja_env) — the same one htmx's "更多" gets alone.
`{% unfiled_section %}`: the unit page's who-has-not-filed card, drawn by Jinja2 (records/_unfiled.html)."""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def record_page(context: template.Context) -> SafeString:
    """The context's `page` of records with its pager (which keeps the `query`'s other parameters)."""
    request = context.get("request")
    drawn = get_template("records/_record_page.html", using="jinja2").render(
        {"page": context.get("page"), "query": context.get("query") or {}}, request
    )
    return mark_safe(drawn)  # a template's output, escaped by Jinja2's autoescape


@register.simple_tag(takes_context=True)
def unfiled_section(context: template.Context) -> SafeString:
    """The context's `unfiled` groups of `unit` on the day `on` (a link per name: Django's {% url %} for a hundred names
    cost more than the rest of the page)."""
    names = ("unit", "on", "unfiled", "unfiled_count")
    drawn = get_template("records/_unfiled.html", using="jinja2").render(
        {name: context.get(name) for name in names}, context.get("request")
    )
    return mark_safe(drawn)  # a template's output, escaped by Jinja2's autoescape
