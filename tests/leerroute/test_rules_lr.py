"""R-LR-1..8: routes, their niveau, RIO status, programme per leerjaar and intake."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leerroute.models import LeerjaarProgramma, Leerroute, Programmaonderdeel
from registratie.models import Inschrijving
from samenwerking import services
from samenwerking.models import AuditRegel, Vestiging
from tests.factories import (
    InschrijvingFactory,
    InstellingFactory,
    KwalificatieFactory,
    LeerlingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db


def route(soort="GLR", leerweg="BB", niveau=2, **kwargs) -> Leerroute:
    defaults = {
        "naam": f"{soort} {leerweg}-{niveau}",
        "soort": soort,
        "overeenkomst": OvereenkomstFactory(actief=True),
        "leerweg": leerweg,
        "kwalificatie": KwalificatieFactory(niveau=niveau),
        "startdatum": datetime.date(2025, 8, 1),
    }
    return Leerroute(**(defaults | kwargs))


def rule_ids(instance, field="kwalificatie") -> set[str]:
    """The rule ids of the messages on ``field``; every message must start with 'R-…: '."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        messages = exc.message_dict.get(field, [])
        assert all(m.startswith("R-") and ": " in m for m in messages), messages
        return {m.partition(": ")[0] for m in messages}
    return set()


# --- R-LR-5: the full leerweg × niveau × soort table -------------------------------------------------

OK: set[str] = set()
# (leerweg, niveau, soort) → the rules that refuse it (empty: allowed). Written out by hand from
# DOMAIN.md, not derived from leerroute/rules.py.
TABEL = {
    ("BB", 1, "DLR"): {"R-LR-2"},
    ("BB", 1, "GLR"): {"R-LR-2"},
    ("BB", 2, "DLR"): OK,
    ("BB", 2, "GLR"): OK,
    ("BB", 3, "DLR"): {"R-LR-5"},
    ("BB", 3, "GLR"): {"R-LR-3", "R-LR-5"},
    ("BB", 4, "DLR"): {"R-LR-5"},
    ("BB", 4, "GLR"): {"R-LR-3", "R-LR-5"},
    ("KB", 1, "DLR"): {"R-LR-2"},
    ("KB", 1, "GLR"): {"R-LR-2"},
    ("KB", 2, "DLR"): {"R-LR-5"},
    ("KB", 2, "GLR"): {"R-LR-5"},
    ("KB", 3, "DLR"): OK,
    ("KB", 3, "GLR"): {"R-LR-3"},
    ("KB", 4, "DLR"): OK,
    ("KB", 4, "GLR"): {"R-LR-3"},
    ("GL", 1, "DLR"): {"R-LR-2"},
    ("GL", 1, "GLR"): {"R-LR-2"},
    ("GL", 2, "DLR"): {"R-LR-5"},
    ("GL", 2, "GLR"): {"R-LR-5"},
    ("GL", 3, "DLR"): {"R-LR-5"},
    ("GL", 3, "GLR"): {"R-LR-3", "R-LR-5"},
    ("GL", 4, "DLR"): OK,
    ("GL", 4, "GLR"): {"R-LR-3"},
    ("TL", 1, "DLR"): {"R-LR-2"},
    ("TL", 1, "GLR"): {"R-LR-2"},
    ("TL", 2, "DLR"): {"R-LR-5"},
    ("TL", 2, "GLR"): {"R-LR-5"},
    ("TL", 3, "DLR"): {"R-LR-5"},
    ("TL", 3, "GLR"): {"R-LR-3", "R-LR-5"},
    ("TL", 4, "DLR"): OK,
    ("TL", 4, "GLR"): {"R-LR-3"},
}


@pytest.mark.parametrize(
    "leerweg, niveau, soort, refused_by",
    [(lw, n, s, rules) for (lw, n, s), rules in TABEL.items()],
    ids=[f"{s}-{lw}-niveau{n}" for (lw, n, s) in TABEL],
)
def test_R_LR_5_leerweg_niveau_table(leerweg, niveau, soort, refused_by):
    assert rule_ids(route(soort, leerweg, niveau)) == refused_by


def test_R_LR_5_bb_niveau_2_allowed():
    route("DLR", "BB", 2).full_clean()


def test_R_LR_5_kb_niveau_3_allowed():
    route("DLR", "KB", 3).full_clean()


def test_R_LR_5_kb_niveau_2_refused_with_message():
    with pytest.raises(ValidationError) as exc:
        route("DLR", "KB", 2).full_clean()
    (message,) = exc.value.message_dict["kwalificatie"]
    assert message.startswith("R-LR-5: leerweg KB past niet bij mbo-niveau 2")


def test_R_LR_5_tl_niveau_3_refused():
    assert rule_ids(route("DLR", "TL", 3)) == {"R-LR-5"}


# --- R-LR-1 ---------------------------------------------------------------------------------------


def test_R_LR_1_route_is_dlr_or_glr():
    r = route()
    r.soort = "XLR"
    with pytest.raises(ValidationError) as exc:
        r.full_clean()
    assert "soort" in exc.value.message_dict


