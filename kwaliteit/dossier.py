"""R-MON-1: the inspection dossier of one route, organised by the standards of the Inspectorate's
framework for routes (seed 002, 9.7): SKA1-3, OP6, BA1-BA2, Resultaten/Studiesucces.

It is put together on demand from the route, its agreement, step plan, programme, evaluations and
the monitoring figures. It holds counts only: no student and no person is named."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kwaliteit import cijfers
from kwaliteit.models import Evaluatie, Stap, StapCode
from leerroute.models import Examinering, LeerjaarProgramma, Leerroute
from samenwerking.models import VERPLICHTE_ONDERDELEN, Lidmaatschap

STANDAARDEN = {
    "ska": _("SKA1–3 Sturen, kwaliteitszorg en ambitie"),
    "op6": _("OP6 Afsluiting vmbo (examinering)"),
    "ba": _("BA1–BA2 Borging en afsluiting mbo"),
    "resultaten": _("Resultaten / Studiesucces"),
}


@dataclass
class Onderdeel:
    routejaar: int
    naam: str
    teambevoegdheid: bool


@dataclass
class Dossier:
    route: Leerroute
    peildatum: datetime.date
    gegenereerd_op: datetime.datetime
    overeenkomst_onderdelen: list[tuple[str, bool]]  # R-SOK-2 element, recorded?
    coordinatoren: int
    stappen: list[Stap]
    evaluaties: list[Evaluatie]
    vo_onderdelen: list[Onderdeel] = field(default_factory=list)
    mbo_onderdelen: list[Onderdeel] = field(default_factory=list)
    cohorten: list[dict] = field(default_factory=list)

    @property
    def overeenkomst(self):
        return self.route.overeenkomst

    def stap(self, code: str) -> Stap | None:
        return next((s for s in self.stappen if s.code == code), None)

    @property
    def examenregeling(self) -> Stap | None:
        return self.stap(StapCode.EXAMENREGELING)

    @property
    def projectorganisatie(self) -> Stap | None:
        return self.stap(StapCode.PROJECTORGANISATIE)

    @property
    def cijferregels(self) -> list[tuple[str, list]]:
        return cijfers.regels(self.cohorten)

    @property
    def totalen(self) -> dict[str, int]:
        return cijfers.totalen(self.cohorten)


def _overeenkomst_onderdelen(o) -> list[tuple[str, bool]]:
    namen = (*VERPLICHTE_ONDERDELEN, "financiele_afspraken")
    rijen = [(str(o._meta.get_field(n).verbose_name), bool(getattr(o, n).strip())) for n in namen]
    rijen.append((str(o._meta.get_field("dekt_volledige_route").verbose_name), o.dekt_volledige_route))
    return rijen


def _onderdelen(route) -> tuple[list[Onderdeel], list[Onderdeel]]:
    vo, mbo = [], []
    programma = (
        LeerjaarProgramma.objects.filter(leerroute=route).prefetch_related("onderdelen").order_by("routejaar")
    )
    for p in programma:
        for o in p.onderdelen.all():
            rij = Onderdeel(p.routejaar, o.naam, o.teambevoegdheid)
            (vo if o.examinering_door == Examinering.VO else mbo).append(rij)
    return vo, mbo


def samenstellen(user, route: Leerroute, *, peildatum: datetime.date | None = None) -> Dossier:
    """The dossier as ``user`` sees the route (the caller has checked that they may). A fixed
    number of queries, whatever the number of students."""
    peildatum = peildatum or timezone.localdate()
    route = Leerroute.objects.select_related(
        "overeenkomst__vo_instelling",
        "overeenkomst__mbo_instelling",
        "kwalificatie",
        "leerwerktraject_overeenkomst",
    ).get(pk=route.pk)
    vo, mbo = _onderdelen(route)
    return Dossier(
        route=route,
        peildatum=peildatum,
        gegenereerd_op=timezone.localtime(),
        overeenkomst_onderdelen=_overeenkomst_onderdelen(route.overeenkomst),
        coordinatoren=Lidmaatschap.objects.filter(overeenkomst=route.overeenkomst_id).count(),
        stappen=list(
            Stap.objects.filter(leerroute=route)
            .annotate(aantal_documenten=Count("documenten"))
            .order_by("volgorde")
        ),
        evaluaties=list(Evaluatie.objects.filter(leerroute=route).order_by("schooljaar")),
        vo_onderdelen=vo,
        mbo_onderdelen=mbo,
        cohorten=cijfers.route_cijfers(user, route, peildatum),
    )
