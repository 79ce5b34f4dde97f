"""Who sees and acts on an assessment: org's superior relation and HR's scope, nothing re-derived."""

from __future__ import annotations

import datetime

from jishi.assessment import rules
from jishi.assessment.models import Assessment
from jishi.assessment.selectors import notices_for, to_decide, to_propose
from jishi.assessment.tests.helpers import of, open_quarter
from jishi.org.models import Assignment, Role, RoleGrant
from jishi.testing import LONG_AGO, Org, PersonFactory, make_post

# The subject is 张伟 (预算科 科员). Name: (sees, proposes, decides, decides an appeal)
EXPECTED = {
    "author": (True, False, False, False),
    "colleague": (False, False, False, False),
    "sibling": (False, False, False, False),
    "section_head": (True, True, False, False),
    "deputy_in_charge": (True, True, False, False),
    "deputy_not_in_charge": (False, False, False, False),
    "unit_head": (True, True, True, False),
    "district_deputy": (True, True, False, False),
    "other_district_deputy": (False, False, False, False),
    "secretary": (True, True, False, False),
    "unrelated": (False, False, False, False),
    "civil_head": (False, False, False, False),
    "inspector": (False, False, False, False),
    "scoped_inspector": (False, False, False, False),
    "hr": (True, False, True, True),
    "admin": (False, False, False, False),
    "social_worker": (False, False, False, False),
}


def test_who_sees_proposes_and_decides_the_clerks_assessment(org: Org) -> None:
    period = open_quarter(org)
    subject = of(period, org.author)
    failures = []
    for name, expected in EXPECTED.items():
        person = getattr(org, name)
        got = (
            rules.can_see(person, subject),
            rules.can_propose(person, subject),
            rules.can_decide(person, subject),
            rules.can_decide_appeal(person, subject),
        )
        listed = Assessment.objects.visible_to(person).filter(pk=subject.pk).exists()
        if got != expected or listed != expected[0]:
            failures.append(f"{name}: {got} listed={listed}")
    assert not failures, "\n".join(failures)


def test_nobody_decides_or_proposes_their_own(org: Org) -> None:
    period = open_quarter(org)
    head = of(period, org.unit_head)
    assert rules.can_see(org.unit_head, head) and rules.is_person(org.unit_head, head)
    assert not rules.can_propose(org.unit_head, head) and not rules.can_decide(org.unit_head, head)
    assert rules.can_propose(org.district_deputy, head) and rules.can_decide(org.hr, head)
    hr_own = of(period, org.hr)
    assert not rules.can_decide(org.hr, hr_own) and not rules.can_decide_appeal(org.hr, hr_own)


def test_hr_scoped_to_one_bureau_sees_and_decides_only_there(org: Org) -> None:
    person = PersonFactory(full_name="林芳", username="hr_civil")
    make_post(person, org.relief)
    grant = RoleGrant.objects.create(person=person, role=Role.HR, granted_on=LONG_AGO)
    grant.units.set([org.civil])
    period = open_quarter(org)
    assert not rules.can_open_period(person) and rules.can_open_period(org.hr)
    assert rules.can_raise_quota(person, org.civil.pk) and not rules.can_raise_quota(person, org.finance.pk)
    assert rules.can_see(person, of(period, org.unrelated)) and rules.can_decide(person, of(period, org.unrelated))
    assert not rules.can_see(person, of(period, org.author))
    visible = set(Assessment.objects.visible_to(person).values_list("unit_id", flat=True))
    assert visible == {org.civil.pk}
    # An inspector's grant never opens assessments, whatever its scope.
    assert not Assessment.objects.visible_to(org.inspector).exclude(person=org.inspector).exists()
    assert not Assessment.objects.visible_to(org.admin).exclude(person=org.admin).exists()
    # A revoked HR grant no longer counts.
    RoleGrant.objects.filter(pk=grant.pk).update(revoked_on=datetime.date(2020, 1, 1))
    fresh = type(person).objects.get(pk=person.pk)
    assert not Assessment.objects.visible_to(fresh).exclude(person=fresh).exists()


def test_a_leader_who_left_the_post_no_longer_sees_or_acts(org: Org) -> None:
    period = open_quarter(org)
    subject = of(period, org.author)
    Assignment.objects.filter(person=org.section_head).update(end=datetime.date(2020, 1, 1))
    fresh = type(org.section_head).objects.get(pk=org.section_head.pk)
    assert not rules.can_see(fresh, subject) and not rules.can_propose(fresh, subject)


def test_work_lists_follow_the_rules(org: Org) -> None:
    period = open_quarter(org)
    proposable = set(to_propose(org.section_head).values_list("person__username", flat=True))
    assert proposable == {"author", "colleague"}  # 预算科, not the head themself
    assert "author" not in set(to_propose(org.deputy_not_in_charge).values_list("person__username", flat=True))
    assert not to_propose(org.author).exists() and not to_propose(org.inspector).exists()
    assert not to_decide(org.unit_head).exists()  # nothing proposed yet
    Assessment.objects.filter(period=period, person=org.author).update(state="proposed")
    assert list(to_decide(org.unit_head).values_list("person__username", flat=True)) == ["author"]
    assert list(to_decide(org.hr).values_list("person__username", flat=True)) == ["author"]
    assert not to_decide(org.section_head).exists() and not to_decide(org.civil_head).exists()
    assert notices_for(org.author) == []


def test_the_notice_list_and_the_unit_sheet_rules(org: Org) -> None:
    period = open_quarter(org)
    for name in ("author", "sibling", "deputy_not_in_charge", "unit_head", "district_deputy", "secretary", "hr"):
        assert rules.can_see_notice(getattr(org, name), period, org.finance.pk), name
    for name in ("unrelated", "civil_head", "other_district_deputy", "inspector", "admin", "social_worker"):
        assert not rules.can_see_notice(getattr(org, name), period, org.finance.pk), name
    assert rules.can_see_unit_sheet(org.unit_head, org.finance.pk) and rules.can_see_unit_sheet(org.hr, org.finance.pk)
    assert rules.can_see_unit_sheet(org.section_head, org.budget.pk)
    assert not rules.can_see_unit_sheet(org.section_head, org.finance.pk)
    assert not rules.can_see_unit_sheet(org.author, org.finance.pk)
    assert rules.can_decide_unit(org.unit_head, org.finance.pk) and not rules.can_decide_unit(
        org.deputy_in_charge, org.finance.pk
    )
    assert not rules.can_see(None, of(period, org.author))
