"""Writes on students, enrolments and phases: the one way in for admin, views, API, import, jobs.

Each service is atomic: a broken rule raises a ValidationError naming it and nothing is saved.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import checks_afhankelijk, rules
from registratie.models import (
    SIGNAAL_OPEN,
    Fase,
    Fasewissel,
    Inschrijving,
    Leerling,
    RedenEinde,
    Signaal,
    SignaalStatus,
    Uitstroom,
)
from samenwerking import afhankelijkheden, audit
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
    with afhankelijkheden.gebundeld():  # re-checked once both sides are stored
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
    with afhankelijkheden.gebundeld():  # both sides move before the other side is compared
        return _fase_wijzigen(inschrijvingen, naar_fase, ingangsdatum, door=door, kanaal=kanaal)


def _fase_wijzigen(inschrijvingen, naar_fase, ingangsdatum, *, door, kanaal) -> list[Fasewissel]:
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
    """End one side. R-INS-2: the vo side cannot end while the mbo side of the same route runs on
    in the vo-fase (the other side's row depends on it; refused, rule id first), unless the student
    left (overstap): that is a fact at this school, accepted and proposed to the coordinator as a
    half-registered switch (registratie.afhankelijkheden, in the same transaction)."""
    inschrijving.einddatum = einddatum
    inschrijving.reden_einde = reden
    opslaan(inschrijving, door=door, kanaal=kanaal)  # the row's own rules first
    if inschrijving.sector == "vo" and reden != RedenEinde.OVERSTAP:
        rules.check_vo_kant_aanwezig(lopende_inschrijvingen(inschrijving.leerling))  # rolls back
    return inschrijving


@transaction.atomic
def uitstroom_vastleggen(*, uitstroom: Uitstroom, door, kanaal: str = Kanaal.UI) -> Uitstroom:
    """R-INS-10: a student stops or switches: record reason and destination (so the overstapoptie
    can bring them to a startkwalificatie) and end the route enrolments on that date."""
    if door is not None and door.is_authenticated:
        uitstroom.vastgelegd_door = door
    with afhankelijkheden.gebundeld():
        return _uitstroom_vastleggen(uitstroom, door=door, kanaal=kanaal)


def _te_beeindigen(uitstroom: Uitstroom):
    """The route enrolments an uitstroom ends; the mbo side first: the vo side may not end while an
    mbo side runs on in the vo-fase."""
    return Inschrijving.objects.filter(
        leerling_id=uitstroom.leerling_id, leerroute_id=uitstroom.leerroute_id, einddatum__isnull=True
    ).order_by("sector")


def _uitstroom_vastleggen(uitstroom: Uitstroom, *, door, kanaal: str) -> Uitstroom:
    opslaan(uitstroom, door=door, kanaal=kanaal)  # clean() checks R-INS-10
    for i in _te_beeindigen(uitstroom).select_for_update():
        inschrijving_beeindigen(
            inschrijving=i, einddatum=uitstroom.datum, reden=RedenEinde.OVERSTAP, door=door, kanaal=kanaal
        )
    return uitstroom


def uitstroom_weigeringen(uitstroom: Uitstroom) -> None:
    """The refusals that ending the route enrolments would meet (a ROD count date's lock, with
    the correction reason given around the call), raised before anything is saved: for a form
    that must show them beside its fields (the admin cannot in save_model)."""
    for i in _te_beeindigen(uitstroom):
        oud = afhankelijkheden.oude_waarden(i)
        i.einddatum, i.reden_einde = uitstroom.datum, RedenEinde.OVERSTAP
        afhankelijkheden.weigeren(i, oud)


def bsn_bekeken(*, leerling: Leerling, door, kanaal: str = Kanaal.UI) -> None:
    """Record that someone looked at a student's unmasked BSN."""
    audit.record(leerling, actie=AuditActie.BSN_BEKEKEN, door=door, kanaal=kanaal)


# --- signals: the coordinator's review (registratie.checks raises them) ------------------------------


def _open_signaal(signaal: Signaal) -> Signaal:
    """Lock the signal row and refuse one that is already closed."""
    signaal = Signaal.objects.select_for_update().get(pk=signaal.pk)
    if signaal.status not in SIGNAAL_OPEN:
        raise ValidationError(
            _("Dit signaal is al afgehandeld (%(status)s).") % {"status": signaal.get_status_display()}
        )
    return signaal


def _sluiten(signaal: Signaal, *, status: str, afhandeling: str, door, kanaal: str) -> Signaal:
    signaal.status = status
    signaal.afhandeling = afhandeling
    signaal.gesloten_op = timezone.now()
    signaal.afgehandeld_door = door if door is not None and door.is_authenticated else None
    return opslaan(signaal, door=door, kanaal=kanaal)


@transaction.atomic
def signaal_toepassen(*, signaal: Signaal, door, kanaal: str = Kanaal.UI) -> list[Fasewissel]:
    """Apply a proposed transition: the student's vo- and mbo-inschrijving in the route move to the
    mbo-fase on the proposed 1 August (R-INS-4), in one transaction, recorded with who and when
    (Fasewissel.geregistreerd_door/op, the audit trail, and the signal's afgehandeld_door/gesloten_op).
    """
    signaal = _open_signaal(signaal)
    if signaal.voorgestelde_datum is None or signaal.inschrijving_id is None:
        raise ValidationError(_("Dit signaal stelt geen fasewissel voor; er is niets toe te passen."))
    datum = signaal.voorgestelde_datum
    route_id = Inschrijving.objects.values_list("leerroute_id", flat=True).get(pk=signaal.inschrijving_id)
    lopend = list(
        Inschrijving.objects.filter(leerling_id=signaal.leerling_id, leerroute_id=route_id)
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(Q(einddatum__isnull=True) | Q(einddatum__gte=datum))
    )
    if not any(i.sector == "mbo" for i in lopend):
        raise ValidationError(
            _(
                "R-INS-3: de leerling heeft nog geen mbo-inschrijving in deze route; de mbo-instelling "
                "schrijft de leerling uiterlijk bij de start van de mbo-fase in. Leg die eerst vast."
            )
        )
    wissels = fase_wijzigen(
        inschrijvingen=[i for i in lopend if i.fase != Fase.MBO],
        naar_fase=Fase.MBO,
        ingangsdatum=datum,
        door=door,
        kanaal=kanaal,
    )
    _sluiten(
        signaal,
        status=SignaalStatus.OPGELOST,
        afhandeling=_("Fasewissel naar de mbo-fase per %(datum)s toegepast (%(n)s inschrijving(en)).")
        % {"datum": datum.strftime("%d-%m-%Y"), "n": len(wissels)},
        door=door,
        kanaal=kanaal,
    )
    return wissels


@transaction.atomic
def signaal_afwijzen(*, signaal: Signaal, reden: str, door, kanaal: str = Kanaal.UI) -> Signaal:
    """Dismiss a signal with a reason. A later run of the check does not raise it again."""
    reden = (reden or "").strip()
    if not reden:
        raise ValidationError({"reden": _("Geef de reden waarom het signaal wordt afgewezen.")})
    signaal = _open_signaal(signaal)
    return _sluiten(signaal, status=SignaalStatus.AFGEWEZEN, afhandeling=reden, door=door, kanaal=kanaal)


@transaction.atomic
def signaal_overdragen(
    *, signaal: Signaal, aan=None, aan_persoon=None, toelichting: str = "", door, kanaal: str = Kanaal.UI
) -> Signaal:
    """Hand a signal to a named colleague of one of the two schools of its agreement (a beheerder
    there: ``aan_persoon``), or to the school itself (``aan``, the API's older form). It stays open
    until the cause is fixed (the next check closes it) or it is dismissed."""
    signaal = _open_signaal(signaal)
    o = signaal.overeenkomst
    partijen = (o.vo_instelling_id, o.mbo_instelling_id) if o is not None else ()
    if aan_persoon is not None:
        from registratie.selectors import overdracht_instelling

        aan = overdracht_instelling(aan_persoon, partijen, voorkeur=aan)
        if aan is None:
            raise ValidationError(
                {
                    "aan_persoon": _(
                        "Draag het signaal over aan een beheerder van de vo-school of de mbo-instelling "
                        "van de overeenkomst; %(naam)s is dat niet."
                    )
                    % {"naam": persoon_naam(aan_persoon)}
                }
            )
    if aan is None or aan.pk not in partijen:
        raise ValidationError(
            {"aan": _("Draag het signaal over aan de vo-school of de mbo-instelling van de overeenkomst.")}
        )
    signaal.status = SignaalStatus.OVERGEDRAGEN
    signaal.toegewezen_aan = aan
    signaal.toegewezen_persoon = aan_persoon
    if aan_persoon is not None:
        notitie = _("Overgedragen aan %(persoon)s (%(aan)s)") % {
            "persoon": persoon_naam(aan_persoon),
            "aan": aan,
        }
    else:
        notitie = _("Overgedragen aan %(aan)s") % {"aan": aan}
    toelichting = (toelichting or "").strip()
    if toelichting:
        notitie += f": {toelichting}"
    signaal.afhandeling = "\n".join(p for p in (signaal.afhandeling, notitie) if p)
    return opslaan(signaal, door=door, kanaal=kanaal)


def persoon_naam(gebruiker) -> str:
    """How a colleague is named on screen and in the trail: full name, else the username."""
    return gebruiker.get_full_name() or gebruiker.get_username()


# --- a half-registered switch or stop (checks_afhankelijk.overstap_half_geregistreerd) --------------


def _half_geregistreerd(signaal: Signaal) -> tuple[Signaal, Inschrijving]:
    signaal = _open_signaal(signaal)
    if not checks_afhankelijk.is_half_geregistreerd(signaal) or signaal.inschrijving_id is None:
        raise ValidationError(_("Dit signaal gaat niet over een half geregistreerde overstap of stop."))
    return signaal, Inschrijving.objects.select_for_update().get(pk=signaal.inschrijving_id)


@transaction.atomic
def signaal_uitstroom_vastleggen(
    *,
    signaal: Signaal,
    reden: str,
    bestemming: str,
    toelichting: str = "",
    datum: datetime.date | None = None,
    door,
    kanaal: str = Kanaal.UI,
) -> Uitstroom:
    """The coordinator's first answer: the student did leave the route. Records the uitstroom
    (R-INS-10; on the ended side's end date unless told otherwise), which ends the other side too,
    and closes the signal; all audited, in one transaction."""
    signaal, beeindigd = _half_geregistreerd(signaal)
    uitstroom = Uitstroom(
        leerling_id=beeindigd.leerling_id,
        leerroute_id=beeindigd.leerroute_id,
        datum=datum or beeindigd.einddatum,
        reden=reden,
        bestemming=bestemming,
        toelichting=(toelichting or "").strip(),
    )
    uitstroom_vastleggen(uitstroom=uitstroom, door=door, kanaal=kanaal)
    _sluiten(
        signaal,
        status=SignaalStatus.OPGELOST,
        afhandeling=_(
            "Uitstroom vastgelegd per %(datum)s (%(reden)s); de route is aan beide kanten beëindigd."
        )
        % {"datum": uitstroom.datum.strftime("%d-%m-%Y"), "reden": uitstroom.get_reden_display()},
        door=door,
        kanaal=kanaal,
    )
    return uitstroom


@transaction.atomic
def signaal_heropenen(*, signaal: Signaal, door, kanaal: str = Kanaal.UI) -> Inschrijving:
    """The coordinator's second answer: the student goes on in the route. Reopens the enrolment
    that was ended as overstap (every rule of the row is checked again) and closes the signal."""
    signaal, beeindigd = _half_geregistreerd(signaal)
    beeindigd.einddatum = None
    beeindigd.reden_einde = ""
    opslaan(beeindigd, door=door, kanaal=kanaal)
    _sluiten(
        signaal,
        status=SignaalStatus.OPGELOST,
        afhandeling=_("De %(kant)s-inschrijving is heropend; de leerling vervolgt de route.")
        % {"kant": beeindigd.sector},
        door=door,
        kanaal=kanaal,
    )
    return beeindigd
