"""R-MON-2 monitoring figures per route and cohort, set-based.

Each student counts once per route and cohort (the school year of route year 1, from the
student's first vo-inschrijving in the route). On the peildatum a student is in the vo-fase or
the mbo-fase by the fase of their running enrolments; when the running vo- and mbo-inschrijving
disagree (R-INS-6), the student counts once, under "registraties oneens", and in neither fase.

``berekenen(peildatum, routes)`` is three queries whatever the number of students: the figures
(enrolments → one row per student and route → one row per route and cohort, the last two
levels as GROUP BYs in the database), the uitstroom, and the routes. The nightly fase check
stores its result for its peildatum (``verversen``, table MonitoringCijfer), so the page for today
reads a few rows instead of aggregating every enrolment.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import FirstValue
from django.utils import timezone

from registratie import fase
from registratie.models import (
    Fasewissel,
    Inschrijving,
    MonitoringCijfer,
    RedenEinde,
    Uitstroom,
)

FIGUREN = ("instroom", "in_vo_fase", "in_mbo_fase", "oneens", "overgangen", "vmbo_diplomas", "mbo_diplomas")


_KOLOMMEN = ("vo_fase", "mbo_fase", "wissel", "vmbo", "mbo_diploma")


def _leeg() -> dict:
    return {
        **dict.fromkeys(FIGUREN, 0),
        "uitstroom": 0,
        "uitstroom_per_reden": {},
        "uitstroom_per_bestemming": {},
    }


def _per_inschrijving(peildatum: datetime.date, routes):
    """One row per enrolment that counts (not a correction), with its student-route cohort and
    what it contributes on ``peildatum``."""
    lopend = Q(startdatum__lte=peildatum) & (Q(einddatum__isnull=True) | Q(einddatum__gte=peildatum))
    vo = Q(sector="vo")

    def vlag(conditie) -> Case:
        return Case(When(conditie, then=Value(1)), default=Value(0), output_field=IntegerField())

    def lopende_fase(kant: Q) -> Case:
        return Case(When(lopend & kant, then=F("fase")), default=Value(""), output_field=CharField())

    naar_mbo = Fasewissel.objects.filter(inschrijving=OuterRef("pk"), naar_fase="mbo")
    return (
        Inschrijving.objects.exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(leerroute__in=routes)
        .annotate(
            # The routestartjaar of the student's first vo-inschrijving in the route (vo rows
            # first, then by start): NULL when the student has none.
            cohort=Window(
                FirstValue(
                    Case(When(vo, then=fase.routestartjaar_expr()), default=None, output_field=IntegerField())
                ),
                partition_by=[F("leerling_id"), F("leerroute_id")],
                order_by=[vlag(~vo).asc(), F("startdatum").asc(), F("id").asc()],
            ),
            vo_fase=lopende_fase(vo),
            mbo_fase=lopende_fase(Q(sector="mbo")),
            wissel=vlag(Exists(naar_mbo)),
            vmbo=vlag(vo & Q(vmbo_diploma_datum__isnull=False)),
            mbo_diploma=vlag(Q(sector="mbo", reden_einde=RedenEinde.DIPLOMA)),
        )
        .order_by()
        .values(
            "leerling_id", "leerroute_id", "cohort", "vo_fase", "mbo_fase", "wissel", "vmbo", "mbo_diploma"
        )
    )


# Student-route rows (level 2), then route-cohort figures (level 3), around the enrolment rows.
_SQL = """
SELECT leerroute_id, cohort, COUNT(*),
  SUM(CASE WHEN oneens = 0 AND COALESCE(NULLIF(vo_f, ''), mbo_f) = 'vo' THEN 1 ELSE 0 END),
  SUM(CASE WHEN oneens = 0 AND COALESCE(NULLIF(vo_f, ''), mbo_f) = 'mbo' THEN 1 ELSE 0 END),
  SUM(oneens), SUM(wissel), SUM(vmbo), SUM(mbo_diploma)
