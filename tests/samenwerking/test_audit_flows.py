"""The audit trail shows the changes made in the application's flows: each flow is driven through
its real entry point (admin form, API, screen, management command) and leaves rows with the action,
the channel, the user (or none for a job) and the old and new values; a BSN never in full."""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from leerroute.models import LeerjaarProgramma, Leerroute
from registratie.models import Fasewissel, Inschrijving, Leerling, RodLevering, Signaal, Uitstroom
from samenwerking import services
from samenwerking.models import AuditRegel, Samenwerkingsovereenkomst
from tests.admin_data import management, route_data, sok_data
from tests.factories import (
    InschrijvingFactory,
    InstellingFactory,
    KwalificatieFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
    route_leerling,
)
from tests.login import inloggen
from tests.registratie.rod_helpers import (
    PEILDATUM,
    VOLGENDE_DAG,
    leerling_in_route,
    route_met_vestigingen,
    terugkoppeling_xml,
)

pytestmark = pytest.mark.django_db

D = datetime.date
VOOR_DE_OVERGANG = D(2027, 6, 15)


def rijen(obj, **filters):
    return list(
        AuditRegel.objects.filter(model=obj._meta.label, object_id=str(obj.pk), **filters).order_by("id")
    )


def client_voor(user) -> Client:
    return inloggen(Client(), user)


# --- admin (kanaal admin) ----------------------------------------------------------------------------


def test_admin_create_change_and_delete_of_an_agreement():
    vo, mbo = InstellingFactory(), InstellingFactory(mbo=True)
    beheerder = gebruiker_met_rol("beheerder", instelling=vo)
    c = client_voor(beheerder)

    concept = sok_data(vo, mbo, naam="SOK Zorg Oost", status="concept")
    assert c.post("/beheer/samenwerking/samenwerkingsovereenkomst/add/", concept).status_code == 302
    sok = Samenwerkingsovereenkomst.objects.get(naam="SOK Zorg Oost")
    [aangemaakt] = rijen(sok)
    assert (aangemaakt.actie, aangemaakt.kanaal, aangemaakt.gebruiker) == ("create", "admin", beheerder)
    assert aangemaakt.oud is None
    assert aangemaakt.nieuw["naam"] == "SOK Zorg Oost" and aangemaakt.nieuw["status"] == "concept"

    url = f"/beheer/samenwerking/samenwerkingsovereenkomst/{sok.pk}/change/"
    data = concept | {"naam": "SOK Zorg en Welzijn Oost", "einddatum": "2031-07-31"}
    assert c.post(url, data).status_code == 302
    gewijzigd = rijen(sok, actie="update")[0]
    assert (gewijzigd.kanaal, gewijzigd.gebruiker) == ("admin", beheerder)
    assert gewijzigd.oud == {"naam": "SOK Zorg Oost", "einddatum": None}
    assert gewijzigd.nieuw == {"naam": "SOK Zorg en Welzijn Oost", "einddatum": "2031-07-31"}

    pk = sok.pk
    delete_url = f"/beheer/samenwerking/samenwerkingsovereenkomst/{pk}/delete/"
    assert c.post(delete_url, {"post": "yes"}).status_code == 302
    verwijderd = AuditRegel.objects.get(model="samenwerking.Samenwerkingsovereenkomst", actie="delete")
    assert (verwijderd.object_id, verwijderd.kanaal, verwijderd.gebruiker) == (str(pk), "admin", beheerder)
    assert verwijderd.oud["naam"] == "SOK Zorg en Welzijn Oost" and verwijderd.nieuw is None
    # the two parties' beheerders read it
    assert (verwijderd.instelling_id, verwijderd.partner_instelling_id) == (vo.pk, mbo.pk)


