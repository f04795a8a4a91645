"""Writes on routes from the route screen (issue 12, item 3). Atomic and audited through
samenwerking.services; the row rules (R-LR-*) run in each row's clean()."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from leerroute.models import LeerjaarProgramma, Leerroute, Programmaonderdeel
from samenwerking.models import Kanaal
from samenwerking.services import opslaan, verwijderen


@transaction.atomic
def programma_opslaan(
    *, route: Leerroute, jaren: dict[int, str], onderdelen: list[dict], door, kanaal: str = Kanaal.UI
) -> list[LeerjaarProgramma]:
    """R-LR-7: the combined PTA/OER of the route, one description per leerjaar with its parts
    (who examines each, and whether a mixed team teaches it), saved in one step: rows of years
    left empty are removed, the parts are replaced by the ones given."""
    bestaand = {p.routejaar: p for p in LeerjaarProgramma.objects.select_for_update().filter(leerroute=route)}
    for p in bestaand.values():
        for o in p.onderdelen.all():
            verwijderen(o, door=door, kanaal=kanaal)
    programma = {}
    for jaar, beschrijving in sorted(jaren.items()):
        p = bestaand.pop(jaar, None) or LeerjaarProgramma(leerroute=route, routejaar=jaar)
        p.beschrijving = beschrijving
        programma[jaar] = opslaan(p, door=door, kanaal=kanaal)
    for p in bestaand.values():
        verwijderen(p, door=door, kanaal=kanaal)
    for i, onderdeel in enumerate(onderdelen):
        p = programma.get(onderdeel["routejaar"])
        if p is None:
            raise ValidationError(
                {
                    f"onderdeel-{i}": _("R-LR-7: beschrijf eerst leerjaar %(j)s van de route.")
                    % {"j": onderdeel["routejaar"]}
                }
            )
        opslaan(
            Programmaonderdeel(
                programma=p,
                naam=onderdeel["naam"],
                examinering_door=onderdeel["examinering_door"],
                teambevoegdheid=onderdeel["teambevoegdheid"],
            ),
            door=door,
            kanaal=kanaal,
        )
    return list(programma.values())
