"""Writes of the school administrator's screens (issue 12): intake at the vo-school, completing
the mbo side from the route, the vmbo diploma date and "vo-activiteiten afgerond".

Each builds on the shared services (registratie.services): everything the route fixes is taken
from the route, never asked; the row rules (registratie.rules) run in ``opslaan``; atomic and
audited with the caller's channel.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from leerroute.models import Leerroute
from registratie import fase, services
from registratie.models import Inschrijving, Leerling, Sector
from samenwerking.models import Kanaal
from samenwerking.services import opslaan


def fase_bij_start(startdatum: datetime.date, leerjaar: int) -> str:
    """R-INS-1: the fase on the start date follows the route year (years 1-2 vo, then mbo)."""
    return fase.verwachte_fase(fase.routejaar(startdatum, leerjaar, startdatum))


@transaction.atomic
def vo_aanmelden(
    *,
    leerling: Leerling,
    leerroute: Leerroute,
    inschrijvingsvolgnummer: str,
    startdatum: datetime.date,
    leerjaar: int,
    vestiging=None,
    door,
    kanaal: str = Kanaal.UI,
) -> Inschrijving:
    """ "Leerling aanmelden voor een route" at the vo-school (R-INS-2): the student (new or found
    by number) and the vo-inschrijving, in one transaction. The route fixes instelling,
    opleidingskenmerk, leerweg, and the fase follows from the route year."""
    vo_instelling = leerroute.overeenkomst.vo_instelling
    if leerling._state.adding:
        leerling.instelling = vo_instelling
    inschrijving = Inschrijving(
        leerroute=leerroute,
        sector=Sector.VO,
        instelling=vo_instelling,
        vestiging=vestiging,
        inschrijvingsvolgnummer=inschrijvingsvolgnummer,
        opleidingskenmerk=leerroute.soort,
        leerweg=leerroute.leerweg,
        leerjaar=leerjaar,
        startdatum=startdatum,
        fase=fase_bij_start(startdatum, leerjaar) if startdatum and leerjaar else "vo",
    )
    services.leerling_inschrijven(leerling=leerling, inschrijvingen=[inschrijving], door=door, kanaal=kanaal)
    return inschrijving


def mbo_kant(
    vo: Inschrijving,
    *,
    inschrijvingsvolgnummer: str,
    startdatum: datetime.date,
    leervorm: str,
    vestiging=None,
) -> Inschrijving:
    """The mbo-inschrijving the route implies for a vo-inschrijving (R-INS-3): the route's
    crebo, the same opleidingskenmerk and fase; only number, start, leervorm and vestiging vary."""
    route = vo.leerroute
    return Inschrijving(
        leerling_id=vo.leerling_id,
        leerroute=route,
        sector=Sector.MBO,
        instelling=route.overeenkomst.mbo_instelling,
        vestiging=vestiging,
        inschrijvingsvolgnummer=inschrijvingsvolgnummer,
        opleidingskenmerk=vo.opleidingskenmerk,
        fase=vo.fase,
        startdatum=startdatum,
        kwalificatie_id=route.kwalificatie_id,
        leervorm=leervorm,
    )


@transaction.atomic
def mbo_aanvullen(
    *,
    vo: Inschrijving,
    inschrijvingsvolgnummer: str,
    startdatum: datetime.date,
    leervorm: str,
    vestiging=None,
    door,
    kanaal: str = Kanaal.UI,
) -> Inschrijving:
    """Intake at the mbo-instelling: the mbo side of one route student, filled in from the route."""
    mbo = mbo_kant(
        vo,
        inschrijvingsvolgnummer=inschrijvingsvolgnummer,
        startdatum=startdatum,
        leervorm=leervorm,
        vestiging=vestiging,
    )
    return services.inschrijving_opslaan(inschrijving=mbo, door=door, kanaal=kanaal)


@transaction.atomic
def mbo_aanvullen_samen(
    *, vo_lijst: list[Inschrijving], voorvoegsel: str, leervorm: str, door, kanaal: str = Kanaal.UI
) -> list[Inschrijving]:
    """Several students of the worklist at once, all or nothing: each starts on the 1 August its
    mbo-fase begins (R-INS-3: at the latest then) and gets number ``voorvoegsel`` + its vo number.
    A broken rule names the student it belongs to."""
    gemaakt = []
    for vo in vo_lijst:
        start = fase.mbo_fase_start(vo.startdatum, vo.leerjaar)
        try:
            gemaakt.append(
                mbo_aanvullen(
                    vo=vo,
                    inschrijvingsvolgnummer=f"{voorvoegsel}{vo.inschrijvingsvolgnummer}"[:20],
                    startdatum=start,
                    leervorm=leervorm,
                    door=door,
                    kanaal=kanaal,
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                _("%(leerling)s: %(fout)s") % {"leerling": vo.leerling, "fout": " ".join(exc.messages)}
            ) from exc
    return gemaakt


@transaction.atomic
def vmbo_diploma_vastleggen(
    *, inschrijving: Inschrijving, datum: datetime.date | None, door, kanaal: str = Kanaal.UI
) -> Inschrijving:
    """R-LR-4 / R-INS-5: record (or, with None, clear) the vmbo diploma date on the vo-inschrijving;
    the screens and the API (POST …/inschrijvingen/{id}/diplomadatum/) both come here."""
    _alleen_vo(inschrijving, "vmbo_diploma_datum")
    inschrijving.vmbo_diploma_datum = datum
    return opslaan(inschrijving, door=door, kanaal=kanaal)


@transaction.atomic
def vo_activiteiten_afgerond(
    *, inschrijving: Inschrijving, datum: datetime.date, door, kanaal: str = Kanaal.UI
) -> Inschrijving:
    """R-INS-5: a DLR student without a vmbo diploma stays enrolled at the vo-school until all vo
    activities are completed; record the date they were."""
    _alleen_vo(inschrijving, "vo_activiteiten_afgerond_op")
    inschrijving.vo_activiteiten_afgerond_op = datum
    return opslaan(inschrijving, door=door, kanaal=kanaal)


def _alleen_vo(inschrijving: Inschrijving, veld: str) -> None:
    if inschrijving.sector != Sector.VO:
        raise ValidationError({veld: _("R-INS-5: dit legt de vo-school vast op de vo-inschrijving.")})
