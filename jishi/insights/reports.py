"""Decision reports (决策报告): staffing (人员编制), post setting (职位设置), resources and budget (资源配置与预算) and
collaboration (协同) — figures from the analytics store for the units a reader's scope covers.

Each report is built once as a `Report`: a few `Table`s of `Cell`s, every number already rounded as shown. The page,
the Excel export and the print view all render that one object, so the spreadsheet holds exactly the page's numbers.
A cell about fewer than JISHI_MIN_GROUP_SIZE people is `withheld` (shown as "少于 N 人，不显示", never the number),
and a figure links to the records behind it (the `insights:records` drill-down, which lists them through
`visible_to`). Who may see what is `rules.group_scope`; nothing here decides visibility.

No figure here is a score of logins, views, likes or raw record counts: workload is hours per head per working day,
shares are of hours, collaboration counts ties between units.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import io
import statistics
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jishi.core.tables import xlsx_row
from jishi.insights import engine, figures, periods, rules, store
from jishi.insights.models import CostRate
from jishi.org.calendar import working_days
from jishi.org.models import Rank

# A figure behind fewer people or working days than this is stated with "样本少，仅供参考".
SMALL_SAMPLE_PEOPLE = 10
SMALL_SAMPLE_DAYS = 10
# Periods longer than this are refused (a report reads every month's partitions in it).
MAX_PERIOD_DAYS = 3 * 366

# Default cost per hour by rank (元/小时), used for a rank without a configured CostRate and said so on the page.
# Rough full cost of an hour (pay, social insurance and office overhead over ~2,000 working hours a year) in a
# Shanghai district, 2025: a planning figure to compare units and duties with, not an accounting one.
DEFAULT_RATES: dict[str, Decimal] = {
    Rank.DISTRICT: Decimal("320"),
    Rank.DIVISION_PRINCIPAL: Decimal("220"),
    Rank.DIVISION_DEPUTY: Decimal("190"),
    Rank.SECTION_PRINCIPAL: Decimal("160"),
    Rank.SECTION_DEPUTY: Decimal("140"),
    Rank.STAFF: Decimal("120"),
    Rank.CLERK: Decimal("100"),
    Rank.NONE: Decimal("80"),
}

# Collaboration: a unit is a silo when its ties per head are at most this share of its peers' median (or it has none);
# the same share as the silo finding's default (findings' silo_ratio).
SILO_SHARE = 0.35
COMMUNITY_SEED = 15  # Louvain is randomised: a fixed seed names the same communities on every visit
GRAPH_TIES = 3  # the chart draws each unit's strongest ties
TIES_ON_PAGE = 100  # the page lists the strongest ties; the Excel export lists them all

PEER_GROUPS = {"bureau": gettext_lazy("委办局"), "town": gettext_lazy("街镇"), "section": gettext_lazy("科室")}
DEPARTMENT_PEERS = ("bureau", "town")


class ReportError(ValueError):
    """A request the report cannot answer (bad dates, a unit that is not a number): the message is for the reader."""


# ---- the shape every report has ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure or label; `withheld` when the group behind it is too small to show."""

    value: Any = None
    href: str = ""
    withheld: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.value, Promise):  # a lazily translated label: text in the reader's language, now
            object.__setattr__(self, "value", str(self.value))


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass
class Table:
    """A table of the report, as the page, the print view and the Excel sheet show it."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    empty: str = ""
    page_limit: int | None = None  # the page shows this many rows (the export all), and says so

    @property
    def page_rows(self) -> list[list[Cell]]:
        return self.rows[: self.page_limit] if self.page_limit else self.rows

    @property
    def page_lines(self) -> list[list[tuple[Cell, Column]]]:
        """The page's rows with each cell's column (the template aligns numbers by it)."""
        return [list(zip(row, self.columns, strict=False)) for row in self.page_rows]

    @property
    def cut(self) -> int:
        return len(self.rows) - len(self.page_rows)


@dataclass
class Report:
    kind: str
    title: str
    start: datetime.date
    end: datetime.date
    as_of: datetime.datetime | None
    unit_name: str
    notes: list[str]
    tables: list[Table]
    graph: dict[str, Any] | None = None  # collaboration: nodes and links for the chart (the table says the same)
    min_group: int = 0

    @property
    def withheld_text(self) -> str:
        return withheld_text()


def withheld_text() -> str:
    return _("少于 %(n)s 人，不显示") % {"n": rules.min_group()}


# ---- the request: period, scope, unit ---------------------------------------------------------------------------


@dataclass
class Query:
    """What a report is asked for: the period, the reader's scope, and the units it is narrowed to."""

    user: Any
    scope: rules.GroupScope
    start: datetime.date
    end: datetime.date
    unit_id: int | None = None
    units: dict[int, dict[str, Any]] = field(default_factory=dict)  # the units dimension, by id
    subtree: frozenset[int] | None = None  # the unit filter's subtree; None: the whole scope

    def shows(self, unit_id: int | None) -> bool:
        """Whether rows about this unit belong in the report."""
        if unit_id is None or not self.scope.covers(unit_id):
            return False
        return self.subtree is None or unit_id in self.subtree

    @cached_property
    def working_days(self) -> int:
        return len(working_days(self.start, self.end))

    @cached_property
    def _records_url(self) -> str:
        try:
            base = reverse("insights:records")
        except NoReverseMatch:  # the drill-down is the dashboards' view; without it a figure is plain text
            return ""
        return f"{base}?start={self.start.isoformat()}&end={self.end.isoformat()}"

    def link(self, **filters: int | None) -> str:
        """The drill-down to the records behind a figure (listed there as the reader may see them)."""
        base = self._records_url
        given = "&".join(f"{name}={int(value)}" for name, value in filters.items() if value is not None)
        return f"{base}&{given}" if base and given else base

    def name(self, unit_id: int | None) -> str:
        return unit_label(self.units, unit_id)


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last four complete weeks ending yesterday."""
    period = periods.default_period(today)
    return period.start, period.end


def parse_period(query: QueryDict, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """`start` and `end` (YYYY-MM-DD, inclusive; `date_from`/`date_to` work too): insights.periods' rules, with up
    to three years; bad values raise ReportError."""
    try:
        period = periods.parse_period(query, today=today, max_days=MAX_PERIOD_DAYS)
    except periods.PeriodError as exc:
        raise ReportError(str(exc)) from None
    return period.start, period.end


def unit_label(units: dict[int, dict[str, Any]], unit_id: int | None) -> str:
    """A unit's name, with its 本单位's in front for a section or village (many units have a 综合科)."""
    unit = units.get(unit_id) if unit_id is not None else None
    if unit is None:
        return _("（已撤销的单位）")
    department = units.get(unit["department_id"]) if unit["department_id"] not in (None, unit["id"]) else None
    if department is None and unit["peer_group"] == "village":
        department = units.get(unit["parent_id"])
    return f"{department['name']} · {unit['name']}" if department else str(unit["name"])


def units_dimension() -> dict[int, dict[str, Any]]:
    return {
        row["id"]: row
        for row in engine.query("SELECT id, name, kind, parent_id, department_id, tier, path, peer_group FROM units")
    }


def build_query(user: Any, params: QueryDict) -> Query:
    """The report's query for this reader: Http404 without a scope or for a unit outside it; ReportError for bad
    values."""
    scope = rules.group_scope(user)
    if not scope:
        raise Http404
    start, end = parse_period(params)
    raw_unit = (params.get("unit") or "").strip()
    units = units_dimension()
    if not raw_unit:
        return Query(user=user, scope=scope, start=start, end=end, units=units)
    if not (raw_unit.isascii() and raw_unit.isdigit()):  # "²" is a digit to isdigit, not to int
        raise ReportError(_("单位“%(value)s”无法识别，请从列表中选择。") % {"value": raw_unit[:20]})
    unit_id = int(raw_unit)
    if unit_id not in units or not scope.covers(unit_id):
        raise Http404  # a unit outside the scope and a unit that does not exist look the same
    path = units[unit_id]["path"]
    subtree = frozenset(pk for pk, unit in units.items() if unit["path"].startswith(path))
    return Query(user=user, scope=scope, start=start, end=end, unit_id=unit_id, units=units, subtree=subtree)


def _period_params(q: Query) -> dict[str, Any]:
    """The period as query parameters; the months too, so that DuckDB reads only their partitions."""
    return {"start": q.start, "end": q.end, "m_from": f"{q.start:%Y-%m}", "m_to": f"{q.end:%Y-%m}"}


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _spread(values: list[float]) -> tuple[float, float, float] | None:
    """(lower quartile, median, upper quartile) of the values, or None for none."""
    if not values:
        return None
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def _position(value: float, ordered: list[float]) -> str:
    """ "第 k / n 位" counted from the highest, among the values in ascending order."""
    return _("第 %(k)s / %(n)s 位") % {"k": 1 + len(ordered) - bisect.bisect_right(ordered, value), "n": len(ordered)}


# "明显" (far) needs both: beyond 1.5 interquartile ranges (Tukey's fences) and this far from the median (a share of
# it), so that a tight spread does not call a unit 15 % above its peers far off.
FAR_FROM_MEDIAN = 0.2


def _is_far(value: float, q1: float, median: float, q3: float) -> bool:
    iqr = q3 - q1
    outside = value > q3 + 1.5 * iqr or value < q1 - 1.5 * iqr
    return outside and abs(value - median) >= FAR_FROM_MEDIAN * abs(median)


def _band(value: float, q1: float, median: float, q3: float) -> str:
    if _is_far(value, q1, median, q3):
        return _("明显偏高") if value > median else _("明显偏低")
    if value > q3:
        return _("偏高（高于上四分位）")
    if value < q1:
        return _("偏低（低于下四分位）")
    return _("居中")


def _certainty(people: int, days: int) -> str:
    statement = _("%(people)s 人、%(days)s 个工作日") % {"people": people, "days": days}
    if people < SMALL_SAMPLE_PEOPLE or days < SMALL_SAMPLE_DAYS:
        statement += _("，样本少，仅供参考")
    return statement


HIDDEN = Cell(withheld=True)


# ---- staffing (人员编制) ------------------------------------------------------------------------------------------


@dataclass
class Load:
    """Workload of one group over the period (hours, filers and per head as figures.workload_per_head gives them)."""

    people: int = 0  # filers: people with at least one owed day in the group
    days: int = 0  # working days of the period
    exact_per_head: float | None = None
    minutes: int = 0
    evening_minutes: int = 0
    weekend_minutes: int = 0

    @property
    def per_head(self) -> float | None:
        return round(self.exact_per_head, 2) if self.exact_per_head is not None else None


def workload(q: Query) -> dict[tuple[str, int], Load]:
    """Hours per filer per working day for every department-level unit ("department", id) and unit ("unit", id),
    from figures.workload_per_head (the one definition); the evening and weekend minutes beside it."""
    loads: dict[tuple[str, int], Load] = defaultdict(Load)
    for level, column in figures.LEVELS.items():
        for row in figures.workload_per_head(start=q.start, end=q.end, level=level):
            load = loads[(level, row["unit_id"])]
            load.people, load.days, load.exact_per_head = int(row["filers"]), int(row["working_days"]), row["per_head"]
        for row in engine.query(
            f"SELECT {column} AS gid, sum(minutes) AS minutes, sum(evening_minutes) AS evening, "
            "coalesce(sum(minutes) FILTER (WHERE NOT working_day), 0) AS weekend FROM records "
            "WHERE date BETWEEN $start AND $end AND month BETWEEN $m_from AND $m_to GROUP BY 1",
            _period_params(q),
        ):
            load = loads[(level, row["gid"])]
            load.minutes, load.evening_minutes, load.weekend_minutes = (
                int(row["minutes"] or 0),
                int(row["evening"] or 0),
                int(row["weekend"] or 0),
            )
    return loads


def _withheld_ranks(found: dict[str, dict[str, Any]]) -> tuple[set[str], bool]:
    """The ranks of a category's row to withhold: those of fewer people than the minimum and — when those together
    are still too few — the smallest shown ones too, so the row's total minus the ranks shown never gives a small
    group's hours (one 局长's time by category). Also whether the withheld ones together are people enough (else
    the total is withheld as well)."""
    withheld = {rank for rank, row in found.items() if not rules.big_enough(row["people"])}
    hidden = sum(found[rank]["people"] for rank in withheld)
    if not withheld:
        return withheld, True
    for rank in sorted((r for r in found if r not in withheld), key=lambda r: (found[r]["people"], r)):
        if rules.big_enough(hidden):
            break
        withheld.add(rank)
        hidden += found[rank]["people"]
    return withheld, rules.big_enough(hidden)


def covered_sections(sections: dict[int, list[int]], loads: dict[tuple[str, int], Load]) -> set[int]:
    """Secondary suppression, as the dashboards do it (dashboards._cover): a department's row counts everyone in it,
    its sections' rows count theirs, so the department's hours minus its shown sections' are the hours of the rest —
    its own leaders (本级) and its hidden sections. Where the rest are fewer people than the minimum group, withhold
    the smallest shown sections too, until the rest are people enough. `sections`: department id -> section ids."""
    withheld: set[int] = set()
    for department, members in sections.items():
        whole = loads.get(("department", department))
        if whole is None:
            continue
        shown = [pk for pk in members if rules.big_enough(loads.get(("unit", pk), Load()).people)]
        rest = whole.people - sum(loads[("unit", pk)].people for pk in shown)
        if rest <= 0:
            continue  # everyone is in a shown section: the difference is no one's
        for pk in sorted(shown, key=lambda pk: (loads[("unit", pk)].people, pk)):
            if rules.big_enough(rest):
                break
            withheld.add(pk)
            rest += loads[("unit", pk)].people
    return withheld


def staffing(q: Query) -> Report:
    loads = workload(q)
    sections: dict[int, list[int]] = defaultdict(list)
    for unit in q.units.values():
        if unit["peer_group"] == "section" and unit["department_id"] is not None:
            sections[unit["department_id"]].append(unit["id"])
    withheld = covered_sections(sections, loads)
    columns = [
        Column(_("单位")),
        Column(_("人数"), numeric=True),
        Column(_("工作日"), numeric=True),
        Column(_("人均每日工时"), numeric=True),
        Column(_("同类中位数"), numeric=True),
        Column(_("下四分位"), numeric=True),
        Column(_("上四分位"), numeric=True),
        Column(_("较中位数（%）"), numeric=True),
        Column(_("同类位次"), numeric=True),
        Column(_("判断")),
        Column(_("晚间占比（%）"), numeric=True),
        Column(_("周末占比（%）"), numeric=True),
        Column(_("可靠程度")),
    ]
    tables: list[Table] = []
    attention: list[list[Cell]] = []
    far: set[int] = set()  # the rows (by identity) of units far from their peers
    for peer_group, label in PEER_GROUPS.items():
        level = "unit" if peer_group == "section" else "department"
        members = sorted(
            (unit for unit in q.units.values() if unit["peer_group"] == peer_group), key=lambda u: u["path"]
        )
        shown_loads = {u["id"]: loads.get((level, u["id"])) or Load(days=q.working_days) for u in members}
        values = sorted(
            load.per_head
            for load in shown_loads.values()
            if rules.big_enough(load.people) and load.per_head is not None
        )
        spread = _spread(values)
        rows = []
        for unit in members:
            if not q.shows(unit["id"]):
                continue
            load = shown_loads[unit["id"]]
            if not load.people and not load.minutes:
                continue  # no one owes records there (a unit without staff): nothing to compare
            name = Cell(q.name(unit["id"]))
            if not rules.big_enough(load.people) or unit["id"] in withheld:
                rows.append([name] + [HIDDEN] * (len(columns) - 1))
                continue
            value = load.per_head or 0.0
            q1, median, q3 = spread or (value, value, value)
            row = [
                name,
                Cell(load.people),
                Cell(load.days),
                Cell(value, href=q.link(unit=unit["id"])),
                Cell(round(median, 2)),
                Cell(round(q1, 2)),
                Cell(round(q3, 2)),
                Cell(round(100 * (value / median - 1), 1) if median else None),
                Cell(_position(value, values)),
                Cell(_band(value, q1, median, q3)),
                Cell(_pct(load.evening_minutes, load.minutes)),
                Cell(_pct(load.weekend_minutes, load.minutes)),
                Cell(_certainty(load.people, load.days)),
            ]
            rows.append(row)
            if _is_far(value, q1, median, q3):
                far.add(id(row))
        if not rows:
            continue
        attention += [[row[0], Cell(label), *row[3:5], row[7], row[9], row[12]] for row in rows if id(row) in far]
        note = (
            _("同类共 %(n)s 个单位可比：中位数 %(median)s 小时，四分位距 %(q1)s–%(q3)s 小时。")
            % {"n": len(values), "median": round(spread[1], 2), "q1": round(spread[0], 2), "q3": round(spread[2], 2)}
            if spread
            else _("同类单位都少于 %(n)s 人，没有可比的数字。") % {"n": rules.min_group()}
        )
        tables.append(
            Table(
                key=peer_group,
                title=_("%(kind)s：人均每日工时") % {"kind": label},
                columns=columns,
                rows=rows,
                note=note,
            )
        )
    tables.insert(
        0,
        Table(
            key="attention",
            title=_("需要关注的单位"),
            columns=[
                Column(_("单位")),
                Column(_("同类")),
                Column(_("人均每日工时"), numeric=True),
                Column(_("同类中位数"), numeric=True),
                Column(_("较中位数（%）"), numeric=True),
                Column(_("判断")),
                Column(_("可靠程度")),
            ],
            rows=sorted(attention, key=lambda row: -abs(row[4].value or 0)),
            note=_("人均每日工时明显高于同类（人手可能偏紧）或明显低于同类（人员可能偏多，或工作未如实记录）的单位。"),
            empty=_("没有明显偏离同类的单位。"),
        ),
    )
    notes = [
        _(
            "人均每日工时 = 期间内记实的小时数 ÷ 应记实人数（期间内至少有一个应记实日的人）÷ 工作日数；"
            "只与同类单位（委办局、街镇、科室各自）比较。"
        ),
        _(
            "“明显偏高/偏低”指超出四分位距 1.5 倍以外、且与中位数相差 20% 以上；"
            "晚间指 8 点前、18 点后，周末占比指非工作日的工时占比。"
        ),
    ]
    return _report(q, "staffing", notes, tables)


# ---- post setting (职位设置) --------------------------------------------------------------------------------------


def posts(q: Query) -> Report:
    params = _period_params(q)
    people = {
        row["gid"]: row["people"]
        for row in engine.query(
            "SELECT department_id AS gid, count(DISTINCT person_id) AS people FROM owed "
            "WHERE date BETWEEN $start AND $end AND month BETWEEN $m_from AND $m_to GROUP BY 1",
            params,
        )
    }
    tables = []

    # Duties without work: in force during the period, and no record of the period under them.
    idle = engine.query(
        "SELECT d.id, d.unit_id, d.department_id, d.position_id, d.code, d.title FROM duties d "
        "JOIN units u ON u.id = d.unit_id "
        "WHERE (d.retired_on IS NULL OR d.retired_on > $end) AND (u.valid_to IS NULL OR u.valid_to > $end) "
        "AND NOT EXISTS (SELECT 1 FROM records r WHERE r.duty_id = d.id AND r.date BETWEEN $start AND $end "
        "AND r.month BETWEEN $m_from AND $m_to) "
        "ORDER BY d.department_id, d.unit_id, d.code",
        params,
    )
    positions = {row["id"]: row for row in engine.query("SELECT id, unit_id, title FROM positions")}
    rows, small_units = [], set()
    for duty in idle:
        department = duty["department_id"] if duty["department_id"] is not None else duty["unit_id"]
        if not q.shows(duty["unit_id"]):
            continue
        if not rules.big_enough(people.get(department, 0)):
            small_units.add(department)
            continue
        post = positions.get(duty["position_id"]) if duty["position_id"] else None
        rows.append(
            [
                Cell(q.name(duty["unit_id"])),
                Cell(duty["code"]),
                Cell(duty["title"], href=q.link(unit=duty["unit_id"], duty=duty["id"])),
                Cell(post["title"] if post else _("单位职能")),
            ]
        )
    note = _("整个期间都有效、却没有任何记实对应的职责。期间较短时，季节性工作可能尚未开展。")
    if small_units:
        note += " " + _("%(k)s 个单位少于 %(n)s 人，不列出。") % {"k": len(small_units), "n": rules.min_group()}
    tables.append(
        Table(
            key="idle",
            title=_("没有工作的职责"),
            columns=[Column(_("单位")), Column(_("编码")), Column(_("职责")), Column(_("岗位"))],
            rows=rows,
            note=note,
            empty=_("期间内每项职责都有工作。"),
        )
    )

    # Work without a duty: each department-level unit's share of hours, against its peers.
    shares = {
        row["gid"]: row
        for row in engine.query(
            "SELECT department_id AS gid, sum(minutes) AS minutes, "
            "coalesce(sum(minutes) FILTER (WHERE duty_id IS NULL), 0) AS off_duty FROM records "
            "WHERE date BETWEEN $start AND $end AND month BETWEEN $m_from AND $m_to GROUP BY 1",
            params,
        )
    }
    rows = []
    for peer_group in DEPARTMENT_PEERS:
        members = sorted((u for u in q.units.values() if u["peer_group"] == peer_group), key=lambda u: u["path"])
        comparable = {
            u["id"]: 100 * shares[u["id"]]["off_duty"] / shares[u["id"]]["minutes"]
            for u in members
            if u["id"] in shares and shares[u["id"]]["minutes"] and rules.big_enough(people.get(u["id"], 0))
        }
        values = list(comparable.values())
        spread = _spread(values)
        for unit in members:
            if not q.shows(unit["id"]) or unit["id"] not in shares:
                continue
            kind = Cell(PEER_GROUPS[peer_group])
            if unit["id"] not in comparable:
                rows.append([Cell(unit["name"]), kind] + [HIDDEN] * 5)
                continue
            share, row = comparable[unit["id"]], shares[unit["id"]]
            q1, median, q3 = spread or (share, share, share)
            rows.append(
                [
                    Cell(unit["name"]),
                    kind,
                    Cell(round(row["minutes"] / 60, 1), href=q.link(unit=unit["id"])),
                    Cell(round(row["off_duty"] / 60, 1)),
                    Cell(round(share, 1)),
                    Cell(round(median, 1)),
                    Cell(_band(share, q1, median, q3)),
                ]
            )
    tables.append(
        Table(
            key="off_duty",
            title=_("未对应职责的工作（按单位）"),
            columns=[
                Column(_("单位")),
                Column(_("同类")),
                Column(_("工时"), numeric=True),
                Column(_("未对应职责工时"), numeric=True),
                Column(_("占比（%）"), numeric=True),
                Column(_("同类中位数（%）"), numeric=True),
                Column(_("判断")),
            ],
            rows=rows,
            note=_("占比按工时计，只与同类单位（委办局、街镇）比较。"),
            empty=_("期间内没有记实。"),
        )
    )

    # Positions whose work sits in other posts' duties: a record under a duty of a position its author did not hold
    # that day (held posts from the assignments), by the author's main post and the duty's post.
    elsewhere = engine.query(
        "WITH own AS ("
        "  SELECT r.id, r.author_id, r.date, r.minutes, r.duty_id, d.position_id AS duty_position, a.position_id "
        "  FROM records r JOIN duties d ON d.id = r.duty_id AND d.position_id IS NOT NULL "
        "  JOIN assignments a ON a.person_id = r.author_id AND a.kind = 'primary' AND a.start <= r.date "
        '   AND (a."end" IS NULL OR a."end" >= r.date) '
        "  WHERE r.date BETWEEN $start AND $end AND r.month BETWEEN $m_from AND $m_to"
        ") SELECT position_id, duty_position, count(DISTINCT author_id) AS people, sum(minutes) AS minutes "
        "FROM own o WHERE NOT EXISTS (SELECT 1 FROM assignments b WHERE b.person_id = o.author_id "
        '  AND b.position_id = o.duty_position AND b.start <= o.date AND (b."end" IS NULL OR b."end" >= o.date)) '
        "GROUP BY 1, 2 ORDER BY minutes DESC",
        params,
    )
    totals = {}
    if elsewhere:
        totals = {
            row["position_id"]: row["minutes"]
            for row in engine.query(
                "SELECT a.position_id, sum(r.minutes) AS minutes FROM records r JOIN assignments a "
                "ON a.person_id = r.author_id AND a.kind = 'primary' AND a.start <= r.date "
                'AND (a."end" IS NULL OR a."end" >= r.date) WHERE r.date BETWEEN $start AND $end '
                "AND r.month BETWEEN $m_from AND $m_to "
                "AND list_contains($positions, a.position_id) GROUP BY 1",
                {**params, "positions": sorted({row["position_id"] for row in elsewhere})},
            )
        }
    rows = []
    for row in elsewhere:
        own, theirs = positions.get(row["position_id"]), positions.get(row["duty_position"])
        if own is None or theirs is None or not q.shows(own["unit_id"]):
            continue
        label = Cell(f"{q.name(own['unit_id'])} · {own['title']}")
        if not rules.big_enough(row["people"]):
            rows.append([label, Cell(f"{q.name(theirs['unit_id'])} · {theirs['title']}"), HIDDEN, HIDDEN])
            continue
        rows.append(
            [
                label,
                Cell(f"{q.name(theirs['unit_id'])} · {theirs['title']}"),
                Cell(round(row["minutes"] / 60, 1), href=q.link(unit=own["unit_id"])),
                Cell(_pct(row["minutes"], totals.get(row["position_id"], 0))),
            ]
        )
    tables.append(
        Table(
            key="elsewhere",
            title=_("在其他岗位职责下的工作"),
            columns=[
                Column(_("岗位")),
                Column(_("职责所属岗位")),
                Column(_("工时"), numeric=True),
                Column(_("占本岗位工时（%）"), numeric=True),
            ],
            rows=rows,
            note=_("记实对应的职责属于作者当天未担任的岗位：职责可能划错了岗位，或岗位设置与实际分工不符。"),
            empty=_("期间内没有记在其他岗位职责下的工作（或职责都是单位职能，未分到岗位）。"),
        )
    )
    notes = [_("职位设置看三件事：哪些职责没有工作，哪些工作没有职责，哪些岗位的工作落在别的岗位的职责里。")]
    return _report(q, "posts", notes, tables)


# ---- resources and budget (资源配置与预算) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    rank: str
    yuan_per_hour: Decimal
    valid_from: datetime.date | None  # None: a default
    note: str = ""


def cost_rates(end: datetime.date) -> tuple[list[Rate], bool]:
    """Every configured rate in force during or before the period, and a default for each rank without one;
    the flag says whether any default was used."""
    rates = [
        Rate(r.rank, r.yuan_per_hour, r.valid_from, r.note)
        for r in CostRate.objects.filter(valid_from__lte=end).order_by("rank", "valid_from")
    ]
    set_ranks = {r.rank for r in rates}
    defaults = [Rate(rank, amount, None) for rank, amount in DEFAULT_RATES.items() if rank not in set_ranks]
    return rates + defaults, bool(defaults)


def _rates_params(rates: list[Rate]) -> dict[str, Any]:
    """The rates as lists for the ASOF join: a rank's earliest rate (or its default) also covers the days before it."""
    earliest: dict[str, datetime.date] = {}
    for rate in rates:
        if rate.valid_from is not None:
            earliest[rate.rank] = min(earliest.get(rate.rank, rate.valid_from), rate.valid_from)
    long_ago = datetime.date(1900, 1, 1)
    return {
        "rate_ranks": [r.rank for r in rates],
        "rate_from": [long_ago if r.valid_from in (None, earliest.get(r.rank)) else r.valid_from for r in rates],
        "rate_yuan": [float(r.yuan_per_hour) for r in rates],
    }


