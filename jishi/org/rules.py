"""Who a reader is in the organisation, computed once per request: the basis of every visibility rule.

PRODUCT.md, "Leaders and superiors": a person's superiors are the head of their section, the deputy in
charge of it, the head of their department-level unit, the jurisdiction leader in charge of that unit and
the jurisdiction's principal leaders. Generalised over the tree, a reader is a superior for:
  - every unit at or below a unit whose principal post (正职) the reader holds, and
  - every unit at or below a unit that one of the reader's leadership posts is in charge of (分管).
Access follows the post: only assignments active today count.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from jishi.core.cache import GenerationCache
from jishi.org.models import Assignment, Leadership, Position, Role, RoleGrant, Unit, path_unit_ids


@dataclass(frozen=True)
class Reader:
    """The organisational facts about one reader that visibility needs."""

    person_id: int | None
    unit_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    superior_of_all: bool = False
    superior_unit_ids: frozenset[int] = frozenset()
    is_jurisdiction_leader: bool = False
    scoped_all: bool = False  # inspection or HR over the whole jurisdiction
    scoped_unit_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.person_id is None

    @property
    def is_inspector(self) -> bool:
        return Role.INSPECTOR in self.roles

    @property
    def is_administrator(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def has_reading_grant(self) -> bool:
        """Inspection or HR: the grants that widen what one reads (an administrator's does not)."""
        return Role.INSPECTOR in self.roles or Role.HR in self.roles

    def is_superior_for(self, unit_id: int) -> bool:
        return self.superior_of_all or unit_id in self.superior_unit_ids

    def reads_in_scope(self, unit_id: int) -> bool:
        return self.scoped_all or unit_id in self.scoped_unit_ids


ANONYMOUS = Reader(person_id=None)


def _subtree_ids(units: list[Unit]) -> set[int]:
    if not units:
        return set()
    condition = reduce(or_, (Q(path__startswith=u.path) for u in units))
    return set(Unit.objects.filter(condition).values_list("id", flat=True))


# The superior relation, defined here once. A post leads the unit it is the principal post (正职) of and every unit
# it is in charge of (分管, principal or deputy); its holder is a superior for the units it leads and all below them.
# build_reader reads it from above (the units a reader's posts lead); superiors_of from below (who leads a unit or any
# unit above it).
LEADING = (Leadership.PRINCIPAL, Leadership.DEPUTY)


def leading_posts_q(unit_ids: Iterable[int], *, prefix: str = "") -> Q:
    """The posts (Position, or through `prefix`, e.g. "position__") that lead any of `unit_ids`."""
    ids = list(unit_ids)
    return Q(**{f"{prefix}leadership": Leadership.PRINCIPAL, f"{prefix}unit_id__in": ids}) | Q(
        **{f"{prefix}leadership__in": LEADING, f"{prefix}in_charge_of__in": ids}
    )


def led_units(positions: list[Position]) -> list[Unit]:
    """The units these posts lead (a query only for posts that lead anything: most people lead nothing)."""
    leading = [p for p in positions if p.leadership in LEADING]
    heads = [p.unit for p in leading if p.leadership == Leadership.PRINCIPAL]
    if leading:
        heads += list(Unit.objects.filter(leaders_in_charge__in=leading))
    return heads


def superiors_of(person_id: int, unit_ids: Iterable[int], today: datetime.date) -> list[int]:
    """The people who are superiors today of someone serving in `unit_ids` (the person themself left out)."""
    paths = Unit.objects.filter(pk__in=list(unit_ids)).values_list("path", flat=True)
    above = {pk for path in paths for pk in path_unit_ids(path)}
    if not above:
        return []
    holders = (
        Assignment.objects.active_on(today)
        .filter(leading_posts_q(above, prefix="position__"))
        .exclude(person_id=person_id)
        .values_list("person_id", flat=True)
        .distinct()
    )
    return list(holders)


def build_reader(person_id: int, today: datetime.date) -> Reader:
    """Compute the reader from current posts and active role grants (three or four queries)."""
    assignments = list(Assignment.objects.active_on(today).filter(person_id=person_id).select_related("position__unit"))
    unit_ids = {a.position.unit_id for a in assignments}
    department_ids = {a.position.unit.department_id or a.position.unit_id for a in assignments}
    leading = [a.position for a in assignments if a.position.leadership in LEADING]
    heads = led_units(leading)
    is_jurisdiction_leader = any(p.unit.tier == 0 for p in leading)
    # The jurisdiction's principal leaders head the root, and so are superiors of everyone.
    superior_of_all = any(u.parent_id is None for u in heads)
    superior_ids = set() if superior_of_all else _subtree_ids(heads)

    grants = list(
        RoleGrant.objects.filter(person_id=person_id, granted_on__lte=today)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .prefetch_related("units")
    )
    roles = {g.role for g in grants}
    reading = [g for g in grants if g.role in (Role.INSPECTOR, Role.HR)]
    scoped_all = any(g.all_units for g in reading)
    scoped_ids = set() if scoped_all else _subtree_ids([u for g in reading for u in g.units.all()])
    return Reader(
        person_id=person_id,
        unit_ids=frozenset(unit_ids),
        department_ids=frozenset(department_ids),
        superior_of_all=superior_of_all,
        superior_unit_ids=frozenset(superior_ids),
        is_jurisdiction_leader=is_jurisdiction_leader,
        scoped_all=scoped_all,
        scoped_unit_ids=frozenset(scoped_ids),
        roles=frozenset(roles),
    )


# Readers by (person, day), kept by each worker while the organisation and role grants are unchanged.
_readers: GenerationCache[tuple[int, datetime.date], Reader] = GenerationCache(maxsize=20_000)


def reader_for(user: Any) -> Reader:
    """The reader for a request's user: on the user object for the request, and in the worker's cache across them."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_jishi_reader", None)
    if cached is None:
        from jishi.org.calendar import local_today

        today = local_today()
        cached = _readers.get((user.pk, today), lambda: build_reader(user.pk, today)) or ANONYMOUS
        user._jishi_reader = cached
    return cached


def can_see_filing_status(user: Any, unit: Unit) -> bool:
    """Who has not filed is shown to the unit's own 本单位, its superiors and scoped roles — not to everyone."""
    reader = reader_for(user)
    if reader.is_anonymous:
        return False
    department_id = unit.department_id or unit.pk
    return (
        department_id in reader.department_ids
        or reader.is_superior_for(unit.pk)
        or reader.reads_in_scope(unit.pk)
        or reader.is_jurisdiction_leader
    )


def can_see_person_filing(user: Any, person_id: int, unit_id: int | None) -> bool:
    """A person's missing days: the person, their superiors, scoped roles."""
    reader = reader_for(user)
    if reader.person_id == person_id:
        return True
    if unit_id is None or reader.is_anonymous:
        return False
    return reader.is_superior_for(unit_id) or reader.reads_in_scope(unit_id)


def can_import(user: Any) -> bool:
    """Only administrators and organisation/HR import — records and organisation data (PRODUCT.md, "Time rules")."""
    reader = reader_for(user)
    return reader.is_administrator or Role.HR in reader.roles


NEEDS_READING_GRANT = (
    "需要纪检监察或组织人事授权：系统管理员管理组织数据，不因此查看记实及其统计。"
    "如工作需要，请在系统管理的“角色授权”中授予纪检监察或组织人事角色（全区或指定单位）。"
)


def refuse(user: Any) -> NoReturn:
    """Refuse a page or figures drawn from records. An administrator without an inspection or HR grant is told why
    (403): the role manages the organisation and reads no more than any staff member (PRODUCT.md, "Roles with wider
    reading scope"). Anyone else gets a 404, as for a missing object — nothing said about why."""
    reader = reader_for(user)
    if reader.is_administrator and not reader.has_reading_grant:
        raise PermissionDenied(NEEDS_READING_GRANT)
    raise Http404("没有找到，或您无权查看。")
