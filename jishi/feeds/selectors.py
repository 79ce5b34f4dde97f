"""The feeds: each is a condition on records added to the one visibility rule, read a page at a time.

PRODUCT.md's three pressure structures, as a reader meets them every day:
  本单位  vertical — my 本单位, the units I lead or am in charge of (my subordinates) and my superiors' records;
  跨部门  horizontal — records of other 本单位s, optionally narrowed to chosen units;
  领导    upward transparency — the records of jurisdiction and department-level leaders;
  关注    the colleagues and units I follow.
Every feed is `record_page` (visible_to, keyset pages, no COUNT) with one more condition: nothing here decides
who may read what.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _

from jishi.core.cache import GenerationCache
from jishi.feeds.models import Follow
from jishi.org.calendar import local_today
from jishi.org.models import DEPARTMENT_LEVEL_KINDS, Assignment, Leadership, Unit, UnitKind
from jishi.org.rules import Reader, reader_for, superiors_of
from jishi.org.selectors import subtree_ids
from jishi.records.rules import NOTHING
from jishi.records.selectors import Page, RecordFilters, record_page

# The jurisdiction and its department-level units (委办局, 街镇): whose leaders the 领导 feed shows. Not by tier:
# sections share their department's tier, and a section chief is not a leader here.
LEADER_UNIT_KINDS = (UnitKind.JURISDICTION, *DEPARTMENT_LEVEL_KINDS)


class Feed(TextChoices):
    UNIT = "unit", _("本单位")
    CROSS = "cross", _("跨部门")
    LEADERS = "leaders", _("领导")
    FOLLOWING = "following", _("关注")


def leader_ids() -> list[int]:
    """People holding a leadership post today in the jurisdiction or a department-level unit.

    The same few hundred for everyone, per worker while the organisation is unchanged (jishi.core.cache).
    """
    today = local_today()
    return list(_leaders.get(today, lambda: _leader_ids(today)) or [])


_leaders: GenerationCache[datetime.date, list[int]] = GenerationCache(maxsize=4)


def _leader_ids(today: datetime.date) -> list[int]:
    return list(
        Assignment.objects.active_on(today)
        .filter(
            position__leadership__in=[Leadership.PRINCIPAL, Leadership.DEPUTY],
            position__unit__kind__in=LEADER_UNIT_KINDS,
        )
        .values_list("person_id", flat=True)
        .distinct()
    )


def superior_ids(reader: Reader) -> list[int]:
    """The reader's superiors today: org.rules.superiors_of (the superior relation's one definition), kept per
    worker."""
    person_id = reader.person_id
    if person_id is None or not reader.unit_ids:
        return []
    today = local_today()
    return list(_superiors.get((reader, today), lambda: superiors_of(person_id, reader.unit_ids, today)) or [])


# Per worker, while the organisation is unchanged (jishi.core.cache): every 本单位 feed page asks.
_superiors: GenerationCache[tuple[Reader, datetime.date], list[int]] = GenerationCache(maxsize=20_000)


def _unit_branches(unit_ids: set[int], *, skip_departments: frozenset[int] = frozenset()) -> list[Q]:
    """Branches covering these units: one per 本单位 when all its units are included, else one per unit."""
    if not unit_ids:
        return []
    department_of, sizes = _departments.get("all", _read_departments) or _read_departments()
    by_department: dict[int, set[int]] = {}
    for pk in unit_ids:
        if pk in department_of:
            by_department.setdefault(department_of[pk] or pk, set()).add(pk)
    branches = []
    for department, units in sorted(by_department.items()):
        if department in skip_departments:
            continue
        if len(units) >= sizes.get(department, 0):
            branches.append(Q(department_id=department))
        else:
            branches += [Q(unit_id=pk) for pk in sorted(units)]
    return branches


# Each unit's 本单位 and each 本单位's number of units, per worker while the organisation is unchanged
# (jishi.core.cache): a 分管 leader's 本单位 feed and a 关注 feed ask on every page. A few thousand pairs at most.
_departments: GenerationCache[str, tuple[dict[int, int | None], dict[int, int]]] = GenerationCache(maxsize=1)


def _read_departments() -> tuple[dict[int, int | None], dict[int, int]]:
    department_of: dict[int, int | None] = dict(Unit.objects.values_list("pk", "department_id"))
    sizes: dict[int, int] = {}
    for department in department_of.values():
        if department is not None:
            sizes[department] = sizes.get(department, 0) + 1
    return department_of, sizes


def feed_scope(
    feed: str, user: Any, *, units: list[int] | None = None, followed: list[Follow] | None = None
) -> Q | list[Q]:
    """The feed's own condition on records — one condition, or branches whose union is the feed (record_page
    reads each branch on its own index). Visibility is added by record_page, never here.

    `followed`: the reader's follows, when the caller has read them already (the 关注 page lists them).
    """
    reader = reader_for(user)
    if reader.is_anonymous:
        return NOTHING
    if feed == Feed.UNIT:
        if reader.superior_of_all:
            return Q()
        branches = [Q(department_id=d) for d in sorted(reader.department_ids)]
        branches += _unit_branches(set(reader.superior_unit_ids), skip_departments=reader.department_ids)
        bosses = superior_ids(reader)  # a handful of people, a few hundred records: one branch
        return branches + ([Q(author_id__in=sorted(bosses))] if bosses else [])
    if feed == Feed.CROSS:
        others = ~Q(department_id__in=reader.department_ids) if reader.department_ids else Q()
        if units:
            return [others & Q(department_id=pk) for pk in sorted(set(units))[:50]]
        return others
    if feed == Feed.LEADERS:
        return Q(author_id__in=leader_ids())  # leaders write a few percent of all records: the date walk is short
    if feed == Feed.FOLLOWING:
        if followed is None:
            followed = list(Follow.objects.filter(follower_id=reader.person_id).only("person", "unit"))
        follows = [(f.person_id, f.unit_id) for f in followed]
        people = sorted(pk for pk, _ in follows if pk)
        branches = [Q(author_id__in=people)] if people else []
        # A followed unit with the units below it, from the worker's cache of subtrees (org.selectors).
        below = {pk for _, unit_id in follows if unit_id for pk in subtree_ids(unit_id)}
        if below:
            branches += _unit_branches(below)
        return branches
    raise ValueError(f"unknown feed {feed!r}")


def feed_page(
    *,
    user: Any,
    feed: str,
    filters: RecordFilters,
    cursor: str | None = None,
    units: list[int] | None = None,
    as_rows: bool = False,
    followed: list[Follow] | None = None,
) -> Page:
    """One page of a feed, newest first, for `user`; `as_rows` for the API: rows with their participants
    (record_page)."""
    scope = feed_scope(feed, user, units=units, followed=followed)
    return record_page(user=user, filters=filters, cursor=cursor, participants=as_rows, scope=scope, as_rows=as_rows)


def departments() -> list[Unit]:
    """The current 本单位s (委办局, 街镇), in tree order: the 跨部门 feed's choice of units. Per worker while the
    organisation is unchanged (jishi.core.cache); callers must not change the instances."""
    return _current_departments.get("all", _read_current_departments) or []


_current_departments: GenerationCache[str, list[Unit]] = GenerationCache(maxsize=1)


def _read_current_departments() -> list[Unit]:
    current = Unit.objects.filter(kind__in=DEPARTMENT_LEVEL_KINDS, valid_to__isnull=True)
    return list(current.only("name", "path").order_by("path"))


def following(user: Any) -> list[Follow]:
    """Whom `user` follows, newest first."""
    return list(Follow.objects.filter(follower_id=user.pk).select_related("person", "unit").order_by("-created_at"))


def follows(*, follower: Any, person_id: int | None = None, unit_id: int | None = None) -> bool:
    """Whether `follower` follows that person (or that unit): the 关注 button of every person and unit page."""
    target: dict[str, Any] = {"person_id": person_id} if person_id is not None else {"unit_id": unit_id}
    return Follow.objects.filter(follower_id=follower.pk, **target).exists()
