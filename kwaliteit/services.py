"""Writes on the step plan, route activation and evaluations: validated, atomic, audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kwaliteit import cijfers, rules
from kwaliteit.models import Evaluatie, Stap, StapCode, StapDocument, StapStatus
from leerroute.models import Leerroute, RouteStatus
from registratie import fase
from samenwerking import audit, services
from samenwerking.models import AuditActie, Kanaal


@transaction.atomic
def route_in_voorbereiding(*, route: Leerroute, door, kanaal: str = Kanaal.UI) -> Leerroute:
    """Create a route in preparation with the step plan of seed 004 as its checklist."""
    route.status = RouteStatus.IN_VOORBEREIDING
    services.opslaan(route, door=door, kanaal=kanaal)
    stappenplan_aanvullen(route=route, door=door, kanaal=kanaal)
    return route


def stappenplan_aanvullen(*, route: Leerroute, door, kanaal: str = Kanaal.UI) -> list[Stap]:
    """Add the steps the route does not have yet (one insert), each audited."""
    bestaand = set(route.stappen.values_list("code", flat=True))
    nieuw = [
        Stap(leerroute=route, code=code, volgorde=i)
        for i, code in enumerate(StapCode.values, start=1)
        if code not in bestaand
    ]
    Stap.objects.bulk_create(nieuw)
    audit.record_created_bulk(nieuw, door=door, kanaal=kanaal)
    return nieuw


def stap_opslaan(*, stap: Stap, door, kanaal: str = Kanaal.UI) -> Stap:
    """Owner, status, due date, notes; 'formaliseer afspraken' and 'uitvoering concreet' are done
    only when the agreement is active (R-LR-8) and the route is in RIO (R-LR-6)."""
    return services.opslaan(stap, door=door, kanaal=kanaal)


@transaction.atomic
def document_toevoegen(*, stap: Stap, bestand, door, kanaal: str = Kanaal.UI) -> StapDocument:
    """Store the file through Django's storage and record who added it. (Not through opslaan():
    the audit row names the stored file, which a generic snapshot cannot serialise.)"""
    document = StapDocument(stap=stap, bestand=bestand, naam=bestand.name[:200], toegevoegd_door=door)
    document.full_clean()
    document.save()
    nieuw = {
        "stap": stap.pk,
        "naam": document.naam,
        "bestand": document.bestand.name,
        "toegevoegd_door": door.pk,
    }
    audit.record(document, actie=AuditActie.AANGEMAAKT, door=door, kanaal=kanaal, nieuw=nieuw)
    return document


@transaction.atomic
def route_activeren(*, route: Leerroute, door, kanaal: str = Kanaal.UI) -> Leerroute:
    """The step plan is done: the route leaves preparation and may take students (R-LR-8)."""
    route = Leerroute.objects.select_for_update().select_related("overeenkomst").get(pk=route.pk)
    open_stappen = [
        s.get_code_display() for s in route.stappen.exclude(status=StapStatus.GEREED).order_by("volgorde")
    ]
    if not route.stappen.exists():
        open_stappen = [str(label) for label in StapCode.labels]
    rules.check_activeren(route, open_stappen)
    route.status = RouteStatus.ACTIEF
    return services.opslaan(route, door=door, kanaal=kanaal)


def evaluatie_peildatum(schooljaar: int, vandaag: datetime.date) -> datetime.date:
    """The figures of a finished school year are those of its last day; of a running one, today's."""
    return min(fase.schooljaar_start(schooljaar + 1) - datetime.timedelta(days=1), vandaag)


@transaction.atomic
def evaluatie_vastleggen(
    *,
    evaluatie: Evaluatie,
    door,
    kanaal: str = Kanaal.UI,
    vandaag: datetime.date | None = None,
    cijfers_van=None,
) -> Evaluatie:
    """R-MON-2: record the evaluation of one school year and freeze its monitoring figures.

    The figures are read as ``cijfers_van`` sees them (default: the person recording it)."""
    vandaag = vandaag or timezone.localdate()
    if evaluatie.schooljaar is None or not evaluatie.leerroute_id:
        evaluatie.full_clean()  # names the missing field
    rules.check_evaluatiejaar(evaluatie.leerroute, evaluatie.schooljaar, vandaag)
    evaluatie.peildatum = evaluatie_peildatum(evaluatie.schooljaar, vandaag)
    evaluatie.cijfers = cijfers.route_cijfers(cijfers_van or door, evaluatie.leerroute, evaluatie.peildatum)
    evaluatie.vastgesteld_door = door if getattr(door, "is_authenticated", False) else None
    return services.opslaan(evaluatie, door=door, kanaal=kanaal)


def evaluatie_bijwerken(*, evaluatie: Evaluatie, door, kanaal: str = Kanaal.UI) -> Evaluatie:
    """Goals, results, decisions and participants; the frozen figures stay as they were."""
    bevroren = Evaluatie.objects.values("cijfers", "peildatum", "schooljaar", "leerroute").get(
        pk=evaluatie.pk
    )
    if (evaluatie.schooljaar, evaluatie.leerroute_id) != (bevroren["schooljaar"], bevroren["leerroute"]):
        raise ValidationError({"schooljaar": "R-MON-2: het schooljaar van een evaluatie ligt vast."})
    evaluatie.cijfers, evaluatie.peildatum = bevroren["cijfers"], bevroren["peildatum"]
    return services.opslaan(evaluatie, door=door, kanaal=kanaal)
