"""The worker caches of reference data (jishi.core.cache) never outlive a change: through a service, raw SQL or a
rollback, the next request sees the database as it is."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from jishi.accounts.services import token_create, token_revoke
from jishi.core.cache import generation
from jishi.core.migrations._generation import trigger_name
from jishi.testing import Org, Visibility, write_record

pytestmark = pytest.mark.django_db
WATCHED = {
    **importlib.import_module("jishi.core.migrations.0004_cache_generation").WATCHED,
    **importlib.import_module("jishi.core.migrations.0005_watch_absences").WATCHED,
    **importlib.import_module("jishi.core.migrations.0006_watch_duties").WATCHED,
}


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_every_watched_table_has_its_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'core_generation_%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'core_generation_%'")
        installed = {name for (name,) in cursor.fetchall()}
    expected = {trigger_name(t, e) for t, events in WATCHED.items() for e in events}
    assert expected <= installed


def test_a_revoked_token_fails_on_the_next_request(org: Org) -> None:
    token, secret = token_create(person=org.author, name="办公系统")
    client = bearer(secret)
    assert client.get("/api/v1/records").status_code == 200
    token_revoke(actor=org.author, token=token)
    assert client.get("/api/v1/records").status_code == 401


def test_a_token_of_a_deactivated_person_fails_even_when_changed_by_raw_sql(org: Org) -> None:
    _, secret = token_create(person=org.author, name="办公系统")
    client = bearer(secret)
    assert client.get("/api/v1/records").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_person SET is_active = %s WHERE id = %s", [False, org.author.pk])
    assert client.get("/api/v1/records").status_code == 401


def test_a_transfer_written_behind_jishis_back_changes_what_the_reader_sees(org: Org) -> None:
    hidden = write_record(org.sibling, visibility=Visibility.UNIT)  # 国库科, 本单位 only
    _, secret = token_create(person=org.unrelated, name="办公系统")
    client = bearer(secret)
    assert client.get(f"/api/v1/records/{hidden.pk}").status_code == 404
    with connection.cursor() as cursor:  # 救助科 → 国库科, as a careless script would
        cursor.execute(
            "UPDATE org_assignment SET position_id = (SELECT position_id FROM org_assignment WHERE person_id = %s) "
            "WHERE person_id = %s",
            [org.sibling.pk, org.unrelated.pk],
        )
    assert client.get(f"/api/v1/records/{hidden.pk}").status_code == 200


def test_a_session_ends_when_the_password_changes(org: Org) -> None:
    client = Client()
    client.force_login(org.author)
    assert client.get("/").status_code == 200
    org.author.set_password("another-pw-2026")
    org.author.save()
    assert client.get("/").status_code == 302  # back to the login page


def test_signing_in_does_not_renew_the_generation(org: Org) -> None:
    before = generation()
    org.author.last_login = timezone.now()
    org.author.save(update_fields=["last_login"])
    assert generation() == before


def test_a_rolled_back_change_never_makes_an_older_entry_current(org: Org) -> None:
    before = generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        org.budget.name = "预算编审科"
        org.budget.save()
        inside = generation()
        raise RuntimeError
    assert inside != before and generation() == before
    org.budget.name = "预算管理科"
    org.budget.save()
    assert generation() not in (before, inside)


def test_the_cache_is_bounded_and_never_keeps_a_miss() -> None:
    from jishi.core.cache import GenerationCache

    cache: GenerationCache[int, str] = GenerationCache(maxsize=2)
    computed: list[int] = []

    def value(key: int) -> str | None:
        computed.append(key)
        return None if key < 0 else str(key)

    for key in (1, 2, 1, 3, 2, -1, -1):
        cache.get(key, lambda key=key: value(key))
    # 1 is used again before 3 arrives, so 3 evicts 2, the least recently used, which must then be computed again;
    # a miss is asked of the database every time.
    assert computed == [1, 2, 3, 2, -1, -1]


def test_without_its_row_nothing_is_cached_and_the_next_change_brings_the_row_back(org: Org) -> None:
    from jishi.records.models import Category
    from jishi.records.selectors import active_category

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_cachegeneration")  # as a test database flush does
    assert generation() is None
    assert active_category("meeting") is not None
    with connection.cursor() as cursor:  # unseen by any trigger: only a cache that keeps nothing can notice it
        cursor.execute("DELETE FROM core_cachegeneration")
        cursor.execute("UPDATE records_category SET is_active = %s WHERE code = 'meeting'", [False])
        cursor.execute("DELETE FROM core_cachegeneration")
    assert active_category("meeting") is None
    Category.objects.filter(code="meeting").update(is_active=True)
    assert generation() is not None
    assert active_category("meeting") is not None


def test_a_change_rolled_back_inside_a_request_leaves_nothing_behind(org: Org) -> None:
    from jishi.core import cache
    from jishi.org.calendar import local_today
    from jishi.org.models import Assignment
    from jishi.records.services import posts_on

    today = local_today()
    own = Assignment.objects.get(person=org.unrelated).position_id
    other = Assignment.objects.get(person=org.sibling).position_id
    cache._start()  # what Django's request_started does (sending the signal itself would close the test's connection)
    try:
        generation()  # the request's memo
        with pytest.raises(RuntimeError), transaction.atomic():
            Assignment.objects.filter(person=org.unrelated).update(position_id=other)
            assert posts_on(org.unrelated, today)[0].position_id == other  # computed from the uncommitted change
            raise RuntimeError
    finally:
        cache._finish()
    assert posts_on(org.unrelated, today)[0].position_id == own


def test_a_duty_added_or_retired_behind_jishis_back_is_offered_or_withdrawn_at_once(org: Org) -> None:
    from jishi.org.models import Duty
    from jishi.org.selectors import duties_for

    today = timezone.localdate()
    offered = {d.code for d in duties_for(org.author, today)}
    assert "CZJ-01" in offered and "CZJ-99" not in offered
    Duty.objects.create(unit=org.finance, code="CZJ-99", title="政府采购监督管理")
    assert "CZJ-99" in {d.code for d in duties_for(org.author, today)}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_duty SET retired_on = %s WHERE code = %s", [today, "CZJ-01"])
    assert "CZJ-01" not in {d.code for d in duties_for(org.author, today)}


def test_a_new_head_joins_the_superiors_of_the_unit_feed_at_once(org: Org) -> None:
    from jishi.feeds.selectors import superior_ids
    from jishi.org.models import Assignment, Position
    from jishi.org.rules import reader_for

    before = superior_ids(reader_for(org.author))
    assert org.section_head.pk in before and org.colleague.pk not in before
    head = Position.objects.get(unit=org.budget, leadership="principal")
    Assignment.objects.filter(person=org.section_head).update(end=timezone.localdate() - datetime.timedelta(days=1))
    Assignment.objects.create(person=org.colleague, position=head, start=timezone.localdate())
    after = superior_ids(reader_for(org.author))
    assert org.colleague.pk in after and org.section_head.pk not in after


def test_a_new_leader_joins_the_leaders_feed_at_once(org: Org) -> None:
    from jishi.feeds.selectors import leader_ids
    from jishi.org.models import Assignment, Position

    assert org.colleague.pk not in leader_ids() and org.unit_head.pk in leader_ids()
    deputy = Position.objects.create(unit=org.finance, title="副局长（新）", leadership="deputy")
    Assignment.objects.create(person=org.colleague, position=deputy, start=timezone.localdate())
    assert org.colleague.pk in leader_ids()


def test_a_missing_trigger_is_reported_by_the_system_check() -> None:
    from jishi.core.checks import cache_triggers

    assert cache_triggers(None, databases=["default"]) == []
    table_event = "core_generation_records_category_delete"
    with connection.cursor() as cursor:
        on = " ON records_category" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER {table_event}{on}")
    (warning,) = cache_triggers(None, databases=["default"])
    assert warning.id == "jishi.W001" and table_event in warning.msg
