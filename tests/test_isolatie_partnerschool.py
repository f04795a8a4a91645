"""Isolation beyond the URL matrix, for a student two cooperations' schools share: the partner
school sees what the route needs of a shared student, and no more (not the vo-school's student in
another route, not where a shared student went next)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from registratie.models import Inschrijving
from tests.isolatie_bezoek import _api_ids, _inhoud, client_voor

# --- "the partner school sees what the route needs of a shared student, and no more" ------------------


def _partner(w) -> APIClient:
    return client_voor(w, "beheerder_mbo_a")


def test_the_partner_school_sees_the_shared_route_student(wereld, db):
    w, c = wereld, _partner(wereld)
    lijst = _inhoud(c.get(reverse("registratie:leerlingen")))
    assert w.a.leerling.achternaam in lijst
    r = c.get(reverse("registratie:leerling", args=[w.a.leerling.pk]))
    assert r.status_code == 200
    inhoud = _inhoud(r)
    assert w.a.leerroute.naam in inhoud and "Vmbo Noord" in inhoud and "ROC Noord" in inhoud
    assert set(r.context["inschrijvingen"]) == {w.a.inschrijving, w.a.mbo_inschrijving}
    api = c.get(reverse("inschrijving-list"), {"leerroute": w.a.leerroute.pk})
    assert {w.a.inschrijving.pk, w.a.mbo_inschrijving.pk} <= set(_api_ids(api))
    assert c.get(reverse("leerling-detail", args=[w.a.leerling.pk])).json()["achternaam"] == "Noordeling"


def test_the_partner_school_does_not_see_the_vo_schools_student_in_another_route(wereld, db):
    """Oosterling is a Vmbo Noord student in Route Oost (with ROC Oost): ROC Noord's beheerder
    finds them nowhere; Vmbo Noord's beheerder does."""
    w, c = wereld, _partner(wereld)
    o = w.oosterling
    assert "Oosterling" not in _inhoud(c.get(reverse("registratie:leerlingen")))
    assert c.get(reverse("registratie:leerling", args=[o.pk])).status_code == 404
    assert c.get(reverse("leerling-detail", args=[o.pk])).status_code == 404
    assert c.get(reverse("leerling-situatie", args=[o.pk])).status_code == 404
    assert o.pk not in _api_ids(c.get(reverse("leerling-list")))
    oost_ids = set(Inschrijving.objects.filter(leerling=o).values_list("pk", flat=True))
    assert not oost_ids & set(_api_ids(c.get(reverse("inschrijving-list"))))
    assert "Oosterling" not in _inhoud(c.get(reverse("admin:registratie_leerling_changelist")))
    assert "Route Oost" not in _inhoud(c.get(reverse("admin:registratie_inschrijving_changelist")))
    assert c.get(reverse("admin:registratie_leerling_change", args=[o.pk])).status_code == 404

    eigen = client_voor(w, "beheerder_vo_a")
    assert eigen.get(reverse("registratie:leerling", args=[o.pk])).status_code == 200
    assert o.pk in _api_ids(eigen.get(reverse("leerling-list")))


def test_the_partner_school_does_not_see_where_a_shared_student_went_next(wereld, db):
    """Wisselaar left Route Noord (shared with ROC Noord) for Route Oost (with ROC Oost). ROC
    Noord keeps seeing the shared history, but not the enrolment with ROC Oost: not on the
    student's page, not in the API's situation, not in the admin. (The admin's choice lists name
    every instelling, public data, so there only the route and the enrolment are looked for.)"""
    w, c = wereld, _partner(wereld)
    s = w.wisselaar
    route, school, volgnummer = "Route Oost", "ROC Oost", w.wisselaar_oost_vo.inschrijvingsvolgnummer
    lekken = []

    r = c.get(reverse("registratie:leerling", args=[s.pk]))
    assert r.status_code == 200 and w.a.leerroute.naam in _inhoud(r)
    lekken += [f"leerlingpagina toont {t!r}" for t in (route, school, volgnummer) if t in _inhoud(r)]

    situatie = c.get(reverse("leerling-situatie", args=[s.pk]))
    assert situatie.status_code == 200
    if situatie.json()["leerroute"] == w.route_oost.pk:
        lekken.append("API situatie noemt de andere route")
    lekken += [f"API situatie toont {t!r}" for t in (school, volgnummer) if t in _inhoud(situatie)]

    if w.wisselaar_oost_vo.pk in _api_ids(c.get(reverse("inschrijving-list"))):
        lekken.append("API inschrijvingen toont de inschrijving bij ROC Oost")
    if c.get(reverse("inschrijving-detail", args=[w.wisselaar_oost_vo.pk])).status_code != 404:
        lekken.append("API inschrijving bij ROC Oost is te openen")
    beheer = c.get(reverse("admin:registratie_leerling_change", args=[s.pk]))
    assert beheer.status_code == 200
    lekken += [f"beheer: leerling toont {t!r}" for t in (route, volgnummer) if t in _inhoud(beheer)]
    assert lekken == []
