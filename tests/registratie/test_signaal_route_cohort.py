"""An enrolment corrected to another route or cohort takes its open signals along in the review
queue (Signaal.leerroute and Signaal.cohort follow it, registratie.review.signaal_route); its
closed signals keep the route and cohort they were dealt with under."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registratie import services
from registratie.models import Signaal, SignaalStatus
from samenwerking import afhankelijkheden
from samenwerking.services import opslaan
from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db

D = datetime.date
COHORT = 2025  # route_leerling: vmbo leerjaar 3 on 1 August 2025


def _signaal(inschrijving, sleutel: str, **kwargs) -> Signaal:
    return Signaal.objects.create(
        regel="R-INS-6",
        sleutel=sleutel,
        toelichting="De kanten van de route zijn het oneens.",
        leerling_id=inschrijving.leerling_id,
        inschrijving=inschrijving,
        overeenkomst=inschrijving.leerroute.overeenkomst,
        instelling_id=inschrijving.instelling_id,
        **kwargs,
    )


def _open_en_gesloten(inschrijving) -> tuple[Signaal, Signaal]:
    open_ = _signaal(inschrijving, f"test:open:{inschrijving.pk}")
    gesloten = _signaal(
        inschrijving,
        f"test:gesloten:{inschrijving.pk}",
        status=SignaalStatus.OPGELOST,
        gesloten_op=timezone.now(),
        afhandeling="Opgelost door de school.",
    )
    return open_, gesloten


def _wachtrij(coordinator, **params) -> list[Signaal]:
    client = inloggen(Client(), coordinator)
    antwoord = client.get(reverse("registratie:signalen"), params)
    assert antwoord.status_code == 200
    return list(antwoord.context["pagina"].object_list)


def _per_route(coordinator) -> dict[int, int]:
    client = inloggen(Client(), coordinator)
    antwoord = client.get(reverse("registratie:signalen"))
    return {r["id"]: r["n"] for r in antwoord.context["aantallen"]["per_route"]}


def _signaal_updates(queries) -> list[str]:
    tabel = Signaal._meta.db_table
    return [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and tabel in q["sql"].split(" SET ")[0]
    ]


@pytest.fixture
def app():
    return gebruiker_met_rol("applicatiebeheerder")


def test_a_route_correction_moves_the_open_signal_in_the_queue_and_keeps_the_closed_one(app):
    route = LeerrouteFactory()
    andere = LeerrouteFactory(overeenkomst=route.overeenkomst)
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    vo, _ = route_leerling(route, met_mbo=False)
    open_, gesloten = _open_en_gesloten(vo)

    vo.leerroute = andere
    with CaptureQueriesContext(connection) as queries:
        services.inschrijving_opslaan(inschrijving=vo, door=app, kanaal="api")

    assert len(_signaal_updates(queries)) == 1  # one set-based UPDATE, not a save per signal
    open_.refresh_from_db()
    gesloten.refresh_from_db()
    assert (open_.leerroute_id, open_.cohort) == (andere.pk, COHORT)
    assert (gesloten.leerroute_id, gesloten.cohort) == (route.pk, COHORT)  # history
    # The coordinator finds it under the new route, no longer under the old one.
    assert _wachtrij(coordinator, leerroute=andere.pk) == [open_]
    assert _wachtrij(coordinator, leerroute=route.pk) == []
    assert _per_route(coordinator) == {andere.pk: 1}
    assert _wachtrij(coordinator, leerroute=route.pk, status="opgelost") == [gesloten]


@pytest.mark.parametrize(
    ("veld", "waarde", "cohort"),
    [
        ("startdatum", D(2026, 8, 1), 2026),  # leerjaar 3 began a year later
        ("leerjaar", 4, 2024),  # already in vmbo leerjaar 4 on 1 August 2025
    ],
)
def test_a_cohort_correction_moves_the_open_signal_to_the_new_cohort(app, veld, waarde, cohort):
    vo, _ = route_leerling(met_mbo=False)
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=vo.leerroute.overeenkomst)
    open_, gesloten = _open_en_gesloten(vo)
    assert open_.cohort == gesloten.cohort == COHORT

    setattr(vo, veld, waarde)
    services.inschrijving_opslaan(inschrijving=vo, door=app)

    open_.refresh_from_db()
    gesloten.refresh_from_db()
    assert (open_.leerroute_id, open_.cohort) == (vo.leerroute_id, cohort)
    assert gesloten.cohort == COHORT
    assert _wachtrij(coordinator, cohort=cohort) == [open_]
    assert _wachtrij(coordinator, cohort=COHORT) == []
    assert _wachtrij(coordinator, cohort=COHORT, status="opgelost") == [gesloten]


def test_only_a_route_or_cohort_change_updates_the_signals(app):
    vo, _ = route_leerling(met_mbo=False)
    open_, _gesloten = _open_en_gesloten(vo)

    vo.geplande_einddatum = D(2029, 7, 31)
    with CaptureQueriesContext(connection) as queries:
        opslaan(vo, door=app)
    assert not [q for q in queries if Signaal._meta.db_table in q["sql"]]  # no query on the signals

    vo.leerjaar = 4
    with CaptureQueriesContext(connection) as queries:
        opslaan(vo, door=app)
    assert len(_signaal_updates(queries)) == 1
    open_.refresh_from_db()
    assert open_.cohort == COHORT - 1


def test_a_bundled_step_updates_the_signals_of_all_its_enrolments_at_once(app):
    """Both sides of several students moved in one step (as the admin's inlines and the import
    bundle them): one UPDATE per distinct route and cohort, not one per enrolment."""
    route = LeerrouteFactory()
    andere = LeerrouteFactory(overeenkomst=route.overeenkomst, kwalificatie=route.kwalificatie)
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    paren = [route_leerling(route) for _ in range(3)]
    signalen = [_open_en_gesloten(i) for paar in paren for i in paar]

    with CaptureQueriesContext(connection) as queries, afhankelijkheden.gebundeld():
        for paar in paren:
            for i in sorted(paar, key=lambda i: i.sector != "mbo"):
                i.leerroute = andere
                opslaan(i, door=app)

    assert len(_signaal_updates(queries)) == 2  # the vo sides (cohort 2025) and the mbo sides (none)
    for open_, gesloten in signalen:
        open_.refresh_from_db()
        gesloten.refresh_from_db()
        assert open_.leerroute_id == andere.pk
        assert gesloten.leerroute_id == route.pk
    assert {s.cohort for s, _ in signalen} == {COHORT, None}
    assert sorted(s.pk for s in _wachtrij(coordinator, leerroute=andere.pk)) == sorted(
        s.pk for s, _ in signalen
    )
    assert _wachtrij(coordinator, leerroute=route.pk) == []
