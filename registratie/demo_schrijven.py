"""Writing the demo students: ``schrijf`` draws them from a ``demo_studenten.Studenten`` per chunk
and bulk-inserts each chunk (leerlingen, then inschrijvingen, fasewissels and uitstroom), with
no per-row query and no ``full_clean`` (the rows are valid by construction), so memory stays
bounded and a million enrolments take minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, reset_queries

from registratie.demo_gegevens import BATCH
from registratie.demo_studenten import Studenten
from registratie.models import Fasewissel, Inschrijving, Leerling, Uitstroom

if TYPE_CHECKING:  # registratie.demo imports this module
    from registratie.demo import SeedResultaat


def schrijf(
    studenten: Studenten,
    chunk: int,
    voortgang: Callable[[int, int, float], None] | None,
    begin: float,
) -> None:
    aantal = studenten.aantal
    for start in range(0, aantal, chunk):
        plannen = [studenten.student(i) for i in range(start, min(start + chunk, aantal))]
        _schrijf_chunk(plannen, studenten.resultaat)
        if settings.DEBUG and not connection.force_debug_cursor:
            # With DEBUG on Django keeps every statement (here: thousands of rows each) in
            # memory; drop them per chunk, unless a test is capturing them.
            reset_queries()
        if voortgang:
            voortgang(min(start + chunk, aantal), aantal, time.monotonic() - begin)


def _schrijf_chunk(plannen, resultaat: SeedResultaat) -> None:
    leerlingen = [p[0] for p in plannen]
    Leerling.objects.bulk_create(leerlingen, batch_size=BATCH)
    inschrijvingen = []
    for leerling, ins, _u, _kind in plannen:
        for i, _w in ins:
            i.leerling_id = leerling.pk
            inschrijvingen.append(i)
    Inschrijving.objects.bulk_create(inschrijvingen, batch_size=BATCH)
    wissels, uitstroom = [], []
    for leerling, ins, u, kind in plannen:
        for i, ws in ins:
            wissels += [
                Fasewissel(inschrijving_id=i.pk, van_fase=van, naar_fase=naar, ingangsdatum=d)
                for van, naar, d in ws
            ]
        if u is not None:
            u.leerling_id = leerling.pk
            uitstroom.append(u)
        if kind:
            resultaat.geplant[kind].append(leerling.pk)
    Fasewissel.objects.bulk_create(wissels, batch_size=BATCH)
    Uitstroom.objects.bulk_create(uitstroom, batch_size=BATCH)
    a = resultaat.aantallen
    a["leerlingen"] += len(leerlingen)
    a["inschrijvingen"] += len(inschrijvingen)
    a["fasewissels"] += len(wissels)
    a["uitstroom"] += len(uitstroom)
