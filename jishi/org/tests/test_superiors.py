"""The superior relation is defined once (org.rules): read from above (a reader's superior units) and from below
(a person's superiors, which the 本单位 feed follows) it gives the same pairs."""

from __future__ import annotations

from django.utils import timezone

from jishi.org.models import Assignment, Person
from jishi.org.rules import build_reader, superiors_of
from jishi.testing import Org


def test_the_superiors_of_everyone_are_exactly_those_who_read_them_as_superiors(org: Org) -> None:
    today = timezone.localdate()
    people = list(Person.objects.filter(assignments__isnull=False).distinct())
    readers = {p.pk: build_reader(p.pk, today) for p in people}
    pairs = 0
    for person in people:
        units = set(
            Assignment.objects.active_on(today).filter(person=person).values_list("position__unit_id", flat=True)
        )
        from_above = {
            other.pk
            for other in people
            if other.pk != person.pk and any(readers[other.pk].is_superior_for(unit) for unit in units)
        }
        assert set(superiors_of(person.pk, units, today)) == from_above, person.full_name
        pairs += len(from_above)
    assert pairs > 10  # the fixture has section heads, deputies in charge, unit heads and district leaders


def test_a_section_member_s_superiors_are_the_chain_above_and_the_leaders_in_charge(org: Org) -> None:
    today = timezone.localdate()
    units = [org.budget.pk]
    found = set(superiors_of(org.author.pk, units, today))
    assert {org.section_head.pk, org.deputy_in_charge.pk, org.unit_head.pk, org.district_deputy.pk} <= found
    assert not {org.deputy_not_in_charge.pk, org.other_district_deputy.pk, org.colleague.pk, org.author.pk} & found
