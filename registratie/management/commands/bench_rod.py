"""``python manage.py bench_rod [--students N] [--seed S] [--date YYYY-MM-DD] [--media DIR]``

Measures the ROD delivery through the queue (format v2): rows per second, peak memory (RSS) and
file size, for a full first delivery (first fill of the queue + the sending run, file transport)
and for the run after it with nothing changed. With ``--students N`` it first replaces the data
with the demo generator (``seed_demo --reset``: about two inschrijvingen per student, so
``--students 500000`` gives about 1,000,000); without it, it uses the data in the database.

The ROD state (deliveries, delivery state, ROD signals) is cleared first, so the measured run is
a first delivery of everything. The export runs in a child process with DJANGO_DEBUG=0, as in
production, so its peak RSS (VmHWM) is the export's alone and not the data
generator's. Compare the peak at 100k and at 1M inschrijvingen: it stays flat because rows are
streamed (server-side cursor), the XML is written and validated incrementally and the state is
written in batches. A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from registratie.management.argumenten import datum as datum_argument
from registratie.management.bench import getal, kindproces, piek_rss_mb
from registratie.models import (
    Inschrijving,
    RodBericht,
    RodBerichtStatus,
    RodLevering,
    RodStand,
    RodTerugkoppeling,
    Signaal,
)


def _rod_wissen() -> None:
    """Remove every ROD delivery and its state (one DELETE per table), so the next export is a
    first delivery of everything."""
    Signaal.objects.filter(bron="rod").delete()
    with connection.cursor() as cursor:
        for model in (RodBerichtStatus, RodBericht, RodStand, RodTerugkoppeling, RodLevering):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


class _Terugdraaien(Exception):
    pass


def schrijfvloer() -> float:
    """Seconds PostgreSQL alone needs for the writes of a first full delivery through the queue,
    without any Python in between: the queue's fill (wachtrij.alles_in_wachtrij: a row and a
    status row per enrolment), then every message to verzonden with its place in a batch file
    (one UPDATE) and its status row (one INSERT), then the foreign-key checks of all of it (SET
    CONSTRAINTS ALL IMMEDIATE; Django's are deferred to the commit). Rolled back and vacuumed:
    the measurement leaves nothing. What the job must write whatever it does in Python: the
    table shows it beside the COPY floor."""
    from django.db import transaction

    from registratie.rod import wachtrij

    b, s = RodBericht._meta.db_table, RodBerichtStatus._meta.db_table
    begin = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            wachtrij.alles_in_wachtrij()
            levering = RodLevering.objects.create(
                instelling_id=RodBericht.objects.values_list("instelling_id", flat=True).first(),
                volgnummer=1,
                peildatum=datetime.date.today(),
                formaatversie="2",
            )
            cursor.execute(
                f"UPDATE {b} SET status = 'verzonden', gewijzigd = now(), pogingen = pogingen + 1, "
                "levering_id = %s, positie = id * 1000, lengte = 1000",
                [levering.pk],
            )
            cursor.execute(
                f"INSERT INTO {s} (bericht_id, status, tijd, toelichting) SELECT id, 'verzonden', now(), '' "
                f"FROM {b}"
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconden = time.perf_counter() - begin
            raise _Terugdraaien
    except _Terugdraaien:
        pass
    with connection.cursor() as cursor:
        for tabel in (b, s):
            # FULL: the rolled-back rows leave the tables and their indexes as they were, so the
            # measured delivery after this starts on the same state as without it.
            cursor.execute(f"VACUUM FULL ANALYZE {tabel}")
    return seconden


class Command(BaseCommand):
    help = "Meet de ROD-export: rijen per seconde, piekgeheugen (RSS) en bestandsgrootte."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students",
            type=int,
            help="eerst demodata met zoveel leerlingen maken (vervangt de gegevens in de database)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--date", dest="datum", type=datum_argument, help="peildatum (standaard die van de demodata)"
        )
        parser.add_argument(
            "--media",
            type=Path,
            default=Path(settings.BASE_DIR) / "bench-out" / "rod",
            help="waar de leveringsbestanden heen gaan (standaard bench-out/rod)",
        )
        parser.add_argument("--meten", action="store_true", help=argparse.SUPPRESS)  # the child process

    def handle(self, *args, students=None, seed=1, datum=None, media=None, meten=False, **options):
        from registratie import demo

        datum = datum or demo.PEILDATUM
        if meten:
            return self._meten(datum)

        if students:
            _rod_wissen()
            self.stdout.write(f"Demodata maken: {students} leerlingen (seed {seed})…")
            begin = time.monotonic()
            kindproces(
                ["seed_demo", "--reset", "--students", str(students), "--seed", str(seed)], os.environ.copy()
            )
            self.stdout.write(f"  klaar in {time.monotonic() - begin:.0f} s")
        aantal = Inschrijving.objects.count()
        if not aantal:
            raise CommandError("Geen inschrijvingen: geef --students N.")
        _rod_wissen()
        shutil.rmtree(media / "rod", ignore_errors=True)  # only the deliveries of an earlier run
        media.mkdir(parents=True, exist_ok=True)

        self.stdout.write(f"ROD-export van {getal(aantal)} inschrijvingen op {connection.vendor}…")
        env = {**os.environ, "DJANGO_DEBUG": "0", "MEDIA_ROOT": str(media)}
        uit = kindproces(["bench_rod", "--meten", "--date", datum.isoformat()], env)
        m = json.loads(uit.strip().splitlines()[-1])
        for titel, r in (
            ("eerste levering (alles)", m["volledig"]),
            ("volgende run (geen mutaties)", m["mutaties"]),
            ("daarna 1 % gewijzigd", m["wijzigingen"]),
        ):
            self.stdout.write(
                f"{titel}: {getal(r['rijen'])} rijen in {r['seconden']:.1f} s "
                f"= {getal(r['rijen_per_s'])} rijen/s; {getal(r['records'])} records en "
                f"{getal(r['vastgehouden'])} vastgehouden in {r['bestanden']} bestanden, {r['mb']:.1f} MB; "
                f"piek-RSS tot nu {r['piek_rss_mb']:.0f} MB"
            )
        self.stdout.write(
            f"RSS van het kindproces vóór de export (Python + Django): {m['basis_rss_mb']:.0f} MB; "
            f"piek over de hele meting: {m['piek_rss_mb']:.0f} MB "
            f"(+{m['piek_rss_mb'] - m['basis_rss_mb']:.0f} MB voor de export)"
        )

    def _meten(self, datum: datetime.date) -> None:
        """Format v2 (the queue): the first full delivery is the first fill of the queue plus the
        sending run; the next run, with nothing changed, only finds the queue empty; then 1 % of
        the enrolments is queued again (a change each) and sent: each of those messages keeps
        the history of its previous one, read from the first delivery's batch file."""
        from django.db.models import F

        from registratie.rod import verzenden, wachtrij

        rijen = Inschrijving.objects.count()
        basis = piek_rss_mb()
        uitkomst = {"basis_rss_mb": basis}
        for naam in ("volledig", "mutaties", "wijzigingen"):
            if naam == "wijzigingen":
                wachtrij.in_wachtrij(
                    Inschrijving.objects.annotate(r=F("pk") % 100).filter(r=0).values_list("pk", flat=True)
                )
            begin = time.perf_counter()
            if naam == "volledig":
                wachtrij.alles_in_wachtrij()
            resultaten = verzenden.verzenden()
            seconden = time.perf_counter() - begin
            fouten = [r.fout for r in resultaten if r.fout]
            if fouten:
                raise CommandError(f"verzenden mislukt: {fouten}")
            leveringen = list(RodLevering.objects.filter(pk__in=[r.levering_id for r in resultaten]))
            uitkomst[naam] = {
                "rijen": rijen,
                "seconden": seconden,
                "rijen_per_s": rijen / seconden if seconden else 0.0,
                "records": sum(r.per_status.get("verzonden", 0) for r in resultaten),
                "vastgehouden": sum(r.per_status.get("afgekeurd", 0) for r in resultaten),
                "bestanden": len(leveringen),
                "mb": sum(lev.bestand.size for lev in leveringen) / 1024 / 1024,
                "piek_rss_mb": piek_rss_mb(),
            }
        uitkomst["piek_rss_mb"] = piek_rss_mb()
        self.stdout.write(json.dumps(uitkomst))
