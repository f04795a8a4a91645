"""R-MON-2: a yearly evaluation freezes the monitoring figures; earlier years stay readable side by
side. R-MON-1: the inspection dossier, by standard, as a screen and a PDF, with counts only."""

import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kwaliteit import dossier, pdf, services
from kwaliteit.models import Evaluatie
from leerroute.models import LeerjaarProgramma, Programmaonderdeel
from registratie.models import Uitstroom
from samenwerking.models import AuditRegel
from tests.conftest import missing_service
from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db
VANDAAG = datetime.date(2026, 10, 1)


def _route_met_leerlingen(n: int = 3):
    route = LeerrouteFactory(naam="GLR Techniek BB")
    for _ in range(n):
        route_leerling(route, leerling__achternaam="Vandenbroek")
    return route


def _vastleggen(route, jaar, door, **kwargs):
    return services.evaluatie_vastleggen(
        evaluatie=Evaluatie(leerroute=route, schooljaar=jaar, **kwargs), door=door, vandaag=VANDAAG
    )


def test_an_evaluation_freezes_the_figures_of_its_school_year():
    route = _route_met_leerlingen(3)
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    e = _vastleggen(route, 2025, coordinator, doelen="90% naar de mbo-fase", besluiten="BPV eerder")
    assert e.peildatum == datetime.date(2026, 7, 31)
    assert [c["instroom"] for c in e.cijfers] == [3] and e.cijfers[0]["cohort_label"] == "2025-2026"
    assert AuditRegel.objects.filter(model="kwaliteit.Evaluatie", gebruiker=coordinator).exists()

    route_leerling(route)  # a later student does not change the frozen figures
    e.refresh_from_db()
    assert [c["instroom"] for c in e.cijfers] == [3]
    e.besluiten = "BPV eerder; mentoraat uitbreiden"
    e.cijfers = [{"instroom": 999}]  # an edit never rewrites the frozen figures
    services.evaluatie_bijwerken(evaluatie=e, door=coordinator)
    e.refresh_from_db()
    assert e.besluiten.endswith("uitbreiden") and [c["instroom"] for c in e.cijfers] == [3]


def test_R_MON_2_one_evaluation_per_school_year_and_not_before_it_began():
    route = _route_met_leerlingen(1)
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    _vastleggen(route, 2025, beheerder)
    for jaar in (2025, 2027):
        with pytest.raises(ValidationError) as exc:
            _vastleggen(route, jaar, beheerder)
        assert "R-MON-2" in " ".join(exc.value.message_dict["schooljaar"] + exc.value.messages)
    assert Evaluatie.objects.filter(leerroute=route).count() == 1


def test_earlier_years_side_by_side(client):
    route = _route_met_leerlingen(2)
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.mbo_instelling)
    _vastleggen(route, 2024, beheerder, behaald="Start gemaakt")
    _vastleggen(route, 2025, beheerder, behaald="Eerste overgangen")
    lezer = gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling)
    inloggen(client, lezer)
    r = client.get(reverse("kwaliteit:evaluaties", args=[route.pk]))
    inhoud = r.content.decode()
    assert "2024-2025" in inhoud and "2025-2026" in inhoud
    assert "Start gemaakt" in inhoud and "Eerste overgangen" in inhoud
    assert r.context["form"] is None  # a lezer reads only
    instroom = dict(r.context["vergelijking"])["Instroom"]
    assert instroom == [0, 2]  # no students yet in 2024-2025; two in 2025-2026


def test_the_evaluation_form_names_the_rule_and_keeps_the_text(client):
    route = _route_met_leerlingen(1)
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    inloggen(client, beheerder)
    r = client.post(
        reverse("kwaliteit:evaluaties", args=[route.pk]),
        {"schooljaar": 2099, "besluiten": "Nog niets besloten"},
    )
    assert r.status_code == 400
    assert r.context["form"].errors["schooljaar"][0].startswith("R-MON-2")
    assert "Nog niets besloten" in r.content.decode()
    assert not Evaluatie.objects.exists()


