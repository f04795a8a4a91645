"""The API keys screen: a beheerder makes a key for its instelling (shown once), it works in the
API for that instelling only, and revoking it ends it; other roles cannot reach the screen."""

import re

import pytest
from rest_framework.test import APIClient

from samenwerking.models import ApiSleutel, AuditRegel
from tests.factories import InstellingFactory, OvereenkomstFactory, gebruiker_met_rol
from tests.login import inloggen

pytestmark = pytest.mark.django_db


def test_a_beheerder_makes_a_key_sees_it_once_and_revokes_it(client):
    school = InstellingFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=school)
    inloggen(client, beheerder)
    r = client.post("/api-sleutels/", {"instelling": school.pk, "naam": "Magister", "bevoegdheid": "lezen"})
    assert r.status_code == 200
    sleutel = re.search(r'<code id="nieuwe-sleutel">([^<]+)</code>', r.content.decode()).group(1)
    rij = ApiSleutel.objects.get(naam="Magister")
    assert rij.sleutel_hash != sleutel and sleutel not in str(ApiSleutel.objects.values().get())
    # Shown once: the list afterwards names the key, not the key itself.
    assert sleutel not in client.get("/api-sleutels/").content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {sleutel}")
    assert api.get("/api/v1/leerlingen/").status_code == 200
    assert client.post(f"/api-sleutels/{rij.pk}/intrekken/").status_code == 302
    assert api.get("/api/v1/leerlingen/").status_code == 401
    assert AuditRegel.objects.filter(model="samenwerking.ApiSleutel", object_id=str(rij.pk)).count() == 2


def test_a_key_for_another_instelling_is_refused(client):
    eigen, ander = InstellingFactory(), InstellingFactory()
    inloggen(client, gebruiker_met_rol("beheerder", instelling=eigen))
    r = client.post("/api-sleutels/", {"instelling": ander.pk, "naam": "X", "bevoegdheid": "lezen-schrijven"})
    assert r.status_code == 400
    assert not ApiSleutel.objects.exists()


@pytest.mark.parametrize("rol", ["lezer", "coordinator"])
def test_other_roles_cannot_open_the_screen(client, rol):
    school = InstellingFactory()
    if rol == "lezer":
        user = gebruiker_met_rol(rol, instelling=school)
    else:
        user = gebruiker_met_rol(rol, overeenkomst=OvereenkomstFactory(vo_instelling=school))
    inloggen(client, user)
    assert client.get("/api-sleutels/").status_code == 403
