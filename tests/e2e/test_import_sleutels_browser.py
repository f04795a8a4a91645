"""A school's beheerder in a real browser (issue 14): makes an API key (shown once), revokes it;
uploads an export, watches its run's progress bar, reads the preview with the bad row and its
rule, and imports the fixed file. Each page passes axe and leaves a screenshot in test-results/."""

import pytest

from registratie.importeren import taak
from registratie.models import ImportRun, Inschrijving
from samenwerking.models import ApiSleutel
from tests.e2e.axe import ernstige_schendingen
from tests.e2e.browser import login
from tests.factories import InstellingFactory, LeerrouteFactory, OvereenkomstFactory, gebruiker_met_rol
from tests.registratie.test_importeren import vo_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def school(db):
    vo, mbo = InstellingFactory(naam="Vmbo De Brug"), InstellingFactory(mbo=True)
    route = LeerrouteFactory(
        overeenkomst=OvereenkomstFactory(actief=True, vo_instelling=vo, mbo_instelling=mbo)
    )
    return vo, route, gebruiker_met_rol("beheerder", instelling=vo, username="vo-beheerder")


def test_an_api_key_is_shown_once_and_can_be_revoked(page, live_server, school, uitvoer):
    vo, _route, beheerder = school
    login(page, live_server, beheerder.username)
    page.goto(f"{live_server.url}/api-sleutels/")
    page.get_by_label("Instelling").select_option(str(vo.pk))
    page.get_by_label("Naam").fill("Magister")
    page.get_by_label("Bevoegdheid").select_option("lezen-schrijven")
    page.get_by_role("button", name="Sleutel aanmaken").click()
    page.wait_for_load_state()
    sleutel = page.locator("#nieuwe-sleutel").inner_text()
    assert len(sleutel) >= 20 and "Magister" in page.locator("table").inner_text()
    assert ernstige_schendingen(page) == []
    page.screenshot(path=str(uitvoer / "sleutel-aangemaakt.png"), full_page=True)

    page.goto(f"{live_server.url}/api-sleutels/")  # the key is never shown again
    assert sleutel not in page.content() and page.locator("#nieuwe-sleutel").count() == 0

    page.get_by_role("button", name="Intrekken").click()
    page.wait_for_load_state()
    assert "ingetrokken op" in page.locator("table").inner_text()
    assert ApiSleutel.objects.get().ingetrokken_op is not None
    page.screenshot(path=str(uitvoer / "sleutel-ingetrokken.png"), full_page=True)


def test_an_upload_runs_with_a_progress_bar_then_shows_the_preview_and_imports(
    page, live_server, school, uitvoer, tmp_path, monkeypatch
):
    vo, route, beheerder = school
    # The test plays the worker: the upload's task is queued here, and run below.
    wachtrij = []
    monkeypatch.setattr(taak.import_task, "delay", wachtrij.append)
    bestand = tmp_path / "las.csv"
    bestand.write_bytes(vo_csv(route, 4, fout_op={2}))

    login(page, live_server, beheerder.username)
    page.goto(f"{live_server.url}/importeren/")
    page.get_by_label("Instelling").select_option(str(vo.pk))
    page.get_by_label("Export (CSV of XLSX)").set_input_files(str(bestand))
    page.get_by_role("button", name="Uploaden").click()
    page.wait_for_load_state()
    assert (
        page.locator("progress").is_visible() and "in de wachtrij" in page.locator("#voortgang").inner_text()
    )
    assert ernstige_schendingen(page) == []
    page.screenshot(path=str(uitvoer / "voortgang.png"), full_page=True)

    taak.uitvoeren(wachtrij.pop())  # the worker runs it; the page's polling then shows the result
    page.locator("#samenvatting").wait_for()
    assert "R-INS-1" in page.locator("#fouten").inner_text()
    assert page.locator("#fouten tbody tr").count() == 1
    assert ernstige_schendingen(page) == []
    page.screenshot(path=str(uitvoer / "controle-met-fout.png"), full_page=True)

    bestand.write_bytes(vo_csv(route, 4))
    page.goto(f"{live_server.url}/importeren/")
    page.get_by_label("Instelling").select_option(str(vo.pk))
    page.get_by_label("Export (CSV of XLSX)").set_input_files(str(bestand))
    page.get_by_role("button", name="Uploaden").click()
    page.wait_for_load_state()
    taak.uitvoeren(wachtrij.pop())
    page.locator("#samenvatting").wait_for()
    assert page.locator("#acties tbody tr").count() == 4  # the preview: what each row does
    page.screenshot(path=str(uitvoer / "controle-goed.png"), full_page=True)

    page.get_by_role("button", name="Nu echt inlezen").click()
    page.wait_for_load_state()
    taak.uitvoeren(wachtrij.pop())
    page.locator("#samenvatting").wait_for()
    assert "4 aangemaakt" in page.locator("main").inner_text()
    assert Inschrijving.objects.filter(instelling=vo).count() == 4
    assert not ImportRun.objects.filter(dry_run=False, status="wachtend").exists()
    page.screenshot(path=str(uitvoer / "ingelezen.png"), full_page=True)
