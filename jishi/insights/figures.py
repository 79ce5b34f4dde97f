"""Figures defined once over the store, for the dashboards and the reports (and, in test_spark.py, for Spark).

Workload per head (PRODUCT.md, insights.md "Figures"): hours / filers / working days in the period, where the hours
are the group's records' minutes / 60 and the filers the people with at least one owed day in the group in the
period; the working days come from the store's own calendar table, so the partitions alone give the figure.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

# The column a group is read from: the 本单位 (department, default) or the unit itself.
LEVELS = {"department": "department_id", "unit": "unit_id"}

WORKLOAD_SQL = """
WITH hours AS (
    SELECT {column} AS unit_id, sum(minutes) / 60.0 AS hours
    FROM records WHERE date BETWEEN $start AND $end GROUP BY 1
), filers AS (
    SELECT {column} AS unit_id, count(DISTINCT person_id) AS filers
    FROM owed WHERE date BETWEEN $start AND $end GROUP BY 1
), days AS (
    SELECT count(*) AS working_days FROM calendar WHERE working_day AND date BETWEEN $start AND $end
)
SELECT coalesce(f.unit_id, h.unit_id) AS unit_id, coalesce(h.hours, 0.0) AS hours,
       coalesce(f.filers, 0) AS filers, d.working_days,
       CASE WHEN coalesce(f.filers, 0) > 0 AND d.working_days > 0
            THEN coalesce(h.hours, 0.0) / f.filers / d.working_days END AS per_head
FROM filers f FULL OUTER JOIN hours h ON h.unit_id = f.unit_id CROSS JOIN days d
WHERE ($all OR list_contains($units, coalesce(f.unit_id, h.unit_id)))
ORDER BY unit_id
"""


def workload_sql(level: str = "department") -> str:
    """The workload query for a level ('department' or 'unit'); parameters $start, $end, $all, $units."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return WORKLOAD_SQL.format(column=LEVELS[level])


def workload_per_head(
    *,
    start: datetime.date,
    end: datetime.date,
    level: str = "department",
    unit_ids: Iterable[int] | None = None,
    query: Callable[..., list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Per unit (each 本单位, or each unit with level='unit'; only `unit_ids` when given): unit_id, hours, filers,
    working_days and per_head (hours per filer per working day; None without filers). Groups too small to show are
    the caller's to hide (rules.big_enough(filers))."""
    from jishi.insights import engine

    run = query or engine.query
    units = None if unit_ids is None else sorted(set(unit_ids))
    params = {"start": start, "end": end, "all": units is None, "units": units or []}
    return run(workload_sql(level), params)
