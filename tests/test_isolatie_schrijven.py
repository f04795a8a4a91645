"""Isolation of writes whose target is a choice: creating an enrolment (API) or an uitstroom (admin)
with a student, route or instelling of the other side is refused and stores nothing; creating
needs a role that changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leerroute.models import Leerroute
from registratie.models import Inschrijving, Leerling, Uitstroom
from tests.isolatie_bezoek import client_voor

# --- writes whose target is a choice of another instelling --------------------------------------------


def _inschrijving_data(w, *, leerling, leerroute, instelling) -> dict:
    return {
        "leerling": leerling.pk,
        "leerroute": leerroute.pk,
        "sector": "vo",
        "instelling": instelling.pk,
        "inschrijvingsvolgnummer": "MATRIX-1",
        "opleidingskenmerk": "GLR",
        "fase": "vo",
        "startdatum": "2025-08-01",
        "leerjaar": 3,
        "leerweg": "BB",
    }


@pytest.mark.parametrize(
    ("veld", "b_object"),
    [("leerroute", "leerroute"), ("leerling", "leerling"), ("instelling", "vo")],
)
def test_api_create_with_a_choice_of_the_other_side_is_refused(wereld, db, veld, b_object):
    w = wereld
    data = _inschrijving_data(w, leerling=w.a.leerling, leerroute=w.a.leerroute, instelling=w.a.vo)
    data[veld] = getattr(w.b, b_object).pk
    voor = Inschrijving.objects.count()
    r = client_voor(w, "beheerder_vo_a").post(reverse("inschrijving-list"), data, format="json")
    assert r.status_code == 400, r.content
    assert veld in {p["name"] for p in r.json()["invalidParams"]}
    assert Inschrijving.objects.count() == voor


@pytest.mark.parametrize("rol", ["lezer_vo_a", "coordinator_a", "zonder_rol"])
def test_api_create_needs_a_role_that_changes(wereld, db, rol):
    w = wereld
    data = _inschrijving_data(w, leerling=w.a.leerling, leerroute=w.a.leerroute, instelling=w.a.vo)
    voor = Inschrijving.objects.count()
    r = client_voor(w, rol).post(reverse("inschrijving-list"), data, format="json")
    assert r.status_code == 403
    assert Inschrijving.objects.count() == voor


def test_admin_add_with_a_student_of_the_other_side_is_refused(wereld, db):
    w = wereld
    voor = Uitstroom.objects.count()
    r = client_voor(w, "beheerder_vo_a").post(
        reverse("admin:registratie_uitstroom_add"),
        {
            "leerling": w.b.leerling.pk,
            "leerroute": w.b.leerroute.pk,
            "datum": "2025-10-01",
            "reden": "stopt",
            "bestemming": "mbo",
        },
    )
    assert r.status_code in (200, 403)
    assert Uitstroom.objects.count() == voor
    assert not Leerroute.objects.filter(pk=w.b.leerroute.pk, uitstroom__datum="2025-10-01").exists()
    assert Leerling.objects.filter(pk=w.b.leerling.pk).exists()
