"""``python manage.py anonimiseren [--datum YYYY-MM-DD] [--dry-run]``: the nightly retention job, now.

Runs the same code as the Celery task (the job runner registratie.jobs: bewaartermijn.draai under
the same lock, leaving a JobRun):
anonymises the students whose route ended more than LEERROUTE_BEWAARTERMIJN_JAREN years before the
date. ``--dry-run`` only counts them.
"""

from django.core.management.base import BaseCommand, CommandError

from registratie import bewaartermijn, locks
from registratie.jobs import services as jobs
from registratie.jobs.models import Taak
from registratie.management.argumenten import datum as datum_argument


class Command(BaseCommand):
    help = (
        "Anonimiseert de persoonsgegevens van leerlingen van wie de route langer dan de bewaartermijn "
        "geleden is geëindigd (zoals de nachtelijke taak)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--datum", type=datum_argument, help="Peildatum JJJJ-MM-DD (standaard vandaag).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Alleen tellen hoeveel leerlingen het zou betreffen."
        )

    def handle(self, *args, datum=None, dry_run=False, **options):
        from django.utils import timezone

        peildatum = datum or timezone.localdate()
        jaren = bewaartermijn.bewaartermijn_jaren()
        grens = bewaartermijn.grensdatum(peildatum, jaren)
        kop = f"Bewaartermijn {jaren} jaar; peildatum {peildatum.isoformat()}, route geëindigd vóór {grens}"
        if dry_run:
            aantal = bewaartermijn.te_anonimiseren(peildatum).count()
            self.stdout.write(f"{kop}: {aantal} leerling(en) zou(den) worden geanonimiseerd (dry-run).")
            return
        try:
            samenvatting = jobs.uitvoeren(Taak.ANONIMISEREN, datum=peildatum).resultaat
        except locks.AlBezig as exc:
            raise CommandError("Het anonimiseren loopt al; probeer het later opnieuw.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"{kop}: {samenvatting['geanonimiseerd']} leerling(en) geanonimiseerd.")
        )
