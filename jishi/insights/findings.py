"""Findings (发现): what in a period deserves a look — proposed by the system, decided by people (FindingReview).

Every kind is a query over the analytics store (store.py; DuckDB through engine.query) and a comparison with the
subject's peers or with a plain limit, and nothing else: no finding reads logins, views, likes or a raw number of
records as a score. Workload is hours per filer per working day; collaboration counts links with other units
(participants, partner units, cross-unit comments and inquiries, shared tasks) per filer; a person's kinds are
about what their records say (copied text, day totals, when they were submitted), never how many there are.

Group kinds (a unit or a duty) compare a unit only with units of its own peer group (委办局, 街镇, 科室) with robust
statistics — the median and the median absolute deviation (MAD, scaled by 1.4826 to estimate a standard deviation)
— so that one extreme unit cannot hide itself by moving the mean. A unit is flagged only when it is both far from
its peers in MADs and far in plain proportion (a tight peer group makes small differences many MADs wide). A
section is not flagged for a kind its own 本单位 is flagged for: the unit's finding already says it.

Thresholds are settings (settings.JISHI_FINDINGS, merged over DEFAULTS). Who sees what is insights.rules': group
findings to readers whose group scope covers the unit and only for groups of at least JISHI_MIN_GROUP_SIZE people;
person findings only to readers who may read that person's records as a superior or scoped role.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jishi.insights import engine, periods, rules, store
from jishi.org.calendar import WorkingCalendar, local_today

KINDS: dict[str, Any] = {
    "overstaffed": gettext_lazy("人员偏多"),
    "understaffed": gettext_lazy("人手偏紧"),
    "silo": gettext_lazy("协作孤岛"),
    "idle_duty": gettext_lazy("职责无记实"),
    "off_duty": gettext_lazy("工作游离职责"),
    "copy_paste": gettext_lazy("内容雷同"),
    "long_hours": gettext_lazy("时长异常"),
    "backfill": gettext_lazy("集中补记"),
}
PERSON_KINDS = frozenset({"copy_paste", "long_hours", "backfill"})
GROUP_KINDS = frozenset(KINDS) - PERSON_KINDS

DEFAULTS: dict[str, Any] = {
    # Staffing: hours per filer per working day against the peer group's median.
    "staffing_min_peers": 5,  # fewer comparable units: no staffing or collaboration finding in that peer group
    "staffing_mads": 3.0,  # at least this many (scaled) MADs from the median …
    "overstaffed_ratio": 0.6,  # … and at most this share of the median (overstaffed)
    "understaffed_ratio": 1.5,  # … or at least this multiple of it (understaffed)
    # Collaboration: links with other units per filer against the peer group's median.
    "silo_ratio": 0.35,
    "silo_mads": 2.0,
    # Work without a duty: the unit's share of hours recorded without a duty.
    "off_duty_share": 0.4,  # at least this share …
    "off_duty_gap": 0.2,  # … at least this far above the peer median …
    "off_duty_mads": 3.0,  # … and this many MADs above it
    # A person's records.
    "copy_similarity": 0.8,  # a record this similar (0..1) to one of the author's previous days' is a near copy
    "copy_min_records": 3,
    "copy_min_share": 0.3,
    "long_day_hours": 16,  # a day whose records add up to more than this many hours is implausible …
    "long_min_days": 3,  # … on at least this many days of the period
    "backfill_min_lag": 1,  # a record submitted at least this many days after its date is late …
    "backfill_cluster_dates": 3,  # … and a submission day with late records for this many dates is a batch
    "backfill_min_dates": 6,  # … and the batches cover at least this many dates (weekly batches or one at month end)
    "backfill_min_share": 0.3,  # share of the person's records in batches
    "max_days": 366,
}


def thresholds() -> dict[str, Any]:
    return DEFAULTS | dict(getattr(settings, "JISHI_FINDINGS", {}) or {})


PEER_GROUP_LABELS = {
    "bureau": gettext_lazy("委办局"),
    "town": gettext_lazy("街镇"),
    "section": gettext_lazy("科室"),
}


@dataclass(frozen=True)
class Finding:
    """One thing that deserves a look: its kind, subject, period, strength and the evidence behind it."""

    kind: str
    subject_type: str  # 'unit' | 'person' | 'duty'
    subject_id: int
    subject_name: str
    unit_id: int | None  # the unit the finding is about or where the person works (scope and the unit filter)
    unit_name: str
    start: datetime.date
    end: datetime.date
    strength: float  # 0..1: how far beyond the threshold
    explanation: str
    evidence: str  # a link to the records behind it
    figures: dict[str, Any] = field(default_factory=dict)
    group_size: int = 0  # people behind a group finding

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def strength_word(self) -> str:
        return strength_word(self.strength)

    @property
    def strength_level(self) -> str:
        return "strong" if self.strength >= 0.67 else "medium" if self.strength >= 0.34 else "weak"

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.kind, self.subject_type, self.subject_id)


def strength_word(value: float) -> str:
    if value >= 0.67:
        return _("强")
    if value >= 0.34:
        return _("中")
    return _("弱")


def _scale(measure: float, threshold: float, extreme: float) -> float:
    """How far a measure lies beyond its threshold towards an extreme, 0..1 (at least 0.05 once past the threshold)."""
    if extreme == threshold:
        return 1.0
    return round(min(1.0, max(0.05, (measure - threshold) / (extreme - threshold))), 2)


def robust(values: list[float]) -> tuple[float, float]:
    """Median and MAD scaled to a standard deviation (1.4826 × the median absolute deviation)."""
    median = statistics.median(values)
    mad = statistics.median([abs(v - median) for v in values]) * 1.4826
    return median, mad


def _mads(value: float, median: float, mad: float) -> float:
    """How many (scaled) MADs a value lies from the median; a MAD of 0 counts as 1% of the median."""
    spread = max(mad, abs(median) * 0.01, 1e-9)
    return (value - median) / spread


def _query(params: dict[str, Any]) -> str:
    return urlencode({k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in params.items() if v})


def records_link(*, unit: int, start: datetime.date, end: datetime.date, duty: int | None = None) -> str:
    """The drill-down (insights:records: unit with its subtree, start, end, duty) behind a group finding; the record
    list with the same filters where the drill-down is not installed."""
    try:
        return f"{reverse('insights:records')}?{_query({'unit': unit, 'start': start, 'end': end, 'duty': duty})}"
    except NoReverseMatch:
        filters = {"unit": unit, "date_from": start, "date_to": end, "duty": duty}
        return f"{reverse('records:list')}?{_query(filters)}"


def person_records_link(person_id: int, start: datetime.date, end: datetime.date) -> str:
    """A person's records of the period (the record list, through visible_to like every list)."""
    return f"{reverse('records:list')}?{_query({'author': person_id, 'date_from': start, 'date_to': end})}"


