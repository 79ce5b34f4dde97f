"""{% record_items page.items %}: the items of every list of records, written in Python.

The unit page, a person's page, the list page and the feeds show up to twenty records per page, each item about
fifteen template nodes. Through the template engine those 300 nodes cost a page more than its queries, its session
and everything else it did together (bench/RESULTS.md, fifth session). The markup and the translated strings here
are those the template had, so pages, tests and the catalogue are unchanged; what a reader may see of each record
was decided by the selector (`content_visible`), not here. Everything that does not depend on the record — the
labels, the URL patterns, the time zone — is looked up once per list.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from html import escape

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from jishi.core.urls import id_url_writer
from jishi.records.models import Category, Visibility, WorkRecord

register = template.Library()

_ITEM = """<li>
  <div><a class="who" href="{person_url}">{author}</a>
    <span class="muted">{unit} · {day} {span}</span></div>
  <div>
    <span class="tag">{category}</span>{tags}
    {body}
  </div>
</li>
"""


@register.simple_tag
def record_items(records: Iterable[WorkRecord]) -> SafeString:
    """One <li> per record, as the list pages show them; the caller writes the empty list and the pager.

    Values are escaped with the standard library's html.escape, as Django's escape does; translations are written
    as {% translate %} writes them, unescaped (translators write text, not markup).
    """
    zone = timezone.get_current_timezone()
    day_format = gettext("n月j日")
    # Each tag on its own line, as the template had them: the space between inline blocks is part of the layout.
    late = f'\n    <span class="tag late">{gettext("补记")}</span>'
    sensitive = f'\n    <span class="tag sensitive">{gettext("敏感")}</span>'
    withdrawn = f'<span class="tag withdrawn">{gettext("已撤回")}</span>'
    hidden = gettext("（敏感内容，仅本单位、上级和授权人员可见）")
    withdrawn_format = gettext("n月j日 H:i")
    withdrawn_note = gettext("%(when)s 撤回：%(reason)s")
    visibility_tags = {v.value: f'\n    <span class="tag">{escape(str(v.label))}</span>' for v in Visibility}
    visibility_tags[Visibility.INTERNAL] = ""
    person_url, detail_url = id_url_writer("records:person"), id_url_writer("records:detail")
    days: dict[datetime.date, str] = {}
    items = []
    for record in records:
        day = days.get(record.date)
        if day is None:
            day = days[record.date] = escape(format_date(record.date, day_format))
        visibility = visibility_tags.get(record.visibility)
        if visibility is None:  # a value outside the choices (an old import, say): shown as stored
            visibility = f'\n    <span class="tag">{escape(record.visibility)}</span>'
        tags = (late if record.is_late else "") + (sensitive if record.is_sensitive else "") + visibility
        detail = detail_url(record.pk)
        if getattr(record, "content_visible", False):
            body = f'<a href="{detail}">{escape(_shorten(record.content, 120))}</a>'
        elif record.withdrawn_at is not None:
            when = format_date(record.withdrawn_at.astimezone(zone), withdrawn_format)
            note = withdrawn_note % {"when": escape(when), "reason": escape(_shorten(record.withdrawal_reason, 40))}
            body = f'{withdrawn} <a class="hidden-content" href="{detail}">{note}</a>'
        else:
            body = f'<a class="hidden-content" href="{detail}">{hidden}</a>'
        items.append(
            _ITEM.format(
                person_url=person_url(record.author_id),
                author=escape(record.author.full_name),
                unit=escape(record.unit.name),
                day=day,
                span=escape(record.time_span_in(zone)),
                category=escape(_category_name(record)),
                tags=tags,
                body=body,
            )
        )
    return mark_safe("".join(items))  # every value above was escaped


def _category_name(record: WorkRecord) -> str:
    """The record's category, as record_page attached it; blank when it is missing (a category added after this
    request read the worker's categories), as the template showed a missing category."""
    cached = record._state.fields_cache
    category = cached["category"] if "category" in cached else Category.objects.filter(pk=record.category_id).first()
    return category.name if category is not None else ""


def _shorten(text: str, limit: int) -> str:
    """Django's truncatechars: most records are shorter than the limit, and need no walk over their characters."""
    return text if len(text) <= limit else Truncator(text).chars(limit)
