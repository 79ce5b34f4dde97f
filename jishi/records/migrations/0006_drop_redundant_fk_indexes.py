"""Drop the single-column indexes Django gives every foreign key where a composite index already leads with the column.

A plain DROP INDEX (the same index names on SQLite and PostgreSQL): AlterField would make SQLite copy the whole
records table to change nothing but an index.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DROPPED = [
    ("records_recordparticipant_person_id_f669afd6", "records_recordparticipant", "person_id"),
    ("records_recordversion_record_id_664541c0", "records_recordversion", "record_id"),
    ("records_workrecord_author_id_573a2971", "records_workrecord", "author_id"),
    ("records_workrecord_department_id_73ba2568", "records_workrecord", "department_id"),
    ("records_workrecord_unit_id_5a0c4229", "records_workrecord", "unit_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('records', '0005_record_withdrawal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]


    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='recordparticipant',
                    name='person',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='participations', to=settings.AUTH_USER_MODEL, verbose_name='人员'),
                ),
                migrations.AlterField(
                    model_name='recordversion',
                    name='record',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='records.workrecord'),
                ),
                migrations.AlterField(
                    model_name='workrecord',
                    name='author',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='records', to=settings.AUTH_USER_MODEL, verbose_name='记录人'),
                ),
                migrations.AlterField(
                    model_name='workrecord',
                    name='department',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='本单位'),
                ),
                migrations.AlterField(
                    model_name='workrecord',
                    name='unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='org.unit', verbose_name='所在单位'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in DROPPED
            ],
        ),
    ]