def test_R_LR_1_vestigingen_of_the_two_parties_are_accepted():
    sok = OvereenkomstFactory(actief=True)
    vo_vest = Vestiging.objects.create(
        instelling=sok.vo_instelling, code=f"{sok.vo_instelling.brin}01", naam="A"
    )
    mbo_vest = Vestiging.objects.create(
        instelling=sok.mbo_instelling, code=f"{sok.mbo_instelling.brin}01", naam="B"
    )
    route(overeenkomst=sok, vo_vestiging=vo_vest, mbo_vestiging=mbo_vest).full_clean()


def test_R_LR_1_vestiging_of_another_instelling_is_refused():
    sok = OvereenkomstFactory(actief=True)
    vreemd = InstellingFactory()
    vest = Vestiging.objects.create(instelling=vreemd, code=f"{vreemd.brin}01", naam="Elders")
    assert rule_ids(route(overeenkomst=sok, vo_vestiging=vest), "vo_vestiging") == {"R-LR-1"}
    # the mbo-side vestiging must belong to the mbo-instelling, not to the vo-school
    vo_vest = Vestiging.objects.create(
        instelling=sok.vo_instelling, code=f"{sok.vo_instelling.brin}02", naam="V"
    )
    assert rule_ids(route(overeenkomst=sok, mbo_vestiging=vo_vest), "mbo_vestiging") == {"R-LR-1"}


def test_R_LR_1_aoc_route_within_one_instelling_is_accepted():
    aoc = InstellingFactory(aoc=True)
    regeling = OvereenkomstFactory(actief=True, soort="intern", vo_instelling=aoc, mbo_instelling=aoc)
    route(overeenkomst=regeling).full_clean()


# --- R-LR-2 / R-LR-3 / R-LR-4 ---------------------------------------------------------------------


def test_R_LR_2_entree_refused():
    with pytest.raises(ValidationError) as exc:
        route("DLR", "BB", 1).full_clean()
    assert exc.value.message_dict["kwalificatie"][0].startswith("R-LR-2: ")


def test_R_LR_2_entree_refused_through_the_service_and_nothing_saved():
    user = gebruiker_met_rol("applicatiebeheerder")
    with pytest.raises(ValidationError):
        services.opslaan(route("GLR", "BB", 1), door=user)
    assert not Leerroute.objects.exists()
    assert not AuditRegel.objects.exists()


def test_R_LR_3_glr_to_niveau_2_allowed():
    route("GLR", "BB", 2).full_clean()


def test_R_LR_3_glr_to_niveau_3_refused():
    with pytest.raises(ValidationError) as exc:
        route("GLR", "KB", 3).full_clean()
    (message,) = exc.value.message_dict["kwalificatie"]
    assert message.startswith("R-LR-3: ")


@pytest.mark.parametrize("leerweg, niveau", [("BB", 2), ("KB", 3), ("KB", 4), ("GL", 4), ("TL", 4)])
def test_R_LR_4_dlr_to_niveau_2_3_or_4_allowed(leerweg, niveau):
    route("DLR", leerweg, niveau).full_clean()


def test_R_LR_4_dlr_below_niveau_2_refused():
    assert rule_ids(route("DLR", "KB", 1)) == {"R-LR-2"}


def test_route_is_checked_again_when_its_qualification_changes():
    user = gebruiker_met_rol("applicatiebeheerder")
    r = services.opslaan(route("DLR", "KB", 4), door=user)
    r.kwalificatie = KwalificatieFactory(niveau=2)
    with pytest.raises(ValidationError) as exc:
        services.opslaan(r, door=user)
    assert exc.value.message_dict["kwalificatie"][0].startswith("R-LR-5: ")
    assert Leerroute.objects.get(pk=r.pk).kwalificatie.niveau == 4


# --- R-LR-6 ---------------------------------------------------------------------------------------


def test_R_LR_6_new_route_is_not_yet_reported():
    r = LeerrouteFactory()
    assert r.rio_status == "niet_gemeld"
    assert r.rio_gemeld_op is None


@pytest.mark.parametrize("status", ["aangemeld", "geregistreerd", "afgemeld"])
def test_R_LR_6_reported_route_without_date_refused(status):
    r = route(rio_status=status)
    with pytest.raises(ValidationError) as exc:
        r.full_clean()
    assert any(m.startswith("R-LR-6: ") for m in exc.value.messages)


def test_R_LR_6_reported_route_with_date_and_kenmerk_allowed():
    r = route(rio_status="geregistreerd", rio_gemeld_op=datetime.date(2025, 6, 1), rio_kenmerk="RIO-123")
    r.full_clean()
    r.save()
    r.refresh_from_db()
    assert (r.rio_status, r.rio_kenmerk) == ("geregistreerd", "RIO-123")


def test_R_LR_6_database_refuses_reported_route_without_date():
    r = LeerrouteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Leerroute.objects.filter(pk=r.pk).update(rio_status="aangemeld")


# --- R-LR-7 ---------------------------------------------------------------------------------------


def test_R_LR_7_one_programme_per_leerjaar_allowed():
    r = LeerrouteFactory()
    for jaar in (1, 2, 3):
        p = LeerjaarProgramma(leerroute=r, routejaar=jaar, beschrijving=f"PTA/OER jaar {jaar}")
        p.full_clean()
        p.save()
    assert r.programma.count() == 3


