"""The fase check's rules over a student's two sides and the route's agreement: R-INS-6 (the vo-
and mbo-inschrijving disagree), R-LR-8 (enrolments under an agreement that is not active) and
R-INS-1 (an mbo-inschrijving that starts before route year 3). Part of ``registratie.checks``,
which runs them in its rule order; the helpers they share live there."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from itertools import groupby

from django.db.models import BooleanField, Case, F, OuterRef, Q, Subquery, Value, When

from registratie import fase
from registratie.checks import (
    _STROOM,
    Bevinding,
    _,
    _datum,
    _geldig,
    _lopend_op,
    _niet_beeindigd_voor,
    _partij,
    _route_velden,
    _routestartjaar_van_vo,
    _sleutel,
)


def _anders_dan_mbo() -> Case:
    """On a vo-inschrijving in a subquery of the mbo one: differs in fase or opleidingskenmerk."""
    gelijk = Q(fase=OuterRef("fase"), opleidingskenmerk=OuterRef("opleidingskenmerk"))
    return Case(When(gelijk, then=Value(False)), default=Value(True), output_field=BooleanField())


def oneens_rijen(peildatum: datetime.date, filter: Q | None = None):
    """The running mbo-inschrijvingen (within ``filter``) whose running vo-inschrijving of the same
    student and route differs in fase or opleidingskenmerk, with both values and the route: the
    query of R-INS-6, for the nightly run over everything and for the re-check on save."""
    vo = (
        _geldig()
        .filter(sector="vo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute"))
        .filter(_lopend_op(peildatum))
        .order_by("-startdatum", "-id")
    )
    return (
        _geldig()
        .filter(filter or Q())
        .filter(sector="mbo")
        .filter(_lopend_op(peildatum))
        .annotate(
            vo_nr=Subquery(vo.values("id")[:1]),
            vo_fase=Subquery(vo.values("fase")[:1]),
            vo_kenmerk=Subquery(vo.values("opleidingskenmerk")[:1]),
            # Whether the vo side differs, decided in one subquery: one lookup per running
            # mbo-inschrijving instead of three (the three above run for the rows found only).
            # Without a vo side it is NULL, not true, so such rows drop out as before.
            vo_anders=Subquery(vo.annotate(anders=_anders_dan_mbo()).values("anders")[:1]),
        )
        .filter(vo_anders=True)
        .order_by("id")
        .values(
            "id",
            "leerling_id",
            "fase",
            "opleidingskenmerk",
            "vo_nr",
            "vo_fase",
            "vo_kenmerk",
            **_route_velden(),
        )
    )


def registraties_oneens(peildatum: datetime.date) -> Iterator[Bevinding]:
    """R-INS-6: the running vo- and mbo-inschrijving of one student in one route disagree on
    opleidingskenmerk or fase (one signal per field, so fixing one closes that one)."""
    rijen = oneens_rijen(peildatum)
    for r in rijen.iterator(chunk_size=_STROOM):
        for veld, label, vo_waarde, mbo_waarde in (
            ("fase", _("fase"), r["vo_fase"], r["fase"]),
            ("opleidingskenmerk", _("opleidingskenmerk"), r["vo_kenmerk"], r["opleidingskenmerk"]),
        ):
            if vo_waarde == mbo_waarde:
                continue
            yield (
                Bevinding(
                    regel="R-INS-6",
                    sleutel=_sleutel("R-INS-6", veld, r["vo_nr"], r["id"]),
                    toelichting=_(
                        "De vo-inschrijving bij %(vo)s en de mbo-inschrijving bij %(mbo)s verschillen "
                        "in %(label)s: vo '%(vo_w)s', mbo '%(mbo_w)s'. Beide scholen leveren aan ROD; "
                        "de registraties moeten gelijk zijn (R-INS-6). Oplossing: spreek af welke "
                        "waarde juist is en laat de andere school haar inschrijving corrigeren"
                        "%(extra)s."
                    )
                    % {
                        "vo": r["vo_naam"],
                        "mbo": r["mbo_naam"],
                        "label": label,
                        "vo_w": vo_waarde,
                        "mbo_w": mbo_waarde,
                        "extra": _(" (een fase wijzigt met een fasewissel per 1 augustus)")
                        if veld == "fase"
                        else _(" (het opleidingskenmerk is dat van de route, %(soort)s)")
                        % {"soort": r["route_soort"]},
                    },
                    overeenkomst_id=r["overeenkomst_id"],
                    leerroute_id=r["route_id"],
                    leerling_id=r["leerling_id"],
                    inschrijving_id=r["vo_nr"],
                    instelling_id=r["vo_id"],
                    partner_instelling_id=r["mbo_id"],
                )
            )


def overeenkomst_niet_actief(peildatum: datetime.date) -> Iterator[Bevinding]:
    """R-LR-8: students enrolled in a route whose agreement is not active on ``peildatum``."""
    o = "leerroute__overeenkomst__"
    actief = Q(**{f"{o}status": "actief", f"{o}ingangsdatum__lte": peildatum}) & (
        Q(**{f"{o}einddatum__isnull": True}) | Q(**{f"{o}einddatum__gte": peildatum})
    )
    rijen = (
        _geldig()
        .filter(_niet_beeindigd_voor(peildatum))
        .exclude(actief)
        .order_by("leerling_id", "leerroute_id", "sector", "id")
        .values(
            "id",
            "leerling_id",
            ovk_naam=F(f"{o}naam"),
            ovk_status=F(f"{o}status"),
            ovk_ingang=F(f"{o}ingangsdatum"),
            ovk_einde=F(f"{o}einddatum"),
            **_route_velden(),
        )
    )
    for (leerling_id, route_id), rijen_van_student in groupby(
        rijen.iterator(chunk_size=_STROOM), key=lambda r: (r["leerling_id"], r["route_id"])
    ):
        r = next(rijen_van_student)
        if r["ovk_status"] != "actief":
            waarom = _("de status is '%(status)s'") % {"status": r["ovk_status"]}
        elif r["ovk_ingang"] > peildatum:
            waarom = _("zij gaat pas in op %(d)s") % {"d": _datum(r["ovk_ingang"])}
        else:
            waarom = _("zij is geëindigd op %(d)s") % {"d": _datum(r["ovk_einde"])}
        yield (
            Bevinding(
                regel="R-LR-8",
                sleutel=_sleutel("R-LR-8", leerling_id, route_id),
                toelichting=_(
                    "De leerling is ingeschreven in route '%(route)s', maar de overeenkomst "
                    "'%(ovk)s' is op %(peildatum)s niet actief: %(waarom)s. Een route kan alleen "
                    "leerlingen hebben zolang een actieve overeenkomst haar dekt (R-LR-8). Oplossing: "
                    "de besturen van %(vo)s en %(mbo)s activeren of verlengen de overeenkomst, of de "
                    "leerling stroomt uit volgens de overstapoptie."
                )
                % {
                    "route": r["route_naam"],
                    "ovk": r["ovk_naam"],
                    "peildatum": _datum(peildatum),
                    "waarom": waarom,
                    "vo": r["vo_naam"],
                    "mbo": r["mbo_naam"],
                },
                overeenkomst_id=r["overeenkomst_id"],
                leerroute_id=r["route_id"],
                leerling_id=leerling_id,
                inschrijving_id=r["id"],
                instelling_id=r["vo_id"],
                partner_instelling_id=r["mbo_id"],
            )
        )


def start_voor_leerjaar_3(peildatum: datetime.date) -> Iterator[Bevinding]:
    """R-INS-1: a route enrolment that starts in a school year before the student's vmbo
    leerjaar 3 (route year 1), according to the student's vo-inschrijving in that route."""
    rijen = (
        _geldig()
        .annotate(rsj=_routestartjaar_van_vo(), sj=fase.schooljaar_expr("startdatum"))
        # One subquery per enrolment, not two: "sj < NULL" is not true either, so no separate
        # "rsj IS NOT NULL" (that ran the subquery a second time for each of the million rows).
        .filter(sj__lt=F("rsj"))
        .order_by("id")
        .values("id", "leerling_id", "sector", "startdatum", "rsj", **_route_velden())
    )
    for r in rijen.iterator(chunk_size=_STROOM):
        instelling, partner = _partij(r, r["sector"])
        yield (
            Bevinding(
                regel="R-INS-1",
                sleutel=_sleutel("R-INS-1", "start", r["id"]),
                toelichting=_(
                    "De %(kant)s-inschrijving in route '%(route)s' start op %(start)s, maar volgens "
                    "de vo-inschrijving zit de leerling pas vanaf %(routestart)s in vmbo-leerjaar 3 "
                    "(routejaar 1). Een leerroute begint na 2 jaar vmbo (R-INS-1). Oplossing: "
                    "corrigeer de startdatum van deze inschrijving of het vmbo-leerjaar van de "
                    "vo-inschrijving."
                )
                % {
                    "kant": r["sector"],
                    "route": r["route_naam"],
                    "start": _datum(r["startdatum"]),
                    "routestart": _datum(fase.schooljaar_start(r["rsj"])),
                },
                overeenkomst_id=r["overeenkomst_id"],
                leerroute_id=r["route_id"],
                leerling_id=r["leerling_id"],
                inschrijving_id=r["id"],
                instelling_id=instelling,
                partner_instelling_id=partner,
            )
        )
