"""Route years and phases (R-INS-1, R-INS-4): the one place that turns dates into them.

The route starts after two years of vmbo: route year 1 = vmbo leerjaar 3. Years 1–2 are the
vo-fase, from year 3 the mbo-fase. School years start on 1 August.

A vo-inschrijving records the vmbo ``leerjaar`` on its ``startdatum``; from those two the route
year on any date follows, so nothing has to be updated each year.
"""

from __future__ import annotations

import datetime

SCHOOLJAAR_MAAND, SCHOOLJAAR_DAG = 8, 1
VO_FASE_JAREN = 2  # R-INS-1: route years 1 and 2


def schooljaar(datum: datetime.date) -> int:
    """The calendar year in which the school year containing ``datum`` began."""
    return datum.year if (datum.month, datum.day) >= (SCHOOLJAAR_MAAND, SCHOOLJAAR_DAG) else datum.year - 1


def schooljaar_start(jaar: int) -> datetime.date:
    return datetime.date(jaar, SCHOOLJAAR_MAAND, SCHOOLJAAR_DAG)


def routejaar(vo_startdatum: datetime.date, leerjaar_bij_start: int, datum: datetime.date) -> int:
    """Route year on ``datum`` of a student whose vo-inschrijving started in that leerjaar."""
    return schooljaar(datum) - schooljaar(vo_startdatum) + (leerjaar_bij_start - 2)


def routestart(vo_startdatum: datetime.date, leerjaar_bij_start: int) -> datetime.date:
    """1 August of the school year in which the student was (or would be) in vmbo leerjaar 3."""
    return schooljaar_start(schooljaar(vo_startdatum) - (leerjaar_bij_start - 3))


def verwachte_fase(jaar: int) -> str:
    return "vo" if jaar <= VO_FASE_JAREN else "mbo"


def mbo_fase_start(vo_startdatum: datetime.date, leerjaar_bij_start: int) -> datetime.date:
    """The 1 August on which route year 3, the mbo-fase, begins."""
    return schooljaar_start(schooljaar(routestart(vo_startdatum, leerjaar_bij_start)) + VO_FASE_JAREN)
