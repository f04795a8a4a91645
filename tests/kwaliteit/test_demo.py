"""The demo data holds one route in preparation (seen on both schools' home pages) and one route
with a finished step plan, two years of evaluations and a dossier with content."""

import pytest
from django.urls import reverse

from kwaliteit.models import Evaluatie
from leerroute.models import Leerroute
from registratie import demo
from samenwerking.models import Gebruiker
from tests.login import inloggen

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_route_in_preparation_and_one_with_two_evaluations(client):
    demo.genereer(studenten=50, seed=3)
    voorbereiding = Leerroute.objects.get(status="in_voorbereiding")
    assert voorbereiding.stappen.count() == 10 and voorbereiding.stappen.filter(status="gereed").count() == 4
    evaluaties = list(Evaluatie.objects.order_by("schooljaar"))
    assert len(evaluaties) == 2 and evaluaties[0].leerroute == evaluaties[1].leerroute
    assert [e.schooljaar for e in evaluaties] == [2024, 2025]
    assert all(sum(c["instroom"] for c in e.cijfers) > 0 for e in evaluaties)

    for username in ("demo-beheer-vo", "demo-beheer-mbo"):
        inloggen(client, Gebruiker.objects.get(username=username))
        inhoud = client.get(reverse("home")).content.decode()
        assert voorbereiding.naam in inhoud and "4 van 10 stappen" in inhoud
    r = client.get(reverse("kwaliteit:dossier-pdf", args=[evaluaties[0].leerroute_id]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
