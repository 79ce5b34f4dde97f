"""The first administrator of a new installation: `jishi createsuperuser` gives a working Jishi administrator."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from jishi.core.models import AuditEvent
from jishi.org.calendar import owed_days
from jishi.org.models import FilingObligation, Person, Role, Unit
from jishi.org.rules import can_import, reader_for
from jishi.org.services import administrator_create
from jishi.records.selectors import owing_without_record
from jishi.testing import Org, make_post


def create_first_administrator(monkeypatch: pytest.MonkeyPatch) -> Person:
    """What the README tells a new installation to run, answered from the environment as a script would."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-and-unusual-passphrase")
    call_command(
        "createsuperuser",
        interactive=False,
        username="sysadmin",
        full_name="系统管理员 王磊",
        email="it@jd.gov.cn",
        stdout=io.StringIO(),
    )
    return Person.objects.get(username="sysadmin")


def test_createsuperuser_makes_a_named_administrator_that_the_admin_site_accepts(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = create_first_administrator(monkeypatch)
    assert admin.full_name == "系统管理员 王磊" and str(admin) == "系统管理员 王磊"
    assert admin.name_pinyin  # found by the people search like everyone else
    assert reader_for(admin).is_administrator
    assert AuditEvent.objects.filter(verb="role.grant", actor=admin).exists()
    client = Client()
    assert client.login(username="sysadmin", password="a-long-and-unusual-passphrase")
    page = client.get("/admin/")
    assert page.status_code == 200 and "组织与设置" in page.content.decode()
    assert "系统管理员 王磊" in page.content.decode()  # greeted by name
    assert client.get("/admin/org/rolegrant/add/").status_code == 200


def test_createsuperuser_makes_an_account_the_import_accepts(
    db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin = create_first_administrator(monkeypatch)
    assert can_import(admin)
    units = tmp_path / "units.csv"
    units.write_text("单位代码,单位名称,类型,上级单位代码\nJD,嘉定区,区,\nCZJ,区财政局,委办局,JD\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import", "units", str(units), "--by", "sysadmin", stdout=out)
    assert Unit.objects.filter(code="CZJ", parent__code="JD").exists()


def test_the_administrator_owes_no_records_even_with_a_post(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = create_first_administrator(monkeypatch)
    assert admin.filing_obligation == FilingObligation.OPTIONAL
    make_post(admin, org.relief)  # an IT clerk of a section, say
    monday = datetime.date(2026, 11, 2)
    assert owed_days(admin, monday, monday) == []
    owing = set(owing_without_record(day=monday).values_list("pk", flat=True))
    assert org.unrelated.pk in owing and admin.pk not in owing


def test_an_administrator_needs_a_name_and_a_free_username(db: None) -> None:
    with pytest.raises(ValidationError) as unnamed:
        administrator_create(username="x", full_name="  ", password="a-long-and-unusual-passphrase")
    assert "姓名" in unnamed.value.message_dict["full_name"][0]
    administrator_create(username="x", full_name="甲", password=None)
    with pytest.raises(ValidationError):
        administrator_create(username="x", full_name="乙", password=None)
    assert Person.objects.get(username="x").role_grants.get().role == Role.ADMIN


def test_superusers_made_before_become_administrators(org: Org) -> None:
    """org 0004: a superuser `jishi createsuperuser` made before it gave the role gets it, and a name."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("jishi.org.migrations.0004_superusers_become_administrators")
    old = Person.objects.create(username="root", is_superuser=True, is_staff=True)  # as Django's manager made it
    posted = Person.objects.create(username="it-clerk", full_name="赵敏", is_superuser=True)
    make_post(posted, org.relief)
    assert not reader_for(old).is_administrator
    migration.promote(apps, SimpleNamespace(connection=connection))
    migration.promote(apps, SimpleNamespace(connection=connection))  # once is enough: no second grant
    old.refresh_from_db()
    posted.refresh_from_db()
    assert old.full_name == "root" and old.filing_obligation == FilingObligation.OPTIONAL
    assert posted.full_name == "赵敏" and posted.filing_obligation == FilingObligation.REQUIRED  # its post is real
    for person in (old, posted):
        assert person.role_grants.filter(role=Role.ADMIN).count() == 1
    assert not org.admin.role_grants.filter(note__contains="升级").exists()  # not a superuser: untouched
