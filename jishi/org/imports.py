"""Import the organisation from .xlsx or .csv: units, positions, people with their posts, and duties.

Each kind is all or nothing: every row is validated first (against the database and the rest of the file) and
every bad cell is reported; only a file without errors writes, in one transaction. Rows are matched on a natural
key and upserted, so a corrected or extended file can be imported again:

    units      单位代码 (the parent by 上级单位代码; a file may list children before their parents)
    positions  单位代码 + 岗位名称
    people     工号 (which is also the new account's username)
    duties     单位代码 + 职责编码

A column present in the file is the truth for every row (a blank cell means the default: 科员, 非领导职务, no 分管,
not retired …); a column left out of the file keeps the stored values. The same file (by SHA-256) never imports
twice. Writes go through `org.services` where a rule lives there (`unit_save`, `assignment_validate`, `move_person`,
`assignment_save`, `person_set_name`); new people and their first posts are inserted set-based, validated by the
same rules. New people get an unusable password: an administrator gives them one (`jishi changepassword`, or the
one-time link of `jishi password-link`). Concurrent posts are only added, never ended, by an import.

The jobs are run as an import batch by jishi.records.org_imports (the batch and the import page are the records app's).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from secrets import token_hex
from typing import Any, ClassVar

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jishi.core.tables import (
    RowError,
    Sheet,
    parse_date,
    parse_flag,
    split_list,
    text,
)
from jishi.org.calendar import local_today
from jishi.org.models import (
    Assignment,
    AssignmentKind,
    Duty,
    FilingObligation,
    Leadership,
    Person,
    PersonCategory,
    Position,
    Rank,
    Unit,
    UnitKind,
)
from jishi.org.selectors import held_on
from jishi.org.services import (
    assignment_save,
    assignment_validate,
    move_person,
    person_set_name,
    unit_save,
    unit_tree_fields,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
SORT_ORDER_MAX = 2_147_483_647  # a PositiveIntegerField on PostgreSQL

UNITS = Sheet(
    title="单位",
    columns={
        "code": ("单位代码", "代码", "code"),
        "name": ("单位名称", "名称", "name"),
        "kind": ("类型", "kind"),
        "parent_code": ("上级单位代码", "上级代码", "parent_code"),
        "sort_order": ("排序", "sort_order"),
        "valid_from": ("生效日期", "valid_from"),
        "valid_to": ("撤销日期", "valid_to"),
    },
    required=("code", "name", "kind", "parent_code"),
    example={
        "单位代码": "CZJ-S1",
        "单位名称": "预算科",
        "类型": "科室",
        "上级单位代码": "CZJ",
        "排序": "1",
        "生效日期": "2014-01-01",
        "撤销日期": "",
    },
    notes={
        "类型": _("区、委办局、街镇、科室、村居"),
        "上级单位代码": _("只有区可以留空；上级可以写在文件后面，也可以已在系统中"),
        "生效日期": _("YYYY-MM-DD"),
        "撤销日期": _("YYYY-MM-DD"),
    },
)
POSITIONS = Sheet(
    title="岗位",
    columns={
        "unit_code": ("单位代码", "unit_code"),
        "title": ("岗位名称", "岗位", "title"),
        "rank": ("职级", "rank"),
        "leadership": ("领导职务", "leadership"),
        "in_charge_of": ("分管单位代码", "分管单位", "in_charge_of"),
    },
    required=("unit_code", "title"),
    example={
        "单位代码": "CZJ",
        "岗位名称": "副局长（分管预算）",
        "职级": "副处",
        "领导职务": "副职",
        "分管单位代码": "CZJ-S1、CZJ-S2",
    },
    notes={
        "职级": _("区级领导、正处、副处、正科、副科、科员、办事员、无职级；留空为科员"),
        "领导职务": _("正职、副职、非领导职务（留空同）"),
        "分管单位代码": _("只限领导职务；多个用顿号或分号分隔"),
    },
)
PEOPLE = Sheet(
    title="人员",
    columns={
        "employee_number": ("工号", "employee_number"),
        "full_name": ("姓名", "full_name", "name"),
        "category": ("人员类别", "category"),
        "filing_obligation": ("填报义务", "filing_obligation"),
        "is_district_cadre": ("区管干部", "is_district_cadre"),
        "email": ("电子邮箱", "邮箱", "email"),
        "unit_code": ("主职单位代码", "单位代码", "unit_code"),
        "position": ("主职岗位", "岗位名称", "position"),
        "start": ("任职日期", "起始日期", "start"),
        "concurrent": ("兼职岗位", "concurrent_posts"),
    },
    required=("employee_number", "full_name", "unit_code", "position", "start"),
    example={
        "工号": "JD000123",
        "姓名": "张伟",
        "人员类别": "公务员",
        "填报义务": "必须填报",
        "区管干部": "否",
        "电子邮箱": "",
        "主职单位代码": "CZJ-S1",
        "主职岗位": "科员",
        "任职日期": "2014-01-01",
        "兼职岗位": "CZJ-S2/科员",
    },
    notes={
        "工号": _("也是登录用户名：字母、数字和 @ . + - _"),
        "人员类别": _("公务员、参公、事业、社工；留空为公务员"),
        "填报义务": _("必须填报、自愿填报；留空时社工为自愿填报"),
        "区管干部": _("是、否"),
        "主职岗位": _("该单位已有的岗位名称"),
        "任职日期": _("YYYY-MM-DD；与现任主职不同即按调动处理"),
        "兼职岗位": _("单位代码/岗位名称，多个用顿号或分号分隔"),
    },
)
DUTIES = Sheet(
    title="职责",
    columns={
        "unit_code": ("单位代码", "unit_code"),
        "position": ("岗位名称", "岗位", "position"),
        "code": ("职责编码", "编码", "code"),
        "title": ("职责名称", "职责", "title"),
        "description": ("说明", "description"),
        "retired_on": ("停用日期", "retired_on"),
    },
    required=("unit_code", "code", "title"),
    example={
        "单位代码": "CZJ",
        "岗位名称": "",
        "职责编码": "CZJ-01",
        "职责名称": "部门预算编制和执行",
        "说明": "编制区级部门预算，组织预算执行和调整",
        "停用日期": "",
    },
    notes={
        "岗位名称": _("留空即单位职能（三定方案）"),
        "停用日期": _("YYYY-MM-DD；停用后旧记实仍指向该职责"),
    },
)


def _choices(choices: list[tuple[str, Any]], **aliases: str) -> dict[str, str]:
    """Chinese label or stored value → stored value (lower-cased keys), plus aliases; whatever language is active
    when this module is first imported, the files are read in Chinese."""
    with translation.override("zh-hans"):
        found = {str(label).lower(): value for value, label in choices}
    return (
        found
        | {value.lower(): value for value, _ in choices}
        | {alias.lower(): value for alias, value in aliases.items()}
    )


UNIT_KINDS = _choices(UnitKind.choices)
RANKS = _choices(Rank.choices)
LEADERSHIPS = _choices(Leadership.choices, 否="none", 无="none")
CATEGORIES = _choices(PersonCategory.choices)
OBLIGATIONS = _choices(FilingObligation.choices, 必须="required", 自愿="optional", 是="required", 否="optional")


def _labels(choices: list[tuple[str, Any]]) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _, label in choices)


class OrgImport:
    """Validate every row of one kind, keep what to write, then write it. Subclasses: one per kind."""

    kind: ClassVar[str]
    sheet: ClassVar[Sheet]

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.errors: list[RowError] = []
        self.bad_rows: set[int] = set()
        self.created: list[str] = []  # natural keys, for the report and the audit event
        self.updated: list[str] = []
        self.unchanged = 0

    def fail(self, row: dict[str, Any], column: str, message: str) -> None:
        self.errors.append(RowError(row["_row"], self.sheet.label(column), message))
        self.bad_rows.add(row["_row"])

    def ok(self, row: dict[str, Any]) -> bool:
        return row["_row"] not in self.bad_rows

    def required(self, row: dict[str, Any], column: str, limit: int) -> str:
        value = text(row.get(column))
        if not value:
            self.fail(row, column, f"请填写{self.sheet.label(column)}。")
        elif len(value) > limit:
            self.fail(row, column, f"不能超过 {limit} 个字符（现有 {len(value)} 个）。")
        return value

    def optional(self, row: dict[str, Any], column: str, limit: int) -> str:
        value = text(row.get(column))
        if len(value) > limit:
            self.fail(row, column, f"不能超过 {limit} 个字符（现有 {len(value)} 个）。")
        return value

    def choice(
        self, row: dict[str, Any], column: str, choices: dict[str, str], default: str, named: list[tuple[str, Any]]
    ) -> str:
        """A choice by its label or stored value; `named` are the model's choices, listed in the error."""
        value = text(row.get(column))
        if not value:
            return default
        found = choices.get(value.lower())
        if found is None:
            self.fail(row, column, f"“{value}”不是有效的{self.sheet.label(column)}，应为：{_labels(named)}。")
            return default
        return found

    def date(self, row: dict[str, Any], column: str, *, required: bool = False) -> datetime.date | None:
        value = row.get(column)
        if text(value) == "":
            if required:
                self.fail(row, column, f"请填写{self.sheet.label(column)}。")
            return None
        try:
            return parse_date(value)
        except (ValueError, TypeError):
            self.fail(row, column, f"日期“{text(value)}”无法识别，应为 YYYY-MM-DD。")
            return None

    def flag(self, row: dict[str, Any], column: str) -> bool:
        try:
            return parse_flag(row.get(column))
        except ValueError:
            self.fail(row, column, f"{self.sheet.label(column)}应填“是”或“否”。")
            return False

    def first_of_key(self, row: dict[str, Any], column: str, key: Any, seen: dict[Any, int], shown: str) -> bool:
        """False (and a row error) if an earlier row of the file has the same natural key."""
        if key in seen:
            self.fail(row, column, f"{shown}与第 {seen[key]} 行重复。")
            return False
        seen[key] = row["_row"]
        return True

    def validate(self) -> None:
        raise NotImplementedError

    def write(self, actor: Person) -> None:
        raise NotImplementedError


