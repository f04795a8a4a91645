"""The school administrator's flows in a real browser (issue 12), as the user of each role does
them, without /beheer/: enrol a student at the vo-school, complete the mbo side from the
worklist, see the dual list flag a disagreement, end an enrolment, create an agreement and
activate it after completing its checklist. Each page passes the axe-core
check (no serious or critical WCAG 2.1 AA violation) and leaves a screenshot in test-results/."""

import pytest
from playwright.sync_api import expect

from registratie.models import Inschrijving, Leerling
from samenwerking.models import Samenwerkingsovereenkomst
from tests.e2e.axe import ernstige_schendingen
from tests.e2e.browser import login
from tests.factories import InstellingFactory, LeerrouteFactory, gebruiker_met_rol, route_leerling

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _toegankelijk(page):
    schendingen = ernstige_schendingen(page)
    assert not schendingen, schendingen


def test_a_vo_administrator_enrols_a_student_for_a_route(page, live_server, uitvoer):
    route = LeerrouteFactory(naam="GLR Zorg Noord")
    beheerder = gebruiker_met_rol(
        "beheerder", instelling=route.overeenkomst.vo_instelling, username="vo-beheer"
    )
    login(page, live_server, beheerder.username)
    _toegankelijk(page)  # the dashboard
    page.screenshot(path=str(uitvoer / "overzicht.png"), full_page=True)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Aanmelden").click()
    page.get_by_label("BSN of onderwijsnummer").fill("123456782")
    page.get_by_label("Achternaam (nieuwe leerling)").fill("Visser")
    page.get_by_label("Geboortedatum (nieuwe leerling)").fill("2010-05-01")
    page.get_by_label("Leerroute").select_option(str(route.pk))
    page.get_by_label("Inschrijvingsvolgnummer").fill("VO-1")
    page.get_by_label("Startdatum").fill("2001-08-01")  # before the agreement: R-LR-8
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state()
    assert "R-LR-8" in page.locator("#id_startdatum_fout").inner_text()
    assert page.get_by_label("Achternaam (nieuwe leerling)").input_value() == "Visser"
    _toegankelijk(page)
    page.screenshot(path=str(uitvoer / "aanmelden-fout.png"), full_page=True)

    page.get_by_label("Startdatum").fill("2025-08-01")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state()
    assert "Visser" in page.locator("h1").inner_text()
    assert "123456782" not in page.url
    assert Inschrijving.objects.get(leerling__achternaam="Visser").opleidingskenmerk == "GLR"
    _toegankelijk(page)  # the student page, with the masked-number button
    page.screenshot(path=str(uitvoer / "leerling.png"), full_page=True)


