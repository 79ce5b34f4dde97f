"""Superiors, scoped roles and filing status follow PRODUCT.md's definitions, computed from posts held today."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jishi.org.models import Leadership, Role, RoleGrant
from jishi.org.rules import build_reader, can_see_filing_status
from jishi.testing import Org, make_post


def reader(person):  # type: ignore[no-untyped-def]
    return build_reader(person.pk, timezone.localdate())


def test_the_superior_chain_of_a_section_member(org: Org) -> None:
    budget = org.budget.pk
    superiors = {
        p.username
        for p in (org.section_head, org.deputy_in_charge, org.unit_head, org.district_deputy, org.secretary)
        if reader(p).is_superior_for(budget)
    }
    assert superiors == {"section_head", "deputy_in_charge", "unit_head", "district_deputy", "secretary"}
    for not_superior in (
        org.author,
        org.colleague,
        org.sibling,
        org.deputy_not_in_charge,
        org.other_district_deputy,
        org.civil_head,
        org.inspector,
        org.admin,
    ):
        assert not reader(not_superior).is_superior_for(budget), not_superior.username


def test_principal_leaders_are_superiors_of_everyone_and_jurisdiction_leaders_are_marked(org: Org) -> None:
    assert reader(org.secretary).superior_of_all
    assert reader(org.other_district_deputy).is_jurisdiction_leader
    assert not reader(org.unit_head).is_jurisdiction_leader


def test_a_village_is_its_own_unit_one_tier_below_its_town(org: Org) -> None:
    assert org.village.tier == 2 and org.village.department == org.village
    assert org.budget.department == org.finance and org.budget.tier == 1
    assert reader(org.social_worker).department_ids == frozenset({org.village.pk})


def test_concurrent_posts_add_their_units(org: Org) -> None:
    make_post(org.author, org.relief, kind="concurrent", title="兼职联络员")
    assert reader(org.author).department_ids == frozenset({org.finance.pk, org.civil.pk})


def test_a_deputy_who_is_in_charge_of_a_section_of_another_section(org: Org) -> None:
    make_post(org.colleague, org.budget, title="副科长", leadership=Leadership.DEPUTY, in_charge_of=[org.treasury])
    assert reader(org.colleague).is_superior_for(org.treasury.pk)


def test_scoped_roles_read_within_scope_and_revocation_ends_it(org: Org) -> None:
    scoped = reader(org.scoped_inspector)
    assert scoped.reads_in_scope(org.relief.pk) and not scoped.reads_in_scope(org.budget.pk)
    grant = RoleGrant.objects.get(person=org.inspector, role=Role.INSPECTOR)
    assert reader(org.inspector).scoped_all
    grant.revoked_on = timezone.localdate()
    grant.save()
    assert not reader(org.inspector).scoped_all


def test_posts_that_ended_or_have_not_begun_do_not_count(org: Org) -> None:
    today = timezone.localdate()
    org.unit_head.assignments.update(end=today - datetime.timedelta(days=1))
    assert not reader(org.unit_head).is_superior_for(org.budget.pk)
    make_post(
        org.unrelated,
        org.finance,
        title="局长",
        leadership=Leadership.PRINCIPAL,
        start=today + datetime.timedelta(days=1),
    )
    assert not reader(org.unrelated).is_superior_for(org.budget.pk)


def test_who_has_not_filed_is_shown_to_the_unit_its_superiors_and_scoped_roles(org: Org) -> None:
    assert can_see_filing_status(org.author, org.finance)
    assert can_see_filing_status(org.district_deputy, org.budget)
    assert can_see_filing_status(org.inspector, org.budget)
    assert not can_see_filing_status(org.unrelated, org.finance)
    assert not can_see_filing_status(org.admin, org.finance)
