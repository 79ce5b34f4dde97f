"""Reads of the organisation: duties of a person, people search, members of a unit."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet, Subquery

from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Duty, Person, Unit


def duties_for(person: Person, day: datetime.date) -> list[Duty]:
    """The duties a person's records may serve on `day`: their posts' duties, then their units' functions."""
    posts = list(Assignment.objects.active_on(day).filter(person=person).select_related("position__unit"))
    position_ids = [a.position_id for a in posts]
    unit_ids = {a.position.unit_id for a in posts} | {a.position.unit.department_id for a in posts}
    unit_ids.discard(None)
    duties = (
        Duty.objects.filter(Q(position_id__in=position_ids) | Q(position__isnull=True, unit_id__in=unit_ids))
        .filter(Q(retired_on__isnull=True) | Q(retired_on__gt=day))
        .select_related("unit")
    )
    return sorted(duties, key=lambda d: (d.position_id is None, d.unit_id, d.code))


def people_lookup(query: str, *, limit: int = 12) -> list[tuple[Person, list[Assignment]]]:
    """People whose name, pinyin or initials start with `query`, with their current posts (namesakes are common)."""
    query = query.strip().lower()
    if not query:
        return []
    people = list(
        Person.objects.filter(is_active=True)
        .filter(Q(full_name__startswith=query) | Q(name_pinyin__startswith=query) | Q(name_initials__startswith=query))
        .order_by("name_pinyin", "id")[:limit]
    )
    today = local_today()
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


def subtree_ids(unit_id: int) -> list[int]:
    """The unit and every unit below it (an empty list for an unknown unit), in one query."""
    path = Unit.objects.filter(pk=unit_id).values("path")[:1]
    return list(Unit.objects.filter(path__startswith=Subquery(path)).values_list("id", flat=True))