class _World:
    """The dimensions one computation needs: unit names, peer groups and the tree, people's names and units."""

    def __init__(self) -> None:
        self.units = {
            u["id"]: u for u in engine.query("SELECT id, name, parent_id, department_id, peer_group FROM units")
        }
        self.people = {p["id"]: p for p in engine.query("SELECT id, full_name, unit_id, department_id FROM people")}

    def name(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id) if unit_id is not None else None
        return str(unit["name"]) if unit else ""

    def peer_group(self, unit_id: int) -> str | None:
        unit = self.units.get(unit_id)
        return unit["peer_group"] if unit else None

    def department_of(self, unit_id: int | None) -> int | None:
        unit = self.units.get(unit_id) if unit_id is not None else None
        if unit is None:
            return None
        return unit["department_id"] or unit["id"]

    def subtree(self, unit_id: int) -> set[int]:
        children: dict[int, list[int]] = {}
        for u in self.units.values():
            if u["parent_id"] is not None:
                children.setdefault(u["parent_id"], []).append(u["id"])
        found, todo = set(), [unit_id]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            todo.extend(children.get(current, []))
        return found


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last four complete weeks ending yesterday."""
    period = periods.default_period(today)
    return period.start, period.end


def parse_filters(query: Any, today: datetime.date) -> tuple[datetime.date, datetime.date, int | None, list[str]]:
    """The period (`start`/`end`, also `date_from`/`date_to`), `unit` and `kind` of a query string, checked; a bad
    value raises ValidationError with a Chinese message keyed by the parameter (never a 500)."""
    errors: dict[str, list[str]] = {}
    start, end = default_period(today)
    try:
        period = periods.parse_period(query, today=today, max_days=thresholds()["max_days"])
        start, end = period.start, period.end
    except periods.PeriodError as exc:
        errors[exc.field] = [str(exc)]
    unit_id: int | None = None
    raw_unit = (query.get("unit") or "").strip()
    if raw_unit:
        if raw_unit.isascii() and raw_unit.isdigit() and 0 < int(raw_unit) < 2**53:  # "²" is a digit to isdigit
            unit_id = int(raw_unit)
        else:
            errors["unit"] = [_("单位应为单位编号（正整数）。")]
    kinds: list[str] = []
    values = query.getlist("kind") if hasattr(query, "getlist") else [query.get("kind") or ""]
    for value in values:
        for kind in str(value).split(","):
            kind = kind.strip()
            if not kind:
                continue
            if kind not in KINDS:
                errors["kind"] = [
                    _("没有“%(kind)s”这种发现类型，可选：%(kinds)s。") % {"kind": kind[:40], "kinds": "、".join(KINDS)}
                ]
            elif kind not in kinds:
                kinds.append(kind)
    if errors:
        raise ValidationError(errors)
    return start, end, unit_id, kinds


def compute(start: datetime.date, end: datetime.date) -> list[Finding]:
    """Every finding of the period, for the whole jurisdiction, strongest first (before anyone's scope)."""
    limits = thresholds()
    world = _World()
    working_days = max(len(WorkingCalendar(start, end).working_days()), 1)
    found: list[Finding] = []
    found += _staffing(world, start, end, working_days, limits)
    found += _silos(world, start, end, limits)
    found += _idle_duties(world, start, end, working_days)
    found += _off_duty(world, start, end, limits)
    found += _copy_paste(world, start, end, limits)
    found += _long_hours(world, start, end, limits)
    found += _backfill(world, start, end, limits)
    order = list(KINDS)
    found.sort(key=lambda f: (order.index(f.kind), -f.strength, f.subject_name))
    return found


# --- group kinds ---------------------------------------------------------------------------------------------------


def _filers(start: datetime.date, end: datetime.date) -> dict[str, dict[int, int]]:
    """People with at least one owed day in the period, by 本单位 ('department') and by unit of the post ('unit')."""
    rows = engine.query(
        "SELECT 'department' AS level, department_id AS unit_id, count(DISTINCT person_id) AS people FROM owed "
        "WHERE date BETWEEN ? AND ? GROUP BY department_id "
        "UNION ALL SELECT 'unit', unit_id, count(DISTINCT person_id) FROM owed "
        "WHERE date BETWEEN ? AND ? GROUP BY unit_id",
        [start, end, start, end],
    )
    out: dict[str, dict[int, int]] = {"department": {}, "unit": {}}
    for r in rows:
        if r["unit_id"] is not None:
            out[r["level"]][r["unit_id"]] = int(r["people"])
    return out


def _levels(world: _World, filers: dict[str, dict[int, int]]) -> Iterable[tuple[str, str, dict[int, int]]]:
    """(peer group, level, filers by unit of that level) for each peer group compared."""
    for group, level in (("bureau", "department"), ("town", "department"), ("section", "unit")):
        yield group, level, {u: n for u, n in filers[level].items() if world.peer_group(u) == group}


def _staffing(
    world: _World, start: datetime.date, end: datetime.date, working_days: int, limits: dict[str, Any]
) -> list[Finding]:
    filers = _filers(start, end)
    # Hours of the group's filers' records in the period (a voluntary filer's hours would inflate the numerator).
    # A day whose records add up to an implausible total is left out: it is a finding of its own (long_hours), and
    # one person's 17-hour days would otherwise make a small section look understaffed.
    rows = engine.query(
        "WITH f AS (SELECT DISTINCT person_id, department_id, unit_id FROM owed WHERE date BETWEEN ? AND ?), "
        "r AS (SELECT author_id, department_id, unit_id, minutes, "
        "  sum(minutes) OVER (PARTITION BY author_id, date) AS day_total FROM records WHERE date BETWEEN ? AND ?) "
        "SELECT 'department' AS level, r.department_id AS unit_id, sum(r.minutes) AS minutes FROM r "
        "WHERE r.day_total <= ? AND EXISTS (SELECT 1 FROM f WHERE f.person_id = r.author_id "
        "AND f.department_id = r.department_id) GROUP BY r.department_id "
        "UNION ALL SELECT 'unit', r.unit_id, sum(r.minutes) FROM r "
        "WHERE r.day_total <= ? AND EXISTS (SELECT 1 FROM f WHERE f.person_id = r.author_id "
        "AND f.unit_id = r.unit_id) GROUP BY r.unit_id",
        [start, end, start, end, limits["long_day_hours"] * 60, limits["long_day_hours"] * 60],
    )
    minutes: dict[str, dict[int, float]] = {"department": {}, "unit": {}}
    for r in rows:
        minutes[r["level"]][r["unit_id"]] = float(r["minutes"] or 0)
    found: list[Finding] = []
    flagged: set[tuple[str, int]] = set()
    for group, level, people in _levels(world, filers):
        load = {u: minutes[level].get(u, 0.0) / 60 / n / working_days for u, n in people.items() if rules.big_enough(n)}
        if len(load) < limits["staffing_min_peers"]:
            continue
        median, mad = robust(list(load.values()))
        if median <= 0:
            continue
        for unit_id, value in load.items():
            ratio, mads = value / median, _mads(value, median, mad)
            if ratio <= limits["overstaffed_ratio"] and mads <= -limits["staffing_mads"]:
                kind, strength = "overstaffed", _scale(1 - ratio, 1 - limits["overstaffed_ratio"], 0.8)
                text = _(
                    "人均每个工作日记实 %(value).1f 小时，同类%(peers)s中位数 %(median).1f 小时（为其 %(pct)d%%），"
                    "人员可能偏多或工作未如实记录"
                )
            elif ratio >= limits["understaffed_ratio"] and mads >= limits["staffing_mads"]:
                kind, strength = "understaffed", _scale(ratio, limits["understaffed_ratio"], 3.0)
                text = _(
                    "人均每个工作日记实 %(value).1f 小时，同类%(peers)s中位数 %(median).1f 小时（为其 %(pct)d%%），"
                    "人手可能偏紧"
                )
            else:
                continue
            if level == "unit" and (kind, world.department_of(unit_id) or 0) in flagged:
                continue
            flagged.add((kind, unit_id))
            values = {
                "value": value,
                "median": median,
                "pct": round(ratio * 100),
                "peers": PEER_GROUP_LABELS[group],
            }
            found.append(
                Finding(
                    kind=kind,
                    subject_type="unit",
                    subject_id=unit_id,
                    subject_name=world.name(unit_id),
                    unit_id=unit_id,
                    unit_name=world.name(unit_id),
                    start=start,
                    end=end,
                    strength=strength,
                    explanation=text % values,
                    evidence=records_link(unit=unit_id, start=start, end=end),
                    figures={
                        "hours_per_head_per_day": round(value, 2),
                        "peer_median": round(median, 2),
                        "peer_mad": round(mad, 2),
                        "ratio": round(ratio, 2),
                        "mads": round(mads, 1),
                        "peer_group": group,
                        "peers": len(load),
                        "filers": people[unit_id],
                        "working_days": working_days,
                    },
                    group_size=people[unit_id],
                )
            )
    return found


def _silos(world: _World, start: datetime.date, end: datetime.date, limits: dict[str, Any]) -> list[Finding]:
    """Links with other 本单位 per filer: each cross-unit participant or partner unit on a record, each comment or
    inquiry across units, each other unit sharing a task issued in the period — counted for both sides."""
    rows = engine.query(
        "WITH p AS (SELECT author_department_id AS a, coalesce(person_department_id, partner_department_id) AS b "
        "  FROM participants WHERE date BETWEEN ? AND ?), "
        "s AS (SELECT actor_department_id AS a, author_department_id AS b FROM supervision "
        "  WHERE kind IN ('comment', 'inquiry') AND date BETWEEN ? AND ?), "
        "tu AS (SELECT DISTINCT tu.task_id, tu.department_id FROM task_units tu JOIN tasks t ON t.id = tu.task_id "
        "  WHERE t.issued_date BETWEEN ? AND ? AND tu.department_id IS NOT NULL), "
        "t AS (SELECT x.department_id AS a, y.department_id AS b FROM tu x JOIN tu y "
        "  ON x.task_id = y.task_id AND x.department_id < y.department_id), "
        "links AS (SELECT a, b, 'records' AS source FROM p UNION ALL SELECT a, b, 'comments' FROM s "
        "  UNION ALL SELECT a, b, 'tasks' FROM t), "
        "cross_links AS (SELECT a, b, source FROM links WHERE a IS NOT NULL AND b IS NOT NULL AND a <> b) "
        "SELECT unit_id, source, count(*) AS n FROM (SELECT a AS unit_id, source FROM cross_links "
        "  UNION ALL SELECT b, source FROM cross_links) GROUP BY unit_id, source",
        [start, end, start, end, start, end],
    )
    links: dict[int, dict[str, int]] = {}
    for r in rows:
        links.setdefault(r["unit_id"], {})[r["source"]] = int(r["n"])
    filers = _filers(start, end)
    found: list[Finding] = []
    for group, _level, people in _levels(world, filers):
        if group == "section":  # collaboration is between 本单位; sections of one unit work together by design
            continue
        per_head = {u: sum(links.get(u, {}).values()) / n for u, n in people.items() if rules.big_enough(n)}
        if len(per_head) < limits["staffing_min_peers"]:
            continue
        median, mad = robust(list(per_head.values()))
        if median <= 0:
            continue
        for unit_id, value in per_head.items():
            ratio, mads = value / median, _mads(value, median, mad)
            if ratio > limits["silo_ratio"] or mads > -limits["silo_mads"]:
                continue
            counts = links.get(unit_id, {})
            found.append(
                Finding(
                    kind="silo",
                    subject_type="unit",
                    subject_id=unit_id,
                    subject_name=world.name(unit_id),
                    unit_id=unit_id,
                    unit_name=world.name(unit_id),
                    start=start,
                    end=end,
                    strength=_scale(1 - ratio, 1 - limits["silo_ratio"], 1.0),
                    explanation=_(
                        "与其他单位的协作（参与人员、合作单位、跨单位点评质询、共同督办）人均 %(value).2f 次，"
                        "同类%(peers)s中位数 %(median).2f 次（为其 %(pct)d%%）"
                    )
                    % {"value": value, "median": median, "pct": round(ratio * 100), "peers": PEER_GROUP_LABELS[group]},
                    evidence=records_link(unit=unit_id, start=start, end=end),
                    figures={
                        "links_per_head": round(value, 3),
                        "peer_median": round(median, 3),
                        "ratio": round(ratio, 2),
                        "mads": round(mads, 1),
                        "records": counts.get("records", 0),
                        "comments": counts.get("comments", 0),
                        "tasks": counts.get("tasks", 0),
                        "filers": people[unit_id],
                        "peers": len(per_head),
                    },
                    group_size=people[unit_id],
                )
            )
    return found


def _unit_people() -> dict[str, dict[int, int]]:
    """People whose main post today is in a unit ('unit') or a 本单位 ('department')."""
    rows = engine.query(
        "SELECT 'unit' AS level, unit_id, count(*) AS n FROM people WHERE unit_id IS NOT NULL GROUP BY unit_id "
        "UNION ALL SELECT 'department', department_id, count(*) FROM people WHERE department_id IS NOT NULL "
        "GROUP BY department_id"
    )
    out: dict[str, dict[int, int]] = {"unit": {}, "department": {}}
    for r in rows:
        out[r["level"]][r["unit_id"]] = int(r["n"])
    return out


def _idle_duties(world: _World, start: datetime.date, end: datetime.date, working_days: int) -> list[Finding]:
    """Duties in force through the period (not retired, their unit not dissolved) that no record served."""
    rows = engine.query(
        "SELECT d.id, d.unit_id, d.code, d.title FROM duties d JOIN units u ON u.id = d.unit_id "
        "WHERE (d.retired_on IS NULL OR d.retired_on > ?) AND (u.valid_to IS NULL OR u.valid_to > ?) "
        "AND NOT EXISTS (SELECT 1 FROM records r WHERE r.duty_id = d.id AND r.date BETWEEN ? AND ?) "
        "ORDER BY d.unit_id, d.code",
        [end, end, start, end],
    )
    people = _unit_people()
    found: list[Finding] = []
    for r in rows:
        unit_id = r["unit_id"]
        # A 本单位's own duties are everyone's there; a section's or a village's, the people of that unit.
        level = "department" if world.department_of(unit_id) == unit_id else "unit"
        size = people[level].get(unit_id, 0)
        found.append(
            Finding(
                kind="idle_duty",
                subject_type="duty",
                subject_id=r["id"],
                subject_name=f"{r['code']} {r['title']}",
                unit_id=unit_id,
                unit_name=world.name(unit_id),
                start=start,
                end=end,
                strength=_scale(working_days, 0, 40),
                explanation=_("该职责在期间内 %(days)d 个工作日没有任何记实对应，请核实职责是否仍在履行或已调整")
                % {"days": working_days},
                evidence=records_link(unit=unit_id, start=start, end=end, duty=r["id"]),
                figures={"working_days": working_days, "code": r["code"]},
                group_size=size,
            )
        )
    return found


def _off_duty(world: _World, start: datetime.date, end: datetime.date, limits: dict[str, Any]) -> list[Finding]:
    rows = engine.query(
        "SELECT 'department' AS level, department_id AS unit_id, sum(minutes) AS minutes, "
        "sum(minutes) FILTER (WHERE duty_id IS NULL) AS free FROM records WHERE date BETWEEN ? AND ? "
        "GROUP BY department_id UNION ALL SELECT 'unit', unit_id, sum(minutes), "
        "sum(minutes) FILTER (WHERE duty_id IS NULL) FROM records WHERE date BETWEEN ? AND ? GROUP BY unit_id",
        [start, end, start, end],
    )
    share: dict[str, dict[int, tuple[float, float]]] = {"department": {}, "unit": {}}
    for r in rows:
        total = float(r["minutes"] or 0)
        if total > 0:
            share[r["level"]][r["unit_id"]] = (float(r["free"] or 0) / total, total)
    filers = _filers(start, end)
    found: list[Finding] = []
    flagged: set[int] = set()
    for group, level, people in _levels(world, filers):
        shares = {u: share[level][u][0] for u, n in people.items() if rules.big_enough(n) and u in share[level]}
        if len(shares) < limits["staffing_min_peers"]:
            continue
        median, mad = robust(list(shares.values()))
        for unit_id, value in shares.items():
            if (
                value < limits["off_duty_share"]
                or value - median < limits["off_duty_gap"]
                or _mads(value, median, mad) < limits["off_duty_mads"]
            ):
                continue
            if level == "unit" and world.department_of(unit_id) in flagged:
                continue
            flagged.add(unit_id)
            found.append(
                Finding(
                    kind="off_duty",
                    subject_type="unit",
                    subject_id=unit_id,
                    subject_name=world.name(unit_id),
                    unit_id=unit_id,
                    unit_name=world.name(unit_id),
                    start=start,
                    end=end,
                    strength=_scale(value, limits["off_duty_share"], 1.0),
                    explanation=_("%(pct)d%% 的记实时长没有对应职责，同类%(peers)s中位数为 %(median)d%%")
                    % {"pct": round(value * 100), "median": round(median * 100), "peers": PEER_GROUP_LABELS[group]},
                    evidence=records_link(unit=unit_id, start=start, end=end),
                    figures={
                        "share_without_duty": round(value, 3),
                        "peer_median": round(median, 3),
                        "hours": round(share[level][unit_id][1] / 60, 1),
                        "filers": people[unit_id],
                        "peers": len(shares),
                    },
                    group_size=people[unit_id],
                )
            )
    return found


# --- person kinds --------------------------------------------------------------------------------------------------


def _person_finding(
    world: _World,
    kind: str,
    row: dict[str, Any],
    start: datetime.date,
    end: datetime.date,
    strength: float,
    explanation: str,
    figures: dict[str, Any],
) -> Finding:
    person = world.people.get(row["author_id"], {})
    unit_id = row.get("unit_id") or person.get("unit_id")
    return Finding(
        kind=kind,
        subject_type="person",
        subject_id=row["author_id"],
        subject_name=str(person.get("full_name") or row["author_id"]),
        unit_id=unit_id,
        unit_name=world.name(unit_id),
        start=start,
        end=end,
        strength=strength,
        explanation=explanation,
        evidence=person_records_link(row["author_id"], start, end),
        figures=figures,
    )


def _copy_paste(world: _World, start: datetime.date, end: datetime.date, limits: dict[str, Any]) -> list[Finding]:
    rows = engine.query(
        "SELECT author_id, arg_max(unit_id, date) AS unit_id, count(*) AS n, "
        "count(*) FILTER (WHERE similar_to_previous >= ?) AS similar, "
        "avg(similar_to_previous) FILTER (WHERE similar_to_previous >= ?) AS level "
        "FROM records WHERE date BETWEEN ? AND ? GROUP BY author_id",
        [limits["copy_similarity"], limits["copy_similarity"], start, end],
    )
    found = []
    for r in rows:
        n, similar = int(r["n"]), int(r["similar"])
        share = similar / n if n else 0.0
        if similar < limits["copy_min_records"] or share < limits["copy_min_share"]:
            continue
        found.append(
            _person_finding(
                world,
                "copy_paste",
                r,
                start,
                end,
                _scale(share, limits["copy_min_share"], 0.9),
                _("%(pct)d%% 的记实与本人此前几天的内容几乎相同（平均相似度 %(level)d%%）")
                % {"pct": round(share * 100), "level": round(float(r["level"] or 0) * 100)},
                {"near_copies": similar, "share": round(share, 3), "similarity": round(float(r["level"] or 0), 3)},
            )
        )
    return found


def _long_hours(world: _World, start: datetime.date, end: datetime.date, limits: dict[str, Any]) -> list[Finding]:
    rows = engine.query(
        "SELECT author_id, arg_max(unit_id, date) AS unit_id, count(*) AS days, max(total) AS longest FROM ("
        "  SELECT author_id, date, arg_max(unit_id, minutes) AS unit_id, sum(minutes) AS total FROM records "
        "  WHERE date BETWEEN ? AND ? GROUP BY author_id, date) WHERE total > ? GROUP BY author_id "
        "HAVING count(*) >= ?",
        [start, end, limits["long_day_hours"] * 60, limits["long_min_days"]],
    )
    return [
        _person_finding(
            world,
            "long_hours",
            r,
            start,
            end,
            _scale(int(r["days"]), limits["long_min_days"] - 1, limits["long_min_days"] * 3),
            _("有 %(days)d 天记实合计超过 %(limit)d 小时，最长一天 %(longest).1f 小时")
            % {"days": int(r["days"]), "limit": limits["long_day_hours"], "longest": float(r["longest"]) / 60},
            {"days": int(r["days"]), "longest_hours": round(float(r["longest"]) / 60, 1)},
        )
        for r in rows
    ]


def _backfill(world: _World, start: datetime.date, end: datetime.date, limits: dict[str, Any]) -> list[Finding]:
    rows = engine.query(
        "WITH mine AS (SELECT author_id, unit_id, date, submit_lag_days, CAST(submitted_at AS DATE) AS day "
        "  FROM records WHERE date BETWEEN ? AND ?), "
        "batches AS (SELECT author_id, day, count(DISTINCT date) AS dates, count(*) AS n FROM mine "
        "  WHERE submit_lag_days >= ? GROUP BY author_id, day HAVING count(DISTINCT date) >= ?), "
        "per AS (SELECT author_id, count(*) AS batches, sum(n) AS in_batches, max(dates) AS biggest, "
        "  sum(dates) AS batched_dates "
        "  FROM batches GROUP BY author_id) "
        "SELECT m.author_id, arg_max(m.unit_id, m.date) AS unit_id, count(*) AS n, avg(m.submit_lag_days) AS lag, "
        "  max(m.submit_lag_days) AS longest, any_value(per.batches) AS batches, "
        "  any_value(per.in_batches) AS in_batches, any_value(per.biggest) AS biggest, "
        "  any_value(per.batched_dates) AS batched_dates "
        "FROM mine m JOIN per USING (author_id) GROUP BY m.author_id",
        [start, end, limits["backfill_min_lag"], limits["backfill_cluster_dates"]],
    )
    found = []
    for r in rows:
        n, batches, in_batches = int(r["n"]), int(r["batches"]), int(r["in_batches"])
        share = in_batches / n if n else 0.0
        if int(r["batched_dates"]) < limits["backfill_min_dates"] or share < limits["backfill_min_share"]:
            continue
        found.append(
            _person_finding(
                world,
                "backfill",
                r,
                start,
                end,
                _scale(share, limits["backfill_min_share"], 1.0),
                _(
                    "%(pct)d%% 的记实在事后集中提交：%(batches)d 次在同一天补交多日记实（最多一次 %(biggest)d 天），"
                    "平均晚 %(lag).1f 天"
                )
                % {
                    "pct": round(share * 100),
                    "batches": batches,
                    "biggest": int(r["biggest"]),
                    "lag": float(r["lag"] or 0),
                },
                {
                    "batches": batches,
                    "batched_dates": int(r["batched_dates"]),
                    "share": round(share, 3),
                    "mean_lag_days": round(float(r["lag"] or 0), 2),
                    "longest_lag_days": int(r["longest"] or 0),
                },
            )
        )
    return found


# --- what a reader sees --------------------------------------------------------------------------------------------


def visible(user: Any, found: Iterable[Finding]) -> list[Finding]:
    """The findings `user` may see: group findings within their group scope and about groups big enough; person
    findings about people whose records they read as a superior or scoped role."""
    scope = rules.group_scope(user)
    if not scope:
        return []
    found = list(found)
    people_units: dict[int, int | None] | None = None
    seen: dict[int, bool] = {}
    out = []
    for f in found:
        if f.kind in PERSON_KINDS:
            if f.subject_id not in seen:
                # The scope is the reader's superior and scoped units, as can_see_person's are: ask it only about
                # people the scope can reach (a cheap necessary condition), once per person.
                reachable = scope.all or scope.covers(f.unit_id)
                if not reachable:
                    if people_units is None:
                        people_units = {r["id"]: r["unit_id"] for r in engine.query("SELECT id, unit_id FROM people")}
                    reachable = scope.covers(people_units.get(f.subject_id))
                seen[f.subject_id] = reachable and rules.can_see_person(user, f.subject_id)
            if seen[f.subject_id]:
                out.append(f)
        elif f.unit_id is not None and scope.covers(f.unit_id) and rules.big_enough(f.group_size):
            out.append(f)
    return out


def in_unit(found: Iterable[Finding], unit_id: int) -> list[Finding]:
    """The findings about a unit or anything below it (people by the unit they worked in)."""
    subtree = _World().subtree(unit_id)
    return [f for f in found if f.unit_id in subtree]


_cache: dict[tuple[Any, ...], list[Finding]] = {}
CACHE_SIZE = 16  # periods × languages a process keeps


def findings_for(
    user: Any,
    *,
    start: datetime.date,
    end: datetime.date,
    unit_id: int | None = None,
    kinds: Iterable[str] | None = None,
) -> list[Finding]:
    """What `user` sees of the period's findings, optionally within a unit's subtree and of some kinds.

    The whole computation (seconds for a jurisdiction) is kept in this process per period, thresholds and language,
    for as long as the store's facts of the period's months are unchanged (store.period_version) and at most for the
    day. The worker refreshes the store every few minutes in working hours, but it rewrites only the months written
    to (and the last two months' owed days): a period that ended before last month is computed again only after a
    late entry (补记) into it, a rebuild, or the next day (people and units, rewritten at every refresh, are read
    afresh then)."""
    # The explanations are written in the reader's language when computed: the language is part of the key.
    key = (
        start,
        end,
        store.period_version(start, end),
        local_today(),
        tuple(sorted(thresholds().items())),
        get_language(),
    )
    found = _cache.get(key)
    if found is None:
        found = compute(start, end)
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))  # the oldest first
        _cache[key] = found
    if kinds:
        wanted = set(kinds)
        found = [f for f in found if f.kind in wanted]
    if unit_id is not None:
        found = in_unit(found, unit_id)
    return visible(user, found)
