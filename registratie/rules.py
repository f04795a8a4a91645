"""Rules on enrolments and phases (DOMAIN.md R-INS-*, R-LR-8). Messages are Dutch, rule id first."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

SCHOOLJAAR_START = (8, 1)  # R-INS-4: 1 August


def is_schooljaarstart(datum: datetime.date) -> bool:
    return (datum.month, datum.day) == SCHOOLJAAR_START


def check_fasewissel_datum(datum: datetime.date | None) -> None:
    if datum is not None and not is_schooljaarstart(datum):
        raise ValidationError(
            {
                "ingangsdatum": _(
                    "R-INS-4: een fasewissel kan alleen per 1 augustus (begin van het "
                    "schooljaar), niet per %(datum)s."
                )
                % {"datum": _d(datum)}
            }
        )


def _d(datum: datetime.date) -> str:
    return date_format(datum, "j F Y")


def check_inschrijving(i) -> None:
    """Every row rule of one inschrijving, collected per field."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not (i.leerroute_id and i.sector):
        return
    route = i.leerroute
    o = route.overeenkomst
    is_vo = i.sector == "vo"
    regel = "R-INS-2" if is_vo else "R-INS-3"

    verwacht = o.vo_instelling if is_vo else o.mbo_instelling
    if i.instelling_id and i.instelling_id != verwacht.pk:
        errors["instelling"].append(
            _(
                "%(regel)s: de %(kant)s-inschrijving staat bij %(instelling)s, de %(kant)s-partij "
                "van de route."
            )
            % {"regel": regel, "kant": i.sector, "instelling": verwacht}
        )
    if i.vestiging_id and i.instelling_id and i.vestiging.instelling_id != i.instelling_id:
        errors["vestiging"].append(_("De vestiging hoort bij een andere instelling."))
    if i.opleidingskenmerk and i.opleidingskenmerk != route.soort:
        errors["opleidingskenmerk"].append(
            _("%(regel)s: het opleidingskenmerk is dat van de route (%(soort)s).")
            % {"regel": regel, "soort": route.soort}
        )
    if is_vo:
        _check_vo_velden(i, route, errors)
    else:
        _check_mbo_velden(i, route, errors)
    _check_instroom(i, o, errors)
    _check_fase_ongewijzigd(i, errors)
    _check_einde(i, errors)
    if errors:
        raise ValidationError(dict(errors))


def _check_vo_velden(i, route, errors) -> None:
    if i.leerweg and i.leerweg != route.leerweg:
        errors["leerweg"].append(
            _("R-INS-2: de leerweg is die van de route (%(leerweg)s).") % {"leerweg": route.leerweg}
        )
    if i.leerjaar is None:
        errors["leerjaar"].append(_("R-INS-2: vul het vmbo-leerjaar in (3 of hoger)."))
    elif i.leerjaar < 3:
        errors["leerjaar"].append(
            _("R-INS-1: een leerroute begint na 2 jaar vmbo; het vmbo-leerjaar is 3 of hoger.")
        )
    if i.kwalificatie_id or i.leervorm:
        errors["kwalificatie"].append(
            _("Een vo-inschrijving heeft geen crebo of leervorm; die horen bij de mbo-inschrijving.")
        )


def _check_mbo_velden(i, route, errors) -> None:
    if i.kwalificatie_id and i.kwalificatie_id != route.kwalificatie_id:
        errors["kwalificatie"].append(
            _("R-INS-3: de kwalificatie is die van de route (%(k)s).") % {"k": route.kwalificatie}
        )
    if i.leerjaar is not None or i.leerweg or i.vmbo_diploma_datum:
        errors["leerjaar"].append(
            _(
                "Een mbo-inschrijving heeft geen vmbo-leerjaar, leerweg of vmbo-diploma; die horen "
                "bij de vo-inschrijving."
            )
        )


