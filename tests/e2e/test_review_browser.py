"""The coordinator's review at the volume of 1 August and the monitoring page, in a real browser
as the demo coordinator (issue 13): filter the queue, apply all proposed transitions of one route
in bulk and watch the progress finish, dismiss a group with one reason, open monitoring and check
its CSV against the table. Each test saves a screenshot of its main page (test-results/<test>/)."""

import csv
import io
from pathlib import Path

import pytest

from config.celery import app as celery_app
from registratie import checks, demo
from registratie.models import BulkActie, Signaal, SignaalStatus
from tests.e2e.browser import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator(page, live_server):
    """The demo data with the fase check run, and the coordinator logged in. The bulk task runs
    in-process (the embedded default), also when Redis is configured and no worker listens.
    Afterwards: not one Content Security Policy violation on the way (charts, htmx polling)."""
    meldingen = []
    page.on("console", lambda m: meldingen.append(m.text))
    demo.genereer(studenten=40, seed=5)
    checks.check_phases(peildatum=demo.PEILDATUM)
    voor = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    login(page, live_server, "demo-coordinator", demo.WACHTWOORD)
    yield page
    celery_app.conf.task_always_eager = voor
    assert [m for m in meldingen if "Content Security Policy" in m or "Refused" in m] == []


def _route_met_voorstellen():
    return (
        Signaal.objects.filter(status="open", voorgestelde_datum__isnull=False)
        .values_list("leerroute_id", "leerroute__naam")
        .order_by("leerroute_id")
        .first()
    )


def test_filter_the_queue_on_a_route(coordinator, live_server, uitvoer):
    page = coordinator
    route_id, naam = _route_met_voorstellen()
    page.goto(f"{live_server.url}/signalen/")
    page.locator("#filter select[name=leerroute]").select_option(label=naam)
    page.locator("#filter select[name=regel]").select_option("R-INS-1")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_load_state()
    assert f"leerroute={route_id}" in page.url
    rijen = page.locator("#signalen tbody tr")
    assert rijen.count() > 0
    # The one-line summary says what to do.
    assert "→" in rijen.first.locator(".samenvatting").inner_text()
    assert page.locator("#per-regel").is_visible() and page.locator("#per-route").is_visible()
    page.screenshot(path=str(uitvoer / "signalen.png"), full_page=True)


def test_apply_all_proposals_of_one_route_and_watch_the_progress_finish(coordinator, live_server, uitvoer):
    page = coordinator
    route_id, _naam = _route_met_voorstellen()
    open_voor = Signaal.objects.filter(
        status="open", voorgestelde_datum__isnull=False, leerroute_id=route_id
    ).count()
    page.goto(f"{live_server.url}/signalen/?leerroute={route_id}&regel=R-INS-1")
    page.get_by_label("alle signalen die aan dit filter voldoen").check()
    page.locator("select[name=soort]").select_option("toepassen")
    page.get_by_role("button", name="Uitvoeren").click()
    page.wait_for_selector("#voortgang[data-status=klaar]")
    bulk = BulkActie.objects.get()
    assert bulk.totaal == open_voor and bulk.verwerkt == open_voor
    tekst = page.locator("#voortgang").inner_text()
    assert f"{open_voor} van {open_voor} verwerkt" in tekst and f"{bulk.gelukt} gelukt" in tekst
    assert Signaal.objects.filter(leerroute_id=route_id, status=SignaalStatus.OPGELOST).count() == bulk.gelukt
    page.screenshot(path=str(uitvoer / "bulk.png"), full_page=True)


def test_dismiss_a_group_with_one_reason(coordinator, live_server, uitvoer):
    page = coordinator
    page.goto(f"{live_server.url}/signalen/?regel=R-INS-1")
    vakjes = page.locator("#signalen tbody input[name=ids]")
    ids = [int(vakjes.nth(i).get_attribute("value")) for i in range(2)]
    for i in range(2):
        vakjes.nth(i).check()
    page.locator("select[name=soort]").select_option("afwijzen")
    page.locator("input[name=reden]").fill("Doubleert: blijft een jaar in de vo-fase")
    page.get_by_role("button", name="Uitvoeren").click()
    page.wait_for_selector("#voortgang[data-status=klaar]")
    assert "2 gelukt" in page.locator("#voortgang").inner_text()
    for s in Signaal.objects.filter(pk__in=ids):
        assert (
            s.status == SignaalStatus.AFGEWEZEN
            and s.afhandeling == "Doubleert: blijft een jaar in de vo-fase"
        )
    page.screenshot(path=str(uitvoer / "afgewezen.png"), full_page=True)


