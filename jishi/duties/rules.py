"""Who may see the duty coverage of a person, a position or a unit.

Coverage tells how a person's or a unit's work spreads over its duties, so it follows the organisation's rules
for who watches whose filing (org/rules.py): a unit's coverage is for its own 本单位, its superiors, the
jurisdiction leaders and scoped roles (inspection, HR) within their scope — colleagues see a unit's figures only
when its records come from at least the minimum group size of people (JISHI_MIN_GROUP_SIZE); a person's or a
post's coverage is for the person (the holder), their superiors and scoped roles. Whoever may not see it gets a
404, as for a missing one — except an administrator without an inspection or HR grant, told so by a 403
(org.rules.refuse). The figures count only the records the viewer may read (WorkRecord.objects.visible_to).
"""

from __future__ import annotations

from typing import Any

from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Person, Position, Unit
from jishi.org.rules import can_see_filing_status, reader_for


def can_view_unit_coverage(user: Any, unit: Unit) -> bool:
    return can_see_filing_status(user, unit)


def watches_unit(user: Any, unit: Unit) -> bool:
    """Superiors, jurisdiction leaders and scoped roles, who may see each member's coverage anyway: a small unit's
    figures are withheld from everyone else (the minimum group size)."""
    reader = reader_for(user)
    return not reader.is_anonymous and (
        reader.is_superior_for(unit.pk) or reader.reads_in_scope(unit.pk) or reader.is_jurisdiction_leader
    )


def _watches_post(user: Any, unit_id: int) -> bool:
    reader = reader_for(user)
    return not reader.is_anonymous and (reader.is_superior_for(unit_id) or reader.reads_in_scope(unit_id))


def can_view_person_coverage(user: Any, person: Person) -> bool:
    """The person, and the superiors and scoped roles of any unit they serve in today."""
    reader = reader_for(user)
    if reader.is_anonymous:
        return False
    if reader.person_id == person.pk:
        return True
    unit_ids = (
        Assignment.objects.active_on(local_today()).filter(person=person).values_list("position__unit_id", flat=True)
    )
    return any(_watches_post(user, unit_id) for unit_id in unit_ids)


def can_view_position_coverage(user: Any, position: Position) -> bool:
    """The post's holder today, and the superiors and scoped roles of its unit."""
    reader = reader_for(user)
    if reader.person_id is None:
        return False
    if _watches_post(user, position.unit_id):
        return True
    return Assignment.objects.active_on(local_today()).filter(position=position, person_id=reader.person_id).exists()
