"""A beheerder in a real browser finds a student by BSN and reveals the number: the BSN never
appears in the address bar, is masked until asked for, and the look is recorded."""

import pytest

from samenwerking.models import AuditRegel
from tests.e2e.browser import login
from tests.factories import LeerlingFactory, gebruiker_met_rol, route_leerling

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BSN = "123456782"


def test_search_by_bsn_and_reveal_keep_the_number_out_of_the_url(page, live_server):
    vo, _mbo = route_leerling(leerling=LeerlingFactory(bsn=BSN, achternaam="Jansen"))
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling, username="vo-beheerder")
    bezochte_urls = []
    page.on("request", lambda request: bezochte_urls.append(request.url))

    login(page, live_server, beheerder.username)
    page.goto(f"{live_server.url}/leerlingen/")
    assert "••••••782" in page.locator("table").inner_text()
    page.get_by_label("BSN of onderwijsnummer").fill(BSN)
    page.get_by_role("button", name="Zoeken op nummer").click()
    page.wait_for_load_state()
    assert "Jansen" in page.locator("h1").inner_text()
    assert BSN not in page.locator("body").inner_text()

    page.get_by_role("button", name="Volledig nummer tonen").click()
    page.wait_for_load_state()
    assert BSN in page.locator(".nummer").inner_text()
    assert "vastgelegd" in page.locator("body").inner_text()

    assert not [url for url in bezochte_urls if BSN in url]
    regel = AuditRegel.objects.get(actie="view_bsn")
    assert regel.gebruiker_id == beheerder.pk and regel.kanaal == "ui"
