"""Dashboards (看板): the figures of a group of units over a period, computed in DuckDB over the analytics store.

A dashboard is about a *subject* — the whole jurisdiction, one unit with its subtree, or the units a leader is in
charge of (分管) — shown *by row*: the subject's parts (the jurisdiction's bureaus and towns, a unit's sections, a
leader's units), each row with everything below it; a unit's own people (a bureau's leaders) form a row "本级".
Who may see which subject is rules.group_scope's answer, nothing here decides it.

Each figure is plain data (numbers, names, drill-down links) that the page draws as a chart and a table and the API
returns as JSON. A row about fewer than JISHI_MIN_GROUP_SIZE people carries `hidden` and no numbers at all, so
neither a chart nor a table can show them; and the subject's totals (the filing rate, people, hours over time, time
by category, supervision) leave such rows out unless together they are people enough — else a total minus the rows
shown would give a hidden row's figure. Definitions are PRODUCT.md's and insights.md's: filing rate = filed owed
days / owed days; workload per head = hours / filers / working days (filers: people with an owed day in the row);
evening share = evening minutes / minutes; weekend share = minutes on non-working days / minutes.

A computed figure set is cached by (subject, period, as_of, language): a repeat costs a cache read, and a refresh of
the store (a newer as_of) makes every entry stale at once.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from django.core.cache import cache
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jishi.insights import rules, topics
from jishi.insights.periods import Period
from jishi.org.calendar import working_days
from jishi.org.models import Unit, UnitKind
from jishi.supervision.models import Dimension

CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class Subject:
    """What a dashboard is about: kind 'all' (the jurisdiction), 'unit' (one unit) or 'charge' (several units)."""

    kind: str
    title: str
    unit: Unit | None = None
    unit_ids: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{','.join(map(str, self.unit_ids))}"


def subject_for(user: Any, unit_id: int | None = None) -> Subject | None:
    """The dashboard `user` may see: of `unit_id`, or their own (None: no dashboard — the view answers 404)."""
    scope = rules.group_scope(user)
    if not scope:
        return None
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None or not scope.covers(unit.pk):
            return None
        return Subject("unit", unit.name, unit, (unit.pk,))
    if scope.all:
        root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        return Subject("all", root.name if root else _("全辖区"), root, ())
    roots = scope.root_ids()
    if len(roots) == 1:
        unit = Unit.objects.get(pk=roots[0])
        return Subject("unit", unit.name, unit, (unit.pk,))
    return Subject("charge", _("分管单位"), None, tuple(roots))


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    kind: str
    own: bool = False  # the subject unit's own people ("本级"), without the units below it


def rows_of(subject: Subject) -> list[Row]:
    """The subject's parts: the units directly below it (and the unit itself as 本级), or a leader's units."""
    if subject.kind == "charge":
        units = Unit.objects.filter(pk__in=subject.unit_ids).order_by("path")
        return [Row(u.pk, u.name, u.kind) for u in units]
    if subject.unit is None:
        return []
    children = Unit.objects.filter(parent=subject.unit, valid_to__isnull=True).order_by("path")
    own = Row(subject.unit.pk, _("%(name)s（本级）") % {"name": subject.unit.name}, subject.unit.kind, own=True)
    return [own, *(Row(u.pk, u.name, u.kind) for u in children)]


# DuckDB: each unit of the store to the row it falls under — the row with the longest path that is a prefix of the
# unit's (a unit under a section belongs to the section's row, not to the bureau's 本级 row). Worked out once a
# dashboard (the prefix join costs more than the figures' own statements when each of them repeats it) and handed to
# every statement as two lists.
ROW_MAP_SQL = """SELECT u.id AS unit_id, r.id AS row_id
FROM units u JOIN (SELECT id, path FROM units WHERE list_contains($rows::BIGINT[], id)) r ON starts_with(u.path, r.path)
QUALIFY row_number() OVER (PARTITION BY u.id ORDER BY length(r.path) DESC) = 1
"""
ROWMAP = """rowmap AS (SELECT unnest($map_units::BIGINT[]) AS unit_id, unnest($map_rows::BIGINT[]) AS row_id)"""

FILING_SQL = f"""WITH {ROWMAP}
SELECT m.row_id, date_trunc('week', o.date)::DATE AS week, grouping(week) AS total,
       count(*) AS owed, count(*) FILTER (WHERE o.filed) AS filed, count(DISTINCT o.person_id) AS people