def test_R_LR_7_second_programme_for_the_same_leerjaar_refused():
    r = LeerrouteFactory()
    LeerjaarProgramma.objects.create(leerroute=r, routejaar=1, beschrijving="PTA/OER")
    dubbel = LeerjaarProgramma(leerroute=r, routejaar=1, beschrijving="Nog een")
    with pytest.raises(ValidationError) as exc:
        dubbel.full_clean()
    assert any(m.startswith("R-LR-7: ") for m in exc.value.messages)


def test_R_LR_7_same_leerjaar_in_another_route_allowed():
    LeerjaarProgramma.objects.create(leerroute=LeerrouteFactory(), routejaar=1, beschrijving="A")
    LeerjaarProgramma(leerroute=LeerrouteFactory(), routejaar=1, beschrijving="B").full_clean()


def test_R_LR_7_database_refuses_a_second_programme_for_a_leerjaar():
    r = LeerrouteFactory()
    LeerjaarProgramma.objects.create(leerroute=r, routejaar=2, beschrijving="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        LeerjaarProgramma.objects.create(leerroute=r, routejaar=2, beschrijving="B")


@pytest.mark.parametrize("jaar", [0, 7])
def test_R_LR_7_leerjaar_outside_the_route_refused(jaar):
    p = LeerjaarProgramma(leerroute=LeerrouteFactory(), routejaar=jaar, beschrijving="X")
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "Het leerjaar van de route is 1 tot en met 6." in exc.value.messages


def test_R_LR_7_programme_records_who_examines_and_mixed_teams():
    p = LeerjaarProgramma.objects.create(leerroute=LeerrouteFactory(), routejaar=1, beschrijving="PTA/OER")
    Programmaonderdeel.objects.create(programma=p, naam="Nederlands", examinering_door="vo")
    Programmaonderdeel.objects.create(
        programma=p, naam="Vakmanschap", examinering_door="mbo", teambevoegdheid=True
    )
    onderdeel = Programmaonderdeel(programma=p, naam="Onbekend", examinering_door="beide")
    with pytest.raises(ValidationError):
        onderdeel.full_clean()
    assert set(p.onderdelen.values_list("examinering_door", "teambevoegdheid")) == {
        ("vo", False),
        ("mbo", True),
    }


# --- R-LR-8 ---------------------------------------------------------------------------------------


def inschrijving_onder(sok, startdatum=datetime.date(2025, 8, 1)) -> Inschrijving:
    r = LeerrouteFactory(overeenkomst=sok)
    return Inschrijving(
        leerling=LeerlingFactory(instelling=sok.vo_instelling),
        leerroute=r,
        sector="vo",
        instelling=sok.vo_instelling,
        inschrijvingsvolgnummer="V1",
        opleidingskenmerk=r.soort,
        fase="vo",
        startdatum=startdatum,
        leerjaar=3,
        leerweg=r.leerweg,
    )


def test_R_LR_8_enrolment_under_active_agreement_allowed():
    inschrijving_onder(OvereenkomstFactory(actief=True)).full_clean()


def test_R_LR_8_enrolment_under_concept_agreement_refused():
    i = inschrijving_onder(OvereenkomstFactory(status="concept"))
    with pytest.raises(ValidationError) as exc:
        i.full_clean()
    assert exc.value.message_dict["startdatum"][0].startswith("R-LR-8: ")


def test_R_LR_8_enrolment_under_ended_agreement_refused():
    sok = OvereenkomstFactory(actief=True)
    sok.status = "beeindigd"
    sok.save()
    with pytest.raises(ValidationError) as exc:
        inschrijving_onder(sok).full_clean()
    assert exc.value.message_dict["startdatum"][0].startswith("R-LR-8: ")


def test_R_LR_8_enrolment_before_the_agreement_starts_refused():
    sok = OvereenkomstFactory(actief=True, ingangsdatum=datetime.date(2026, 8, 1))
    with pytest.raises(ValidationError) as exc:
        inschrijving_onder(sok, startdatum=datetime.date(2025, 8, 1)).full_clean()
    assert exc.value.message_dict["startdatum"][0].startswith("R-LR-8: ")


def test_R_LR_8_enrolment_after_the_agreement_ends_refused():
    sok = OvereenkomstFactory(actief=True, einddatum=datetime.date(2025, 7, 31))
    with pytest.raises(ValidationError) as exc:
        inschrijving_onder(sok, startdatum=datetime.date(2025, 8, 1)).full_clean()
    assert exc.value.message_dict["startdatum"][0].startswith("R-LR-8: ")


def test_R_LR_8_running_enrolment_may_be_edited_after_the_agreement_ended():
    i = InschrijvingFactory()
    sok = i.leerroute.overeenkomst
    sok.status = "beeindigd"
    sok.save()
    i = Inschrijving.objects.get(pk=i.pk)
    i.inschrijvingsvolgnummer = "NIEUW-1"
    i.full_clean()  # the start date did not change, so the intake rule does not apply again
