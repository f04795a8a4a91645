"""``python manage.py rod_verzenden [--instelling BRIN] [--vullen]``

Sends the queued ROD messages now (format v2): the same code as the nightly task, through the job
runner (one lock, a JobRun). ``--vullen`` first queues every enrolment that never had a message
(the first full delivery of an instelling that moves to format v2). Prints per instelling how many
messages got which status; never a BSN.
"""

from django.core.management.base import BaseCommand, CommandError

from registratie import locks
from registratie.jobs import services as jobs
from registratie.jobs.models import Taak
from registratie.models import Instelling
from registratie.rod import wachtrij
from samenwerking.models import Kanaal


class Command(BaseCommand):
    help = "Verzendt de ROD-berichten in de wachtrij (formaat 2), zoals de nachtelijke taak."

    def add_arguments(self, parser):
        parser.add_argument("--instelling", dest="brin", help="Alleen deze instelling (BRIN).")
        parser.add_argument(
            "--vullen",
            action="store_true",
            help="Zet eerst elke nog nooit geleverde inschrijving in de wachtrij.",
        )

    def handle(self, *args, brin=None, vullen=False, **options):
        instelling = None
        if brin:
            instelling = Instelling.objects.filter(brin=brin.strip().upper()).first()
            if instelling is None:
                raise CommandError(f"Er is geen instelling met BRIN {brin}.")
        if vullen:
            n = wachtrij.alles_in_wachtrij(instelling)
            self.stdout.write(f"{n} inschrijving(en) in de wachtrij gezet.")
        try:
            resultaten = jobs.uitvoeren(Taak.ROD_VERZENDEN, brin=brin, kanaal=Kanaal.JOB).resultaat
        except locks.AlBezig as exc:
            raise CommandError("Het verzenden loopt al; probeer het later opnieuw.") from exc
        for r in resultaten:
            (self.stderr if r.fout else self.stdout).write(r.regel())
        if not resultaten:
            self.stdout.write("Niets in de wachtrij.")
        if any(r.fout for r in resultaten):
            raise CommandError(
                "Verzenden mislukt voor een of meer instellingen; daarvan is niets vastgelegd."
            )
