"""Which standard (考核标准) applies to whom: rank groups and the most specific Standard row.

A period keeps the standards it opened under (Period.standards, frozen by period_open): everything about an
assessment reads them through `standard_for(assessment)` / `standard_for_scope(..., period=)`, never the live rows,
so a change to a Standard (admin, API) cannot move an open period's quota, windows or 公示.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from jishi.assessment.models import Assessment, Period, RankGroup, Standard
from jishi.org.models import Person, Rank

RANK_GROUPS: dict[str, str] = {
    Rank.DISTRICT: RankGroup.DIVISION,
    Rank.DIVISION_PRINCIPAL: RankGroup.DIVISION,
    Rank.DIVISION_DEPUTY: RankGroup.DIVISION,
    Rank.SECTION_PRINCIPAL: RankGroup.SECTION,
    Rank.SECTION_DEPUTY: RankGroup.SECTION,
    Rank.STAFF: RankGroup.STAFF,
    Rank.CLERK: RankGroup.STAFF,
    Rank.NONE: RankGroup.STAFF,
}


def rank_group_of(rank: str) -> str:
    """The rank group (处级 / 科级 / 科员及以下) of an org Rank value; an unknown rank counts with 科员及以下."""
    return RANK_GROUPS.get(rank, RankGroup.STAFF)


def _specificity(standard: Standard) -> int:
    return (2 if standard.category else 0) + (1 if standard.rank_group else 0)


def frozen_now() -> list[dict[str, Any]]:
    """Every Standard as it stands now, as JSON: what a period opening now keeps (Period.standards)."""
    return [standard.frozen() for standard in Standard.objects.order_by("category", "rank_group", "id")]


def standard_for_scope(
    *, category: str, rank_group: str, among: list[Standard] | None = None, period: Period | None = None
) -> Standard:
    """The most specific Standard for a category and rank group (category+rank group > category > rank group > all).

    `period`: among the standards that period opened under (its frozen copy, no query). `among` is every Standard,
    read once by a caller that looks up many; with neither, one query of the live rows (for a period not yet open).
    Falls back to an unsaved default row when there was no standard at all, so a flow never stops for want of one."""
    if period is not None:
        among = period.frozen_standards
    if among is None:
        rows = list(
            Standard.objects.filter(Q(category="") | Q(category=category)).filter(
                Q(rank_group="") | Q(rank_group=rank_group)
            )
        )
    else:
        rows = [s for s in among if s.category in ("", category) and s.rank_group in ("", rank_group)]
    if not rows:
        return Standard()
    return max(rows, key=_specificity)


def standard_for(subject: Assessment | Person, *, rank_group: str | None = None) -> Standard:
    """The Standard for an assessment (its period's frozen standards, its stored category and rank group) or, live,
    for a person (their category; the rank group given, or 科员及以下 when not)."""
    if isinstance(subject, Assessment):
        return standard_for_scope(category=subject.category, rank_group=subject.rank_group, period=subject.period)
    return standard_for_scope(category=subject.category, rank_group=rank_group or RankGroup.STAFF)
