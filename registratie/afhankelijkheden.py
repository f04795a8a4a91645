"""Which change to which row re-checks which rules of the rows that depend on it.

The decision per rule (refuse or accept-and-signal, and why) is the table in
``docs/regels-afhankelijkheden.md``; the hooks below are registered with
``samenwerking.afhankelijkheden`` (imported by RegistratieConfig.ready()), which
``samenwerking.services.opslaan`` and the admin forms call. Every hook is set-based: one query over
the dependent enrolments of the changed row, however many there are.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registratie import checks_afhankelijk
from registratie.models import Inschrijving, RedenEinde
from samenwerking.afhankelijkheden import bij_signaleren, bij_weigeren, samen_voor

VOORBEELDEN = 3  # how many dependent students a refusal names
_PER_KEER = 500  # students per re-check of a bundled step (SQLite allows 999 parameters)


def _lopend():
    return Inschrijving.objects.exclude(reden_einde=RedenEinde.CORRECTIE).filter(einddatum__isnull=True)


def _naam(voorletters: str, tussenvoegsel: str, achternaam: str) -> str:
    return " ".join(p for p in (voorletters, tussenvoegsel, achternaam) if p)


def afhankelijke_leerlingen(filter: Q) -> tuple[int, list[str]]:
    """How many students have a running enrolment in ``filter``, and the names of a few (two
    queries, whatever the number)."""
    qs = _lopend().filter(filter)
    aantal = qs.values("leerling_id").distinct().count()
    namen = [
        _naam(*rij)
        for rij in qs.order_by("leerling__achternaam", "leerling_id")
        .values_list("leerling__voorletters", "leerling__tussenvoegsel", "leerling__achternaam")
        .distinct()[:VOORBEELDEN]
    ]
    return aantal, namen


def _weiger(veld: str, regel: str, reden: str, filter: Q, oplossing: str) -> None:
    aantal, namen = afhankelijke_leerlingen(filter)
    if not aantal:
        return
    raise ValidationError(
        {
            veld: _("%(regel)s: %(reden)s: %(aantal)s %(wie)s (onder wie %(namen)s). %(oplossing)s")
            % {
                "regel": regel,
                "reden": reden,
                "aantal": aantal,
                "wie": ngettext(
                    "leerling heeft een lopende inschrijving die hiervan afhangt",
                    "leerlingen hebben een lopende inschrijving die hiervan afhangt",
                    aantal,
                ),
                "namen": ", ".join(namen),
                "oplossing": oplossing,
            }
        }
    )


def _hercontroleren(filter: Q, *, door, kanaal: str) -> None:
    checks_afhankelijk.hercontroleren(filter, peildatum=timezone.localdate(), door=door, kanaal=kanaal)


# --- mbo-kwalificatie: niveau and crebo -> R-LR-2..5 of the routes with students: signal ------------


@bij_signaleren("leerroute.Kwalificatie")
def kwalificatie_gewijzigd(kwalificatie, gewijzigd, oud, *, door, kanaal) -> None:
    if oud is not None and gewijzigd & {"niveau", "crebo"}:
        kwalificaties_gewijzigd([kwalificatie.pk], door=door, kanaal=kanaal)


def kwalificaties_gewijzigd(ids: list[int], *, door, kanaal: str) -> None:
    """Also called by the crebo import (leerroute.kwalificaties) for every changed qualification."""
    if ids:
        _hercontroleren(Q(leerroute__kwalificatie__in=ids), door=door, kanaal=kanaal)


# --- leerroute -------------------------------------------------------------------------------------


@bij_weigeren("leerroute.Leerroute")
def leerroute_andere_partijen(route, gewijzigd, oud) -> None:
    """R-INS-2/3: moving a route to an agreement between other schools would leave its running
    enrolments at a school that is no party of it: refused."""
    if oud is None or "overeenkomst" not in gewijzigd:
        return
    from samenwerking.models import Samenwerkingsovereenkomst

    vorige = Samenwerkingsovereenkomst.objects.filter(pk=oud["overeenkomst"]).first()
    nieuw = route.overeenkomst
    if vorige is None:
        return
    for sector, regel, oud_id, nieuw_id in (
        ("vo", "R-INS-2", vorige.vo_instelling_id, nieuw.vo_instelling_id),
        ("mbo", "R-INS-3", vorige.mbo_instelling_id, nieuw.mbo_instelling_id),
    ):
        if oud_id != nieuw_id:
            _weiger(
                "overeenkomst",
                regel,
                _("de %(kant)s-partij van de route zou een andere school worden") % {"kant": sector},
                Q(leerroute=route.pk, sector=sector),
                _(
                    "Beëindig die inschrijvingen eerst (uitstroom of correctie), of kies een "
                    "overeenkomst tussen dezelfde scholen."
                ),
            )


@bij_signaleren("leerroute.Leerroute")
def leerroute_gewijzigd(route, gewijzigd, oud, *, door, kanaal) -> None:
    """Type, leerweg or qualification (R-INS-2/3/6, R-LR-2..5) and agreement (R-LR-8): accepted
    (a route entered wrongly must be correctable), one signal per student whose enrolment now
    differs from the route."""
    if oud is not None and gewijzigd & {"soort", "leerweg", "kwalificatie", "overeenkomst"}:
        _hercontroleren(Q(leerroute=route.pk), door=door, kanaal=kanaal)


# --- samenwerkingsovereenkomst ---------------------------------------------------------------------


@bij_weigeren("samenwerking.Samenwerkingsovereenkomst")
def overeenkomst_andere_partijen(overeenkomst, gewijzigd, oud) -> None:
    """R-SOK-1: the parties of an agreement whose routes have running enrolments stay the same
    (the enrolments, their ROD deliveries and funding are at those schools): refused."""
    if oud is None:
        return
    for veld, sector in (("vo_instelling", "vo"), ("mbo_instelling", "mbo")):
        if veld in gewijzigd:
            _weiger(
                veld,
                "R-SOK-1",
                _("de %(kant)s-partij van overeenkomst '%(o)s' kan niet wijzigen")
                % {"kant": sector, "o": overeenkomst},
                Q(leerroute__overeenkomst=overeenkomst.pk, sector=sector),
                _(
                    "Beëindig die inschrijvingen eerst (uitstroom of correctie), of leg een nieuwe "
                    "overeenkomst vast voor de nieuwe partij."
                ),
            )
    if "onderwerp" in gewijzigd and overeenkomst.onderwerp != "leerroute":
        _weiger(
            "onderwerp",
            "R-SOK-1",
            _("overeenkomst '%(o)s' dekt leerroutes en kan geen leerwerktraject-overeenkomst worden")
            % {"o": overeenkomst},
            Q(leerroute__overeenkomst=overeenkomst.pk),
            _("Leg voor het leerwerktraject een eigen overeenkomst vast (R-SOK-3)."),
        )


@bij_weigeren("samenwerking.Samenwerkingsovereenkomst")
def overeenkomst_routes_passen_niet(overeenkomst, gewijzigd, oud) -> None:
    """Rules of the routes themselves (no students needed): R-LR-1, a route's vestiging belongs to
    the party; R-SOK-3, an agreement used as a route's leerwerktraject agreement stays one, between
    the route's two schools. Refused, naming the routes."""
    if oud is None:
        return
    from leerroute.models import Leerroute

    if gewijzigd & {"vo_instelling", "mbo_instelling"}:
        _weiger_routes(
            "vo_instelling" if "vo_instelling" in gewijzigd else "mbo_instelling",
            "R-LR-1",
            _("een vestiging van de route hoort dan niet meer bij een partij van de overeenkomst"),
            Leerroute.objects.filter(overeenkomst=overeenkomst.pk).filter(
                (Q(vo_vestiging__isnull=False) & ~Q(vo_vestiging__instelling=overeenkomst.vo_instelling_id))
                | (
                    Q(mbo_vestiging__isnull=False)
                    & ~Q(mbo_vestiging__instelling=overeenkomst.mbo_instelling_id)
                )
            ),
        )
    if gewijzigd & {"onderwerp", "vo_instelling", "mbo_instelling"}:
        lwt = Leerroute.objects.filter(leerwerktraject_overeenkomst=overeenkomst.pk)
        if overeenkomst.onderwerp == "leerwerktraject":
            lwt = lwt.filter(
                ~Q(overeenkomst__vo_instelling=overeenkomst.vo_instelling_id)
                | ~Q(overeenkomst__mbo_instelling=overeenkomst.mbo_instelling_id)
            )
        _weiger_routes(
            "onderwerp",
            "R-SOK-3",
            _(
                "de overeenkomst is het leerwerktraject-deel van een route en moet dat blijven, "
                "tussen dezelfde scholen"
            ),
            lwt,
        )