def _check_instroom(i, o, errors) -> None:
    """R-LR-8: only an active agreement lets a route take students (checked at the start date)."""
    if not i.startdatum:
        return
    nieuw_begin = i._state.adding or _db_value(i, "startdatum") != i.startdatum
    if nieuw_begin and not o.is_actief_op(i.startdatum):
        errors["startdatum"].append(
            _(
                "R-LR-8: de route kan op %(datum)s geen leerlingen aannemen: de overeenkomst "
                "'%(o)s' is dan niet actief."
            )
            % {"datum": _d(i.startdatum), "o": o}
        )
    if nieuw_begin and i.leerroute.status == "in_voorbereiding":
        errors["leerroute"].append(
            _("R-LR-8: de route '%(r)s' is nog in voorbereiding en neemt nog geen leerlingen aan.")
            % {"r": i.leerroute.naam}
        )


def _check_fase_ongewijzigd(i, errors) -> None:
    """R-INS-4: the fase moves only through a recorded fase change on 1 August."""
    if i._state.adding or getattr(i, "_fasewissel", False):
        return
    if _db_value(i, "fase") != i.fase:
        errors["fase"].append(
            _(
                "R-INS-4: wijzig de fase met een fasewissel per 1 augustus, niet door het veld te "
                "overschrijven."
            )
        )


def _check_einde(i, errors) -> None:
    if not i.einddatum:
        return
    reden = i.reden_einde
    if not reden:
        errors["reden_einde"].append(_("Geef de reden van het einde van de inschrijving."))
        return
    if i.sector != "vo":
        return
    if reden == "diploma" and not i.vmbo_diploma_datum:
        errors["vmbo_diploma_datum"].append(
            _("Vul de datum van het vmbo-diploma in bij reden 'diploma behaald'.")
        )
    if reden == "vo_afgerond" and not i.vo_activiteiten_afgerond_op:
        errors["vo_activiteiten_afgerond_op"].append(
            _("R-INS-5: vul in wanneer alle vo-activiteiten zijn afgerond.")
        )
    if reden == "glr_mbo_fase" and i.opleidingskenmerk == "DLR":
        errors["reden_einde"].append(
            _(
                "R-INS-5: bij een doorlopende leerroute blijft de leerling zonder vmbo-diploma "
                "ingeschreven bij de vo-school tot alle vo-activiteiten zijn afgerond."
            )
        )


def _db_value(instance, field: str):
    return type(instance)._base_manager.filter(pk=instance.pk).values_list(field, flat=True).first()


def check_vo_kant_aanwezig(inschrijvingen: Iterable) -> None:
    """R-INS-2: in the vo-fase the student is always enrolled at the vo-school.

    Takes all running enrolments of one student (stored and about to be stored) and refuses an
    mbo-inschrijving in the vo-fase without a running vo-inschrijving in the same route.
    """
    lopend = [i for i in inschrijvingen if i.einddatum is None]
    vo_routes = {i.leerroute_id for i in lopend if i.sector == "vo"}
    for i in lopend:
        if i.sector == "mbo" and i.fase == "vo" and i.leerroute_id not in vo_routes:
            raise ValidationError(
                {
                    "fase": _(
                        "R-INS-2: in de vo-fase is de leerling altijd ingeschreven bij de "
                        "vo-school; leg eerst de vo-inschrijving vast."
                    )
                }
            )


def check_uitstroom(u) -> None:
    """R-INS-10: only a student with a running enrolment in the route can stop or switch, and
    not before that enrolment started."""
    if not (u.leerling_id and u.leerroute_id and u.datum):
        return
    from registratie.models import Inschrijving

    starts = list(
        Inschrijving.objects.filter(
            leerling_id=u.leerling_id, leerroute_id=u.leerroute_id, einddatum__isnull=True
        ).values_list("startdatum", flat=True)
    )
    if not starts:
        raise ValidationError(
            {"leerroute": _("R-INS-10: de leerling heeft geen lopende inschrijving in deze route.")}
        )
    if u.datum < max(starts):
        raise ValidationError(
            {
                "datum": _(
                    "R-INS-10: de datum van uitstroom ligt vóór de start van de inschrijving (%(start)s)."
                )
                % {"start": _d(max(starts))}
            }
        )
