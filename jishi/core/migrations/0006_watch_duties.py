"""Duties decide what a person's records may serve on a day (org.selectors.duties_for), which workers now cache."""

from django.db import migrations

from jishi.core.migrations._generation import Watched, installer, uninstaller

WATCHED: Watched = {"org_duty": ("INSERT", "UPDATE", "DELETE")}


class Migration(migrations.Migration):
    dependencies = [("core", "0005_watch_absences"), ("org", "0001_initial")]

    operations = [migrations.RunPython(installer(WATCHED), uninstaller(WATCHED))]
