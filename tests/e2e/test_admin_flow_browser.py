"""A new administrator, in a real browser: logs in on the Dutch login page, tries a route that
the law forbids, sees the rule id, and then saves an allowed one."""

import pytest

from leerroute.models import Leerroute
from tests.e2e.browser import login
from tests.factories import KwalificatieFactory, OvereenkomstFactory, gebruiker_met_rol

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_is_dutch_and_wrong_password_is_explained(page, live_server):
    gebruiker_met_rol("applicatiebeheerder", username="beheer")
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Inloggen"
    assert page.evaluate("document.documentElement.lang") == "nl"
    page.get_by_label("Gebruikersnaam").fill("beheer")
    page.get_by_label("Wachtwoord").fill("fout")
    page.get_by_role("button", name="Inloggen").click()
    assert "klopt niet" in page.get_by_role("alert").inner_text()
    # The username typed is kept: no lost input.
    assert page.get_by_label("Gebruikersnaam").input_value() == "beheer"


def test_R_LR_2_entree_route_refused_in_browser_then_allowed_route_saved(page, live_server):
    overeenkomst = OvereenkomstFactory(actief=True, naam="SOK Techniek")
    beheerder = gebruiker_met_rol("beheerder", instelling=overeenkomst.vo_instelling, username="vo-beheerder")
    entree = KwalificatieFactory(crebo="95998", naam="Entree testopleiding", niveau=1)
    niveau2 = KwalificatieFactory(crebo="95999", naam="Medewerker techniek", niveau=2)

    login(page, live_server, beheerder.username)
    assert page.get_by_role("heading", name="Overzicht").is_visible()

    page.goto(f"{live_server.url}/beheer/leerroute/leerroute/add/")
    page.locator("#id_naam").fill("GLR Techniek entree")
    page.locator("#id_soort").select_option("GLR")
    page.locator("#id_overeenkomst").select_option(str(overeenkomst.pk))
    page.locator("#id_leerweg").select_option("BB")
    page.locator("#id_kwalificatie").evaluate(
        "(el, v) => { el.add(new Option('entree', v, true, true)); }", str(entree.pk)
    )
    page.locator("#id_startdatum").fill("01-08-2025")
    page.get_by_role("button", name="Opslaan", exact=True).click()

    assert "R-LR-2" in page.locator(".errorlist").first.inner_text()
    assert not Leerroute.objects.exists()
    # What was typed is still there after the refusal.
    assert page.locator("#id_naam").input_value() == "GLR Techniek entree"

    page.locator("#id_kwalificatie").evaluate(
        "(el, v) => { el.add(new Option('niveau 2', v, true, true)); }", str(niveau2.pk)
    )
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.wait_for_url("**/beheer/leerroute/leerroute/")
    route = Leerroute.objects.get()
    assert route.kwalificatie == niveau2 and route.soort == "GLR"
