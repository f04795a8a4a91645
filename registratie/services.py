"""Writes on students, enrolments and phases: the one way in for admin, views, API, import, jobs.

Each service is atomic: a broken rule raises a ValidationError naming it and nothing is saved.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from registratie import rules
from registratie.models import (
    Fasewissel,
    Inschrijving,
    Leerling,
    RedenEinde,
    Uitstroom,
)
from samenwerking import audit
from samenwerking.models import AuditActie, Kanaal
from samenwerking.services import opslaan


def lopende_inschrijvingen(leerling: Leerling, *, behalve: Inschrijving | None = None) -> list:
    qs = Inschrijving.objects.filter(leerling=leerling, einddatum__isnull=True)
    if behalve is not None and behalve.pk:
        qs = qs.exclude(pk=behalve.pk)
    return list(qs)


@transaction.atomic
def inschrijving_opslaan(
    *, inschrijving: Inschrijving, door, kanaal: str = Kanaal.UI, samen_met: list[Inschrijving] | None = None
) -> Inschrijving:
    """Save one enrolment after every rule, including R-INS-2 across the student's enrolments.

    ``samen_met``: enrolments of the same student saved in the same step (admin inlines).
    """
    if inschrijving.leerling_id:
        opgeslagen = lopende_inschrijvingen(inschrijving.leerling, behalve=inschrijving)
        rules.check_vo_kant_aanwezig([*opgeslagen, inschrijving, *(samen_met or [])])
    return opslaan(inschrijving, door=door, kanaal=kanaal)


@transaction.atomic
def leerling_inschrijven(
    *, leerling: Leerling, inschrijvingen: list[Inschrijving], door, kanaal: str = Kanaal.UI
) -> Leerling:
    """Create or update a student with one or more enrolments, all or nothing."""
    opslaan(leerling, door=door, kanaal=kanaal)
    for i in inschrijvingen:
        i.leerling = leerling
    rules.check_vo_kant_aanwezig(lopende_inschrijvingen(leerling) + inschrijvingen)
    for i in sorted(inschrijvingen, key=lambda i: i.sector != "vo"):
        opslaan(i, door=door, kanaal=kanaal)
    return leerling


@transaction.atomic
def fase_wijzigen(
    *,
    inschrijvingen: list[Inschrijving],
    naar_fase: str,
    ingangsdatum: datetime.date,
    door,
    kanaal: str = Kanaal.UI,
) -> list[Fasewissel]:
    """R-INS-4: move enrolments to another fase on 1 August, recorded with who and when."""
    rules.check_fasewissel_datum(ingangsdatum)
    wissels = []
    for i in (
        Inschrijving.objects.select_for_update()
        .filter(pk__in=[i.pk for i in inschrijvingen])
        .select_related("leerroute__overeenkomst")
    ):
        if i.fase == naar_fase:
            continue
        wissel = Fasewissel(
            inschrijving=i,
            van_fase=i.fase,
            naar_fase=naar_fase,
            ingangsdatum=ingangsdatum,
            geregistreerd_door=door if door and door.is_authenticated else None,
        )
        opslaan(wissel, door=door, kanaal=kanaal)
        i.fase = naar_fase
        i._fasewissel = True
        opslaan(i, door=door, kanaal=kanaal)
        wissels.append(wissel)
    return wissels


@transaction.atomic
def inschrijving_beeindigen(
    *, inschrijving: Inschrijving, einddatum: datetime.date, reden: str, door, kanaal: str = Kanaal.UI
) -> Inschrijving:
    inschrijving.einddatum = einddatum
    inschrijving.reden_einde = reden
    return opslaan(inschrijving, door=door, kanaal=kanaal)


@transaction.atomic
def uitstroom_vastleggen(*, uitstroom: Uitstroom, door, kanaal: str = Kanaal.UI) -> Uitstroom:
    """R-INS-10: a student stops or switches: record reason and destination (so the overstapoptie
    can bring them to a startkwalificatie) and end the route enrolments on that date."""
    if door is not None and door.is_authenticated:
        uitstroom.vastgelegd_door = door
    opslaan(uitstroom, door=door, kanaal=kanaal)  # clean() checks R-INS-10
    for i in Inschrijving.objects.select_for_update().filter(
        leerling=uitstroom.leerling, leerroute=uitstroom.leerroute, einddatum__isnull=True
    ):
        inschrijving_beeindigen(
            inschrijving=i, einddatum=uitstroom.datum, reden=RedenEinde.OVERSTAP, door=door, kanaal=kanaal
        )
    return uitstroom


def bsn_bekeken(*, leerling: Leerling, door, kanaal: str = Kanaal.UI) -> None:
    """Record that someone looked at a student's unmasked BSN."""
    audit.record(leerling, actie=AuditActie.BSN_BEKEKEN, door=door, kanaal=kanaal)
