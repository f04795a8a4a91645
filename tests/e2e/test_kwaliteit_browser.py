"""From idea to inspection in a real browser: a route goes from "in voorbereiding" through its
step plan to active; a coordinator records a yearly evaluation; a lezer downloads the inspection
dossier, whose text (pdftotext) holds every standard's section and the cohort figures. Each test
saves a screenshot of its main page in its output folder (test-results/<test>/)."""

import datetime
import re
import shutil
import subprocess

import pytest

from kwaliteit.models import Evaluatie, StapCode, StapDocument
from leerroute.models import Leerroute
from tests.conftest import missing_service
from tests.e2e.browser import login
from tests.factories import (
    KwalificatieFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
    route_leerling,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _stap_zetten(page, url, naam, status, eigenaar=None, **velden):
    page.goto(f"{url}/")
    page.get_by_role("link", name=naam, exact=True).click()
    page.locator("#id_status").select_option(status)
    if eigenaar:
        page.locator("#id_eigenaar").select_option(label=eigenaar)
    for veld, waarde in velden.items():
        page.locator(f"#id_{veld}").fill(waarde)
    page.get_by_role("button", name="Stap opslaan").click()
    page.wait_for_load_state()


def test_a_route_goes_from_preparation_through_its_steps_to_active(
    page, live_server, settings, tmp_path, uitvoer
):
    settings.MEDIA_ROOT = str(tmp_path)
    overeenkomst = OvereenkomstFactory(actief=True, naam="SOK Techniek Zuid")
    KwalificatieFactory(crebo="95999", naam="Medewerker techniek", niveau=2)
    beheerder = gebruiker_met_rol("beheerder", instelling=overeenkomst.vo_instelling, username="vo-beheerder")
    login(page, live_server, beheerder.username)

    page.get_by_role("link", name="Nieuwe route in voorbereiding").click()
    page.locator("#id_naam").fill("GLR Techniek Zuid")
    page.locator("#id_soort").select_option("GLR")
    page.locator("#id_overeenkomst").select_option(str(overeenkomst.pk))
    page.locator("#id_leerweg").select_option("BB")
    page.locator("#id_kwalificatie").select_option(label="95999 Medewerker techniek (niveau 2)")
    page.locator("#id_startdatum").fill("2027-08-01")
    page.get_by_role("button", name="Route aanmaken").click()
    page.wait_for_load_state()
    route = Leerroute.objects.get(naam="GLR Techniek Zuid")
    assert route.status == "in_voorbereiding"
    assert "0 van 10 stappen gereed" in page.locator("#voortgang").inner_text()
    stappenplan = page.url.removesuffix("/")

    # "Uitvoering concreet" shows the RIO status and first intake, and is not done before RIO.
    _stap_zetten(page, stappenplan, "Maak de uitvoering concreet", "gereed")
    assert page.locator("#rio-status").inner_text().startswith("nog niet gemeld")
    assert "1 augustus 2027" in page.locator("#eerste-instroom").inner_text()
    assert "R-LR-6" in page.locator(".errorlist").first.inner_text()

    # A document with the step of the project organisation, listed with who added it.
    page.goto(f"{stappenplan}/")
    page.get_by_role("link", name="Richt de projectorganisatie in", exact=True).click()
    page.locator("#id_bestand").set_input_files(
        files=[{"name": "stuurgroep.txt", "mimeType": "text/plain", "buffer": b"Stuurgroep: beide directies"}]
    )
    page.get_by_role("button", name="Document toevoegen").click()
    page.wait_for_load_state()
    assert "stuurgroep.txt" in page.locator("table").inner_text()
    assert StapDocument.objects.get().toegevoegd_door == beheerder

    # DUO registers the route in RIO (R-LR-6); the school records it in the admin.
    route.rio_status, route.rio_gemeld_op = "aangemeld", datetime.date(2027, 3, 1)
    route.save(update_fields=["rio_status", "rio_gemeld_op"])

    # The partner school's beheerder owns the first step, with a due date.
    partner = gebruiker_met_rol(
        "beheerder", instelling=overeenkomst.mbo_instelling, first_name="Fatima", last_name="El Idrissi"
    )
    _stap_zetten(
        page, stappenplan, "Bepaal doel en doelgroep", "gereed", "Fatima El Idrissi", streefdatum="2027-01-15"
    )
    assert route.stappen.get(code=StapCode.DOEL_DOELGROEP).eigenaar == partner
    assert "Fatima El Idrissi" in page.locator("tr[data-stap=doel_doelgroep]").inner_text()
    for label in StapCode.labels[1:]:
        _stap_zetten(page, stappenplan, str(label), "gereed")
        assert page.url.removesuffix("/") == stappenplan, page.locator(".errorlist").all_inner_texts()
    assert "10 van 10 stappen gereed" in page.locator("#voortgang").inner_text()

    page.get_by_role("button", name="Route activeren").click()
    page.wait_for_load_state()
    assert "De route is actief" in page.locator(".melding").inner_text()
    page.screenshot(path=str(uitvoer / "stappenplan.png"), full_page=True)
    route.refresh_from_db()
    assert route.status == "actief"


def test_a_coordinator_records_a_yearly_evaluation(page, live_server, uitvoer):
    route = LeerrouteFactory(naam="GLR Zorg Noord")
    for _ in range(3):
        route_leerling(route)
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst, username="coordinator")
    login(page, live_server, coordinator.username)
    page.goto(f"{live_server.url}/routes/{route.pk}/evaluaties/")
    page.locator("#id_schooljaar").fill("2025")
    page.locator("#id_doelen").fill("90% naar de mbo-fase")
    page.locator("#id_behaald").fill("Alle drie leerlingen op koers")
    page.locator("#id_besluiten").fill("BPV eerder in het jaar")
    page.locator("#id_deelnemers").fill("Stuurgroep en kernteam")
    page.get_by_role("button", name="Evaluatie vastleggen").click()
    page.wait_for_load_state()
    tabel = page.locator("#vergelijking").inner_text()
    assert "2025-2026" in tabel and "BPV eerder in het jaar" in tabel
    assert re.search(r"Instroom\s+3", tabel), tabel
    page.screenshot(path=str(uitvoer / "evaluaties.png"), full_page=True)
    e = Evaluatie.objects.get(leerroute=route)
    assert e.schooljaar == 2025 and e.vastgesteld_door == coordinator and e.cijfers[0]["instroom"] == 3


