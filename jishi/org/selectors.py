"""Reads of the organisation: a person's posts and duties, people search, unit subtrees."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Q, QuerySet, Subquery, Value, When

from jishi.core.cache import GenerationCache
from jishi.org.calendar import local_today
from jishi.org.hooks import people_worked_with
from jishi.org.models import Assignment, AssignmentKind, Duty, Person, Unit, path_unit_ids

PRECEDENCE = {AssignmentKind.SECONDMENT: 0, AssignmentKind.PRIMARY: 1, AssignmentKind.CONCURRENT: 2}


def by_precedence(posts: list[Assignment]) -> list[Assignment]:
    """Posts ordered by the one a person's work counts under by default: secondment, primary, concurrent."""
    return sorted(posts, key=lambda a: (PRECEDENCE.get(AssignmentKind(a.kind), 3), a.start))


def held_on(posts: list[Assignment], day: datetime.date) -> list[Assignment]:
    return [a for a in posts if a.start <= day and (a.end is None or day <= a.end)]


def duty_serves(duty: Duty, posts: list[Assignment], day: datetime.date) -> bool:
    """May a record on `day` by the holder of `posts` (held that day) serve `duty`? Their posts' duties and the
    functions of their units and 本单位, unless retired by then."""
    if duty.retired_on and duty.retired_on <= day:
        return False
    if duty.position_id is not None:
        return any(a.position_id == duty.position_id for a in posts)
    return any(duty.unit_id in (a.position.unit_id, a.position.unit.department_id) for a in posts)


def duties_for(person: Person, day: datetime.date) -> list[Duty]:
    """The duties a person's records may serve on `day`: their posts' duties, then their units' functions.

    Every record form and the feeds' filter offer them; they change with posts and duties only, so each worker
    keeps them (jishi.core.cache; org_duty is watched from core 0006). A new list each call, of shared duties.
    """
    return list(_duties.get((person.pk, day), lambda: _duties_for(person.pk, day)) or [])


_duties: GenerationCache[tuple[int, datetime.date], list[Duty]] = GenerationCache(maxsize=20_000)


def _duties_for(person_id: int, day: datetime.date) -> list[Duty]:
    posts = list(Assignment.objects.active_on(day).filter(person_id=person_id).select_related("position__unit"))
    units = {a.position.unit_id for a in posts} | {a.position.unit.department_id for a in posts}
    candidates = Duty.objects.filter(
        Q(position_id__in=[a.position_id for a in posts]) | Q(position__isnull=True, unit_id__in=units - {None})
    ).select_related("unit")
    duties = [d for d in candidates if duty_serves(d, posts, day)]
    return sorted(duties, key=lambda d: (d.position_id is None, d.unit_id, d.code))


def name_matches(query: str) -> Q:
    """People whose name, full pinyin or pinyin initials start with `query` ("张", "zhangwei", "zw"), whose 工号
    starts with it ("JD0001"), or whose username it is: an administrator migrating a district looks people up by the
    numbers the earlier system gave them."""
    key = query.strip().lower()
    by_name = Q(full_name__startswith=key) | Q(name_pinyin__startswith=key) | Q(name_initials__startswith=key)
    return by_name | Q(employee_number__istartswith=key) | Q(username__iexact=key)


def worked_with_rank(person: Person, today: datetime.date) -> Case:
    """0 for the people in `person`'s own units (the section first), 1 for those they lately worked with (hook
    people.worked_with), 2 for everyone else — as subqueries, so a ranked lookup is still one query."""
    own_units = Assignment.objects.active_on(today).filter(person=person).values("position__unit_id")
    same_unit = Assignment.objects.active_on(today).filter(position__unit_id__in=own_units).values("person_id")
    ranks = [When(pk__in=same_unit, then=Value(0))]
    ranks += [When(condition, then=Value(1)) for condition in people_worked_with.run(person=person)]
    return Case(*ranks, default=Value(2))


def people_lookup(query: str, *, limit: int = 12, near: Person | None = None) -> list[tuple[Person, list[Assignment]]]:
    """People `name_matches` finds (name, pinyin, initials, 工号, username), with their current posts (namesakes are
    common); with `near`, the people that person works with first (worked_with_rank), then by pinyin."""
    query = query.strip().lower()
    if not query:
        return []
    today = local_today()
    matches = Person.objects.filter(is_active=True).filter(name_matches(query))
    order = ["name_pinyin", "id"]
    if near is not None:
        matches = matches.exclude(pk=near.pk).annotate(rank=worked_with_rank(near, today))
        order.insert(0, "rank")
    people = list(matches.order_by(*order)[:limit])
    posts: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.active_on(today).filter(person__in=people).select_related("position__unit"):
        posts.setdefault(a.person_id, []).append(a)
    return [(p, posts.get(p.pk, [])) for p in people]


def unit_lookup(query: str, *, limit: int = 8) -> QuerySet[Unit]:
    query = query.strip()
    if not query:
        return Unit.objects.none()
    return Unit.objects.filter(Q(name__contains=query) | Q(code__istartswith=query), valid_to__isnull=True)[:limit]


def current_posts(person: Person) -> list[Assignment]:
    return list(Assignment.objects.active_on(local_today()).filter(person=person).select_related("position__unit"))


@dataclass(frozen=True)
class UnitFamily:
    """A unit with the units above it (root first) and its current sub-units, for the unit page. Read-only."""

    unit: Unit
    ancestors: list[Unit]
    children: list[Unit]


_families: GenerationCache[int, UnitFamily] = GenerationCache(maxsize=5_000)


def unit_family(unit_id: int) -> UnitFamily | None:
    """The unit with its ancestors and current children (None for an unknown unit), per worker and change."""

    def read() -> UnitFamily | None:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            return None
        above = [pk for pk in path_unit_ids(unit.path) if pk != unit.pk]
        return UnitFamily(
            unit=unit,
            ancestors=sorted(Unit.objects.filter(pk__in=above), key=lambda u: len(u.path)),
            children=list(unit.children.filter(valid_to__isnull=True)),
        )

    return _families.get(unit_id, read)


# Subtrees by unit, per worker, while the tree is unchanged (jishi.core.cache).
_subtrees: GenerationCache[int, list[int]] = GenerationCache(maxsize=5_000)


def subtree_ids(unit_id: int) -> list[int]:
    """The unit and every unit below it (an empty list for an unknown unit), in one query per worker and change."""

    def read() -> list[int]:
        path = Unit.objects.filter(pk=unit_id).values("path")[:1]
        return list(Unit.objects.filter(path__startswith=Subquery(path)).values_list("id", flat=True))

    return list(_subtrees.get(unit_id, read) or [])
