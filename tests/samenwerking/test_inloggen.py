"""Logging in: lockout after repeated wrong passwords (django-axes), the two-step code (TOTP,
django-otp) for roles that change data, API access by token only, and the security headers."""

import base64
import time

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from samenwerking.models import AuditRegel
from samenwerking.tweestaps import vereist_tweestaps
from tests.factories import GebruikerFactory, InstellingFactory, OvereenkomstFactory, gebruiker_met_rol
from tests.login import inloggen

pytestmark = pytest.mark.django_db

WACHTWOORD = "geheim-wachtwoord-1"


def code(apparaat: TOTPDevice, stap: int = 0) -> str:
    """The code an authenticator app shows (``stap`` time steps later), from the device's key."""
    return f"{totp(apparaat.bin_key, apparaat.step, apparaat.t0, apparaat.digits, stap):06d}"


def wachtwoord_inloggen(client, username, password=WACHTWOORD, **extra):
    return client.post("/inloggen/", {"username": username, "password": password}, **extra)


@pytest.fixture
def beheerder():
    return gebruiker_met_rol("beheerder", instelling=InstellingFactory(), username="vo-beheer")


@pytest.fixture
def lezer():
    return gebruiker_met_rol("lezer", instelling=InstellingFactory(), username="lezer")


# --- lockout ----------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(client, lezer):
    for _ in range(4):
        r = wachtwoord_inloggen(client, "lezer", "fout")
        assert r.status_code == 200 and "klopt niet" in r.content.decode()
    r = wachtwoord_inloggen(client, "lezer", "fout")
    assert r.status_code == 429

    r = wachtwoord_inloggen(client, "lezer")
    body = r.content.decode()
    assert r.status_code == 429
    assert "Inloggen tijdelijk geblokkeerd" in body
    assert "Probeer het over 30 minuten opnieuw" in body
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_lockout_is_per_username_and_address(client, lezer):
    GebruikerFactory(username="collega")
    for _ in range(5):
        wachtwoord_inloggen(client, "lezer", "fout", REMOTE_ADDR="10.0.0.1")
    assert wachtwoord_inloggen(client, "lezer", REMOTE_ADDR="10.0.0.1").status_code == 429
    # A colleague behind the same school address still logs in...
    assert wachtwoord_inloggen(client, "collega", REMOTE_ADDR="10.0.0.1").status_code == 302
    client.post("/uitloggen/")
    # ...and so does the same user from elsewhere: an attacker cannot lock a user out everywhere.
    assert wachtwoord_inloggen(client, "lezer", REMOTE_ADDR="10.0.0.2").status_code == 302