# The records of the period, each costed at its author's rank's rate on its date. The rates become one row per rank
# and day first (a few thousand), so that the records join them on equality.
COSTED = (
    "WITH rates AS (SELECT unnest($rate_ranks) AS rank, unnest($rate_from) AS valid_from, "
    "  unnest($rate_yuan) AS yuan), "
    "days AS (SELECT CAST(range AS DATE) AS date FROM range(CAST($start AS TIMESTAMP), "
    "  CAST($end AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY)), "
    "day_rates AS (SELECT ranks.rank, days.date, (SELECT yuan FROM rates x WHERE x.rank = ranks.rank "
    "  AND x.valid_from <= days.date ORDER BY x.valid_from DESC LIMIT 1) AS yuan "
    "  FROM (SELECT DISTINCT rank FROM rates) ranks CROSS JOIN days), "
    "rec AS (SELECT r.author_id, r.unit_id, r.department_id, r.category_id, r.duty_id, r.date, r.minutes, "
    "  coalesce(p.rank, 'none') AS rank FROM records r LEFT JOIN people p ON p.id = r.author_id "
    "  WHERE r.date BETWEEN $start AND $end AND r.month BETWEEN $m_from AND $m_to), "
    "costed AS (SELECT rec.*, rec.minutes / 60.0 * day_rates.yuan AS cost FROM rec "
    "  LEFT JOIN day_rates ON day_rates.rank = rec.rank AND day_rates.date = rec.date) "
)


