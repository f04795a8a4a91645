"""The page benchmark of ``manage.py bench``: every daily page per role, in-process.

Each page is requested through Django's test client (the whole middleware stack, templates and
the database, no network), with DEBUG off, as a demo user of each role who has completed the
two-step login. Per page: two warm-up requests, then ``herhalingen`` measured ones; the figure is
their p95. The floor is the same measurement of a minimal login-required view through the same
client, so the ratio shows what the page itself costs on top of the framework.

A benchmark to run by hand on a database made for it (``bench_seed``), never a timed test.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.opstart import bevries_na_opstart
from registratie.management.bench import piek_rss_mb
from samenwerking.tweestaps import vereist_tweestaps

GRENS_MS = 150.0
VLOER_URL = "/__bench__/vloer/"

# (role in the table, demo user)
ROLLEN = (
    ("applicatiebeheerder", "demo-applicatiebeheer"),
    ("beheerder vo", "demo-beheer-vo"),
    ("beheerder mbo", "demo-beheer-mbo"),
    ("coordinator", "demo-coordinator"),
    ("lezer", "demo-lezer"),
)


@login_required
def _vloer(request):
    """The floor: a login-required view that does nothing."""
    return HttpResponse("ok")


def _urlconf():
    """The project's URLs plus the floor view, for the benchmark's child process only (so the
    isolation matrix, which reads the project's resolver, never sees it)."""
    import types

    from config import urls

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path(VLOER_URL.strip("/") + "/", _vloer), *urls.urlpatterns]
    return module


@dataclass
class Meting:
    pagina: str
    rol: str
    url: str
    status: int
    p95_ms: float
    vloer_ms: float
    piek_rss_mb: float

    @property
    def verhouding(self) -> float:
        return self.p95_ms / self.vloer_ms if self.vloer_ms else math.nan


def p95(waarden: list[float]) -> float:
    """The 95th percentile (nearest rank): of 7 values, the highest."""
    geordend = sorted(waarden)
    return geordend[max(0, math.ceil(0.95 * len(geordend)) - 1)]


def ingelogd(user) -> Client:
    """A client for ``user`` as after a completed login (password and, where the role needs it,
    the two-step code)."""
    client = Client()
    client.force_login(user)
    if vereist_tweestaps(user):
        apparaat = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = apparaat.persistent_id
        session.save()
    return client


def _meet(client: Client, url: str, herhalingen: int) -> tuple[int, float]:
    status = 0
    for _ in range(2):
        status = client.get(url).status_code
    tijden = []
    for _ in range(herhalingen):
        begin = time.perf_counter()
        status = client.get(url).status_code
        tijden.append((time.perf_counter() - begin) * 1000)
    return status, p95(tijden)


