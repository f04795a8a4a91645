"""``python manage.py rod_export [--date YYYY-MM-DD] [--out DIR] [--instelling BRIN] [--proef]``

Runs the nightly ROD delivery now: the same code as the Celery task (the job runner
registratie.jobs: rod_exporteren under the same lock, leaving a JobRun), and prints per instelling
the delivery and the file it wrote. ``--out`` also copies each file to DIR; ``--proef`` builds the
files into DIR without recording anything (the real run for the same date gives the same bytes).
Never prints a BSN.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registratie import locks
from registratie.jobs import services as jobs
from registratie.jobs.models import Taak
from registratie.management.argumenten import datum as datum_argument
from samenwerking.models import Kanaal


class Command(BaseCommand):
    help = "Maakt de ROD-leveringen (één XML-bestand per instelling), zoals de nachtelijke taak."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="datum", type=datum_argument, help="Peildatum JJJJ-MM-DD (standaard vandaag)."
        )
        parser.add_argument("--out", dest="uitvoer", type=Path, help="Kopieer elk bestand ook naar deze map.")
        parser.add_argument("--instelling", dest="brin", help="Alleen deze instelling (BRIN).")
        parser.add_argument(
            "--proef",
            action="store_true",
            help="Bouw de bestanden in --out zonder iets vast te leggen (geen levering, geen signalen).",
        )

    def handle(self, *args, datum=None, uitvoer=None, brin=None, proef=False, **options):
        if proef and uitvoer is None:
            raise CommandError("--proef schrijft alleen naar --out DIR; geef een map op.")
        datum = datum or timezone.localdate()
        try:
            resultaten = jobs.uitvoeren(
                Taak.ROD_EXPORT, datum=datum, brin=brin, uitvoer=uitvoer, proef=proef, kanaal=Kanaal.JOB
            ).resultaat
        except locks.AlBezig as exc:
            raise CommandError("De ROD-export loopt al; probeer het later opnieuw.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        mislukt = 0
        for r in resultaten:
            if r.fout:
                mislukt += 1
                self.stderr.write(self.style.ERROR(r.regel()))
                continue
            self.stdout.write(r.regel())
            if r.levering is not None and r.levering.bestand:
                self.stdout.write(f"  bestand (versleuteld): {_pad(r.levering.bestand)}")
            if r.pad is not None:
                self.stdout.write(f"  geschreven: {r.pad}")
        if not resultaten:
            self.stdout.write("Geen instellingen met inschrijvingen; niets geleverd.")
        if mislukt:
            raise CommandError(f"{mislukt} levering(en) mislukt; daarvan is niets vastgelegd.")


def _pad(bestand) -> str:
    try:
        return bestand.path
    except NotImplementedError:  # storage without local paths
        return bestand.name
