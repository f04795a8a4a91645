"""Route year, fase and responsibilities on a date (R-INS-1, R-INS-7, R-INS-8, R-INS-9): the
function, its database twin, the student's page and the API."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from leerroute.models import LeerjaarProgramma, Programmaonderdeel
from registratie import fase
from registratie.models import Fasewissel, Inschrijving
from tests.factories import (
    InschrijvingFactory,
    LeerrouteFactory,
    gebruiker_met_rol,
    route_leerling,
)
from tests.login import inloggen

D = datetime.date


# --- arithmetic ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("datum", "verwacht"),
    [
        (D(2027, 7, 31), D(2027, 8, 1)),
        (D(2027, 8, 1), D(2027, 8, 1)),
        (D(2027, 8, 2), D(2028, 8, 1)),
        (D(2027, 1, 1), D(2027, 8, 1)),
    ],
)
def test_komende_schooljaarstart(datum, verwacht):
    assert fase.komende_schooljaarstart(datum) == verwacht


@given(
    start=st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31)),
    leerjaar=st.integers(min_value=3, max_value=6),
    datum=st.dates(min_value=D(2015, 1, 1), max_value=D(2040, 12, 31)),
)
def test_routestartjaar_gives_the_same_route_year_as_routejaar(start, leerjaar, datum):
    rsj = fase.routestartjaar(start, leerjaar)
    assert fase.schooljaar(datum) - rsj + 1 == fase.routejaar(start, leerjaar, datum)
    assert fase.schooljaar_start(rsj + fase.VO_FASE_JAREN) == fase.mbo_fase_start(start, leerjaar)


@pytest.mark.django_db
def test_database_expressions_match_the_python_arithmetic():
    i = InschrijvingFactory()
    for start in [
        D(2024, m, d)
        for m in range(1, 13)
        for d in (1, 31)
        if (m, d) not in {(2, 31), (4, 31), (6, 31), (9, 31), (11, 31)}
    ]:
        for leerjaar in (3, 4, 5, 6):
            Inschrijving.objects.filter(pk=i.pk).update(startdatum=start, leerjaar=leerjaar)
            row = (
                Inschrijving.objects.filter(pk=i.pk)
                .annotate(sj=fase.schooljaar_expr("startdatum"), rsj=fase.routestartjaar_expr())
                .values("sj", "rsj")
                .get()
            )
            assert row["sj"] == fase.schooljaar(start), start
            assert row["rsj"] == fase.routestartjaar(start, leerjaar), (start, leerjaar)


# --- situatie --------------------------------------------------------------------------------------


@pytest.fixture
def student(db):
    """GLR student: vmbo leerjaar 3 on 1 August 2025; mbo-fase from 1 August 2027."""
    vo, mbo = route_leerling()
    return vo, mbo


def test_situatie_in_the_vo_fase(student):
    vo, _mbo = student
    s = fase.situatie(vo.leerling, D(2026, 3, 1))
    o = vo.leerroute.overeenkomst
    assert s.in_route and s.status == fase.STATUS_IN_ROUTE
    assert (s.routejaar, s.vmbo_leerjaar, s.fase) == (1, 3, "vo")
    assert s.mbo_fase_start == D(2027, 8, 1)
    assert s.verzuimmelding == o.vo_instelling  # R-INS-7
    assert s.bekostiging == o.vo_instelling  # R-INS-8
    assert s.bpv == o.mbo_instelling  # always the mbo
    assert s.studiefinanciering is False and s.reisproduct is False  # R-INS-9
    assert "WVO" in s.wet
    assert s.geregistreerde_fase == {"vo": "vo", "mbo": "vo"}
    assert s.afwijkingen == ()
    assert {t.code for t in s.taken} >= {"verzuimmelding", "bpv", "bekostiging", "onderwijs"}
    diplomas = {t.code: t for t in s.diplomas}
    assert diplomas["diploma_mbo"].instelling == o.mbo_instelling
    assert "niet verplicht" in diplomas["diploma_vmbo"].toelichting  # GLR


def test_situatie_in_the_mbo_fase_follows_the_settings(student, settings):
    vo, _mbo = student
    settings.LEERROUTE_MBO_STUDIEFINANCIERING = False
    settings.LEERROUTE_MBO_REISPRODUCT = True
    s = fase.situatie(vo.leerling, D(2027, 9, 1))
    o = vo.leerroute.overeenkomst
    assert (s.routejaar, s.fase) == (3, "mbo")
    assert s.verzuimmelding == o.mbo_instelling
    assert s.bekostiging == o.mbo_instelling
    assert s.studiefinanciering is False and s.reisproduct is True
    assert "WEB" in s.wet
    # Both enrolments are still registered in the vo-fase: the page says so.
    assert len(s.afwijkingen) == 2

    settings.LEERROUTE_MBO_STUDIEFINANCIERING = True
    assert fase.situatie(vo.leerling, D(2027, 9, 1)).studiefinanciering is True


def test_situatie_reads_the_registered_fase_through_the_fasewissels(student):
    vo, mbo = student
    for i in (vo, mbo):
        Fasewissel.objects.create(inschrijving=i, van_fase="vo", naar_fase="mbo", ingangsdatum=D(2027, 8, 1))
        Inschrijving.objects.filter(pk=i.pk).update(fase="mbo")
    assert fase.situatie(vo.leerling, D(2027, 7, 31)).geregistreerde_fase == {"vo": "vo", "mbo": "vo"}
    na = fase.situatie(vo.leerling, D(2027, 8, 1))
    assert na.geregistreerde_fase == {"vo": "mbo", "mbo": "mbo"}
    assert na.afwijkingen == ()


def test_situatie_before_and_after_the_route(student):
    vo, mbo = student
    assert fase.situatie(vo.leerling, D(2024, 9, 1)).status == fase.STATUS_VOOR_ROUTE
    Inschrijving.objects.filter(pk__in=[vo.pk, mbo.pk]).update(
        einddatum=D(2026, 1, 31), reden_einde="overstap"
    )
    assert fase.situatie(vo.leerling, D(2026, 3, 1)).status == fase.STATUS_NIET_INGESCHREVEN


def test_situatie_names_who_examines_each_part_from_the_programme(student):
    vo, _mbo = student
    programma = LeerjaarProgramma.objects.create(leerroute=vo.leerroute, routejaar=1, beschrijving="PTA/OER")
    Programmaonderdeel.objects.create(programma=programma, naam="Nederlands", examinering_door="vo")
    Programmaonderdeel.objects.create(
        programma=programma, naam="Beroepsgerichte taak", examinering_door="mbo", teambevoegdheid=True
    )
    s = fase.situatie(vo.leerling, D(2025, 10, 1))
    examen = {t.omschrijving: t for t in s.examinering}
    o = vo.leerroute.overeenkomst
    assert examen["Nederlands"].instelling == o.vo_instelling
    assert examen["Beroepsgerichte taak"].instelling == o.mbo_instelling
    assert "teambevoegdheid" in examen["Beroepsgerichte taak"].toelichting


def test_dlr_student_needs_both_diplomas(db):
    vo, _mbo = route_leerling(LeerrouteFactory(dlr4=True))
    diplomas = {t.code: t for t in fase.situatie(vo.leerling, D(2025, 10, 1)).diplomas}
    assert "verplicht" in diplomas["diploma_vmbo"].toelichting
    assert "niveau 4" in diplomas["diploma_mbo"].omschrijving


# --- the student's page and the API -----------------------------------------------------------------


def test_student_page_shows_today_and_a_chosen_date_with_the_bsn_masked(student, client):
    vo, _mbo = student
    user = gebruiker_met_rol("coordinator", overeenkomst=vo.leerroute.overeenkomst)
    inloggen(client, user)
    url = reverse("registratie:leerling", args=[vo.leerling.pk])
    response = client.get(url, {"datum": "2027-09-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert vo.leerling.bsn not in html
    assert vo.leerling.bsn[-3:] in html
    assert "Situatie op 1 september 2027" in html
    assert response.context["gekozen"].fase == "mbo"
    assert response.context["vandaag"].datum == datetime.date.today()


def test_student_page_is_404_outside_scope(student, client):
    vo, _ = student
    other = LeerrouteFactory()
    inloggen(client, gebruiker_met_rol("beheerder", instelling=other.overeenkomst.vo_instelling))
    assert client.get(reverse("registratie:leerling", args=[vo.leerling.pk])).status_code == 404


def test_api_situatie_for_a_chosen_date(student, client):
    vo, _ = student
    inloggen(client, gebruiker_met_rol("beheerder", instelling=vo.leerroute.overeenkomst.vo_instelling))
    url = f"/api/leerlingen/{vo.leerling.pk}/situatie/"
    data = client.get(url, {"datum": "2027-09-01"}).json()
    o = vo.leerroute.overeenkomst
    assert data["routejaar"] == 3 and data["fase"] == "mbo"
    assert data["verzuimmelding"]["id"] == o.mbo_instelling_id
    assert data["bpv"]["brin"] == o.mbo_instelling.brin
    assert data["mbo_fase_start"] == "2027-08-01"
    today = client.get(url).json()
    assert today["datum"] == datetime.date.today().isoformat()

    bad = client.get(url, {"datum": "1-13-2027"})
    assert bad.status_code == 400
    assert bad.json()["invalidParams"][0]["name"] == "datum"


def test_api_situatie_is_404_outside_scope(student, client):
    vo, _ = student
    inloggen(client, gebruiker_met_rol("beheerder", instelling=LeerrouteFactory().overeenkomst.vo_instelling))
    assert client.get(f"/api/leerlingen/{vo.leerling.pk}/situatie/").status_code == 404
