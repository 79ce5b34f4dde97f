"""Writes to the organisation. The admin, the demo builder and imports all go through these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from jishi.core.services import audit
from jishi.org.calendar import local_today
from jishi.org.models import (
    DEPARTMENT_LEVEL_KINDS,
    PATH_MAX_LENGTH,
    PATH_SEGMENT_LENGTH,
    Assignment,
    AssignmentKind,
    FilingObligation,
    Person,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
    unit_path_segment,
)


def name_search_keys(full_name: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name, for autocomplete ("张伟" → "zhangwei", "zw")."""
    # Imported here: pypinyin's dictionaries are large, and only writes of people need them.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(full_name)
    initials = lazy_pinyin(full_name, style=Style.FIRST_LETTER)
    return "".join(syllables).lower()[:120], "".join(initials).lower()[:20]


def person_set_name(person: Person, full_name: str) -> None:
    person.full_name = full_name.strip()
    person.name_pinyin, person.name_initials = name_search_keys(person.full_name)


def unit_tree_fields(unit: Unit) -> None:
    """Set tier and 本单位 from the unit's kind and parent (the path needs the pk; see unit_save)."""
    parent = unit.parent
    if parent is not None and len(parent.path) + PATH_SEGMENT_LENGTH > PATH_MAX_LENGTH:
        raise ValidationError({"parent": f"单位层级过深：最多 {PATH_MAX_LENGTH // PATH_SEGMENT_LENGTH} 层。"})
    if unit.kind == UnitKind.JURISDICTION:
        if parent is not None:
            raise ValidationError({"parent": "区（辖区）必须是根单位，不能有上级单位。"})
        unit.tier, unit.department = 0, None
    elif unit.kind in DEPARTMENT_LEVEL_KINDS:
        if parent is None or parent.kind != UnitKind.JURISDICTION:
            raise ValidationError({"parent": "委办局和街镇的上级单位必须是区。"})
        unit.tier, unit.department = 1, None
    elif unit.kind == UnitKind.SECTION:
        if parent is None or parent.kind == UnitKind.JURISDICTION:
            raise ValidationError({"parent": "科室必须隶属于委办局、街镇或其他科室。"})
        unit.tier = parent.tier
        unit.department = parent.department if parent.department_id else parent
    elif unit.kind == UnitKind.VILLAGE:
        if parent is None or parent.kind != UnitKind.TOWN:
            raise ValidationError({"parent": "村居的上级单位必须是街镇。"})
        # A village is its own 本单位, one tier below its town.
        unit.tier, unit.department = 2, None


@transaction.atomic
def unit_save(unit: Unit) -> Unit:
    """Save a unit with its derived tree fields (本单位, tier, path); a department-level unit or village is its own
    本单位."""
    if unit.pk and unit.parent_id and Unit.objects.filter(pk=unit.parent_id, path__startswith=unit.path).exists():
        raise ValidationError({"parent": "上级单位不能是本单位或其下级单位。"})
    unit_tree_fields(unit)
    old_path = unit.path
    unit.save()
    if unit.department_id is None and unit.kind != UnitKind.JURISDICTION:
        unit.department = unit
    unit.path = (unit.parent.path if unit.parent else "/") + unit_path_segment(
        sort_order=unit.sort_order, name=unit.name, pk=unit.pk
    )
    unit.save(update_fields=["department", "path"])
    # A new 排序 or name moves the unit among its siblings, and so every unit below it.
    if old_path and old_path != unit.path:
        for child in Unit.objects.filter(parent=unit):
            unit_save(child)
    return unit


def primary_post_clash(assignment: Assignment, held: Iterable[Assignment]) -> Assignment | None:
    """The person's other primary post overlapping this one, if it is primary; `held` are their other posts."""
    if assignment.kind != AssignmentKind.PRIMARY:
        return None
    for other in held:
        if other.kind != AssignmentKind.PRIMARY or (other.pk is not None and other.pk == assignment.pk):
            continue
        if (other.end is None or other.end >= assignment.start) and (
            assignment.end is None or other.start <= assignment.end
        ):
            return other
    return None


