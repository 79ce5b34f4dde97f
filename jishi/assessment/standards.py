"""Which standard (考核标准) applies to whom: rank groups and the most specific Standard row."""

from __future__ import annotations

from django.db.models import Q

from jishi.assessment.models import Assessment, RankGroup, Standard
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


def standard_for_scope(*, category: str, rank_group: str, among: list[Standard] | None = None) -> Standard:
    """The most specific Standard for a category and rank group (category+rank group > category > rank group > all).

    `among` is every Standard, read once by a caller that looks up many (a unit's 公示); without it, one query. Falls
    back to an unsaved default row when HR deleted every standard, so a flow never stops for want of one."""
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
    """The Standard for an assessment (its stored category and rank group) or for a person (their category; the
    rank group given, or 科员及以下 when not)."""
    if isinstance(subject, Assessment):
        return standard_for_scope(category=subject.category, rank_group=subject.rank_group)
    return standard_for_scope(category=subject.category, rank_group=rank_group or RankGroup.STAFF)
