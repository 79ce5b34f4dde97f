"""Who may read a 周报 / 月报 — the only place this rule is written.

A report is read by its author, the author's superiors (of the unit the report belongs to, as jishi/org/rules.py
defines them: the same relation as superiors_of) and the scoped roles (inspection, HR) covering that unit. Nobody
else: colleagues, the 本单位 and the jurisdiction at large do not read a person's report, whatever the records in it
allow them, so a sensitive record's content in the report reaches only readers who may read it on the record too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from jishi.org.rules import Reader, reader_for

if TYPE_CHECKING:
    from jishi.summaries.models import Summary, SummaryQuerySet

NOTHING = Q(pk__in=[])


def readable_q(reader: Reader) -> Q:
    """The condition on Summary rows that `reader` may read."""
    if reader.is_anonymous:
        return NOTHING
    if reader.superior_of_all or reader.scoped_all:
        return Q()
    units = set(reader.superior_unit_ids) | set(reader.scoped_unit_ids)
    own = Q(author_id=reader.person_id)
    return own | Q(unit_id__in=units) if units else own


def restrict(queryset: SummaryQuerySet, user: Any) -> SummaryQuerySet:
    condition = readable_q(reader_for(user))
    if condition == NOTHING:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset


def can_read(user: Any, summary: Summary) -> bool:
    reader = reader_for(user)
    if reader.is_anonymous:
        return False
    return (
        summary.author_id == reader.person_id
        or reader.is_superior_for(summary.unit_id)
        or reader.reads_in_scope(summary.unit_id)
    )


def is_reviewer(user: Any) -> bool:
    """Whether `user` reads anyone's reports but their own (shows the 下属报告 list)."""
    reader = reader_for(user)
    return bool(reader.superior_of_all or reader.superior_unit_ids or reader.scoped_all or reader.scoped_unit_ids)
