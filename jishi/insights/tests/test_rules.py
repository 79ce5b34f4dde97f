"""Who sees which group figures (rules.group_scope), how small a group may be, and who sees a person's findings."""

from __future__ import annotations

from typing import Any

import pytest

from jishi.insights.rules import big_enough, can_see_person, group_scope
from jishi.testing import Org, build_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> Org:
    return build_org()


def test_staff_and_administrators_without_a_reading_grant_see_no_group(org: Org) -> None:
    for person in (org.author, org.colleague, org.sibling, org.unrelated, org.social_worker, org.admin):
        scope = group_scope(person)
        assert not scope and scope.is_empty, person.username
        assert not scope.covers(org.budget.pk) and not scope.covers(None)
        assert scope.default_unit() is None


def test_superiors_see_the_units_they_lead_and_everything_below(org: Org) -> None:
    section_head = group_scope(org.section_head)
    assert section_head.unit_ids == {org.budget.pk}
    assert section_head.covers(org.budget.pk) and not section_head.covers(org.finance.pk)
    assert not section_head.covers(org.treasury.pk) and not section_head.covers(None)
    assert section_head.default_unit() == org.budget

    assert group_scope(org.deputy_in_charge).unit_ids == {org.budget.pk}
    assert group_scope(org.deputy_not_in_charge).unit_ids == {org.treasury.pk}

    unit_head = group_scope(org.unit_head)
    assert unit_head.unit_ids == {org.finance.pk, org.budget.pk, org.treasury.pk}
    assert not unit_head.covers(org.civil.pk)
    assert unit_head.default_unit() == org.finance
    assert unit_head.root_ids() == [org.finance.pk]


def test_jurisdiction_leaders_see_everything_and_open_on_their_units(org: Org) -> None:
    secretary = group_scope(org.secretary)
    assert secretary.all and secretary.covers(None) and secretary.covers(org.village.pk)
    assert secretary.default_unit() is None  # the jurisdiction
    deputy = group_scope(org.district_deputy)
    assert deputy.all and deputy.covers(org.civil.pk)
    assert deputy.default_unit() == org.finance  # the unit in their charge


def test_inspection_and_hr_see_their_scope(org: Org) -> None:
    assert group_scope(org.inspector).all
    assert group_scope(org.hr).all
    scoped = group_scope(org.scoped_inspector)
    assert not scoped.all and scoped.unit_ids == {org.civil.pk, org.relief.pk}
    assert scoped.covers(org.relief.pk) and not scoped.covers(org.budget.pk)


def test_small_groups_are_hidden(settings: Any) -> None:
    settings.JISHI_MIN_GROUP_SIZE = 5
    assert not big_enough(4) and not big_enough(0)
    assert big_enough(5) and big_enough(50)
    settings.JISHI_MIN_GROUP_SIZE = 2
    assert big_enough(2) and not big_enough(1)


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("section_head", True),
        ("deputy_in_charge", True),
        ("unit_head", True),
        ("district_deputy", True),
        ("secretary", True),
        ("inspector", True),
        ("hr", True),
        ("author", False),  # a finding about oneself is for one's superiors to raise
        ("colleague", False),
        ("sibling", False),
        ("deputy_not_in_charge", False),
        ("other_district_deputy", False),
        ("scoped_inspector", False),
        ("civil_head", False),
        ("unrelated", False),
        ("admin", False),
    ],
)
def test_person_findings_only_for_who_already_reads_the_person(org: Org, viewer: str, sees: bool) -> None:
    assert can_see_person(getattr(org, viewer), org.author.pk) is sees


def test_a_scoped_inspector_sees_people_in_scope(org: Org) -> None:
    assert can_see_person(org.scoped_inspector, org.unrelated.pk)
    assert can_see_person(org.civil_head, org.unrelated.pk)
    assert not can_see_person(org.section_head, org.unrelated.pk)
