"""Who may see and act on an assessment (考核) — the only place these rules are written.

Built on org/rules.py's Reader (the superior relation is org's, not re-derived here):
  See       the person; their superiors (a superior for the section they were assessed in: section head, deputy in
            charge, unit head, jurisdiction leader in charge, principal leaders); HR (组织人事) whose scope covers
            the assessing unit. Inspectors and administrators read assessments only with an HR grant too. Anyone
            else: nothing (a 404, as for a missing one).
  Propose   a superior of the person (not the person).
  Decide    the principal head (正职) of the assessing unit, or HR in scope; never the person. The same for 复核
            decisions and for starting the unit's 公示.
  Appeal    an appeal is decided by HR in scope (申诉 goes beyond the unit that decided), never the person.
  Open      a period: HR over the whole jurisdiction. Raise a quota: HR whose scope covers the unit.
  Notice    during 公示, the unit's own staff see the notice list (selectors.notice_for_unit), never reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from jishi.org.calendar import local_today
from jishi.org.models import Assignment, Leadership, Role, RoleGrant, Unit
from jishi.org.rules import Reader, reader_for

if TYPE_CHECKING:
    from jishi.assessment.models import Assessment, AssessmentQuerySet, Period

NOTHING = Q(pk__in=[])


class HrScope:
    """The units an HR grant covers (an inspector's or administrator's grant does not count here)."""

    def __init__(self, *, all_units: bool = False, unit_ids: frozenset[int] = frozenset()) -> None:
        self.all_units = all_units
        self.unit_ids = unit_ids

    def __bool__(self) -> bool:
        return self.all_units or bool(self.unit_ids)

    def covers(self, unit_id: int) -> bool:
        return self.all_units or unit_id in self.unit_ids


def hr_scope(user: Any) -> HrScope:
    """The reader's HR scope today, once per request (kept on the user object like the Reader)."""
    reader = reader_for(user)
    if reader.person_id is None or Role.HR not in reader.roles:
        return HrScope()
    cached = getattr(user, "_jishi_assessment_hr", None)
    if cached is not None:
        return cached
    today = local_today()
    grants = list(
        RoleGrant.objects.filter(person_id=reader.person_id, role=Role.HR, granted_on__lte=today)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .prefetch_related("units")
    )
    if any(g.all_units for g in grants):
        scope = HrScope(all_units=True)
    else:
        roots = [u for g in grants for u in g.units.all()]
        ids: set[int] = set()
        if roots:
            condition = Q(pk__in=[])
            for root in roots:
                condition |= Q(path__startswith=root.path)
            ids = set(Unit.objects.filter(condition).values_list("pk", flat=True))
        scope = HrScope(unit_ids=frozenset(ids))
    user._jishi_assessment_hr = scope
    return scope


def visible_q(reader: Reader, hr: HrScope) -> Q:
    """The condition on Assessment rows that the reader may see."""
    if reader.is_anonymous:
        return NOTHING
    if reader.superior_of_all or hr.all_units:
        return Q()
    condition = Q(person_id=reader.person_id)
    if reader.superior_unit_ids:
        condition |= Q(section_id__in=reader.superior_unit_ids)
    if hr.unit_ids:
        condition |= Q(unit_id__in=hr.unit_ids) | Q(section_id__in=hr.unit_ids)
    return condition


def restrict(queryset: AssessmentQuerySet, user: Any) -> AssessmentQuerySet:
    """Narrow `queryset` to the assessments `user` may see."""
    condition = visible_q(reader_for(user), hr_scope(user))
    if condition == NOTHING:
        return queryset.none()
    return queryset.filter(condition) if condition else queryset


def can_see(user: Any, assessment: Assessment) -> bool:
    """May `user` see this assessment (its summary, evidence, steps)?"""
    reader = reader_for(user)
    if reader.is_anonymous:
        return False
    if reader.person_id == assessment.person_id:
        return True
    return is_assessor(user, assessment) or hr_scope(user).covers(assessment.unit_id)


def is_assessor(user: Any, assessment: Assessment) -> bool:
    """A superior of the person (per org) for the section they were assessed in; never the person."""
    reader = reader_for(user)
    if reader.is_anonymous or reader.person_id == assessment.person_id:
        return False
    return reader.is_superior_for(assessment.section_id)


def can_propose(user: Any, assessment: Assessment) -> bool:
    """The direct leadership proposes: a superior of the person, not the person."""
    return is_assessor(user, assessment)


def heads_unit(user: Any, unit_id: int) -> bool:
    """Does `user` hold the principal post (正职) of this unit today?"""
    reader = reader_for(user)
    if reader.person_id is None or unit_id not in reader.unit_ids:
        return False
    return (
        Assignment.objects.active_on(local_today())
        .filter(person_id=reader.person_id, position__unit_id=unit_id, position__leadership=Leadership.PRINCIPAL)
        .exists()
    )


def can_decide_unit(user: Any, unit_id: int) -> bool:
    """The unit's principal head or HR in scope decide its grades and start its 公示."""
    return heads_unit(user, unit_id) or hr_scope(user).covers(unit_id)


def can_decide(user: Any, assessment: Assessment) -> bool:
    """Decide a grade (and a 复核): the assessing unit's principal head or HR in scope; never the person."""
    reader = reader_for(user)
    if reader.is_anonymous or reader.person_id == assessment.person_id:
        return False
    return can_decide_unit(user, assessment.unit_id)


def can_decide_appeal(user: Any, assessment: Assessment) -> bool:
    """An appeal (申诉) is handled by HR in scope, never by the person."""
    reader = reader_for(user)
    if reader.is_anonymous or reader.person_id == assessment.person_id:
        return False
    return hr_scope(user).covers(assessment.unit_id)


def can_open_period(user: Any) -> bool:
    """Opening a period for everyone: HR over the whole jurisdiction."""
    return hr_scope(user).all_units


def can_raise_quota(user: Any, unit_id: int) -> bool:
    """Approving a higher 优秀 share for a unit: HR whose scope covers it."""
    return hr_scope(user).covers(unit_id)


def is_person(user: Any, assessment: Assessment) -> bool:
    """The assessed person's own steps: summary, acknowledgement, 复核 request, 申诉."""
    reader = reader_for(user)
    return not reader.is_anonymous and reader.person_id == assessment.person_id


def can_see_notice(user: Any, period: Period, unit_id: int) -> bool:
    """The 公示 list of a unit: its own staff (本单位), its superiors and HR in scope."""
    reader = reader_for(user)
    if reader.is_anonymous:
        return False
    return unit_id in reader.department_ids or reader.is_superior_for(unit_id) or hr_scope(user).covers(unit_id)


def can_see_unit_sheet(user: Any, unit_id: int) -> bool:
    """The unit sheet (people, proposals, decisions, the quota): deciders, superiors of the unit, HR in scope."""
    reader = reader_for(user)
    if reader.is_anonymous:
        return False
    return reader.is_superior_for(unit_id) or hr_scope(user).covers(unit_id)