def _chunks(values: list[Any], size: int = 10_000) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _units_by_code() -> dict[str, Unit]:
    """Every unit by code, each holding its parent and 本单位 objects, so walking the tree costs no query."""
    units = list(Unit.objects.all())
    by_id = {u.pk: u for u in units}
    for unit in units:
        unit.parent = by_id.get(unit.parent_id) if unit.parent_id else None
        unit.department = by_id.get(unit.department_id) if unit.department_id else None
    return {u.code: u for u in units}


def _position_index() -> dict[tuple[int, str], list[Position]]:
    index: dict[tuple[int, str], list[Position]] = defaultdict(list)
    for position in Position.objects.order_by("id"):
        index[(position.unit_id, position.title)].append(position)
    return index


class _PositionLookup:
    """A unit's position by title, for rows that name a post (people, duties)."""

    def __init__(self, job: OrgImport, units: dict[str, Unit]) -> None:
        self.job, self.units, self.index = job, units, _position_index()

    def find(
        self,
        row: dict[str, Any],
        unit_column: str,
        title_column: str,
        code: str,
        title: str,
        held: frozenset[int] = frozenset(),
    ) -> Position | None:
        """The position; of several namesakes (one position per seat), the one among `held` (the person's posts)."""
        unit = self.units.get(code)
        if unit is None:
            self.job.fail(row, unit_column, f"单位代码“{code}”不存在（请先导入单位）。")
            return None
        found = self.index.get((unit.pk, title), [])
        if len(found) > 1:
            found = [p for p in found if p.pk in held] or found
        if not found:
            self.job.fail(row, title_column, f"{unit.name}（{code}）没有岗位“{title}”（请先导入岗位）。")
            return None
        if len(found) > 1:
            self.job.fail(
                row, title_column, f"{unit.name}（{code}）有 {len(found)} 个名为“{title}”的岗位，无法确定是哪一个。"
            )
            return None
        return found[0]