FROM owed o JOIN rowmap m USING (unit_id)
WHERE o.month BETWEEN $first_month AND $last_month AND o.date BETWEEN $start AND $end
GROUP BY GROUPING SETS ((m.row_id, week), (m.row_id))
"""

WORK_SQL = f"""WITH {ROWMAP}
SELECT m.row_id, date_trunc('week', r.date)::DATE AS week, grouping(m.row_id) AS by_week,
       count(*) AS records, sum(r.minutes) AS minutes, sum(r.evening_minutes) AS evening,
       coalesce(sum(r.minutes) FILTER (WHERE NOT r.working_day), 0) AS weekend
FROM records r JOIN rowmap m USING (unit_id)
WHERE r.month BETWEEN $first_month AND $last_month AND r.date BETWEEN $start AND $end
  AND list_contains($shown::BIGINT[], m.row_id)
GROUP BY GROUPING SETS ((m.row_id), (week))
"""

CATEGORY_SQL = f"""WITH {ROWMAP}
SELECT r.category_id, any_value(c.name) AS name, count(*) AS records, sum(r.minutes) AS minutes
FROM records r JOIN rowmap m USING (unit_id) LEFT JOIN categories c ON c.id = r.category_id
WHERE r.month BETWEEN $first_month AND $last_month AND r.date BETWEEN $start AND $end
  AND list_contains($shown::BIGINT[], m.row_id)
GROUP BY r.category_id ORDER BY minutes DESC
"""

DUTY_SQL = f"""WITH {ROWMAP},
scoped AS (
    SELECT d.id, m.row_id FROM duties d JOIN rowmap m ON m.unit_id = d.unit_id
    WHERE d.retired_on IS NULL OR d.retired_on > $start
)
SELECT s.row_id, NULL::DATE AS week, count(*) AS duties FROM scoped s GROUP BY s.row_id
UNION ALL
SELECT s.row_id, date_trunc('week', r.date)::DATE AS week, count(DISTINCT r.duty_id) AS duties
FROM records r JOIN scoped s ON s.id = r.duty_id
WHERE r.month BETWEEN $first_month AND $last_month AND r.date BETWEEN $start AND $end
GROUP BY ALL
"""

TASK_SQL = f"""WITH {ROWMAP}
SELECT m.row_id,
       count(*) FILTER (WHERE t.issued_date BETWEEN $start AND $end) AS issued,
       count(*) FILTER (WHERE t.closed_date BETWEEN $start AND $end) AS closed,
       count(*) FILTER (WHERE t.closed_date IS NULL AND t.issued_date <= $end) AS open,
       count(*) FILTER (WHERE t.overdue) AS overdue,
       median(t.lead_days) FILTER (WHERE t.closed_date BETWEEN $start AND $end) AS lead_days
FROM tasks t JOIN rowmap m ON m.unit_id = t.owner_unit_id
GROUP BY m.row_id
"""

SUPERVISION_SQL = f"""WITH {ROWMAP}
SELECT s.dimension, s.kind, count(*) AS acts
FROM supervision s JOIN people p ON p.id = s.author_id JOIN rowmap m ON m.unit_id = p.unit_id
WHERE s.month BETWEEN $first_month AND $last_month AND s.date BETWEEN $start AND $end
  AND list_contains($shown::BIGINT[], m.row_id)
GROUP BY ALL
"""

TOPIC_SCOPE_SQL = f"""WITH {ROWMAP}
SELECT DISTINCT u.department_id FROM units u JOIN rowmap m ON m.unit_id = u.id WHERE u.department_id IS NOT NULL
"""

ACTIVE_SQL = f"""WITH {ROWMAP}
SELECT DISTINCT m.row_id FROM records r JOIN rowmap m USING (unit_id)
WHERE r.month BETWEEN $first_month AND $last_month AND r.date BETWEEN $start AND $end
"""


def _cover(rows: list[Row], people: dict[int, int], visible: dict[int, bool], active: Callable[[], set[int]]) -> None:
    """Secondary suppression: when the rows hidden for being too small hold people or records, but together fewer
    than the minimum, hide the smallest shown rows too (the 本级 row first among equals) until the hidden ones
    together are people enough or none is shown. The totals count every row: they equal the subject's own row on
    its parent's dashboard, and the totals minus the rows shown are a group of people enough."""
    hidden = [r for r in rows if not visible[r.id]]
    if not hidden:
        return
    hidden_people = sum(people.get(r.id, 0) for r in hidden)
    if rules.big_enough(hidden_people):
        return
    with_work = active()
    if not any(people.get(r.id, 0) or r.id in with_work for r in hidden):
        return  # units with nobody and no record: nothing to give away
    for r in sorted((r for r in rows if visible[r.id]), key=lambda r: (people.get(r.id, 0), not r.own, r.id)):
        if rules.big_enough(hidden_people):
            break
        visible[r.id] = False
        hidden_people += people.get(r.id, 0)


