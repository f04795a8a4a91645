"""Monitoring (R-MON-2): each student counts once per route and cohort, also when the vo- and the
mbo-registration disagree (that shows as its own column); the nightly fase check stores the
figures the page reads for today."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registratie import checks, selectors
from registratie.models import Inschrijving, MonitoringCijfer
from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db

D = datetime.date
PEIL = D(2025, 10, 1)  # the route students below started on 1 August 2025


@pytest.fixture
def route():
    return LeerrouteFactory()


def _rij(user, route, **kwargs):
    [rij] = [r for r in selectors.monitoring(user, **kwargs) if r.leerroute.pk == route.pk]
    return rij


def test_a_student_whose_registrations_disagree_counts_once_under_its_own_column(route):
    route_leerling(route)  # agree: vo-fase on both sides
    _vo, mbo = route_leerling(route)
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")  # R-INS-6: the sides disagree
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)

    rij = _rij(coordinator, route, peildatum=PEIL)
    assert (rij.instroom, rij.in_vo_fase, rij.in_mbo_fase, rij.oneens) == (2, 1, 0, 1)
    assert rij.in_vo_fase + rij.in_mbo_fase + rij.oneens == rij.instroom

    page = Client()
    inloggen(page, coordinator)
    html = page.get(reverse("registratie:monitoring"), {"datum": PEIL.isoformat()}).content.decode()
    assert "Registraties oneens" in html


def test_a_student_with_one_side_running_counts_in_that_sides_fase(route):
    vo, mbo = route_leerling(route)
    Inschrijving.objects.filter(pk=vo.pk).update(einddatum=D(2025, 9, 1), reden_einde="glr_mbo_fase")
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")
    rij = _rij(gebruiker_met_rol("applicatiebeheerder"), route, peildatum=PEIL)
    assert (rij.instroom, rij.in_vo_fase, rij.in_mbo_fase, rij.oneens) == (1, 0, 1, 0)


def test_the_page_for_today_shows_what_the_nightly_check_stored(route):
    """Without a chosen date the page reads the stored figures (and says when they were made);
    a change after the run shows on the next run, or at once with a chosen date."""
    route_leerling(route)
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    vandaag = timezone.localdate()
    checks.check_phases(peildatum=vandaag)
    assert MonitoringCijfer.objects.filter(peildatum=vandaag, leerroute=route).exists()
    gerekend = _rij(coordinator, route, peildatum=vandaag)
    opgeslagen = _rij(coordinator, route)
    assert vars(opgeslagen) == vars(gerekend)

    route_leerling(route)  # a new student after the nightly run
    assert _rij(coordinator, route).instroom == 1
    assert _rij(coordinator, route, peildatum=vandaag).instroom == 2

    client = Client()
    inloggen(client, coordinator)
    html = client.get(reverse("registratie:monitoring")).content.decode()
    assert "Cijfers van de nachtelijke fasecontrole" in html


def test_stored_figures_are_scoped_like_the_routes(route):
    route_leerling(route)
    andere = LeerrouteFactory()
    route_leerling(andere)
    checks.check_phases(peildatum=timezone.localdate())
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    assert {r.leerroute.pk for r in selectors.monitoring(coordinator)} == {route.pk}
