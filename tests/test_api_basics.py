"""The API (/api/…): rule errors as 400 naming field and rule, lists and details scoped by role
(outside scope: 404), the BSN masked."""

import datetime
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from registratie.models import Inschrijving
from samenwerking.models import AuditRegel
from tests.factories import (
    GebruikerFactory,
    InschrijvingFactory,
    InstellingFactory,
    LeerlingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    vo1, mbo1 = InstellingFactory(), InstellingFactory(mbo=True)
    route_a = LeerrouteFactory(
        overeenkomst=OvereenkomstFactory(actief=True, vo_instelling=vo1, mbo_instelling=mbo1)
    )
    route_b = LeerrouteFactory()
    a_vo = InschrijvingFactory(leerroute=route_a)
    b_vo = InschrijvingFactory(leerroute=route_b)
    return SimpleNamespace(
        vo1=vo1,
        mbo1=mbo1,
        route_a=route_a,
        route_b=route_b,
        a_vo=a_vo,
        b_vo=b_vo,
        a=a_vo.leerling,
        b=b_vo.leerling,
        beheerder_vo1=gebruiker_met_rol("beheerder", instelling=vo1),
        beheerder_mbo1=gebruiker_met_rol("beheerder", instelling=mbo1),
        lezer_mbo1=gebruiker_met_rol("lezer", instelling=mbo1),
    )


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def mbo_post(w, **kwargs) -> dict:
    return {
        "leerling": w.a.pk,
        "leerroute": w.route_a.pk,
        "sector": "mbo",
        "instelling": w.mbo1.pk,
        "inschrijvingsvolgnummer": "ROC-2025-001",
        "opleidingskenmerk": w.route_a.soort,
        "fase": "vo",
        "startdatum": "2025-08-01",
        "kwalificatie": w.route_a.kwalificatie_id,
        "leervorm": "BOL",
    } | kwargs


def the_param(response, name: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["title"] == "Ongeldige invoer"
    params = [p for p in body["invalidParams"] if p["name"] == name]
    assert params, body
    assert set(params[0]) == {"name", "code", "rule", "reason"}
    return params[0]


# --- Writing enrolments ---------------------------------------------------------------------------


def test_post_inschrijving_creates_it_and_audits_channel_api(w):
    response = api(w.beheerder_mbo1).post("/api/inschrijvingen/", mbo_post(w), format="json")
    assert response.status_code == 201, response.content
    i = Inschrijving.objects.get(pk=response.json()["id"])
    assert (i.sector, i.instelling, i.leerling) == ("mbo", w.mbo1, w.a)
    regel = AuditRegel.objects.get(model="registratie.Inschrijving", object_id=str(i.pk))
    assert (regel.kanaal, regel.actie, regel.gebruiker) == ("api", "create", w.beheerder_mbo1)


def test_post_with_wrong_opleidingskenmerk_names_field_and_rule(w):
    response = api(w.beheerder_mbo1).post(
        "/api/inschrijvingen/", mbo_post(w, opleidingskenmerk="DLR"), format="json"
    )
    param = the_param(response, "opleidingskenmerk")
    assert param["rule"] == "R-INS-3"
    assert param["reason"].startswith("R-INS-3: ")
    assert not Inschrijving.objects.filter(sector="mbo").exists()


def test_post_mbo_in_vo_fase_without_vo_enrolment_is_R_INS_2(w):
    zonder_vo = LeerlingFactory(instelling=w.vo1)
    InschrijvingFactory(leerroute=w.route_a, leerling=zonder_vo, mbo=True, fase="mbo")  # makes it visible
    other_route = LeerrouteFactory(overeenkomst=w.route_a.overeenkomst)
    response = api(w.beheerder_mbo1).post(
        "/api/inschrijvingen/",
        mbo_post(
            w, leerling=zonder_vo.pk, leerroute=other_route.pk, kwalificatie=other_route.kwalificatie_id
        ),
        format="json",
    )
    param = the_param(response, "fase")
    assert param["rule"] == "R-INS-2"
    assert not Inschrijving.objects.filter(leerroute=other_route).exists()
    assert not AuditRegel.objects.exists()


def test_post_under_concept_agreement_is_R_LR_8(w):
    concept = LeerrouteFactory(
        overeenkomst=OvereenkomstFactory(
            status="concept", vo_instelling=w.vo1, mbo_instelling=InstellingFactory(mbo=True)
        )
    )
    response = api(w.beheerder_vo1).post(
        "/api/inschrijvingen/",
        {
            "leerling": w.a.pk,
            "leerroute": concept.pk,
            "sector": "vo",
            "instelling": w.vo1.pk,
            "inschrijvingsvolgnummer": "VO-9",
            "opleidingskenmerk": concept.soort,
            "fase": "vo",
            "startdatum": "2025-08-01",
            "leerjaar": 3,
            "leerweg": concept.leerweg,
        },
        format="json",
    )
    param = the_param(response, "startdatum")
    assert param["rule"] == "R-LR-8"


def test_post_with_missing_field_is_a_400_without_rule(w):
    data = mbo_post(w)
    del data["startdatum"]
    param = the_param(api(w.beheerder_mbo1).post("/api/inschrijvingen/", data, format="json"), "startdatum")
    assert param["rule"] is None
    assert param["code"] == "required"


def test_post_at_an_instelling_outside_scope_is_refused(w):
    response = api(w.beheerder_vo1).post("/api/inschrijvingen/", mbo_post(w), format="json")
    the_param(response, "instelling")
    assert not Inschrijving.objects.filter(sector="mbo").exists()


def test_post_for_a_student_outside_scope_is_refused(w):
    response = api(w.beheerder_mbo1).post("/api/inschrijvingen/", mbo_post(w, leerling=w.b.pk), format="json")
    the_param(response, "leerling")


def test_lezer_cannot_post(w):
    response = api(w.lezer_mbo1).post("/api/inschrijvingen/", mbo_post(w), format="json")
    assert response.status_code == 403
    assert not Inschrijving.objects.filter(sector="mbo").exists()


def test_coordinator_cannot_post(w):
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=w.route_a.overeenkomst)
    assert api(coordinator).get("/api/inschrijvingen/").status_code == 200
    response = api(coordinator).post("/api/inschrijvingen/", mbo_post(w), format="json")
    assert response.status_code == 403
    assert not Inschrijving.objects.filter(sector="mbo").exists()


def test_anonymous_cannot_read_or_write(w):
    """No key (or a wrong one): 401 with WWW-Authenticate naming the Token scheme."""
    response = api().get("/api/leerlingen/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert api().post("/api/inschrijvingen/", mbo_post(w), format="json").status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token geen-geldige-sleutel")
    assert wrong.get("/api/v1/leerlingen/").status_code == 401
    assert not Inschrijving.objects.filter(sector="mbo").exists()


def test_students_cannot_be_deleted_through_the_api(w):
    response = api(w.beheerder_vo1).delete(f"/api/v1/leerlingen/{w.a.pk}/")
    assert response.status_code == 405


# --- Reading: scoped lists, 404 outside scope ------------------------------------------------------


def ids(response) -> set:
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_lists_answer_only_scoped_rows(w):
    client = api(w.beheerder_vo1)
    assert ids(client.get("/api/leerlingen/")) == {w.a.pk}
    assert ids(client.get("/api/inschrijvingen/")) == {w.a_vo.pk}
    assert ids(client.get("/api/leerroutes/")) == {w.route_a.pk}
    assert ids(client.get("/api/overeenkomsten/")) == {w.route_a.overeenkomst_id}


def test_user_without_role_gets_empty_lists(w):
    client = api(GebruikerFactory())
    for url in ("/api/leerlingen/", "/api/inschrijvingen/", "/api/leerroutes/", "/api/overeenkomsten/"):
        assert ids(client.get(url)) == set()


def test_instellingen_are_public_registry_data(w):
    assert {w.vo1.pk, w.mbo1.pk} <= ids(api(w.lezer_mbo1).get("/api/instellingen/"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/leerlingen/{b}/",
        "/api/inschrijvingen/{b_vo}/",
        "/api/leerroutes/{route_b}/",
        "/api/overeenkomsten/{sok_b}/",
    ],
)
def test_object_outside_scope_answers_404(w, url):
    url = url.format(b=w.b.pk, b_vo=w.b_vo.pk, route_b=w.route_b.pk, sok_b=w.route_b.overeenkomst_id)
    response = api(w.beheerder_vo1).get(url)
    assert response.status_code == 404
    assert w.b.achternaam not in response.content.decode()


def test_object_inside_scope_answers_200(w):
    client = api(w.beheerder_mbo1)
    assert client.get(f"/api/leerlingen/{w.a.pk}/").json()["achternaam"] == w.a.achternaam
    assert client.get(f"/api/inschrijvingen/{w.a_vo.pk}/").json()["sector"] == "vo"


def test_bsn_is_masked_in_the_student_list_and_detail(w):
    client = api(w.beheerder_vo1)
    lijst = client.get("/api/leerlingen/")
    detail = client.get(f"/api/leerlingen/{w.a.pk}/")
    for response in (lijst, detail):
        assert w.a.bsn not in response.content.decode()
    assert detail.json()["bsn"] == "••••••" + w.a.bsn[-3:]


def test_student_without_bsn_shows_null_bsn(w):
    zonder = InschrijvingFactory(leerroute=w.route_a, leerling__zonder_bsn=True).leerling
    assert api(w.beheerder_vo1).get(f"/api/leerlingen/{zonder.pk}/").json()["bsn"] is None


def test_filter_on_sector_stays_within_scope(w):
    InschrijvingFactory(leerroute=w.route_a, leerling=w.a, mbo=True)
    client = api(w.beheerder_vo1)
    rows = client.get("/api/inschrijvingen/", {"sector": "mbo"}).json()["results"]
    assert [r["instelling"] for r in rows] == [w.mbo1.pk]
    assert all(r["leerling"] == w.a.pk for r in rows)


def test_enrolment_detail_dates_are_iso(w):
    body = api(w.beheerder_vo1).get(f"/api/inschrijvingen/{w.a_vo.pk}/").json()
    assert datetime.date.fromisoformat(body["startdatum"]) == w.a_vo.startdatum


def test_api_schema_documents_the_endpoints(w):
    response = api(w.beheerder_vo1).get("/api/schema/")
    assert response.status_code == 200
    content = response.content.decode()
    for path in ("/api/inschrijvingen/", "/api/leerlingen/", "/api/leerroutes/", "/api/overeenkomsten/"):
        assert path in content