def test_an_mbo_administrator_completes_the_mbo_side_from_the_worklist(page, live_server, uitvoer):
    vo, _ = route_leerling(met_mbo=False)
    beheerder = gebruiker_met_rol(
        "beheerder", instelling=vo.leerroute.overeenkomst.mbo_instelling, username="mbo-beheer"
    )
    login(page, live_server, beheerder.username)
    page.get_by_role("link", name="nog in te schrijven aan de mbo-kant").click()
    _toegankelijk(page)
    # By keyboard only: Enter on the row's link opens the inline form (htmx) with the cursor in
    # its first field; typing and Enter save it.
    page.get_by_role("link", name="mbo-kant invullen").focus()
    page.keyboard.press("Enter")
    veld = page.get_by_label("Inschrijvingsvolgnummer mbo")
    veld.wait_for()
    # Playwright's wait_for_function re-evaluates a string with eval, which the site's CSP
    # refuses once the first poll is false; the focus assertion polls without eval.
    expect(veld).to_be_focused()
    page.keyboard.type("MBO-9")
    page.screenshot(path=str(uitvoer / "werklijst.png"), full_page=True)
    _toegankelijk(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/werklijst-mbo/")
    assert "is vastgelegd" in page.locator(".melding").inner_text()
    mbo = Inschrijving.objects.get(leerling=vo.leerling, sector="mbo")
    assert (mbo.inschrijvingsvolgnummer, mbo.kwalificatie_id) == ("MBO-9", vo.leerroute.kwalificatie_id)


def test_the_dual_list_flags_a_disagreement(page, live_server, uitvoer):
    route = LeerrouteFactory()
    _, mbo = route_leerling(route, leerling__achternaam="Oneens")
    route_leerling(route, leerling__achternaam="Eens")
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")
    beheerder = gebruiker_met_rol(
        "beheerder", instelling=route.overeenkomst.vo_instelling, username="vo-beheer"
    )
    login(page, live_server, beheerder.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dubbele lijst").click()
    page.get_by_label("Alleen afwijkingen").check()
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_load_state()
    rijen = page.locator("table.dubbel tbody tr")
    assert rijen.count() == 1
    assert "Oneens" in rijen.first.inner_text() and "R-INS-6" in rijen.first.inner_text()
    _toegankelijk(page)
    page.screenshot(path=str(uitvoer / "dubbele-lijst.png"), full_page=True)


def test_an_administrator_ends_an_enrolment_on_the_student_page(page, live_server, uitvoer):
    vo, mbo = route_leerling(leerling__achternaam="Stopper")
    beheerder = gebruiker_met_rol("beheerder", instelling=mbo.instelling, username="mbo-beheer")
    login(page, live_server, beheerder.username)
    page.goto(f"{live_server.url}/leerlingen/{vo.leerling_id}/")
    page.locator("#id_einde-inschrijving").select_option(str(mbo.pk))
    page.get_by_label("Einddatum").fill("2026-01-31")
    page.get_by_label("Reden van einde").select_option("correctie")
    page.get_by_role("button", name="Beëindigen").click()
    page.wait_for_load_state()
    assert "beëindigd" in page.locator(".melding").inner_text()
    mbo.refresh_from_db()
    assert str(mbo.einddatum) == "2026-01-31"
    assert Leerling.objects.filter(pk=vo.leerling_id).exists()
    _toegankelijk(page)
    page.screenshot(path=str(uitvoer / "leerling-beeindigd.png"), full_page=True)


def test_an_administrator_creates_an_agreement_and_activates_it_after_the_checklist(
    page, live_server, uitvoer
):
    vo_school = InstellingFactory(naam="Vmbo De Brug")
    InstellingFactory(mbo=True, naam="ROC Rivierenland")
    beheerder = gebruiker_met_rol("beheerder", instelling=vo_school, username="vo-beheer")
    login(page, live_server, beheerder.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Overeenkomsten").click()
    _toegankelijk(page)  # the list (django-tables2)
    page.get_by_role("link", name="Nieuwe overeenkomst").click()
    page.get_by_label("Naam").fill("SOK Techniek Brug")
    page.get_by_label("vo-school").select_option(label=str(vo_school))
    page.get_by_label("mbo-instelling").select_option(index=1)
    page.get_by_label("Ingangsdatum").fill("2025-08-01")
    _toegankelijk(page)
    page.get_by_role("button", name="Als concept vastleggen").click()
    page.wait_for_load_state()

    page.get_by_role("button", name="Activeren").click()  # refused: elements missing
    page.wait_for_load_state()
    assert "R-SOK-2" in page.locator(".melding.error").inner_text()
    for label in (
        "inhoud van de leerroute",
        "organisatie van de dagelijkse leiding",
        "betrokkenheid bedrijfsleven",
        "overstapoptie",
        "regeling medezeggenschap",
        "advies medezeggenschapsorganen",
    ):
        page.get_by_label(label, exact=False).first.fill(f"Afspraak: {label}")
    page.get_by_label("dekt de hele route").check()
    page.get_by_role("button", name="Onderdelen opslaan").click()
    page.wait_for_load_state()
    assert page.locator(".checklist .ontbreekt").count() == 0
    page.get_by_role("button", name="Activeren").click()
    page.wait_for_load_state()
    assert "actief" in page.locator(".melding.success").inner_text()
    _toegankelijk(page)
    page.screenshot(path=str(uitvoer / "overeenkomst.png"), full_page=True)
    assert Samenwerkingsovereenkomst.objects.get(naam="SOK Techniek Brug").status == "actief"


def test_an_administrator_adds_the_programme_of_a_route(page, live_server, uitvoer):
    route = LeerrouteFactory(naam="GLR Techniek Noord")
    beheerder = gebruiker_met_rol(
        "beheerder", instelling=route.overeenkomst.vo_instelling, username="vo-beheer"
    )
    login(page, live_server, beheerder.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Routes").click()
    page.get_by_role("link", name="GLR Techniek Noord").click()
    page.get_by_label("Programma leerjaar 1").fill("Oriëntatie op techniek, PTA vmbo")
    page.get_by_label("Programma leerjaar 2").fill("Verdieping, eerste mbo-modules")
    page.locator("#id_onderdeel-0-naam").fill("Lassen")
    page.locator("#id_onderdeel-0-examinering_door").select_option("mbo")
    page.locator("#id_onderdeel-0-teambevoegdheid").check()
    page.get_by_role("button", name="Programma opslaan").click()
    page.wait_for_load_state()
    assert "opgeslagen" in page.locator(".melding").inner_text()
    assert page.locator("#id_onderdeel-0-naam").input_value() == "Lassen"
    _toegankelijk(page)
    page.screenshot(path=str(uitvoer / "route.png"), full_page=True)
    assert route.programma.get(routejaar=1).onderdelen.get().teambevoegdheid
