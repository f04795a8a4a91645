"""Issue 9, items 2 and 3 through the signal screens: a half-registered switch or stop is settled
by the coordinator in one step (record the uitstroom, or reopen the ended enrolment), audited;
a ROD rejection belongs to the delivering instelling, whose beheerders close it, while the
partner school and the coordinator see it read-only."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from registratie import services
from registratie.models import Inschrijving, Signaal, Uitstroom
from registratie.rod import services as rod_services
from samenwerking.models import AuditRegel
from tests.factories import gebruiker_met_rol, route_leerling
from tests.registratie.rod_helpers import (
    PEILDATUM,
    leerling_in_route,
    open_rod_signalen,
    route_met_vestigingen,
    terugkoppeling_xml,
)
from tests.registratie.test_review import _client, _url

pytestmark = pytest.mark.django_db
D = datetime.date
EINDE = D(2026, 1, 31)


@pytest.fixture
def half():
    """The mbo side ended as overstap, the vo side runs on, no uitstroom: the save raised a signal."""
    vo, mbo = route_leerling()
    services.inschrijving_beeindigen(inschrijving=mbo, einddatum=EINDE, reden="overstap", door=None)
    o = vo.leerroute.overeenkomst
    return {
        "vo": vo,
        "mbo": mbo,
        "signaal": Signaal.objects.get(regel="R-INS-10", leerling=vo.leerling, status="open"),
        "coordinator": gebruiker_met_rol("coordinator", overeenkomst=o),
        "beheerder_vo": gebruiker_met_rol("beheerder", instelling=o.vo_instelling),
    }


def test_the_coordinator_sees_both_one_step_actions(half):
    body = _client(half["coordinator"]).get(_url("signaal", half["signaal"])).content.decode()
    assert _url("signaal-uitstroom", half["signaal"]) in body
    assert _url("signaal-heropenen", half["signaal"]) in body


def test_recording_the_uitstroom_ends_the_other_side_and_closes_the_signal(half):
    coordinator = half["coordinator"]
    r = _client(coordinator).post(
        _url("signaal-uitstroom", half["signaal"]),
        {"reden": "overstap_opleiding", "bestemming": "mbo", "toelichting": "Naar BOL elders", "datum": ""},
    )
    assert r.status_code == 302
    u = Uitstroom.objects.get(leerling=half["vo"].leerling)
    assert (u.datum, u.reden, u.bestemming, u.vastgelegd_door) == (
        EINDE,
        "overstap_opleiding",
        "mbo",
        coordinator,
    )
    vo = Inschrijving.objects.get(pk=half["vo"].pk)
    assert (vo.einddatum, vo.reden_einde) == (EINDE, "overstap")
    s = Signaal.objects.get(pk=half["signaal"].pk)
    assert (s.status, s.afgehandeld_door) == ("opgelost", coordinator)
    door_coordinator = AuditRegel.objects.filter(gebruiker=coordinator, kanaal="ui")
    assert set(door_coordinator.values_list("model", "actie")) >= {
        ("registratie.Uitstroom", "create"),
        ("registratie.Inschrijving", "update"),
        ("registratie.Signaal", "update"),
    }


def test_reopening_the_ended_enrolment_closes_the_signal(half):
    coordinator = half["coordinator"]
    r = _client(coordinator).post(_url("signaal-heropenen", half["signaal"]))
    assert r.status_code == 302
    mbo = Inschrijving.objects.get(pk=half["mbo"].pk)
    assert (mbo.einddatum, mbo.reden_einde) == (None, "")
    assert Signaal.objects.get(pk=half["signaal"].pk).status == "opgelost"
    regel = AuditRegel.objects.get(
        model="registratie.Inschrijving", object_id=str(mbo.pk), gebruiker=coordinator
    )
    assert regel.oud["einddatum"] == EINDE.isoformat() and regel.nieuw["einddatum"] is None
    assert not Uitstroom.objects.exists()


def test_an_uitstroom_before_the_start_is_refused_and_nothing_changes(half):
    r = _client(half["coordinator"]).post(
        _url("signaal-uitstroom", half["signaal"]),
        {"reden": "stopt", "bestemming": "vmbo", "datum": "2020-01-01"},
        follow=True,
    )
    assert "R-INS-10: " in r.content.decode()
    assert not Uitstroom.objects.exists()
    assert Inschrijving.objects.get(pk=half["vo"].pk).einddatum is None
    assert Signaal.objects.get(pk=half["signaal"].pk).status == "open"


def test_a_beheerder_may_not_settle_it(half):
    c = _client(half["beheerder_vo"])
    assert c.post(_url("signaal-heropenen", half["signaal"])).status_code == 403
    assert Inschrijving.objects.get(pk=half["mbo"].pk).einddatum == EINDE


def test_the_actions_refuse_a_signal_of_another_kind(half):
    ander = Signaal.objects.create(
        regel="R-LR-8",
        sleutel="fasecontrole:R-LR-8:x",
        overeenkomst=half["vo"].leerroute.overeenkomst,
        leerling=half["vo"].leerling,
        inschrijving=half["mbo"],
        toelichting="test",
    )
    r = _client(half["coordinator"]).post(_url("signaal-heropenen", ander), follow=True)
    assert "niet over een half geregistreerde overstap" in r.content.decode()
    assert Inschrijving.objects.get(pk=half["mbo"].pk).einddatum == EINDE


# --- ROD rejections: the delivering instelling's --------------------------------------------------


@pytest.fixture
def rod(settings, tmp_path):
    """A delivered route whose vo record ROD rejected (through the feedback import)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    route = route_met_vestigingen()
    vo, _mbo = leerling_in_route(route)
    rod_services.rod_exporteren(peildatum=PEILDATUM)
    levering = route.overeenkomst.vo_instelling.rod_leveringen.get()
    pad = tmp_path / "antwoord.xml"
    pad.write_bytes(terugkoppeling_xml(levering, afgekeurd=[(vo.inschrijvingsvolgnummer, "X1", "Onbekend")]))
    call_command("rod_import_feedback", str(pad), stdout=io.StringIO())
    o = route.overeenkomst
    return {
        "signaal": open_rod_signalen().get(inschrijving=vo),
        "beheerder_vo": gebruiker_met_rol("beheerder", instelling=o.vo_instelling),
        "beheerder_mbo": gebruiker_met_rol("beheerder", instelling=o.mbo_instelling),
        "coordinator": gebruiker_met_rol("coordinator", overeenkomst=o),
    }