def test_hand_over_to_a_named_colleague_who_finds_them_assigned_to_her(
    coordinator, browser, live_server, uitvoer
):
    """The coordinator hands two signals in bulk, and one more on its own page, to the mbo school's
    beheerder by name; she logs in and finds exactly those under "aan mij toegewezen"."""
    page = coordinator
    page.goto(f"{live_server.url}/signalen/?regel=R-INS-1")
    vakjes = page.locator("#signalen tbody input[name=ids]")
    ids = [int(vakjes.nth(i).get_attribute("value")) for i in range(3)]
    for i in range(2):
        vakjes.nth(i).check()
    page.locator("select[name=soort]").select_option("overdragen")
    page.locator("select[name=aan_persoon]").select_option(label="Fatima El Idrissi")
    page.locator("input[name=reden]").fill("Graag de mbo-inschrijving nalopen")
    page.get_by_role("button", name="Uitvoeren").click()
    page.wait_for_selector("#voortgang[data-status=klaar]")
    assert "2 gelukt" in page.locator("#voortgang").inner_text()

    page.goto(f"{live_server.url}/signalen/{ids[2]}/")
    page.get_by_label("Overdragen aan collega").select_option(label="Fatima El Idrissi")
    page.get_by_role("button", name="Overdragen").click()
    page.wait_for_load_state()
    assert "overgedragen aan Fatima El Idrissi" in page.locator("body").inner_text()
    for s in Signaal.objects.filter(pk__in=ids).select_related("toegewezen_persoon"):
        assert s.status == SignaalStatus.OVERGEDRAGEN and s.toegewezen_persoon.username == "demo-beheer-mbo"

    collega = browser.new_context(locale="nl-NL").new_page()
    login(collega, live_server, "demo-beheer-mbo", demo.WACHTWOORD)
    collega.goto(f"{live_server.url}/signalen/")
    collega.get_by_label("aan mij toegewezen").check()
    collega.get_by_role("button", name="Filteren").click()
    collega.wait_for_load_state()
    assert "mij=1" in collega.url
    getoond = collega.locator("#signalen tbody a[href^='/signalen/']")
    assert sorted(
        int(getoond.nth(i).get_attribute("href").split("/")[2]) for i in range(getoond.count())
    ) == sorted(ids)
    assert "Fatima El Idrissi" in collega.locator("#signalen").inner_text()
    collega.screenshot(path=str(uitvoer / "aan-mij.png"), full_page=True)
    collega.context.close()


def test_monitoring_csv_matches_the_table(coordinator, live_server, uitvoer):
    page = coordinator
    page.goto(f"{live_server.url}/monitoring/?peildatum={demo.PEILDATUM.isoformat()}")
    assert page.locator("svg.staafdiagram").count() == 3
    tabel = [
        [cel.strip() for cel in rij.locator("td").all_inner_texts()]
        for rij in page.locator("#monitoring-tabel tbody tr").all()
    ]
    assert tabel
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    inhoud = Path(download.value.path()).read_text(encoding="utf-8-sig")
    regels = list(csv.reader(io.StringIO(inhoud), delimiter=";"))
    assert regels[0] == ["Peildatum", demo.PEILDATUM.isoformat()]
    assert [[c.strip() for c in r] for r in regels[2:]] == tabel
    page.screenshot(path=str(uitvoer / "monitoring.png"), full_page=True)


def test_the_applicatiebeheerder_picks_a_route_and_sees_its_transitions(page, live_server, uitvoer):
    """Seeing every instelling, the transitions page first lists the routes with their open
    proposals; a route's link opens its groups per cohort, with a way back to all routes."""
    demo.genereer(studenten=40, seed=5)
    checks.check_phases(peildatum=demo.PEILDATUM)
    route_id, naam = _route_met_voorstellen()
    open_voor = Signaal.objects.filter(
        status="open", regel="R-INS-1", voorgestelde_datum__isnull=False, leerroute_id=route_id
    ).count()
    login(page, live_server, "demo-applicatiebeheer", demo.WACHTWOORD)
    page.goto(f"{live_server.url}/signalen/overgangen/")
    rij = page.locator("#routes tbody tr", has_text=naam)
    assert rij.locator("td").nth(1).inner_text() == str(open_voor)
    page.screenshot(path=str(uitvoer / "routes.png"), full_page=True)
    rij.get_by_role("link", name=naam).click()
    page.wait_for_load_state()
    assert f"leerroute={route_id}" in page.url
    groepen = page.locator("#overgangen tbody tr")
    assert groepen.count() > 0 and all(naam in t for t in groepen.all_inner_texts())
    page.get_by_role("link", name="Alle routes").click()
    page.wait_for_load_state()
    assert page.locator("#routes").is_visible()