def _scope_filter(q: Query) -> tuple[str, dict[str, Any]]:
    """A WHERE condition on `unit_id` for the query's units (scope and unit filter); '' for the whole jurisdiction."""
    if q.scope.all and q.subtree is None:
        return "TRUE", {}
    ids = [pk for pk in q.units if q.shows(pk)]
    return "list_contains($scope_ids, unit_id)", {"scope_ids": ids}


def resources(q: Query) -> Report:
    rates, used_defaults = cost_rates(q.end)
    where, scope_params = _scope_filter(q)
    params = {**_period_params(q), **_rates_params(rates), **scope_params}
    rank_labels = dict(Rank.choices)
    categories = {row["id"]: row for row in engine.query("SELECT id, code, name FROM categories")}

    # One pass over the costed records, grouped four ways (GROUPING's bits mark the columns summed over).
    grouped = engine.query(
        COSTED + "SELECT category_id, rank, department_id, duty_id, "
        "grouping(category_id, rank, department_id, duty_id) AS summed, sum(minutes) AS minutes, sum(cost) AS cost, "
        f"count(DISTINCT author_id) AS people FROM costed WHERE {where} "
        "GROUP BY GROUPING SETS ((category_id, rank), (category_id), (department_id), (duty_id))",
        params,
    )
    grid = [row for row in grouped if row["summed"] == 0b0011]
    category_people = {row["category_id"]: row for row in grouped if row["summed"] == 0b0111}
    per_unit = [row for row in grouped if row["summed"] == 0b1101]
    per_duty = sorted((row for row in grouped if row["summed"] == 0b1110), key=lambda row: -float(row["cost"] or 0))
    ranks = [rank for rank in Rank.values if any(row["rank"] == rank for row in grid)]
    by_category: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in grid:
        by_category[row["category_id"]][row["rank"]] = row
    rows = []
    for category_id in sorted(by_category, key=lambda c: -category_people[c]["minutes"]):
        cells = [Cell(categories.get(category_id, {}).get("name", "—"))]
        withheld, covered = _withheld_ranks(by_category[category_id])
        for rank in ranks:
            found = by_category[category_id].get(rank)
            if found is None:
                cells.append(Cell(0))
            elif rank in withheld:
                cells.append(HIDDEN)
            else:
                cells.append(Cell(round(found["minutes"] / 60, 1)))
        total = category_people[category_id]
        if rules.big_enough(total["people"]) and covered:
            cells += [
                Cell(round(total["minutes"] / 60, 1), href=q.link(unit=q.unit_id, category=category_id)),
                Cell(round(total["cost"] or 0)),
            ]
        else:
            cells += [HIDDEN, HIDDEN]
        rows.append(cells)
    tables = [
        Table(
            key="category_rank",
            title=_("按类别和职级的工时"),
            columns=[Column(_("类别"))]
            + [Column(str(rank_labels[r]), numeric=True) for r in ranks]
            + [Column(_("合计工时"), numeric=True), Column(_("成本（元）"), numeric=True)],
            rows=rows,
            note=_("各职级列为工时（小时）；职级按人员当前主岗位计。"),
            empty=_("期间内没有记实。"),
        )
    ]

    # Per unit: department-level units; a town's villages together in one row.
    people = {
        row["gid"]: row["people"]
        for row in engine.query(
            "SELECT department_id AS gid, count(DISTINCT person_id) AS people FROM owed "
            "WHERE date BETWEEN $start AND $end AND month BETWEEN $m_from AND $m_to GROUP BY 1",
            _period_params(q),
        )
    }
    lines: dict[tuple[str, int], dict[str, Any]] = {}
    for row in per_unit:
        unit = q.units.get(row["department_id"])
        if unit is None:
            continue
        key = ("villages", unit["parent_id"]) if unit["peer_group"] == "village" else ("unit", unit["id"])
        line = lines.setdefault(key, {"minutes": 0.0, "cost": 0.0, "people": 0})
        line["minutes"] += float(row["minutes"] or 0)
        line["cost"] += float(row["cost"] or 0)
        line["people"] += people.get(row["department_id"], 0)
    rows = []
    for (what, pk), line in sorted(lines.items(), key=lambda item: (q.units[item[0][1]]["path"], item[0][0])):
        label = q.name(pk) if what == "unit" else _("%(town)s所属村居") % {"town": q.name(pk)}
        count = line["people"]
        if not rules.big_enough(count):
            rows.append([Cell(label), HIDDEN, HIDDEN, HIDDEN, HIDDEN])
            continue
        rows.append(
            [
                Cell(label),
                Cell(count),
                Cell(round(line["minutes"] / 60, 1), href=q.link(unit=pk) if what == "unit" else ""),
                Cell(round(line["cost"])),
                Cell(round(line["cost"] / count)),
            ]
        )
    tables.append(
        Table(
            key="units",
            title=_("按单位的工时和成本"),
            columns=[
                Column(_("单位")),
                Column(_("人数"), numeric=True),
                Column(_("工时"), numeric=True),
                Column(_("成本（元）"), numeric=True),
                Column(_("人均成本（元）"), numeric=True),
            ],
            rows=rows,
            empty=_("期间内没有记实。"),
        )
    )

    # Per duty.
    duties = {row["id"]: row for row in engine.query("SELECT id, unit_id, code, title FROM duties")}
    rows = []
    for row in per_duty:
        duty = duties.get(row["duty_id"]) if row["duty_id"] is not None else None
        unit_cell = Cell(q.name(duty["unit_id"]) if duty else "—")
        duty_cell = Cell(f"{duty['code']} {duty['title']}" if duty else _("未对应职责"))
        if not rules.big_enough(row["people"]):
            rows.append([unit_cell, duty_cell, HIDDEN, HIDDEN, HIDDEN])
            continue
        rows.append(
            [
                unit_cell,
                duty_cell,
                Cell(row["people"]),
                Cell(
                    round(row["minutes"] / 60, 1),
                    href=q.link(unit=duty["unit_id"] if duty else q.unit_id, duty=row["duty_id"]) if duty else "",
                ),
                Cell(round(float(row["cost"] or 0))),
            ]
        )
    tables.append(
        Table(
            key="duties",
            title=_("按职责的工时和成本"),
            columns=[
                Column(_("单位")),
                Column(_("职责")),
                Column(_("人数"), numeric=True),
                Column(_("工时"), numeric=True),
                Column(_("成本（元）"), numeric=True),
            ],
            rows=rows,
            empty=_("期间内没有记实。"),
            page_limit=50,
        )
    )

    rate_rows = [
        [
            Cell(str(rank_labels.get(rate.rank, rate.rank))),
            Cell(float(rate.yuan_per_hour)),
            Cell(rate.valid_from.isoformat() if rate.valid_from else _("默认标准")),
            Cell(rate.note),
        ]
        for rate in sorted(rates, key=lambda r: (Rank.values.index(r.rank), r.valid_from or datetime.date.min))
    ]
    tables.append(
        Table(
            key="rates",
            title=_("成本标准"),
            columns=[Column(_("职级")), Column(_("元/小时"), numeric=True), Column(_("生效日期")), Column(_("备注"))],
            rows=rate_rows,
        )
    )
    notes = [_("成本 = 工时 × 记实当天有效的该职级成本标准（元/小时）。")]
    if used_defaults:
        notes.append(
            _("部分或全部职级未设置成本标准，按默认标准计算（见“成本标准”表）；管理员可在系统管理的“成本标准”中设置。")
        )
    return _report(q, "resources", notes, tables)


