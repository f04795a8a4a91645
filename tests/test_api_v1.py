"""/api/v1/: an integration works through the API alone, with an instelling's key; rule errors
are 400s naming the rule; updates need If-Match; keys are bound to one instelling and a scope;
every write is audited with channel API and the key's name; throttling answers 429."""

import datetime

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from registratie.models import Fase, Inschrijving, Leerling, Signaal, SignaalStatus
from samenwerking.api.sleutels import sleutel_aanmaken, sleutel_intrekken
from samenwerking.models import ApiScope, AuditRegel, Kanaal
from tests.factories import (
    InstellingFactory,
    KwalificatieFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
    route_leerling,
)

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


@pytest.fixture(autouse=True)
def _lege_cache():
    cache.clear()  # throttle counters


def met_sleutel(instelling, bevoegdheid=ApiScope.LEZEN_SCHRIJVEN, naam="Magister"):
    beheerder = gebruiker_met_rol("beheerder", instelling=instelling)
    _rij, sleutel = sleutel_aanmaken(
        instelling=instelling, naam=naam, bevoegdheid=bevoegdheid, door=beheerder
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {sleutel}")
    return client


@pytest.fixture
def scholen():
    vo, mbo = InstellingFactory(), InstellingFactory(mbo=True)
    overeenkomst = OvereenkomstFactory(actief=True, vo_instelling=vo, mbo_instelling=mbo)
    return vo, mbo, overeenkomst


def test_an_integration_creates_a_route_a_student_and_both_enrolments_through_the_api(scholen):
    vo, mbo, overeenkomst = scholen
    vo_api, mbo_api = met_sleutel(vo), met_sleutel(mbo, naam="Eduarte")
    kwalificatie = KwalificatieFactory(niveau=2)
    route = vo_api.post(
        f"{V1}/leerroutes/",
        {
            "naam": "Techniek GLR",
            "soort": "GLR",
            "overeenkomst": overeenkomst.pk,
            "leerweg": "BB",
            "kwalificatie": kwalificatie.pk,
            "startdatum": "2024-08-01",
        },
        format="json",
    )
    assert route.status_code == 201, route.content
    leerling = vo_api.post(
        f"{V1}/leerlingen/",
        {
            "bsn": "123456782",
            "voorletters": "A.",
            "achternaam": "Api",
            "geboortedatum": "2011-02-03",
            "instelling": vo.pk,
        },
        format="json",
    )
    assert leerling.status_code == 201, leerling.content
    assert leerling.json()["bsn"].endswith("782") and "123456" not in leerling.json()["bsn"]
    gemeen = {"leerling": leerling.json()["id"], "leerroute": route.json()["id"], "opleidingskenmerk": "GLR"}
    vo_kant = vo_api.post(
        f"{V1}/inschrijvingen/",
        gemeen
        | {
            "sector": "vo",
            "instelling": vo.pk,
            "inschrijvingsvolgnummer": "VO-1",
            "fase": "vo",
            "startdatum": "2024-08-01",
            "leerjaar": 3,
            "leerweg": "BB",
        },
        format="json",
    )
    assert vo_kant.status_code == 201, vo_kant.content
    mbo_kant = mbo_api.post(
        f"{V1}/inschrijvingen/",
        gemeen
        | {
            "sector": "mbo",
            "instelling": mbo.pk,
            "inschrijvingsvolgnummer": "MBO-1",
            "fase": "vo",
            "startdatum": "2024-08-01",
            "kwalificatie": kwalificatie.pk,
            "leervorm": "BOL",
        },
        format="json",
    )
    assert mbo_kant.status_code == 201, mbo_kant.content
    assert Inschrijving.objects.filter(leerling_id=gemeen["leerling"]).count() == 2
    regels = AuditRegel.objects.filter(kanaal=Kanaal.API)
    assert set(regels.values_list("api_sleutel", flat=True)) == {"Magister", "Eduarte"}
    assert regels.filter(model="registratie.Leerling", api_sleutel="Magister").exists()


def test_a_forbidden_combination_is_a_400_naming_its_rule(scholen):
    vo, _mbo, overeenkomst = scholen
    vo_kant, _mbo_kant = route_leerling(LeerrouteFactory(overeenkomst=overeenkomst))
    # R-INS-2: the vo side may not end while the mbo side runs on in the vo-fase.
    r = met_sleutel(vo).post(
        f"{V1}/inschrijvingen/{vo_kant.pk}/beeindigen/",
        {"einddatum": "2026-01-31", "reden": "glr_mbo_fase"},
        format="json",
    )
    assert r.status_code == 400, r.content
    rules = {p["rule"] for p in r.json()["invalidParams"]}
    assert "R-INS-2" in rules
    vo_kant.refresh_from_db()
    assert vo_kant.einddatum is None


def test_a_fase_change_on_a_date_other_than_1_august_is_refused_by_rule(scholen):
    vo, _mbo, overeenkomst = scholen
    vo_kant, _ = route_leerling(LeerrouteFactory(overeenkomst=overeenkomst))
    r = met_sleutel(vo).post(
        f"{V1}/inschrijvingen/{vo_kant.pk}/fase/",
        {"naar_fase": "mbo", "ingangsdatum": "2025-09-01"},
        format="json",
    )
    assert r.status_code == 400
    assert any(p["rule"] == "R-INS-4" for p in r.json()["invalidParams"])


def test_update_needs_if_match_and_a_stale_etag_is_412(scholen):
    vo, _mbo, overeenkomst = scholen
    vo_kant, _ = route_leerling(LeerrouteFactory(overeenkomst=overeenkomst))
    api = met_sleutel(vo)
    url = f"{V1}/leerlingen/{vo_kant.leerling_id}/"
    etag = api.get(url)["ETag"]
    assert api.patch(url, {"roepnaam": "Zonder"}, format="json").status_code == 428
    r = api.patch(url, {"roepnaam": "Eerste"}, format="json", HTTP_IF_MATCH=etag)
    assert r.status_code == 200 and r["ETag"] != etag
    # A second system that still holds the old version cannot overwrite unseen.
    assert api.patch(url, {"roepnaam": "Tweede"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert Leerling.objects.get(pk=vo_kant.leerling_id).roepnaam == "Eerste"
    assert api.patch(url, {"roepnaam": "Tweede"}, format="json", HTTP_IF_MATCH=r["ETag"]).status_code == 200


def test_a_read_key_cannot_write_and_sees_only_its_instelling(scholen):
    vo, _mbo, overeenkomst = scholen
    vo_kant, _ = route_leerling(LeerrouteFactory(overeenkomst=overeenkomst))
    ander, _ = route_leerling()
    lezen = met_sleutel(vo, ApiScope.LEZEN)
    ids = {r["id"] for r in lezen.get(f"{V1}/leerlingen/").json()["results"]}
    assert ids == {vo_kant.leerling_id}
    assert lezen.get(f"{V1}/leerlingen/{ander.leerling_id}/").status_code == 404
    r = lezen.post(
        f"{V1}/inschrijvingen/{vo_kant.pk}/diplomadatum/", {"vmbo_diploma_datum": "2025-07-01"}, format="json"
    )
    assert r.status_code == 403
    assert Inschrijving.objects.get(pk=vo_kant.pk).vmbo_diploma_datum is None


def test_a_key_acts_only_for_its_own_instelling_even_if_its_maker_has_more():
    """The maker is beheerder of two schools; the key of one does not see the other's students."""
    vo1, vo2 = InstellingFactory(), InstellingFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=vo1)
    beheerder.lidmaatschappen.create(rol="beheerder", instelling=vo2)
    eigen, _ = route_leerling(
        LeerrouteFactory(overeenkomst=OvereenkomstFactory(actief=True, vo_instelling=vo1))
    )
    andere, _ = route_leerling(
        LeerrouteFactory(overeenkomst=OvereenkomstFactory(actief=True, vo_instelling=vo2))
    )
    _rij, sleutel = sleutel_aanmaken(
        instelling=vo1, naam="LAS", bevoegdheid=ApiScope.LEZEN_SCHRIJVEN, door=beheerder
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {sleutel}")
    ids = {r["id"] for r in api.get(f"{V1}/leerlingen/").json()["results"]}
    assert ids == {eigen.leerling_id}
    assert api.get(f"{V1}/leerlingen/{andere.leerling_id}/").status_code == 404


def test_a_revoked_key_answers_401(scholen):
    vo, _mbo, _o = scholen
    beheerder = gebruiker_met_rol("beheerder", instelling=vo)
    rij, sleutel = sleutel_aanmaken(instelling=vo, naam="Oud", bevoegdheid=ApiScope.LEZEN, door=beheerder)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {sleutel}")
    assert api.get(f"{V1}/leerlingen/").status_code == 200
    sleutel_intrekken(sleutel=rij, door=beheerder)
    r = api.get(f"{V1}/leerlingen/")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"


def test_diploma_date_and_uitstroom_through_the_api(scholen):
    vo, _mbo, overeenkomst = scholen
    route = LeerrouteFactory(overeenkomst=overeenkomst)
    vo_kant, _ = route_leerling(route, met_mbo=False)
    api = met_sleutel(vo)
    r = api.post(
        f"{V1}/inschrijvingen/{vo_kant.pk}/diplomadatum/", {"vmbo_diploma_datum": "2025-07-01"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["vmbo_diploma_datum"] == "2025-07-01"
    r = api.post(
        f"{V1}/uitstroom/",
        {
            "leerling": vo_kant.leerling_id,
            "leerroute": route.pk,
            "datum": "2025-10-01",
            "reden": "stopt",
            "bestemming": "mbo",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    vo_kant.refresh_from_db()
    assert vo_kant.einddatum == datetime.date(2025, 10, 1)


def test_signal_decisions_by_the_coordinator_and_409_when_already_decided(scholen):
    vo, mbo, overeenkomst = scholen
    vo_kant, _ = route_leerling(LeerrouteFactory(overeenkomst=overeenkomst))
    signaal = Signaal.objects.create(
        regel="R-INS-4",
        sleutel="test",
        leerling=vo_kant.leerling,
        inschrijving=vo_kant,
        overeenkomst=overeenkomst,
        instelling=vo,
        partner_instelling=mbo,
        toelichting="Fasewissel voorgesteld",
    )
    coordinator = APIClient()
    coordinator.force_authenticate(gebruiker_met_rol("coordinator", overeenkomst=overeenkomst))
    beheerder = met_sleutel(vo)
    url = f"{V1}/signalen/{signaal.pk}/afwijzen/"
    assert beheerder.post(url, {"reden": "niet van ons"}, format="json").status_code == 403
    assert coordinator.post(url, {"reden": ""}, format="json").status_code == 400
    r = coordinator.post(url, {"reden": "Klopt niet"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == SignaalStatus.AFGEWEZEN
    assert coordinator.post(url, {"reden": "nogmaals"}, format="json").status_code == 409


@override_settings(LEERROUTE_API_TEMPO="3/minute")
def test_each_key_is_throttled_on_its_own(scholen):
    vo, mbo, _o = scholen
    eerste, tweede = met_sleutel(vo), met_sleutel(mbo, naam="Ander")
    statussen = [eerste.get(f"{V1}/instellingen/").status_code for _ in range(4)]
    assert statussen == [200, 200, 200, 429]
    assert tweede.get(f"{V1}/instellingen/").status_code == 200


def test_the_schema_documents_errors_and_marks_the_old_prefix_deprecated(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    v1 = schema["paths"]["/api/v1/leerlingen/{id}/"]
    assert {"400", "401", "403", "404", "409", "412", "428", "429"} <= set(v1["patch"]["responses"])
    assert not v1["get"].get("deprecated")
    assert schema["paths"]["/api/leerlingen/{id}/"]["get"]["deprecated"] is True
    assert "invalidParams" in schema["components"]["schemas"]["OngeldigeInvoer"]["properties"]


def test_fase_list_and_rod_leveringen_are_listed(scholen):
    vo, _mbo, _overeenkomst = scholen
    api = met_sleutel(vo)
    for pad in ("fasewissels", "uitstroom", "signalen", "rod-leveringen", "overeenkomsten"):
        r = api.get(f"{V1}/{pad}/", {"ordering": "-id"})
        assert r.status_code == 200, (pad, r.content)
    assert api.get(f"{V1}/leerlingen/", {"ordering": "geboortedatum"}).status_code == 200
    assert Fase.MBO == "mbo"