def _dossier_route():
    route = _route_met_leerlingen(3)
    vo, _mbo = route_leerling(route, leerling__achternaam="Stoppertje")
    Uitstroom.objects.create(
        leerling=vo.leerling,
        leerroute=route,
        datum=datetime.date(2025, 10, 1),
        reden="stopt",
        bestemming="mbo",
    )
    programma = LeerjaarProgramma.objects.create(leerroute=route, routejaar=1, beschrijving="Leerjaar 3")
    Programmaonderdeel.objects.create(
        programma=programma, naam="Schoolexamen Nederlands", examinering_door="vo"
    )
    Programmaonderdeel.objects.create(
        programma=programma, naam="Kerntaak installeren", examinering_door="mbo", teambevoegdheid=True
    )
    return route


def _pdftotext(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        missing_service("needs pdftotext: apt-get install -y poppler-utils")
    bestand = tmp_path / "dossier.pdf"
    bestand.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(bestand), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_the_dossier_pdf_has_every_standard_the_cohort_figures_and_no_names(client, tmp_path):
    route = _dossier_route()
    lezer = gebruiker_met_rol("lezer", instelling=route.overeenkomst.mbo_instelling)
    services.evaluatie_vastleggen(
        evaluatie=Evaluatie(leerroute=route, schooljaar=2025, besluiten="Mentoraat uitbreiden"),
        door=gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst),
        vandaag=VANDAAG,
    )
    inloggen(client, lezer)
    r = client.get(reverse("kwaliteit:dossier-pdf", args=[route.pk]))
    assert r["Content-Type"] == "application/pdf" and "attachment" in r["Content-Disposition"]
    tekst = _pdftotext(r.content, tmp_path)
    for kop in ("SKA1-3", "OP6", "BA1-BA2", "Resultaten / Studiesucces"):
        assert kop in tekst
    assert "Schoolexamen Nederlands" in tekst and "Kerntaak installeren" in tekst
    assert "Mentoraat uitbreiden" in tekst and "Gegenereerd op" in tekst and "peildatum" in tekst
    assert "2025-2026" in tekst
    regel = next(r for r in tekst.splitlines() if r.strip().startswith("Instroom"))
    assert regel.split()[-1] == "4"
    assert "Uitstroom cohort 2025-2026: stopt met de route: 1" in " ".join(tekst.split())
    assert "Vandenbroek" not in tekst and "Stoppertje" not in tekst


def test_the_dossier_screen_runs_a_fixed_number_of_queries(client):
    route = _dossier_route()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    inloggen(client, beheerder)
    url = reverse("kwaliteit:dossier", args=[route.pk])
    client.get(url)

    def aantal():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    klein = aantal()
    for _ in range(5):
        route_leerling(route)
    assert aantal() == klein


def test_the_pdf_text_is_built_from_the_same_dossier_as_the_screen():
    route = _dossier_route()
    app = gebruiker_met_rol("applicatiebeheerder")
    d = dossier.samenstellen(app, route, peildatum=VANDAAG)
    assert d.peildatum == VANDAAG and d.totalen["instroom"] == 4 and d.totalen["uitstroom"] == 1
    assert pdf.als_pdf(d).startswith(b"%PDF")


def test_editing_an_evaluation_keeps_its_figures_and_is_for_editors_only(client):
    route = _route_met_leerlingen(2)
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.mbo_instelling)
    e = _vastleggen(route, 2025, beheerder, besluiten="Eerste besluit")
    url = reverse("kwaliteit:evaluatie", args=[e.pk])
    inloggen(client, gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling))
    assert client.post(url, {"besluiten": "Van een lezer"}).status_code == 403
    inloggen(client, beheerder)
    r = client.post(
        url, {"doelen": "", "behaald": "Op koers", "besluiten": "Tweede besluit", "deelnemers": ""}
    )
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.besluiten == "Tweede besluit" and [c["instroom"] for c in e.cijfers] == [2]
    assert AuditRegel.objects.filter(
        model="kwaliteit.Evaluatie", actie="update", gebruiker=beheerder
    ).exists()
