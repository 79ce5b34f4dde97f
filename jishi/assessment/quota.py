"""The 优秀 quota (优秀等次比例): per period, assessing unit and rank group, from the standard or an approved raise.

limit = floor(share × the people of the group who get a grade) — probationers who are only commented on do not count.
A group mixes staff categories, so its share is that of the rank group's standard for every category (the blank
category row) as the period opened with it (Period.standards), or an approved QuotaRaise for the unit, group and
period — the only way to raise the share of an open period.
Only grades are read: no record counts, views or logins enter here (test_no_traces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from jishi.assessment.models import Assessment, Period, ProbationerMode, QuotaRaise
from jishi.assessment.standards import standard_for_scope


@dataclass(frozen=True)
class QuotaStatus:
    """Where a group stands: `used` people hold the limited grade against `limit`; `grade` is "" when unlimited."""

    limit: int
    used: int
    group_size: int
    share: Decimal
    grade: str
    raised: bool = False

    @property
    def limited(self) -> bool:
        return bool(self.grade)

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def share_percent(self) -> str:
        """The share as a percentage for messages ("20%")."""
        return f"{(self.share * 100).normalize():f}%"


def share_for(period: Period, unit_id: int, rank_group: str) -> tuple[str, Decimal, bool] | None:
    """The limited grade and share for a group (an approved raise wins), or None when the period kind is unlimited."""
    standard = standard_for_scope(category="", rank_group=rank_group, period=period)
    limited = standard.limited_grade(period.kind)
    if limited is None:
        return None
    grade, share = limited
    raised = (
        QuotaRaise.objects.filter(period=period, unit_id=unit_id, rank_group=rank_group)
        .order_by("-approved_at", "-id")
        .first()
    )
    if raised is not None:
        return grade, raised.share, True
    return grade, share, False


def _graded(period: Period, unit_id: int, rank_group: str) -> list[tuple[str, str, bool]]:
    rows = Assessment.objects.filter(period=period, unit_id=unit_id, rank_group=rank_group).values_list(
        "category", "grade", "is_probationer"
    )
    modes: dict[str, str] = {}
    graded = []
    for category, grade, probationer in rows:
        if probationer:
            mode = modes.setdefault(
                category, standard_for_scope(category=category, rank_group=rank_group, period=period).probationer_mode
            )
            if mode == ProbationerMode.COMMENT_ONLY:
                continue
        graded.append((category, grade, probationer))
    return graded


def status(period: Period, unit_id: int, rank_group: str, *, excluding: int | None = None) -> QuotaStatus:
    """The quota of one group; `excluding` leaves one assessment out of `used` (the one being decided again)."""
    limited = share_for(period, unit_id, rank_group)
    graded = _graded(period, unit_id, rank_group)
    size = len(graded)
    if limited is None:
        return QuotaStatus(limit=size, used=0, group_size=size, share=Decimal("1"), grade="")
    grade, share, raised = limited
    used_q = Assessment.objects.filter(period=period, unit_id=unit_id, rank_group=rank_group, grade=grade)
    if excluding is not None:
        used_q = used_q.exclude(pk=excluding)
    limit = math.floor(share * size)
    return QuotaStatus(limit=limit, used=used_q.count(), group_size=size, share=share, grade=grade, raised=raised)


def statuses(period: Period, unit_id: int) -> dict[str, QuotaStatus]:
    """The quota of every rank group present in a unit for a period (the unit sheet's bar)."""
    groups = (
        Assessment.objects.filter(period=period, unit_id=unit_id)
        .order_by("rank_group")
        .values_list("rank_group", flat=True)
        .distinct()
    )
    return {group: status(period, unit_id, group) for group in groups}
