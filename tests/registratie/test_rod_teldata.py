"""ROD count dates and their locks (registratie/rod/teldata.py): after the deadline a change to a
delivered enrolment that alters what was registered on the count date asks for a correction
reason, marked in the message and the audit trail; after closing it is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registratie.models import RodBericht
from registratie.rod import bericht_lezen, teldata, verzenden, wachtrij
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
    assert bericht_lezen.lezen(wachtrij.inhoud(b)).correctie == "uitschrijving te laat ingevoerd"


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


# --- every path that changes a delivered enrolment asks for the reason the same way ---------------


def _formulier(client, url: str, form_id: str) -> dict:
    """The admin form's values as the browser would post them back."""
    from lxml import html

    r = client.get(url)
    assert r.status_code == 200, r.status_code
    form = html.fromstring(r.content).get_element_by_id(form_id)
    return dict(form.form_values())


def _gemarkeerd_als_correctie(vo, reden: str, kanaal: str) -> None:
    """The change is in the queue's message and in the audit trail as a correction, by that path."""
    assert RodBericht.objects.get(inschrijving=vo, status="in_wachtrij").correctie == reden
    regel = AuditRegel.objects.filter(model="registratie.Inschrijving", object_id=str(vo.pk)).latest("id")
    assert regel.nieuw["rod_correctie"] == reden and regel.kanaal == kanaal


@pytest.fixture
def vo_beheerder(client):
    from tests.factories import gebruiker_met_rol

    def inloggen_bij(vo):
        inloggen(client, gebruiker_met_rol("beheerder", instelling=vo.instelling))

    return inloggen_bij


def test_the_admin_enrolment_form_asks_for_the_reason_beside_its_field(client, beperkt, vo_beheerder):
    vo = _geleverd(beperkt - 100 * DAG)
    vo_beheerder(vo)
    url = f"/beheer/registratie/inschrijving/{vo.pk}/change/"
    data = _formulier(client, url, "inschrijving_form") | {"leerjaar": "4"}
    r = client.post(url, data)
    assert r.status_code == 200  # the form again, not a server error
    # Beside the reason's field, naming the count date's lock.
    veldfout = r.content.decode().split('id="id_correctiereden_error"', 1)[1].split("</ul>", 1)[0]
    assert "ROD-teldatum" in veldfout and "Geef een correctiereden op" in veldfout
    vo.refresh_from_db()
    assert vo.leerjaar == 3  # nothing half-saved
    assert not RodBericht.objects.filter(inschrijving=vo, status="in_wachtrij").exists()

    r = client.post(url, data | {"correctiereden": "leerjaar verkeerd ingevoerd"})
    assert r.status_code == 302, r.content.decode()[:2000]
    vo.refresh_from_db()
    assert vo.leerjaar == 4
    _gemarkeerd_als_correctie(vo, "leerjaar verkeerd ingevoerd", "admin")


def test_the_admin_student_page_asks_for_the_reason_on_the_enrolment_row(client, beperkt, vo_beheerder):
    vo = _geleverd(beperkt - 100 * DAG)
    vo_beheerder(vo)
    url = f"/beheer/registratie/leerling/{vo.leerling_id}/change/"
    data = _formulier(client, url, "leerling_form")
    rij = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(vo.pk))
    data[f"inschrijvingen-{rij}-leerjaar"] = "4"
    r = client.post(url, data)
    assert r.status_code == 200 and "Geef een correctiereden op" in r.content.decode()
    vo.refresh_from_db()
    assert vo.leerjaar == 3

    r = client.post(url, data | {f"inschrijvingen-{rij}-correctiereden": "leerjaar gecorrigeerd"})
    assert r.status_code == 302, r.content.decode()[:2000]
    vo.refresh_from_db()
    assert vo.leerjaar == 4
    _gemarkeerd_als_correctie(vo, "leerjaar gecorrigeerd", "admin")


