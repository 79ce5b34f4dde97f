"""The publications' texts redacted again with the rules fixed after the security review (identity numbers written
in groups, citizens with an official's name, plates with a space or in lower case): what was published before the
fix would otherwise keep what the old rules missed. Only rows whose text changes are written."""

from django.db import migrations


def redact_again(apps, schema_editor):
    from jishi.portal.publication import redact_again as run

    Publication = apps.get_model("portal", "Publication")
    Person = apps.get_model("org", "Person")
    if not Publication.objects.exists():
        return
    names = frozenset(name for name in Person.objects.values_list("full_name", flat=True) if name)
    run(model=Publication, names=names)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_answer_text_public"),
    ]

    operations = [
        migrations.RunPython(redact_again, migrations.RunPython.noop),
    ]