# ---- collaboration (协同) ------------------------------------------------------------------------------------------

TIE_KINDS = {
    "participants": gettext_lazy("共同参与"),
    "partners": gettext_lazy("合作单位"),
    "comments": gettext_lazy("跨单位点评"),
    "tasks": gettext_lazy("共同任务"),
}


def ties(q: Query) -> dict[tuple[int, int], dict[str, int]]:
    """Ties between department-level units in the period, by kind: records with a participant or partner from the
    other unit, comments across units, tasks both take part in. Keys are (smaller id, larger id)."""
    params = _period_params(q)
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(TIE_KINDS, 0))
    queries = {
        "participants": (
            "SELECT least(author_department_id, person_department_id) AS a, "
            "greatest(author_department_id, person_department_id) AS b, count(DISTINCT record_id) AS n "
            "FROM participants WHERE date BETWEEN $start AND $end "
            "AND month BETWEEN $m_from AND $m_to AND person_department_id IS NOT NULL "
            "AND person_department_id <> author_department_id GROUP BY 1, 2"
        ),
        "partners": (
            "SELECT least(author_department_id, partner_department_id) AS a, "
            "greatest(author_department_id, partner_department_id) AS b, count(DISTINCT record_id) AS n "
            "FROM participants WHERE date BETWEEN $start AND $end "
            "AND month BETWEEN $m_from AND $m_to AND partner_department_id IS NOT NULL "
            "AND partner_department_id <> author_department_id GROUP BY 1, 2"
        ),
        "comments": (
            "SELECT least(actor_department_id, author_department_id) AS a, "
            "greatest(actor_department_id, author_department_id) AS b, count(*) AS n "
            "FROM supervision WHERE kind = 'comment' AND date BETWEEN $start AND $end "
            "AND month BETWEEN $m_from AND $m_to "
            "AND actor_department_id <> author_department_id GROUP BY 1, 2"
        ),
        "tasks": (
            "WITH live AS (SELECT id FROM tasks WHERE issued_date <= $end "
            "  AND (closed_date IS NULL OR closed_date >= $start)), "
            "tu AS (SELECT DISTINCT task_id, department_id FROM task_units WHERE task_id IN (SELECT id FROM live)) "
            "SELECT x.department_id AS a, y.department_id AS b, count(DISTINCT x.task_id) AS n FROM tu x "
            "JOIN tu y ON x.task_id = y.task_id AND x.department_id < y.department_id GROUP BY 1, 2"
        ),
    }
    for kind, sql in queries.items():
        for row in engine.query(sql, params if kind != "tasks" else {"start": q.start, "end": q.end}):
            if row["a"] is None or row["b"] is None:
                continue
            found[(row["a"], row["b"])][kind] += int(row["n"])
    return found


