"""Reads on students, enrolments and signals that need scoping or annotation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery

from leerroute.models import Leerroute
from registratie import fase
from registratie.models import (
    Bestemming,
    Inschrijving,
    Leerling,
    RedenEinde,
    Signaal,
    SignaalStatus,
    Uitstroom,
    UitstroomReden,
)
from registratie.rod.services import BRON as BRON_ROD
from samenwerking import scope

SIGNAAL_OPEN = (SignaalStatus.OPEN, SignaalStatus.OVERGEDRAGEN)


def signalen_voor(user, *, regel: str = "", status: str = "open", bron: str = ""):
    """The signals this user may see: a coordinator those of the agreements they coordinate, a
    beheerder or lezer those of their own instelling. ``status`` "open" means open or handed over;
    "" means every status."""
    qs = Signaal.objects.for_user(user, scope.VIEW).select_related(
        "leerling", "overeenkomst", "instelling", "partner_instelling", "toegewezen_aan"
    )
    if status == "open":
        qs = qs.filter(status__in=SIGNAAL_OPEN)
    elif status:
        qs = qs.filter(status=status)
    if regel:
        qs = qs.filter(regel=regel)
    if bron:
        qs = qs.filter(bron=bron)
    return qs.order_by("-aangemaakt_op", "-id")


def signaal_regels(user) -> list[str]:
    """The rule ids that occur among the signals this user may see (for the filter)."""
    return sorted(set(Signaal.objects.for_user(user, scope.VIEW).values_list("regel", flat=True).distinct()))


def mag_signaal_afhandelen(user, signaal: Signaal) -> bool:
    """Applying, dismissing or handing over a signal is the coordinator's review (or the
    applicatiebeheerder's); the schools' beheerders see the signals of their instelling.

    A ROD signal (a rejection or a held record of one instelling's delivery) is that instelling's:
    its beheerders close it; the partner school and the coordinator see it read-only."""
    s = scope.scope_for(user)
    if s.alles:
        return True
    if signaal.bron == BRON_ROD:
        return signaal.instelling_id is not None and signaal.instelling_id in s.beheer
    return signaal.overeenkomst_id is not None and signaal.overeenkomst_id in s.overeenkomsten


def mag_nummer_inzien(user, leerling: Leerling) -> bool:
    """Who may reveal a student's full BSN or onderwijsnummer: those who may change the student
    (the beheerders of the schools of the student's routes, the applicatiebeheerder), who need it
    to register and deliver to ROD. Coordinators and readers work with the masked number."""
    return Leerling.objects.for_user(user, scope.CHANGE).filter(pk=leerling.pk).exists()


def leerling_met_nummer(user, nummer: str) -> Leerling | None:
    """The student with exactly this number, if this user may see them (else None: a search
    must not tell whether a number exists elsewhere)."""
    return Leerling.objects.for_user(user, scope.VIEW).met_nummer(nummer).first()


# --- monitoring (R-MON-2) --------------------------------------------------------------------------


@dataclass
class MonitoringRij:
    """The figures of one route and cohort (the school year of route year 1)."""

    leerroute: Leerroute
    cohort: int | None
    instroom: int = 0
    in_vo_fase: int = 0
    in_mbo_fase: int = 0
    overgangen: int = 0
    uitstroom: int = 0
    vmbo_diplomas: int = 0
    mbo_diplomas: int = 0
    uitstroom_per_reden: dict[str, int] = field(default_factory=dict)
    uitstroom_per_bestemming: dict[str, int] = field(default_factory=dict)

    @property
    def cohort_label(self) -> str:
        return fase.schooljaar_label(self.cohort) if self.cohort is not None else "onbekend"


def _cohort():
    """Per row with leerling and leerroute: the routestartjaar of the student's vo-inschrijving."""
    return Subquery(
        Inschrijving.objects.filter(
            sector="vo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute")
        )
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .order_by("startdatum", "id")
        .annotate(j=fase.routestartjaar_expr())
        .values("j")[:1]
    )


def monitoring(user, *, peildatum: datetime.date | None = None) -> list[MonitoringRij]:
    """R-MON-2: per route and cohort: intake, students now in the vo- and mbo-fase, transitions to
    the mbo-fase, uitstroom by reason and destination (R-INS-10), vmbo and mbo diplomas.

    Three queries, whatever the number of students. "Now" is ``peildatum`` (default today).
    """
    from django.utils import timezone

    peildatum = peildatum or timezone.localdate()
    routes = {r.pk: r for r in Leerroute.objects.for_user(user, scope.VIEW).select_related("overeenkomst")}
    lopend = Q(startdatum__lte=peildatum) & (Q(einddatum__isnull=True) | Q(einddatum__gte=peildatum))
    cijfers = (
        Inschrijving.objects.filter(leerroute__in=routes.keys())
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .annotate(cohort=_cohort())
        .values("leerroute", "cohort")
        .annotate(
            instroom=Count("leerling", distinct=True),
            in_vo_fase=Count("leerling", distinct=True, filter=lopend & Q(fase="vo")),
            in_mbo_fase=Count("leerling", distinct=True, filter=lopend & Q(fase="mbo")),
            overgangen=Count("leerling", distinct=True, filter=Q(fasewissels__naar_fase="mbo")),
            vmbo_diplomas=Count(
                "leerling", distinct=True, filter=Q(sector="vo", vmbo_diploma_datum__isnull=False)
            ),
            mbo_diplomas=Count(
                "leerling", distinct=True, filter=Q(sector="mbo", reden_einde=RedenEinde.DIPLOMA)
            ),
        )
        .order_by()
    )
    rijen: dict[tuple, MonitoringRij] = {}
    for c in cijfers:
        rijen[(c["leerroute"], c["cohort"])] = MonitoringRij(
            leerroute=routes[c["leerroute"]],
            cohort=c["cohort"],
            **{
                k: c[k]
                for k in (
                    "instroom",
                    "in_vo_fase",
                    "in_mbo_fase",
                    "overgangen",
                    "vmbo_diplomas",
                    "mbo_diplomas",
                )
            },
        )
    redenen, bestemmingen = dict(UitstroomReden.choices), dict(Bestemming.choices)
    uitstroom = (
        Uitstroom.objects.filter(leerroute__in=routes.keys())
        .annotate(cohort=_cohort())
        .values("leerroute", "cohort", "reden", "bestemming")
        .annotate(n=Count("leerling", distinct=True))
        .order_by()
    )
    for u in uitstroom:
        rij = rijen.setdefault(
            (u["leerroute"], u["cohort"]), MonitoringRij(leerroute=routes[u["leerroute"]], cohort=u["cohort"])
        )
        rij.uitstroom += u["n"]
        reden, bestemming = (
            str(redenen.get(u["reden"], u["reden"])),
            str(bestemmingen.get(u["bestemming"], u["bestemming"])),
        )
        rij.uitstroom_per_reden[reden] = rij.uitstroom_per_reden.get(reden, 0) + u["n"]
        rij.uitstroom_per_bestemming[bestemming] = rij.uitstroom_per_bestemming.get(bestemming, 0) + u["n"]
    return sorted(
        rijen.values(),
        key=lambda r: (r.leerroute.naam, r.leerroute.pk, r.cohort if r.cohort is not None else 0),
    )
