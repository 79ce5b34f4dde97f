"""The search index table, vendor-specific (see jishi/search/models.py): FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

import django.db.models.deletion
from django.db import migrations, models

import jishi.search.models

SQLITE = [
    # unicode61 splits on spaces and keeps a CJK pair as one token; the terms are prepared in Python.
    "CREATE VIRTUAL TABLE search_entry USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_entry"]
POSTGRESQL = [
    # No foreign key: records are never deleted, and a bulk rebuild truncates this table on its own.
    "CREATE TABLE search_entry (rowid bigint PRIMARY KEY, terms tsvector NOT NULL)",
    "CREATE INDEX search_entry_terms ON search_entry USING gin (terms)",
]
POSTGRESQL_DROP = ["DROP TABLE IF EXISTS search_entry"]


def create_index_table(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def drop_index_table(apps, schema_editor):
    statements = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("records", "0004_import_batch"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "record",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="records.workrecord",
                    ),
                ),
                ("terms", jishi.search.models.TermsField(verbose_name="索引词")),
            ],
            options={
                "verbose_name": "检索索引条目",
                "verbose_name_plural": "检索索引条目",
                "db_table": "search_entry",
                "managed": False,
            },
        ),
        migrations.RunPython(create_index_table, drop_index_table),
    ]
