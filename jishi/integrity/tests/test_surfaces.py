"""Nobody, administrators included, changes or deletes a record through any surface Jishi offers; every change to
roles, posts and records is an audit event with the values before and after, sealed into the chain."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import get_commands
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jishi.core.models import AuditEvent
from jishi.integrity.models import ChainEntry
from jishi.integrity.verification import verify
from jishi.org.models import Assignment, Position, Role, RoleGrant
from jishi.org.services import assignment_save
from jishi.records.models import Addendum, RecordVersion, WorkRecord
from jishi.records.services import addendum_create, record_update
from jishi.testing import GOOD_CONTENT, LONG_AGO, Org, record_input, write_record


def admin_client(org: Org) -> Client:
    client = Client()
    client.force_login(org.admin)
    return client


@pytest.fixture
def locked(org: Org) -> WorkRecord:
    """A record of the administrator's own, past its lock (time moved on: locks_at set to a minute ago)."""
    record = write_record(org.admin, date=datetime.date.today() - datetime.timedelta(days=3))
    WorkRecord.objects.filter(pk=record.pk).update(locks_at=timezone.now() - datetime.timedelta(minutes=1))
    record.refresh_from_db()
    addendum_create(actor=org.admin, record=record, content="补充：会议纪要已印发")
    return record


def test_the_admin_cannot_change_or_delete_a_record(org: Org, locked: WorkRecord) -> None:
    client = admin_client(org)
    change = f"/admin/records/workrecord/{locked.pk}/change/"
    page = client.get(change)
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split("<form")[-1]
    client.post(change, {"content": "管理员改写的内容管理员改写的内容", "visibility": "public"})
    assert client.get(f"/admin/records/workrecord/{locked.pk}/delete/").status_code == 403
    assert client.post(f"/admin/records/workrecord/{locked.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(
        "/admin/records/workrecord/", {"action": "delete_selected", "_selected_action": [locked.pk], "post": "yes"}
    )
    assert client.get("/admin/records/workrecord/add/").status_code == 403
    stored = WorkRecord.objects.get(pk=locked.pk)
    assert (stored.content, stored.visibility, stored.version) == (GOOD_CONTENT, locked.visibility, 1)
    assert verify().ok


@pytest.mark.parametrize("model", ["recordversion", "addendum", "recordparticipant", "attachment"])
def test_history_rows_have_no_admin_page_at_all(org: Org, locked: WorkRecord, model: str) -> None:
    client = admin_client(org)
    assert client.get(f"/admin/records/{model}/").status_code == 404
    version = RecordVersion.objects.get(record=locked)
    assert client.get(f"/admin/records/{model}/{version.pk}/change/").status_code == 404


def test_audit_events_and_the_chain_are_read_only_in_the_admin(org: Org, locked: WorkRecord) -> None:
    client = admin_client(org)
    event = AuditEvent.objects.order_by("id").first()
    assert event is not None
    assert client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    entry = ChainEntry.objects.first()
    assert entry is not None
    assert client.get(f"/admin/integrity/chainentry/{entry.pk}/change/").status_code == 404
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_page_and_the_api_refuse_to_edit_a_locked_record(org: Org, locked: WorkRecord) -> None:
    client = Client()
    client.force_login(org.admin)
    assert client.get(reverse("records:edit", args=[locked.pk])).status_code == 403
    response = client.patch(
        f"/api/v1/records/{locked.pk}", {"content": "锁定后改写的内容锁定后改写"}, content_type="application/json"
    )
    assert response.status_code == 400 and "已锁定" in str(response.json()["errors"])
    assert WorkRecord.objects.get(pk=locked.pk).content == GOOD_CONTENT


def test_no_jishi_command_writes_records_except_import() -> None:
    """The shell commands Jishi provides: only `import` (new records, all-or-nothing) and `demo` (a new world)
    write records; none changes or deletes one. Listed here so a new command is looked at."""
    ours = {
        name for name, app in get_commands().items() if app.startswith("jishi.") and app not in ("jishi.browser_tests",)
    }
    assert {"verify", "digest", "chain", "import", "export"} <= ours
    for name in ours:
        assert name not in {"delete", "edit", "record_edit", "record_delete", "purge"}


# ---- before/after of roles, posts and records --------------------------------------------------------------


def test_a_role_grant_change_records_before_and_after(org: Org) -> None:
    grant = RoleGrant.objects.get(person=org.hr, role=Role.HR)
    response = admin_client(org).post(
        f"/admin/org/rolegrant/{grant.pk}/change/",
        {
            "person": org.hr.pk,
            "role": Role.HR,
            "all_units": "",
            "units": [org.civil.pk],
            "granted_on": LONG_AGO.isoformat(),
            "revoked_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(verb="role.update", target_id=str(grant.pk))
    assert event.actor_id == org.admin.pk
    assert event.data["before"]["all_units"] is True and event.data["after"]["all_units"] is False
    assert event.data["before"]["units"] == [] and event.data["after"]["units"] == [org.civil.pk]
    assert ChainEntry.objects.filter(kind="event", object_id=event.pk).exists()


def test_a_deleted_role_grant_is_audited_with_what_it_was(org: Org) -> None:
    grant = RoleGrant.objects.get(person=org.hr, role=Role.HR)
    response = admin_client(org).post(f"/admin/org/rolegrant/{grant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="rolegrant.delete", target_id=str(grant.pk))
    assert event.data["before"]["role"] == Role.HR and event.data["before"]["person"] == org.hr.pk


def test_an_assignment_change_records_before_and_after(org: Org) -> None:
    post = Assignment.objects.get(person=org.colleague)
    post.end = datetime.date(2026, 6, 30)
    assignment_save(actor=org.admin, assignment=post)
    event = AuditEvent.objects.get(verb="assignment.update", target_id=str(post.pk))
    assert event.data["before"] == {"end": None} and event.data["end"] == "2026-06-30"


def test_an_assignment_edited_in_the_admin_records_before_and_after(org: Org) -> None:
    post = Assignment.objects.get(person=org.colleague)
    other = Position.objects.create(unit=org.treasury, title="科员")
    response = admin_client(org).post(
        f"/admin/org/assignment/{post.pk}/change/",
        {"person": org.colleague.pk, "position": other.pk, "kind": post.kind, "start": post.start.isoformat()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(verb="assignment.update", target_id=str(post.pk))
    assert event.data["before"]["position"] == post.position_id and event.data["after"]["position"] == other.pk


def test_a_visibility_change_records_before_and_after(org: Org) -> None:
    record = write_record(org.author)
    record_update(actor=org.author, record=record, data=record_input(visibility="superiors", is_sensitive=True))
    event = AuditEvent.objects.get(verb="record.update")
    assert event.data["before"] == {"visibility": "internal", "is_sensitive": False}
    assert event.data["after"] == {"visibility": "superiors", "is_sensitive": True}
    assert event.data["changed"] == ["is_sensitive", "visibility"]


def test_long_texts_stay_in_the_versions_not_the_event(org: Org) -> None:
    record = write_record(org.author)
    record_update(actor=org.author, record=record, data=record_input(content=GOOD_CONTENT + "，并形成会议纪要"))
    event: Any = AuditEvent.objects.get(verb="record.update")
    assert event.data["changed"] == ["content"] and event.data["before"] == {} and event.data["version"] == 2
    assert Addendum.objects.count() == 0
