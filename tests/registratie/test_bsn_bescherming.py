"""DOMAIN.md 'Identifiers' (issue 5, item 4): a BSN is masked in lists and screens by default,
revealed on request and logged, found by exact match, and never in a URL or a log line."""

import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registratie.models import Leerling
from samenwerking.logfilter import maskeer_nummers
from samenwerking.models import AuditRegel
from tests.factories import LeerlingFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db

BSN = "123456782"
MASKER = "••••••782"


@pytest.fixture
def leerling():
    vo, _mbo = route_leerling(leerling=LeerlingFactory(bsn=BSN, achternaam="Jansen"))
    return vo.leerling


@pytest.fixture
def route(leerling):
    return leerling.inschrijvingen.first().leerroute


def _beheerder(route, kant="vo"):
    instelling = route.overeenkomst.vo_instelling if kant == "vo" else route.overeenkomst.mbo_instelling
    return gebruiker_met_rol("beheerder", instelling=instelling)


def test_student_list_and_page_show_the_number_masked(client, leerling, route):
    inloggen(client, _beheerder(route))
    lijst = client.get(reverse("registratie:leerlingen")).content.decode()
    pagina = client.get(reverse("registratie:leerling", args=[leerling.pk])).content.decode()
    for html in (lijst, pagina):
        assert "Jansen" in html and MASKER in html and BSN not in html
    assert not AuditRegel.objects.filter(actie="view_bsn").exists()


def test_beheerder_reveals_the_bsn_by_post_and_the_view_is_logged(client, leerling, route):
    user = _beheerder(route, "mbo")  # the partner school needs it too, to enrol and deliver
    inloggen(client, user)
    url = reverse("registratie:leerling-nummer", args=[leerling.pk])
    assert BSN not in url
    response = client.post(url)
    assert response.status_code == 200
    assert BSN in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    regel = AuditRegel.objects.get(actie="view_bsn")
    assert (regel.gebruiker, regel.kanaal, regel.object_id) == (user, "ui", str(leerling.pk))
    assert BSN not in str(regel.oud) + str(regel.nieuw) + regel.object_repr


def test_reveal_needs_post(client, leerling, route):
    inloggen(client, _beheerder(route))
    assert client.get(reverse("registratie:leerling-nummer", args=[leerling.pk])).status_code == 405
    assert not AuditRegel.objects.filter(actie="view_bsn").exists()


@pytest.mark.parametrize("rol", ["coordinator", "lezer"])
def test_coordinator_and_reader_cannot_reveal(client, leerling, route, rol):
    if rol == "coordinator":
        user = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    else:
        user = gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling)
    inloggen(client, user)
    pagina = client.get(reverse("registratie:leerling", args=[leerling.pk])).content.decode()
    assert "Volledig nummer tonen" not in pagina
    response = client.post(reverse("registratie:leerling-nummer", args=[leerling.pk]))
    assert response.status_code == 403
    assert BSN not in response.content.decode()
    assert not AuditRegel.objects.filter(actie="view_bsn").exists()


def test_reveal_of_a_student_of_another_school_is_404(client, leerling):
    vreemde = gebruiker_met_rol("beheerder", instelling=route_leerling()[0].instelling)
    inloggen(client, vreemde)
    assert client.post(reverse("registratie:leerling-nummer", args=[leerling.pk])).status_code == 404
    assert not AuditRegel.objects.filter(actie="view_bsn").exists()


