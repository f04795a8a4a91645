"""The year's transitions per route and cohort (issue 13, item 3): of the open proposed
transitions (R-INS-1), who is ready to move on the proposed 1 August, who stays because another
open signal of the student blocks it (and which rule), and who has no mbo enrolment yet (R-INS-3:
applying would be refused). One GROUP BY over the open proposals; each group can be handed to a
bulk decision by its key (``groep_signalen``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear

from leerroute.models import Leerroute
from registratie import checks, fase
from registratie.models import Inschrijving, RedenEinde, Signaal
from registratie.review.selectors import afhandelbaar_q
from registratie.selectors import SIGNAAL_OPEN, signalen_voor

KLAAR, ZONDER_MBO, GEBLOKKEERD = "klaar", "zonder_mbo", "geblokkeerd"


def _voorstellen(user, leerroute: int | None = None):
    """The open proposals this user may decide on, annotated with route, cohort, whether the
    mbo side is enrolled on the proposed date, and the first other open rule of the student."""
    mbo = (
        Inschrijving.objects.filter(
            sector="mbo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute")
        )
        .exclude(reden_einde=RedenEinde.CORRECTIE)
        .filter(Q(einddatum__isnull=True) | Q(einddatum__gte=OuterRef("voorgestelde_datum")))
    )
    blok = (
        Signaal.objects.filter(
            leerling=OuterRef("leerling"), overeenkomst=OuterRef("overeenkomst"), status__in=SIGNAAL_OPEN
        )
        .exclude(regel=checks.REGEL_OVERGANG)
        .order_by("regel")
        .values("regel")[:1]
    )
    qs = (
        signalen_voor(user, regel=checks.REGEL_OVERGANG)
        .filter(afhandelbaar_q(user), voorgestelde_datum__isnull=False, leerroute__isnull=False)
        .annotate(
            route=F("leerroute_id"),
            # The proposal is for 1 August of routestartjaar + the vo-fase years.
            cohort=ExtractYear("voorgestelde_datum") - fase.VO_FASE_JAREN,
            heeft_mbo=Exists(mbo),
            blok=Subquery(blok),
        )
    )
    return qs.filter(route=leerroute) if leerroute is not None else qs


def groep_signalen(user, *, leerroute: int, cohort: int, groep: str):
    """The signals of one group, for a bulk decision."""
    qs = _voorstellen(user, leerroute).filter(cohort=cohort)
    if groep == KLAAR:
        return qs.filter(blok__isnull=True, heeft_mbo=True)
    if groep == ZONDER_MBO:
        return qs.filter(blok__isnull=True, heeft_mbo=False)
    if groep.startswith(GEBLOKKEERD + ":"):
        return qs.filter(blok=groep.split(":", 1)[1])
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


def per_route_en_cohort(user, leerroute: int | None = None) -> list[RouteCohort]:
    rijen = (
        _voorstellen(user, leerroute)
        .order_by()
        .values("route", "cohort", "voorgestelde_datum", "heeft_mbo", "blok")
        .annotate(n=Count("id"))
    )
    uitkomst: dict[tuple, RouteCohort] = {}
    for r in rijen:
        cohort = int(r["cohort"])
        rc = uitkomst.setdefault(
            (r["route"], cohort),
            RouteCohort(leerroute=r["route"], naam="", cohort=cohort, datum=r["voorgestelde_datum"]),
        )
        if r["blok"]:
            rc.geblokkeerd[r["blok"]] = rc.geblokkeerd.get(r["blok"], 0) + r["n"]
        elif r["heeft_mbo"]:
            rc.klaar += r["n"]
        else:
            rc.zonder_mbo += r["n"]
    namen = dict(Leerroute.objects.filter(pk__in={k[0] for k in uitkomst}).values_list("pk", "naam"))
    for rc in uitkomst.values():
        rc.naam = namen.get(rc.leerroute, "?")
    return sorted(uitkomst.values(), key=lambda rc: (rc.naam, rc.leerroute, rc.cohort))