_PARAM = re.compile(r"\$([a-z_]+)")


def _run(query: Callable[..., list[dict[str, Any]]], sql: str, **params: Any) -> list[dict[str, Any]]:
    """engine.query with only the parameters this statement names (DuckDB refuses extra ones)."""
    used = set(_PARAM.findall(sql))
    return query(sql, {k: v for k, v in params.items() if k in used})


@functools.cache
def _records_path(script_prefix: str) -> str:
    return reverse("insights:records")


def records_link(period: Period, **filters: Any) -> str:
    """The drill-down: the records behind a figure, as the reader may see them (views.records). `unit` is one unit
    or a list of them (a leader's units: "3,7,9"). A jurisdiction's dashboard has a couple of thousand of these: the
    path is reversed once and the query written directly (ids and dates need no quoting; words do)."""
    parts = [f"start={period.start.isoformat()}", f"end={period.end.isoformat()}"]
    for name, value in filters.items():
        if isinstance(value, list | tuple):
            value = "%2C".join(map(str, value))
        elif isinstance(value, str):
            value = quote_plus(value)
        if value not in (None, ""):
            parts.append(f"{name}={value}")
    return f"{_records_path(get_script_prefix())}?{'&'.join(parts)}"


def _week_link(period: Period, week: datetime.date, **filters: Any) -> str:
    start = max(week, period.start)
    end = min(week + datetime.timedelta(days=6), period.end)
    return records_link(Period(start, end), **filters)