def _weiger_routes(veld: str, regel: str, reden: str, routes) -> None:
    namen = list(routes.order_by("naam").values_list("naam", flat=True)[:VOORBEELDEN])
    if not namen:
        return
    aantal = routes.count()
    raise ValidationError(
        {
            veld: _("%(regel)s: %(reden)s: %(aantal)s %(wat)s (onder andere %(namen)s).")
            % {
                "regel": regel,
                "reden": reden,
                "aantal": aantal,
                "wat": ngettext("route hangt hiervan af", "routes hangen hiervan af", aantal),
                "namen": ", ".join(namen),
            }
        }
    )


@bij_weigeren("samenwerking.Instelling")
def instelling_soort(instelling, gewijzigd, oud) -> None:
    """R-SOK-1: a party keeps offering its side (a vo-school that became an mbo-instelling cannot
    stay the vo-party of its agreements). Refused, naming the agreements."""
    if oud is None or "soort" not in gewijzigd:
        return
    from samenwerking.models import Samenwerkingsovereenkomst

    afhankelijk = Q(pk__in=[])
    if not instelling.biedt_vo:
        afhankelijk |= Q(vo_instelling=instelling.pk)
    if not instelling.biedt_mbo:
        afhankelijk |= Q(mbo_instelling=instelling.pk)
    overeenkomsten = (
        Samenwerkingsovereenkomst.objects.filter(afhankelijk).exclude(status="beeindigd").order_by("naam")
    )
    namen = list(overeenkomsten.values_list("naam", flat=True)[:VOORBEELDEN])
    if namen:
        aantal = overeenkomsten.count()
        raise ValidationError(
            {
                "soort": _(
                    "R-SOK-1: met deze soort biedt %(i)s haar kant van %(aantal)s %(wat)s niet meer aan "
                    "(onder andere %(namen)s). Beëindig of wijzig die eerst."
                )
                % {
                    "i": instelling.naam,
                    "aantal": aantal,
                    "wat": ngettext("overeenkomst", "overeenkomsten", aantal),
                    "namen": ", ".join(namen),
                }
            }
        )


