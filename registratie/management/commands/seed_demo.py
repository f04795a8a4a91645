"""Demo data: ``python manage.py seed_demo [--students N] [--seed S] [--peildatum YYYY-MM-DD]
[--if-empty] [--reset]``.

Deterministic (same N, seed and peildatum give the same data), realistic, and with planted
inconsistencies for the fase check; see ``registratie.demo``. ``make run`` calls it with
``--if-empty``.
"""

from django.core.management.base import BaseCommand, CommandError

from registratie import demo
from registratie.management.argumenten import datum as datum_argument


class Command(BaseCommand):
    help = "Vult de database met reproduceerbare demodata (besturen, scholen, routes, leerlingen)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students",
            type=int,
            default=demo.STANDAARD_STUDENTEN,
            help=f"aantal leerlingen (standaard {demo.STANDAARD_STUDENTEN}; elk twee inschrijvingen)",
        )
        parser.add_argument("--seed", type=int, default=1, help="startwaarde van het toeval (standaard 1)")
        parser.add_argument(
            "--peildatum",
            default=demo.PEILDATUM.isoformat(),
            help=f"datum waarop routejaar en fase gelden (standaard {demo.PEILDATUM.isoformat()})",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="niets doen als er al een instelling bestaat"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="eerst alle leerlingen, inschrijvingen, routes, overeenkomsten, instellingen, "
            "besturen en de rollen van de demogebruikers verwijderen (kwalificaties, gebruikers en "
            "audittrail blijven)",
        )
        parser.add_argument("--chunk", type=int, default=demo.CHUNK, help="leerlingen per schrijfronde")

    def handle(self, *args, students, seed, peildatum, if_empty, reset, chunk, **options):
        peildatum = datum_argument(peildatum)
        if if_empty and reset:
            raise CommandError("--if-empty en --reset gaan niet samen.")
        if students < demo.MINIMUM_STUDENTEN:
            raise CommandError(f"Gebruik minstens {demo.MINIMUM_STUDENTEN} leerlingen.")
        if peildatum < demo.VROEGSTE_PEILDATUM:
            raise CommandError(f"De peildatum ligt op of na {demo.VROEGSTE_PEILDATUM.isoformat()}.")
        if chunk < 1:
            raise CommandError("--chunk is minstens 1.")
        if demo.heeft_gegevens():
            if if_empty:
                self.stdout.write("Er staan al gegevens in de database: geen demodata toegevoegd.")
                return
            if not reset:
                raise CommandError(
                    "Er staan al gegevens in de database. Gebruik --reset om ze te vervangen of "
                    "--if-empty om niets te doen."
                )
        if reset:
            self.stdout.write("Bestaande gegevens verwijderen…")
            demo.wis_alles()

        self.stdout.write(f"Demodata: {students} leerlingen, seed {seed}, peildatum {peildatum.isoformat()}.")

        def voortgang(klaar: int, totaal: int, seconden: float) -> None:
            self.stdout.write(f"  leerlingen {klaar:>9,}/{totaal:,}  ({seconden:6.1f} s)".replace(",", "."))
            self.stdout.flush()

        r = demo.genereer(
            studenten=students, seed=seed, peildatum=peildatum, chunk=chunk, voortgang=voortgang
        )
        self._verslag(r)

    def _verslag(self, r: demo.SeedResultaat) -> None:
        w = self.stdout.write
        w(self.style.SUCCESS(f"Klaar in {r.seconden:.1f} s: {r.rijen:,} rijen.".replace(",", ".")))
        for naam, aantal in r.aantallen.items():
            w(f"  {naam.replace('_', ' '):<24} {aantal:>10,}".replace(",", "."))
        w("")
        w(f"Geplante inconsistenties voor de fasecontrole (peildatum {r.peildatum.isoformat()}):")
        for regel in demo.GEPLANT:
            w(f"  {regel:<8} {demo.GEPLANT_LABELS[regel]:<75} {len(r.geplant[regel]):>6}")
        w(
            f"  Fasewissel per {r.overgang_datum.isoformat()} (routejaar 2 → 3, nu vo-fase): "
            f"{r.overgang_aantal} leerlingen"
        )
        w("")
        w(f"Demo-logins (wachtwoord voor allemaal: {demo.WACHTWOORD}):")
        for username, rol in r.gebruikers:
            w(f"  {username:<24} {rol}")