def paginas(user) -> list[tuple[str, str]]:
    """(name, url) of every page the issue lists, with objects this user sees."""
    from leerroute.models import Leerroute
    from registratie.models import Fasewissel, Inschrijving, Leerling, Signaal, Uitstroom
    from registratie.rod.models import RodBericht, RodLevering
    from samenwerking.models import Instelling, Samenwerkingsovereenkomst

    def eerste(model, **order):
        return model.objects.for_user(user).order_by("pk").values_list("pk", flat=True).first()

    # A route student with a running enrolment on both sides: the usual student page.
    lopend = Inschrijving.objects.filter(leerling=OuterRef("pk"), einddatum__isnull=True)
    leerling = (
        Leerling.objects.for_user(user)
        .filter(Exists(lopend.filter(sector="vo")), Exists(lopend.filter(sector="mbo")))
        .order_by("achternaam", "voornamen", "id")
        .values_list("pk", flat=True)
        .first()
    )
    urls = [
        ("home", "/"),
        ("leerlingen", "/leerlingen/"),
        ("leerlingen p50", "/leerlingen/?pagina=50"),
        ("leerling", f"/leerlingen/{leerling}/"),
        ("signalen", "/signalen/"),
        ("monitoring", "/monitoring/"),
        ("rod", "/rod/"),
        ("dubbele lijst", "/dubbele-lijst/"),
        ("dubbele lijst afwijkingen", "/dubbele-lijst/?afwijkingen=on"),
        ("dubbele lijst gesorteerd", "/dubbele-lijst/?sort=startdatum"),
        ("dubbele lijst gesorteerd aflopend", "/dubbele-lijst/?sort=-startdatum&pagina=20"),
        ("werklijst mbo", "/werklijst-mbo/"),
        ("aanmelden", "/aanmelden/"),
        ("beheer leerlingen", "/beheer/registratie/leerling/"),
        ("beheer inschrijvingen", "/beheer/registratie/inschrijving/"),
        ("beheer signalen", "/beheer/registratie/signaal/"),
    ]
    # Issue 13: the review queue and monitoring with their filters, as the dashboard links them.
    route = eerste(Leerroute)
    instelling = eerste(Instelling)
    urls += [
        ("signalen route", f"/signalen/?leerroute={route}&regel=R-INS-1&sorteer=oud"),
        ("signalen mij cohort", "/signalen/?mij=1&cohort=2024&status="),
        ("signalen school regel", f"/signalen/?instelling={instelling}&sorteer=regel"),
        ("signalen alle statussen", "/signalen/?status=&sorteer=datum"),
        ("signalen afgewezen", "/signalen/?status=afgewezen"),
        ("overgangen", "/signalen/overgangen/"),
        ("overgangen route", f"/signalen/overgangen/?leerroute={route}"),
        ("monitoring route", f"/monitoring/?leerroute={route}&cohort=2024"),
        ("monitoring vergelijk", "/monitoring/?cohort=2023&cohort=2024"),
        ("monitoring afdrukken", f"/monitoring/?leerroute={route}&afdrukken=1"),
        ("monitoring csv", "/monitoring/?formaat=csv"),
    ]
    # Issue 15: the ROD queue screen with its filters (the applicatiebeheerder's run over every
    # instelling) and one message with its history and content.
    bericht = RodBericht.objects.for_user(user).order_by("pk").values_list("pk", "sleutel").first()
    urls += [
        ("rod berichten", "/rod/berichten/"),
        ("rod berichten wachtrij", "/rod/berichten/?status=in_wachtrij"),
        ("rod berichten afgekeurd", "/rod/berichten/?status=afgekeurd"),
        ("rod berichten verwijderingen", "/rod/berichten/?soort=verwijdering"),
        ("rod berichten sleutel", f"/rod/berichten/?sleutel={bericht[1] if bericht else 'X'}"),
    ]
    if bericht:
        urls.append(("rod bericht", f"/rod/berichten/{bericht[0]}/"))
    # Issue 12: the agreement and route screens, a list and the detail of the first one in scope.
    urls += [
        ("overeenkomsten", "/overeenkomsten/"),
        ("overeenkomst", f"/overeenkomsten/{eerste(Samenwerkingsovereenkomst)}/"),
        ("leerroutes", "/leerroutes/"),
        ("leerroute", f"/leerroutes/{route}/"),
    ]
    for naam, model in (
        ("instellingen", Instelling),
        ("overeenkomsten", Samenwerkingsovereenkomst),
        ("leerroutes", Leerroute),
        ("leerlingen", Leerling),
        ("inschrijvingen", Inschrijving),
        ("fasewissels", Fasewissel),
        ("uitstroom", Uitstroom),
        ("signalen", Signaal),
        ("rod-leveringen", RodLevering),
    ):
        urls.append((f"api {naam}", f"/api/v1/{naam}/"))
        pk = leerling if model is Leerling else eerste(model)
        if model is not Uitstroom:  # the demo's small sizes may hold no uitstroom: list only
            urls.append((f"api {naam} detail", f"/api/v1/{naam}/{pk}/"))
    urls.append(("api situatie", f"/api/v1/leerlingen/{leerling}/situatie/"))
    return urls


def meet_alles(herhalingen: int, melden: Callable[[Meting], None] | None = None) -> list[Meting]:
    """Every page for every role; ``melden`` sees each row as it is measured."""
    from samenwerking.models import Gebruiker

    resultaat = []
    with override_settings(ROOT_URLCONF=_urlconf(), DEBUG=False):
        # As the server process does after starting (config/wsgi.py): else a full garbage
        # collection over every object of startup (and of the seed) lands in some measured request.
        bevries_na_opstart()
        for rol, username in ROLLEN:
            user = Gebruiker.objects.get(username=username)
            client = ingelogd(user)
            _, vloer = _meet(client, VLOER_URL, herhalingen)
            for naam, url in paginas(user):
                status, ms = _meet(client, url, herhalingen)
                m = Meting(naam, rol, url, status, ms, vloer, piek_rss_mb())
                resultaat.append(m)
                if melden:
                    melden(m)
    return resultaat