@dataclass
class Network:
    units: list[int]  # department-level units (委办局, 街镇)
    ties: dict[tuple[int, int], dict[str, int]]
    people: dict[int, int]  # unit → filers in the period
    partners: dict[int, int]  # unit → number of units it has ties with
    strength: dict[int, int]  # unit → ties counted
    communities: list[list[int]]  # each sorted by strength, the hub first; largest community first
    peer_median: dict[str, float]  # peer group → median ties per head of its units big enough to show
    silos: set[int]

    def per_head(self, pk: int) -> float | None:
        return round(self.strength[pk] / self.people[pk], 2) if self.people.get(pk) else None


def network(q: Query) -> Network:
    """The units' network over the period, its communities (Louvain, weighted, fixed seed) and its silos: units whose
    ties per head are at most SILO_SHARE of their peers' median, or who have none (peers: units of the same kind
    big enough to show, at least three of them)."""
    import networkx as nx

    units = sorted(
        (pk for pk, u in q.units.items() if u["peer_group"] in DEPARTMENT_PEERS),
        key=lambda pk: q.units[pk]["path"],
    )
    members = set(units)
    found = {pair: kinds for pair, kinds in ties(q).items() if pair[0] in members and pair[1] in members}
    people = {
        row["gid"]: int(row["people"])
        for row in engine.query(
            "SELECT department_id AS gid, count(DISTINCT person_id) AS people FROM owed "
            "WHERE date BETWEEN $start AND $end AND month BETWEEN $m_from AND $m_to GROUP BY 1",
            _period_params(q),
        )
    }
    graph = nx.Graph()
    graph.add_nodes_from(units)
    for (a, b), kinds in found.items():
        graph.add_edge(a, b, weight=sum(kinds.values()))
    partners = {pk: graph.degree(pk) for pk in units}
    strength = {pk: int(graph.degree(pk, weight="weight")) for pk in units}
    found_communities = nx.community.louvain_communities(graph, weight="weight", seed=COMMUNITY_SEED)
    communities = sorted(
        (sorted(c, key=lambda pk: (-strength[pk], q.units[pk]["path"])) for c in found_communities if len(c) > 1),
        key=lambda c: (-len(c), q.units[c[0]]["path"]),
    )
    net = Network(units, found, people, partners, strength, communities, {}, set())
    for peer_group in DEPARTMENT_PEERS:
        group = [pk for pk in units if q.units[pk]["peer_group"] == peer_group and rules.big_enough(people.get(pk, 0))]
        values = [net.per_head(pk) or 0.0 for pk in group]
        if not values:
            continue
        median = net.peer_median[peer_group] = round(statistics.median(values), 2)
        if len(group) < 3:
            continue  # too few peers to call one of them alone
        net.silos |= {pk for pk in group if partners[pk] == 0 or (net.per_head(pk) or 0.0) <= SILO_SHARE * median}
    return net


