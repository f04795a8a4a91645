"""The figures of the start page per role (issue 12, item 1), each cheap at any size: counted up
to a limit (samenwerking.paginering.begrensd_aantal), grouped over the open signals only, or read
from the monitoring figures the nightly check stored."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from registratie import dubbel, fase, selectors
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


def dashboard(user) -> Dashboard:
    vandaag = timezone.localdate()
    s = scope.scope_for(user)
    open_ = Signaal.objects.for_user(user).filter(status__in=selectors.SIGNAAL_OPEN)
    per_regel = list(open_.order_by("regel").values_list("regel").annotate(n=Count("id")))
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
        signalen_per_regel=per_regel,
        monitoring=selectors.monitoring_met_bron(user).rijen,
        overgang_datum=volgende,
        overgang_cohort=cohort,
        overgangen=begrensd_aantal(overgangen, TELGRENS),
        nog_mbo=begrensd_aantal(dubbel.werklijst_mbo(user), TELGRENS) if mbo_kant else None,
        leveringen=list(
            RodLevering.objects.for_user(user)
            .select_related("instelling")
            .order_by("-id")[:LAATSTE_LEVERINGEN]
        ),
    )


def _heeft_mbo_routes(s) -> bool:
    from samenwerking.models import Samenwerkingsovereenkomst

    return bool(s.beheer) and Samenwerkingsovereenkomst.objects.filter(mbo_instelling__in=s.beheer).exists()
