"""``python manage.py rod_terugkoppeling BESTAND`` (or ``--url URL``): read DUO's feedback per
enrolment and count date, format v2 (registratie/rod/leerroute-rod-terugkoppeling-v2.xsd,
described in FORMAT-TERUGKOPPELING.md). Rejections become signals, accepted enrolments set their
message to geaccepteerd. All or nothing; reading the same file again changes nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registratie.rod import terugkoppeling
from samenwerking.models import Kanaal


class Command(BaseCommand):
    help = "Leest de terugkoppeling van DUO per inschrijving en teldatum in (formaat 2)."

    def add_arguments(self, parser):
        parser.add_argument("bestand", type=Path, nargs="?", help="Het terugkoppelingsbestand (XML).")
        parser.add_argument("--url", help="Haal het bestand op bij deze dienst (bijvoorbeeld de stub).")

    def handle(self, *args, bestand: Path | None, url: str | None, **options):
        if bool(bestand) == bool(url):
            raise CommandError("Geef een bestand of --url, niet allebei.")
        try:
            if url:
                with terugkoppeling.ophalen(url) as data:
                    resultaat = terugkoppeling.inlezen(data, kanaal=Kanaal.IMPORT)
            elif not bestand.is_file():
                raise CommandError(f"Bestand niet gevonden: {bestand}")
            else:
                resultaat = terugkoppeling.inlezen(bestand, kanaal=Kanaal.IMPORT)  # streamed from disk
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(resultaat.regel())