def test_behind_a_proxy_the_lockout_uses_the_forwarded_client_address(client, lezer, settings):
    settings.LEERROUTE_PROXY_AANTAL = 1
    via_proxy = {"REMOTE_ADDR": "172.18.0.2"}
    for _ in range(5):
        wachtwoord_inloggen(client, "lezer", "fout", HTTP_X_FORWARDED_FOR="1.2.3.4", **via_proxy)
    # A forged entry in front of the proxy's own does not escape the lockout...
    r = wachtwoord_inloggen(client, "lezer", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4", **via_proxy)
    assert r.status_code == 429
    # ...while the user at another address behind the same proxy logs in.
    r = wachtwoord_inloggen(client, "lezer", HTTP_X_FORWARDED_FOR="5.6.7.8", **via_proxy)
    assert r.status_code == 302


def test_a_successful_login_resets_the_count(client, lezer):
    for _ in range(4):
        wachtwoord_inloggen(client, "lezer", "fout")
    assert wachtwoord_inloggen(client, "lezer").status_code == 302
    client.post("/uitloggen/")
    for _ in range(4):
        assert wachtwoord_inloggen(client, "lezer", "fout").status_code == 200
    assert wachtwoord_inloggen(client, "lezer").status_code == 302


# --- who must use two-step login --------------------------------------------------------------------


def test_the_rule_names_the_roles_that_change_data():
    instelling = InstellingFactory()
    assert vereist_tweestaps(gebruiker_met_rol("beheerder", instelling=instelling))
    assert vereist_tweestaps(gebruiker_met_rol("coordinator", overeenkomst=OvereenkomstFactory()))
    assert vereist_tweestaps(gebruiker_met_rol("applicatiebeheerder"))
    assert vereist_tweestaps(GebruikerFactory(is_superuser=True))
    assert not vereist_tweestaps(gebruiker_met_rol("lezer", instelling=instelling))
    assert not vereist_tweestaps(GebruikerFactory())


def test_lezer_is_not_asked_for_a_code(client, lezer):
    r = wachtwoord_inloggen(client, "lezer")
    assert r.status_code == 302 and r.url == "/"
    assert client.get("/").status_code == 200


def test_coordinator_is_asked_for_a_code(client):
    gebruiker_met_rol("coordinator", overeenkomst=OvereenkomstFactory(), username="coord")
    r = wachtwoord_inloggen(client, "coord", follow=True)
    assert r.redirect_chain[-1][0].startswith("/inloggen/tweestaps/instellen/")


# --- first login: setting up the authenticator app --------------------------------------------------


@pytest.mark.parametrize("pad", ["/", "/beheer/", "/leerlingen/"])
def test_beheerder_without_app_is_sent_to_setup_from_every_page(client, beheerder, pad):
    wachtwoord_inloggen(client, "vo-beheer")
    r = client.get(pad, follow=True)
    eerste, laatste = r.redirect_chain[0][0], r.redirect_chain[-1][0]
    assert eerste.startswith("/inloggen/tweestaps/?next=")
    assert laatste.startswith("/inloggen/tweestaps/instellen/")
    assert r.status_code == 200
    assert "Tweestapsverificatie instellen" in r.content.decode()


def test_setup_shows_qr_and_key_refuses_a_wrong_code_and_accepts_the_right_one(client, beheerder):
    wachtwoord_inloggen(client, "vo-beheer")
    r = client.get("/inloggen/tweestaps/instellen/")
    body = r.content.decode()
    apparaat = TOTPDevice.objects.get(user=beheerder)
    assert not apparaat.confirmed
    assert "<svg" in body and 'class="qr"' in body
    geheim = base64.b32encode(apparaat.bin_key).decode()
    assert " ".join(geheim[i : i + 4] for i in range(0, len(geheim), 4)) in body
    # Reloading keeps the same key (the app that scanned it still matches).
    client.get("/inloggen/tweestaps/instellen/")
    assert TOTPDevice.objects.filter(user=beheerder).count() == 1

    fout = f"{(int(code(apparaat)) + 1) % 1_000_000:06d}"
    r = client.post("/inloggen/tweestaps/instellen/", {"code": fout, "next": "/"})
    assert r.status_code == 200
    assert "Deze code klopt niet" in r.content.decode()
    apparaat.refresh_from_db()
    assert not apparaat.confirmed
    assert client.get("/").status_code == 302

    time.sleep(1.1)  # after a wrong code, django-otp waits a second before it checks again
    r = client.post("/inloggen/tweestaps/instellen/", {"code": code(apparaat), "next": "/"})
    assert r.status_code == 302 and r.url == "/"
    apparaat.refresh_from_db()
    assert apparaat.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == apparaat.persistent_id
    regel = AuditRegel.objects.get(model="otp_totp.TOTPDevice")
    assert (regel.actie, regel.gebruiker, regel.object_id) == ("create", beheerder, str(beheerder.pk))
    r = client.get("/")
    assert r.status_code == 200 and "Overzicht" in r.content.decode()
    assert client.get("/beheer/").status_code == 200


def test_letters_are_refused_with_a_dutch_message(client, beheerder):
    wachtwoord_inloggen(client, "vo-beheer")
    r = client.post("/inloggen/tweestaps/instellen/", {"code": "abcdef"})
    assert r.status_code == 200
    assert "Vul de zes cijfers in" in r.content.decode()


# --- later logins: the code step --------------------------------------------------------------------


def test_with_an_app_the_code_is_asked_and_checked(client, beheerder):
    apparaat = TOTPDevice.objects.create(user=beheerder, name="telefoon", confirmed=True)
    r = wachtwoord_inloggen(client, "vo-beheer", follow=True)
    assert r.redirect_chain[-1][0].startswith("/inloggen/tweestaps/?next=")
    assert "Voer de code uit je authenticator-app in" in r.content.decode()
    # With a confirmed app, setting up another is not offered (a password alone cannot add one).
    r = client.get("/inloggen/tweestaps/instellen/")
    assert r.status_code == 302 and r.url.startswith("/inloggen/tweestaps/?")
    assert TOTPDevice.objects.filter(user=beheerder).count() == 1

    r = client.post("/inloggen/tweestaps/?next=/leerlingen/", {"code": "000000", "next": "/leerlingen/"})
    if r.status_code == 302:  # one in a million: 000000 was the code
        pytest.skip("the wrong code happened to be right")
    assert r.status_code == 200 and "Deze code klopt niet" in r.content.decode()

    time.sleep(1.1)  # after a wrong code, django-otp waits a second before it checks again
    r = client.post("/inloggen/tweestaps/", {"code": code(apparaat), "next": "/leerlingen/"})
    assert r.status_code == 302 and r.url == "/leerlingen/"
    assert client.get("/leerlingen/").status_code == 200


def test_a_used_code_cannot_be_used_again(client, beheerder):
    apparaat = TOTPDevice.objects.create(user=beheerder, name="telefoon", confirmed=True)
    gebruikt = code(apparaat)
    wachtwoord_inloggen(client, "vo-beheer")
    assert client.post("/inloggen/tweestaps/", {"code": gebruikt}).status_code == 302
    client.post("/uitloggen/")
    wachtwoord_inloggen(client, "vo-beheer")
    r = client.post("/inloggen/tweestaps/", {"code": gebruikt})
    assert r.status_code == 200 and "Deze code klopt niet" in r.content.decode()


def test_next_to_another_site_is_ignored(client, beheerder):
    apparaat = TOTPDevice.objects.create(user=beheerder, name="telefoon", confirmed=True)
    wachtwoord_inloggen(client, "vo-beheer")
    r = client.post("/inloggen/tweestaps/", {"code": code(apparaat), "next": "https://example.org/"})
    assert r.status_code == 302 and r.url == "/"


# --- API --------------------------------------------------------------------------------------------


def test_api_refuses_a_session_without_the_code_step(client, beheerder):
    wachtwoord_inloggen(client, "vo-beheer")
    r = client.get("/api/leerlingen/")
    assert r.status_code == 403
    assert "Tweestapsverificatie is vereist" in r.json()["detail"]


def test_api_accepts_a_completed_login(client, beheerder):
    inloggen(client, beheerder)
    assert client.get("/api/leerlingen/").status_code == 200


def test_api_token_works_and_basic_authentication_does_not(beheerder):
    token = Token.objects.create(user=beheerder)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/leerlingen/").status_code == 200

    basic = base64.b64encode(f"vo-beheer:{WACHTWOORD}".encode()).decode()
    api.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    assert api.get("/api/leerlingen/").status_code in (401, 403)
    api.credentials()
    assert api.get("/api/leerlingen/").status_code in (401, 403)


def test_applicatiebeheerder_creates_a_token_in_the_admin(client, beheerder):
    inloggen(client, gebruiker_met_rol("applicatiebeheerder"))
    assert client.get("/beheer/authtoken/tokenproxy/add/").status_code == 200
    r = client.post("/beheer/authtoken/tokenproxy/add/", {"user": beheerder.pk})
    assert r.status_code == 302
    token = Token.objects.get(user=beheerder)
    regel = AuditRegel.objects.get(model="authtoken.TokenProxy")
    assert (regel.actie, regel.kanaal, regel.object_id) == ("create", "admin", str(beheerder.pk))
    assert token.key not in f"{regel.object_repr} {regel.oud} {regel.nieuw}"
    # ...which a beheerder cannot.
    client.post("/uitloggen/")
    inloggen(client, beheerder)
    assert client.get("/beheer/authtoken/tokenproxy/add/").status_code == 403


# --- headers ----------------------------------------------------------------------------------------

CSP_DELEN = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


@pytest.mark.parametrize("pad", ["/inloggen/", "/api/docs/"])
def test_content_security_policy_header(client, pad):
    r = client.get(pad)
    assert r.status_code == 200
    beleid = r["Content-Security-Policy"]
    for deel in CSP_DELEN:
        assert deel in beleid


def test_api_docs_load_swagger_from_this_site(client):
    body = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()
    assert "<style" not in body
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
