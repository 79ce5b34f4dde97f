"""Who sees a task — one matrix against Task.objects.visible_to, the list, the detail page and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.accounts.services import token_create
from jishi.tasks import rules
from jishi.tasks.models import Task
from jishi.tasks.tests.helpers import issue
from jishi.testing import Org

# 财政局局长 issues to 预算科, with 民政局 collaborating.
SEES = {
    "unit_head": True,  # the issuer
    "author": True,  # 预算科: owner unit member
    "colleague": True,
    "section_head": True,
    "deputy_in_charge": True,  # superior of the owner unit
    "district_deputy": True,  # jurisdiction leader in charge of 财政局
    "secretary": True,  # principal leaders see everything
    "unrelated": True,  # 民政局 member: collaborating unit
    "civil_head": True,
    "other_district_deputy": True,  # in charge of the collaborating unit
    "inspector": True,  # whole jurisdiction
    "scoped_inspector": True,  # covers 民政局, a collaborator
    "sibling": False,  # 国库科: same 本单位, not on the task
    "deputy_not_in_charge": False,
    "hr": True,  # hr and admin hold posts in 民政局 (collaborating), like any member
    "admin": True,
    "social_worker": False,
}


@pytest.fixture
def task(org: Org) -> Task:
    return issue(org, collaborating_unit_ids=[org.civil.pk])


@pytest.mark.parametrize(("who", "sees"), SEES.items())
def test_visibility_matrix(org: Org, task: Task, who: str, sees: bool) -> None:
    person = getattr(org, who)
    assert Task.objects.visible_to(person).filter(pk=task.pk).exists() is sees
    client = Client()
    client.force_login(person)
    assert client.get(f"/tasks/{task.pk}/").status_code == (200 if sees else 404)
    _, secret = token_create(person=person, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"/api/v1/tasks/{task.pk}").status_code == (200 if sees else 404)
    assert (task.pk in [t["id"] for t in api.get("/api/v1/tasks").json()["items"]]) is sees


def test_anonymous_sees_nothing(org: Org, task: Task) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Task.objects.visible_to(AnonymousUser()).exists()
    assert Client().get(f"/tasks/{task.pk}/").status_code == 302  # to the login page


def test_a_person_task_is_seen_by_the_person_and_their_superiors_not_their_colleagues(org: Org) -> None:
    task = issue(org, issuer=org.section_head, owner_unit_id=None, owner_person_id=org.colleague.pk)
    visible = {who for who in SEES if Task.objects.visible_to(getattr(org, who)).filter(pk=task.pk).exists()}
    assert {"colleague", "section_head", "deputy_in_charge", "unit_head", "district_deputy"} <= visible
    assert "author" not in visible and "unrelated" not in visible


def test_the_owner_side_and_linkers(org: Org, task: Task) -> None:
    assert rules.is_owner_side(org.author, task) and not rules.is_owner_side(org.unit_head, task)
    assert rules.may_link(org.unrelated, task) and not rules.is_owner_side(org.unrelated, task)
    assert not rules.may_link(org.sibling, task) and not rules.may_link(org.district_deputy, task)


def test_roles_read_tasks_only_as_inspectors(org: Org) -> None:
    task = issue(org)  # no collaborators: 民政局 staff are not on it
    assert Task.objects.visible_to(org.inspector).filter(pk=task.pk).exists()
    assert not Task.objects.visible_to(org.scoped_inspector).filter(pk=task.pk).exists()  # scope is 民政局
    assert not Task.objects.visible_to(org.hr).exists() and not Task.objects.visible_to(org.admin).exists()


def test_who_may_issue(org: Org) -> None:
    assert rules.may_issue(org.section_head) and rules.may_issue(org.district_deputy)
    assert not rules.may_issue(org.author) and not rules.may_issue(org.inspector)
    assert rules.may_issue_to(org.unit_head, org.budget) and not rules.may_issue_to(org.unit_head, org.civil)
    assert not rules.may_issue_to(org.secretary, org.root)
