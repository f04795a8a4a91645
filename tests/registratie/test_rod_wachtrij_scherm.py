"""The ROD queue screen: per instelling its messages with filters, a message with its status
history and content (the number masked), a retry, and "nu leveren"; only for the instelling's own
beheerders."""

from __future__ import annotations

import pytest
from django.test import Client

from registratie.jobs.models import JobRun, Taak
from registratie.models import RodBericht
from registratie.rod import transport, verzenden, wachtrij
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def opzet():
    route = route_met_vestigingen()
    vo, mbo = leerling_in_route(route)
    wachtrij.in_wachtrij([vo.pk, mbo.pk])
    verzenden.verzenden()
    o = route.overeenkomst
    return {
        "vo": vo,
        "bericht": RodBericht.objects.get(inschrijving=vo),
        "beheerder": gebruiker_met_rol("beheerder", instelling=o.vo_instelling),
        "lezer": gebruiker_met_rol("lezer", instelling=o.vo_instelling),
        "partner": gebruiker_met_rol("beheerder", instelling=o.mbo_instelling),
        "ander": gebruiker_met_rol("beheerder", instelling=InstellingFactory()),
    }


def client_voor(user) -> Client:
    c = Client()
    inloggen(c, user)
    return c


def test_the_list_shows_own_messages_only_and_filters(opzet):
    vo = opzet["vo"]
    html = client_voor(opzet["beheerder"]).get("/rod/berichten/").content.decode()
    assert vo.inschrijvingsvolgnummer in html
    partner_html = client_voor(opzet["partner"]).get("/rod/berichten/").content.decode()
    assert vo.inschrijvingsvolgnummer not in partner_html
    gefilterd = client_voor(opzet["beheerder"]).get("/rod/berichten/?status=afgekeurd").content.decode()
    assert vo.inschrijvingsvolgnummer not in gefilterd
    assert "Teldata" in html


def test_a_message_shows_its_history_and_masks_the_number(opzet):
    b, vo = opzet["bericht"], opzet["vo"]
    r = client_voor(opzet["beheerder"]).get(f"/rod/berichten/{b.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert str(b.document_id) in html and "verzonden" in html
    assert vo.leerling.bsn not in html
    assert "&lt;burgerservicenummer&gt;••••••" + vo.leerling.bsn[-3:] in html


def test_a_message_whose_batch_file_is_gone_says_so_instead_of_failing(opzet, settings):
    """The batch file was lost (a storage restored without it): the page opens, with its history,
    and says the content cannot be read; never a server error."""
    b = opzet["bericht"]
    bestand = b.levering.bestand
    bestand.storage.delete(bestand.name)
    r = client_voor(opzet["beheerder"]).get(f"/rod/berichten/{b.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert str(b.document_id) in html and "niet te lezen" in html


def test_the_applicatiebeheerder_filters_every_instelling_by_status_key_and_kind(opzet):
    """Across every instelling (no instelling filter): a status, a key and the deletions each
    find their messages (the indexes of migration 0021 serve these filters)."""
    vo = opzet["vo"]
    c = client_voor(gebruiker_met_rol("applicatiebeheerder"))
    assert vo.inschrijvingsvolgnummer in c.get("/rod/berichten/?status=verzonden").content.decode()
    assert vo.inschrijvingsvolgnummer not in c.get("/rod/berichten/?status=in_wachtrij").content.decode()
    assert (
        vo.inschrijvingsvolgnummer
        in c.get(f"/rod/berichten/?sleutel={vo.inschrijvingsvolgnummer}").content.decode()
    )
    assert vo.inschrijvingsvolgnummer not in c.get("/rod/berichten/?soort=verwijdering").content.decode()


@pytest.mark.parametrize("rol", ["lezer", "partner", "ander"])
def test_others_do_not_see_a_message(opzet, rol):
    b = opzet["bericht"]
    assert client_voor(opzet[rol]).get(f"/rod/berichten/{b.pk}/").status_code == 404
    assert client_voor(opzet[rol]).post(f"/rod/berichten/{b.pk}/opnieuw/").status_code == 404


def test_retry_of_a_rejected_message_queues_a_new_one(opzet):
    b = opzet["bericht"]
    wachtrij.status_zetten(b, "afgekeurd", toelichting="F01")
    r = client_voor(opzet["beheerder"]).post(f"/rod/berichten/{b.pk}/opnieuw/")
    nieuw = RodBericht.objects.get(inschrijving=opzet["vo"], status="in_wachtrij")
    assert r.status_code == 302 and r["Location"] == f"/rod/berichten/{nieuw.pk}/"
    assert nieuw.document_id != b.document_id


def test_retry_of_a_message_waiting_for_its_next_try_makes_it_due_now(opzet, settings, monkeypatch):
    class Tijdelijk:
        def __init__(self, instelling):
            pass

        def verzenden(self, b, xml):
            raise transport.TijdelijkeFout("time-out")

    monkeypatch.setitem(transport.TRANSPORTEN, "tijdelijk", Tijdelijk)
    settings.LEERROUTE_ROD_TRANSPORT = {"standaard": "tijdelijk"}
    wachtrij.in_wachtrij([opzet["vo"].pk])  # a new change (the first message went out)
    verzenden.verzenden()
    b = RodBericht.objects.get(inschrijving=opzet["vo"], status="in_wachtrij")
    assert b.volgende_poging is not None
    document_id = b.document_id
    client_voor(opzet["beheerder"]).post(f"/rod/berichten/{b.pk}/opnieuw/")
    b.refresh_from_db()
    assert b.volgende_poging is None and b.document_id == document_id  # same id: idempotent


def test_nu_leveren_plans_a_run_for_the_instelling(opzet, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client_voor(opzet["beheerder"]).post("/rod/berichten/leveren/")
    assert r.status_code == 302
    assert JobRun.objects.filter(taak=Taak.ROD_VERZENDEN).count() == 1
    assert len(callbacks) == 1  # the task goes to the worker after the commit


def test_a_lezer_cannot_deliver(opzet):
    r = client_voor(opzet["lezer"]).post("/rod/berichten/leveren/")
    assert r.status_code == 403
    assert not JobRun.objects.filter(taak=Taak.ROD_VERZENDEN).exists()
