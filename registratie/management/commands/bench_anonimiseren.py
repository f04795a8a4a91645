"""``python manage.py bench_anonimiseren [--students N] [--seed S] [--batch B]``

Measures the retention job (registratie/bewaartermijn.py): students anonymised per second and peak
memory (RSS). With ``--students N`` it first replaces the data with the demo generator
(``seed_demo --reset``); without it, it uses the data in the database (``make bench`` runs it last,
on what bench_rod left, ROD state included). It destroys personal data: a benchmark, to run by
hand on a database made for it, never a timed test.

Untimed preparation, so that every student is due: every open inschrijving is ended (on the demo
peildatum), and every student without one gets an audit row as the services would have written
(names and masked number in ``nieuw``), so the trail scrub has work. The peildatum of the run is the
last end date plus the retention period plus one day. On PostgreSQL the tables are then ANALYZEd
(freshly bulk-loaded tables have no statistics; a production database has). The run itself happens
in a child process with DJANGO_DEBUG=0, so its peak RSS is the job's alone.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import CharField, DateField, F, Max, Value
from django.db.models.functions import Cast, Greatest

from registratie import bewaartermijn
from registratie.management.bench import getal, kindproces, piek_rss_mb
from registratie.models import Inschrijving, Leerling, Uitstroom
from samenwerking import audit
from samenwerking.models import AuditActie, AuditRegel, Kanaal

_CHUNK = 5000


def _jaren_later(datum: datetime.date, jaren: int) -> datetime.date:
    try:
        return datum.replace(year=datum.year + jaren)
    except ValueError:  # 29 February
        return datum.replace(year=datum.year + jaren, day=28)


class Command(BaseCommand):
    help = "Meet het anonimiseren na de bewaartermijn: leerlingen per seconde en piekgeheugen (RSS)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students",
            type=int,
            help="eerst demodata met zoveel leerlingen maken (vervangt de gegevens in de database)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5000, help="leerlingen per transactie")
        parser.add_argument("--meten", action="store_true", help=argparse.SUPPRESS)  # the child process
        parser.add_argument("--datum", help=argparse.SUPPRESS)

    def handle(self, *args, students=None, seed=1, batch=5000, meten=False, datum=None, **options):
        if meten:
            return self._meten(datetime.date.fromisoformat(datum), batch)

        if students:
            self.stdout.write(f"Demodata maken: {students} leerlingen (seed {seed})…")
            begin = time.monotonic()
            kindproces(["seed_demo", "--reset", "--students", str(students), "--seed", str(seed)], os.environ)
            self.stdout.write(f"  klaar in {time.monotonic() - begin:.0f} s")

        begin = time.monotonic()
        beeindigd, auditregels = self._voorbereiden()
        laatste = max(
            d
            for d in (
                Inschrijving.objects.aggregate(m=Max("einddatum"))["m"],
                Uitstroom.objects.aggregate(m=Max("datum"))["m"],
                Leerling.objects.aggregate(m=Max("aangemaakt_op"))["m"].date(),
            )
            if d
        )
        peildatum = _jaren_later(laatste, bewaartermijn.bewaartermijn_jaren()) + datetime.timedelta(days=1)
        self.stdout.write(
            f"Voorbereid in {time.monotonic() - begin:.0f} s: {getal(beeindigd)} lopende inschrijvingen "
            f"beëindigd, {getal(auditregels)} auditregels geschreven; peildatum {peildatum.isoformat()}"
        )

        env = {**os.environ, "DJANGO_DEBUG": "0"}
        uit = kindproces(
            ["bench_anonimiseren", "--meten", "--datum", peildatum.isoformat(), "--batch", str(batch)], env
        )
        m = json.loads(uit.strip().splitlines()[-1])
        self.stdout.write(
            f"anonimiseren op {connection.vendor}: {getal(m['leerlingen'])} leerlingen "
            f"in {m['seconden']:.1f} s "
            f"= {getal(m['per_s'])} leerlingen/s (batch {batch}); {getal(m['auditregels'])} auditregels van "
            f"leerlingen geschoond"
        )
        self.stdout.write(
            f"RSS van het kindproces vóór de run: {m['basis_rss_mb']:.0f} MB; "
            f"piek: {m['piek_rss_mb']:.0f} MB "
            f"(+{m['piek_rss_mb'] - m['basis_rss_mb']:.0f} MB voor het anonimiseren)"
        )

    def _voorbereiden(self) -> tuple[int, int]:
        """End every open inschrijving; give every student without one an audit row."""
        from registratie import demo

        with transaction.atomic():
            beeindigd = Inschrijving.objects.filter(einddatum__isnull=True).update(
                einddatum=Greatest(F("startdatum"), Value(demo.PEILDATUM), output_field=DateField()),
                reden_einde="overstap",
            )
        # One read of the ids that have their row already (an anti-join per chunk is slow on a
        # freshly bulk-loaded table), then chunks of the rest.
        met_regel = set(
            AuditRegel.objects.filter(model=Leerling._meta.label, actie=AuditActie.AANGEMAAKT)
            .values_list("object_id", flat=True)
            .iterator()
        )
        geschreven, laatste = 0, 0
        while True:
            chunk = list(
                Leerling.objects.filter(geanonimiseerd_op__isnull=True, pk__gt=laatste).order_by("pk")[
                    :_CHUNK
                ]
            )
            if not chunk:
                break
            leerlingen = [lln for lln in chunk if str(lln.pk) not in met_regel]
            geschreven += audit.record_created_bulk(leerlingen, door=None, kanaal=Kanaal.IMPORT)
            laatste = chunk[-1].pk
        if connection.vendor == "postgresql":
            # Fresh bulk-loaded tables have no statistics yet; a production database has them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return beeindigd, geschreven

    def _meten(self, peildatum: datetime.date, batch: int) -> None:
        due = bewaartermijn.te_anonimiseren(peildatum)
        if not due.exists():
            raise CommandError("Niets te anonimiseren: geef --students N voor nieuwe demodata.")
        auditregels = AuditRegel.objects.filter(
            model=Leerling._meta.label,
            object_id__in=due.annotate(s=Cast("pk", CharField())).values("s"),
        ).count()
        basis = piek_rss_mb()
        begin = time.perf_counter()
        aantal = bewaartermijn.anonimiseren(peildatum=peildatum, batch=batch)
        seconden = time.perf_counter() - begin
        self.stdout.write(
            json.dumps(
                {
                    "leerlingen": aantal,
                    "seconden": seconden,
                    "per_s": aantal / seconden if seconden else 0.0,
                    "auditregels": auditregels,
                    "basis_rss_mb": basis,
                    "piek_rss_mb": piek_rss_mb(),
                }
            )
        )
