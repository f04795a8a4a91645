"""``python manage.py rod_import_feedback FILE``: read ROD's response to a delivery.

The file follows registratie/rod/leerroute-rod-terugkoppeling-v1.xsd (see FORMAT.md); its kop
names the delivery (BRIN and volgnummer). Accepted records are marked accepted; rejected ones
become signals with ROD's code and message and go out again once fixed. All or nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registratie.rod import services
from samenwerking.models import Kanaal


class Command(BaseCommand):
    help = "Leest de terugkoppeling van ROD op een levering in."

    def add_arguments(self, parser):
        parser.add_argument("bestand", type=Path, help="Het terugkoppelingsbestand (XML).")

    def handle(self, *args, bestand: Path, **options):
        if not bestand.is_file():
            raise CommandError(f"Bestand niet gevonden: {bestand}")
        try:
            resultaat = services.terugkoppeling_inlezen(
                bestand=bestand, naam=bestand.name, kanaal=Kanaal.IMPORT
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(resultaat.regel())
