"""Who may issue, see, move and feed a task (督办) — the only place these rules are written.

Built on org/rules.py's Reader, so a task follows the same posts as records do:
  Issue     a reader who is in charge of the target: a superior for the owner unit (its head, a deputy or a
            jurisdiction leader in charge of it or of a unit above it, or a principal jurisdiction leader). A person
            is issued a task through a unit of theirs the issuer is in charge of. Collaborating units may be any
            current unit: cross-department help is what 督办 is for, and a collaborator is asked, not commanded.
  Owner     the owner person; for a unit-owned task, anyone holding a current post at or below the owner unit
            (its handlers, 承办人), except the issuer. The owner side accepts, starts and reports done.
  Issuer    only the issuer confirms or returns.
  Feed      a record's author links it to a task they are on: owner side or a member of a collaborating unit.
  See       the issuer, the owner side, collaborating units' members, the superiors of the owner, collaborating and
            issuing units, and inspectors (纪检监察) whose scope covers one of those units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q

from jishi.org.models import Unit, path_unit_ids
from jishi.org.rules import Reader, reader_for

if TYPE_CHECKING:
    from jishi.tasks.models import Task, TaskQuerySet

NOTHING = Q(pk__in=[])


def member_unit_ids(user: Any) -> frozenset[int]:
    """Units the user belongs to today: those of their posts and every unit above them (one query, cached)."""
    reader = reader_for(user)
    if reader.is_anonymous or not reader.unit_ids:
        return frozenset()
    cached = getattr(user, "_jishi_member_units", None)
    if cached is None:
        paths = Unit.objects.filter(pk__in=reader.unit_ids).values_list("path", flat=True)
        cached = frozenset(pk for path in paths for pk in path_unit_ids(path))
        user._jishi_member_units = cached
    return cached


def collaborating(unit_ids: Any) -> Exists:
    from jishi.tasks.models import Task

    through = Task.collaborating_units.through
    return Exists(through.objects.filter(task_id=OuterRef("pk"), unit_id__in=unit_ids))


def _involving(unit_ids: frozenset[int]) -> Q:
    """Tasks whose owner, issuing or a collaborating unit is one of `unit_ids`."""
    if not unit_ids:
        return NOTHING
    return Q(owner_unit_id__in=unit_ids) | Q(issuer_unit_id__in=unit_ids) | Q(collaborating(unit_ids))


def visible_q(reader: Reader, members: frozenset[int]) -> Q:
    """The condition on Task rows that `reader` may see."""
    if reader.is_anonymous:
        return NOTHING
    if reader.superior_of_all or (reader.is_inspector and reader.scoped_all):
        return Q()
    condition = Q(issuer_id=reader.person_id) | Q(owner_person_id=reader.person_id)
    if members:
        condition |= Q(owner_person__isnull=True, owner_unit_id__in=members) | Q(collaborating(members))
    condition |= _involving(reader.superior_unit_ids)
    if reader.is_inspector:
        condition |= _involving(reader.scoped_unit_ids)
    return condition


def restrict(queryset: TaskQuerySet, user: Any) -> TaskQuerySet:
    """Narrow `queryset` to the tasks `user` may see."""
    reader = reader_for(user)
    condition = visible_q(reader, member_unit_ids(user))
    if condition == NOTHING:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset


def involved_q(user: Any) -> Q:
    """Tasks the user is on: issued by them, owned by them or their unit, or collaborated on by their unit."""
    members = member_unit_ids(user)
    pk = getattr(user, "pk", None)
    condition = Q(issuer_id=pk) | Q(owner_person_id=pk)
    if members:
        condition |= Q(owner_person__isnull=True, owner_unit_id__in=members) | Q(collaborating(members))
    return condition


def linkable_q(user: Any) -> Q:
    """Tasks the user may link their records to: owner side (never the issuer) or a collaborating unit's member."""
    members = member_unit_ids(user)
    pk = getattr(user, "pk", None)
    condition = Q(owner_person_id=pk)
    if members:
        owned = Q(owner_person__isnull=True, owner_unit_id__in=members) & ~Q(issuer_id=pk)
        condition |= owned | Q(collaborating(members))
    return condition


def may_issue(user: Any) -> bool:
    """Leaders and heads issue tasks: anyone who is a superior for at least one unit."""
    reader = reader_for(user)
    return reader.superior_of_all or bool(reader.superior_unit_ids)


def may_issue_to(user: Any, unit: Unit) -> bool:
    """The issuer is in charge of the unit (the root itself is nobody's task: name a department or section)."""
    return unit.parent_id is not None and reader_for(user).is_superior_for(unit.pk)


def is_issuer(user: Any, task: Task) -> bool:
    return bool(getattr(user, "pk", None)) and task.issuer_id == user.pk


def is_owner_side(user: Any, task: Task) -> bool:
    """The owner person; for a unit-owned task, anyone at or below the owner unit — never the issuer."""
    if not getattr(user, "pk", None) or task.issuer_id == user.pk:
        return False
    if task.owner_person_id is not None:
        return bool(task.owner_person_id == user.pk)
    return task.owner_unit_id in member_unit_ids(user)


def is_collaborator(user: Any, task: Task, collaborating_ids: set[int] | None = None) -> bool:
    """A member of one of the collaborating units (pass their ids when already fetched)."""
    if collaborating_ids is None:
        collaborating_ids = {u.pk for u in task.collaborating_units.all()}
    return bool(collaborating_ids & member_unit_ids(user))


def may_link(user: Any, task: Task) -> bool:
    """Who may file records against a task: its owner side and the collaborating units' members."""
    return is_owner_side(user, task) or is_collaborator(user, task)
