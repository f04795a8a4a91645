"""Demo data for the step plan and the evaluations (called once from registratie.demo.genereer):
one route in preparation under the main agreement, and the main route's completed step plan with
two years of evaluations, so its inspection dossier has content.

Like the rest of the demo data the rows are valid by construction and bulk-written (a fixed
handful of queries); the evaluations' figures are frozen through the one monitoring selector."""

from __future__ import annotations

import datetime

from kwaliteit import cijfers, services
from kwaliteit.models import Evaluatie, Stap, StapCode, StapStatus
from leerroute.models import Leerroute, RouteStatus
from registratie import fase
from samenwerking.models import Gebruiker

NOTITIES = {
    StapCode.DOEL_DOELGROEP: "Leerlingen KB met technische interesse; doel: minder uitval bij de "
    "overstap naar het mbo.",
    StapCode.VISIE_DOELSTELLINGEN: "80% van de instroom haalt binnen 5 jaar een mbo-diploma niveau 3 of 4; "
    "uitval in de vo-fase onder 10%.",
    StapCode.PARTNERS: "ROC De Lage Landen, installatiebranche en twee leerbedrijven in Rotterdam-Zuid.",
    StapCode.PROJECTORGANISATIE: "Stuurgroep met beide directies; kernteam van vier docenten (twee vmbo, "
    "twee mbo) en een routecoördinator.",
    StapCode.ONDERWIJSPROGRAMMA: "Gecombineerde PTA/OER per leerjaar, vastgesteld door beide instellingen.",
    StapCode.EXAMENREGELING: "vmbo-examinering volgens PTA bij de vo-school; mbo-kerntaken bij het ROC; "
    "examencommissies stemmen jaarlijks af.",
}
EVALUATIES = (
    (
        "Doorstroom naar de mbo-fase op koers; uitval in leerjaar 4 hoger dan gewenst.",
        "Extra loopbaanbegeleiding in leerjaar 4; BPV eerder in het jaar.",
    ),
    (
        "Uitval in leerjaar 4 gedaald; eerste mbo-diploma's behaald.",
        "Gemengd team uitbreiden naar de mbo-kerntaak installeren.",
    ),
)


def _stappen(route: Leerroute, gereed: int, eigenaren: list, begin: datetime.date) -> list[Stap]:
    """The step plan with the first ``gereed`` steps done and the next one under way."""
    return [
        Stap(
            leerroute=route,
            code=code,
            volgorde=i,
            status=StapStatus.GEREED
            if i <= gereed
            else StapStatus.BEZIG
            if i == gereed + 1
            else StapStatus.OPEN,
            eigenaar=eigenaren[(i - 1) % len(eigenaren)],
            streefdatum=begin + datetime.timedelta(days=30 * i),
            notities=NOTITIES.get(code, ""),
        )
        for i, code in enumerate(StapCode.values, start=1)
    ]


def genereer(route_ids: dict[str, int], peildatum: datetime.date) -> None:
    g = {
        u.username: u
        for u in Gebruiker.objects.filter(
            username__in=("demo-beheer-vo", "demo-beheer-mbo", "demo-coordinator")
        )
    }
    eigenaren = [g["demo-beheer-vo"], g["demo-beheer-mbo"], g["demo-coordinator"]]
    bron = Leerroute.objects.get(pk=route_ids["mk_elektro_kb4"])

    # A route in preparation under the same (active) agreement, starting next school year.
    nieuw = Leerroute.objects.create(
        naam="DLR Installatietechniek KB (in voorbereiding)",
        soort=bron.soort,
        overeenkomst_id=bron.overeenkomst_id,
        leerweg=bron.leerweg,
        kwalificatie_id=bron.kwalificatie_id,
        vo_vestiging_id=bron.vo_vestiging_id,
        mbo_vestiging_id=bron.mbo_vestiging_id,
        startdatum=fase.schooljaar_start(fase.schooljaar(peildatum) + 1),
        status=RouteStatus.IN_VOORBEREIDING,
    )
    Stap.objects.bulk_create(
        _stappen(nieuw, 4, eigenaren, peildatum)
        + _stappen(bron, 10, eigenaren, bron.startdatum - datetime.timedelta(days=400))
    )

    # The main route: two school years evaluated, figures frozen as the coordinator of its
    # agreement sees them (only that agreement's routes are counted).
    laatste = fase.schooljaar(peildatum) - 1
    evaluaties = []
    for jaar, (behaald, besluiten) in zip((laatste - 1, laatste), EVALUATIES, strict=True):
        peil = services.evaluatie_peildatum(jaar, peildatum)
        evaluaties.append(
            Evaluatie(
                leerroute=bron,
                schooljaar=jaar,
                peildatum=peil,
                cijfers=cijfers.route_cijfers(g["demo-coordinator"], bron, peil),
                doelen=NOTITIES[StapCode.VISIE_DOELSTELLINGEN],
                behaald=behaald,
                besluiten=besluiten,
                deelnemers="Stuurgroep, kernteam, routecoördinator, vertegenwoordiging leerbedrijven",
                vastgesteld_door=g["demo-coordinator"],
            )
        )
    Evaluatie.objects.bulk_create(evaluaties)
