"""A period keeps the standards it opened under (Period.standards); periods already open get today's standards, the
closest record of what they opened under."""

from django.db import migrations, models

# The values models.Standard.frozen keeps, written out here: a migration must not follow the model as it changes.
FIELDS = (
    "category",
    "rank_group",
    "everyday_grades",
    "annual_grades",
    "excellent_grade",
    "excellent_share",
    "everyday_quota",
    "notice_working_days",
    "review_window_days",
    "appeal_window_days",
    "probationer_mode",
    "record_requires_duty",
    "record_requires_result",
    "evidence_sections",
    "notice_shows",
)
DECIMALS = ("excellent_share", "everyday_quota")


def fill(apps, schema_editor):
    Standard = apps.get_model("assessment", "Standard")
    Period = apps.get_model("assessment", "Period")
    frozen = []
    for standard in Standard.objects.order_by("category", "rank_group", "id"):
        values = {name: getattr(standard, name) for name in FIELDS}
        for name in DECIMALS:
            if values[name] is not None:
                values[name] = str(values[name])
        frozen.append(values)
    Period.objects.update(standards=frozen)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_default_standard")]

    operations = [
        migrations.AddField(
            model_name="period",
            name="standards",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text="发起时各考核标准的取值；之后修改考核标准只适用于以后发起的周期",
                verbose_name="适用的考核标准",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
