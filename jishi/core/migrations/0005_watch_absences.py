"""Absences decide who owes a record on a day, which the unit page's "who has not filed" now caches."""

from django.db import migrations

from jishi.core.migrations._generation import Watched, installer, uninstaller

WATCHED: Watched = {"org_absence": ("INSERT", "UPDATE", "DELETE")}


class Migration(migrations.Migration):
    dependencies = [("core", "0004_cache_generation")]

    operations = [migrations.RunPython(installer(WATCHED), uninstaller(WATCHED))]
