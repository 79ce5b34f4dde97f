"""Factories and a small organisation for tests: one tree with every relation the visibility rules use."""

from __future__ import annotations

import datetime
import socket
from dataclasses import dataclass
from typing import Any

import factory
from django.db import connection
from django.utils import timezone

from jishi.org.models import (
    Assignment,
    AssignmentKind,
    Duty,
    Leadership,
    Person,
    Position,
    Rank,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
)
from jishi.org.services import name_search_keys, unit_save
from jishi.records.models import Category, Visibility, WorkRecord
from jishi.records.services import RecordInput, record_create

LONG_AGO = datetime.date(2020, 1, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试{n}号")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.lazy_attribute
    def name_pinyin(self) -> str:
        return name_search_keys(self.full_name)[0]

    @factory.lazy_attribute
    def name_initials(self) -> str:
        return name_search_keys(self.full_name)[1]

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


def make_unit(name: str, kind: str, parent: Unit | None = None, code: str | None = None) -> Unit:
    return unit_save(Unit(name=name, code=code or name, kind=kind, parent=parent))


def make_post(
    person: Person,
    unit: Unit,
    *,
    title: str = "科员",
    leadership: str = Leadership.NONE,
    in_charge_of: list[Unit] | None = None,
    kind: str = AssignmentKind.PRIMARY,
    start: datetime.date = LONG_AGO,
    end: datetime.date | None = None,
) -> Assignment:
    rank = Rank.DISTRICT if unit.tier == 0 else Rank.STAFF
    position = Position.objects.create(unit=unit, title=title, rank=rank, leadership=leadership)
    if in_charge_of:
        position.in_charge_of.set(in_charge_of)
    return Assignment.objects.create(person=person, position=position, kind=kind, start=start, end=end)


def category(code: str = "meeting") -> Category:
    return Category.objects.get(code=code)


GOOD_CONTENT = "与区民政局召开养老服务协调会，明确三项分工和完成时限"


def record_input(**overrides: Any) -> RecordInput:
    values: dict[str, Any] = {
        "date": timezone.localdate(),
        "category_id": category().pk,
        "content": GOOD_CONTENT,
        "start_time": datetime.time(9, 0),
        "end_time": datetime.time(10, 0),
    }
    values.update(overrides)
    return RecordInput(**values)


def write_record(author: Person, **overrides: Any) -> WorkRecord:
    return record_create(author=author, data=record_input(**overrides))


@dataclass
class Org:
    """嘉定区 › 财政局 › {预算科, 国库科}; 民政局 › 救助科; 马陆镇 › 某村. Everyone the matrix needs."""

    root: Unit
    finance: Unit
    budget: Unit
    treasury: Unit
    civil: Unit
    relief: Unit
    town: Unit
    village: Unit
    author: Person  # 预算科 科员
    colleague: Person  # 预算科 科员
    sibling: Person  # 国库科 科员 (same 本单位, other section)
    section_head: Person  # 预算科 科长
    deputy_in_charge: Person  # 财政局 副局长 分管预算科
    deputy_not_in_charge: Person  # 财政局 副局长 分管国库科
    unit_head: Person  # 财政局 局长
    district_deputy: Person  # 副区长 分管财政局
    other_district_deputy: Person  # 副区长 分管民政局
    secretary: Person  # 区委书记
    unrelated: Person  # 民政局 救助科 科员
    civil_head: Person  # 民政局 局长
    inspector: Person
    scoped_inspector: Person  # 派驻纪检组, covering 民政局 only
    hr: Person
    admin: Person
    social_worker: Person


def build_org() -> Org:
    from django.apps import apps

    from jishi.records.migrations._categories import add_defaults

    add_defaults(apps, None)  # transactional tests flush the rows the data migration wrote
    root = make_unit("嘉定区", UnitKind.JURISDICTION, code="JD")
    finance = make_unit("区财政局", UnitKind.DEPARTMENT, root, "CZJ")
    budget = make_unit("预算科", UnitKind.SECTION, finance, "CZJ-1")
    treasury = make_unit("国库科", UnitKind.SECTION, finance, "CZJ-2")
    civil = make_unit("区民政局", UnitKind.DEPARTMENT, root, "MZJ")
    relief = make_unit("社会救助科", UnitKind.SECTION, civil, "MZJ-1")
    town = make_unit("马陆镇", UnitKind.TOWN, root, "ML")
    village = make_unit("陆家村", UnitKind.VILLAGE, town, "ML-V1")

    def person(name: str, username: str, **kwargs: Any) -> Person:
        return PersonFactory(full_name=name, username=username, **kwargs)

    org = Org(
        root=root,
        finance=finance,
        budget=budget,
        treasury=treasury,
        civil=civil,
        relief=relief,
        town=town,
        village=village,
        author=person("张伟", "author"),
        colleague=person("李娜", "colleague"),
        sibling=person("王芳", "sibling"),
        section_head=person("刘洋", "section_head"),
        deputy_in_charge=person("陈静", "deputy_in_charge"),
        deputy_not_in_charge=person("杨磊", "deputy_not_in_charge"),
        unit_head=person("赵强", "unit_head"),
        district_deputy=person("黄敏", "district_deputy"),
        other_district_deputy=person("周杰", "other_deputy"),
        secretary=person("吴军", "secretary"),
        unrelated=person("徐丽", "unrelated"),
        civil_head=person("孙涛", "civil_head"),
        inspector=person("马超", "inspector"),
        scoped_inspector=person("朱明", "scoped_inspector"),
        hr=person("胡平", "hr"),
        admin=person("郭刚", "admin"),
        social_worker=person("何燕", "social_worker", category="social_worker", filing_obligation="optional"),
    )
    make_post(org.author, budget)
    make_post(org.colleague, budget)
    make_post(org.sibling, treasury)
    make_post(org.section_head, budget, title="科长", leadership=Leadership.PRINCIPAL)
    make_post(org.deputy_in_charge, finance, title="副局长", leadership=Leadership.DEPUTY, in_charge_of=[budget])
    make_post(
        org.deputy_not_in_charge,
        finance,
        title="副局长",
        leadership=Leadership.DEPUTY,
        in_charge_of=[treasury],
    )
    make_post(org.unit_head, finance, title="局长", leadership=Leadership.PRINCIPAL)
    make_post(org.district_deputy, root, title="副区长", leadership=Leadership.DEPUTY, in_charge_of=[finance])
    make_post(org.other_district_deputy, root, title="副区长", leadership=Leadership.DEPUTY, in_charge_of=[civil])
    make_post(org.secretary, root, title="区委书记", leadership=Leadership.PRINCIPAL)
    make_post(org.unrelated, relief)
    make_post(org.civil_head, civil, title="局长", leadership=Leadership.PRINCIPAL)
    make_post(org.inspector, civil)
    make_post(org.scoped_inspector, relief)
    make_post(org.hr, relief)
    make_post(org.admin, relief)
    make_post(org.social_worker, village, title="社工")
    RoleGrant.objects.create(person=org.inspector, role=Role.INSPECTOR, all_units=True, granted_on=LONG_AGO)
    scoped = RoleGrant.objects.create(person=org.scoped_inspector, role=Role.INSPECTOR, granted_on=LONG_AGO)
    scoped.units.set([civil])
    RoleGrant.objects.create(person=org.hr, role=Role.HR, all_units=True, granted_on=LONG_AGO)
    RoleGrant.objects.create(person=org.admin, role=Role.ADMIN, all_units=True, granted_on=LONG_AGO)
    Duty.objects.create(unit=finance, code="CZJ-01", title="部门预算编制和执行")
    Duty.objects.create(unit=civil, code="MZJ-01", title="社会救助")
    return org


def connect_to_nowhere() -> None:
    """Connect as Django does to a database that is not there (PostgreSQL stopped, SQLite's disk gone): raises the
    OperationalError Django raises then, with the driver's error as its cause."""
    params = connection.get_connection_params()
    if connection.vendor == "sqlite":
        params.update(database="file:/nonexistent-jishi-disk/jishi.sqlite3?mode=rw", uri=True)
    else:
        with socket.socket() as sock:  # a port nothing listens on
            sock.bind(("127.0.0.1", 0))
            params.update(host="127.0.0.1", port=sock.getsockname()[1])
    with connection.wrap_database_errors:
        connection.get_new_connection(params)


def terminate_this_connection() -> None:
    """PostgreSQL only: end this thread's database connection from another one, as a server restart does."""
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    keys = {"dbname", "user", "host", "port", "password"}
    with psycopg.connect(**{k: v for k, v in params.items() if k in keys}, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


__all__ = [
    "GOOD_CONTENT",
    "Org",
    "PersonFactory",
    "Visibility",
    "build_org",
    "category",
    "connect_to_nowhere",
    "make_post",
    "make_unit",
    "record_input",
    "terminate_this_connection",
    "write_record",
]
