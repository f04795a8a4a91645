"""The history page of an object (/geschiedenis/<model>/<pk>/), the admin's "Geschiedenis" button and
audit list, and that nobody can edit the trail: not in the admin, not through the API, not in the
database."""

import json
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from config.api_urls import router
from registratie.models import Leerling
from samenwerking import audit, services
from samenwerking.models import AuditRegel, Bestuur, Gebruiker, Kanaal, Samenwerkingsovereenkomst
from tests.factories import (
    BestuurFactory,
    InstellingFactory,
    LeerlingFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)
from tests.login import inloggen

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    """An agreement changed once through the service, and users around it."""
    sok = OvereenkomstFactory(actief=True, naam="SOK Techniek 2025")
    app = gebruiker_met_rol("applicatiebeheerder", first_name="Anna", last_name="Applicatie")
    sok.naam = "SOK Techniek verlengd"
    services.opslaan(sok, door=app, kanaal=Kanaal.UI)
    andere = OvereenkomstFactory(actief=True)
    return SimpleNamespace(
        sok=sok,
        app=app,
        beheerder_vo=gebruiker_met_rol("beheerder", instelling=sok.vo_instelling),
        beheerder_mbo=gebruiker_met_rol("beheerder", instelling=sok.mbo_instelling),
        lezer_vo=gebruiker_met_rol("lezer", instelling=sok.vo_instelling),
        coordinator=gebruiker_met_rol("coordinator", overeenkomst=sok),
        andere_beheerder=gebruiker_met_rol("beheerder", instelling=andere.vo_instelling),
    )


def client_voor(user) -> Client:
    return inloggen(Client(), user)


def url(obj) -> str:
    return reverse("geschiedenis", args=[obj._meta.label_lower, obj.pk])


# --- the page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rol", ["app", "beheerder_vo", "beheerder_mbo"])
def test_an_administrator_sees_the_change_with_old_and_new_value(w, rol):
    response = client_voor(getattr(w, rol)).get(url(w.sok))
    assert response.status_code == 200
    content = response.content.decode()
    assert "SOK Techniek 2025" in content and "SOK Techniek verlengd" in content
    [(regel, velden)] = response.context["regels"]
    assert (regel.actie, regel.kanaal, regel.gebruiker) == ("update", "ui", w.app)
    assert [(v.veld, v.oud, v.nieuw) for v in velden] == [
        ("Naam", "SOK Techniek 2025", "SOK Techniek verlengd")
    ]
    assert "Anna Applicatie" in content and "scherm" in content and "gewijzigd" in content


@pytest.mark.parametrize("rol", ["coordinator", "lezer_vo"])
def test_a_coordinator_or_lezer_who_sees_the_object_is_refused(w, rol):
    response = client_voor(getattr(w, rol)).get(url(w.sok))
    assert response.status_code == 403
    content = response.content.decode()
    assert "alleen zichtbaar voor beheerders" in content
    assert "SOK Techniek 2025" not in content


def test_a_beheerder_of_another_instelling_gets_404(w):
    assert client_voor(w.andere_beheerder).get(url(w.sok)).status_code == 404


def test_the_page_needs_a_login(w):
    response = Client().get(url(w.sok))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "pad",
    [
        "/geschiedenis/bestaat.niet/1/",
        "/geschiedenis/samenwerking.auditregel/1/",
        "/geschiedenis/samenwerking.samenwerkingsovereenkomst/abc/",
        "/geschiedenis/samenwerking.samenwerkingsovereenkomst/999999/",
    ],
)
def test_unknown_models_the_trail_itself_and_missing_objects_are_404(w, pad):
    assert client_voor(w.app).get(pad).status_code == 404


def test_a_beheerder_sees_only_rows_of_their_own_trail(w):
    # A student registered by the vo-school: the mbo's beheerder sees the student through the
    # route, but the student's rows belong to the vo-school's trail.
    leerling = LeerlingFactory(instelling=w.sok.vo_instelling, achternaam="Oud")
    leerling.achternaam = "Nieuw"
    services.opslaan(leerling, door=w.app)
    eigen = client_voor(w.beheerder_vo).get(url(leerling))
    assert [r.actie for r, _v in eigen.context["regels"]] == ["update"]
    assert client_voor(w.andere_beheerder).get(url(leerling)).status_code == 404