class UnitImport(OrgImport):
    """单位: upsert by code; parents by code, in the file or already stored; the tree rules of `unit_tree_fields`."""

    kind = "units"
    sheet = UNITS
    FIELDS = ("name", "kind", "parent_id", "sort_order", "valid_from", "valid_to")

    def validate(self) -> None:
        self.existing = _units_by_code()
        self.fields: dict[str, dict[str, Any]] = {}  # code → the row's values, for the first row of each code
        self.rows_by_code: dict[str, dict[str, Any]] = {}
        self.first_row: dict[str, int] = {}
        for row in self.rows:
            self._read(row)
        depth = self._depths()
        # Parents first, whatever the file's order; every row asks the service's tree rule.
        self.order = sorted((c for c in self.fields if self.ok(self.rows_by_code[c])), key=lambda c: depth[c])
        self.objects: dict[str, Unit] = {}
        for code in self.order:
            self._build(code)

    def _read(self, row: dict[str, Any]) -> None:
        code = self.required(row, "code", 40)
        name = self.required(row, "name", 100)
        kind = text(row.get("kind"))
        if not kind:
            self.fail(row, "kind", "请填写类型。")
        elif kind.lower() not in UNIT_KINDS:
            self.fail(row, "kind", f"“{kind}”不是有效的单位类型，应为：{_labels(UnitKind.choices)}。")
        values: dict[str, Any] = {"name": name, "kind": UNIT_KINDS.get(kind.lower())}
        values["parent_code"] = self.optional(row, "parent_code", 40)
        if "sort_order" in row:
            try:
                values["sort_order"] = int(text(row["sort_order"]) or 0)
                if not 0 <= values["sort_order"] <= SORT_ORDER_MAX:
                    raise ValueError
            except ValueError:
                self.fail(row, "sort_order", f"排序应为 0 到 {SORT_ORDER_MAX} 之间的整数。")
        if "valid_from" in row:
            values["valid_from"] = self.date(row, "valid_from") or Unit._meta.get_field("valid_from").default
        if "valid_to" in row:
            values["valid_to"] = self.date(row, "valid_to")
            if values["valid_to"] and values.get("valid_from") and values["valid_to"] < values["valid_from"]:
                self.fail(row, "valid_to", "撤销日期不能早于生效日期。")
        if code and self.first_of_key(row, "code", code, self.first_row, f"单位代码“{code}”"):
            self.fields[code], self.rows_by_code[code] = values, row

    def _depths(self) -> dict[str, int]:
        """How many units lie above each unit of the file, in the tree the file would make; unknown parents and
        cycles are row errors."""
        fields, rows = self.fields, self.rows_by_code
        parent_of = {u.code: u.parent.code for u in self.existing.values() if u.parent}
        for code, values in fields.items():
            named = values["parent_code"]
            if named == code:
                self.fail(rows[code], "parent_code", "上级单位不能是本单位自己。")
            elif named and named not in fields and named not in self.existing:
                self.fail(rows[code], "parent_code", f"上级单位代码“{named}”不存在（文件和系统中都没有）。")
            if named:
                parent_of[code] = named
            else:
                parent_of.pop(code, None)
        depth: dict[str, int] = {}
        for code in fields:
            chain = [code]
            while chain[-1] in parent_of and parent_of[chain[-1]] not in chain:
                chain.append(parent_of[chain[-1]])
            if chain[-1] in parent_of:  # the walk stopped on a unit already in the chain
                back_to = parent_of[chain[-1]]
                loop = [*chain[chain.index(back_to) :], back_to]
                self.fail(rows[code], "parent_code", f"上级关系成环：{' → '.join(loop)}。")
            depth[code] = len(chain)
        return depth

    def _build(self, code: str) -> None:
        """The unit as it will be saved, checked by `unit_tree_fields`; counted as created, updated or unchanged."""
        row, values = self.rows_by_code[code], self.fields[code]
        parent_code = values["parent_code"]
        parent: Unit | None = None
        if parent_code in self.fields:
            parent = self.objects.get(parent_code)
            if parent is None:
                return  # the parent's own row is bad, and reported
        elif parent_code:
            parent = self.existing[parent_code]
        unit = self.existing.get(code)
        before = {f: getattr(unit, f) for f in self.FIELDS} if unit else None
        if unit is None:
            unit = Unit(code=code)
        unit.name, unit.kind, unit.parent = values["name"], values["kind"], parent
        for optional in ("sort_order", "valid_from", "valid_to"):
            if optional in values:
                setattr(unit, optional, values[optional])
        try:
            unit_tree_fields(unit)
        except ValidationError as exc:
            for message in exc.messages:
                self.fail(row, "parent_code", message)
            return
        if before and before["kind"] != unit.kind and not self._children_still_fit(row, unit, self.fields):
            return
        self.objects[code] = unit
        # A new parent has no id yet, so a move under it shows only as a parent that is not saved.
        if before is None:
            self.created.append(code)
        elif before != {f: getattr(unit, f) for f in self.FIELDS} or (parent is not None and parent.pk is None):
            self.updated.append(code)
        else:
            self.unchanged += 1

    def _children_still_fit(self, row: dict[str, Any], unit: Unit, fields: dict[str, Any]) -> bool:
        """A unit whose kind changes must still be a valid parent for its stored children the file leaves alone."""
        fit = True
        for child in self.existing.values():
            if child.parent_id != unit.pk or child.code in fields:
                continue
            try:
                unit_tree_fields(Unit(kind=child.kind, parent=unit))
            except ValidationError as exc:
                self.fail(row, "kind", f"下级单位{child.name}（{child.code}）将不符合规则：{' '.join(exc.messages)}")
                fit = False
        return fit

    def write(self, actor: Person) -> None:
        changed = set(self.created) | set(self.updated)
        for code in self.order:
            unit = self.objects.get(code)
            if unit is None or code not in changed:
                continue
            if unit.parent is not None and unit.parent.code not in self.objects:
                # A stored parent may have moved with an ancestor earlier in this file: read its path afresh.
                unit.parent = Unit.objects.get(pk=unit.parent.pk)
            unit_save(unit)


