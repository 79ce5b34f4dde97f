"""The supervision dimension (PRODUCT.md) on the test organisation, people with two posts included."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from jishi.org.models import AssignmentKind, Leadership, Person, UnitKind
from jishi.supervision import rules
from jishi.supervision.models import Dimension
from jishi.testing import Org, PersonFactory, make_post, make_unit, write_record

TODAY = datetime.date(2026, 11, 27)


def dimension(actor: Person, record_author: Person, org: Org) -> str:
    record = write_record(record_author, start_time=None, end_time=None, duration_minutes=30)
    return rules.classify_act(actor_id=actor.pk, record=record, day=timezone.localdate()).dimension


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("colleague", Dimension.VERTICAL),  # same section
        ("sibling", Dimension.VERTICAL),  # sibling section, same 本单位
        ("section_head", Dimension.VERTICAL),  # superior inside the 本单位
        ("unit_head", Dimension.VERTICAL),
        ("deputy_not_in_charge", Dimension.VERTICAL),
        ("unrelated", Dimension.HORIZONTAL),  # another department, same tier
        ("civil_head", Dimension.HORIZONTAL),  # a leader of another department is still horizontal
        ("district_deputy", Dimension.TOP_DOWN),  # jurisdiction leadership on a department's record
        ("secretary", Dimension.TOP_DOWN),
        ("social_worker", Dimension.BOTTOM_UP),  # a village (tier 2) on a department's record
        ("author", Dimension.OWN),
    ],
)
def test_acts_on_a_section_member_record(org: Org, actor: str, expected: str) -> None:
    assert dimension(getattr(org, actor), org.author, org) == expected


def test_cross_level_runs_both_ways(org: Org) -> None:
    assert dimension(org.author, org.district_deputy, org) == Dimension.BOTTOM_UP
    assert dimension(org.author, org.social_worker, org) == Dimension.TOP_DOWN
    assert dimension(org.secretary, org.district_deputy, org) == Dimension.VERTICAL  # both in the leadership


def test_town_staff_and_department_staff_are_horizontal(org: Org) -> None:
    town_clerk = PersonFactory(full_name="镇干部")
    make_post(town_clerk, org.town)
    assert dimension(town_clerk, org.author, org) == Dimension.HORIZONTAL
    villager = PersonFactory(full_name="另一村社工")
    other_village = make_unit("戬浜村", UnitKind.VILLAGE, org.town, "ML-V2")
    make_post(villager, other_village)
    # Two villages are two 本单位 of the same tier.
    assert dimension(villager, org.social_worker, org) == Dimension.HORIZONTAL
    # A town is not the 本单位 of its villages: tier 1 over tier 2.
    assert dimension(town_clerk, org.social_worker, org) == Dimension.TOP_DOWN


def test_a_second_post_in_the_authors_unit_makes_it_vertical(org: Org) -> None:
    make_post(org.unrelated, org.treasury, kind=AssignmentKind.CONCURRENT)
    assert dimension(org.unrelated, org.author, org) == Dimension.VERTICAL
    assert dimension(org.unrelated, org.civil_head, org) == Dimension.VERTICAL  # through the first post


def test_a_leader_with_a_department_post_counts_through_the_same_tier(org: Org) -> None:
    make_post(org.other_district_deputy, org.civil, title="局长（兼）", kind=AssignmentKind.CONCURRENT)
    assert dimension(org.other_district_deputy, org.author, org) == Dimension.HORIZONTAL
    assert dimension(org.other_district_deputy, org.social_worker, org) == Dimension.TOP_DOWN
    assert dimension(org.other_district_deputy, org.secretary, org) == Dimension.VERTICAL


def test_posts_two_tiers_apart_resolve_to_the_higher_post(org: Org) -> None:
    both = PersonFactory(full_name="两岗")
    make_post(both, org.root, title="副区长", leadership=Leadership.DEPUTY)
    make_post(both, org.village, title="联系村", kind=AssignmentKind.CONCURRENT)
    classification = rules.classify_act(actor_id=both.pk, record=write_record(org.author), day=timezone.localdate())
    assert classification.dimension == Dimension.TOP_DOWN and classification.unit_id == org.root.pk


def test_someone_without_a_post_is_unplaced(org: Org) -> None:
    nobody = PersonFactory(full_name="无岗")
    assert dimension(nobody, org.author, org) == Dimension.UNPLACED


def test_an_ended_post_no_longer_counts(org: Org) -> None:
    mover = PersonFactory(full_name="调动")
    make_post(mover, org.budget, end=timezone.localdate() - datetime.timedelta(days=1))
    make_post(mover, org.civil, kind=AssignmentKind.CONCURRENT)
    assert dimension(mover, org.author, org) == Dimension.HORIZONTAL


def test_classify_is_pure_on_posts() -> None:
    post = rules.Post(unit_id=10, department_id=10, tier=1)
    assert rules.classify(actor_id=1, author_id=2, posts=[post], department_id=10, tier=1).dimension == "vertical"
    assert rules.classify(actor_id=1, author_id=2, posts=[post], department_id=11, tier=1).dimension == "horizontal"
    assert rules.classify(actor_id=1, author_id=2, posts=[post], department_id=11, tier=0).dimension == "bottom_up"
    assert rules.classify(actor_id=1, author_id=2, posts=[post], department_id=11, tier=2).dimension == "top_down"
    assert rules.classify(actor_id=2, author_id=2, posts=[post], department_id=11, tier=2).dimension == "own"


def test_inspector_scope_is_inspection_only(org: Org) -> None:
    today = timezone.localdate()
    assert rules.inspector_unit_ids(org.inspector.pk, today) is None
    assert org.relief.pk in (rules.inspector_unit_ids(org.scoped_inspector.pk, today) or set())
    assert org.budget.pk not in (rules.inspector_unit_ids(org.scoped_inspector.pk, today) or set())
    assert rules.inspector_unit_ids(org.hr.pk, today) == set()  # HR reads everything but is no inspector
    assert rules.inspector_unit_ids(org.unit_head.pk, today) == set()