FROM (
  SELECT leerroute_id, cohort, vo_f, mbo_f, wissel, vmbo, mbo_diploma,
    CASE WHEN vo_f <> '' AND mbo_f <> '' AND vo_f <> mbo_f THEN 1 ELSE 0 END AS oneens
  FROM (
    SELECT leerroute_id, cohort, MAX(vo_fase) AS vo_f, MAX(mbo_fase) AS mbo_f, MAX(wissel) AS wissel,
      MAX(vmbo) AS vmbo, MAX(mbo_diploma) AS mbo_diploma
    FROM ({rijen}) rijen
    GROUP BY leerling_id, leerroute_id, cohort
  ) per_leerling
) per_leerling_route
GROUP BY leerroute_id, cohort
"""


def _cohort_van_uitstroom():
    """Per uitstroom row: the routestartjaar of the student's first vo-inschrijving in the route."""
    return Subquery(
        Inschrijving.objects.filter(
            sector="vo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute")
        )
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .order_by("startdatum", "id")
        .annotate(j=fase.routestartjaar_expr())
        .values("j")[:1]
    )


def berekenen(peildatum: datetime.date, routes) -> dict[tuple[int, int | None], dict]:
    """{(route id, cohort): figures} on ``peildatum`` for ``routes`` (a queryset of routes)."""
    rijen_sql, params = _per_inschrijving(peildatum, routes.values("pk")).query.sql_with_params()
    uitkomst: dict[tuple, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(rijen=rijen_sql), params)
        for route_id, cohort, *cijfers in cursor.fetchall():
            # Raw SQL skips Django's converters: PostgreSQL's EXTRACT gives a numeric (Decimal).
            cohort = None if cohort is None else int(cohort)
            uitkomst[(route_id, cohort)] = _leeg() | dict(
                zip(FIGUREN, (int(c or 0) for c in cijfers), strict=True)
            )
    uitstroom = (
        Uitstroom.objects.filter(leerroute__in=routes.values("pk"))
        .annotate(cohort=_cohort_van_uitstroom())
        .values("leerroute", "cohort", "reden", "bestemming")
        .annotate(n=Count("leerling", distinct=True))
        .order_by()
    )
    for u in uitstroom:
        rij = uitkomst.setdefault(
            (u["leerroute"], None if u["cohort"] is None else int(u["cohort"])),
            {
                **dict.fromkeys(FIGUREN, 0),
                "uitstroom": 0,
                "uitstroom_per_reden": {},
                "uitstroom_per_bestemming": {},
            },
        )
        rij["uitstroom"] += u["n"]
        for sleutel, waarde in (
            ("uitstroom_per_reden", u["reden"]),
            ("uitstroom_per_bestemming", u["bestemming"]),
        ):
            rij[sleutel][waarde] = rij[sleutel].get(waarde, 0) + u["n"]
    return uitkomst


def verversen(peildatum: datetime.date) -> int:
    """Store the figures of every route on ``peildatum`` (the nightly fase check calls this in its
    transaction), and the start page's stored counts (registratie.tellingen) with the same time;
    the previous sets go. Returns the number of monitoring rows."""
    from leerroute.models import Leerroute
    from registratie import tellingen

    cijfers = berekenen(peildatum, Leerroute.objects.all())
    nu = timezone.now()
    MonitoringCijfer.objects.all().delete()
    MonitoringCijfer.objects.bulk_create(
        MonitoringCijfer(leerroute_id=route_id, cohort=cohort, peildatum=peildatum, berekend_op=nu, **c)
        for (route_id, cohort), c in cijfers.items()
    )
    tellingen.verversen(nu)
    return len(cijfers)


def opgeslagen(peildatum: datetime.date, routes) -> tuple[dict, datetime.datetime] | None:
    """The stored figures of ``routes`` when the nightly check stored them for ``peildatum``,
    with when; None when it did not (then compute them)."""
    rijen = list(MonitoringCijfer.objects.filter(peildatum=peildatum, leerroute__in=routes.values("pk")))
    if not rijen and not MonitoringCijfer.objects.filter(peildatum=peildatum).exists():
        return None
    berekend_op = max((r.berekend_op for r in rijen), default=None)
    velden = (*FIGUREN, "uitstroom", "uitstroom_per_reden", "uitstroom_per_bestemming")
    return {(r.leerroute_id, r.cohort): {v: getattr(r, v) for v in velden} for r in rijen}, berekend_op
