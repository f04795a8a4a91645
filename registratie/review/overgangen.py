"""The year's transitions per route and cohort (issue 13, item 3): of the open proposed
transitions (R-INS-1), who is ready to move on the proposed 1 August, who stays because another
open signal of the student blocks it (and which rule), and who has no mbo enrolment yet (R-INS-3:
applying would be refused). Each group can be handed to a bulk decision by its key
(``groep_signalen``).

At 250,000 students there are ~60,000 open proposals, so nothing here runs per proposal: "has an
mbo enrolment on the date" and "is blocked by another open rule" are WHERE EXISTS / NOT EXISTS
(PostgreSQL plans them as semi- and anti-joins, by hash or merge over the covering indexes
inschrijving_mbo_kant_idx, signaal_overgang_idx and signaal_open_leerling_idx, or by index
probes when the scope is small), and the first blocking rule per student is a join to the
blocking signals grouped by student. Before, both were subqueries in the SELECT list: two
SubPlans per proposal (1.1 s for the applicatiebeheerder)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.aggregates import Min
from django.db.models.functions import ExtractYear

from leerroute.models import Leerroute
from registratie import checks, fase
from registratie.models import Inschrijving, RedenEinde, Signaal
from registratie.review.selectors import afhandelbaar_q
from registratie.selectors import SIGNAAL_OPEN, signalen_voor
from samenwerking import scope

KLAAR, ZONDER_MBO, GEBLOKKEERD = "klaar", "zonder_mbo", "geblokkeerd"


def _voorstellen(user, leerroute: int | None = None):
    """The open proposals this user may decide on, with their cohort: the proposal is for
    1 August of routestartjaar + the vo-fase years."""
    qs = (
        signalen_voor(user, regel=checks.REGEL_OVERGANG)
        .filter(afhandelbaar_q(user), voorgestelde_datum__isnull=False, leerroute__isnull=False)
        .annotate(cohort_voorstel=ExtractYear("voorgestelde_datum") - fase.VO_FASE_JAREN)
    )
    return qs.filter(leerroute_id=leerroute) if leerroute is not None else qs


def _heeft_mbo():
    """The proposal's student has an mbo enrolment in the route on the proposed date."""
    return Exists(
        Inschrijving.objects.filter(
            sector="mbo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute")
        )
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(Q(einddatum__isnull=True) | Q(einddatum__gte=OuterRef("voorgestelde_datum")))
    )


def _blokkerend():
    """The other open signals of the proposal's student in the same agreement: any of them
    keeps the student where they are."""
    return Signaal.objects.filter(status__in=SIGNAAL_OPEN).exclude(regel=checks.REGEL_OVERGANG)


def _geblokkeerd_door(regel: str | None = None):
    """Blocked at all, or (``regel``) with ``regel`` as the first blocking rule (alphabetical)."""
    van_leerling = _blokkerend().filter(leerling=OuterRef("leerling"), overeenkomst=OuterRef("overeenkomst"))
    if regel is None:
        return Q(Exists(van_leerling))
    return Q(Exists(van_leerling.filter(regel=regel))) & ~Q(Exists(van_leerling.filter(regel__lt=regel)))


def groep_signalen(user, *, leerroute: int, cohort: int, groep: str):
    """The signals of one group, for a bulk decision."""
    qs = _voorstellen(user, leerroute).filter(cohort_voorstel=cohort)
    if groep == KLAAR:
        return qs.filter(~_geblokkeerd_door(), _heeft_mbo())
    if groep == ZONDER_MBO:
        return qs.filter(~_geblokkeerd_door(), ~_heeft_mbo())
    if groep.startswith(GEBLOKKEERD + ":"):
        return qs.filter(_geblokkeerd_door(groep.split(":", 1)[1]))
    return qs.none()


@dataclass
class RouteCohort:
    leerroute: int
    naam: str
    cohort: int
    datum: object = None
    klaar: int = 0
    zonder_mbo: int = 0
    geblokkeerd: dict[str, int] = field(default_factory=dict)

    @property
    def cohort_label(self) -> str:
        return fase.schooljaar_label(self.cohort)


