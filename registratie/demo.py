"""Deterministic demo data: besturen, instellingen, agreements, routes, students and enrolments.

``genereer(studenten=N, seed=S, peildatum=D)`` builds the same data for the same N, S and D on any
database: every random choice comes from one ``random.Random(seed)`` and no date comes from the
clock. The structure (boards, schools, agreements, routes, programmes, demo users) is fixed; the
students are drawn.

Students are written in chunks with ``bulk_create`` (no per-row query, no ``full_clean``: the rows
are valid by construction), so a million enrolments take minutes and memory stays bounded.

This module is the entry point (``genereer``, ``wis_alles``, ``heeft_gegevens``, ``SeedResultaat``
and the constants callers use); the work is done beside it, one responsibility per module:

- ``demo_gegevens``: the fixed structure and the name lists, as data;
- ``demo_structuur``: the structure's rows (boards to programmes), with ``demo_gebruikers`` for the
  demo users and their memberships;
- ``demo_studenten``: drawing the students and their enrolments;
- ``demo_schrijven``: writing the drawn students per chunk;
- ``demo_wissen``: emptying the domain tables for ``--reset``.

Some students carry a deliberate inconsistency for the fase check (``registratie.checks``) to find.
Nothing in the data marks them; ``SeedResultaat.geplant`` lists them per kind:

- ``R-INS-6``: running vo- and mbo-inschrijving disagree on fase (vo 'vo', mbo 'mbo');
- ``R-INS-3``: mbo-fase by route year, vo-inschrijving in fase 'mbo', no mbo-inschrijving;
- ``R-INS-4``: a fasewissel whose ingangsdatum is not 1 August;
- ``R-INS-5``: DLR vo-inschrijving ended 'vo_afgerond' in the mbo-fase with neither the vmbo
  diploma date nor the date the vo activities were completed;
- ``R-LR-8``: running enrolments under a route whose agreement ended ('beeindigd');
- ``R-INS-1``: an mbo-inschrijving that starts before the route start (vmbo leerjaar 3).

Besides these, ``SeedResultaat.overgang_aantal`` counts the (valid) students in route year 2 whose
fase changes on the next 1 August.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from kwaliteit import demo as kwaliteit_demo
from registratie import fase
from registratie.demo_gegevens import (  # noqa: F401 (re-exported: demo.PEILDATUM, …)
    ACHTERNAMEN,
    ACTIEF,
    BATCH,
    BEEINDIGD,
    BEEINDIGDE_ROUTE,
    BESTUREN,
    CHUNK,
    CONCEPT,
    DEMO_GEBRUIKERS,
    GEBRUIKERS,
    GEPLANT,
    GEPLANT_LABELS,
    HOOFDOVEREENKOMST,
    INSTELLINGEN,
    MBO_JAREN,
    MET_TUSSENVOEGSEL,
    MINIMUM_STUDENTEN,
    OVEREENKOMSTEN,
    OVERSTAPPEN,
    PEILDATUM,
    PROGRAMMA,
    ROUTES,
    STANDAARD_STUDENTEN,
    TUSSENVOEGSELS,
    TWEEDE_NAMEN,
    VOORNAMEN,
    VROEGSTE_PEILDATUM,
    WACHTWOORD,
)
from registratie.demo_schrijven import schrijf
from registratie.demo_structuur import Structuur
from registratie.demo_studenten import Studenten
from registratie.demo_wissen import BEHOUDEN, DOMEIN_APPS, wis_alles  # noqa: F401 (re-exported)
from samenwerking.models import AuditActie, AuditRegel, Instelling, Kanaal

# --- result -----------------------------------------------------------------------------------------


@dataclass
class SeedResultaat:
    studenten: int
    seed: int
    peildatum: datetime.date
    overgang_datum: datetime.date
    aantallen: dict[str, int] = field(default_factory=dict)
    geplant: dict[str, list[int]] = field(default_factory=dict)  # rule id -> leerling ids
    overgang_aantal: int = 0  # valid students whose fase changes on overgang_datum
    gebruikers: list[tuple[str, str]] = field(default_factory=list)  # (username, role)
    seconden: float = 0.0
    overgeslagen: bool = False

    @property
    def rijen(self) -> int:
        return sum(self.aantallen.values())


# --- entry points -----------------------------------------------------------------------------------


def heeft_gegevens() -> bool:
    return Instelling.objects.exists()


def genereer(
    *,
    studenten: int = STANDAARD_STUDENTEN,
    seed: int = 1,
    peildatum: datetime.date = PEILDATUM,
    chunk: int = CHUNK,
    voortgang: Callable[[int, int, float], None] | None = None,
) -> SeedResultaat:
    """Write the demo data into an empty database, in one transaction."""
    if studenten < MINIMUM_STUDENTEN:
        raise ValueError(f"minstens {MINIMUM_STUDENTEN} leerlingen")
    if peildatum < VROEGSTE_PEILDATUM:
        raise ValueError(f"de peildatum ligt niet vóór {VROEGSTE_PEILDATUM.isoformat()}")
    begin = time.monotonic()
    resultaat = SeedResultaat(
        studenten=studenten,
        seed=seed,
        peildatum=peildatum,
        overgang_datum=fase.schooljaar_start(fase.schooljaar(peildatum) + 1),
    )
    with transaction.atomic():
        structuur = Structuur.maak(resultaat)
        schrijf(Studenten(structuur, studenten, seed, peildatum, resultaat), chunk, voortgang, begin)
        kwaliteit_demo.genereer({k: r.id for k, r in structuur.routes.items()}, peildatum)
        AuditRegel.objects.create(
            kanaal=Kanaal.JOB,
            actie=AuditActie.AANGEMAAKT,
            model="registratie.demo",
            object_id=f"seed-{seed}",
            object_repr=f"Demodata: {studenten} leerlingen (seed {seed}, peildatum {peildatum.isoformat()})",
            nieuw={
                "studenten": studenten,
                "seed": seed,
                "peildatum": peildatum.isoformat(),
                "aantallen": resultaat.aantallen,
                "geplant": {k: len(v) for k, v in resultaat.geplant.items()},
            },
        )
    _statistieken_bijwerken()
    resultaat.seconden = time.monotonic() - begin
    return resultaat


def _statistieken_bijwerken() -> None:
    """After a bulk load PostgreSQL's planner still thinks the tables are empty until autovacuum
    gets round to them; the nightly check then picks nested loops over a million rows. ANALYZE
    now, so the first check after a seed runs in seconds, not hours."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