def _api(vo):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from samenwerking.api.sleutels import sleutel_aanmaken
    from samenwerking.models import ApiScope
    from tests.factories import gebruiker_met_rol

    cache.clear()  # throttle counters
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling)
    _rij, sleutel = sleutel_aanmaken(
        instelling=vo.instelling, naam="Magister", bevoegdheid=ApiScope.LEZEN_SCHRIJVEN, door=beheerder
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {sleutel}")
    return api


def test_the_api_refuses_without_the_reason_naming_the_field_and_accepts_it(beperkt):
    vo = _geleverd(beperkt - 100 * DAG)
    api = _api(vo)
    url = f"/api/v1/inschrijvingen/{vo.pk}/beeindigen/"
    body = {"einddatum": (beperkt - DAG).isoformat(), "reden": "overstap"}
    r = api.post(url, body, format="json")
    assert r.status_code == 400
    [fout] = r.json()["invalidParams"]
    assert fout["name"] == "correctiereden" and "ROD-teldatum" in fout["reason"]
    vo.refresh_from_db()
    assert vo.einddatum is None

    r = api.post(url, body | {"correctiereden": "uitschrijving te laat doorgegeven"}, format="json")
    assert r.status_code == 200, r.content
    vo.refresh_from_db()
    assert vo.einddatum == beperkt - DAG
    _gemarkeerd_als_correctie(vo, "uitschrijving te laat doorgegeven", "api")


def _import_csv(vo, leerjaar: int, correctiereden: str = "") -> bytes:
    ll = vo.leerling
    kop = "bsn;voorletters;voornamen;tussenvoegsel;achternaam;geboortedatum;leerroute;"
    kop += "inschrijvingsvolgnummer;startdatum;fase;leerjaar;leerweg;correctiereden"
    rij = [
        ll.bsn,
        ll.voorletters,
        ll.voornamen,
        ll.tussenvoegsel,
        ll.achternaam,
        ll.geboortedatum.isoformat(),
    ]
    rij += [vo.leerroute.naam, vo.inschrijvingsvolgnummer, vo.startdatum.isoformat(), "vo", str(leerjaar)]
    rij += [vo.leerweg, correctiereden]
    return f"{kop}\n{';'.join(rij)}\n".encode()


def test_the_import_refuses_a_row_without_the_reason_in_its_column_and_takes_it(beperkt):
    from registratie.importeren import importeer
    from tests.factories import gebruiker_met_rol

    vo = _geleverd(beperkt - 100 * DAG)
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling)
    rapport = importeer(
        _import_csv(vo, 4), "las.csv", instelling=vo.instelling, door=beheerder, dry_run=False
    )
    assert not rapport.doorgevoerd
    assert [(f.rij, f.kolom) for f in rapport.fouten] == [(2, "correctiereden")]
    assert "ROD-teldatum" in rapport.fouten[0].melding
    vo.refresh_from_db()
    assert vo.leerjaar == 3

    rapport = importeer(
        _import_csv(vo, 4, "leerjaar in het LAS gecorrigeerd"),
        "las.csv",
        instelling=vo.instelling,
        door=beheerder,
        dry_run=False,
    )
    assert rapport.doorgevoerd and rapport.gewijzigd == 1, rapport.fouten
    vo.refresh_from_db()
    assert vo.leerjaar == 4
    _gemarkeerd_als_correctie(vo, "leerjaar in het LAS gecorrigeerd", "import")


# An uitstroom ends the route's enrolments on its date: backdated before a locked count date, it
# asks for the reason on its own screens too.


def _uitstroom(vo, datum) -> dict:
    return {
        "leerling": vo.leerling_id,
        "leerroute": vo.leerroute_id,
        "datum": datum.isoformat(),
        "reden": "stopt",
        "bestemming": "mbo",
        "toelichting": "",
    }


def test_an_uitstroom_in_the_admin_asks_for_the_reason_beside_its_field(client, beperkt, vo_beheerder):
    vo = _geleverd(beperkt - 100 * DAG)
    vo_beheerder(vo)
    url = "/beheer/registratie/uitstroom/add/"
    data = _uitstroom(vo, beperkt - DAG)
    r = client.post(url, data)
    assert r.status_code == 200  # the form again, not a server error
    veldfout = r.content.decode().split('id="id_correctiereden_error"', 1)[1].split("</ul>", 1)[0]
    assert "Geef een correctiereden op" in veldfout
    vo.refresh_from_db()
    assert vo.einddatum is None

    r = client.post(url, data | {"correctiereden": "uitstroom te laat gemeld"})
    assert r.status_code == 302, r.content.decode()[:2000]
    vo.refresh_from_db()
    assert vo.einddatum == beperkt - DAG
    _gemarkeerd_als_correctie(vo, "uitstroom te laat gemeld", "admin")
    # The recorded uitstroom is shown read-only, without the reason's form field.
    from registratie.models import Uitstroom

    assert (
        client.get(f"/beheer/registratie/uitstroom/{Uitstroom.objects.get().pk}/change/").status_code == 200
    )


