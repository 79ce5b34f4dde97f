"""DuckDB over the analytics store: one in-memory database per process with a view per table of store.py.

    engine.query("SELECT unit_id, sum(minutes) AS minutes FROM records WHERE date BETWEEN ? AND ? GROUP BY 1",
                 [start, end])  ->  [{"unit_id": 7, "minutes": 5400}, ...]

Values always go in as parameters (`?` with a list, `$name` with a dict), never formatted into the SQL. The views
read the files at query time; the connection is reopened when meta.json's as_of changes (a refresh may have added a
table's first file, and an empty table's view is a typed empty select). Fact tables carry the partition column
`month` ('YYYY-MM') besides their own columns.
"""

from __future__ import annotations

import datetime
import threading
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from jishi.insights import store

_SQL_TYPES = {
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    pa.string(): "VARCHAR",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP",
}

_lock = threading.Lock()
_state: dict[str, Any] = {"connection": None, "key": None}


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _empty_select(table: str, *, partitioned: bool) -> str:
    columns = [f'CAST(NULL AS {_SQL_TYPES[f.type]}) AS "{f.name}"' for f in store.SCHEMAS[table]]
    if partitioned:
        columns.append('CAST(NULL AS VARCHAR) AS "month"')
    return f"SELECT {', '.join(columns)} WHERE false"


def _view_sql(table: str, root: Path) -> str:
    if table in store.FACTS:
        folder = root / table
        if any(folder.glob("month=*/*.parquet")):
            source = (
                f"read_parquet({_literal(folder / 'month=*' / '*.parquet')}, hive_partitioning = true, "
                "union_by_name = true, hive_types = {'month': VARCHAR})"
            )
            return f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM {source}'
        return f'CREATE OR REPLACE VIEW "{table}" AS {_empty_select(table, partitioned=True)}'
    path = root / f"{table}.parquet"
    if path.exists():
        return f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM read_parquet({_literal(path)})'
    return f'CREATE OR REPLACE VIEW "{table}" AS {_empty_select(table, partitioned=False)}'


def _open(root: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(config={"threads": 2})
    for table in store.SCHEMAS:
        connection.execute(_view_sql(table, root))
    return connection


def connect() -> duckdb.DuckDBPyConnection:
    """The process's DuckDB connection with the store's views (reopened after a refresh). Use a cursor of it per
    thread: `connect().cursor()` (query() does)."""
    root = store.store_dir()
    key = (str(root), store.read_meta().get("as_of"))
    with _lock:
        if _state["key"] != key or _state["connection"] is None:
            previous = _state["connection"]
            _state["connection"], _state["key"] = _open(root), key
            if previous is not None:
                previous.close()
        connection: duckdb.DuckDBPyConnection = _state["connection"]
        return connection


def query(sql: str, params: list[Any] | tuple[Any, ...] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query over the store as dicts (column name → value)."""
    cursor = connect().cursor()
    try:
        result = cursor.execute(sql, params) if params is not None else cursor.execute(sql)
        names = [column[0] for column in result.description or []]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        cursor.close()


def as_of() -> datetime.datetime | None:
    """When the store was last refreshed (local time), None when it was never built."""
    value = store.read_meta().get("as_of")
    return datetime.datetime.fromisoformat(value) if value else None


def ensure_built() -> None:
    """Build the store if it was never built (a new installation, a test): dashboards then show figures at once."""
    if not store.is_built():
        store.rebuild()
