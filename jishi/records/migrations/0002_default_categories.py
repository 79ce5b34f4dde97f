from django.db import migrations

from jishi.records.migrations._categories import add_defaults


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
