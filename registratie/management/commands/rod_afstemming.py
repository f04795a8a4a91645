"""``python manage.py rod_afstemming BESTAND [--opnieuw-in-wachtrij]``: compare DUO's snapshot
of one instelling (leerroute-rod-momentopname-v2.xsd) with our data and record every
difference; prints the counts per kind (never a personal number). ``--opnieuw-in-wachtrij``
queues every difference at once, as the button on the screen does.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from registratie.models import VerschilSoort
from registratie.rod import afstemming
from samenwerking.models import Kanaal


class Command(BaseCommand):
    help = "Vergelijkt de momentopname van DUO met de eigen gegevens (formaat 2)."

    def add_arguments(self, parser):
        parser.add_argument("bestand", type=Path, help="De momentopname van DUO (XML).")
        parser.add_argument(
            "--opnieuw-in-wachtrij", action="store_true", help="Zet alle verschillen in de wachtrij."
        )

    def handle(self, *args, bestand: Path, opnieuw_in_wachtrij: bool, **options):
        if not bestand.is_file():
            raise CommandError(f"Bestand niet gevonden: {bestand}")
        try:
            a = afstemming.afstemmen(bestand, kanaal=Kanaal.IMPORT)  # streamed: never whole in memory
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # Counted in the database: a first reconciliation can have a difference per enrolment.
        per_soort = {
            str(VerschilSoort(soort).label): n
            for soort, n in a.verschillen.order_by().values_list("soort").annotate(n=Count("id"))
        }
        self.stdout.write(
            f"{a.instelling.brin}: {a.aantal_duo} bij DUO, {a.aantal_ons} in Leerroute, "
            f"{a.aantal_verschillen} verschillen"
            + "".join(f"; {soort}: {n}" for soort, n in sorted(per_soort.items()))
        )
        if opnieuw_in_wachtrij:
            n = afstemming.opnieuw_in_wachtrij(a.verschillen.all(), door=None)
            self.stdout.write(f"{n} berichten in de wachtrij gezet.")