def community_name(q: Query, community: list[int]) -> str:
    return _("以%(hub)s为中心的协同圈（%(n)s 个单位）") % {"hub": q.name(community[0]), "n": len(community)}


def collaboration(q: Query) -> Report:
    net = network(q)
    big = {pk for pk in net.units if rules.big_enough(net.people.get(pk, 0))}
    community_of = {pk: i for i, c in enumerate(net.communities) for pk in c}

    silo_rows, unit_rows = [], []
    for pk in net.units:
        if not q.shows(pk):
            continue
        unit = q.units[pk]
        name, kind = Cell(unit["name"]), Cell(PEER_GROUPS[unit["peer_group"]])
        if pk not in big:
            unit_rows.append([name, kind] + [HIDDEN] * 5)
            continue
        median = net.peer_median.get(unit["peer_group"])
        circle = community_of.get(pk)
        per_head = Cell(net.per_head(pk), href=q.link(unit=pk))
        unit_rows.append(
            [
                name,
                kind,
                Cell(net.partners[pk]),
                Cell(net.strength[pk]),
                per_head,
                Cell(median),
                Cell(community_name(q, net.communities[circle]) if circle is not None else _("无")),
            ]
        )
        if pk in net.silos:
            why = (
                _("期间内与其他单位没有协同。")
                if not net.partners[pk]
                else _("人均协同次数不到同类中位数的 %(pct)s%%。") % {"pct": round(100 * SILO_SHARE)}
            )
            silo_rows.append([name, kind, Cell(net.partners[pk]), per_head, Cell(median), Cell(why)])

    community_rows = []
    for community in net.communities:
        if not any(q.shows(pk) for pk in community):
            continue
        inside = sum(
            sum(net.ties.get((min(a, b), max(a, b)), {}).values()) for a in community for b in community if a < b
        )
        community_rows.append(
            [
                Cell(community_name(q, community)),
                Cell(len(community)),
                Cell("、".join(q.name(pk) for pk in community)),
                Cell(inside),
            ]
        )

    tie_rows = []
    for (a, b), kinds in sorted(net.ties.items(), key=lambda item: -sum(item[1].values())):
        if not (q.shows(a) or q.shows(b)):
            continue
        first, second = (a, b) if q.shows(a) else (b, a)
        cells = [Cell(q.name(first)), Cell(q.name(second))]
        if first not in big or second not in big:
            tie_rows.append(cells + [HIDDEN] * (len(TIE_KINDS) + 1))
            continue
        cells += [Cell(kinds[k]) for k in TIE_KINDS]
        cells.append(Cell(sum(kinds.values()), href=q.link(unit=first)))
        tie_rows.append(cells)

    tables = [
        Table(
            key="silos",
            title=_("孤岛单位"),
            columns=[
                Column(_("单位")),
                Column(_("同类")),
                Column(_("协同单位数"), numeric=True),
                Column(_("人均协同次数"), numeric=True),
                Column(_("同类中位数"), numeric=True),
                Column(_("说明")),
            ],
            rows=silo_rows,
            note=_("人均与其他单位的协同（共同参与、合作单位、跨单位点评、共同任务）明显少于同类单位。"),
            empty=_("没有孤岛单位。"),
        ),
        Table(
            key="communities",
            title=_("协同圈"),
            columns=[
                Column(_("协同圈")),
                Column(_("单位数"), numeric=True),
                Column(_("成员")),
                Column(_("圈内协同"), numeric=True),
            ],
            rows=community_rows,
            note=_("协同紧密的单位群（Louvain 社区划分，按协同次数加权），以圈内协同最多的单位命名。"),
            empty=_("没有成形的协同圈。"),
        ),
        Table(
            key="units",
            title=_("各单位协同情况"),
            columns=[
                Column(_("单位")),
                Column(_("同类")),
                Column(_("协同单位数"), numeric=True),
                Column(_("协同次数"), numeric=True),
                Column(_("人均协同次数"), numeric=True),
                Column(_("同类中位数"), numeric=True),
                Column(_("协同圈")),
            ],
            rows=unit_rows,
        ),
        Table(
            key="ties",
            title=_("单位间协同"),
            columns=[Column(_("单位")), Column(_("协同单位"))]
            + [Column(str(label), numeric=True) for label in TIE_KINDS.values()]
            + [Column(_("合计"), numeric=True)],
            rows=tie_rows,
            empty=_("期间内没有单位间协同。"),
            page_limit=TIES_ON_PAGE,
        ),
    ]
    notes = [
        _("协同来自记实的参与人和合作单位、对其他单位记实的点评，以及多个单位共同承担的任务；只计委办局和街镇之间。"),
    ]
    shown = [
        pk
        for pk in net.units
        if q.shows(pk) or any(q.shows(o) for o in net.units if (min(pk, o), max(pk, o)) in net.ties)
    ]
    # The chart draws each unit's GRAPH_TIES strongest ties (the tables list them all): every unit has some tie to
    # most others, and all of them drawn on a phone is a ball of string.
    strongest: set[tuple[int, int]] = set()
    by_unit: dict[int, list[tuple[int, tuple[int, int]]]] = defaultdict(list)
    for pair, kinds in net.ties.items():
        for pk in pair:
            by_unit[pk].append((sum(kinds.values()), pair))
    for pairs in by_unit.values():
        strongest |= {pair for _weight, pair in sorted(pairs, reverse=True)[:GRAPH_TIES]}
    graph = {
        "nodes": [
            {
                "id": str(pk),
                "name": q.name(pk),
                "value": net.partners[pk] if pk in big else None,
                "category": community_of.get(pk, -1),
                "silo": pk in net.silos,
                "href": q.link(unit=pk),
            }
            for pk in shown
        ],
        "links": [
            {"source": str(a), "target": str(b), "value": sum(net.ties[(a, b)].values())}
            for a, b in sorted(strongest)
            if (q.shows(a) or q.shows(b)) and a in big and b in big
        ],
        "categories": [community_name(q, c) for c in net.communities],
    }
    return _report(q, "collaboration", notes, tables, graph=graph)


