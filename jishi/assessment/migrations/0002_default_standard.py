"""The default 考核标准 (every category, every rank group) with the national defaults; HR edits it afterwards."""

from django.db import migrations


def create_default(apps, schema_editor):
    Standard = apps.get_model("assessment", "Standard")
    # The field defaults carry the national rules (models.DEFAULT_*); only the scope is said here.
    Standard.objects.get_or_create(category="", rank_group="")


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_assessment")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