class PositionImport(OrgImport):
    """岗位: upsert by unit code + title; rank, leadership and the units a leadership post is in charge of (分管)."""

    kind = "positions"
    sheet = POSITIONS

    def validate(self) -> None:
        units = _units_by_code()
        index = _position_index()
        stored_in_charge: dict[int, set[int]] = defaultdict(set)
        through = Position.in_charge_of.through
        for position_id, unit_id in through.objects.values_list("position_id", "unit_id"):
            stored_in_charge[position_id].add(unit_id)
        seen: dict[tuple[str, str], int] = {}
        self.plan: list[tuple[Position, set[int] | None]] = []
        for row in self.rows:
            code = self.required(row, "unit_code", 40)
            title = self.required(row, "title", 100)
            unit = units.get(code)
            if code and unit is None:
                self.fail(row, "unit_code", f"单位代码“{code}”不存在（请先导入单位）。")
            rank = self.choice(row, "rank", RANKS, Rank.STAFF, Rank.choices)
            leadership = self.choice(row, "leadership", LEADERSHIPS, Leadership.NONE, Leadership.choices)
            in_charge: set[int] | None = None  # None: the file has no 分管 column, keep what is stored
            if "in_charge_of" in row:
                in_charge = set()
                for charge in split_list(row["in_charge_of"]):
                    if charge in units:
                        in_charge.add(units[charge].pk)
                    else:
                        self.fail(row, "in_charge_of", f"分管单位代码“{charge}”不存在。")
            if not (code and title and self.first_of_key(row, "title", (code, title), seen, f"岗位“{code} {title}”")):
                continue
            if unit is None or not self.ok(row):
                continue
            found = index.get((unit.pk, title), [])
            if len(found) > 1:
                self.fail(row, "title", f"{unit.name}已有 {len(found)} 个名为“{title}”的岗位，请先在管理后台改名区分。")
                continue
            position = found[0] if found else Position(unit=unit, title=title)
            before: tuple[str, str, set[int]] | None = None
            if position.pk:
                before = (position.rank, position.leadership, stored_in_charge[position.pk])
            if "rank" in row or before is None:
                position.rank = rank
            if "leadership" in row or before is None:
                position.leadership = leadership
            charges = in_charge if in_charge is not None else (before[2] if before else set())
            if charges and position.leadership == Leadership.NONE:
                self.fail(
                    row, "in_charge_of" if in_charge else "leadership", "只有领导职务（正职、副职）可以分管单位。"
                )
                continue
            if before == (position.rank, position.leadership, charges):
                self.unchanged += 1
                continue
            (self.updated if before else self.created).append(f"{code} {title}")
            self.plan.append((position, in_charge))

    def write(self, actor: Person) -> None:
        new = [p for p, _ in self.plan if p.pk is None]
        changed = [p for p, _ in self.plan if p.pk is not None]
        Position.objects.bulk_create(new, batch_size=1000)
        Position.objects.bulk_update(changed, ["rank", "leadership"], batch_size=1000)
        through = Position.in_charge_of.through
        replaced = [p.pk for p, charge in self.plan if charge is not None]
        for chunk in _chunks(replaced):
            through.objects.filter(position_id__in=chunk).delete()
        through.objects.bulk_create(
            [through(position_id=p.pk, unit_id=u) for p, charge in self.plan for u in sorted(charge or ())],
            batch_size=1000,
        )


