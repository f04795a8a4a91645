"""ROD count dates and their locks (registratie/rod/teldata.py): after the deadline a change to a
delivered enrolment that alters what was registered on the count date asks for a correction
reason, marked in the message and the audit trail; after closing it is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registratie.models import RodBericht
from registratie.rod import bericht, teldata, verzenden, wachtrij
from registratie.services import inschrijving_beeindigen
from samenwerking.models import AuditRegel
from tests.factories import GebruikerFactory
from tests.login import inloggen
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the batch files of the file transport


VANDAAG = timezone.localdate()
DAG = datetime.timedelta(days=1)


def _md(d: datetime.date) -> str:
    return f"{d:%m-%d}"


@pytest.fixture
def beperkt(settings):
    """A count date 30 days ago whose deadline passed 10 days ago and that closes in 30 days."""
    t = VANDAAG - 30 * DAG
    settings.LEERROUTE_ROD_TELDATA = {
        s: [{"teldatum": _md(t), "uiterlijk": _md(VANDAAG - 10 * DAG), "gesloten": _md(VANDAAG + 30 * DAG)}]
        for s in ("vo", "mbo")
    }
    return t


@pytest.fixture
def gesloten(settings):
    t = VANDAAG - 60 * DAG
    settings.LEERROUTE_ROD_TELDATA = {
        s: [{"teldatum": _md(t), "uiterlijk": _md(VANDAAG - 40 * DAG), "gesloten": _md(VANDAAG - 5 * DAG)}]
        for s in ("vo", "mbo")
    }
    return t


def _geleverd(start: datetime.date):
    route = route_met_vestigingen()
    vo, _mbo = leerling_in_route(route, startdatum=start)
    wachtrij.in_wachtrij([vo.pk])
    verzenden.verzenden()
    return vo


def test_status_per_count_date():
    t = teldata.Teldatum(
        "vo", datetime.date(2026, 10, 1), datetime.date(2026, 10, 15), datetime.date(2026, 12, 1)
    )
    assert t.status(datetime.date(2026, 10, 15)) == "open"
    assert t.status(datetime.date(2026, 10, 16)) == "beperkt"
    assert t.status(datetime.date(2026, 12, 1)) == "gesloten"


def test_default_count_dates_vo_october_mbo_october_and_february():
    vo = teldata.teldata("vo", range(2026, 2027))
    mbo = teldata.teldata("mbo", range(2026, 2027))
    assert [(t.datum, t.uiterlijk) for t in vo] == [(datetime.date(2026, 10, 1), datetime.date(2026, 10, 15))]
    assert [t.datum for t in mbo] == [datetime.date(2026, 2, 1), datetime.date(2026, 10, 1)]


def test_backdated_end_after_the_deadline_asks_for_a_reason(beperkt):
    vo = _geleverd(beperkt - 100 * DAG)
    gebruiker = GebruikerFactory()
    with pytest.raises(ValidationError) as exc:
        inschrijving_beeindigen(inschrijving=vo, einddatum=beperkt - DAG, reden="overstap", door=gebruiker)
    assert "correctiereden" in str(exc.value)
    vo.refresh_from_db()
    assert vo.einddatum is None  # nothing half-saved
    with teldata.correctie("uitschrijving te laat ingevoerd"):
        inschrijving_beeindigen(inschrijving=vo, einddatum=beperkt - DAG, reden="overstap", door=gebruiker)
    b = RodBericht.objects.get(inschrijving=vo, status="in_wachtrij")
    assert b.correctie == "uitschrijving te laat ingevoerd"
    regel = AuditRegel.objects.filter(model="registratie.Inschrijving", object_id=str(vo.pk)).latest("id")
    assert regel.nieuw["rod_correctie"] == "uitschrijving te laat ingevoerd"
    verzenden.verzenden()
    b.refresh_from_db()
    assert bericht.lezen(wachtrij.inhoud(b)).correctie == "uitschrijving te laat ingevoerd"


def test_an_end_after_the_count_date_needs_no_reason(beperkt):
    vo = _geleverd(beperkt - 100 * DAG)
    inschrijving_beeindigen(inschrijving=vo, einddatum=VANDAAG, reden="overstap", door=GebruikerFactory())
    assert RodBericht.objects.get(inschrijving=vo, status="in_wachtrij").correctie == ""


def test_an_enrolment_never_delivered_is_not_locked(beperkt):
    route = route_met_vestigingen()
    vo, _mbo = leerling_in_route(route, startdatum=beperkt - 100 * DAG)
    inschrijving_beeindigen(
        inschrijving=vo, einddatum=beperkt - DAG, reden="overstap", door=GebruikerFactory()
    )


def test_a_closed_count_date_refuses_the_change(gesloten):
    vo = _geleverd(gesloten - 100 * DAG)
    with pytest.raises(ValidationError) as exc, teldata.correctie("toch"):
        inschrijving_beeindigen(
            inschrijving=vo, einddatum=gesloten - DAG, reden="overstap", door=GebruikerFactory()
        )
    assert "gesloten" in str(exc.value)


def test_the_screen_asks_for_the_reason_and_accepts_it(client, beperkt):
    from samenwerking.models import Rol
    from tests.factories import gebruiker_met_rol

    vo = _geleverd(beperkt - 100 * DAG)
    user = gebruiker_met_rol(Rol.BEHEERDER, instelling=vo.instelling)
    inloggen(client, user)
    url = f"/leerlingen/{vo.leerling_id}/beeindigen/"
    data = {
        "einde-inschrijving": vo.pk,
        "einde-einddatum": (beperkt - DAG).isoformat(),
        "einde-reden": "overstap",
    }
    r = client.post(url, data)
    assert r.status_code == 400 and "Geef een correctiereden op" in r.content.decode()
    r = client.post(url, {**data, "einde-correctiereden": "te laat ingevoerd"})
    assert r.status_code == 302
    assert RodBericht.objects.get(inschrijving=vo, status="in_wachtrij").correctie == "te laat ingevoerd"