def test_search_by_number_is_a_post_and_finds_only_within_scope(client, leerling, route):
    url = reverse("registratie:leerling-zoeken-nummer")
    inloggen(client, _beheerder(route))
    response = client.post(url, {"nummer": f" {BSN} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("registratie:leerling", args=[leerling.pk])
    assert BSN not in response["Location"]

    vreemde = gebruiker_met_rol("beheerder", instelling=route_leerling()[0].instelling)
    inloggen(client, vreemde)
    response = client.post(url, {"nummer": BSN})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geen leerling met dit nummer" in html
    assert BSN not in html  # the typed number is not written back into the page


def test_search_by_number_names_the_field_on_bad_input(client, leerling, route):
    inloggen(client, _beheerder(route))
    html = client.post(reverse("registratie:leerling-zoeken-nummer"), {"nummer": "12ab"}).content.decode()
    assert "Vul de 9 cijfers van het BSN of onderwijsnummer in." in html


def test_a_bsn_typed_into_the_name_search_is_not_searched_or_echoed(client, leerling, route):
    inloggen(client, _beheerder(route))
    response = client.get(reverse("registratie:leerlingen"), {"zoek": BSN}, follow=True)
    html = response.content.decode()
    assert "Zoeken op nummer" in html and f'value="{BSN}"' not in html


def test_admin_change_form_does_not_show_the_stored_bsn_and_keeps_it_when_left_empty(client, leerling, route):
    inloggen(client, _beheerder(route))
    url = f"/beheer/registratie/leerling/{leerling.pk}/change/"
    html = client.get(url).content.decode()
    assert BSN not in html and MASKER in html
    data = {
        "instelling": leerling.instelling_id,
        "bsn": "",
        "onderwijsnummer": "",
        "voornamen": leerling.voornamen,
        "voorletters": leerling.voorletters,
        "roepnaam": leerling.roepnaam,
        "tussenvoegsel": "",
        "achternaam": "Jansen-de Vries",
        "geboortedatum": leerling.geboortedatum.isoformat(),
        "inschrijvingen-TOTAL_FORMS": "0",
        "inschrijvingen-INITIAL_FORMS": "0",
        "inschrijvingen-MIN_NUM_FORMS": "0",
        "inschrijvingen-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    leerling.refresh_from_db()
    assert (leerling.bsn, leerling.achternaam) == (BSN, "Jansen-de Vries")


def test_admin_refuses_a_bsn_as_search_term(client, leerling, route):
    inloggen(client, _beheerder(route))
    html = client.get("/beheer/registratie/leerling/", {"q": BSN}, follow=True).content.decode()
    assert "Zoek hier niet op BSN" in html
    assert "Jansen" not in html.split("Zoek hier niet op BSN")[1]


def test_api_sends_numbers_masked_and_finds_by_post(leerling, route):
    api = APIClient()
    inloggen(api, _beheerder(route))
    detail = api.get(f"/api/leerlingen/{leerling.pk}/").json()
    assert detail["bsn"] == MASKER
    gevonden = api.post("/api/leerlingen/zoeken/", {"nummer": BSN}, format="json")
    assert gevonden.status_code == 200 and gevonden.json()["id"] == leerling.pk
    assert BSN not in gevonden.content.decode()
    fout = api.post("/api/leerlingen/zoeken/", {"nummer": "12"}, format="json")
    assert fout.status_code == 400
    assert fout.json()["invalidParams"][0]["name"] == "nummer"
    anders = api.post(
        "/api/leerlingen/zoeken/", {"nummer": "111222333"}, format="json"
    )  # valid, but nobody has it
    assert anders.status_code == 404


def test_onderwijsnummer_is_masked_too(client):
    vo, _ = route_leerling(leerling=LeerlingFactory(bsn=None, onderwijsnummer="101234564"))
    assert Leerling.objects.get(pk=vo.leerling_id).onderwijsnummer == "101234564"
    inloggen(client, _beheerder(vo.leerroute))
    html = client.get(reverse("registratie:leerling", args=[vo.leerling_id])).content.decode()
    assert "101234564" not in html and "••••••564" in html


def test_log_lines_never_carry_a_bsn(caplog, client, leerling, route):
    assert maskeer_nummers(f"BSN {BSN} en volgnummer 123456789") == f"BSN {MASKER} en volgnummer 123456789"
    handler = logging.getLogger().handlers[0]  # the configured console handler, with the filter
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "leerling %s niet gevonden", (BSN,), None)
    assert all(f.filter(record) for f in handler.filters)
    assert BSN not in handler.format(record) and MASKER in handler.format(record)
