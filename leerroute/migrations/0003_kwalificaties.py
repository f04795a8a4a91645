"""Data migration: every install gets the shipped selection of mbo qualifications.

Uses the historical model (apps.get_model), so later changes to Kwalificatie cannot break it.
"""

from django.db import migrations


def laad(apps, schema_editor):
    from leerroute.kwalificaties import laad_standaardbestand

    laad_standaardbestand(model=apps.get_model("leerroute", "Kwalificatie"))


class Migration(migrations.Migration):
    dependencies = [
        ("leerroute", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(laad, migrations.RunPython.noop),
    ]
