"""R-SOK-1..4: the samenwerkingsovereenkomst (or interne regeling) between vo- and mbo-side."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from leerroute.models import Leerroute
from samenwerking import services
from samenwerking.models import (
    VERPLICHTE_ONDERDELEN,
    AuditRegel,
    Samenwerkingsovereenkomst,
)
from tests.factories import (
    BestuurFactory,
    InstellingFactory,
    KwalificatieFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return exc.value.message_dict


def messages_with(errors: dict[str, list[str]], rule: str) -> list[str]:
    return [m for ms in errors.values() for m in ms if m.startswith(f"{rule}: ")]


def actief_velden() -> dict:
    """Every R-SOK-2 element filled, as OvereenkomstFactory(actief=True) does."""
    return {
        "status": "actief",
        "inhoud_leerroute": "Techniek BB-2",
        "dagelijkse_leiding": "Stuurgroep",
        "betrokkenheid_bedrijfsleven": "Leerbedrijven",
        "overstapoptie": "Begeleide overstap",
        "medezeggenschap": "MR en OR",
        "advies_medezeggenschap": "Positief advies",
        "dekt_volledige_route": True,
    }


def nieuwe_sok(**kwargs) -> Samenwerkingsovereenkomst:
    defaults = {
        "naam": "SOK Techniek",
        "soort": "sok",
        "vo_instelling": InstellingFactory(),
        "mbo_instelling": InstellingFactory(mbo=True),
        "ingangsdatum": datetime.date(2025, 8, 1),
    }
    return Samenwerkingsovereenkomst(**(defaults | kwargs))


# --- R-SOK-1 --------------------------------------------------------------------------------------


def test_R_SOK_1_agreement_between_two_boards_is_accepted():
    nieuwe_sok().full_clean()


def test_R_SOK_1_same_board_needs_an_interne_regeling():
    bestuur = BestuurFactory()
    sok = nieuwe_sok(
        vo_instelling=InstellingFactory(bestuur=bestuur),
        mbo_instelling=InstellingFactory(bestuur=bestuur, mbo=True),
    )
    errors = errors_of(sok)
    assert errors["soort"][0].startswith("R-SOK-1: ")
    assert "interne regeling" in errors["soort"][0]


def test_R_SOK_1_interne_regeling_between_two_boards_is_refused():
    errors = errors_of(nieuwe_sok(soort="intern"))
    assert errors["soort"][0].startswith("R-SOK-1: ")


def test_R_SOK_1_aoc_with_interne_regeling_is_accepted():
    aoc = InstellingFactory(aoc=True)
    nieuwe_sok(soort="intern", vo_instelling=aoc, mbo_instelling=aoc).full_clean()


def test_R_SOK_1_vo_party_must_offer_vmbo():
    errors = errors_of(nieuwe_sok(vo_instelling=InstellingFactory(mbo=True)))
    assert errors["vo_instelling"][0].startswith("R-SOK-1: ")


def test_R_SOK_1_mbo_party_must_offer_mbo():
    errors = errors_of(nieuwe_sok(mbo_instelling=InstellingFactory()))
    assert errors["mbo_instelling"][0].startswith("R-SOK-1: ")


def test_R_SOK_1_route_under_a_leerwerktraject_agreement_is_refused():
    sok = OvereenkomstFactory(actief=True, onderwerp="leerwerktraject")
    route = Leerroute(
        naam="R",
        soort="GLR",
        overeenkomst=sok,
        leerweg="BB",
        kwalificatie=KwalificatieFactory(niveau=2),
        startdatum=datetime.date(2025, 8, 1),
    )
    errors = errors_of(route)
    assert errors["overeenkomst"][0].startswith("R-SOK-1: ")


def test_R_LR_1_same_instelling_on_both_sides_only_for_aoc_or_vsg():
    vsg = InstellingFactory(soort="vsg")
    nieuwe_sok(soort="intern", vo_instelling=vsg, mbo_instelling=vsg).full_clean()
    vo = InstellingFactory()
    errors = errors_of(nieuwe_sok(soort="intern", vo_instelling=vo, mbo_instelling=vo))
    assert any(m.startswith("R-LR-1: ") for m in errors["mbo_instelling"])


# --- R-SOK-2 --------------------------------------------------------------------------------------


def test_R_SOK_2_agreement_with_every_element_can_be_active():
    nieuwe_sok(**actief_velden()).full_clean()


@pytest.mark.parametrize("onderdeel", VERPLICHTE_ONDERDELEN)
def test_R_SOK_2_missing_element_refuses_activation(onderdeel):
    sok = nieuwe_sok(**(actief_velden() | {onderdeel: "  "}))
    errors = errors_of(sok)
    (message,) = errors["status"]
    assert message.startswith("R-SOK-2: ")
    label = str(Samenwerkingsovereenkomst._meta.get_field(onderdeel).verbose_name)
    assert label in message


def test_R_SOK_2_financiele_afspraken_are_advised_not_required():
    nieuwe_sok(**(actief_velden() | {"financiele_afspraken": ""})).full_clean()


def test_R_SOK_2_concept_agreement_may_still_miss_elements():
    nieuwe_sok(status="concept").full_clean()


def test_R_SOK_2_activation_service_refuses_and_keeps_concept():
    user = gebruiker_met_rol("applicatiebeheerder")
    sok = OvereenkomstFactory(status="concept", inhoud_leerroute="Alleen de inhoud")
    with pytest.raises(ValidationError) as exc:
        services.overeenkomst_activeren(overeenkomst=sok, door=user)
    assert exc.value.message_dict["status"][0].startswith("R-SOK-2: ")
    sok.refresh_from_db()
    assert sok.status == "concept"
    assert not AuditRegel.objects.filter(model="samenwerking.Samenwerkingsovereenkomst").exists()


def test_R_SOK_2_activation_service_activates_a_complete_agreement():
    user = gebruiker_met_rol("applicatiebeheerder")
    sok = OvereenkomstFactory(actief=True, status="concept")
    services.overeenkomst_activeren(overeenkomst=sok, door=user)
    sok.refresh_from_db()
    assert sok.status == "actief"
    regel = AuditRegel.objects.get(model="samenwerking.Samenwerkingsovereenkomst", actie="update")
    assert regel.oud == {"status": "concept"}
    assert regel.nieuw == {"status": "actief"}


# --- R-SOK-3 --------------------------------------------------------------------------------------


def _route(sok, **kwargs) -> Leerroute:
    defaults = {
        "naam": "Route met LWT",
        "soort": "GLR",
        "overeenkomst": sok,
        "leerweg": "BB",
        "kwalificatie": KwalificatieFactory(niveau=2),
        "startdatum": datetime.date(2025, 8, 1),
    }
    return Leerroute(**(defaults | kwargs))


def test_R_SOK_3_leerwerktraject_without_own_agreement_is_refused():
    errors = errors_of(_route(OvereenkomstFactory(actief=True), omvat_leerwerktraject=True))
    assert errors["leerwerktraject_overeenkomst"][0].startswith("R-SOK-3: ")


def test_R_SOK_3_leerwerktraject_with_own_agreement_between_same_parties_is_accepted():
    sok = OvereenkomstFactory(actief=True)
    lwt = OvereenkomstFactory(
        actief=True,
        onderwerp="leerwerktraject",
        vo_instelling=sok.vo_instelling,
        mbo_instelling=sok.mbo_instelling,
    )
    _route(sok, omvat_leerwerktraject=True, leerwerktraject_overeenkomst=lwt).full_clean()


def test_R_SOK_3_the_routes_own_agreement_does_not_count_for_the_leerwerktraject():
    sok = OvereenkomstFactory(actief=True)
    errors = errors_of(_route(sok, omvat_leerwerktraject=True, leerwerktraject_overeenkomst=sok))
    assert errors["leerwerktraject_overeenkomst"][0].startswith("R-SOK-3: ")


def test_R_SOK_3_leerwerktraject_agreement_with_other_parties_is_refused():
    sok = OvereenkomstFactory(actief=True)
    lwt = OvereenkomstFactory(actief=True, onderwerp="leerwerktraject")
    errors = errors_of(_route(sok, omvat_leerwerktraject=True, leerwerktraject_overeenkomst=lwt))
    assert errors["leerwerktraject_overeenkomst"][0].startswith("R-SOK-3: ")
    assert "dezelfde vo-school" in errors["leerwerktraject_overeenkomst"][0]


# --- R-SOK-4 --------------------------------------------------------------------------------------


def test_R_SOK_4_active_agreement_must_cover_the_whole_route():
    errors = errors_of(nieuwe_sok(**(actief_velden() | {"dekt_volledige_route": False})))
    assert errors["dekt_volledige_route"][0].startswith("R-SOK-4: ")
    assert "niveau 4" in errors["dekt_volledige_route"][0]


def test_R_SOK_4_concept_agreement_need_not_cover_the_whole_route_yet():
    nieuwe_sok(dekt_volledige_route=False).full_clean()


# --- Dates ----------------------------------------------------------------------------------------


def test_agreement_ending_before_it_starts_is_refused():
    sok = nieuwe_sok(einddatum=datetime.date(2025, 7, 31))
    with pytest.raises(ValidationError) as exc:
        sok.full_clean()
    assert "De einddatum ligt niet vóór de ingangsdatum." in exc.value.messages


def test_is_actief_op_follows_status_and_dates():
    sok = OvereenkomstFactory(actief=True, einddatum=datetime.date(2030, 7, 31))
    assert sok.is_actief_op(datetime.date(2025, 8, 1))
    assert not sok.is_actief_op(sok.ingangsdatum - datetime.timedelta(days=1))
    assert not sok.is_actief_op(datetime.date(2030, 8, 1))
    sok.status = "beeindigd"
    assert not sok.is_actief_op(datetime.date(2025, 8, 1))