def test_an_uitstroom_on_the_student_page_asks_for_the_reason(client, beperkt, vo_beheerder):
    vo = _geleverd(beperkt - 100 * DAG)
    vo_beheerder(vo)
    url = f"/leerlingen/{vo.leerling_id}/uitstroom/"
    data = _uitstroom(vo, beperkt - DAG)
    r = client.post(url, data)
    assert r.status_code == 400 and "Geef een correctiereden op" in r.content.decode()
    r = client.post(url, data | {"correctiereden": "uitstroom te laat gemeld"})
    assert r.status_code == 302
    _gemarkeerd_als_correctie(vo, "uitstroom te laat gemeld", "ui")


def test_an_uitstroom_through_the_api_asks_for_the_reason(beperkt):
    vo = _geleverd(beperkt - 100 * DAG)
    api = _api(vo)
    data = _uitstroom(vo, beperkt - DAG)
    r = api.post("/api/v1/uitstroom/", data, format="json")
    assert r.status_code == 400
    assert [f["name"] for f in r.json()["invalidParams"]] == ["correctiereden"]
    r = api.post("/api/v1/uitstroom/", data | {"correctiereden": "uitstroom te laat gemeld"}, format="json")
    assert r.status_code == 201, r.content
    assert "correctiereden" not in r.json()
    _gemarkeerd_als_correctie(vo, "uitstroom te laat gemeld", "api")


@pytest.fixture
def half_na_teldatum(beperkt):
    """Both sides delivered; the mbo side ended as overstap before the count date (a correction),
    the vo side runs on: the coordinator's R-INS-10 signal is open."""
    from registratie.models import Signaal
    from tests.factories import gebruiker_met_rol

    route = route_met_vestigingen()
    vo, mbo = leerling_in_route(route, startdatum=beperkt - 100 * DAG)
    wachtrij.in_wachtrij([vo.pk, mbo.pk])
    verzenden.verzenden()
    with teldata.correctie("overstap te laat gemeld"):
        inschrijving_beeindigen(inschrijving=mbo, einddatum=beperkt - DAG, reden="overstap", door=None)
    signaal = Signaal.objects.get(regel="R-INS-10", leerling=vo.leerling, status="open")
    return vo, mbo, signaal, gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)


def test_the_signal_screen_asks_for_the_reason_to_record_the_uitstroom(client, half_na_teldatum):
    vo, _mbo, signaal, coordinator = half_na_teldatum
    inloggen(client, coordinator)
    url = f"/signalen/{signaal.pk}/uitstroom/"
    data = {"reden": "overstap_opleiding", "bestemming": "mbo", "toelichting": "", "datum": ""}
    r = client.post(url, data, follow=True)
    assert "Geef een correctiereden op" in r.content.decode()
    vo.refresh_from_db()
    assert vo.einddatum is None
    client.post(url, data | {"correctiereden": "uitstroom te laat gemeld"})
    vo.refresh_from_db()
    assert vo.einddatum is not None
    _gemarkeerd_als_correctie(vo, "uitstroom te laat gemeld", "ui")


def test_the_signal_screen_asks_for_the_reason_to_reopen(client, half_na_teldatum):
    _vo, mbo, signaal, coordinator = half_na_teldatum
    inloggen(client, coordinator)
    url = f"/signalen/{signaal.pk}/heropenen/"
    r = client.post(url, follow=True)
    assert "Geef een correctiereden op" in r.content.decode()
    assert 'name="heropenen-correctiereden"' in r.content.decode()  # the field to give it in
    mbo.refresh_from_db()
    assert mbo.einddatum is not None
    client.post(url, {"heropenen-correctiereden": "toch niet overgestapt"})
    mbo.refresh_from_db()
    assert mbo.einddatum is None
    regel = AuditRegel.objects.filter(model="registratie.Inschrijving", object_id=str(mbo.pk)).latest("id")
    assert regel.nieuw["rod_correctie"] == "toch niet overgestapt"
