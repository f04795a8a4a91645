"""``python manage.py bench_import [--rijen N] [--fouten K]``

Measures the bulk import (registratie.importeren) of an N-row LAS export (default 10,000) for a
new vo school with one route: the dry run with K bad rows (each reported with row, column and
rule id), the real run of the fixed file, and the re-import of the same file (changes nothing).
Everything it makes is rolled back at the end, so it runs on any database (use PostgreSQL:
``DATABASE_URL=postgres://… python manage.py bench_import``). A benchmark, never a timed test.
"""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from leerroute.models import Kwalificatie, Leerroute
from registratie.importeren import importeer
from samenwerking.identifiers import bsn_with_check_digit
from samenwerking.models import Instelling, Lidmaatschap, Samenwerkingsovereenkomst

KOLOMMEN = (
    "bsn",
    "voorletters",
    "achternaam",
    "geboortedatum",
    "leerroute",
    "inschrijvingsvolgnummer",
    "startdatum",
    "fase",
    "leerjaar",
    "leerweg",
)
KOP = ";".join(KOLOMMEN)


class Terugdraaien(Exception):
    pass


def _bsns(n: int) -> list[str]:
    uit, k = [], 0
    while len(uit) < n:
        waarde = bsn_with_check_digit(f"{30000000 + k:08d}")
        if waarde:
            uit.append(waarde)
        k += 1
    return uit


def _bestand(route: str, bsns: list[str], fout_op: set[int]) -> bytes:
    regels = [KOP]
    for n, bsn in enumerate(bsns):
        leerjaar = 2 if n in fout_op else 3  # R-INS-1
        regels.append(f"{bsn};A.;Bench{n};03-02-2011;{route};B-{n};2025-08-01;vo;{leerjaar};BB")
    return ("\n".join(regels) + "\n").encode()


class Command(BaseCommand):
    help = "Meet de bulkimport van een LAS-export (standaard 10.000 rijen)."

    def add_arguments(self, parser):
        parser.add_argument("--rijen", type=int, default=10_000)
        parser.add_argument("--fouten", type=int, default=5)

    def handle(self, rijen, fouten, **options):
        try:
            with transaction.atomic():
                self._meten(rijen, fouten)
                raise Terugdraaien
        except Terugdraaien:
            self.stdout.write("Alle gemaakte gegevens zijn teruggedraaid.")

    def _meten(self, rijen: int, fouten: int) -> None:
        from samenwerking.models import Bestuur, Gebruiker

        # Two boards: their agreement is an SOK (R-SOK-1), so the import raises no signal.
        vo = Instelling.objects.create(
            naam="Bench vmbo", brin="99ZZ", soort="vo", bestuur=Bestuur.objects.create(naam="Bench vo")
        )
        mbo = Instelling.objects.create(
            naam="Bench mbo", brin="99ZY", soort="mbo", bestuur=Bestuur.objects.create(naam="Bench mbo")
        )
        overeenkomst = Samenwerkingsovereenkomst.objects.create(
            naam="Bench",
            soort="sok",
            vo_instelling=vo,
            mbo_instelling=mbo,
            ingangsdatum=datetime.date(2024, 8, 1),
        )
        overeenkomst.status = "actief"
        overeenkomst.save()
        kwalificatie = Kwalificatie.objects.create(crebo="99999", naam="Bench", niveau=2)
        route = Leerroute.objects.create(
            naam="Bench route",
            soort="GLR",
            overeenkomst=overeenkomst,
            leerweg="BB",
            kwalificatie=kwalificatie,
            startdatum=datetime.date(2024, 8, 1),
        )
        door = Gebruiker.objects.create(username="bench-import")
        Lidmaatschap.objects.create(gebruiker=door, rol="beheerder", instelling=vo)
        bsns = _bsns(rijen)
        stap = max(rijen // max(fouten, 1), 1)
        fout_op = {i * stap for i in range(fouten)}
        for naam, inhoud, dry_run in (
            (f"dry run met {len(fout_op)} foute rijen", _bestand(route.naam, bsns, fout_op), True),
            ("echte run", _bestand(route.naam, bsns, set()), False),
            ("opnieuw hetzelfde bestand", _bestand(route.naam, bsns, set()), False),
        ):
            begin = time.perf_counter()
            r = importeer(inhoud, "bench.csv", instelling=vo, door=door, dry_run=dry_run)
            duur = time.perf_counter() - begin
            self.stdout.write(
                f"{naam}: {rijen} rijen in {duur:.1f} s ({rijen / duur:.0f} rijen/s); "
                f"aangemaakt {r.aangemaakt}, gewijzigd {r.gewijzigd}, ongewijzigd {r.ongewijzigd}, "
                f"fouten {len(r.fouten)}"
            )