def assignment_validate(assignment: Assignment, held: Iterable[Assignment] | None = None) -> None:
    """A person holds at most one primary post at a time; concurrent posts and secondments are free.

    `held`: the person's other assignments with their positions, when the caller has read them already (an import
    validating thousands of rows); otherwise they are read here.
    """
    if assignment.end and assignment.end < assignment.start:
        raise ValidationError({"end": "终止日期不能早于起始日期。"})
    if assignment.kind != AssignmentKind.PRIMARY:
        return
    if held is None:
        held = (
            Assignment.objects.filter(person_id=assignment.person_id, kind=AssignmentKind.PRIMARY)
            .exclude(pk=assignment.pk)
            .filter(Q(end__isnull=True) | Q(end__gte=assignment.start))
            .select_related("position__unit")
        )
    clash = primary_post_clash(assignment, held)
    if clash:
        raise ValidationError(
            {"start": f"该人员在此期间已有主职：{clash.position}（{clash.start} 起），请先填写其终止日期。"}
        )


def _assignment_terms(assignment: Assignment) -> dict[str, object]:
    return {
        "person": assignment.person_id,
        "position": assignment.position_id,
        "kind": assignment.kind,
        "start": assignment.start.isoformat(),
        "end": assignment.end.isoformat() if assignment.end else None,
    }


@transaction.atomic
def assignment_save(*, actor: Person | None, assignment: Assignment) -> Assignment:
    """Save an assignment (任职) after validation, and audit the membership change."""
    assignment_validate(assignment)
    created = assignment.pk is None
    stored = None if created else Assignment.objects.filter(pk=assignment.pk).first()
    assignment.save()
    after = _assignment_terms(assignment)
    data: dict[str, object] = dict(after)
    if stored is not None:  # a change (an end date, a transfer): what it was, for the history of memberships
        before = _assignment_terms(stored)
        data["before"] = {k: v for k, v in before.items() if v != after[k]}
    audit(
        actor=actor,
        verb="assignment.create" if created else "assignment.update",
        target=assignment,
        data=data,
    )
    return assignment


@transaction.atomic
def move_person(*, actor: Person | None, person: Person, position_id: int, on: datetime.date) -> Assignment:
    """Transfer: end the current primary post the day before `on` and start the new one on `on`."""
    current = Assignment.objects.active_on(on).filter(person=person, kind=AssignmentKind.PRIMARY).first()
    if current:
        if current.start >= on:
            raise ValidationError({"start": "调动日期必须晚于现任主职的起始日期。"})
        current.end = on - datetime.timedelta(days=1)
        assignment_save(actor=actor, assignment=current)
    return assignment_save(
        actor=actor,
        assignment=Assignment(person=person, position_id=position_id, kind=AssignmentKind.PRIMARY, start=on),
    )


@transaction.atomic
def administrator_create(
    *, username: str, full_name: str, email: str = "", password: str | None, actor: Person | None = None
) -> Person:
    """A system administrator's account (`jishi createsuperuser`): named, granted the administrator role — which the
    admin site and the imports ask for — and not owing records, since the account holds no post of its own."""
    if not full_name.strip():
        raise ValidationError({"full_name": "请填写管理员的姓名。"})
    if Person.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已被使用。"})
    person = Person(
        username=username,
        email=Person.objects.normalize_email(email),
        is_staff=True,
        is_superuser=True,
        filing_obligation=FilingObligation.OPTIONAL,
    )
    person_set_name(person, full_name)
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    grant = RoleGrant.objects.create(
        person=person, role=Role.ADMIN, granted_on=local_today(), note="系统管理员（jishi createsuperuser）"
    )
    audit(
        actor=actor or person,
        verb="role.grant",
        target=grant,
        data={"person": person.pk, "role": Role.ADMIN, "username": username, "full_name": person.full_name},
    )
    return person
