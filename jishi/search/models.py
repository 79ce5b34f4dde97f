"""The search index: one row per record holding its searchable text as index terms (see terms.py).

The table is vendor-specific and created by the migration, so the model is unmanaged: on SQLite an FTS5
virtual table (its implicit rowid is the record id), on PostgreSQL a table with a tsvector column and a GIN
index. Queries reach it through the `matches` lookup and the `Relevance` expression, which write the
vendor's operator, so selectors stay one ORM query on both.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, FloatField, Func, Lookup
from django.utils.translation import gettext_lazy as _

from jishi.records.models import WorkRecord


class TermsField(models.TextField):
    """Index terms: FTS5 text on SQLite, tsvector on PostgreSQL."""

    def db_type(self, connection: Any) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


@TermsField.register_lookup
class Matches(Lookup):
    """`terms__matches=query` (a terms.Query): FTS5 MATCH on SQLite, @@ on PostgreSQL."""

    lookup_name = "matches"
    prepare_rhs = False  # the value is a terms.Query, turned into the vendor's syntax below

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        expression = value.tsquery() if connection.vendor == "postgresql" else value.fts5()
        return "%s", [expression]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} @@ ({rhs})::tsquery", [*lhs_params, *rhs_params]
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class Relevance(Func):
    """How well a record matches; lower is better on both vendors (FTS5 bm25 is negative, so ts_rank is negated).

    Only meaningful in a query that also filters on `matches` with the same query.
    """

    output_field = FloatField()

    def __init__(self, query: Any, terms: str = "search_entry__terms") -> None:
        self.query = query
        super().__init__(F(terms))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        # FTS5's hidden `rank` column of the same table holds bm25 for the current MATCH.
        return column.rsplit(".", 1)[0] + '."rank"', params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        # Normalisation 1 divides by the log of the document's length, as bm25 weighs length: a word in a short
        # record counts more, and records with one occurrence stop tying (which made PostgreSQL join every match).
        return f"-ts_rank({column}, (%s)::tsquery, 1)", [*params, self.query.tsquery()]


class SearchEntry(models.Model):
    """检索索引条目 — a record's content, place, result and reflection as index terms."""

    record = models.OneToOneField(
        WorkRecord, primary_key=True, db_column="rowid", on_delete=models.DO_NOTHING, related_name="search_entry"
    )
    terms = TermsField(_("索引词"))

    class Meta:
        managed = False
        db_table = "search_entry"
        verbose_name = _("检索索引条目")
        verbose_name_plural = _("检索索引条目")

    def __str__(self) -> str:
        return f"search entry {self.pk}"
