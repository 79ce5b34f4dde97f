"""Queries compiled once and run many times with other values.

Compiling a queryset's SQL cost a list page more than everything else it did together (bench/RESULTS.md): the
visibility condition alone is a dozen nested lookups, and it is the same for every page a reader opens. A prepared
query is compiled once from a queryset built with placeholder values, remembers where each placeholder's value
sits among the parameters, and is then run with real values: the SQL Django wrote, with Django's own converters
applied to what comes back. What it may be reused for is the caller's business (jishi.records.selectors keys it by
the reader and the filters' shape, in a jishi.core.cache.GenerationCache).

Placeholders must be values no real query would carry (large negative ids, dates in the year 1000s), so that they
can be found among the parameters; a placeholder the compiled SQL does not contain is an error, not a silent miss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


@dataclass(frozen=True)
class Prepared:
    """SQL with its parameters, where each placeholder's value goes, and the converters of its columns."""

    sql: str | None  # None: the query can match nothing (Django raised EmptyResultSet), so it is not run
    params: tuple[Any, ...]
    slots: tuple[tuple[str, tuple[int, ...]], ...]
    as_text: frozenset[int]  # positions whose value the backend passes as text (dates on SQLite)
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]

    def rows(self, values: Mapping[str, Any] | None = None) -> list[list[Any]] | list[tuple[Any, ...]]:
        """Run with `values` for the placeholders; rows as Django's values_list() would give them."""
        if self.sql is None:
            return []
        params = list(self.params)
        for name, positions in self.slots:
            value = values[name] if values else None
            for at in positions:
                params[at] = str(value) if at in self.as_text else value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for at, converters, expression in self.converters:
                value = row[at]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[at] = value
            converted.append(row)
        return converted


def prepare(queryset: QuerySet[Any], placeholders: Mapping[str, Any] | None = None) -> Prepared:
    """Compile `queryset` (built with the placeholder values) once."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return Prepared(None, (), (), frozenset(), ())
    slots = []
    as_text: set[int] = set()
    for name, value in (placeholders or {}).items():
        text = str(value)
        positions = tuple(
            i
            for i, p in enumerate(params)
            if (type(p) is type(value) and p == value) or (isinstance(p, str) and p == text)
        )
        if not positions:
            raise ValueError(f"placeholder {name}={value!r} is not among the query's parameters")
        as_text.update(i for i in positions if isinstance(params[i], str) and not isinstance(value, str))
        slots.append((name, positions))
    columns = [column for column, _, _ in compiler.select]
    converters = tuple(
        (at, tuple(converters), expression) for at, (converters, expression) in compiler.get_converters(columns).items()
    )
    return Prepared(sql, tuple(params), tuple(slots), frozenset(as_text), converters)


# Queries that depend on nothing but their placeholders, compiled once per name and database.
_compiled: dict[tuple[str, str], Prepared] = {}


def compiled(name: str, build: Callable[[], QuerySet[Any]], placeholders: Mapping[str, Any] | None = None) -> Prepared:
    """`prepare(build(), placeholders)`, done once per `name` and database by each worker."""
    key = (name, connection.vendor)
    prepared = _compiled.get(key)
    if prepared is None:
        prepared = _compiled[key] = prepare(build(), placeholders)
    return prepared


def rows_for_ids(
    name: str,
    build: Callable[[list[int]], QuerySet[Any]],
    ids: Sequence[int],
    length: int,
    placeholders: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
) -> list[list[Any]] | list[tuple[Any, ...]]:
    """The rows of `build(ids)` — a values_list() query filtering on a list of ids — compiled once per `name` and
    `length`: the ids are padded to `length` (at least len(ids)) with 0, an id no row has. Other `placeholders`,
    which `build` puts in the query itself, are given their `values` as in Prepared.rows."""
    length = max(length, len(ids))
    slots = {f"id{i}": -7_391_900_000 - i for i in range(length)}
    prepared = compiled(f"{name}, {length} ids", lambda: build(list(slots.values())), {**slots, **(placeholders or {})})
    padded = [*ids, *[0] * (length - len(ids))]
    return prepared.rows({**{f"id{i}": pk for i, pk in enumerate(padded)}, **(values or {})})