# ---- the registry, the export ------------------------------------------------------------------------------------

KINDS: dict[str, tuple[Any, Callable[[Query], Report]]] = {
    "staffing": (gettext_lazy("人员编制"), staffing),
    "posts": (gettext_lazy("职位设置"), posts),
    "resources": (gettext_lazy("资源配置与预算"), resources),
    "collaboration": (gettext_lazy("协同"), collaboration),
}


def _report(q: Query, kind: str, notes: list[str], tables: list[Table], **extra: Any) -> Report:
    return Report(
        kind=kind,
        title=str(KINDS[kind][0]),
        start=q.start,
        end=q.end,
        as_of=engine.as_of(),
        unit_name=q.name(q.unit_id) if q.unit_id else (_("全区") if q.scope.all else _("管辖范围内各单位")),
        notes=[str(n) for n in notes],
        tables=tables,
        min_group=rules.min_group(),
        **extra,
    )


def unit_choices(user: Any) -> list[tuple[int, str]]:
    """The units a reader may narrow a report to: department-level units and sections in the scope, in tree order."""
    scope = rules.group_scope(user)
    units = units_dimension()
    return [
        (pk, unit_label(units, pk))
        for pk, unit in sorted(units.items(), key=lambda item: item[1]["path"])
        if unit["peer_group"] in PEER_GROUPS and scope.covers(pk)
    ]


