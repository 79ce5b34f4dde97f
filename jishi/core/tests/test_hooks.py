"""The hook registry (jishi.core.hooks): lower apps announce, higher apps listen — in the writer's transaction."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from jishi.core.checks import hooks_answered
from jishi.core.hooks import Hook, MenuEntry, audit_written, declared, hook, page_header, page_menu
from jishi.duties.training import record_filed as duty_model_retrain
from jishi.insights import refresh as insights_refresh
from jishi.integrity.services import import_seal, link
from jishi.notifications.services import record_filed
from jishi.notifications.templatetags.notifications import header_inbox_link
from jishi.records.hooks import (
    record_created,
    record_opened,
    record_written,
    records_bulk_written,
    records_imported,
    records_text_condition,
)
from jishi.records.models import WorkRecord
from jishi.search.selectors import search_q
from jishi.search.services import index_new_records, index_record
from jishi.supervision.services import record_created_ask, view_log
from jishi.supervision.templatetags.supervision import header_overview
from jishi.testing import Org, write_record

_names = itertools.count()


@pytest.fixture
def ping() -> Hook[Any]:
    """A hook of the test's own, under a fresh name (a declared hook lives as long as the process)."""

    @hook(f"test.ping.{next(_names)}")
    def ping(*, value: int) -> None:
        """A hook of the test's own."""

    return ping


def test_listeners_run_in_order_then_registration_order(ping: Hook[Any]) -> None:
    ping.register(lambda *, value: ("late", value), order=10)
    ping.register(lambda *, value: ("first", value))
    ping.register(lambda *, value: ("second", value))
    assert ping.run(value=3) == [("first", 3), ("second", 3), ("late", 3)]


def test_a_hook_without_listeners_runs_nothing(ping: Hook[Any]) -> None:
    assert ping.run(value=1) == []


def test_registering_twice_calls_once_and_unregister_removes(ping: Hook[Any]) -> None:
    calls: list[int] = []

    def listener(*, value: int) -> None:
        calls.append(value)

    ping.register(listener)
    ping.register(listener)  # a second ready() (tests reload apps) must not double every index write
    ping.run(value=1)
    ping.unregister(listener)
    ping.run(value=2)
    assert calls == [1]


def test_a_name_is_declared_once(ping: Hook[Any]) -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Hook(ping.name)


def test_the_prototype_docstring_documents_the_hook() -> None:
    assert "integrity seals them" in (audit_written.__doc__ or "")
    assert declared()["record.created"] is record_created


def test_the_apps_register_their_listeners_from_ready() -> None:
    """What record_create, imports, the audit and the record page used to call directly, they now reach this way."""
    assert link in audit_written.listeners
    assert index_record in record_written.listeners
    # the reminder first, as before; the duty suggester's retraining beside it; supervision's questions last
    assert record_created.listeners == [record_filed, duty_model_retrain, record_created_ask]
    assert index_new_records in records_bulk_written.listeners
    assert records_imported.listeners == [import_seal, insights_refresh.records_imported]
    assert records_text_condition.listeners == [search_q]  # exactly one provider of the list filter `q`
    assert view_log in record_opened.listeners
    assert set(page_header.listeners) == {header_inbox_link, header_overview}  # the header's links to higher apps


@pytest.fixture
def spy() -> Iterator[list[tuple[str, bool, int]]]:
    seen: list[tuple[str, bool, int]] = []

    def on_created(*, record: WorkRecord, author: Any, ask_participants: bool) -> None:
        seen.append(("created", connection.in_atomic_block, WorkRecord.objects.filter(pk=record.pk).count()))

    def on_written(*, record: WorkRecord, new: bool) -> None:
        seen.append(("written", connection.in_atomic_block, WorkRecord.objects.filter(pk=record.pk).count()))

    record_created.register(on_created, order=99)
    record_written.register(on_written, order=99)
    yield seen
    record_created.unregister(on_created)
    record_written.unregister(on_written)


@pytest.mark.django_db(transaction=True)
def test_record_create_runs_its_hooks_inside_its_transaction(org: Org, spy: list[tuple[str, bool, int]]) -> None:
    record = write_record(org.author)
    assert spy == [("written", True, 1), ("created", True, 1)]  # the row is there, the transaction still open
    assert not connection.in_atomic_block
    assert WorkRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_listener_undoes_the_record(org: Org) -> None:
    """As a direct call did: the record, its search entry and its chain entry commit together or not at all."""

    def refuse(**kwargs: Any) -> None:
        raise RuntimeError("listener failed")

    record_created.register(refuse, order=99)
    try:
        with pytest.raises(RuntimeError):
            write_record(org.author)
    finally:
        record_created.unregister(refuse)
    assert not WorkRecord.objects.filter(author=org.author).exists()


def test_an_app_adds_a_header_entry_without_touching_core(org: Org, client: Client) -> None:
    """The header's main menu is what the apps offer (hook page.menu), in their order, marking the page's entry."""
    units = reverse("records:units")

    def probe() -> list[MenuEntry]:
        return [MenuEntry("probe", "探针", "records:units", 75, ("records:units",))]

    page_menu.register(probe)
    try:
        client.force_login(org.author)
        page = client.get(units).content.decode()
    finally:
        page_menu.unregister(probe)
    nav = page[page.index('<nav class="nav">') : page.index("</nav>")]
    assert f'<a href="{units}" aria-current="page">探针</a>' in nav
    assert nav.index("督办") < nav.index("探针") < nav.index(">单位<")  # order 75: between tasks (70) and units (80)
    assert nav.count("aria-current") == 1


def test_start_up_fails_while_a_required_hook_has_no_listener() -> None:
    """`jishi check` (and runserver, migrate) stops on a hook whose work is not optional and that nobody listens to."""
    assert hooks_answered(None) == []  # as installed: the chain's sealing and the list's text search are answered

    @hook(f"test.required.{next(_names)}", required=True)
    def needed() -> None:
        """A hook of the test's own that must be answered."""

    @hook(f"test.single.{next(_names)}", single=True)
    def asked() -> int:
        """A hook of the test's own that asks for one answer."""
        raise NotImplementedError

    asked.register(lambda: 1)
    asked.register(lambda: 2)
    errors = hooks_answered(None)
    assert {(e.id, e.msg) for e in errors} == {
        ("jishi.E001", f"hook {asked.name} needs exactly one listener, has 2"),
        ("jishi.E002", f"hook {needed.name} has no listener"),
    }
    needed.register(lambda: None)
    asked.unregister(asked.listeners[1])
    assert hooks_answered(None) == []