@bij_signaleren("samenwerking.Instelling")
def instelling_bestuur(instelling, gewijzigd, oud, *, door, kanaal) -> None:
    """R-SOK-1: a school moved to another board (a merger is a fact): accepted, one signal per
    student of the routes whose agreement's kind no longer fits the boards."""
    if oud is not None and "bestuur" in gewijzigd:
        _hercontroleren(
            Q(leerroute__overeenkomst__vo_instelling=instelling.pk)
            | Q(leerroute__overeenkomst__mbo_instelling=instelling.pk),
            door=door,
            kanaal=kanaal,
        )


@bij_signaleren("samenwerking.Samenwerkingsovereenkomst")
def overeenkomst_gewijzigd(overeenkomst, gewijzigd, oud, *, door, kanaal) -> None:
    """R-LR-8: status or dates: accepted (ending an agreement is the boards' decision), one signal
    per student of its routes that it no longer covers today."""
    if oud is not None and gewijzigd & {"status", "ingangsdatum", "einddatum"}:
        _hercontroleren(Q(leerroute__overeenkomst=overeenkomst.pk), door=door, kanaal=kanaal)


# --- inschrijving: the other side of the same route ------------------------------------------------


@bij_signaleren("registratie.Inschrijving")
def inschrijving_gewijzigd(inschrijving, gewijzigd, oud, *, door, kanaal) -> None:
    """Any change to one side re-checks the student's route: the other side must agree (R-INS-6,
    signalled), and a side ended as overstap while the other runs on is proposed to the
    coordinator (R-INS-5/10). Seven queries, for this one student."""
    _hercontroleren(
        Q(leerling=inschrijving.leerling_id, leerroute=inschrijving.leerroute_id), door=door, kanaal=kanaal
    )


@samen_voor(inschrijving_gewijzigd)
def inschrijvingen_gewijzigd(rijen: list, *, door, kanaal) -> None:
    """The same re-check for many enrolments saved in one step (a bulk import): per route, the
    students whose enrolment in it changed, 500 at a time; seven queries per 500 students."""
    per_route: dict[int, set[int]] = {}
    for i, _gewijzigd, _oud in rijen:
        per_route.setdefault(i.leerroute_id, set()).add(i.leerling_id)
    for route_id, leerlingen in per_route.items():
        ids = sorted(leerlingen)
        for start in range(0, len(ids), _PER_KEER):
            _hercontroleren(
                Q(leerroute=route_id, leerling__in=ids[start : start + _PER_KEER]), door=door, kanaal=kanaal
            )