class PersonImport(OrgImport):
    """人员: upsert by 工号 (the username of a new account), with the primary post and any concurrent posts."""

    kind = "people"
    sheet = PEOPLE
    FIELDS = ("full_name", "category", "filing_obligation", "is_district_cadre", "email")

    def validate(self) -> None:
        units = _units_by_code()
        positions = _PositionLookup(self, units)
        numbers = [text(r.get("employee_number")) for r in self.rows]
        people: dict[str | None, Person] = {}
        taken: dict[str, str | None] = {}
        posts: dict[int, list[Assignment]] = defaultdict(list)
        for chunk in _chunks(numbers):  # SQLite takes at most 32,766 parameters in a statement
            people.update((p.employee_number, p) for p in Person.objects.filter(employee_number__in=chunk))
            taken.update(Person.objects.filter(username__in=chunk).values_list("username", "employee_number"))
        for chunk in _chunks([p.pk for p in people.values()]):
            for a in Assignment.objects.filter(person_id__in=chunk).select_related("position__unit"):
                posts[a.person_id].append(a)
        username_field = Person._meta.get_field("username")
        today = local_today()
        seen: dict[str, int] = {}
        self.new_people: list[tuple[Person, list[Assignment]]] = []
        self.changed_people: list[Person] = []
        self.moves: list[tuple[Person, Position, datetime.date]] = []
        self.added_posts: list[Assignment] = []
        for row in self.rows:
            number = self.required(row, "employee_number", 30)
            full_name = self.required(row, "full_name", 50)
            if number:
                try:
                    username_field.run_validators(number)
                except ValidationError:
                    self.fail(row, "employee_number", "工号只能包含字母、数字和 @ . + - _（它也是登录用户名）。")
            values: dict[str, Any] = {"full_name": full_name}
            if "category" in row:
                values["category"] = self.choice(
                    row, "category", CATEGORIES, PersonCategory.CIVIL_SERVANT, PersonCategory.choices
                )
            if "filing_obligation" in row:
                category = values.get("category", PersonCategory.CIVIL_SERVANT)
                default = (
                    FilingObligation.OPTIONAL if category == PersonCategory.SOCIAL_WORKER else FilingObligation.REQUIRED
                )
                values["filing_obligation"] = self.choice(
                    row, "filing_obligation", OBLIGATIONS, default, FilingObligation.choices
                )
            if "is_district_cadre" in row:
                values["is_district_cadre"] = self.flag(row, "is_district_cadre")
            if "email" in row:
                values["email"] = self.optional(row, "email", 254)
                try:
                    if values["email"]:
                        validate_email(values["email"])
                except ValidationError:
                    self.fail(row, "email", f"电子邮箱“{values['email']}”格式不对。")
            start = self.date(row, "start", required=True)
            person = people.get(number) if number else None
            held = (
                frozenset(a.position_id for a in posts[person.pk] if not a.end or a.end >= today)
                if person
                else frozenset()
            )
            code, title = self.required(row, "unit_code", 40), self.required(row, "position", 100)
            primary = positions.find(row, "unit_code", "position", code, title, held) if code and title else None
            concurrent: list[Position] = []
            for item in split_list(row.get("concurrent")):
                item_code, _, item_title = item.replace("：", ":").replace(":", "/").partition("/")
                if not item_title.strip():
                    self.fail(row, "concurrent", f"兼职岗位“{item}”应写成“单位代码/岗位名称”。")
                    continue
                found = positions.find(row, "concurrent", "concurrent", item_code.strip(), item_title.strip(), held)
                if found and found == primary:
                    self.fail(row, "concurrent", f"兼职岗位“{item}”与主职相同。")
                elif found and found in concurrent:
                    self.fail(row, "concurrent", f"兼职岗位“{item}”重复。")
                elif found:
                    concurrent.append(found)
            if not number or not self.first_of_key(row, "employee_number", number, seen, f"工号“{number}”"):
                continue
            if person is None and number in taken:
                self.fail(
                    row, "employee_number", f"用户名“{number}”已被另一个账户（工号 {taken[number] or '无'}）使用。"
                )
            if not self.ok(row) or primary is None or start is None:
                continue
            if person is None:
                self._plan_new(number, values, primary, concurrent, start)
            else:
                self._plan_existing(row, person, values, posts[person.pk], primary, concurrent, start)

    def _plan_new(
        self, number: str, values: dict[str, Any], primary: Position, concurrent: list[Position], start: datetime.date
    ) -> None:
        # What make_password(None) gives, without its 40 secrets.choice calls per account.
        person = Person(username=number, employee_number=number, password=UNUSABLE_PASSWORD_PREFIX + token_hex(20))
        person_set_name(person, values.pop("full_name"))
        for name, value in values.items():
            setattr(person, name, value)
        if "filing_obligation" not in values and person.category == PersonCategory.SOCIAL_WORKER:
            person.filing_obligation = FilingObligation.OPTIONAL
        held = [Assignment(person=person, position=primary, kind=AssignmentKind.PRIMARY, start=start)]
        held += [Assignment(person=person, position=p, kind=AssignmentKind.CONCURRENT, start=start) for p in concurrent]
        self.new_people.append((person, held))
        self.created.append(number)

    def _plan_existing(
        self,
        row: dict[str, Any],
        person: Person,
        values: dict[str, Any],
        held: list[Assignment],
        primary: Position,
        concurrent: list[Position],
        start: datetime.date,
    ) -> None:
        before = {f: getattr(person, f) for f in self.FIELDS}
        if values["full_name"] != person.full_name:
            person_set_name(person, values["full_name"])
        for name, value in values.items():
            if name != "full_name":
                setattr(person, name, value)
        changed = before != {f: getattr(person, f) for f in self.FIELDS}
        current = [a for a in held if a.end is None or a.end >= start]
        if not any(a.position_id == primary.pk and a.kind == AssignmentKind.PRIMARY for a in current):
            # A transfer, as `move_person` makes it: the primary post held on the start date ends the day before.
            ending = next((a for a in held_on(held, start) if a.kind == AssignmentKind.PRIMARY), None)
            if ending and ending.start >= start:
                self.fail(row, "start", f"调动日期必须晚于现任主职（{ending.position}，{ending.start} 起）的起始日期。")
                return
            others = [a for a in held if a is not ending]
            if ending:
                the_day_before = start - datetime.timedelta(days=1)
                others.append(
                    Assignment(kind=ending.kind, position=ending.position, start=ending.start, end=the_day_before)
                )
            try:
                assignment_validate(
                    Assignment(person=person, position=primary, kind=AssignmentKind.PRIMARY, start=start), held=others
                )
            except ValidationError as exc:
                self.fail(row, "start", " ".join(exc.messages))
                return
            self.moves.append((person, primary, start))
            changed = True
        for position in concurrent:
            if not any(a.position_id == position.pk for a in current):
                self.added_posts.append(
                    Assignment(person=person, position=position, kind=AssignmentKind.CONCURRENT, start=start)
                )
                changed = True
        if before != {f: getattr(person, f) for f in self.FIELDS}:
            self.changed_people.append(person)
        if changed:
            self.updated.append(person.employee_number or "")
        else:
            self.unchanged += 1

    def write(self, actor: Person) -> None:
        Person.objects.bulk_create([p for p, _ in self.new_people], batch_size=1000)
        # New accounts have no other post: their posts pass `assignment_validate` trivially and go in set-based.
        Assignment.objects.bulk_create([a for _, held in self.new_people for a in held], batch_size=1000)
        Person.objects.bulk_update(self.changed_people, ["name_pinyin", "name_initials", *self.FIELDS], batch_size=1000)
        for person, position, start in self.moves:
            move_person(actor=actor, person=person, position_id=position.pk, on=start)
        for assignment in self.added_posts:
            assignment_save(actor=actor, assignment=assignment)


