"""Who sees and changes which rows (samenwerking/scope.py and each model's scope_q), through the
querysets and through the admin."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from leerroute.models import Leerroute
from registratie import services
from registratie.models import Inschrijving, Leerling
from samenwerking import scope
from samenwerking.models import AuditRegel, Samenwerkingsovereenkomst
from tests.factories import (
    GebruikerFactory,
    InschrijvingFactory,
    InstellingFactory,
    LeerlingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)
from tests.login import inloggen

pytestmark = pytest.mark.django_db

VIEW, CHANGE = scope.VIEW, scope.CHANGE


@pytest.fixture
def w():
    """Two routes that share nothing: A between vo1 and mbo1, B between vo2 and mbo2."""
    vo1, mbo1 = InstellingFactory(naam="Vmbo Noord"), InstellingFactory(mbo=True, naam="ROC Noord")
    vo2, mbo2 = InstellingFactory(naam="Vmbo Zuid"), InstellingFactory(mbo=True, naam="ROC Zuid")
    sok_a = OvereenkomstFactory(actief=True, vo_instelling=vo1, mbo_instelling=mbo1, naam="SOK Noord")
    sok_b = OvereenkomstFactory(actief=True, vo_instelling=vo2, mbo_instelling=mbo2, naam="SOK Zuid")
    route_a = LeerrouteFactory(overeenkomst=sok_a, naam="Route Noord")
    route_b = LeerrouteFactory(overeenkomst=sok_b, naam="Route Zuid")
    app = gebruiker_met_rol("applicatiebeheerder")
    a_vo = InschrijvingFactory(leerroute=route_a, leerling__achternaam="Noordeling")
    a_mbo = InschrijvingFactory(leerroute=route_a, leerling=a_vo.leerling, mbo=True)
    b_vo = InschrijvingFactory(leerroute=route_b, leerling__achternaam="Zuiderling")
    b_mbo = InschrijvingFactory(leerroute=route_b, leerling=b_vo.leerling, mbo=True)
    # A student vo1 registered but did not (yet) enrol in a route.
    los = LeerlingFactory(instelling=vo1, achternaam="Losseling")
    # Audit rows as the services write them.
    services.inschrijving_beeindigen(
        inschrijving=InschrijvingFactory(leerroute=route_a, leerling=los),
        einddatum=datetime.date(2025, 9, 1),
        reden="correctie",
        door=app,
    )
    services.inschrijving_beeindigen(
        inschrijving=InschrijvingFactory(leerroute=route_b, leerling=LeerlingFactory(instelling=vo2)),
        einddatum=datetime.date(2025, 9, 1),
        reden="correctie",
        door=app,
    )
    return SimpleNamespace(
        vo1=vo1,
        mbo1=mbo1,
        vo2=vo2,
        mbo2=mbo2,
        sok_a=sok_a,
        sok_b=sok_b,
        route_a=route_a,
        route_b=route_b,
        a=a_vo.leerling,
        b=b_vo.leerling,
        los=los,
        a_vo=a_vo,
        a_mbo=a_mbo,
        b_vo=b_vo,
        b_mbo=b_mbo,
        app=app,
        beheerder_vo1=gebruiker_met_rol("beheerder", instelling=vo1),
        beheerder_mbo1=gebruiker_met_rol("beheerder", instelling=mbo1),
        beheerder_vo2=gebruiker_met_rol("beheerder", instelling=vo2),
        lezer_vo1=gebruiker_met_rol("lezer", instelling=vo1),
        coordinator_a=gebruiker_met_rol("coordinator", overeenkomst=sok_a),
        zonder_rol=GebruikerFactory(),
    )


def ids(model, user, action=VIEW) -> set:
    return set(model.objects.for_user(user, action).values_list("pk", flat=True))


# --- Leerling -------------------------------------------------------------------------------------


def test_beheerder_vo_sees_own_students_and_route_students(w):
    assert ids(Leerling, w.beheerder_vo1) >= {w.a.pk, w.los.pk}
    assert w.b.pk not in ids(Leerling, w.beheerder_vo1)


def test_beheerder_vo_changes_own_students_only(w):
    assert w.a.pk in ids(Leerling, w.beheerder_vo1, CHANGE)
    assert w.los.pk in ids(Leerling, w.beheerder_vo1, CHANGE)
    assert w.b.pk not in ids(Leerling, w.beheerder_vo1, CHANGE)


def test_beheerder_mbo_sees_route_students_but_not_the_partners_other_students(w):
    visible = ids(Leerling, w.beheerder_mbo1)
    assert w.a.pk in visible
    assert w.b.pk not in visible


def test_beheerder_mbo_changes_students_it_enrolled(w):
    assert w.a.pk in ids(Leerling, w.beheerder_mbo1, CHANGE)
    assert w.b.pk not in ids(Leerling, w.beheerder_mbo1, CHANGE)


def test_another_instellings_students_are_invisible(w):
    visible = ids(Leerling, w.beheerder_vo2)
    assert w.a.pk not in visible
    assert w.los.pk not in visible
    assert w.b.pk in visible


def test_lezer_sees_like_a_beheerder_but_changes_nothing(w):
    assert ids(Leerling, w.lezer_vo1) == ids(Leerling, w.beheerder_vo1)
    assert ids(Leerling, w.lezer_vo1, CHANGE) == set()
    assert ids(Inschrijving, w.lezer_vo1, CHANGE) == set()


def test_coordinator_sees_the_students_of_the_agreements_routes_only(w):
    visible = ids(Leerling, w.coordinator_a)
    assert w.a.pk in visible
    assert w.b.pk not in visible
    assert ids(Leerling, w.coordinator_a, CHANGE) == set()


def test_applicatiebeheerder_sees_and_changes_everything(w):
    assert ids(Leerling, w.app) == set(Leerling.objects.values_list("pk", flat=True))
    assert ids(Leerling, w.app, CHANGE) == set(Leerling.objects.values_list("pk", flat=True))
    assert ids(AuditRegel, w.app) == set(AuditRegel.objects.values_list("pk", flat=True))


def test_user_without_role_sees_nothing(w):
    for model in (Leerling, Inschrijving, Leerroute, Samenwerkingsovereenkomst, AuditRegel):
        assert ids(model, w.zonder_rol) == set()
        assert ids(model, w.zonder_rol, CHANGE) == set()


def test_anonymous_and_inactive_users_see_nothing(w):
    assert not Leerling.objects.for_user(AnonymousUser()).exists()
    w.beheerder_vo1.is_active = False
    w.beheerder_vo1.save()
    inactive = type(w.beheerder_vo1).objects.get(pk=w.beheerder_vo1.pk)
    assert not Leerling.objects.for_user(inactive).exists()


# --- Inschrijving ---------------------------------------------------------------------------------


def test_beheerder_vo_sees_both_sides_of_its_route_students(w):
    visible = ids(Inschrijving, w.beheerder_vo1)
    assert {w.a_vo.pk, w.a_mbo.pk} <= visible
    assert not {w.b_vo.pk, w.b_mbo.pk} & visible


def test_beheerder_changes_only_its_own_side(w):
    assert w.a_vo.pk in ids(Inschrijving, w.beheerder_vo1, CHANGE)
    assert w.a_mbo.pk not in ids(Inschrijving, w.beheerder_vo1, CHANGE)
    assert w.a_mbo.pk in ids(Inschrijving, w.beheerder_mbo1, CHANGE)
    assert w.a_vo.pk not in ids(Inschrijving, w.beheerder_mbo1, CHANGE)


def test_coordinator_sees_enrolments_of_its_agreement_only(w):
    visible = ids(Inschrijving, w.coordinator_a)
    assert {w.a_vo.pk, w.a_mbo.pk} <= visible
    assert not {w.b_vo.pk, w.b_mbo.pk} & visible
    assert ids(Inschrijving, w.coordinator_a, CHANGE) == set()


# --- Leerroute and Samenwerkingsovereenkomst ------------------------------------------------------


@pytest.mark.parametrize(
    "user, view, change",
    [
        ("beheerder_vo1", {"route_a"}, {"route_a"}),
        ("beheerder_mbo1", {"route_a"}, {"route_a"}),
        ("beheerder_vo2", {"route_b"}, {"route_b"}),
        ("lezer_vo1", {"route_a"}, set()),
        ("coordinator_a", {"route_a"}, set()),
        ("app", {"route_a", "route_b"}, {"route_a", "route_b"}),
        ("zonder_rol", set(), set()),
    ],
)
def test_leerroute_scope_per_role(w, user, view, change):
    user = getattr(w, user)
    assert ids(Leerroute, user) == {getattr(w, r).pk for r in view}
    assert ids(Leerroute, user, CHANGE) == {getattr(w, r).pk for r in change}


@pytest.mark.parametrize(
    "user, view, change",
    [
        ("beheerder_vo1", {"sok_a"}, {"sok_a"}),
        ("beheerder_mbo1", {"sok_a"}, {"sok_a"}),
        ("beheerder_vo2", {"sok_b"}, {"sok_b"}),
        ("lezer_vo1", {"sok_a"}, set()),
        ("coordinator_a", {"sok_a"}, set()),
        ("app", {"sok_a", "sok_b"}, {"sok_a", "sok_b"}),
        ("zonder_rol", set(), set()),
    ],
)
def test_overeenkomst_scope_per_role(w, user, view, change):
    user = getattr(w, user)
    assert ids(Samenwerkingsovereenkomst, user) == {getattr(w, o).pk for o in view}
    assert ids(Samenwerkingsovereenkomst, user, CHANGE) == {getattr(w, o).pk for o in change}


# --- AuditRegel -----------------------------------------------------------------------------------


def test_beheerder_reads_the_audit_trail_of_its_own_and_partner_rows(w):
    rows = AuditRegel.objects.for_user(w.beheerder_mbo1)
    assert rows.exists()
    assert all(w.mbo1.pk in (r.instelling_id, r.partner_instelling_id) for r in rows)
    assert not AuditRegel.objects.for_user(w.beheerder_mbo1).filter(instelling=w.vo2).exists()


def test_nobody_changes_the_audit_trail_except_applicatiebeheer(w):
    assert ids(AuditRegel, w.beheerder_vo1, CHANGE) == set()
    assert ids(AuditRegel, w.coordinator_a, CHANGE) == set()


def test_lezer_and_coordinator_do_not_read_the_audit_trail(w):
    assert ids(AuditRegel, w.lezer_vo1) == set()
    assert ids(AuditRegel, w.coordinator_a) == set()


def test_scope_is_computed_once_per_user_object(w, django_assert_num_queries):
    user = type(w.beheerder_vo1).objects.get(pk=w.beheerder_vo1.pk)
    scope.scope_for(user)
    with django_assert_num_queries(0):
        assert scope.scope_for(user).beheer == frozenset({w.vo1.pk})


# --- Through the admin ----------------------------------------------------------------------------


def test_admin_changelist_shows_only_scoped_students(w, client):
    inloggen(client, w.beheerder_vo2)
    response = client.get("/beheer/registratie/leerling/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Zuiderling" in content
    assert "Noordeling" not in content
    assert "Losseling" not in content


def test_admin_changelist_of_enrolments_shows_only_scoped_rows(w, client):
    inloggen(client, w.beheerder_vo2)
    content = client.get("/beheer/registratie/inschrijving/").content.decode()
    assert w.b_vo.inschrijvingsvolgnummer in content
    assert w.a_vo.inschrijvingsvolgnummer not in content
    assert w.a_mbo.inschrijvingsvolgnummer not in content


def test_admin_changelist_of_agreements_shows_only_scoped_rows(w, client):
    inloggen(client, w.coordinator_a)
    content = client.get("/beheer/samenwerking/samenwerkingsovereenkomst/").content.decode()
    assert "SOK Noord" in content
    assert "SOK Zuid" not in content


def test_admin_change_page_out_of_scope_answers_404_without_showing_data(w, client):
    inloggen(client, w.beheerder_vo2)
    response = client.get(f"/beheer/registratie/leerling/{w.a.pk}/change/")
    # Outside scope is 404, as everywhere (ScopedAdmin.get_object), not Django's redirect.
    assert response.status_code == 404
    content = response.content.decode()
    assert "Noordeling" not in content
    assert w.a.bsn not in content


def test_admin_change_page_of_out_of_scope_enrolment_answers_404(w, client):
    inloggen(client, w.beheerder_vo2)
    response = client.get(f"/beheer/registratie/inschrijving/{w.a_vo.pk}/change/")
    assert response.status_code == 404


def test_admin_post_to_out_of_scope_student_changes_nothing(w, client):
    inloggen(client, w.beheerder_vo2)
    response = client.post(
        f"/beheer/registratie/leerling/{w.a.pk}/change/",
        {"instelling": w.vo2.pk, "bsn": w.a.bsn, "achternaam": "Gekaapt", "geboortedatum": "2011-03-14"},
    )
    assert response.status_code == 404
    w.a.refresh_from_db()
    assert w.a.achternaam == "Noordeling"


def test_lezer_cannot_post_changes_in_the_admin(w, client):
    inloggen(client, w.lezer_vo1)
    url = f"/beheer/registratie/leerling/{w.los.pk}/change/"
    assert client.get(url).status_code == 200  # read-only view
    response = client.post(
        url,
        {
            "instelling": w.vo1.pk,
            "bsn": w.los.bsn,
            "achternaam": "Gewijzigd",
            "geboortedatum": "2011-03-14",
            "inschrijvingen-TOTAL_FORMS": "0",
            "inschrijvingen-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    w.los.refresh_from_db()
    assert w.los.achternaam == "Losseling"


def test_lezer_cannot_add_in_the_admin(w, client):
    inloggen(client, w.lezer_vo1)
    assert client.get("/beheer/registratie/leerling/add/").status_code == 403
    response = client.post("/beheer/registratie/leerling/add/", {"achternaam": "Nieuw"})
    assert response.status_code == 403
    assert not Leerling.objects.filter(achternaam="Nieuw").exists()


def test_beheerder_change_page_of_partner_enrolment_is_read_only(w, client):
    inloggen(client, w.beheerder_vo1)
    url = f"/beheer/registratie/inschrijving/{w.a_mbo.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"inschrijvingsvolgnummer": "X1"}).status_code == 403
    w.a_mbo.refresh_from_db()
    assert w.a_mbo.inschrijvingsvolgnummer != "X1"


def test_coordinator_reads_the_agreement_in_the_admin_but_cannot_change_it(w, client):
    inloggen(client, w.coordinator_a)
    url = f"/beheer/samenwerking/samenwerkingsovereenkomst/{w.sok_a.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert "SOK Noord" in response.content.decode()
    assert client.post(url, {"naam": "Gewijzigd"}).status_code == 403
    w.sok_a.refresh_from_db()
    assert w.sok_a.naam == "SOK Noord"
    assert client.get("/beheer/registratie/leerling/add/").status_code == 403


def test_user_without_role_is_sent_to_the_login_page(w, client):
    inloggen(client, w.zonder_rol)
    response = client.get("/beheer/")
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "inloggen" in response["Location"]
    assert client.get("/beheer/registratie/leerling/").status_code == 302


def test_admin_student_choice_of_instelling_is_limited_to_own(w, client):
    inloggen(client, w.beheerder_vo1)
    response = client.post(
        "/beheer/registratie/leerling/add/",
        {
            "instelling": w.vo2.pk,
            "bsn": "111222333",
            "achternaam": "Verkeerd",
            "geboortedatum": "2011-03-14",
            "inschrijvingen-TOTAL_FORMS": "0",
            "inschrijvingen-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "instelling" in response.context["adminform"].form.errors
    assert not Leerling.objects.filter(achternaam="Verkeerd").exists()


def test_audit_changelist_for_beheerder_hides_other_instellingen(w, client):
    inloggen(client, w.beheerder_vo2)
    response = client.get("/beheer/samenwerking/auditregel/")
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    assert all(w.vo2.pk in (r.instelling_id, r.partner_instelling_id) for r in rows)


# --- Memberships: nobody widens their own scope ---------------------------------------------------


def test_beheerder_cannot_make_anyone_applicatiebeheerder(w, client):
    inloggen(client, w.beheerder_vo1)
    response = client.post(
        "/beheer/samenwerking/lidmaatschap/add/",
        {"gebruiker": w.beheerder_vo1.pk, "rol": "applicatiebeheerder", "instelling": "", "overeenkomst": ""},
    )
    assert response.status_code == 200
    assert "rol" in response.context["adminform"].form.errors
    assert not w.beheerder_vo1.lidmaatschappen.filter(rol="applicatiebeheerder").exists()
    fresh = type(w.beheerder_vo1).objects.get(pk=w.beheerder_vo1.pk)
    assert not scope.scope_for(fresh).alles


def test_beheerder_cannot_grant_a_role_at_another_instelling(w, client):
    inloggen(client, w.beheerder_vo1)
    response = client.post(
        "/beheer/samenwerking/lidmaatschap/add/",
        {"gebruiker": w.lezer_vo1.pk, "rol": "beheerder", "instelling": w.vo2.pk, "overeenkomst": ""},
    )
    assert response.status_code == 200
    assert not w.lezer_vo1.lidmaatschappen.filter(instelling=w.vo2).exists()


def test_beheerder_grants_a_lezer_role_at_own_instelling(w, client):
    nieuw = GebruikerFactory()
    inloggen(client, w.beheerder_vo1)
    response = client.post(
        "/beheer/samenwerking/lidmaatschap/add/",
        {"gebruiker": w.lezer_vo1.pk, "rol": "beheerder", "instelling": w.vo1.pk, "overeenkomst": ""},
    )
    assert response.status_code == 302
    assert w.lezer_vo1.lidmaatschappen.filter(rol="beheerder", instelling=w.vo1).exists()
    assert not nieuw.lidmaatschappen.exists()


def gebruiker_post(user, lid, nieuwe_rij: dict) -> dict:
    """The user change form with the stored membership and one new inline row."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "12:00:00",
        "lidmaatschappen-TOTAL_FORMS": "2",
        "lidmaatschappen-INITIAL_FORMS": "1",
        "lidmaatschappen-0-id": lid.pk,
        "lidmaatschappen-0-gebruiker": user.pk,
        "lidmaatschappen-0-rol": lid.rol,
        "lidmaatschappen-0-instelling": lid.instelling_id,
        "lidmaatschappen-0-overeenkomst": "",
    }
    return data | {f"lidmaatschappen-1-{k}": v for k, v in ({"gebruiker": user.pk} | nieuwe_rij).items()}