def _per_datum_en_blok(user, leerroute: int | None) -> list[tuple]:
    """(route, proposed date, first blocking rule or None, number of proposals): one GROUP BY
    over the proposals joined to the blocking signals grouped per student and agreement."""
    voorstellen = (
        _voorstellen(user, leerroute)
        .order_by()
        .values("leerling_id", "overeenkomst_id", "leerroute_id", "voorgestelde_datum")
    )
    blokken = (
        _blokkerend()
        .order_by()
        .values("leerling_id", "overeenkomst_id")
        .annotate(blok=Min("regel"))
        .values("leerling_id", "overeenkomst_id", "blok")
    )
    try:
        v_sql, v_params = voorstellen.query.sql_with_params()
    except EmptyResultSet:  # .none(): a user who decides on nothing
        return []
    b_sql, b_params = blokken.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.leerroute_id, v.voorgestelde_datum, b.blok, COUNT(*) FROM ({v_sql}) v"
            f" LEFT JOIN ({b_sql}) b"
            " ON b.leerling_id = v.leerling_id AND b.overeenkomst_id = v.overeenkomst_id"
            " GROUP BY 1, 2, 3",
            (*v_params, *b_params),
        )
        return cursor.fetchall()


def moet_route_kiezen(user, leerroute: int | None) -> bool:
    """A user who sees every instelling chooses a route first. Grouping every open proposal of the
    country by cohort, blocking rule and "has an mbo enrolment on the date" relates all of them
    to every mbo enrolment (at 250,000 students 62,000 proposals and 249,000 enrolments: 140–180
    ms, growing with the country); one route, or a school's or agreement's scope, stays small."""
    return leerroute is None and scope.scope_for(user).alles


def routes_met_voorstellen(user) -> list[tuple[int, str, int]]:
    """(route, name, open proposals) of every route with one: one GROUP BY, by name."""
    aantallen = dict(
        _voorstellen(user)
        .order_by()
        .values("leerroute_id")
        .annotate(n=Count("*"))
        .values_list("leerroute_id", "n")
    )
    namen = Leerroute.objects.filter(pk__in=aantallen).values_list("pk", "naam")
    return sorted(((pk, naam, aantallen[pk]) for pk, naam in namen), key=lambda r: (r[1], r[0]))


def per_route_en_cohort(user, leerroute: int | None = None) -> list[RouteCohort]:
    """Two GROUP BYs: every proposal by route, date and first blocking rule; and the ready
    ones (not blocked, mbo enrolment on the date). Without an mbo enrolment = the rest."""
    klaar = dict(
        ((r["leerroute_id"], r["voorgestelde_datum"]), r["n"])
        for r in _voorstellen(user, leerroute)
        .filter(~_geblokkeerd_door(), _heeft_mbo())
        .order_by()
        .values("leerroute_id", "voorgestelde_datum")
        .annotate(n=Count("*"))
    )
    uitkomst: dict[tuple, RouteCohort] = {}
    vrij: dict[tuple, int] = defaultdict(int)
    for route, datum, blok, n in _per_datum_en_blok(user, leerroute):
        cohort = datum.year - fase.VO_FASE_JAREN
        rc = uitkomst.setdefault(
            (route, cohort), RouteCohort(leerroute=route, naam="", cohort=cohort, datum=datum)
        )
        if blok:
            rc.geblokkeerd[blok] = rc.geblokkeerd.get(blok, 0) + n
        else:
            vrij[(route, datum)] += n
    for (route, datum), n in vrij.items():
        rc = uitkomst[(route, datum.year - fase.VO_FASE_JAREN)]
        rc.klaar += klaar.get((route, datum), 0)
        rc.zonder_mbo += n - klaar.get((route, datum), 0)
    namen = dict(Leerroute.objects.filter(pk__in={k[0] for k in uitkomst}).values_list("pk", "naam"))
    for rc in uitkomst.values():
        rc.naam = namen.get(rc.leerroute, "?")
    return sorted(uitkomst.values(), key=lambda rc: (rc.naam, rc.leerroute, rc.cohort))
