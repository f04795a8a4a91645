"""ROD signals made before issue 9 get their route's agreement and the partner instelling, so the
partner school and the coordinator see them (read-only) as new ones do. One set-based UPDATE."""

from django.db import migrations
from django.db.models import Case, F, OuterRef, Subquery, When


def vullen(apps, schema_editor):
    Signaal = apps.get_model("registratie", "Signaal")
    Inschrijving = apps.get_model("registratie", "Inschrijving")
    ins = Inschrijving.objects.filter(pk=OuterRef("inschrijving_id"))
    partner = ins.annotate(
        p=Case(
            When(sector="vo", then=F("leerroute__overeenkomst__mbo_instelling_id")),
            default=F("leerroute__overeenkomst__vo_instelling_id"),
        )
    )
    Signaal.objects.filter(bron="rod", overeenkomst__isnull=True, inschrijving__isnull=False).update(
        overeenkomst_id=Subquery(ins.values("leerroute__overeenkomst_id")[:1]),
        partner_instelling_id=Subquery(partner.values("p")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("registratie", "0003_nummers_versleuteld")]

    operations = [migrations.RunPython(vullen, migrations.RunPython.noop)]
