"""The figures of the start page per role (issue 12, item 1), each cheap at any size: counted up
to a limit (samenwerking.paginering.begrensd_aantal), or read from what the nightly check stored
(the monitoring figures; the open signals per rule and the mbo worklist's size,
registratie.tellingen), then shown with the time they were counted. Before the first nightly run
those two are counted live (a new installation holds little)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import number_format

from registratie import dubbel, fase, selectors, tellingen
from registratie.models import Fase, Inschrijving, Sector, Signaal
from registratie.rod.models import RodLevering
from samenwerking import scope
from samenwerking.paginering import begrensd_aantal

TELGRENS = 1000
LAATSTE_LEVERINGEN = 5


@dataclass
class Dashboard:
    signalen_per_regel: list[tuple[str, int]]
    monitoring: list  # selectors.MonitoringRij per route and cohort
    overgang_datum: datetime.date
    overgang_cohort: int
    overgangen: str
    nog_mbo: str | None  # None: the user has no mbo side to enrol at
    leveringen: list
    geteld_op: datetime.datetime | None = None  # when the stored figures were counted; None: live


def dashboard(user) -> Dashboard:
    vandaag = timezone.localdate()
    s = scope.scope_for(user)
    per_regel = tellingen.signalen_per_regel(user)
    # Transitions due next 1 August: running vo-fase enrolments whose route year 3 starts then.
    volgende = fase.komende_schooljaarstart(vandaag)
    cohort = volgende.year - fase.VO_FASE_JAREN
    overgangen = (
        Inschrijving.objects.for_user(user)
        .filter(sector=Sector.VO, fase=Fase.VO, einddatum__isnull=True)
        .annotate(cohort=fase.routestartjaar_expr())
        .filter(cohort=cohort)
    )
    mbo_kant = s.alles or _heeft_mbo_routes(s)
    return Dashboard(
        signalen_per_regel=per_regel.waarde if per_regel else _signalen_per_regel_live(user),
        monitoring=selectors.monitoring_met_bron(user).rijen,
        overgang_datum=volgende,
        overgang_cohort=cohort,
        overgangen=begrensd_aantal(overgangen, TELGRENS),
        nog_mbo=_nog_mbo(user) if mbo_kant else None,
        leveringen=list(
            RodLevering.objects.for_user(user)
            .select_related("instelling")
            .order_by("-id")[:LAATSTE_LEVERINGEN]
        ),
        geteld_op=per_regel.berekend_op if per_regel else None,
    )


def _signalen_per_regel_live(user) -> list[tuple[str, int]]:
    open_ = Signaal.objects.for_user(user).filter(status__in=selectors.SIGNAAL_OPEN)
    return list(open_.order_by("regel").values_list("regel").annotate(n=Count("id")))


def _nog_mbo(user) -> str:
    opgeslagen = tellingen.nog_in_te_schrijven(user)
    if opgeslagen is None:
        return begrensd_aantal(dubbel.werklijst_mbo(user), TELGRENS)
    return number_format(opgeslagen.waarde, force_grouping=True)


def _heeft_mbo_routes(s) -> bool:
    from samenwerking.models import Samenwerkingsovereenkomst

    return bool(s.beheer) and Samenwerkingsovereenkomst.objects.filter(mbo_instelling__in=s.beheer).exists()
