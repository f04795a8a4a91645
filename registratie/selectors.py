"""Reads on students, enrolments and signals that need scoping or annotation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from leerroute.models import Leerroute
from registratie import fase
from registratie.models import (
    SIGNAAL_OPEN,
    Bestemming,
    Leerling,
    Signaal,
    UitstroomReden,
)
from registratie.rod.services import BRON as BRON_ROD
from samenwerking import scope
from samenwerking.paginering import verschillende_waarden


def signalen_voor(user, *, regel: str = "", status: str = "open", bron: str = ""):
    """The signals this user may see: a coordinator those of the agreements they coordinate, a
    beheerder or lezer those of their own instelling. ``status`` "open" means open or handed over;
    "" means every status."""
    qs = Signaal.objects.for_user(user, scope.VIEW).select_related(
        "leerling", "overeenkomst", "instelling", "partner_instelling", "toegewezen_aan", "toegewezen_persoon"
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
    return verschillende_waarden(Signaal.objects.for_user(user, scope.VIEW), "regel")


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


def overdracht_collegas(instelling_ids):
    """The colleagues a signal can be handed to: the active beheerders of these instellingen (the
    parties of the signals' agreements), by name."""
    from django.contrib.auth import get_user_model

    from samenwerking.models import Lidmaatschap, Rol

    beheerders = Lidmaatschap.objects.filter(rol=Rol.BEHEERDER, instelling__in=list(instelling_ids))
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=beheerders.values("gebruiker"))
        .order_by("last_name", "first_name", "username")
    )


def overdracht_instelling(persoon, partijen, *, voorkeur=None):
    """The school of ``partijen`` (an agreement's vo and mbo instelling ids) where ``persoon`` is
    beheerder, so a hand-over to them lands there; ``voorkeur`` when they are beheerder of both.
    None when they are beheerder of neither (or inactive)."""
    from samenwerking.models import Instelling, Lidmaatschap, Rol

    if not persoon.is_active:
        return None
    ids = set(
        Lidmaatschap.objects.filter(
            gebruiker=persoon, rol=Rol.BEHEERDER, instelling__in=list(partijen)
        ).values_list("instelling_id", flat=True)
    )
    if not ids:
        return None
    gekozen = (
        voorkeur.pk if voorkeur is not None and voorkeur.pk in ids else min(ids, key=list(partijen).index)
    )
    return Instelling.objects.get(pk=gekozen)


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
    """The figures of one route and cohort (the school year of route year 1). Each student counts
    once: in the vo-fase, in the mbo-fase, or, when the two registrations disagree, in ``oneens``."""

    leerroute: Leerroute
    cohort: int | None
    instroom: int = 0
    in_vo_fase: int = 0
    in_mbo_fase: int = 0
    oneens: int = 0
    overgangen: int = 0
    uitstroom: int = 0
    vmbo_diplomas: int = 0
    mbo_diplomas: int = 0
    uitstroom_per_reden: dict[str, int] = field(default_factory=dict)
    uitstroom_per_bestemming: dict[str, int] = field(default_factory=dict)

    @property
    def cohort_label(self) -> str:
        return fase.schooljaar_label(self.cohort) if self.cohort is not None else "onbekend"


@dataclass
class Monitoring:
    rijen: list[MonitoringRij]
    peildatum: datetime.date
    berekend_op: datetime.datetime | None = None  # set when the nightly check's stored figures


def _labels(per_code: dict, keuzes) -> dict[str, int]:
    namen = dict(keuzes)
    return {str(namen.get(code, code)): n for code, n in per_code.items()}


def monitoring_met_bron(user, *, peildatum: datetime.date | None = None) -> Monitoring:
    """R-MON-2: per route and cohort: intake, students now in the vo- and mbo-fase (or whose
    registrations disagree), transitions to the mbo-fase, uitstroom by reason and destination
    (R-INS-10), vmbo and mbo diplomas. "Now" is ``peildatum`` (default today).

    Without a chosen date the figures the nightly fase check stored today are read (a few rows);
    otherwise, or when it has not run today, they are computed (registratie.monitoring: a few
    set-based queries, whatever the number of students)."""
    from django.utils import timezone

    from registratie import monitoring as cijfers

    gekozen = peildatum
    peildatum = peildatum or timezone.localdate()
    routes_qs = Leerroute.objects.for_user(user, scope.VIEW)
    opgeslagen = cijfers.opgeslagen(peildatum, routes_qs) if gekozen is None else None
    per_sleutel, berekend_op = opgeslagen or (cijfers.berekenen(peildatum, routes_qs), None)
    routes = {
        r.pk: r for r in routes_qs.select_related("overeenkomst").filter(pk__in={k[0] for k in per_sleutel})
    }
    rijen = [
        MonitoringRij(
            leerroute=routes[route_id],
            cohort=cohort,
            **{
                **c,
                "uitstroom_per_reden": _labels(c["uitstroom_per_reden"], UitstroomReden.choices),
                "uitstroom_per_bestemming": _labels(c["uitstroom_per_bestemming"], Bestemming.choices),
            },
        )
        for (route_id, cohort), c in per_sleutel.items()
    ]
    rijen.sort(key=lambda r: (r.leerroute.naam, r.leerroute.pk, r.cohort if r.cohort is not None else 0))
    return Monitoring(rijen=rijen, peildatum=peildatum, berekend_op=berekend_op)


def monitoring(user, *, peildatum: datetime.date | None = None) -> list[MonitoringRij]:
    """The rows of monitoring_met_bron."""
    return monitoring_met_bron(user, peildatum=peildatum).rijen
