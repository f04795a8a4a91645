"""Route years and phases (R-INS-1, R-INS-4): the one place that turns dates into them.

The route starts after two years of vmbo: route year 1 = vmbo leerjaar 3. Years 1–2 are the
vo-fase, from year 3 the mbo-fase. School years start on 1 August.

A vo-inschrijving records the vmbo ``leerjaar`` on its ``startdatum``; from those two the route
year on any date follows, so nothing has to be updated each year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SCHOOLJAAR_MAAND, SCHOOLJAAR_DAG = 8, 1
VO_FASE_JAREN = 2  # R-INS-1: route years 1 and 2


def schooljaar(datum: datetime.date) -> int:
    """The calendar year in which the school year containing ``datum`` began."""
    return datum.year if (datum.month, datum.day) >= (SCHOOLJAAR_MAAND, SCHOOLJAAR_DAG) else datum.year - 1


def schooljaar_start(jaar: int) -> datetime.date:
    return datetime.date(jaar, SCHOOLJAAR_MAAND, SCHOOLJAAR_DAG)


def routejaar(vo_startdatum: datetime.date, leerjaar_bij_start: int, datum: datetime.date) -> int:
    """Route year on ``datum`` of a student whose vo-inschrijving started in that leerjaar."""
    return schooljaar(datum) - schooljaar(vo_startdatum) + (leerjaar_bij_start - 2)


def routestart(vo_startdatum: datetime.date, leerjaar_bij_start: int) -> datetime.date:
    """1 August of the school year in which the student was (or would be) in vmbo leerjaar 3."""
    return schooljaar_start(schooljaar(vo_startdatum) - (leerjaar_bij_start - 3))


def verwachte_fase(jaar: int) -> str:
    return "vo" if jaar <= VO_FASE_JAREN else "mbo"


def mbo_fase_start(vo_startdatum: datetime.date, leerjaar_bij_start: int) -> datetime.date:
    """The 1 August on which route year 3, the mbo-fase, begins."""
    return schooljaar_start(schooljaar(routestart(vo_startdatum, leerjaar_bij_start)) + VO_FASE_JAREN)


def komende_schooljaarstart(datum: datetime.date) -> datetime.date:
    """The coming 1 August: ``datum`` itself when it is 1 August, else the next one."""
    start = schooljaar_start(datum.year)
    return start if datum <= start else schooljaar_start(datum.year + 1)


def schooljaar_label(jaar: int) -> str:
    return f"{jaar}-{jaar + 1}"


# --- the same arithmetic as database expressions, for the set-based checks and monitoring ---------
# schooljaar(): the year of the date, minus one before August. SCHOOLJAAR_DAG is 1, so the month
# alone decides; ExtractYear/ExtractMonth work on PostgreSQL and SQLite alike.


def schooljaar_expr(veld: str):
    """Database version of schooljaar() for a date field (or path, e.g. "inschrijving__startdatum")."""
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import ExtractYear

    return ExtractYear(veld) - Case(
        When(**{f"{veld}__month__lt": SCHOOLJAAR_MAAND}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def routestartjaar_expr(startdatum: str = "startdatum", leerjaar: str = "leerjaar"):
    """The school year (its first calendar year) in which route year 1, vmbo leerjaar 3, began,
    from a vo-inschrijving's start date and the vmbo leerjaar at that date.

    routejaar(datum) = schooljaar(datum) − routestartjaar + 1; the mbo-fase begins on 1 August of
    routestartjaar + VO_FASE_JAREN.
    """
    from django.db.models import F

    return schooljaar_expr(startdatum) - (F(leerjaar) - 3)


def routestartjaar(vo_startdatum: datetime.date, leerjaar_bij_start: int) -> int:
    return schooljaar(routestart(vo_startdatum, leerjaar_bij_start))


# --- what the student's situation is on a date (R-INS-7, R-INS-8, R-INS-9) ------------------------


@dataclass(frozen=True)
class Taak:
    """One responsibility and the instelling that carries it."""

    code: str
    omschrijving: str
    instelling: object | None  # samenwerking.models.Instelling
    toelichting: str = ""
    regel: str = ""


@dataclass(frozen=True)
class Situatie:
    """Where a student stands on ``datum``: route year, fase, and who is responsible for what.

    ``fase`` is the fase the route year gives (R-INS-1); the responsibilities follow it (R-INS-7:
    the law follows the fase). ``geregistreerde_fase`` is what the enrolments say on that date
    (their fase, read back through the recorded fasewissels); ``afwijkingen`` names differences.
    """

    leerling: object
    datum: datetime.date
    status: str  # STATUS_*
    leerroute: object | None = None
    opleidingskenmerk: str | None = None
    vo_instelling: object | None = None
    mbo_instelling: object | None = None
    routejaar: int | None = None
    vmbo_leerjaar: int | None = None
    fase: str | None = None
    mbo_fase_start: datetime.date | None = None
    geregistreerde_fase: dict = field(default_factory=dict)  # {"vo": "vo", "mbo": "mbo"}
    wet: str = ""
    verzuimmelding: object | None = None
    bpv: object | None = None
    bekostiging: object | None = None
    studiefinanciering: bool | None = None
    reisproduct: bool | None = None
    examinering: tuple = ()  # of Taak
    diplomas: tuple = ()  # of Taak
    taken: tuple = ()  # of Taak: every responsibility, for display
    afwijkingen: tuple = ()  # of str

    @property
    def in_route(self) -> bool:
        return self.status == STATUS_IN_ROUTE


STATUS_IN_ROUTE = "in_route"
STATUS_VOOR_ROUTE = "voor_route"  # before route year 1 (vmbo leerjaar 1-2) or before enrolment
STATUS_NIET_INGESCHREVEN = "niet_ingeschreven"  # enrolments ended before this date, or none
STATUS_LABELS = {
    STATUS_IN_ROUTE: gettext_lazy("in de leerroute"),
    STATUS_VOOR_ROUTE: gettext_lazy("nog niet in de leerroute"),
    STATUS_NIET_INGESCHREVEN: gettext_lazy("niet (meer) ingeschreven in een leerroute"),
}


def _loopt_op(inschrijving, datum: datetime.date) -> bool:
    return inschrijving.startdatum <= datum and (
        inschrijving.einddatum is None or inschrijving.einddatum >= datum
    )


def fase_op(inschrijving, datum: datetime.date) -> str:
    """The fase an enrolment had on ``datum``, read back through its recorded fasewissels
    (prefetch ``fasewissels`` to avoid a query per enrolment)."""
    wissels = sorted(inschrijving.fasewissels.all(), key=lambda w: (w.ingangsdatum, w.pk))
    geldig = [w for w in wissels if w.ingangsdatum <= datum]
    if geldig:
        return geldig[-1].naar_fase
    if wissels:
        return wissels[0].van_fase
    return inschrijving.fase


def situatie(leerling, datum: datetime.date | None = None, *, user=None) -> Situatie:
    """Route year, expected fase and responsibilities of ``leerling`` on ``datum`` (default today).

    With ``user``, only the enrolments that user may see count: a partner school sees the route
    it shares, not where the student went next.

    R-INS-7: vo-school — vmbo education, vmbo examination and diploma, absence reports in the
    vo-fase; mbo-instelling — mbo education, examination and diploma, BPV, absence reports from
    the mbo-fase. R-INS-8: funding where the student is enrolled (vo-fase: the vo-school; in the
    mbo-fase the mbo-instelling, an inference). R-INS-9: no studiefinanciering and no
    studentenreisproduct in the vo-fase; in the mbo-fase settings LEERROUTE_MBO_STUDIEFINANCIERING
    and LEERROUTE_MBO_REISPRODUCT decide (the seeds leave it to the ordinary mbo rules).
    """
    from django.conf import settings
    from django.db.models import Prefetch

    from leerroute.models import Programmaonderdeel
    from registratie.models import Fasewissel, Inschrijving

    datum = datum or _vandaag()
    bron = leerling.inschrijvingen.all() if user is None else Inschrijving.objects.for_user(user)
    inschrijvingen = list(
        bron.filter(leerling=leerling)
        .select_related(
            "leerroute__overeenkomst__vo_instelling",
            "leerroute__overeenkomst__mbo_instelling",
            "leerroute__kwalificatie",
        )
        .prefetch_related(Prefetch("fasewissels", queryset=Fasewissel.objects.order_by("ingangsdatum")))
        .exclude(reden_einde="correctie")
        .order_by("startdatum", "id")
    )
    if not inschrijvingen:
        return Situatie(leerling=leerling, datum=datum, status=STATUS_NIET_INGESCHREVEN)

    lopend = [i for i in inschrijvingen if _loopt_op(i, datum)]
    if lopend:
        # The route of the enrolments running on that date (the vo side's when there are two).
        route = sorted(lopend, key=lambda i: (i.sector != "vo", -i.startdatum.toordinal()))[0].leerroute
    else:
        route = inschrijvingen[-1].leerroute
    in_route = [i for i in inschrijvingen if i.leerroute_id == route.pk]
    lopend = [i for i in in_route if _loopt_op(i, datum)]
    o = route.overeenkomst
    vo, mbo = o.vo_instelling, o.mbo_instelling
    basis = {
        "leerling": leerling,
        "datum": datum,
        "leerroute": route,
        "opleidingskenmerk": route.soort,
        "vo_instelling": vo,
        "mbo_instelling": mbo,
        "geregistreerde_fase": {i.sector: fase_op(i, datum) for i in lopend},
    }

    vo_inschrijving = next((i for i in in_route if i.sector == "vo"), None)
    jaar = start_mbo = None
    if vo_inschrijving is not None:
        jaar = routejaar(vo_inschrijving.startdatum, vo_inschrijving.leerjaar, datum)
        start_mbo = mbo_fase_start(vo_inschrijving.startdatum, vo_inschrijving.leerjaar)
        basis.update(routejaar=jaar, mbo_fase_start=start_mbo, vmbo_leerjaar=jaar + 2 if jaar <= 2 else None)

    if not lopend:
        eerste = min(i.startdatum for i in in_route)
        status = STATUS_VOOR_ROUTE if datum < eerste else STATUS_NIET_INGESCHREVEN
        return Situatie(status=status, **basis)
    if jaar is not None and jaar < 1:
        return Situatie(status=STATUS_VOOR_ROUTE, **basis)

    # Without a vo-inschrijving (an error in itself) follow what the mbo side registered.
    f = verwachte_fase(jaar) if jaar is not None else basis["geregistreerde_fase"].get("mbo", "vo")
    in_vo_fase = f == "vo"

    afwijkingen = []
    for sector, geregistreerd in basis["geregistreerde_fase"].items():
        if geregistreerd != f:
            afwijkingen.append(
                _(
                    "De %(kant)s-inschrijving staat op %(datum)s in de %(geregistreerd)s-fase, maar "
                    "volgens het routejaar hoort de leerling in de %(fase)s-fase (R-INS-1, R-INS-4)."
                )
                % {
                    "kant": sector,
                    "datum": datum.strftime("%d-%m-%Y"),
                    "geregistreerd": geregistreerd,
                    "fase": f,
                }
            )
    if not in_vo_fase and "mbo" not in basis["geregistreerde_fase"]:
        afwijkingen.append(
            _("R-INS-3: de leerling zit in de mbo-fase maar heeft op deze datum geen mbo-inschrijving.")
        )

    verzuim = vo if in_vo_fase else mbo
    bekostiging = vo if in_vo_fase else mbo
    sf = False if in_vo_fase else settings.LEERROUTE_MBO_STUDIEFINANCIERING
    reis = False if in_vo_fase else settings.LEERROUTE_MBO_REISPRODUCT
    wet = (
        _("Wet voortgezet onderwijs (WVO): de leerling is in de vo-fase")
        if in_vo_fase
        else _("Wet educatie en beroepsonderwijs (WEB): de leerling is in de mbo-fase")
    )

    onderdelen = (
        list(
            Programmaonderdeel.objects.filter(programma__leerroute=route, programma__routejaar=jaar).order_by(
                "naam"
            )
        )
        if jaar is not None
        else []
    )
    examinering = [
        Taak(
            code="examen_onderdeel",
            omschrijving=o_.naam,
            instelling=vo if o_.examinering_door == "vo" else mbo,
            toelichting=_("gemengd team (teambevoegdheid)") if o_.teambevoegdheid else "",
            regel="R-LR-7",
        )
        for o_ in onderdelen
    ]
    if not examinering:
        examinering = [
            Taak(
                code="examen_vmbo",
                omschrijving=_("vmbo-examen (PTA)"),
                instelling=vo,
                toelichting=_("verplicht bij een DLR")
                if route.soort == "DLR"
                else _("bij een GLR moet de examenstof gedekt zijn; het vmbo-diploma is niet verplicht"),
                regel="R-INS-7",
            ),
            Taak(code="examen_mbo", omschrijving=_("mbo-examen (OER)"), instelling=mbo, regel="R-INS-7"),
        ]
    kwalificatie = route.kwalificatie
    diplomas = [
        Taak(
            code="diploma_mbo",
            omschrijving=_("mbo-diploma niveau %(niveau)s (%(crebo)s)")
            % {"niveau": kwalificatie.niveau, "crebo": kwalificatie.crebo},
            instelling=mbo,
            regel="R-LR-4" if route.soort == "DLR" else "R-LR-3",
        ),
        Taak(
            code="diploma_vmbo",
            omschrijving=_("vmbo-diploma"),
            instelling=vo,
            toelichting=_("verplicht (DLR)") if route.soort == "DLR" else _("niet verplicht (GLR)"),
            regel="R-INS-7",
        ),
    ]
    taken = [
        Taak(
            "onderwijs",
            _("onderwijs"),
            verzuim,
            _("vmbo-onderwijs, met mbo-onderdelen") if in_vo_fase else _("mbo-onderwijs"),
            "R-INS-7",
        ),
        Taak("verzuimmelding", _("verzuimmeldingen"), verzuim, "", "R-INS-7"),
        Taak("bpv", _("beroepspraktijkvorming (BPV)"), mbo, _("altijd de mbo-instelling"), "R-INS-7"),
        Taak(
            "bekostiging",
            _("bekostiging"),
            bekostiging,
            _("waar de leerling in de vo-fase is ingeschreven: de vo-school")
            if in_vo_fase
            else _("in de mbo-fase de mbo-instelling (afgeleid)"),
            "R-INS-8",
        ),
    ]
    return Situatie(
        status=STATUS_IN_ROUTE,
        fase=f,
        wet=str(wet),
        verzuimmelding=verzuim,
        bpv=mbo,
        bekostiging=bekostiging,
        studiefinanciering=sf,
        reisproduct=reis,
        examinering=tuple(examinering),
        diplomas=tuple(diplomas),
        taken=tuple(taken),
        afwijkingen=tuple(str(a) for a in afwijkingen),
        **basis,
    )


def _vandaag() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()
