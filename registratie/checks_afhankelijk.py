"""Checks of rules that read other rows (docs/regels-afhankelijkheden.md).

Each function finds, in one query, the enrolments that break one rule because a row they depend
on changed: the route's qualification niveau (R-LR-2..5), the route's type, leerweg, qualification
or parties (R-INS-2/3), the boards behind the agreement (R-SOK-1), or the other side of the same
route (a half-registered switch or stop, R-INS-5/R-INS-10). They run in two places:

- nightly, over everything: ``REGELS`` is part of ``registratie.checks.controleer`` (which then
  adds, de-duplicates and auto-closes their signals like those of every other rule);
- on save, over the dependents of the changed row only: ``hercontroleren(filter)``, called by
  ``registratie.afhankelijkheden``, raises the signals in the same transaction as the change. It
  also runs filtered versions of three nightly rules of ``registratie.checks`` (R-LR-8, R-INS-6,
  R-INS-1), which take no filter there.

Both produce the same ``sleutel`` per cause, so the nightly run finds the signal the save raised.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from leerroute.models import Leerweg, Opleidingskenmerk
from leerroute.rules import niveau_fouten
from registratie import checks, checks_paren, fase
from registratie.models import Inschrijving, RedenEinde, Signaal, SignaalStatus, Uitstroom
from samenwerking import audit

ALLES = Q()  # no filter: the nightly run over every enrolment
REGEL_HALF = "R-INS-10"  # a switch or stop registered on one side only
_CHUNK = 500  # sleutels per IN (SQLite allows 999 parameters)


def _datum(d: datetime.date) -> str:
    return date_format(d, "j F Y")


def _lopend(peildatum: datetime.date):
    """Enrolments that count (not a correction) and have not ended before ``peildatum``."""
    return Inschrijving.objects.exclude(reden_einde=RedenEinde.CORRECTIE).filter(
        Q(einddatum__isnull=True) | Q(einddatum__gte=peildatum)
    )


_ROUTE = {
    "route_id": F("leerroute_id"),
    "route_naam": F("leerroute__naam"),
    "route_soort": F("leerroute__soort"),
    "overeenkomst_id": F("leerroute__overeenkomst_id"),
    "vo_id": F("leerroute__overeenkomst__vo_instelling_id"),
    "mbo_id": F("leerroute__overeenkomst__mbo_instelling_id"),
}


def _per_student(rijen) -> dict[tuple[int, int], list[dict]]:
    groepen: dict[tuple[int, int], list[dict]] = {}
    for r in rijen:
        groepen.setdefault((r["leerling_id"], r["route_id"]), []).append(r)
    return groepen


def _bevinding(regel: str, sleutel: tuple, r: dict, toelichting: str, inschrijving_id: int):
    """A finding for the student and route of row ``r``; ``sleutel`` holds the parts of its key
    after the rule id (the nightly rules' format, registratie.checks._sleutel)."""
    return checks.Bevinding(
        regel=regel,
        sleutel=checks._sleutel(regel, *sleutel),
        toelichting=toelichting,
        overeenkomst_id=r["overeenkomst_id"],
        leerroute_id=r["route_id"],
        leerling_id=r["leerling_id"],
        inschrijving_id=inschrijving_id,
        instelling_id=r["vo_id"],
        partner_instelling_id=r["mbo_id"],
    )


def _student(deel: str, r: dict) -> tuple:
    """Key parts of a finding about one student in one route."""
    return (deel, r["leerling_id"], r["route_id"])


# --- R-LR-2..5: the route's qualification niveau ---------------------------------------------------


def _toegestaan_q() -> Q:
    """The (soort, leerweg, niveau) combinations leerroute.rules.niveau_fouten allows, as a filter
    on plain columns (a handful of AND-terms; the rule table stays in one place)."""
    q = Q(pk__in=[])
    for soort in Opleidingskenmerk.values:
        for leerweg in Leerweg.values:
            for niveau in (1, 2, 3, 4):
                if not niveau_fouten(soort, leerweg, niveau):
                    q |= Q(
                        leerroute__soort=soort,
                        leerroute__leerweg=leerweg,
                        leerroute__kwalificatie__niveau=niveau,
                    )
    return q


def route_niveau_ongeldig(peildatum: datetime.date, filter: Q = ALLES) -> list:
    """R-LR-2..5: students in a route whose qualification niveau no longer fits its type and
    leerweg (the niveau changed in the register after the route was made). One per student."""
    rijen = (
        _lopend(peildatum)
        .filter(filter)
        .exclude(_toegestaan_q())
        .order_by("leerling_id", "leerroute_id", "sector", "id")
        .values(
            "id",
            "leerling_id",
            leerweg_route=F("leerroute__leerweg"),
            crebo=F("leerroute__kwalificatie__crebo"),
            niveau=F("leerroute__kwalificatie__niveau"),
            **_ROUTE,
        )
    )
    result = []
    for groep in _per_student(rijen).values():
        r = groep[0]
        fouten = niveau_fouten(r["route_soort"], r["leerweg_route"], r["niveau"])
        regel = fouten[0].partition(":")[0]
        tekst = _(
            "De kwalificatie %(crebo)s van route '%(route)s' heeft nu niveau %(niveau)s; dat past niet "
            "bij een %(soort)s met leerweg %(leerweg)s: %(fouten)s De leerling volgt deze route nog. "
            "Oplossing: koppel de route aan de juiste kwalificatie, of laat de leerling uitstromen "
            "naar een passende route (overstapoptie)."
        ) % {
            "crebo": r["crebo"],
            "route": r["route_naam"],
            "niveau": r["niveau"],
            "soort": r["route_soort"],
            "leerweg": r["leerweg_route"],
            "fouten": " ".join(fouten),
        }
        result.append(_bevinding(regel, _student("niveau", r), r, tekst, r["id"]))
    return result


# --- R-INS-2/3: the enrolment carries the route's values --------------------------------------------


def _wijkt_af_q() -> Q:
    o = "leerroute__overeenkomst__"
    return (
        ~Q(opleidingskenmerk=F("leerroute__soort"))
        | (Q(sector="vo") & ~Q(leerweg=F("leerroute__leerweg")))
        | (Q(sector="vo") & ~Q(instelling_id=F(f"{o}vo_instelling_id")))
        | (Q(sector="mbo") & ~Q(kwalificatie_id=F("leerroute__kwalificatie_id")))
        | (Q(sector="mbo") & ~Q(instelling_id=F(f"{o}mbo_instelling_id")))
    )


def _afwijkingen(r: dict) -> list[str]:
    """The fields of one enrolment that differ from its route, as Dutch phrases."""
    velden = []
    if r["opleidingskenmerk"] != r["route_soort"]:
        velden.append(
            _("opleidingskenmerk %(a)s (route: %(b)s)") % {"a": r["opleidingskenmerk"], "b": r["route_soort"]}
        )
    eigen_partij = r["vo_id"] if r["sector"] == "vo" else r["mbo_id"]
    if r["instelling_id"] != eigen_partij:
        velden.append(_("instelling (niet de %(kant)s-partij van de overeenkomst)") % {"kant": r["sector"]})
    if r["sector"] == "vo" and r["leerweg"] != r["leerweg_route"]:
        velden.append(_("leerweg %(a)s (route: %(b)s)") % {"a": r["leerweg"], "b": r["leerweg_route"]})
    if r["sector"] == "mbo" and r["kwalificatie_id"] != r["kwalificatie_route"]:
        velden.append(_("kwalificatie (route: crebo %(b)s)") % {"b": r["crebo_route"]})
    return velden


def inschrijving_wijkt_af_van_route(peildatum: datetime.date, filter: Q = ALLES) -> list:
    """R-INS-2 (vo side) / R-INS-3 (mbo side): a running enrolment whose opleidingskenmerk, leerweg,
    qualification or instelling is no longer the route's (the route changed after enrolment).
    One per student: regel R-INS-2 when the vo side differs, else R-INS-3."""
    rijen = (
        _lopend(peildatum)
        .filter(filter)
        .filter(_wijkt_af_q())
        .order_by("leerling_id", "leerroute_id", "sector", "id")
        .values(
            "id",
            "leerling_id",
            "sector",
            "opleidingskenmerk",
            "leerweg",
            "kwalificatie_id",
            "instelling_id",
            leerweg_route=F("leerroute__leerweg"),
            kwalificatie_route=F("leerroute__kwalificatie_id"),
            crebo_route=F("leerroute__kwalificatie__crebo"),
            **_ROUTE,
        )
    )
    result = []
    for groep in _per_student(rijen).values():
        regel = "R-INS-2" if any(r["sector"] == "vo" for r in groep) else "R-INS-3"
        delen = [
            _("de %(kant)s-inschrijving: %(velden)s")
            % {"kant": r["sector"], "velden": ", ".join(_afwijkingen(r))}
            for r in groep
        ]
        r = groep[0]
        tekst = _(
            "%(regel)s: de inschrijvingen in route '%(route)s' leggen vast wat de route is; na een "
            "wijziging van de route wijkt af %(delen)s. Oplossing: de school corrigeert haar "
            "inschrijving naar de waarden van de route, of beëindigt haar als correctie."
        ) % {"regel": regel, "route": r["route_naam"], "delen": "; ".join(delen)}
        result.append(_bevinding(regel, _student("route", r), r, tekst, r["id"]))
    return result


# --- R-SOK-1: the agreement's kind follows the boards --------------------------------------------


def overeenkomst_soort_past_niet(peildatum: datetime.date, filter: Q = ALLES) -> list:
    """R-SOK-1: students in a route whose agreement's kind no longer fits the boards (one board
    now runs both schools but the agreement is an SOK, or two boards with an interne regeling),
    after a school moved to another board. One per student."""
    o = "leerroute__overeenkomst__"
    een_bestuur = Q(**{f"{o}vo_instelling__bestuur": F(f"{o}mbo_instelling__bestuur")})
    rijen = (
        _lopend(peildatum)
        .filter(filter)
        .filter((een_bestuur & ~Q(**{f"{o}soort": "intern"})) | (~een_bestuur & Q(**{f"{o}soort": "intern"})))
        .order_by("leerling_id", "leerroute_id", "sector", "id")
        .values("id", "leerling_id", ovk_naam=F(f"{o}naam"), ovk_soort=F(f"{o}soort"), **_ROUTE)
    )
    result = []
    for groep in _per_student(rijen).values():
        r = groep[0]
        tekst = (
            _(
                "De overeenkomst '%(ovk)s' van route '%(route)s' is een interne regeling, maar de "
                "scholen vallen nu onder twee besturen: dan is een samenwerkingsovereenkomst verplicht "
                "(R-SOK-1). Oplossing: leg de samenwerkingsovereenkomst vast."
            )
            if r["ovk_soort"] == "intern"
            else _(
                "De overeenkomst '%(ovk)s' van route '%(route)s' is een samenwerkingsovereenkomst, maar "
                "één bestuur voert nu beide scholen (R-SOK-1). Oplossing: leg een interne regeling vast."
            )
        ) % {"ovk": r["ovk_naam"], "route": r["route_naam"]}
        result.append(_bevinding("R-SOK-1", _student("bestuur", r), r, tekst, r["id"]))
    return result


# --- R-INS-5 / R-INS-10: a switch or stop registered on one side only -------------------------------


def _half_geregistreerd():
    """Enrolments ended as overstap while the other side of the same route runs on (no end, or a
    later one), the same side has no new running enrolment, and no uitstroom is recorded."""
    zelfde = Inschrijving.objects.filter(leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute"))
    ander = (
        zelfde.exclude(sector=OuterRef("sector"))
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(Q(einddatum__isnull=True) | Q(einddatum__gt=OuterRef("einddatum")))
        .order_by("id")
    )
    opnieuw = zelfde.filter(sector=OuterRef("sector"), einddatum__isnull=True)
    uitstroom = Uitstroom.objects.filter(leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute"))
    return (
        Inschrijving.objects.filter(einddatum__isnull=False, reden_einde=RedenEinde.OVERSTAP)
        .filter(Exists(ander))
        .exclude(Exists(opnieuw))
        .exclude(Exists(uitstroom))
        .annotate(
            ander_id=Subquery(ander.values("id")[:1]), ander_sector=Subquery(ander.values("sector")[:1])
        )
    )


def overstap_half_geregistreerd(peildatum: datetime.date, filter: Q = ALLES) -> list:
    """One side ended as 'gestopt of overgestapt' while the other side runs on and no uitstroom is
    recorded: R-INS-5 (the route continues at the other school) and R-INS-10 (the student left)
    cannot both be true. Proposed to the coordinator: record the uitstroom, or reopen the ended
    enrolment (registratie.services.signaal_uitstroom_vastleggen / signaal_heropenen)."""
    rijen = (
        _half_geregistreerd()
        .filter(filter)
        .order_by("leerling_id", "leerroute_id", "id")
        .values("id", "leerling_id", "sector", "einddatum", "ander_id", "ander_sector", **_ROUTE)
    )
    result = []
    for r in rijen:
        tekst = _(
            "De %(kant)s-inschrijving in route '%(route)s' is op %(eind)s beëindigd als 'gestopt of "
            "overgestapt', maar de %(ander)s-inschrijving loopt door en er is geen uitstroom "
            "vastgelegd. Dat kan niet allebei waar zijn (R-INS-5, R-INS-10). Voorstel: leg de "
            "uitstroom vast (reden en bestemming; de %(ander)s-inschrijving eindigt dan ook), of "
            "heropen de %(kant)s-inschrijving als de leerling de route vervolgt."
        ) % {
            "kant": r["sector"],
            "route": r["route_naam"],
            "eind": _datum(r["einddatum"]),
            "ander": r["ander_sector"],
        }
        result.append(_bevinding(REGEL_HALF, ("half", r["id"]), r, tekst, r["id"]))
    return result


def is_half_geregistreerd(signaal: Signaal) -> bool:
    """Whether this signal is a proposal of overstap_half_geregistreerd (for its two actions)."""
    return signaal.sleutel.startswith(checks._sleutel(REGEL_HALF, "half", ""))


# --- R-LR-8 on save: the agreement's status or dates ------------------------------------------------


def overeenkomst_niet_actief(peildatum: datetime.date, filter: Q) -> list:
    """R-LR-8 for the dependents of a changed agreement or route only. The nightly run has its own,
    over everything (registratie.checks_paren.overeenkomst_niet_actief); the sleutel is the same, so
    the signal raised here is the one the nightly run keeps open (and closes once fixed)."""
    o = "leerroute__overeenkomst__"
    actief = Q(**{f"{o}status": "actief", f"{o}ingangsdatum__lte": peildatum}) & (
        Q(**{f"{o}einddatum__isnull": True}) | Q(**{f"{o}einddatum__gte": peildatum})
    )
    rijen = (
        _lopend(peildatum)
        .filter(filter)
        .exclude(actief)
        .order_by("leerling_id", "leerroute_id", "sector", "id")
        .values("id", "leerling_id", ovk_naam=F(f"{o}naam"), **_ROUTE)
    )
    result = []
    for (leerling_id, route_id), groep in _per_student(rijen).items():
        r = groep[0]
        tekst = _(
            "De leerling is ingeschreven in route '%(route)s', maar de overeenkomst '%(ovk)s' is na "
            "de wijziging op %(peildatum)s niet actief. Een route kan alleen leerlingen hebben zolang "
            "een actieve overeenkomst haar dekt (R-LR-8). Oplossing: activeer of verleng de "
            "overeenkomst, of laat de leerling uitstromen volgens de overstapoptie."
        ) % {"route": r["route_naam"], "ovk": r["ovk_naam"], "peildatum": _datum(peildatum)}
        result.append(_bevinding("R-LR-8", (leerling_id, route_id), r, tekst, r["id"]))
    return result


# --- R-INS-6 on save: the other side of the same route ---------------------------------------------


def registraties_oneens(peildatum: datetime.date, filter: Q) -> list:
    """R-INS-6 for the dependents of a changed enrolment only (the nightly run has its own, over
    everything: registratie.checks_paren.registraties_oneens, with the same sleutel per field)."""
    rijen = checks_paren.oneens_rijen(peildatum, filter)
    result = []
    for r in rijen:
        for veld, vo_waarde, mbo_waarde in (
            ("fase", r["vo_fase"], r["fase"]),
            ("opleidingskenmerk", r["vo_kenmerk"], r["opleidingskenmerk"]),
        ):
            if vo_waarde != mbo_waarde:
                tekst = _(
                    "De vo- en de mbo-inschrijving in route '%(route)s' verschillen na de wijziging in "
                    "%(veld)s: vo '%(vo)s', mbo '%(mbo)s'. De registraties moeten gelijk zijn (R-INS-6). "
                    "Oplossing: spreek af welke waarde juist is en laat de andere school haar "
                    "inschrijving corrigeren."
                ) % {"route": r["route_naam"], "veld": veld, "vo": vo_waarde, "mbo": mbo_waarde}
                result.append(_bevinding("R-INS-6", (veld, r["vo_nr"], r["id"]), r, tekst, r["vo_nr"]))
    return result


# --- R-INS-1 on save: the vo side's leerjaar and start ---------------------------------------------


def start_voor_leerjaar_3(peildatum: datetime.date, filter: Q) -> list:
    """R-INS-1 for the dependents of a changed enrolment only: an enrolment starting in a school
    year before the student's vmbo leerjaar 3 according to the vo side (the nightly run has its own,
    registratie.checks_paren.start_voor_leerjaar_3, with the same sleutel)."""
    routestart = Subquery(
        Inschrijving.objects.exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(sector="vo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute"))
        .order_by("startdatum", "id")
        .annotate(j=fase.routestartjaar_expr())
        .values("j")[:1]
    )
    rijen = (
        Inschrijving.objects.exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(filter)
        .annotate(rsj=routestart, sj=fase.schooljaar_expr("startdatum"))
        .filter(rsj__isnull=False, sj__lt=F("rsj"))
        .order_by("id")
        .values("id", "leerling_id", "sector", "startdatum", "rsj", **_ROUTE)
    )
    result = []
    for r in rijen:
        tekst = _(
            "De %(kant)s-inschrijving in route '%(route)s' start op %(start)s, maar volgens de "
            "vo-inschrijving zit de leerling pas vanaf %(routestart)s in vmbo-leerjaar 3. Een leerroute "
            "begint na 2 jaar vmbo (R-INS-1). Oplossing: corrigeer de startdatum of het vmbo-leerjaar."
        ) % {
            "kant": r["sector"],
            "route": r["route_naam"],
            "start": _datum(r["startdatum"]),
            "routestart": _datum(fase.schooljaar_start(r["rsj"])),
        }
        b = _bevinding("R-INS-1", ("start", r["id"]), r, tekst, r["id"])
        if r["sector"] == "mbo":
            b.instelling_id, b.partner_instelling_id = r["mbo_id"], r["vo_id"]
        result.append(b)
    return result


# The nightly ones (registratie.checks.controleer runs these after its own).
REGELS = (
    route_niveau_ongeldig,
    inschrijving_wijkt_af_van_route,
    overeenkomst_soort_past_niet,
    overstap_half_geregistreerd,
)


def hercontroleren(filter: Q, *, peildatum: datetime.date, door, kanaal: str) -> list[Signaal]:
    """Re-check every dependent rule for the enrolments in ``filter`` and raise the missing
    signals now (one per cause and student). Returns the signals added."""
    bevindingen = [b for regel in REGELS for b in regel(peildatum, filter)]
    for alleen_bij_opslaan in (overeenkomst_niet_actief, registraties_oneens, start_voor_leerjaar_3):
        bevindingen += alleen_bij_opslaan(peildatum, filter)
    return signaleren(bevindingen, door=door, kanaal=kanaal)


def signaleren(bevindingen: list, *, door, kanaal: str) -> list[Signaal]:
    """Add a signal per finding unless one is open for its sleutel or it was dismissed before (the
    nightly run's de-duplication: a dismissed cause stays dismissed)."""
    per_sleutel = {b.sleutel: b for b in bevindingen}
    sleutels = list(per_sleutel)
    bekend: set[str] = set()
    for start in range(0, len(sleutels), _CHUNK):
        bekend.update(
            Signaal.objects.filter(
                bron=checks.BRON,
                sleutel__in=sleutels[start : start + _CHUNK],
                status__in=[*checks.OPEN, SignaalStatus.AFGEWEZEN],
            ).values_list("sleutel", flat=True)
        )
    nieuw = [b.als_signaal() for s, b in per_sleutel.items() if s not in bekend]
    if nieuw:
        Signaal.objects.bulk_create(nieuw, batch_size=_CHUNK)
        audit.record_created_bulk(nieuw, door=door, kanaal=kanaal)
    return nieuw
