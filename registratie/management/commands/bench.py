"""``python manage.py bench [--students N] [--herhalingen 7] [--zonder-seed]``: what ``make bench``
runs. One table of every figure next to its floor and its bound.

1. the seed (``bench_seed --reset``): the demo data, N students (about 2N inschrijvingen);
2. the nightly fase check (``check_phases``), first run and second run;
3. the ROD export: first full delivery, the run after it with no changes and one with 1 % of the
   enrolments changed; the first delivery's floor is PostgreSQL's ``COPY`` of the same joined
   rows the export reads;
4. every daily page for every role, in-process through Django's test client, p95 of
   ``--herhalingen`` requests; the floor is a minimal login-required view through the same client.

Each job and the pages run in a child process with DJANGO_DEBUG=0 (its own peak RSS, VmHWM). A
benchmark to run by hand on a database made for it, never a timed test: it replaces the data.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from registratie.management.bench import getal, kindproces, piek_rss_mb

GRENS_PAGINA_MS = 150.0
# Bounds of the jobs at 1,000,000 inschrijvingen (issue 10), scaled linearly to the measured size.
GRENS_SEED_S_PER_MILJOEN = 300.0
GRENS_FASECONTROLE_S_PER_MILJOEN = 30.0
GRENS_ROD_MUTATIES_S = 2.0  # at 500,000 inschrijvingen; "costs what changed", so not scaled
GRENS_ROD_VLOER_VERHOUDING = 10.0
GRENS_RSS_MB = 250.0


def _env() -> dict:
    return {**os.environ, "DJANGO_DEBUG": "0"}


def _json(uitvoer: str) -> dict | list:
    return json.loads(uitvoer.strip().splitlines()[-1])


class Command(BaseCommand):
    help = "Meet seed, fasecontrole, ROD-export en alle dagelijkse pagina's per rol; één tabel."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=int(os.environ.get("BENCH_STUDENTS") or 50_000))
        parser.add_argument("--herhalingen", type=int, default=7, help="gemeten verzoeken per pagina (≥ 7)")
        parser.add_argument("--zonder-seed", action="store_true", help="de gegevens in de database gebruiken")
        parser.add_argument("--alleen-paginas", action="store_true", help="alleen de pagina's meten")
        parser.add_argument("--zonder-paginas", action="store_true", help="alleen de taken meten")
        parser.add_argument("--meten", choices=["fasecontrole", "paginas"], help=argparse.SUPPRESS)

    def handle(
        self, *args, students, herhalingen, zonder_seed, alleen_paginas, zonder_paginas, meten, **options
    ):
        if meten == "fasecontrole":
            return self._meten_fasecontrole()
        if meten == "paginas":
            return self._meten_paginas(herhalingen)
        if connection.vendor != "postgresql":
            raise CommandError("De benchmark meet PostgreSQL: zet DATABASE_URL.")
        if herhalingen < 7:
            raise CommandError("Gebruik minstens 7 herhalingen (p95).")
        rijen: list[list[str]] = []
        if not (zonder_seed or alleen_paginas):
            rijen.append(self._seed(students))
        inschrijvingen = self._aantal_inschrijvingen()
        if not alleen_paginas:
            rijen += self._fasecontrole(inschrijvingen)
            rijen += self._rod(inschrijvingen)
        # The jobs above wrote hundreds of thousands of rows (signals, ROD state); autovacuum
        # gives a production database their statistics soon after. Untimed.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if not zonder_paginas:
            rijen += self._paginas(herhalingen)
        if not alleen_paginas:
            rijen.append(self._anonimiseren())  # last: it destroys the personal data
        self._tabel(rijen, inschrijvingen)

    # --- the parts ---------------------------------------------------------------------------------

    def _aantal_inschrijvingen(self) -> int:
        from registratie.models import Inschrijving

        n = Inschrijving.objects.count()
        if not n:
            raise CommandError("Geen inschrijvingen: laat --zonder-seed weg.")
        return n

    def _seed(self, students: int) -> list[str]:
        self.stderr.write(f"seed: {getal(students)} leerlingen…")
        uit = kindproces(["bench_seed", "--students", str(students), "--reset"], _env())
        # Freshly bulk-loaded tables have neither statistics nor a visibility map; a production
        # database has both (autovacuum). Untimed.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        seconden = float(re.search(r"^tijd\s+([\d.]+) s", uit, re.M).group(1))
        rss = float(re.search(r"^piek-RSS\s+([\d.]+) MiB", uit, re.M).group(1))
        inschrijvingen = int(re.search(r"^\s+inschrijvingen\s+(\d+)", uit, re.M).group(1))
        grens = GRENS_SEED_S_PER_MILJOEN * inschrijvingen / 1_000_000
        return self._rij(
            f"seed_demo ({getal(inschrijvingen)} inschrijvingen)", "taak", seconden, None, grens, rss, "s"
        )

    def _fasecontrole(self, inschrijvingen: int) -> list[list[str]]:
        self.stderr.write("fasecontrole…")
        m = _json(kindproces(["bench", "--meten", "fasecontrole"], _env()))
        grens = GRENS_FASECONTROLE_S_PER_MILJOEN * inschrijvingen / 1_000_000
        return [
            self._rij(
                f"check_phases {titel} ({getal(m['bevindingen'])} bevindingen)",
                "taak",
                m[sleutel],
                None,
                grens,
                m["piek_rss_mb"],
                "s",
            )
            for titel, sleutel in (("1e run", "eerste"), ("2e run", "tweede"))
        ]

    def _rod(self, inschrijvingen: int) -> list[list[str]]:
        from registratie import demo
        from registratie.management.commands.bench_rod import _rod_wissen, schrijfvloer

        self.stderr.write("ROD-export…")
        media = Path(settings.BASE_DIR) / "bench-out" / "rod"
        _rod_wissen()
        shutil.rmtree(media / "rod", ignore_errors=True)
        media.mkdir(parents=True, exist_ok=True)
        vloer = self._copy_vloer()
        schrijven = schrijfvloer()
        env = {**_env(), "MEDIA_ROOT": str(media)}
        m = _json(kindproces(["bench_rod", "--meten", "--date", demo.PEILDATUM.isoformat()], env))
        return [
            # The database's own share of a first delivery (no Python): beside the bound, it shows
            # how much of the bound the writes the queue requires take by themselves.
            self._rij(
                "ROD eerste levering: alleen de SQL-schrijfacties (vullen, status, FK-controles)",
                "taak",
                schrijven,
                vloer,
                vloer * GRENS_ROD_VLOER_VERHOUDING,
                None,
                "s",
            ),
            self._rij(
                f"ROD-export eerste levering ({getal(inschrijvingen)})",
                "taak",
                m["volledig"]["seconden"],
                vloer,
                vloer * GRENS_ROD_VLOER_VERHOUDING,
                m["piek_rss_mb"],
                "s",
            ),
            self._rij(
                "ROD-export zonder mutaties",
                "taak",
                m["mutaties"]["seconden"],
                None,
                GRENS_ROD_MUTATIES_S,
                m["piek_rss_mb"],
                "s",
            ),
            # No bound in the issue: shown so that a run after a first delivery cannot regress
            # unseen (each message reads its previous one from the batch file).
            self._rij(
                f"ROD-export na 1 % wijzigingen ({getal(m['wijzigingen']['records'])} berichten)",
                "taak",
                m["wijzigingen"]["seconden"],
                None,
                None,
                m["piek_rss_mb"],
                "s",
            ),
        ]

    def _copy_vloer(self) -> float:
        """PostgreSQL's COPY of the rows the export reads (every instelling's stream), to nowhere."""
        from registratie.rod import selectors

        sql, params = selectors.inschrijvingen_rijen().query.sql_with_params()
        with connection.cursor() as cursor:
            begin = time.perf_counter()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
                for _ in copy:
                    pass
            return time.perf_counter() - begin

    def _paginas(self, herhalingen: int) -> list[list[str]]:
        self.stderr.write(f"pagina's ({herhalingen} verzoeken per pagina per rol)…")
        rijen = []
        for m in _json(
            kindproces(["bench", "--meten", "paginas", "--herhalingen", str(herhalingen)], _env())
        ):
            naam = m["pagina"] if m["status"] == 200 else f"{m['pagina']} (status {m['status']})"
            rijen.append(
                self._rij(naam, m["rol"], m["p95_ms"], m["vloer_ms"], GRENS_PAGINA_MS, m["piek_rss_mb"], "ms")
            )
        return rijen

    def _anonimiseren(self) -> list[str]:
        self.stderr.write("anonimiseren…")
        uit = kindproces(["bench_anonimiseren"], _env())
        seconden = float(re.search(r"leerlingen in ([\d.]+) s", uit).group(1))
        aantal = re.search(r"anonimiseren op \w+: ([\d.]+) leerlingen", uit).group(1)
        rss = float(re.search(r"piek: (\d+) MB", uit).group(1))
        return self._rij(f"anonimiseren ({aantal} leerlingen)", "taak", seconden, None, None, rss, "s")

    # --- the child processes -----------------------------------------------------------------------

    def _meten_fasecontrole(self) -> None:
        from registratie import checks
        from registratie.models import Signaal

        # One DELETE (the ORM's delete() would first load every signal to cascade).
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Signaal._meta.db_table} WHERE bron = %s", [checks.BRON])
        uitkomst = {}
        for sleutel in ("eerste", "tweede"):
            begin = time.perf_counter()
            r = checks.check_phases(details=False)  # today, as the nightly task runs it
            uitkomst[sleutel] = time.perf_counter() - begin
            uitkomst["bevindingen"] = r.samenvatting()["bevindingen"]
        uitkomst["piek_rss_mb"] = piek_rss_mb()
        self.stdout.write(json.dumps(uitkomst))

    def _meten_paginas(self, herhalingen: int) -> None:
        from registratie.management import bench_paginas

        def melden(m):
            self.stderr.write(f"  {m.rol:<20} {m.pagina:<26} {m.status} {m.p95_ms:8.1f} ms")

        metingen = bench_paginas.meet_alles(herhalingen, melden)
        self.stdout.write(json.dumps([{**vars(m)} for m in metingen]))

    # --- the table ---------------------------------------------------------------------------------

    @staticmethod
    def _rij(wat, rol, meting, vloer, grens, rss, eenheid) -> list[str]:
        def f(x):
            return "–" if x is None else (f"{x:.1f} {eenheid}" if eenheid == "ms" else f"{x:.2f} {eenheid}")

        verhouding = f"{meting / vloer:.1f}×" if vloer else "–"
        binnen = (grens is None or meting <= grens) and (rss is None or rss <= GRENS_RSS_MB)
        return [
            wat,
            rol,
            f(meting),
            f(vloer),
            verhouding,
            f"≤ {f(grens)}" if grens is not None else "–",
            "–" if rss is None else f"{rss:.0f} MB",
            "ja" if binnen else "NEE",
        ]

    def _tabel(self, rijen: list[list[str]], inschrijvingen: int) -> None:
        from registratie.models import Leerling

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        self.stdout.write(
            f"\n`make bench` op {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}: "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"PostgreSQL {pg}, Python {platform.python_version()}; "
            f"{getal(Leerling.objects.count())} leerlingen, {getal(inschrijvingen)} inschrijvingen.\n"
        )
        kop = ["wat", "rol", "meting", "vloer", "verhouding", "grens", "piek-RSS", "binnen grens"]
        self.stdout.write("| " + " | ".join(kop) + " |")
        self.stdout.write("|" + "---|" * len(kop))
        for rij in rijen:
            self.stdout.write("| " + " | ".join(rij) + " |")
