"""The applicatiebeheerder's Taken screen (issue 11) in a real browser: from the start page to the
nightly jobs, "Nu uitvoeren" on the fase check, and the run's outcome with its counts. The task
runs eagerly here (in the live server's request, after the commit, as the worker would); the jobs'
own tests run it on a real worker. The page passes the axe-core check and leaves a screenshot."""

import pytest

from config.celery import app as celery_app
from registratie.models import JobRun, Signaal
from tests.e2e.axe import ernstige_schendingen
from tests.e2e.browser import login
from tests.factories import gebruiker_met_rol, route_leerling

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def taken_direct():
    """Tasks run in the request that queues them (Celery's settings object has no plain attribute
    for monkeypatch to restore, so this puts the old value back itself)."""
    vorige = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = vorige


def test_the_applicatiebeheerder_runs_the_fase_check_now_and_sees_its_outcome(
    page, live_server, uitvoer, taken_direct
):
    route_leerling(met_mbo=False)  # the mbo side is missing: the check has something to find
    beheer = gebruiker_met_rol("applicatiebeheerder", username="app-beheer")
    login(page, live_server, beheer.username)

    page.get_by_role("link", name="Nachtelijke taken").click()
    assert page.locator("h1").inner_text() == "Nachtelijke taken"
    assert "nog niet gedraaid" in page.locator("table").first.inner_text()
    assert not ernstige_schendingen(page)

    rij = page.locator("table").first.get_by_role("row").filter(has_text="fasecontrole")
    rij.get_by_role("button", name="Nu uitvoeren").click()
    page.wait_for_load_state()

    assert "fasecontrole staat in de wachtrij" in page.locator(".melding").inner_text()
    run = JobRun.objects.get()
    assert (run.taak, run.status, run.kanaal, run.aangevraagd_door) == ("check_phases", "klaar", "ui", beheer)
    runs = page.get_by_role("table").nth(1).inner_text()
    assert "klaar" in runs and f"nieuw: {Signaal.objects.count()}" in runs
    assert "klaar" in rij.inner_text()  # the job's last run, in the first table
    assert not ernstige_schendingen(page)
    page.screenshot(path=str(uitvoer / "taken.png"), full_page=True)
