"""Who sees which insights: the one place the rule is written (dashboards, reports and findings all call it).

Built on jishi.org.rules' Reader, so a group figure follows the same superior relation as the records behind it:
  - the whole jurisdiction for jurisdiction leaders and inspection/HR granted over all units;
  - the units (and everything below them) a reader heads or is in charge of, and a scoped grant's units;
  - nothing for everyone else — staff without such a post, and administrators without a reading grant (their
    role manages the organisation and reads no more than any staff member).
A group figure about fewer than JISHI_MIN_GROUP_SIZE people is never shown (PRODUCT.md, "Privacy and proportion").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from jishi.org.models import Assignment, Unit
from jishi.org.rules import reader_for


@dataclass(frozen=True)
class GroupScope:
    """The units a reader may see group figures for: all of them, or these (each unit's subtree included)."""

    all: bool = False
    unit_ids: frozenset[int] = frozenset()
    # The units the reader leads (heads or is in charge of): where their dashboard opens, even with a scope of all.
    led_unit_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.all and not self.unit_ids

    def __bool__(self) -> bool:
        return not self.is_empty

    def covers(self, unit_id: int | None) -> bool:
        """Whether the unit's figures are in scope (None is the jurisdiction: only for a scope over all)."""
        if unit_id is None:
            return self.all
        return self.all or unit_id in self.unit_ids

    def root_ids(self) -> list[int]:
        """The topmost units of the scope (those whose parent is outside it), in tree order; [] for all."""
        if self.all or not self.unit_ids:
            return []
        return _roots(self.unit_ids)

    def default_unit(self) -> Unit | None:
        """The unit a dashboard opens on: the first topmost unit the reader leads (a deputy district leader: the
        first unit in their charge), else of the scope; None for the jurisdiction."""
        roots = _roots(self.led_unit_ids) if self.led_unit_ids else self.root_ids()
        return Unit.objects.filter(pk=roots[0]).first() if roots else None


def _roots(unit_ids: frozenset[int]) -> list[int]:
    units = Unit.objects.filter(pk__in=unit_ids).order_by("path").values_list("pk", "parent_id")
    return [pk for pk, parent_id in units if parent_id not in unit_ids]


EMPTY = GroupScope()


def group_scope(user: Any) -> GroupScope:
    """The units whose group figures `user` may see (an empty scope: dashboards and reports are a 404)."""
    reader = reader_for(user)
    if reader.is_anonymous:
        return EMPTY
    if reader.superior_of_all or reader.scoped_all:
        return GroupScope(all=True)
    if reader.is_jurisdiction_leader:  # as for who has not filed (org.rules.can_see_filing_status): everywhere
        return GroupScope(all=True, led_unit_ids=reader.superior_unit_ids)
    return GroupScope(unit_ids=reader.superior_unit_ids | reader.scoped_unit_ids, led_unit_ids=reader.superior_unit_ids)


def min_group() -> int:
    return int(settings.JISHI_MIN_GROUP_SIZE)


def big_enough(people: int) -> bool:
    """Whether a figure about this many people may be shown; a smaller group shows "少于 N 人，不显示"."""
    return people >= min_group()


def can_see_person(user: Any, person_id: int) -> bool:
    """Person-level findings: only for readers who already read that person's records as a superior or scoped role —
    for the units the person serves in today (or, without a post today, served in last)."""
    reader = reader_for(user)
    if reader.is_anonymous or reader.person_id == person_id:
        return False
    if reader.superior_of_all or reader.scoped_all:
        return True
    from jishi.org.calendar import local_today

    posts = Assignment.objects.filter(person_id=person_id)
    unit_ids = set(posts.active_on(local_today()).values_list("position__unit_id", flat=True))
    if not unit_ids:
        last = posts.order_by("-start", "-id").values_list("position__unit_id", flat=True).first()
        unit_ids = {last} if last is not None else set()
    return any(reader.is_superior_for(u) or reader.reads_in_scope(u) for u in unit_ids)