def test_rows_of_users_are_for_the_applicatiebeheerder(w):
    user = w.coordinator
    user.last_name = "Andersnaam"
    services.opslaan(user, door=w.app, kanaal=Kanaal.ADMIN)
    response = client_voor(w.app).get(url(user))
    assert [r.kanaal for r, _v in response.context["regels"]] == ["admin"]
    assert "Andersnaam" in response.content.decode()
    assert "password" not in json.dumps(
        AuditRegel.objects.filter(model="samenwerking.Gebruiker").first().nieuw
    )


def test_newest_first_paginated_by_50_and_system_rows_named(w):
    bestuur = BestuurFactory(naam="Stichting 0")
    for n in range(1, 53):
        bestuur.naam = f"Stichting {n}"
        services.opslaan(bestuur, door=None, kanaal=Kanaal.JOB)
    c = client_voor(w.app)
    eerste = c.get(url(bestuur))
    assert len(eerste.context["regels"]) == 50
    assert eerste.context["regels"][0][1][0].nieuw == "Stichting 52"
    assert "systeem" in eerste.content.decode() and "taak" in eerste.content.decode()
    assert "pagina 1 van 2" in eerste.content.decode()
    tweede = c.get(url(bestuur), {"pagina": 2})
    assert [v[0].nieuw for _r, v in tweede.context["regels"]] == ["Stichting 2", "Stichting 1"]


def test_choices_are_shown_with_their_label(w):
    w.sok.status = "beeindigd"
    services.opslaan(w.sok, door=w.app)
    response = client_voor(w.beheerder_vo).get(url(w.sok))
    _regel, velden = response.context["regels"][0]
    assert [(v.veld, v.oud, v.nieuw) for v in velden] == [("Status", "actief", "beëindigd")]


def test_the_student_page_links_to_the_history_for_administrators_only(w):
    leerling = LeerlingFactory(instelling=w.sok.vo_instelling)
    from tests.factories import InschrijvingFactory, LeerrouteFactory

    InschrijvingFactory(leerroute=LeerrouteFactory(overeenkomst=w.sok), leerling=leerling)
    pagina = reverse("registratie:leerling", args=[leerling.pk])
    assert url(leerling) in client_voor(w.beheerder_vo).get(pagina).content.decode()
    coordinator_pagina = client_voor(w.coordinator).get(pagina)
    assert coordinator_pagina.status_code == 200
    assert url(leerling) not in coordinator_pagina.content.decode()


# --- the admin ---------------------------------------------------------------------------------------


def admin_url(obj, actie: str) -> str:
    return f"/beheer/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/{actie}/"


def test_the_admin_history_button_shows_the_audit_trail(w):
    response = client_voor(w.beheerder_vo).get(admin_url(w.sok, "history"))
    assert response.status_code == 302
    assert response["Location"] == url(w.sok)


@pytest.mark.parametrize("actie", ["change", "delete", "history"])
def test_the_admin_answers_404_outside_scope(w, actie):
    assert client_voor(w.andere_beheerder).get(admin_url(w.sok, actie)).status_code == 404
    assert client_voor(w.app).get(f"/beheer/samenwerking/bestuur/999999/{actie}/").status_code == 404


def test_the_admin_post_outside_scope_is_404_and_changes_nothing(w):
    response = client_voor(w.andere_beheerder).post(admin_url(w.sok, "delete"), {"post": "yes"})
    assert response.status_code == 404
    assert Samenwerkingsovereenkomst.objects.filter(pk=w.sok.pk).exists()


def test_the_audit_list_in_the_admin_is_scoped_and_read_only(w):
    BestuurFactory()
    services.opslaan(Bestuur(naam="Alleen voor de applicatiebeheerder"), door=w.app)
    lijst = "/beheer/samenwerking/auditregel/"
    eigen = client_voor(w.beheerder_vo).get(lijst)
    assert eigen.status_code == 200
    assert list(eigen.context["cl"].result_list) == list(
        AuditRegel.objects.filter(model__endswith="overeenkomst")
    )
    assert "Alleen voor de applicatiebeheerder" not in eigen.content.decode()
    assert client_voor(w.andere_beheerder).get(lijst).context["cl"].result_count == 0
    for rol in ("coordinator", "lezer_vo"):
        assert client_voor(getattr(w, rol)).get(lijst).status_code == 403
    gefilterd = client_voor(w.app).get(lijst, {"kanaal": "ui", "actie": "create", "q": "Alleen voor"})
    assert gefilterd.context["cl"].result_count == 1


