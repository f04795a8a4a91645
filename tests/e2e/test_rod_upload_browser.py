"""The beheerder reconciles DUO's snapshot in the browser: uploads it, watches the run's page while
the worker reads it, and follows the link to the differences. Each page passes axe and leaves a
screenshot in test-results/."""

import dataclasses

import pytest
from playwright.sync_api import expect

from registratie.models import RodUpload
from registratie.rod import tasks
from tests.e2e.axe import ernstige_schendingen
from tests.e2e.browser import login
from tests.factories import gebruiker_met_rol
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen
from tests.registratie.test_rod_afstemming import _duo, _momentopname

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _vergelijken(page, live_server, bestand) -> None:
    """Upload DUO's snapshot on the reconciliation page; the run's page opens."""
    page.goto(f"{live_server.url}/rod/afstemming/")
    page.get_by_label("Bestand van DUO (XML)").set_input_files(str(bestand))
    page.get_by_role("button", name="Vergelijken").click()
    page.wait_for_url("**/rod/upload/*/")


def test_a_snapshot_upload_shows_its_run_then_links_to_the_differences(
    page, live_server, uitvoer, tmp_path, monkeypatch, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    route = route_met_vestigingen()
    vo = [leerling_in_route(route)[0] for _ in range(3)]
    instelling = vo[0].instelling
    beheerder = gebruiker_met_rol("beheerder", instelling=instelling, username="vo-beheerder")
    # DUO lacks the third enrolment and has another start date for the second.
    anders = dataclasses.replace(_duo(vo[1]), datum_inschrijving=vo[1].startdatum.replace(day=3))
    bestand = tmp_path / "momentopname.xml"
    bestand.write_bytes(_momentopname(instelling, [_duo(vo[0]), anders]))
    # The test plays the worker: the upload's task is queued here, and run below.
    wachtrij = []
    monkeypatch.setattr(tasks.rod_upload_task, "delay", wachtrij.append)

    login(page, live_server, beheerder.username)
    _vergelijken(page, live_server, bestand)
    assert page.locator("#voortgang progress").is_visible()
    assert "in de wachtrij" in page.locator("#voortgang").inner_text()
    assert ernstige_schendingen(page) == []
    page.screenshot(path=str(uitvoer / "upload-bezig.png"), full_page=True)

    tasks.rod_upload_task(wachtrij.pop())  # the worker reads it; the page's polling then reloads
    page.get_by_role("link", name="Naar de verschillen").wait_for()
    assert "2 verschillen gevonden." in page.locator("main").inner_text()
    assert ernstige_schendingen(page) == []
    page.screenshot(path=str(uitvoer / "upload-klaar.png"), full_page=True)

    page.get_by_role("link", name="Naar de verschillen").click()
    page.wait_for_load_state()
    tekst = page.locator("main").inner_text()
    assert vo[2].inschrijvingsvolgnummer in tekst and vo[1].inschrijvingsvolgnummer in tekst
    assert RodUpload.objects.get().status == "klaar"
    page.screenshot(path=str(uitvoer / "upload-verschillen.png"), full_page=True)


def test_a_run_whose_task_never_comes_is_cancelled_by_keyboard_and_the_file_uploaded_again(
    page, live_server, uitvoer, tmp_path, monkeypatch, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    route = route_met_vestigingen()
    vo = leerling_in_route(route)[0]
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling, username="vo-beheerder")
    bestand = tmp_path / "momentopname.xml"
    bestand.write_bytes(_momentopname(vo.instelling, [_duo(vo)]))
    wachtrij = []  # the broker lost the task: it never reaches a worker
    monkeypatch.setattr(tasks.rod_upload_task, "delay", wachtrij.append)

    login(page, live_server, beheerder.username)
    _vergelijken(page, live_server, bestand)
    page.get_by_role("button", name="Annuleren").focus()
    page.keyboard.press("Enter")  # a key press does not wait for the page it opens: the test does
    expect(page.locator("main")).to_contain_text("De verwerking is geannuleerd.")
    tekst = page.locator("main").inner_text()
    assert "De verwerking is geannuleerd." in tekst and "Geannuleerd door" in tekst
    assert page.get_by_role("button", name="Annuleren").count() == 0
    assert ernstige_schendingen(page) == []
    page.screenshot(path=str(uitvoer / "upload-geannuleerd.png"), full_page=True)

    _vergelijken(page, live_server, bestand)
    assert "in de wachtrij" in page.locator("#voortgang").inner_text()  # a new run, not "al bezig"
    assert list(RodUpload.objects.order_by("id").values_list("status", flat=True)) == ["mislukt", "gepland"]
