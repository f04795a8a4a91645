"""Benchmark of the demo seed: ``python manage.py bench_seed [--students N] [--reset]``.

Runs the same generation as ``seed_demo`` (``registratie.demo.genereer``) on the current database
and prints the time, rows per second and the peak resident memory of this process
(VmHWM). A benchmark to run by hand, never a timed test. It refuses a database
that already holds data unless ``--reset`` is given (which removes it first, untimed).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from registratie import demo
from registratie.management.bench import piek_rss_mb


class Command(BaseCommand):
    help = "Meet hoe snel seed_demo de huidige database vult (rijen per seconde, piekgeheugen)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students", type=int, default=500_000, help="aantal leerlingen (standaard 500000)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk", type=int, default=demo.CHUNK)
        parser.add_argument("--reset", action="store_true", help="bestaande gegevens eerst verwijderen")

    def handle(self, *args, students, seed, chunk, reset, **options):
        if students < demo.MINIMUM_STUDENTEN:
            raise CommandError(f"Gebruik minstens {demo.MINIMUM_STUDENTEN} leerlingen.")
        if demo.heeft_gegevens():
            if not reset:
                raise CommandError("De database bevat al gegevens: gebruik --reset (verwijdert ze eerst).")
            begin = time.perf_counter()
            demo.wis_alles()
            self.stdout.write(f"Bestaande gegevens verwijderd in {time.perf_counter() - begin:.1f} s.")

        db = connection.settings_dict
        self.stdout.write(
            f"bench_seed: {students} leerlingen, seed {seed}, chunk {chunk}, "
            f"database {connection.vendor} {db.get('NAME')}"
        )
        rss_start = piek_rss_mb()

        def voortgang(klaar, totaal, seconden):
            self.stdout.write(f"  {klaar:>9}/{totaal}  {seconden:7.1f} s  piek-RSS {piek_rss_mb():7.1f} MiB")
            self.stdout.flush()

        begin = time.perf_counter()
        r = demo.genereer(studenten=students, seed=seed, chunk=chunk, voortgang=voortgang)
        seconden = time.perf_counter() - begin
        a = r.aantallen
        self.stdout.write("")
        for naam, aantal in a.items():
            self.stdout.write(f"  {naam:<24} {aantal:>10}")
        self.stdout.write(f"  {'totaal rijen':<24} {r.rijen:>10}")
        self.stdout.write("")
        self.stdout.write(f"tijd                  {seconden:10.1f} s")
        self.stdout.write(f"rijen per seconde     {r.rijen / seconden:10.0f}")
        self.stdout.write(f"inschrijvingen per s  {a['inschrijvingen'] / seconden:10.0f}")
        self.stdout.write(f"leerlingen per s      {a['leerlingen'] / seconden:10.0f}")
        self.stdout.write(f"piek-RSS              {piek_rss_mb():10.1f} MiB (bij start {rss_start:.1f} MiB)")