def test_admin_route_with_an_inline_programme_audits_both():
    sok = OvereenkomstFactory(actief=True)
    beheerder = gebruiker_met_rol("beheerder", instelling=sok.vo_instelling)
    kwalificatie = KwalificatieFactory(niveau=2)
    data = route_data(
        sok,
        kwalificatie,
        naam="Zorg BB-2",
        **management("programma", total=1),
        **{"programma-0-routejaar": "1", "programma-0-beschrijving": "Oriëntatie op zorg en welzijn"},
    )
    response = client_voor(beheerder).post("/beheer/leerroute/leerroute/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    route = Leerroute.objects.get(naam="Zorg BB-2")
    programma = LeerjaarProgramma.objects.get(leerroute=route)
    for obj in (route, programma):
        [regel] = rijen(obj)
        assert (regel.actie, regel.kanaal, regel.gebruiker) == ("create", "admin", beheerder)
    assert rijen(programma)[0].nieuw["beschrijving"] == "Oriëntatie op zorg en welzijn"


# --- API (kanaal api) --------------------------------------------------------------------------------


def test_api_create_of_an_inschrijving():
    route = LeerrouteFactory()
    vo, _ = route_leerling(route, met_mbo=False)
    mbo_instelling = route.overeenkomst.mbo_instelling
    beheerder = gebruiker_met_rol("beheerder", instelling=mbo_instelling)
    api = inloggen(APIClient(), beheerder)
    response = api.post(
        "/api/inschrijvingen/",
        {
            "leerling": vo.leerling_id,
            "leerroute": route.pk,
            "sector": "mbo",
            "instelling": mbo_instelling.pk,
            "inschrijvingsvolgnummer": "ROC-2025-042",
            "opleidingskenmerk": route.soort,
            "fase": "vo",
            "startdatum": "2025-08-01",
            "kwalificatie": route.kwalificatie_id,
            "leervorm": "BOL",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    inschrijving = Inschrijving.objects.get(pk=response.json()["id"])
    [regel] = rijen(inschrijving)
    assert (regel.actie, regel.kanaal, regel.gebruiker) == ("create", "api", beheerder)
    assert regel.nieuw["inschrijvingsvolgnummer"] == "ROC-2025-042" and regel.nieuw["sector"] == "mbo"
    assert (regel.instelling_id, regel.partner_instelling_id) == (
        mbo_instelling.pk,
        route.overeenkomst.vo_instelling_id,
    )


# --- the nightly check (kanaal job) and the coordinator's review (kanaal ui) ---------------------------


def fasecontrole(datum: datetime.date) -> str:
    out = io.StringIO()
    call_command("check_phases", "--date", datum.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def overgang():
    route = LeerrouteFactory()
    vo, mbo = route_leerling(route)
    fasecontrole(VOOR_DE_OVERGANG)
    return {
        "vo": vo,
        "mbo": mbo,
        "signaal": Signaal.objects.get(leerling=vo.leerling),
        "coordinator": gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst),
        "beheerder_vo": gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling),
    }


def test_the_nightly_check_records_the_signals_it_raises(overgang):
    [regel] = rijen(overgang["signaal"])
    assert (regel.actie, regel.kanaal, regel.gebruiker) == ("create", "job", None)
    assert regel.nieuw["regel"] == "R-INS-1" and regel.nieuw["status"] == "open"
    assert regel.nieuw["voorgestelde_datum"] == "2027-08-01"


def test_a_coordinator_applying_a_transition_in_the_signal_screen(overgang):
    signaal, coordinator = overgang["signaal"], overgang["coordinator"]
    response = client_voor(coordinator).post(reverse("registratie:signaal-toepassen", args=[signaal.pk]))
    assert response.status_code == 302

    for inschrijving in (overgang["vo"], overgang["mbo"]):
        [regel] = rijen(inschrijving)
        assert (regel.actie, regel.kanaal, regel.gebruiker) == ("update", "ui", coordinator)
        assert (regel.oud, regel.nieuw) == ({"fase": "vo"}, {"fase": "mbo"})
        [wissel] = Fasewissel.objects.filter(inschrijving=inschrijving)
        [aangemaakt] = rijen(wissel)
        assert (aangemaakt.actie, aangemaakt.kanaal, aangemaakt.gebruiker) == ("create", "ui", coordinator)
        assert aangemaakt.nieuw["van_fase"] == "vo" and aangemaakt.nieuw["ingangsdatum"] == "2027-08-01"
    afgehandeld = rijen(signaal, actie="update")[-1]
    assert (afgehandeld.kanaal, afgehandeld.gebruiker) == ("ui", coordinator)
    assert afgehandeld.oud["status"] == "open" and afgehandeld.nieuw["status"] == "opgelost"
    assert afgehandeld.nieuw["afgehandeld_door"] == coordinator.pk

    # ... and the beheerder sees it on the enrolment's history page, old and new value.
    page = client_voor(overgang["beheerder_vo"]).get(
        reverse("geschiedenis", args=["registratie.inschrijving", overgang["vo"].pk])
    )
    assert page.status_code == 200
    [(regel, velden)] = page.context["regels"]
    assert [(v.veld, v.oud, v.nieuw) for v in velden] == [("Fase", "vo-fase", "mbo-fase")]
    assert coordinator.get_full_name() in page.content.decode()


def test_the_nightly_check_closing_a_handed_over_signal_keeps_its_old_values():
    vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")  # R-INS-6: the two disagree
    fasecontrole(D(2026, 3, 1))
    signaal = Signaal.objects.get(regel="R-INS-6")
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=vo.leerroute.overeenkomst)
    collega = gebruiker_met_rol("beheerder", instelling=mbo.instelling)
    client_voor(coordinator).post(
        reverse("registratie:signaal-overdragen", args=[signaal.pk]),
        {"aan_persoon": collega.pk, "toelichting": "Graag de fase nakijken"},
    )
    overgedragen = rijen(signaal, actie="update")[-1]
    assert (overgedragen.kanaal, overgedragen.gebruiker) == ("ui", coordinator)
    assert (overgedragen.oud["status"], overgedragen.nieuw["status"]) == ("open", "overgedragen")
    assert overgedragen.nieuw["toegewezen_persoon"] == collega.pk

    Inschrijving.objects.filter(pk=mbo.pk).update(fase="vo")  # the cause is fixed
    fasecontrole(D(2026, 3, 2))
    gesloten = rijen(signaal, actie="update")[-1]
    assert (gesloten.kanaal, gesloten.gebruiker) == ("job", None)
    assert (
        gesloten.oud["status"] == "overgedragen" and "Graag de fase nakijken" in gesloten.oud["afhandeling"]
    )
    assert gesloten.nieuw["status"] == "opgelost" and "Automatisch gesloten" in gesloten.nieuw["afhandeling"]


# --- uitstroom through the screen (kanaal ui) ----------------------------------------------------------


def test_uitstroom_recorded_through_the_screen(overgang):
    vo, mbo, beheerder = overgang["vo"], overgang["mbo"], overgang["beheerder_vo"]
    response = client_voor(beheerder).post(
        reverse("registratie:uitstroom", args=[vo.leerling_id]),
        {"leerroute": vo.leerroute_id, "datum": "2026-02-01", "reden": "stopt", "bestemming": "anders"},
    )
    assert response.status_code == 302
    [regel] = rijen(Uitstroom.objects.get())
    assert (regel.actie, regel.kanaal, regel.gebruiker) == ("create", "ui", beheerder)
    assert regel.nieuw["reden"] == "stopt" and regel.nieuw["datum"] == "2026-02-01"
    for inschrijving in (vo, mbo):
        [beeindigd] = rijen(inschrijving)
        assert (beeindigd.actie, beeindigd.kanaal, beeindigd.gebruiker) == ("update", "ui", beheerder)
        assert beeindigd.oud == {"einddatum": None, "reden_einde": ""}
        assert beeindigd.nieuw == {"einddatum": "2026-02-01", "reden_einde": "overstap"}


# --- ROD: export (kanaal job) and feedback import (kanaal import, or ui when uploaded) ------------------


@pytest.fixture
def geleverd(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    route = route_met_vestigingen()
    vo = [leerling_in_route(route)[0] for _ in range(2)]
    call_command("rod_export", "--date", PEILDATUM.isoformat(), stdout=io.StringIO())
    return RodLevering.objects.get(instelling=route.overeenkomst.vo_instelling), vo


def inlezen(tmp_path, data: bytes, naam: str) -> None:
    pad = tmp_path / naam
    pad.write_bytes(data)
    call_command("rod_import_feedback", str(pad), stdout=io.StringIO())


def test_the_rod_export_is_recorded_as_a_job(geleverd):
    levering, _ = geleverd
    [regel] = rijen(levering)
    assert (regel.actie, regel.kanaal, regel.gebruiker) == ("create", "job", None)
    assert regel.nieuw["volgnummer"] == 1 and regel.nieuw["aantal_records"] == 2


def test_a_rod_feedback_import_records_the_delivery_the_signal_and_the_response(geleverd, tmp_path):
    levering, (goed, fout) = geleverd
    inlezen(
        tmp_path,
        terugkoppeling_xml(
            levering,
            geaccepteerd=[goed.inschrijvingsvolgnummer],
            afgekeurd=[(fout.inschrijvingsvolgnummer, "R0417", "Persoon onbekend in BRP")],
        ),
        "eerste.xml",
    )
    [bijgewerkt] = rijen(levering, actie="update")
    assert (bijgewerkt.kanaal, bijgewerkt.gebruiker) == ("import", None)
    assert bijgewerkt.oud == {"aantal_geaccepteerd": 0, "aantal_afgekeurd": 0, "status": "aangemaakt"}
    assert bijgewerkt.nieuw == {"aantal_geaccepteerd": 1, "aantal_afgekeurd": 1, "status": "deels_afgekeurd"}
    signaal = Signaal.objects.get(bron="rod", inschrijving=fout)
    [aangemaakt] = rijen(signaal)
    assert (aangemaakt.actie, aangemaakt.kanaal) == ("create", "import")
    assert "R0417" in aangemaakt.nieuw["toelichting"]
    tk = levering.terugkoppelingen.get()
    assert rijen(tk)[0].kanaal == "import"

    # A second response with another message for the same record changes the signal's text.
    inlezen(
        tmp_path,
        terugkoppeling_xml(levering, afgekeurd=[(fout.inschrijvingsvolgnummer, "R0418", "Adres onbekend")]),
        "tweede.xml",
    )
    [herzien] = rijen(signaal, actie="update")
    assert herzien.kanaal == "import"
    assert "R0417" in herzien.oud["toelichting"] and "R0418" in herzien.nieuw["toelichting"]

    # Fixed, the next export sends it and closes the signal: recorded as a job.
    Leerling.objects.filter(pk=fout.leerling_id).update(achternaam="Hersteld")
    call_command("rod_export", "--date", VOLGENDE_DAG.isoformat(), stdout=io.StringIO())
    gesloten = rijen(signaal, actie="update")[-1]
    assert (gesloten.kanaal, gesloten.gebruiker) == ("job", None)
    assert (gesloten.oud["status"], gesloten.nieuw["status"]) == ("open", "opgelost")


def test_a_rod_feedback_uploaded_in_the_screen_is_recorded_with_the_user(geleverd):
    levering, (_, fout) = geleverd
    beheerder = gebruiker_met_rol("beheerder", instelling=levering.instelling)
    bestand = SimpleUploadedFile(
        "antwoord.xml",
        terugkoppeling_xml(levering, afgekeurd=[(fout.inschrijvingsvolgnummer, "R0417", "Onbekend")]),
        content_type="application/xml",
    )
    response = client_voor(beheerder).post(
        reverse("rod:terugkoppeling", args=[levering.pk]), {"bestand": bestand}
    )
    assert response.status_code == 302
    signaal = Signaal.objects.get(bron="rod", inschrijving=fout)
    for obj, actie in (
        (levering, "update"),
        (signaal, "create"),
        (levering.terugkoppelingen.get(), "create"),
    ):
        [regel] = rijen(obj, actie=actie)
        assert (regel.kanaal, regel.gebruiker) == ("ui", beheerder)


# --- personal numbers -----------------------------------------------------------------------------------


def test_no_flow_puts_a_full_bsn_in_the_trail(overgang, tmp_path, settings):
    # the flows above, on one student with a BSN, then every row is checked
    client_voor(overgang["coordinator"]).post(
        reverse("registratie:signaal-toepassen", args=[overgang["signaal"].pk])
    )
    leerling = overgang["vo"].leerling
    leerling.achternaam = "Gewijzigd"
    services.opslaan(leerling, door=overgang["beheerder_vo"])
    leerling.bsn = "123456782"
    services.opslaan(leerling, door=overgang["beheerder_vo"])
    extra = InschrijvingFactory(leerroute=overgang["vo"].leerroute)
    services.verwijderen(extra, door=overgang["beheerder_vo"])
    services.verwijderen(extra.leerling, door=overgang["beheerder_vo"])

    nummers = {"123456782", extra.leerling.bsn, *Leerling.objects.values_list("bsn", flat=True)}
    nummers.discard(None)
    assert AuditRegel.objects.filter(model="registratie.Leerling").count() >= 3
    for regel in AuditRegel.objects.all():
        tekst = json.dumps([regel.oud, regel.nieuw, regel.object_repr], ensure_ascii=False)
        for nummer in nummers:
            assert nummer not in tekst, (regel.model, regel.actie)
    masked = AuditRegel.objects.filter(
        model="registratie.Leerling", actie="update", nieuw__has_key="bsn"
    ).get()
    assert masked.nieuw["bsn"] == "••••••782"
