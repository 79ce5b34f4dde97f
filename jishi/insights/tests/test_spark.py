"""The store's partitions are an interchange: workload per head by unit, computed by Apache Spark (pyspark, local
mode) straight from the Parquet files, gives the same numbers as DuckDB's (figures.workload_per_head, the function the
dashboards and reports use). A province could run the same report over many districts' partitions.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jishi.insights import figures, store
from jishi.org.models import Absence, AbsenceKind
from jishi.testing import Org, build_org, write_record

pyspark = pytest.importorskip("pyspark", reason="pyspark is a development dependency")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17): no `java` on PATH", allow_module_level=True)

pytestmark = pytest.mark.django_db

T = datetime.time
START, END = datetime.date(2026, 11, 2), datetime.date(2026, 11, 13)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("jishi-insights-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def world(settings: Any, tmp_path: Path) -> Org:
    settings.JISHI_INSIGHTS_DIR = tmp_path / "insights"
    settings.JISHI_LATE_ENTRY_DAYS = 100_000
    org = build_org()
    Absence.objects.create(person=org.colleague, kind=AbsenceKind.LEAVE, start=START, end=END)
    content = "审核教育局年中预算追加申请，建议先调剂再追加"
    for n in range(12):
        day = START + datetime.timedelta(days=n)
        write_record(org.author, date=day, content=content, start_time=T(9), end_time=T(11, 30))
        if n % 3 == 0:
            write_record(org.sibling, date=day, content=content, start_time=T(14), end_time=T(17))
            write_record(org.unrelated, date=day, content=content, start_time=T(8), end_time=T(9))
    store.rebuild(date_from=START, date_to=END)
    return org


def spark_workload(spark: Any, root: Path, level: str) -> list[dict[str, Any]]:
    """The same report, written for Spark over the same files (no Django, no DuckDB)."""
    for table in ("records", "owed"):
        spark.read.option("basePath", str(root / table)).parquet(str(root / table / "month=*")).createOrReplaceTempView(
            table
        )
    spark.read.parquet(str(root / "calendar.parquet")).createOrReplaceTempView("calendar")
    column = figures.LEVELS[level]
    rows = spark.sql(
        f"""
        WITH hours AS (
            SELECT {column} AS unit_id, sum(minutes) / 60.0 AS hours FROM records
            WHERE date BETWEEN DATE'{START}' AND DATE'{END}' GROUP BY {column}
        ), filers AS (
            SELECT {column} AS unit_id, count(DISTINCT person_id) AS filers FROM owed
            WHERE date BETWEEN DATE'{START}' AND DATE'{END}' GROUP BY {column}
        ), days AS (
            SELECT count(*) AS working_days FROM calendar
            WHERE working_day AND date BETWEEN DATE'{START}' AND DATE'{END}'
        )
        SELECT coalesce(f.unit_id, h.unit_id) AS unit_id, coalesce(h.hours, 0.0) AS hours,
               coalesce(f.filers, 0) AS filers, d.working_days,
               CASE WHEN coalesce(f.filers, 0) > 0 AND d.working_days > 0
                    THEN coalesce(h.hours, 0.0) / f.filers / d.working_days END AS per_head
        FROM filers f FULL OUTER JOIN hours h ON h.unit_id = f.unit_id CROSS JOIN days d
        ORDER BY unit_id
        """
    ).collect()
    return [row.asDict() for row in rows]


def rounded(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            r["unit_id"],
            round(float(r["hours"]), 9),
            int(r["filers"]),
            int(r["working_days"]),
            None if r["per_head"] is None else round(float(r["per_head"]), 9),
        )
        for r in rows
    ]


@pytest.mark.parametrize("level", ["department", "unit"])
def test_spark_and_duckdb_give_the_same_workload_per_head(world: Org, spark: Any, level: str) -> None:
    duck = figures.workload_per_head(start=START, end=END, level=level)
    assert len(duck) >= 3
    assert rounded(spark_workload(spark, store.store_dir(), level)) == rounded(duck)
    if level == "department":
        finance = next(r for r in duck if r["unit_id"] == world.finance.pk)
        # 张伟 12 × 2.5 h and 王芳 4 × 3 h; filers: everyone in 财政局 owing a day but 李娜 (on leave throughout)
        assert finance["hours"] == pytest.approx(42.0)
        assert finance["working_days"] == 10
