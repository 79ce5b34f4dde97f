"""The order of units: the tree depth first, siblings by 排序 then name — never by the digits of an unpadded id."""

from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from jishi.org.models import Unit, UnitKind, path_unit_ids
from jishi.org.selectors import subtree_ids, unit_family
from jishi.org.services import unit_save
from jishi.records.org_imports import import_units
from jishi.testing import Org, make_unit

# (code, name, 排序): the file lists them out of order; 排序 ties are broken by name.
DEPARTMENTS = [
    ("D01", "区教育局", "30"),
    ("D02", "区卫健委", "5"),
    ("D03", "区商务委", "12"),
    ("D04", "区司法局", "2"),
    ("D05", "区科委", "12"),
    ("D06", "区农委", "40"),
    ("D07", "区审计局", "7"),
    ("D08", "区统计局", "1"),
    ("D09", "区体育局", "25"),
    ("D10", "区文旅局", "9"),
    ("D11", "区应急局", "3"),
    ("D12", "区房管局", "11"),
]


def _import(org: Org) -> None:
    rows = [["单位代码", "单位名称", "类型", "上级单位代码", "排序"]]
    rows += [[code, name, "委办局", "JD", order] for code, name, order in DEPARTMENTS]
    rows += [["D01-1", "办公室", "科室", "D01", "1"], ["D02-1", "医政科", "科室", "D02", ""]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    report = import_units(actor=org.admin, data=buffer.getvalue().encode(), filename="units.csv")
    assert report.ok, report.errors


def _expected_departments(org: Org) -> list[str]:
    """The imported departments and the two of the test organisation (排序 0), in the order people expect."""
    rows = [(int(order), name) for _, name, order in DEPARTMENTS]
    rows += [(0, org.finance.name), (0, org.civil.name)]
    return [name for _, name in sorted(rows)]


def test_imported_units_are_listed_by_sort_order_then_name(org: Org) -> None:
    _import(org)
    assert max(Unit.objects.values_list("pk", flat=True)) >= 20  # ids with two digits, where "/1/10/" < "/1/2/"
    expected = _expected_departments(org)
    departments = Unit.objects.filter(parent=org.root, kind=UnitKind.DEPARTMENT)
    assert [u.name for u in departments] == expected

    # The API, as a client migrating data reads it back.
    from jishi.accounts.services import token_create

    _, secret = token_create(person=org.author, name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = api.get("/api/v1/units", {"parent": org.root.pk, "kind": "department"}).json()
    assert [u["name"] for u in listed] == expected

    # The root's page lists its sub-units in the same order.
    browser = Client()
    browser.force_login(org.author)
    page = browser.get(f"/units/{org.root.pk}/").content.decode()
    positions = [page.find(name) for name in expected]
    assert -1 not in positions and positions == sorted(positions)


def test_the_whole_tree_is_depth_first_with_sections_under_their_department(org: Org) -> None:
    _import(org)
    names = [u.name for u in Unit.objects.all()]
    assert names[0] == org.root.name
    education = names.index("区教育局")
    assert names[education + 1] == "办公室"  # its section directly below it, whatever the ids
    health = names.index("区卫健委")
    assert names[health + 1] == "医政科"
    assert names.index("区统计局") < names.index("区司法局") < names.index("区应急局") < health


def test_a_new_sort_order_moves_the_unit_and_its_subtree(org: Org) -> None:
    for i in range(12):  # ids above ten
        make_unit(f"测试单位{i:02d}", UnitKind.DEPARTMENT, org.root, code=f"T{i}")
    org.finance.sort_order = 99
    unit_save(org.finance)
    departments = list(Unit.objects.filter(parent=org.root))
    assert departments[-1] == org.finance
    budget = Unit.objects.get(pk=org.budget.pk)
    assert budget.path.startswith(Unit.objects.get(pk=org.finance.pk).path)
    assert set(subtree_ids(org.finance.pk)) == {org.finance.pk, org.budget.pk, org.treasury.pk}
    family = unit_family(org.budget.pk)
    assert family is not None and [u.pk for u in family.ancestors] == [org.root.pk, org.finance.pk]
    assert path_unit_ids(budget.path) == [org.root.pk, org.finance.pk, org.budget.pk]


def test_paths_hold_only_digits_and_slashes(org: Org) -> None:
    """Digits compare alike in every collation (C, glibc, ICU), so PostgreSQL orders as SQLite and Python do."""
    make_unit("Ω/奇怪的·名字", UnitKind.DEPARTMENT, org.root, code="X")
    paths = list(Unit.objects.values_list("path", flat=True))
    assert all(re.fullmatch(r"(/\d{60})+/", p) for p in paths)
    assert list(Unit.objects.order_by("path").values_list("path", flat=True)) == sorted(paths)


def test_the_migration_writes_the_paths_unit_save_writes(org: Org) -> None:
    from importlib import import_module

    migration = import_module("jishi.org.migrations.0002_unit_path_sort_order")
    for i in range(11):
        make_unit(f"测试单位{i:02d}", UnitKind.DEPARTMENT, org.root, code=f"T{i}")
    saved = dict(Unit.objects.values_list("pk", "path"))
    editor = SimpleNamespace(connection=connection)
    migration.rewrite(migration.old_segment)(apps, editor)
    old = dict(Unit.objects.values_list("pk", "path"))
    assert old[org.budget.pk] == f"/{org.root.pk}/{org.finance.pk}/{org.budget.pk}/"
    migration.rewrite(migration.segment)(apps, editor)
    assert dict(Unit.objects.values_list("pk", "path")) == saved


def test_a_tree_deeper_than_a_path_holds_is_refused_with_a_reason(org: Org) -> None:
    parent = org.budget  # the third level
    for depth in range(4, 14):
        parent = make_unit(f"第{depth}层", UnitKind.SECTION, parent, code=f"L{depth}")
    with pytest.raises(ValidationError) as refused:
        make_unit("第14层", UnitKind.SECTION, parent, code="L14")
    assert "最多 13 层" in refused.value.message_dict["parent"][0]
    assert not Unit.objects.filter(code="L14").exists()
