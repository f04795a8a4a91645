"""Load mbo qualifications (crebo) from a CSV file: ``python manage.py load_kwalificaties [CSV]``.

Without an argument it loads the shipped selection ``leerroute/data/kwalificaties.csv``. DUO's
full list can be given as a CSV with the same header, separator ';'::

    crebo;naam;niveau;domein

A bad line (crebo not five digits, niveau not 1–4, name missing, a crebo twice) refuses the whole
file with the line number and the field; nothing is saved then.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from leerroute.kwalificaties import STANDAARD_BESTAND, laad_kwalificaties
from samenwerking.models import AuditActie, AuditRegel, Kanaal


class Command(BaseCommand):
    help = "Laadt mbo-kwalificaties (crebo;naam;niveau;domein) uit een CSV-bestand."

    def add_arguments(self, parser):
        parser.add_argument(
            "csv",
            nargs="?",
            default=str(STANDAARD_BESTAND),
            help="CSV met kopregel crebo;naam;niveau;domein (standaard: de meegeleverde selectie).",
        )

    def handle(self, *args, csv, **options):
        path = Path(csv)
        if not path.is_file():
            raise CommandError(f"Bestand niet gevonden: {path}")
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                created, updated = laad_kwalificaties(f)
        except ValidationError as exc:
            raise CommandError(
                "Het bestand is geweigerd; er is niets opgeslagen.\n" + "\n".join(exc.messages)
            ) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"Het bestand is geen UTF-8-tekst: {exc}") from exc
        AuditRegel.objects.create(
            kanaal=Kanaal.IMPORT,
            actie=AuditActie.GEWIJZIGD,
            model="leerroute.Kwalificatie",
            object_id=path.name[:64],
            object_repr=f"Kwalificaties geladen uit {path.name}"[:200],
            nieuw={"nieuw": created, "gewijzigd": updated, "bestand": path.name},
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Kwalificaties geladen uit {path.name}: {created} nieuw, {updated} gewijzigd."
            )
        )
