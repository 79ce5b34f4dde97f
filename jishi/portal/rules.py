"""Who may see what of the portal — written once.

Anonymous readers (everyone): only `Publication.objects.live()` — a publication not held, published, whose record
satisfies records.rules.public_q at query time (公开, not withdrawn, not sensitive).

The review queue (/public/review/, signed in): a unit's publishers (Role.PUBLISHER, scoped to units and all below
them, or the whole jurisdiction), the principal head (正职) of a department-level unit for that unit, and
administrators. Anyone else gets a 404, as for something that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from jishi.core.cache import GenerationCache
from jishi.org.models import Assignment, Leadership, Role, RoleGrant, Unit
from jishi.org.rules import reader_for

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class ReviewScope:
    """The units whose records a reviewer sees in the queue: all of them, or these (subtrees already expanded)."""

    all_units: bool = False
    unit_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.all_units and not self.unit_ids

    def record_q(self, prefix: str = "") -> Q:
        """The condition on WorkRecord rows (through `prefix`) within the scope."""
        if self.all_units:
            return Q()
        return Q(**{f"{prefix}unit_id__in": sorted(self.unit_ids)}) if self.unit_ids else NOTHING

    def covers(self, unit_id: int) -> bool:
        return self.all_units or unit_id in self.unit_ids


def _subtree_ids(units: list[Unit]) -> frozenset[int]:
    if not units:
        return frozenset()
    condition = reduce(or_, (Q(path__startswith=u.path) for u in units))
    return frozenset(Unit.objects.filter(condition).values_list("id", flat=True))


# Scopes by (person, day), per worker, while the organisation and role grants are unchanged (jishi.core.cache): the
# header asks on every page whether to offer the queue.
_scopes: GenerationCache[tuple[int, datetime.date], ReviewScope] = GenerationCache(maxsize=20_000)


def review_scope(user: Any, *, today: datetime.date | None = None) -> ReviewScope:
    """The review scope of `user` (empty for the anonymous and for everyone without a publishing duty)."""
    reader = reader_for(user)
    person_id = reader.person_id
    if person_id is None:
        return ReviewScope()
    if reader.is_administrator:
        return ReviewScope(all_units=True)
    from jishi.org.calendar import local_today

    day = today or local_today()
    return _scopes.get((person_id, day), lambda: _build_scope(person_id, day)) or ReviewScope()


def _build_scope(person_id: int, day: datetime.date) -> ReviewScope:
    grants = list(
        RoleGrant.objects.filter(person_id=person_id, role=Role.PUBLISHER, granted_on__lte=day)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        .prefetch_related("units")
    )
    if any(g.all_units for g in grants):
        return ReviewScope(all_units=True)
    roots = [u for g in grants for u in g.units.all()]
    headed = Unit.objects.filter(
        positions__leadership=Leadership.PRINCIPAL,
        positions__assignments__in=Assignment.objects.active_on(day).filter(person_id=person_id),
    )
    roots += [u for u in headed if u.is_department_level]
    return ReviewScope(unit_ids=_subtree_ids(roots))


def can_review(user: Any) -> bool:
    """Whether `user` has a review queue at all."""
    return not review_scope(user).empty