class DutyImport(OrgImport):
    """职责: upsert by unit code + duty code; a duty of the unit (三定方案) or of one of its positions."""

    kind = "duties"
    sheet = DUTIES
    FIELDS = ("position_id", "title", "description", "retired_on")

    def validate(self) -> None:
        units = _units_by_code()
        positions = _PositionLookup(self, units)
        stored = {(d.unit_id, d.code): d for d in Duty.objects.all()}
        seen: dict[tuple[str, str], int] = {}
        self.plan: list[Duty] = []
        for row in self.rows:
            unit_code = self.required(row, "unit_code", 40)
            code = self.required(row, "code", 40)
            title = self.required(row, "title", 200)
            description = self.optional(row, "description", 5000)
            retired_on = self.date(row, "retired_on") if "retired_on" in row else None
            unit = units.get(unit_code)
            position = None
            position_title = self.optional(row, "position", 100)
            if unit_code and unit is None:
                self.fail(row, "unit_code", f"单位代码“{unit_code}”不存在（请先导入单位）。")
            elif unit and position_title:
                position = positions.find(row, "unit_code", "position", unit_code, position_title)
            if not (unit_code and code) or not self.first_of_key(
                row, "code", (unit_code, code), seen, f"职责“{unit_code} {code}”"
            ):
                continue
            if unit is None or not self.ok(row):
                continue
            duty = stored.get((unit.pk, code))
            before = {f: getattr(duty, f) for f in self.FIELDS} if duty else None
            if duty is None:
                duty = Duty(unit=unit, code=code)
            duty.title = title
            if "position" in row:
                duty.position = position
            if "description" in row:
                duty.description = description
            if "retired_on" in row:
                duty.retired_on = retired_on
            if before is None:
                self.created.append(f"{unit_code} {code}")
            elif before == {f: getattr(duty, f) for f in self.FIELDS}:
                self.unchanged += 1
                continue
            else:
                self.updated.append(f"{unit_code} {code}")
            self.plan.append(duty)

    def write(self, actor: Person) -> None:
        new = [d for d in self.plan if d.pk is None]
        changed = [d for d in self.plan if d.pk is not None]
        Duty.objects.bulk_create(new, batch_size=1000)
        Duty.objects.bulk_update(changed, list(self.FIELDS), batch_size=1000)
