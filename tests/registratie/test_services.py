"""registratie.services: the one way in for every write on students, enrolments and phases.
Each is atomic: a broken rule names itself and nothing is saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from registratie import services
from registratie.models import Fasewissel, Inschrijving, Leerling, Uitstroom
from samenwerking.models import AuditRegel, Kanaal
from tests.factories import (
    InschrijvingFactory,
    KwalificatieFactory,
    LeerrouteFactory,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db

AUG_1 = datetime.date(2026, 8, 1)


@pytest.fixture
def app():
    return gebruiker_met_rol("applicatiebeheerder")


@pytest.fixture
def route():
    return LeerrouteFactory(dlr4=True)


def leerling(route) -> Leerling:
    return Leerling(
        instelling=route.overeenkomst.vo_instelling,
        bsn="111222333",
        voorletters="J.",
        achternaam="Smit",
        geboortedatum=datetime.date(2011, 2, 3),
    )


def vo_inschrijving(route, **kwargs) -> Inschrijving:
    defaults = {
        "leerroute": route,
        "sector": "vo",
        "instelling": route.overeenkomst.vo_instelling,
        "inschrijvingsvolgnummer": "VO-1",
        "opleidingskenmerk": route.soort,
        "fase": "vo",
        "startdatum": datetime.date(2025, 8, 1),
        "leerjaar": 3,
        "leerweg": route.leerweg,
    }
    return Inschrijving(**(defaults | kwargs))


def mbo_inschrijving(route, **kwargs) -> Inschrijving:
    defaults = {
        "leerroute": route,
        "sector": "mbo",
        "instelling": route.overeenkomst.mbo_instelling,
        "inschrijvingsvolgnummer": "MBO-1",
        "opleidingskenmerk": route.soort,
        "fase": "vo",
        "startdatum": datetime.date(2025, 8, 1),
        "kwalificatie": route.kwalificatie,
        "leervorm": "BOL",
    }
    return Inschrijving(**(defaults | kwargs))


def pair(route=None) -> tuple[Inschrijving, Inschrijving]:
    vo_i = InschrijvingFactory(leerroute=route) if route else InschrijvingFactory()
    mbo_i = InschrijvingFactory(leerroute=vo_i.leerroute, leerling=vo_i.leerling, mbo=True)
    return vo_i, mbo_i


# --- leerling_inschrijven -------------------------------------------------------------------------


def test_leerling_inschrijven_saves_student_and_both_enrolments(app, route):
    nieuw = services.leerling_inschrijven(
        leerling=leerling(route),
        inschrijvingen=[mbo_inschrijving(route), vo_inschrijving(route)],
        door=app,
        kanaal=Kanaal.IMPORT,
    )
    assert set(nieuw.inschrijvingen.values_list("sector", "instelling")) == {
        ("vo", route.overeenkomst.vo_instelling_id),
        ("mbo", route.overeenkomst.mbo_instelling_id),
    }
    assert sorted(AuditRegel.objects.values_list("model", "kanaal")) == [
        ("registratie.Inschrijving", "import"),
        ("registratie.Inschrijving", "import"),
        ("registratie.Leerling", "import"),
    ]


def test_leerling_inschrijven_refuses_mbo_in_vo_fase_without_vo_and_saves_nothing(app, route):
    with pytest.raises(ValidationError) as exc:
        services.leerling_inschrijven(
            leerling=leerling(route), inschrijvingen=[mbo_inschrijving(route)], door=app
        )
    assert exc.value.message_dict["fase"][0].startswith("R-INS-2: ")
    assert not Leerling.objects.exists()
    assert not AuditRegel.objects.exists()


def test_leerling_inschrijven_is_all_or_nothing_when_the_second_enrolment_fails(app, route):
    fout = mbo_inschrijving(route, kwalificatie=KwalificatieFactory(niveau=4))  # not the route's crebo
    with pytest.raises(ValidationError) as exc:
        services.leerling_inschrijven(
            leerling=leerling(route), inschrijvingen=[vo_inschrijving(route), fout], door=app
        )
    assert exc.value.message_dict["kwalificatie"][0].startswith("R-INS-3: ")
    assert not Leerling.objects.exists()
    assert not Inschrijving.objects.exists()
    assert not AuditRegel.objects.exists()


def test_leerling_inschrijven_refuses_an_invalid_student_before_any_enrolment(app, route):
    student = leerling(route)
    student.bsn = "111222334"
    with pytest.raises(ValidationError) as exc:
        services.leerling_inschrijven(leerling=student, inschrijvingen=[vo_inschrijving(route)], door=app)
    assert "bsn" in exc.value.message_dict
    assert not Inschrijving.objects.exists()


def test_leerling_inschrijven_under_concept_agreement_refused(app):
    concept = LeerrouteFactory(overeenkomst__status="concept")
    with pytest.raises(ValidationError) as exc:
        services.leerling_inschrijven(
            leerling=leerling(concept), inschrijvingen=[vo_inschrijving(concept)], door=app
        )
    assert exc.value.message_dict["startdatum"][0].startswith("R-LR-8: ")
    assert not Leerling.objects.exists()


# --- inschrijving_opslaan -------------------------------------------------------------------------


def test_inschrijving_opslaan_adds_the_mbo_side_next_to_the_vo_side(app):
    vo_i = InschrijvingFactory()
    mbo_i = mbo_inschrijving(vo_i.leerroute)
    mbo_i.leerling = vo_i.leerling
    services.inschrijving_opslaan(inschrijving=mbo_i, door=app, kanaal=Kanaal.API)
    assert vo_i.leerling.inschrijvingen.count() == 2
    assert AuditRegel.objects.get(object_id=str(mbo_i.pk), model="registratie.Inschrijving").kanaal == "api"


def test_inschrijving_opslaan_refuses_mbo_in_vo_fase_for_student_without_vo(app, route):
    student = Leerling.objects.create(
        instelling=route.overeenkomst.vo_instelling,
        bsn="111222333",
        achternaam="Smit",
        geboortedatum=datetime.date(2011, 2, 3),
    )
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_opslaan(inschrijving=mbo_inschrijving(route, leerling=student), door=app)
    assert exc.value.message_dict["fase"][0].startswith("R-INS-2: ")
    assert not Inschrijving.objects.exists()


def test_inschrijving_opslaan_samen_met_counts_the_vo_side_saved_in_the_same_step(app, route):
    student = Leerling.objects.create(
        instelling=route.overeenkomst.vo_instelling,
        bsn="111222333",
        achternaam="Smit",
        geboortedatum=datetime.date(2011, 2, 3),
    )
    vo_i = vo_inschrijving(route, leerling=student)
    mbo_i = mbo_inschrijving(route, leerling=student)
    services.inschrijving_opslaan(inschrijving=mbo_i, door=app, samen_met=[vo_i])
    assert Inschrijving.objects.filter(leerling=student, sector="mbo").exists()


def test_vo_side_of_another_route_does_not_count(app):
    vo_i = InschrijvingFactory()
    other = LeerrouteFactory(overeenkomst=vo_i.leerroute.overeenkomst)
    mbo_i = mbo_inschrijving(other, leerling=vo_i.leerling)
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_opslaan(inschrijving=mbo_i, door=app)
    assert exc.value.message_dict["fase"][0].startswith("R-INS-2: ")


# --- fase_wijzigen --------------------------------------------------------------------------------


def test_fase_wijzigen_moves_both_sides_and_records_who(app):
    vo_i, mbo_i = pair()
    wissels = services.fase_wijzigen(
        inschrijvingen=[vo_i, mbo_i], naar_fase="mbo", ingangsdatum=AUG_1, door=app
    )
    assert len(wissels) == 2
    assert set(Inschrijving.objects.values_list("fase", flat=True)) == {"mbo"}
    assert set(Fasewissel.objects.values_list("geregistreerd_door", "ingangsdatum")) == {(app.pk, AUG_1)}
    updates = AuditRegel.objects.filter(model="registratie.Inschrijving", actie="update")
    assert [r.nieuw for r in updates] == [{"fase": "mbo"}, {"fase": "mbo"}]


def test_fase_wijzigen_not_on_1_august_refused_and_nothing_changes(app):
    vo_i, mbo_i = pair()
    with pytest.raises(ValidationError) as exc:
        services.fase_wijzigen(
            inschrijvingen=[vo_i, mbo_i], naar_fase="mbo", ingangsdatum=datetime.date(2026, 8, 2), door=app
        )
    assert exc.value.message_dict["ingangsdatum"][0].startswith("R-INS-4: ")
    assert set(Inschrijving.objects.values_list("fase", flat=True)) == {"vo"}
    assert not Fasewissel.objects.exists()
    assert not AuditRegel.objects.exists()


def test_fase_wijzigen_skips_enrolments_already_in_that_fase(app):
    vo_i, mbo_i = pair()
    services.fase_wijzigen(inschrijvingen=[mbo_i], naar_fase="mbo", ingangsdatum=AUG_1, door=app)
    wissels = services.fase_wijzigen(
        inschrijvingen=[vo_i, mbo_i], naar_fase="mbo", ingangsdatum=AUG_1, door=app
    )
    assert [w.inschrijving_id for w in wissels] == [vo_i.pk]
    assert Fasewissel.objects.count() == 2


# --- inschrijving_beeindigen / uitstroom_vastleggen -----------------------------------------------


def test_glr_vo_side_may_end_when_the_mbo_fase_starts(app):
    vo_i, mbo_i = pair()  # GLR
    services.fase_wijzigen(inschrijvingen=[vo_i, mbo_i], naar_fase="mbo", ingangsdatum=AUG_1, door=app)
    vo_i.refresh_from_db()
    services.inschrijving_beeindigen(inschrijving=vo_i, einddatum=AUG_1, reden="glr_mbo_fase", door=app)
    vo_i.refresh_from_db()
    assert (vo_i.einddatum, vo_i.reden_einde) == (AUG_1, "glr_mbo_fase")


def test_dlr_vo_side_without_diploma_stays_enrolled(app, route):
    vo_i, _mbo_i = pair(route)
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_beeindigen(inschrijving=vo_i, einddatum=AUG_1, reden="glr_mbo_fase", door=app)
    assert exc.value.message_dict["reden_einde"][0].startswith("R-INS-5: ")
    assert Inschrijving.objects.get(pk=vo_i.pk).einddatum is None


def test_uitstroom_ends_both_enrolments_with_reason_overstap(app):
    vo_i, _mbo_i = pair()
    datum = datetime.date(2026, 2, 1)
    u = Uitstroom(
        leerling=vo_i.leerling,
        leerroute=vo_i.leerroute,
        datum=datum,
        reden="overstap_leerweg",
        bestemming="vmbo",
        toelichting="Terug naar regulier vmbo KB, examen in leerjaar 4",
    )
    services.uitstroom_vastleggen(uitstroom=u, door=app, kanaal=Kanaal.ADMIN)
    assert set(Inschrijving.objects.values_list("einddatum", "reden_einde")) == {(datum, "overstap")}
    stored = Uitstroom.objects.get()
    assert (stored.reden, stored.bestemming, stored.vastgelegd_door) == ("overstap_leerweg", "vmbo", app)
    assert (
        AuditRegel.objects.filter(kanaal="admin", actie="update", model="registratie.Inschrijving").count()
        == 2
    )


def test_uitstroom_requires_a_running_enrolment(app):
    vo_i = InschrijvingFactory(einddatum=datetime.date(2025, 12, 1), reden_einde="correctie")
    u = Uitstroom(
        leerling=vo_i.leerling,
        leerroute=vo_i.leerroute,
        datum=datetime.date(2026, 1, 1),
        reden="stopt",
        bestemming="anders",
    )
    with pytest.raises(ValidationError) as exc:
        services.uitstroom_vastleggen(uitstroom=u, door=app)
    assert exc.value.message_dict["leerroute"][0].startswith("R-INS-10: ")
    assert not Uitstroom.objects.exists()
    assert not AuditRegel.objects.exists()


def test_uitstroom_before_the_start_is_refused_and_enrolments_keep_running(app):
    vo_i, _mbo_i = pair()
    u = Uitstroom(
        leerling=vo_i.leerling,
        leerroute=vo_i.leerroute,
        datum=vo_i.startdatum - datetime.timedelta(days=30),
        reden="stopt",
        bestemming="anders",
    )
    with pytest.raises(ValidationError) as exc:
        services.uitstroom_vastleggen(uitstroom=u, door=app)
    assert exc.value.message_dict["datum"][0].startswith("R-INS-10: ")
    assert not Inschrijving.objects.filter(einddatum__isnull=False).exists()


def test_uitstroom_leaves_other_routes_alone(app):
    vo_i, _mbo_i = pair()
    elders = InschrijvingFactory(leerling=vo_i.leerling)  # another route
    u = Uitstroom(
        leerling=vo_i.leerling,
        leerroute=vo_i.leerroute,
        datum=datetime.date(2026, 2, 1),
        reden="stopt",
        bestemming="anders",
    )
    services.uitstroom_vastleggen(uitstroom=u, door=app)
    elders.refresh_from_db()
    assert elders.einddatum is None
