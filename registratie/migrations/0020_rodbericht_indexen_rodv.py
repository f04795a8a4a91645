"""RodBericht's instelling and inschrijving lose the index of their own: rodbericht_lijst_idx and
rodbericht_inschrijving_idx lead with these columns, and every index costs a write per message
(half a million at a first full delivery).

Django's AlterField would also drop the partial unique index rodbericht_een_in_wachtrij (one
column, inschrijving_id), so the database side drops exactly the two indexes by name."""

import django.db.models.deletion
from django.db import migrations, models

INDEXEN = {
    "registratie_rodbericht_inschrijving_id_65d37c3a": "inschrijving_id",
    "registratie_rodbericht_instelling_id_8731e303": "instelling_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("registratie", "0019_signaal_cohort_lijstindexen"),
        ("samenwerking", "0003_api_sleutel"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rodbericht",
                    name="inschrijving",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="rod_berichten",
                        to="registratie.inschrijving",
                        verbose_name="inschrijving",
                    ),
                ),
                migrations.AlterField(
                    model_name="rodbericht",
                    name="instelling",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rod_berichten",
                        to="samenwerking.instelling",
                        verbose_name="instelling",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {naam}",
                    f"CREATE INDEX IF NOT EXISTS {naam} ON registratie_rodbericht ({kolom})",
                )
                for naam, kolom in INDEXEN.items()
            ],
        ),
    ]