def _share(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compute(subject: Subject, period: Period, *, query: Callable[..., list[dict[str, Any]]]) -> dict[str, Any]:
    """Every figure of the subject's dashboard over the period (uncached; see figures())."""
    rows = rows_of(subject)
    row_ids = [r.id for r in rows]
    whole = list(subject.unit_ids)  # the drill-down of a figure about the whole subject ([] is the jurisdiction)
    weeks = period.weeks()
    params: dict[str, Any] = {
        "rows": row_ids,
        "start": period.start,
        "end": period.end,
        # The fact tables are partitioned by month: a condition on it reads only the period's files.
        "first_month": period.start.strftime("%Y-%m"),
        "last_month": period.end.strftime("%Y-%m"),
    }
    n_working = len(working_days(period.start, period.end))
    mapped = _run(query, ROW_MAP_SQL, rows=row_ids)
    params["map_units"] = [m["unit_id"] for m in mapped]
    params["map_rows"] = [m["row_id"] for m in mapped]

    filing = _run(query, FILING_SQL, **params)
    people = {f["row_id"]: int(f["people"]) for f in filing if f["total"]}
    visible = {r.id: rules.big_enough(people.get(r.id, 0)) for r in rows}
    _cover(rows, people, visible, lambda: {a["row_id"] for a in _run(query, ACTIVE_SQL, **params)})
    # The totals: over every row — the same figures as this subject's own row on its parent's dashboard, so no
    # difference between two dashboards gives a hidden row away — or nothing when the whole group is too small.
    all_people = sum(people.get(r.id, 0) for r in rows)
    whole_visible = rules.big_enough(all_people)
    counted = {r.id for r in rows} if whole_visible else set()
    params["shown"] = sorted(counted)

    def unit_link(row: Row, **more: Any) -> str:
        return records_link(period, unit=row.id, own=1 if row.own else None, **more)

    # Filing rate by unit and week --------------------------------------------------------------------------------
    cells: dict[tuple[int, datetime.date], dict[str, Any]] = {}
    totals: dict[int, dict[str, Any]] = {}
    for f in filing:
        if f["total"]:
            totals[f["row_id"]] = f
        else:
            cells[(f["row_id"], f["week"])] = f
    filing_rows = []
    for row in rows:
        total = totals.get(row.id)
        entry: dict[str, Any] = {"unit_id": row.id, "name": row.name, "kind": row.kind, "hidden": not visible[row.id]}
        if visible[row.id]:
            entry.update(
                people=people.get(row.id, 0),
                owed=int(total["owed"]) if total else 0,
                filed=int(total["filed"]) if total else 0,
                rate=_share(total["filed"], total["owed"]) if total else None,
                link=unit_link(row),
                weeks=[],
            )
            for week in weeks:
                cell = cells.get((row.id, week))
                shown = cell is not None and rules.big_enough(int(cell["people"]))
                entry["weeks"].append(
                    {
                        "week": week.isoformat(),
                        "rate": _share(cell["filed"], cell["owed"]) if shown and cell else None,
                        "hidden": cell is not None and not shown,
                        "link": _week_link(period, week, unit=row.id, own=1 if row.own else None),
                    }
                )
        filing_rows.append(entry)
    owed_all = sum(int(t["owed"]) for rid, t in totals.items() if rid in counted)
    filed_all = sum(int(t["filed"]) for rid, t in totals.items() if rid in counted)

    # Records and hours: over time (by week) and per row (workload) ------------------------------------------------
    work = _run(query, WORK_SQL, **params)
    by_week = {w["week"]: w for w in work if w["by_week"]}
    by_row = {w["row_id"]: w for w in work if not w["by_week"]}
    volume = [
        {
            "week": week.isoformat(),
            "records": int(by_week[week]["records"]) if week in by_week else 0,
            "hours": round(float(by_week[week]["minutes"] or 0) / 60, 1) if week in by_week else 0.0,
            "link": _week_link(period, week, unit=whole),
        }
        for week in weeks
    ]
    workload = []
    for row in rows:
        entry = {"unit_id": row.id, "name": row.name, "kind": row.kind, "hidden": not visible[row.id]}
        w = by_row.get(row.id)
        if visible[row.id]:
            minutes = float(w["minutes"] or 0) if w else 0.0
            filers = people.get(row.id, 0)
            entry.update(
                people=filers,
                records=int(w["records"]) if w else 0,
                hours=round(minutes / 60, 1),
                per_head=round(minutes / 60 / filers / n_working, 2) if filers and n_working else None,
                evening_share=_share(float(w["evening"] or 0), minutes) if w else None,
                weekend_share=_share(float(w["weekend"] or 0), minutes) if w else None,
                link=unit_link(row),
            )
        workload.append(entry)
    rates = {r["unit_id"]: r.get("rate") for r in filing_rows}
    town_ids = {r.id for r in rows if r.kind == UnitKind.TOWN and not r.own}
    towns = [{**w, "rate": rates.get(w["unit_id"])} for w in workload if w["unit_id"] in town_ids]

    # Time by category ---------------------------------------------------------------------------------------------
    categories = []
    if whole_visible:
        cats = _run(query, CATEGORY_SQL, **params)
        all_minutes = sum(float(c["minutes"] or 0) for c in cats)
        for c in cats:
            minutes = float(c["minutes"] or 0)
            categories.append(
                {
                    "category_id": c["category_id"],
                    "name": c["name"] or "—",
                    "records": int(c["records"]),
                    "hours": round(minutes / 60, 1),
                    "share": _share(minutes, all_minutes),
                    "link": records_link(period, unit=whole, category=c["category_id"]),
                }
            )

    # Duty coverage: share of a row's duties that saw work, week by week -------------------------------------------
    duty_rows_raw = _run(query, DUTY_SQL, **params)
    duty_total = {d["row_id"]: int(d["duties"]) for d in duty_rows_raw if d["week"] is None}
    duty_week = {(d["row_id"], d["week"]): int(d["duties"]) for d in duty_rows_raw if d["week"] is not None}
    duties = []
    for row in rows:
        n = duty_total.get(row.id, 0)
        entry = {"unit_id": row.id, "name": row.name, "hidden": not visible[row.id], "duties": n}
        if visible[row.id]:
            entry["weeks"] = [
                {
                    "week": week.isoformat(),
                    "covered": duty_week.get((row.id, week), 0),
                    "share": _share(duty_week.get((row.id, week), 0), n) if n else None,
                    "link": _week_link(period, week, unit=row.id, own=1 if row.own else None),
                }
                for week in weeks
            ]
        if n or visible[row.id]:
            duties.append(entry)

    # Task flow by owner unit --------------------------------------------------------------------------------------
    task_raw = {t["row_id"]: t for t in _run(query, TASK_SQL, **params)}
    tasks = []
    for row in rows:
        t = task_raw.get(row.id)
        entry = {"unit_id": row.id, "name": row.name, "hidden": not visible[row.id]}
        if visible[row.id]:
            tasks_of = f"{reverse('tasks:list')}?{urlencode({'unit': row.id, 'rel': 'owned'})}"
            entry.update(
                link=tasks_of,  # the unit's tasks as the tasks app lists them to this reader
                overdue_link=f"{tasks_of}&overdue=1",
                issued=int(t["issued"]) if t else 0,
                closed=int(t["closed"]) if t else 0,
                open=int(t["open"]) if t else 0,
                overdue=int(t["overdue"]) if t else 0,
                lead_days=round(float(t["lead_days"]), 1) if t and t["lead_days"] is not None else None,
            )
        tasks.append(entry)

    # Supervision by dimension -------------------------------------------------------------------------------------
    supervision = []
    if whole_visible:
        acts: dict[str, dict[str, int]] = {}
        for s in _run(query, SUPERVISION_SQL, **params):
            acts.setdefault(s["dimension"], {})[s["kind"]] = int(s["acts"])
        for dimension in Dimension:
            if dimension in acts:
                counts = acts[dimension]
                supervision.append(
                    {
                        "dimension": dimension.value,
                        "name": str(dimension.label),
                        "views": counts.get("view", 0),
                        "comments": counts.get("comment", 0),
                        "inquiries": counts.get("inquiry", 0),
                    }
                )

    # Topics of the week -------------------------------------------------------------------------------------------
    topic_rows = []
    if whole_visible:
        departments = None
        if subject.kind != "all":
            departments = [d["department_id"] for d in _run(query, TOPIC_SCOPE_SQL, **params)]
        week_start, _base = topics.week_of(period.end)
        for t in topics.rising(query, end=period.end, department_ids=departments):
            link = records_link(Period(week_start, period.end), unit=whole, q=t["term"])
            topic_rows.append({**t, "link": link})

    # Supervision's own overview, over the same period, for the figures' acts (its page asks who may see it).
    dates = urlencode({"date_from": period.start.isoformat(), "date_to": period.end.isoformat()})
    if subject.kind == "unit" and subject.unit is not None:
        supervision_link = f"{reverse('supervision:unit_overview', args=[subject.unit.pk])}?{dates}"
    else:
        supervision_link = f"{reverse('supervision:overview')}?{dates}"
    return {
        "supervision_link": supervision_link,
        "subject": {"kind": subject.kind, "title": subject.title, "unit_id": subject.unit.pk if subject.unit else None},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "working_days": n_working},
        "weeks": [w.isoformat() for w in weeks],
        "min_group": rules.min_group(),
        "hidden": not whole_visible,
        "people": all_people if whole_visible else None,
        "filing": {"rate": _share(filed_all, owed_all), "owed": owed_all, "filed": filed_all, "rows": filing_rows},
        "volume": volume,
        "categories": categories,
        "workload": workload,
        "towns": towns if len(towns) >= 2 else [],
        "duties": duties,
        "tasks": tasks,
        "supervision": supervision,
        "topics": topic_rows,
    }


def figures(subject: Subject, period: Period) -> dict[str, Any]:
    """The subject's figures over the period, from the cache when the store has not changed since."""
    from jishi.insights import engine

    engine.ensure_built()
    as_of = engine.as_of()
    stamp = as_of.isoformat() if as_of else "-"
    raw = f"{subject.key}|{period.start}|{period.end}|{stamp}|{translation.get_language()}"
    key = "insights:dashboard:" + hashlib.sha1(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute(subject, period, query=engine.query)
        found["as_of"] = as_of.isoformat() if as_of else None
        cache.set(key, found, CACHE_SECONDS)
    return found