def build(kind: str, user: Any, params: QueryDict) -> Report:
    """The report of this kind for this reader: Http404 for an unknown kind or a reader without a scope."""
    if kind not in KINDS:
        raise Http404
    q = build_query(user, params)
    key = _cache_key(kind, q)
    with _kept_lock:
        report = _kept.get(key)
        if report is not None:
            _kept.move_to_end(key)
            return report
    report = KINDS[kind][1](q)
    with _kept_lock:
        _kept[key] = report
        while len(_kept) > KEPT_REPORTS:
            _kept.popitem(last=False)
    return report


# Built reports, kept in this process (the newest KEPT_REPORTS): a report is thousands of small objects, and
# unpickling one from a shared cache cost more than drawing the page. A refresh changes the key (as_of).
KEPT_REPORTS = 64
_kept: OrderedDict[str, Report] = OrderedDict()
_kept_lock = threading.Lock()


def _cache_key(kind: str, q: Query) -> str:
    """A report depends on the store (its place and version), the scope, the period, the unit, the language, the
    minimum group size — and for costs on the rates: all are in the key, so a refresh or a new rate is seen at once."""
    parts: list[Any] = [
        kind,
        q.scope.all,
        sorted(q.scope.unit_ids),
        q.start,
        q.end,
        q.unit_id,
        str(store.store_dir()),
        engine.as_of(),
        translation.get_language(),
        rules.min_group(),
    ]
    if kind == "resources":
        parts.append(list(CostRate.objects.order_by("pk").values_list("pk", "rank", "yuan_per_hour", "valid_from")))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def workbook(report: Report) -> bytes:
    """The report as an Excel workbook: a sheet of notes, then one sheet per table, every number as on the page."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    about = book.create_sheet(_("说明")[:31])
    for line in _about_lines(report):
        about.append(xlsx_row(about, line))
    hidden = withheld_text()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(table.title))
        sheet.append(xlsx_row(sheet, [str(c.label) for c in table.columns]))
        for row in table.rows:
            sheet.append(xlsx_row(sheet, [hidden if cell.withheld else cell.value for cell in row]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _about_lines(report: Report) -> Iterable[list[Any]]:
    yield [report.title, report.unit_name]
    yield [_("期间"), f"{report.start.isoformat()} — {report.end.isoformat()}"]
    yield [_("数据截至"), report.as_of.strftime("%Y-%m-%d %H:%M") if report.as_of else _("尚未生成")]
    for note in report.notes:
        yield [note]


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]


def validation_message(exc: ValidationError | ReportError) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])
