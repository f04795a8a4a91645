"""Helpers for the browser tests: logging in through the real pages, the two-step code included."""

import base64

from django_otp.oath import totp

WACHTWOORD = "geheim-wachtwoord-1"


def code_uit_sleutel(sleutel: str, stap: int = 0) -> str:
    """What an authenticator app shows for the key typed in by hand (base32, spaces allowed)."""
    sleutel = sleutel.replace(" ", "").upper()
    sleutel += "=" * (-len(sleutel) % 8)
    return f"{totp(base64.b32decode(sleutel), drift=stap):06d}"


def login(page, live_server, username, password=WACHTWOORD):
    """Log in on /inloggen/; a role that needs two-step login sets up its authenticator app the way
    a person would (typing the key shown, then the app's first code) and lands where it was going."""
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    if "/inloggen/tweestaps/instellen/" in page.url:
        assert page.locator("svg.qr").is_visible()
        sleutel = page.locator("#geheime-sleutel").inner_text()
        page.get_by_label("Code").fill(code_uit_sleutel(sleutel))
        page.get_by_role("button", name="Bevestigen").click()
        page.wait_for_load_state()
    assert "/inloggen/" not in page.url, page.url
