"""Registered bulk loads (0002) change what verify accepts: a row sealed long after its own time must belong to a
registration. Rows that imports and demo builds sealed that way before this upgrade are vouched for by one adopting
registration, sealed into the chain like any other (integrity.services.adopt_sealed_rows). A new database has no
entries yet, and gets none."""

from django.db import migrations


def adopt(apps, schema_editor):
    # The chain's own code, not historical models: the registration must be sealed exactly as Jishi seals one.
    # It runs only where the chain has entries, i.e. on upgrading a database built before 0002.
    from jishi.integrity.models import ChainEntry
    from jishi.integrity.services import adopt_sealed_rows

    if ChainEntry.objects.using(schema_editor.connection.alias).exists():
        adopt_sealed_rows()


class Migration(migrations.Migration):
    dependencies = [("integrity", "0002_bulk_load"), ("core", "__latest__")]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