def test_nobody_adds_changes_or_deletes_an_audit_row_in_the_admin(w):
    regel = AuditRegel.objects.get(model="samenwerking.Samenwerkingsovereenkomst")
    superuser = Gebruiker.objects.create_superuser("root", "root@example.org", "geheim-wachtwoord-1")
    for user in (w.app, superuser):
        c = client_voor(user)
        assert c.get("/beheer/samenwerking/auditregel/add/").status_code == 403
        view = c.get(admin_url(regel, "change"))
        assert view.status_code == 200
        assert 'name="_save"' not in view.content.decode()
        assert c.post(admin_url(regel, "change"), {"object_repr": "vervalst"}).status_code == 403
        assert c.post(admin_url(regel, "delete"), {"post": "yes"}).status_code == 403
        assert c.get(admin_url(regel, "history")).status_code == 404
        lijst = c.post(
            "/beheer/samenwerking/auditregel/",
            {"action": "delete_selected", "_selected_action": [regel.pk], "post": "yes"},
        )
        assert lijst.status_code in (200, 302)
    regel.refresh_from_db()
    assert regel.object_repr == "SOK Techniek verlengd"


def test_no_api_endpoint_serves_the_audit_trail():
    for _prefix, viewset, _basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        assert queryset is None or queryset.model is not AuditRegel
        assert "audit" not in _prefix


# --- the database guard ------------------------------------------------------------------------------


def test_the_database_refuses_update_and_delete_of_audit_rows(w, audit_trigger):
    regel = AuditRegel.objects.get(model="samenwerking.Samenwerkingsovereenkomst")
    with pytest.raises(DatabaseError, match="audittrail kan niet"), transaction.atomic():
        AuditRegel.objects.filter(pk=regel.pk).update(nieuw={"naam": "vervalst"})
    with pytest.raises(DatabaseError, match="audittrail kan niet"), transaction.atomic():
        AuditRegel.objects.filter(pk=regel.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE samenwerking_auditregel SET gebruiker_id = %s", [w.coordinator.pk])
    regel.refresh_from_db()
    assert regel.nieuw == {"naam": "SOK Techniek verlengd"}


def test_maintenance_may_scrub_and_deleting_a_user_keeps_the_rows(w, audit_trigger):
    regel = AuditRegel.objects.get(model="samenwerking.Samenwerkingsovereenkomst")
    with audit.audit_onderhoud():
        AuditRegel.objects.filter(pk=regel.pk).update(oud={"naam": "•••"})
    regel.refresh_from_db()
    assert regel.oud == {"naam": "•••"}
    with pytest.raises(DatabaseError), transaction.atomic():  # the permission ended with the block
        AuditRegel.objects.filter(pk=regel.pk).update(oud={"naam": "weer"})
    # on_delete=SET_NULL of the user who made the change: allowed, the row stays otherwise intact
    Gebruiker.objects.filter(pk=w.app.pk).delete()
    regel.refresh_from_db()
    assert regel.gebruiker_id is None and regel.nieuw == {"naam": "SOK Techniek verlengd"}


def test_a_student_with_a_bsn_never_shows_it_in_full_on_the_history_page(w):
    leerling = Leerling(
        instelling=w.sok.vo_instelling, bsn="111222333", achternaam="Visser", geboortedatum="2011-05-01"
    )
    services.opslaan(leerling, door=w.app)
    leerling.bsn = "123456782"
    services.opslaan(leerling, door=w.app)
    content = client_voor(w.beheerder_vo).get(url(leerling)).content.decode()
    assert "••••••333" in content and "••••••782" in content
    assert "111222333" not in content and "123456782" not in content


def test_instelling_rows_show_for_its_beheerder(w):
    instelling = InstellingFactory(naam="Vmbo Oud")
    beheerder = gebruiker_met_rol("beheerder", instelling=instelling)
    instelling.naam = "Vmbo Nieuw"
    services.opslaan(instelling, door=beheerder, kanaal=Kanaal.ADMIN)
    [(regel, velden)] = client_voor(beheerder).get(url(instelling)).context["regels"]
    assert (regel.gebruiker, velden[0].oud, velden[0].nieuw) == (beheerder, "Vmbo Oud", "Vmbo Nieuw")
