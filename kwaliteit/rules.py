"""Rules on the step plan, route activation and evaluations. Messages are Dutch; where the rule
has an id in DOMAIN.md the message starts with it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from leerroute.models import RioStatus

GEMELD_IN_RIO = (RioStatus.AANGEMELD, RioStatus.GEREGISTREERD)


def _d(datum: datetime.date) -> str:
    return date_format(datum, "j F Y")


def overeenkomst_fout(route) -> str | None:
    """R-LR-8: the agreement must be active and cover the route on its first intake date."""
    o = route.overeenkomst
    if o.is_actief_op(route.startdatum):
        return None
    return _(
        "R-LR-8: de afspraken zijn pas geformaliseerd als de overeenkomst '%(o)s' actief is en de "
        "route dekt op de eerste instroomdatum (%(datum)s); nu: %(status)s."
    ) % {"o": o.naam, "datum": _d(route.startdatum), "status": o.get_status_display()}


def rio_fout(route) -> str | None:
    """R-LR-6: the route is reported in RIO before it starts."""
    if route.rio_status in GEMELD_IN_RIO:
        return None
    return _("R-LR-6: de uitvoering is pas concreet als de route in RIO is gemeld; nu: %(status)s.") % {
        "status": route.get_rio_status_display()
    }


def eigenaar_q(route) -> Q:
    """The people who may own a step: a member of either school, or the agreement's coordinator
    (an EXISTS on their memberships, so a user with two roles is listed once)."""
    from samenwerking.models import Lidmaatschap

    o = route.overeenkomst
    rollen = Lidmaatschap.objects.filter(
        Q(instelling__in=[o.vo_instelling_id, o.mbo_instelling_id]) | Q(overeenkomst=o.pk),
        gebruiker=OuterRef("pk"),
    )
    return Q(Exists(rollen), is_active=True)


def check_stap(stap) -> None:
    from kwaliteit.models import StapCode, StapStatus

    if not stap.leerroute_id:
        return
    route = stap.leerroute
    errors: dict[str, list[str]] = {}
    if stap.eigenaar_id is not None:
        from samenwerking.models import Gebruiker

        if not Gebruiker.objects.filter(eigenaar_q(route), pk=stap.eigenaar_id).exists():
            errors["eigenaar"] = [
                _(
                    "De eigenaar van een stap werkt bij de vo-school of de mbo-instelling van de "
                    "route, of is de coördinator van de overeenkomst."
                )
            ]
    if stap.status == StapStatus.GEREED:
        fout = None
        if stap.code == StapCode.FORMALISEER_AFSPRAKEN:
            fout = overeenkomst_fout(route)
        elif stap.code == StapCode.UITVOERING_CONCREET:
            fout = rio_fout(route)
        if fout:
            errors["status"] = [fout]
    if errors:
        raise ValidationError(errors)


def check_activeren(route, open_stappen: list[str]) -> None:
    """A route leaves preparation when every step is done and the agreement and RIO allow it."""
    errors = []
    if route.status != "in_voorbereiding":
        errors.append(_("Deze route is niet (meer) in voorbereiding."))
    if open_stappen:
        errors.append(
            _("Het stappenplan is nog niet af; niet gereed: %(stappen)s.")
            % {"stappen": ", ".join(open_stappen)}
        )
    errors += [f for f in (overeenkomst_fout(route), rio_fout(route)) if f]
    if errors:
        raise ValidationError({"status": errors})


def check_evaluatiejaar(route, schooljaar: int, vandaag: datetime.date) -> None:
    """R-MON-2: a school year is evaluated once it has begun (its figures exist), and once."""
    from kwaliteit.models import Evaluatie
    from registratie import fase

    fout = None
    if fase.schooljaar_start(schooljaar) > vandaag:
        fout = _(
            "R-MON-2: schooljaar %(jaar)s is nog niet begonnen; evalueer een lopend of afgelopen schooljaar."
        )
    elif Evaluatie.objects.filter(leerroute=route, schooljaar=schooljaar).exists():
        fout = _("R-MON-2: de route heeft één evaluatie per schooljaar; %(jaar)s is al geëvalueerd.")
    if fout:
        raise ValidationError({"schooljaar": fout % {"jaar": fase.schooljaar_label(schooljaar)}})