def test_a_rod_rejection_carries_its_agreement_and_partner(rod):
    s = rod["signaal"]
    o = s.inschrijving.leerroute.overeenkomst
    assert (s.instelling_id, s.partner_instelling_id, s.overeenkomst_id) == (
        o.vo_instelling_id,
        o.mbo_instelling_id,
        o.pk,
    )


@pytest.mark.parametrize("rol", ["beheerder_mbo", "coordinator"])
def test_the_partner_and_the_coordinator_see_it_read_only(rod, rol):
    c = _client(rod[rol])
    assert _url("signaal", rod["signaal"]) in c.get(reverse("registratie:signalen")).content.decode()
    detail = c.get(_url("signaal", rod["signaal"])).content.decode()
    assert _url("signaal-afwijzen", rod["signaal"]) not in detail
    assert c.post(_url("signaal-afwijzen", rod["signaal"]), {"reden": "Hersteld"}).status_code == 403
    assert Signaal.objects.get(pk=rod["signaal"].pk).status == "open"


def test_the_delivering_instellings_beheerder_closes_it(rod):
    beheerder = rod["beheerder_vo"]
    c = _client(beheerder)
    detail = c.get(_url("signaal", rod["signaal"])).content.decode()
    assert _url("signaal-afwijzen", rod["signaal"]) in detail
    assert _url("signaal-overdragen", rod["signaal"]) not in detail  # nothing to hand over
    r = c.post(_url("signaal-afwijzen", rod["signaal"]), {"reden": "Hersteld bij DUO"})
    assert r.status_code == 302
    s = Signaal.objects.get(pk=rod["signaal"].pk)
    assert (s.status, s.afgehandeld_door, s.afhandeling) == ("afgewezen", beheerder, "Hersteld bij DUO")
    assert AuditRegel.objects.filter(
        model="registratie.Signaal", object_id=str(s.pk), gebruiker=beheerder, actie="update"
    ).exists()
