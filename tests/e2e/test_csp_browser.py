"""The Content Security Policy in a real browser: the login page, the start page, the admin and
the API documentation (Swagger UI from the bundled files) run without a single CSP violation."""

import pytest

from tests.e2e.browser import login
from tests.factories import gebruiker_met_rol

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_no_content_security_policy_violations(page, live_server):
    meldingen = []
    page.on("console", lambda m: meldingen.append(m.text))
    page.on("pageerror", lambda e: meldingen.append(str(e)))

    page.goto(f"{live_server.url}/inloggen/")
    assert page.locator("h1").inner_text() == "Inloggen"
    gebruiker_met_rol("applicatiebeheerder", username="beheer")
    login(page, live_server, "beheer")  # includes the two-step setup page with its QR code

    assert page.get_by_role("heading", name="Overzicht").is_visible()
    page.goto(f"{live_server.url}/beheer/")
    assert page.locator("#site-name").is_visible()
    page.goto(f"{live_server.url}/beheer/samenwerking/instelling/add/")
    assert page.locator("#id_naam").is_visible()

    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI really ran: it fetched the schema and drew the operations.
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Leerroute API")

    csp = [m for m in meldingen if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert csp == []
    assert [m for m in meldingen if "Refused" in m] == []
