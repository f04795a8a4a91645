"""manage.py import_inschrijvingen FILE [--dry-run] [--instelling BRIN]: the bulk import from the
command line. Prints the report (rows by number, never a BSN); exits 1 when a row has an error."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registratie.importeren import importeer
from samenwerking.models import Instelling


class Command(BaseCommand):
    help = "Importeer leerlingen en inschrijvingen uit een CSV- of XLSX-export (zie docs/import.md)."

    def add_arguments(self, parser):
        parser.add_argument("bestand")
        parser.add_argument("--dry-run", action="store_true", help="Alleen controleren; niets opslaan.")
        parser.add_argument("--instelling", help="BRIN van de instelling (nodig als er meer dan één is).")

    def handle(self, bestand, dry_run, instelling, **options):
        pad = Path(bestand)
        if not pad.is_file():
            raise CommandError(f"Bestand niet gevonden: {bestand}")
        instellingen = (
            Instelling.objects.filter(brin=instelling.upper()) if instelling else Instelling.objects.all()
        )
        if instellingen.count() != 1:
            raise CommandError("Geef met --instelling de BRIN van één bestaande instelling.")
        try:
            rapport = importeer(
                pad.read_bytes(), pad.name, instelling=instellingen.get(), door=None, dry_run=dry_run
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for fout in rapport.fouten:
            self.stdout.write(
                f"rij {fout.rij}, kolom {fout.kolom or '-'}, regel {fout.regel or '-'}: {fout.melding}"
            )
        soort = (
            "Controle (dry run)" if dry_run else ("Ingelezen" if rapport.doorgevoerd else "Niets ingelezen")
        )
        self.stdout.write(
            f"{soort}: {rapport.rijen} rijen, {rapport.aangemaakt} aangemaakt, "
            f"{rapport.gewijzigd} gewijzigd, {rapport.ongewijzigd} ongewijzigd, {len(rapport.fouten)} fouten."
        )
        if rapport.fouten:
            raise SystemExit(1)
