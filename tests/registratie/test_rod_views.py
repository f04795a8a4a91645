"""The ROD screens: deliveries of the user's own instelling only; the file (with BSNs) only for
the instelling's beheerders; the response upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from registratie.models import Leerling, RodBericht, RodLevering, RodTerugkoppeling
from registratie.rod import services, wachtrij
from registratie.rod import urls as rod_urls
from samenwerking.models import AuditActie, AuditRegel
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.registratie.rod_helpers import (
    PEILDATUM,
    leerling_in_route,
    levering_bytes,
    open_rod_signalen,
    route_met_vestigingen,
    stand,
    terugkoppeling_xml,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins


@pytest.fixture
def opzet():
    route = route_met_vestigingen()
    vo, _ = leerling_in_route(route)
    services.rod_exporteren(peildatum=PEILDATUM)
    o = route.overeenkomst
    return {
        "vo": vo,
        "levering": RodLevering.objects.get(instelling=o.vo_instelling),
        "mbo_levering": RodLevering.objects.get(instelling=o.mbo_instelling),
        "rollen": {
            "beheerder": gebruiker_met_rol("beheerder", instelling=o.vo_instelling),
            "lezer": gebruiker_met_rol("lezer", instelling=o.vo_instelling),
            "partner": gebruiker_met_rol("beheerder", instelling=o.mbo_instelling),
            "coordinator": gebruiker_met_rol("coordinator", overeenkomst=o),
            "ander": gebruiker_met_rol("beheerder", instelling=InstellingFactory()),
            "applicatiebeheerder": gebruiker_met_rol("applicatiebeheerder"),
        },
    }


def client_voor(user) -> Client:
    c = Client()
    inloggen(c, user)
    return c


# role -> may this role see and download the vo-school's delivery?
MAG = {
    "beheerder": True,
    "lezer": False,
    "partner": False,
    "coordinator": False,
    "ander": False,
    "applicatiebeheerder": True,
}


def test_every_rod_url_is_in_the_role_matrix(opzet):
    """Each URL of the rod app, visited as each role: 404 outside scope. A new URL must be
    added here (or this test fails)."""
    namen = {p.name for p in rod_urls.urlpatterns}
    # The format v2 screens have their own scope tests (test_rod_wachtrij_scherm,
    # test_rod_terugkoppeling_v2, test_rod_afstemming, test_rod_upload) and rows in
    # tests/test_isolatie_matrix.py.
    v2 = {"wachtrij", "nu_leveren", "bericht", "bericht_opnieuw"} | {
        "terugkoppeling_lijst",
        "terugkoppeling_inlezen",
        "waarschuwing_accepteren",
        "afstemming_lijst",
        "afstemming_inlezen",
        "afstemming",
        "afstemming_csv",
        "afstemming_wachtrij",
        "verschil_wachtrij",
        "upload",
        "upload_status",
        "upload_annuleren",
    }
    assert namen - v2 == {"leveringen", "levering", "bestand", "terugkoppeling"}
    pk = opzet["levering"].pk
    wachtrij.in_wachtrij([opzet["vo"].pk])
    bericht = RodBericht.objects.get(inschrijving=opzet["vo"])
    for rol, user in opzet["rollen"].items():
        c = client_voor(user)
        assert c.get(reverse("rod:leveringen")).status_code == 200
        assert c.get(reverse("rod:wachtrij")).status_code == 200
        verwacht = 200 if MAG[rol] else 404
        assert c.get(reverse("rod:levering", args=[pk])).status_code == verwacht, rol
        assert c.get(reverse("rod:bestand", args=[pk])).status_code == verwacht, rol
        assert c.get(reverse("rod:bericht", args=[bericht.pk])).status_code == verwacht, rol
        opnieuw = c.post(reverse("rod:bericht_opnieuw", args=[bericht.pk]))
        assert opnieuw.status_code == (302 if MAG[rol] else 404), rol
        leveren = c.post(reverse("rod:nu_leveren"))
        assert leveren.status_code == (403 if rol in ("lezer", "coordinator") else 302), rol
        upload = c.post(reverse("rod:terugkoppeling", args=[pk]), {})
        assert upload.status_code == (400 if MAG[rol] else 404), rol
    anoniem = Client()
    for naam, args in (
        ("leveringen", []),
        ("levering", [pk]),
        ("bestand", [pk]),
        ("terugkoppeling", [pk]),
        ("wachtrij", []),
        ("bericht", [bericht.pk]),
    ):
        r = anoniem.get(reverse(f"rod:{naam}", args=args))
        assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_the_list_shows_only_the_users_own_instellingen(opzet):
    levering, mbo_levering = opzet["levering"], opzet["mbo_levering"]
    body = client_voor(opzet["rollen"]["beheerder"]).get(reverse("rod:leveringen")).content.decode()
    assert reverse("rod:bestand", args=[levering.pk]) in body
    assert reverse("rod:bestand", args=[mbo_levering.pk]) not in body
    assert "ROD-leveringen" in body and "downloaden" in body

    body = client_voor(opzet["rollen"]["partner"]).get(reverse("rod:leveringen")).content.decode()
    assert reverse("rod:bestand", args=[levering.pk]) not in body
    assert reverse("rod:bestand", args=[mbo_levering.pk]) in body

    for rol in ("lezer", "coordinator", "ander"):
        body = client_voor(opzet["rollen"][rol]).get(reverse("rod:leveringen")).content.decode()
        assert "Er zijn (nog) geen leveringen" in body


def test_download_gives_the_stored_file_and_is_recorded(opzet):
    levering, user = opzet["levering"], opzet["rollen"]["beheerder"]
    r = client_voor(user).get(reverse("rod:bestand", args=[levering.pk]))
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == levering_bytes(levering)
    assert (
        r["Content-Disposition"].startswith("attachment")
        and levering.bestandsnaam in r["Content-Disposition"]
    )
    assert AuditRegel.objects.filter(
        model="registratie.RodLevering",
        object_id=str(levering.pk),
        actie=AuditActie.BSN_BEKEKEN,
        gebruiker=user,
    ).exists()
    assert opzet["vo"].leerling.bsn not in reverse("rod:bestand", args=[levering.pk])


def test_held_records_are_listed_with_their_signal(opzet):
    route_vo = opzet["vo"]
    nieuw, _ = leerling_in_route(route_vo.leerroute)
    Leerling.objects.filter(pk=nieuw.leerling_id).update(bsn="123456789")
    services.rod_exporteren(peildatum=PEILDATUM.replace(day=2))
    body = client_voor(opzet["rollen"]["beheerder"]).get(reverse("rod:leveringen")).content.decode()
    assert "Niet geleverd" in body and nieuw.inschrijvingsvolgnummer in body
    signaal = open_rod_signalen().get(inschrijving=nieuw)
    assert reverse("registratie:signaal", args=[signaal.pk]) in body
    assert "123456789" not in body
    partner = client_voor(opzet["rollen"]["partner"]).get(reverse("rod:leveringen")).content.decode()
    assert nieuw.inschrijvingsvolgnummer not in partner


def test_uploading_a_response_marks_records_and_makes_signals(opzet):
    levering, vo, user = opzet["levering"], opzet["vo"], opzet["rollen"]["beheerder"]
    data = terugkoppeling_xml(levering, afgekeurd=[(vo.inschrijvingsvolgnummer, "B12", "Vestiging onbekend")])
    c = client_voor(user)

    r = c.post(
        reverse("rod:terugkoppeling", args=[levering.pk]),
        {"bestand": SimpleUploadedFile("antwoord.xml", data, content_type="application/xml")},
        follow=True,
    )

    assert r.status_code == 200 and "1 afgekeurd" in r.content.decode()
    assert stand(vo).terugkoppeling == "afgekeurd"
    assert "B12" in open_rod_signalen().get(inschrijving=vo).toelichting
    tk = RodTerugkoppeling.objects.get()
    assert tk.ingelezen_door == user and tk.kanaal == "ui"
    detail = c.get(reverse("rod:levering", args=[levering.pk])).content.decode()
    assert "Terugkoppeling van ROD" in detail and "deels afgekeurd" in detail


def test_a_response_for_another_delivery_is_refused_on_this_screen(opzet):
    levering, mbo_levering = opzet["levering"], opzet["mbo_levering"]
    data = terugkoppeling_xml(mbo_levering, geaccepteerd=[])
    r = client_voor(opzet["rollen"]["applicatiebeheerder"]).post(
        reverse("rod:terugkoppeling", args=[levering.pk]),
        {"bestand": SimpleUploadedFile("antwoord.xml", data)},
    )
    assert r.status_code == 400 and "hoort bij levering" in r.content.decode()
    assert not RodTerugkoppeling.objects.exists()


def test_an_invalid_response_upload_shows_the_error(opzet):
    levering = opzet["levering"]
    r = client_voor(opzet["rollen"]["beheerder"]).post(
        reverse("rod:terugkoppeling", args=[levering.pk]),
        {"bestand": SimpleUploadedFile("antwoord.xml", b"<niet-ons-formaat/>")},
    )
    assert r.status_code == 400 and "volgt het formaat niet" in r.content.decode()
