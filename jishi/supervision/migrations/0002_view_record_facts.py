"""Views carry their record's date and units, so the overview aggregates the view table alone."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    RecordView = apps.get_model("supervision", "RecordView")
    WorkRecord = apps.get_model("records", "WorkRecord")
    facts = models.Subquery(WorkRecord.objects.filter(pk=models.OuterRef("record_id")).values("date")[:1])
    unit = models.Subquery(WorkRecord.objects.filter(pk=models.OuterRef("record_id")).values("unit_id")[:1])
    department = models.Subquery(
        WorkRecord.objects.filter(pk=models.OuterRef("record_id")).values("department_id")[:1]
    )
    RecordView.objects.update(record_date=facts, record_unit_id=unit, record_department_id=department)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("records", "0004_import_batch"),
        ("supervision", "0001_supervision_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordview",
            name="record_date",
            field=models.DateField(null=True, verbose_name="记实日期"),
        ),
        migrations.AddField(
            model_name="recordview",
            name="record_department",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.unit"
            ),
        ),
        migrations.AddField(
            model_name="recordview",
            name="record_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.unit"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="recordview",
            name="record_date",
            field=models.DateField(verbose_name="记实日期"),
        ),
        migrations.AlterField(
            model_name="recordview",
            name="record_department",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.unit"),
        ),
        migrations.AlterField(
            model_name="recordview",
            name="record_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.unit"),
        ),
        migrations.AddIndex(
            model_name="recordview",
            index=models.Index(
                fields=["record_date", "record_department", "dimension", "record", "by_inspector"],
                name="view_overview_cover",
            ),
        ),
    ]