def test_beheerder_adds_a_lezer_role_through_the_user_screen(w, client):
    user = w.beheerder_vo1
    inloggen(client, user)
    response = client.post(
        f"/beheer/samenwerking/gebruiker/{user.pk}/change/",
        gebruiker_post(
            user, user.lidmaatschappen.get(), {"rol": "lezer", "instelling": w.vo1.pk, "overeenkomst": ""}
        ),
    )
    assert response.status_code == 302
    assert user.lidmaatschappen.filter(rol="lezer", instelling=w.vo1).exists()


def test_beheerder_cannot_become_applicatiebeheerder_through_the_user_screen(w, client):
    user = w.beheerder_vo1
    inloggen(client, user)
    response = client.post(
        f"/beheer/samenwerking/gebruiker/{user.pk}/change/",
        gebruiker_post(
            user,
            user.lidmaatschappen.get(),
            {"rol": "applicatiebeheerder", "instelling": "", "overeenkomst": ""},
        ),
    )
    assert response.status_code == 200
    assert not user.lidmaatschappen.filter(rol="applicatiebeheerder").exists()


# --- Users: a beheerder keeps what they add, and takes over no account that reaches further -------


def nieuwe_gebruiker_post(**extra) -> dict:
    return {
        "username": "nieuwe.collega",
        "password1": "Lang-wachtwoord-2025",
        "password2": "Lang-wachtwoord-2025",
        "usable_password": "true",
        "lidmaatschappen-TOTAL_FORMS": "0",
        "lidmaatschappen-INITIAL_FORMS": "0",
    } | extra


