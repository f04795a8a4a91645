"""The agreement screens (issue 12, item 2): start one with the guided form, see the R-SOK-2
checklist, be refused activation with the missing elements named, complete and activate."""

import pytest
from django.test import Client
from django.urls import reverse

from samenwerking.models import AuditRegel, Samenwerkingsovereenkomst
from tests.factories import InstellingFactory, OvereenkomstFactory, gebruiker_met_rol
from tests.login import inloggen

pytestmark = pytest.mark.django_db

ONDERDELEN = {
    "inhoud_leerroute": "Techniek BB-2",
    "dagelijkse_leiding": "Stuurgroep",
    "betrokkenheid_bedrijfsleven": "Leerbedrijven",
    "overstapoptie": "Begeleide overstap",
    "medezeggenschap": "MR en SR",
    "advies_medezeggenschap": "Positief advies",
    "financiele_afspraken": "Bekostiging volgt inschrijving",
    "dekt_volledige_route": "on",
}


def _client(user) -> Client:
    return inloggen(Client(), user)


def test_one_board_is_offered_an_interne_regeling_and_a_leerwerktraject_its_own_agreement():
    aoc = InstellingFactory(aoc=True)
    beheerder = gebruiker_met_rol("beheerder", instelling=aoc)
    data = {
        "naam": "Regeling Groen",
        "vo_instelling": aoc.pk,
        "mbo_instelling": aoc.pk,
        "onderwerp": "leerwerktraject",
        "soort": "",
        "ingangsdatum": "2025-08-01",
    }
    response = _client(beheerder).post(reverse("overeenkomsten:nieuw"), data)

    o = Samenwerkingsovereenkomst.objects.get(naam="Regeling Groen")
    assert response.status_code == 302
    assert (o.soort, o.onderwerp, o.status) == ("intern", "leerwerktraject", "concept")
    assert AuditRegel.objects.filter(model="samenwerking.Samenwerkingsovereenkomst", kanaal="ui").exists()


def test_a_sok_between_one_board_names_r_sok_1_beside_the_field():
    aoc = InstellingFactory(aoc=True)
    beheerder = gebruiker_met_rol("beheerder", instelling=aoc)
    data = {
        "naam": "X",
        "vo_instelling": aoc.pk,
        "mbo_instelling": aoc.pk,
        "onderwerp": "leerroute",
        "soort": "sok",
        "ingangsdatum": "2025-08-01",
    }
    response = _client(beheerder).post(reverse("overeenkomsten:nieuw"), data)
    assert response.status_code == 400
    assert 'id="id_soort_fout"' in response.content.decode() and "R-SOK-1" in response.content.decode()
    assert not Samenwerkingsovereenkomst.objects.filter(naam="X").exists()


def test_activation_is_refused_with_the_missing_elements_named_then_succeeds():
    o = OvereenkomstFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=o.vo_instelling)
    client = _client(beheerder)

    pagina = client.get(reverse("overeenkomsten:detail", args=[o.pk])).content.decode()
    assert "ontbreekt" in pagina and "overstapoptie" in pagina

    response = client.post(reverse("overeenkomsten:activeren", args=[o.pk]), follow=True)
    assert "R-SOK-2" in response.content.decode() and "overstapoptie" in response.content.decode()
    o.refresh_from_db()
    assert o.status == "concept"

    client.post(reverse("overeenkomsten:onderdelen", args=[o.pk]), ONDERDELEN)
    client.post(reverse("overeenkomsten:activeren", args=[o.pk]))
    o.refresh_from_db()
    assert o.status == "actief" and o.overstapoptie == "Begeleide overstap"


def test_a_coordinator_sees_the_agreement_but_may_not_activate_it():
    o = OvereenkomstFactory()
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=o)
    client = _client(coordinator)
    assert client.get(reverse("overeenkomsten:detail", args=[o.pk])).status_code == 200
    assert client.post(reverse("overeenkomsten:activeren", args=[o.pk])).status_code == 403
