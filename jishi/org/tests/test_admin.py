"""Organisation data in the admin: administrators only, errors beside the fields, every save through the services."""

from __future__ import annotations

import datetime

from django.test import Client

from jishi.core.models import AuditEvent
from jishi.org.models import Assignment, Person, Position, Unit
from jishi.testing import Org


def admin_client(org: Org) -> Client:
    client = Client()
    client.force_login(org.admin)
    return client


def test_a_section_directly_under_the_district_is_refused_with_a_message(org: Org) -> None:
    response = admin_client(org).post(
        "/admin/org/unit/add/",
        {
            "name": "新科室",
            "code": "NEW",
            "kind": "section",
            "parent": org.root.pk,
            "sort_order": 0,
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 200 and "科室必须隶属于委办局" in response.content.decode()
    assert not Unit.objects.filter(code="NEW").exists()


def test_a_new_section_gets_its_tree_fields_and_an_audit_event(org: Org) -> None:
    response = admin_client(org).post(
        "/admin/org/unit/add/",
        {
            "name": "绩效科",
            "code": "CZJ-3",
            "kind": "section",
            "parent": org.finance.pk,
            "sort_order": 3,
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(code="CZJ-3")
    assert (
        unit.department == org.finance
        and unit.path.startswith(org.finance.path)
        and unit.path.endswith(f"{unit.pk:010d}/")
    )
    assert AuditEvent.objects.filter(verb="unit.create", target_id=str(unit.pk)).exists()


def test_a_second_primary_post_at_the_same_time_is_refused(org: Org) -> None:
    position = Position.objects.create(unit=org.relief, title="科员")
    response = admin_client(org).post(
        "/admin/org/assignment/add/",
        {"person": org.author.pk, "position": position.pk, "kind": "primary", "start": "2026-01-01"},
    )
    assert response.status_code == 200 and "已有主职" in response.content.decode()
    assert Assignment.objects.filter(person=org.author).count() == 1
    response = admin_client(org).post(
        "/admin/org/assignment/add/",
        {"person": org.author.pk, "position": position.pk, "kind": "concurrent", "start": "2026-01-01"},
    )
    assert response.status_code == 302


def test_a_new_person_gets_search_keys_and_no_usable_password(org: Org) -> None:
    response = admin_client(org).post(
        "/admin/org/person/add/",
        {
            "username": "newbie",
            "full_name": "欧阳娜",
            "employee_number": "X1",
            "category": "civil_servant",
            "filing_obligation": "required",
            "is_active": "on",
            "assignments-TOTAL_FORMS": 0,
            "assignments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(username="newbie")
    assert person.name_initials == "oyn" and not person.has_usable_password()


def test_staff_without_the_admin_role_cannot_change_organisation_data(org: Org) -> None:
    client = Client()
    client.force_login(org.unit_head)
    assert client.get("/admin/org/unit/").status_code == 302
    client.post(
        "/admin/org/unit/add/",
        {
            "name": "x",
            "code": "X",
            "kind": "department",
            "parent": org.root.pk,
            "valid_from": datetime.date.today().isoformat(),
        },
    )
    assert not Unit.objects.filter(code="X").exists()


def test_the_people_list_finds_a_person_by_employee_number(org: Org) -> None:
    org.colleague.employee_number = "JD000123"
    org.colleague.save(update_fields=["employee_number"])
    page = admin_client(org).get("/admin/org/person/", {"q": "JD000123"}).content.decode()
    assert "李娜" in page and "张伟" not in page