def test_a_lezer_downloads_the_dossier_with_every_standard_and_the_cohort_figures(page, live_server, uitvoer):
    if not shutil.which("pdftotext"):
        missing_service("needs pdftotext: apt-get install -y poppler-utils")
    route = LeerrouteFactory(naam="GLR Horeca Noord")
    for _ in range(4):
        route_leerling(route, leerling__achternaam="Geheimnaam")
    lezer = gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling, username="lezer")
    login(page, live_server, lezer.username)
    page.goto(f"{live_server.url}/routes/{route.pk}/dossier/")
    for kop in ("SKA1–3", "OP6", "BA1–BA2", "Resultaten / Studiesucces"):
        assert page.get_by_role("heading", name=kop).is_visible()
    page.screenshot(path=str(uitvoer / "dossier.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download als PDF").click()
    bestand = uitvoer / "dossier.pdf"
    download.value.save_as(bestand)
    tekst = subprocess.run(
        ["pdftotext", "-layout", str(bestand), "-"], capture_output=True, check=True, text=True
    ).stdout
    for kop in ("SKA1-3", "OP6", "BA1-BA2", "Resultaten / Studiesucces", "Gegenereerd op", "peildatum"):
        assert kop in tekst, kop
    assert "2025-2026" in tekst
    instroom = next(r for r in tekst.splitlines() if r.strip().startswith("Instroom"))
    assert instroom.split()[-1] == "4"
    assert "Geheimnaam" not in tekst
