"""``python manage.py check_phases [--date YYYY-MM-DD]``: the nightly fase check, run now.

Runs the same code as the Celery task (the job runner registratie.jobs: registratie.checks.draai
under the same lock, leaving a JobRun) and prints every finding: new signals, signals that were
already open, findings dismissed earlier, and the signals it closed because their cause is gone.
"""

from django.core.management.base import BaseCommand, CommandError

from registratie import locks
from registratie.jobs import services as jobs
from registratie.jobs.models import JobRun, Taak
from registratie.management.argumenten import datum as datum_argument


class Command(BaseCommand):
    help = "Controleert fasen en regels en maakt signalen voor de coördinator (zoals de nachtelijke taak)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="datum", type=datum_argument, help="Peildatum JJJJ-MM-DD (standaard vandaag)."
        )
        parser.add_argument(
            "--if-never-run",
            action="store_true",
            help="Alleen als de fasecontrole nog nooit is gedraaid (make run, na de demo-gegevens).",
        )

    def handle(self, *args, datum=None, if_never_run=False, **options):
        if if_never_run and JobRun.objects.filter(taak=Taak.CHECK_PHASES).exists():
            self.stdout.write("De fasecontrole heeft al eerder gedraaid; niets te doen.")
            return
        try:
            resultaat = jobs.uitvoeren(Taak.CHECK_PHASES, datum=datum, details=True).resultaat
        except locks.AlBezig as exc:
            raise CommandError("De fasecontrole loopt al; probeer het later opnieuw.") from exc

        self.stdout.write(f"Fasecontrole op {resultaat.peildatum.isoformat()}")
        alle_regels = options["verbosity"] > 0  # -v 0: only the summary (make run)
        for b in sorted(resultaat.bevindingen if alle_regels else [], key=lambda b: (b.regel, b.sleutel)):
            status = resultaat.status_van(b)
            leerling = f"leerling {b.leerling_id}" if b.leerling_id else "-"
            soort = f" overgang per {b.voorgestelde_datum.isoformat()}" if b.voorgestelde_datum else ""
            regel = f"[{status}] {b.regel}{soort} {leerling}: {b.toelichting}"
            self.stdout.write(self.style.WARNING(regel) if status == "nieuw" else regel)
        for s in resultaat.gesloten if alle_regels else []:
            self.stdout.write(
                self.style.SUCCESS(f"[opgelost] {s.regel} signaal {s.pk}: {s.toelichting[:120]}")
            )
        samenvatting = resultaat.samenvatting()
        per_regel = ", ".join(f"{r}: {n}" for r, n in samenvatting["per_regel"].items()) or "geen"
        self.stdout.write(
            f"{samenvatting['bevindingen']} bevinding(en) ({per_regel}), waarvan "
            f"{samenvatting['overgangen']} voorgestelde overgang(en) naar de mbo-fase; "
            f"{samenvatting['nieuw']} nieuw signaal/signalen, {samenvatting['gesloten']} gesloten."
        )
