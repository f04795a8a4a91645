"""R-INS-1..5 and R-INS-10: enrolments, phases, the end of the vo-side and uitstroom.

(R-INS-6..9 are signals and the fase engine, tested elsewhere.)
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registratie import services
from registratie.models import Fasewissel, Inschrijving, Uitstroom
from samenwerking.models import AuditRegel
from tests.factories import (
    InschrijvingFactory,
    KwalificatieFactory,
    LeerlingFactory,
    LeerrouteFactory,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db

AUG_1 = datetime.date(2026, 8, 1)


@pytest.fixture
def app():
    return gebruiker_met_rol("applicatiebeheerder")


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return exc.value.message_dict


def starts_with_rule(messages: list[str], rule: str) -> bool:
    return any(m.startswith(f"{rule}: ") for m in messages)


# --- R-INS-1 --------------------------------------------------------------------------------------


def test_R_INS_1_route_starts_in_vmbo_leerjaar_3():
    InschrijvingFactory.build(
        leerroute=LeerrouteFactory(), leerling=LeerlingFactory(), leerjaar=3
    ).full_clean()


def test_R_INS_1_leerjaar_2_refused():
    i = InschrijvingFactory.build(leerroute=LeerrouteFactory(), leerling=LeerlingFactory(), leerjaar=2)
    errors = errors_of(i)
    assert errors["leerjaar"][0].startswith("R-INS-1: ")


def test_R_INS_1_database_refuses_leerjaar_below_3():
    i = InschrijvingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Inschrijving.objects.filter(pk=i.pk).update(leerjaar=2)


def test_R_INS_1_leerjaar_beyond_the_route_refused():
    i = InschrijvingFactory.build(leerroute=LeerrouteFactory(), leerling=LeerlingFactory(), leerjaar=7)
    with pytest.raises(ValidationError) as exc:
        i.full_clean()
    assert starts_with_rule(exc.value.messages, "R-INS-1")


# --- R-INS-2 --------------------------------------------------------------------------------------


def vo(route=None, **kwargs) -> Inschrijving:
    route = route or LeerrouteFactory()
    return InschrijvingFactory.build(
        leerroute=route, leerling=LeerlingFactory(instelling=route.overeenkomst.vo_instelling), **kwargs
    )


def mbo(route=None, **kwargs) -> Inschrijving:
    route = route or LeerrouteFactory()
    return InschrijvingFactory.build(leerroute=route, leerling=LeerlingFactory(), mbo=True, **kwargs)


def test_R_INS_2_vo_enrolment_at_the_vo_school_allowed():
    vo().full_clean()


def test_R_INS_2_vo_enrolment_at_the_mbo_instelling_refused():
    route = LeerrouteFactory()
    errors = errors_of(vo(route, instelling=route.overeenkomst.mbo_instelling))
    assert errors["instelling"][0].startswith("R-INS-2: ")


def test_R_INS_2_vo_enrolment_records_leerjaar():
    errors = errors_of(vo(leerjaar=None))
    assert errors["leerjaar"][0].startswith("R-INS-2: ")


def test_R_INS_2_vo_enrolment_records_leerweg():
    with pytest.raises(ValidationError) as exc:
        vo(leerweg="").full_clean()
    assert starts_with_rule(exc.value.messages, "R-INS-2")


def test_R_INS_2_leerweg_is_that_of_the_route():
    errors = errors_of(vo(leerweg="TL"))
    assert errors["leerweg"][0].startswith("R-INS-2: ")


def test_R_INS_2_opleidingskenmerk_is_that_of_the_route():
    errors = errors_of(vo(opleidingskenmerk="DLR"))  # the factory route is a GLR
    assert errors["opleidingskenmerk"][0].startswith("R-INS-2: ")


def test_R_INS_2_mbo_enrolment_in_vo_fase_needs_a_vo_enrolment(app):
    i = mbo(fase="vo")
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_opslaan(inschrijving=i, door=app)
    assert exc.value.message_dict["fase"][0].startswith("R-INS-2: ")
    assert not Inschrijving.objects.exists()


def test_R_INS_2_vo_enrolment_cannot_end_while_mbo_side_is_in_vo_fase(app):
    vo_i = InschrijvingFactory()
    InschrijvingFactory(leerroute=vo_i.leerroute, leerling=vo_i.leerling, mbo=True)
    vo_i.einddatum, vo_i.reden_einde = datetime.date(2025, 12, 1), "correctie"
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_opslaan(inschrijving=vo_i, door=app)
    assert exc.value.message_dict["fase"][0].startswith("R-INS-2: ")
    vo_i.refresh_from_db()
    assert vo_i.einddatum is None


def test_R_INS_2_vo_enrolment_has_no_crebo():
    route = LeerrouteFactory()
    errors = errors_of(vo(route, kwalificatie=route.kwalificatie, leervorm="BOL"))
    assert "kwalificatie" in errors


# --- R-INS-3 --------------------------------------------------------------------------------------


def test_R_INS_3_mbo_enrolment_already_in_vo_fase_allowed(app):
    vo_i = InschrijvingFactory()
    i = InschrijvingFactory.build(leerroute=vo_i.leerroute, leerling=vo_i.leerling, mbo=True, fase="vo")
    services.inschrijving_opslaan(inschrijving=i, door=app)
    assert i.pk is not None
    assert i.instelling == vo_i.leerroute.overeenkomst.mbo_instelling


def test_R_INS_3_mbo_enrolment_in_mbo_fase_without_vo_enrolment_allowed(app):
    i = mbo(fase="mbo")
    services.inschrijving_opslaan(inschrijving=i, door=app)
    assert Inschrijving.objects.filter(pk=i.pk, sector="mbo", fase="mbo").exists()


def test_R_INS_3_mbo_enrolment_at_the_vo_school_refused():
    route = LeerrouteFactory()
    errors = errors_of(mbo(route, instelling=route.overeenkomst.vo_instelling))
    assert errors["instelling"][0].startswith("R-INS-3: ")


def test_R_INS_3_mbo_enrolment_records_crebo_and_leervorm():
    with pytest.raises(ValidationError) as exc:
        mbo(kwalificatie=None).full_clean()
    assert starts_with_rule(exc.value.messages, "R-INS-3")
    with pytest.raises(ValidationError) as exc:
        mbo(leervorm="").full_clean()
    assert starts_with_rule(exc.value.messages, "R-INS-3")


def test_R_INS_3_crebo_is_that_of_the_route():
    errors = errors_of(mbo(kwalificatie=KwalificatieFactory(niveau=2)))
    assert errors["kwalificatie"][0].startswith("R-INS-3: ")


def test_R_INS_3_mbo_records_the_same_opleidingskenmerk():
    errors = errors_of(mbo(opleidingskenmerk="DLR"))
    assert errors["opleidingskenmerk"][0].startswith("R-INS-3: ")


def test_R_INS_3_mbo_enrolment_has_no_vmbo_leerjaar():
    errors = errors_of(mbo(leerjaar=3))
    assert "leerjaar" in errors


# --- R-INS-4 --------------------------------------------------------------------------------------


def test_R_INS_4_fasewissel_on_1_august_allowed():
    i = InschrijvingFactory()
    Fasewissel(inschrijving=i, van_fase="vo", naar_fase="mbo", ingangsdatum=AUG_1).full_clean()


@pytest.mark.parametrize(
    "datum", [datetime.date(2026, 7, 31), datetime.date(2026, 9, 1), datetime.date(2027, 1, 1)]
)
def test_R_INS_4_fasewissel_on_another_date_refused(datum):
    i = InschrijvingFactory()
    errors = errors_of(Fasewissel(inschrijving=i, van_fase="vo", naar_fase="mbo", ingangsdatum=datum))
    assert errors["ingangsdatum"][0].startswith("R-INS-4: ")


def test_R_INS_4_fasewissel_goes_to_another_fase():
    i = InschrijvingFactory()
    with pytest.raises(ValidationError) as exc:
        Fasewissel(inschrijving=i, van_fase="vo", naar_fase="vo", ingangsdatum=AUG_1).full_clean()
    assert "Een fasewissel gaat naar een andere fase." in exc.value.messages


def test_R_INS_4_fase_field_cannot_be_overwritten(app):
    i = InschrijvingFactory()
    i.fase = "mbo"
    with pytest.raises(ValidationError) as exc:
        services.inschrijving_opslaan(inschrijving=i, door=app)
    assert exc.value.message_dict["fase"][0].startswith("R-INS-4: ")
    assert Inschrijving.objects.get(pk=i.pk).fase == "vo"


def test_R_INS_4_fase_wijzigen_outside_1_august_refused(app):
    i = InschrijvingFactory()
    with pytest.raises(ValidationError) as exc:
        services.fase_wijzigen(
            inschrijvingen=[i], naar_fase="mbo", ingangsdatum=datetime.date(2026, 9, 1), door=app
        )
    assert exc.value.message_dict["ingangsdatum"][0].startswith("R-INS-4: ")
    assert "1 september 2026" in exc.value.message_dict["ingangsdatum"][0]
    assert Inschrijving.objects.get(pk=i.pk).fase == "vo"
    assert not Fasewissel.objects.exists()


def test_R_INS_4_fase_wijzigen_on_1_august_allowed(app):
    i = InschrijvingFactory()
    (wissel,) = services.fase_wijzigen(inschrijvingen=[i], naar_fase="mbo", ingangsdatum=AUG_1, door=app)
    assert Inschrijving.objects.get(pk=i.pk).fase == "mbo"
    assert (wissel.van_fase, wissel.naar_fase, wissel.ingangsdatum) == ("vo", "mbo", AUG_1)


# --- R-INS-5 --------------------------------------------------------------------------------------


def dlr_vo() -> Inschrijving:
    return InschrijvingFactory(leerroute=LeerrouteFactory(dlr4=True))


def test_R_INS_5_dlr_vo_enrolment_cannot_end_at_the_start_of_the_mbo_fase():
    i = dlr_vo()
    i.einddatum, i.reden_einde = AUG_1, "glr_mbo_fase"
    errors = errors_of(i)
    assert errors["reden_einde"][0].startswith("R-INS-5: ")


def test_R_INS_5_glr_vo_enrolment_may_end_at_the_start_of_the_mbo_fase():
    i = InschrijvingFactory()  # GLR
    i.einddatum, i.reden_einde = AUG_1, "glr_mbo_fase"
    i.full_clean()


def test_R_INS_5_dlr_vo_enrolment_ends_once_vo_activities_are_completed():
    i = dlr_vo()
    i.einddatum, i.reden_einde = AUG_1, "vo_afgerond"
    errors = errors_of(i)
    assert errors["vo_activiteiten_afgerond_op"][0].startswith("R-INS-5: ")
    i.vo_activiteiten_afgerond_op = datetime.date(2026, 7, 10)
    i.full_clean()


def test_R_INS_5_diploma_needs_the_diploma_date():
    i = dlr_vo()
    i.einddatum, i.reden_einde = AUG_1, "diploma"
    assert "vmbo_diploma_datum" in errors_of(i)
    i.vmbo_diploma_datum = datetime.date(2026, 7, 10)
    i.full_clean()


def test_ended_enrolment_needs_a_reason():
    i = InschrijvingFactory()
    i.einddatum = AUG_1
    errors = errors_of(i)
    assert errors["reden_einde"] == ["Geef de reden van het einde van de inschrijving."]


def test_enrolment_cannot_end_before_it_started():
    i = InschrijvingFactory()
    i.einddatum, i.reden_einde = i.startdatum - datetime.timedelta(days=1), "correctie"
    with pytest.raises(ValidationError) as exc:
        i.full_clean()
    assert "De einddatum ligt niet vóór de startdatum." in exc.value.messages


def test_one_running_enrolment_per_side_per_route():
    i = InschrijvingFactory()
    dubbel = InschrijvingFactory.build(leerroute=i.leerroute, leerling=i.leerling)
    with pytest.raises(ValidationError) as exc:
        dubbel.full_clean()
    assert any("al een lopende inschrijving" in m for m in exc.value.messages)


def test_inschrijvingsvolgnummer_unique_per_instelling():
    i = InschrijvingFactory()
    dubbel = InschrijvingFactory.build(
        leerroute=i.leerroute, leerling=LeerlingFactory(), inschrijvingsvolgnummer=i.inschrijvingsvolgnummer
    )
    with pytest.raises(ValidationError) as exc:
        dubbel.full_clean()
    assert "Dit inschrijvingsvolgnummer is bij deze instelling al in gebruik." in exc.value.messages


# --- R-INS-10 -------------------------------------------------------------------------------------


def uitstroom(i: Inschrijving, datum=datetime.date(2026, 1, 15)) -> Uitstroom:
    return Uitstroom(
        leerling=i.leerling,
        leerroute=i.leerroute,
        datum=datum,
        reden="overstap_opleiding",
        bestemming="mbo",
        toelichting="Stapt over naar een BOL-opleiding niveau 2 buiten de route",
    )


def test_R_INS_10_uitstroom_of_a_running_enrolment_allowed():
    uitstroom(InschrijvingFactory()).full_clean()


def test_R_INS_10_uitstroom_without_running_enrolment_refused():
    i = InschrijvingFactory(einddatum=datetime.date(2025, 12, 1), reden_einde="correctie")
    errors = errors_of(uitstroom(i))
    assert errors["leerroute"][0].startswith("R-INS-10: ")


def test_R_INS_10_uitstroom_before_the_enrolment_started_refused():
    i = InschrijvingFactory()
    errors = errors_of(uitstroom(i, datum=i.startdatum - datetime.timedelta(days=1)))
    assert errors["datum"][0].startswith("R-INS-10: ")


def test_R_INS_10_reason_and_destination_are_recorded():
    u = uitstroom(InschrijvingFactory())
    u.reden, u.bestemming = "", ""
    errors = errors_of(u)
    assert {"reden", "bestemming"} <= errors.keys()


def test_R_INS_10_uitstroom_service_records_and_audits(app):
    i = InschrijvingFactory()
    u = services.uitstroom_vastleggen(uitstroom=uitstroom(i), door=app)
    assert Uitstroom.objects.get(pk=u.pk).vastgelegd_door == app
    assert AuditRegel.objects.filter(model="registratie.Uitstroom", actie="create").count() == 1