def test_beheerder_adds_a_user_with_a_role_at_own_instelling_and_keeps_seeing_it(w, client):
    Gebruiker = type(w.beheerder_vo1)
    inloggen(client, w.beheerder_vo1)
    response = client.post(
        "/beheer/samenwerking/gebruiker/add/",
        nieuwe_gebruiker_post(
            **{
                "lidmaatschappen-TOTAL_FORMS": "1",
                "lidmaatschappen-0-rol": "lezer",
                "lidmaatschappen-0-instelling": w.vo1.pk,
                "lidmaatschappen-0-overeenkomst": "",
            }
        ),
        follow=True,
    )
    nieuw = Gebruiker.objects.get(username="nieuwe.collega")
    assert response.redirect_chain[-1][0] == f"/beheer/samenwerking/gebruiker/{nieuw.pk}/change/"
    assert response.status_code == 200
    assert nieuw.lidmaatschappen.get().instelling == w.vo1


def test_beheerder_cannot_add_a_user_without_a_role_they_would_lose_at_once(w, client):
    inloggen(client, w.beheerder_vo1)
    response = client.post("/beheer/samenwerking/gebruiker/add/", nieuwe_gebruiker_post())
    assert response.status_code == 200
    assert not type(w.beheerder_vo1).objects.filter(username="nieuwe.collega").exists()


def test_beheerder_sees_the_coordinator_of_its_own_agreement(w, client):
    assert w.coordinator_a.pk in ids(type(w.app), w.beheerder_vo1)
    assert w.coordinator_a.pk not in ids(type(w.app), w.beheerder_vo2)


def test_beheerder_changes_the_password_of_a_lezer_of_own_instelling(w, client):
    inloggen(client, w.beheerder_vo1)
    url = f"/beheer/samenwerking/gebruiker/{w.lezer_vo1.pk}/password/"
    response = client.post(
        url,
        {"password1": "Nieuw-wachtwoord-99", "password2": "Nieuw-wachtwoord-99", "usable_password": "true"},
    )
    assert response.status_code == 302
    w.lezer_vo1.refresh_from_db()
    assert w.lezer_vo1.check_password("Nieuw-wachtwoord-99")


@pytest.mark.parametrize("wie", ["app_met_lidmaatschap", "ook_beheerder_elders"])
def test_beheerder_cannot_take_over_an_account_that_reaches_further(w, client, wie):
    doel = w.app if wie == "app_met_lidmaatschap" else w.beheerder_vo2
    doel.lidmaatschappen.create(rol="lezer", instelling=w.vo1)  # also a lezer at vo1
    inloggen(client, w.beheerder_vo1)
    assert doel.pk in ids(type(doel), w.beheerder_vo1)  # visible as a colleague ...
    assert doel.pk not in ids(type(doel), w.beheerder_vo1, CHANGE)  # ... but not theirs to change
    response = client.post(
        f"/beheer/samenwerking/gebruiker/{doel.pk}/password/",
        {"password1": "Overgenomen-123456", "password2": "Overgenomen-123456", "usable_password": "true"},
    )
    assert response.status_code == 403
    doel.refresh_from_db()
    assert not doel.check_password("Overgenomen-123456")
