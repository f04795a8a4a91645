"""A route in preparation and its step plan (seed 004): created with its checklist, steps edited
by both schools' beheerders and the coordinator, two steps tied to R-LR-8 and R-LR-6, and the
route takes no students before it is activated."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kwaliteit import selectors, services
from kwaliteit.models import Stap, StapCode, StapDocument
from leerroute.models import Leerroute
from registratie import services as registratie_services
from registratie.models import Inschrijving
from samenwerking.models import AuditRegel
from tests.factories import (
    InschrijvingFactory,
    KwalificatieFactory,
    LeerlingFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)
from tests.login import inloggen

pytestmark = pytest.mark.django_db


def _route_in_voorbereiding(overeenkomst=None, **kwargs) -> Leerroute:
    overeenkomst = overeenkomst or OvereenkomstFactory(actief=True)
    app = gebruiker_met_rol("applicatiebeheerder")
    route = Leerroute(
        naam=kwargs.pop("naam", "GLR Techniek in voorbereiding"),
        soort="GLR",
        overeenkomst=overeenkomst,
        leerweg="BB",
        kwalificatie=KwalificatieFactory(niveau=2),
        startdatum=datetime.date(2027, 8, 1),
        **kwargs,
    )
    return services.route_in_voorbereiding(route=route, door=app)


def _alles_gereed(route, door):
    for stap in route.stappen.all():
        stap.status = "gereed"
        services.stap_opslaan(stap=stap, door=door)


def test_a_route_in_preparation_gets_the_ten_steps_of_seed_004_audited():
    route = _route_in_voorbereiding()
    assert route.status == "in_voorbereiding"
    assert list(route.stappen.order_by("volgorde").values_list("code", flat=True)) == StapCode.values
    assert AuditRegel.objects.filter(model="kwaliteit.Stap", actie="create").count() == 10
    assert AuditRegel.objects.filter(model="leerroute.Leerroute", object_id=str(route.pk)).exists()


def test_R_LR_8_a_route_in_preparation_takes_no_students():
    route = _route_in_voorbereiding()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    leerling = LeerlingFactory(instelling=route.overeenkomst.vo_instelling)
    inschrijving = InschrijvingFactory.build(
        leerroute=route, leerling=leerling, startdatum=datetime.date(2027, 8, 1)
    )
    with pytest.raises(ValidationError) as exc:
        registratie_services.inschrijving_opslaan(inschrijving=inschrijving, door=beheerder)
    assert "R-LR-8" in str(exc.value.message_dict["leerroute"])
    assert not Inschrijving.objects.filter(leerroute=route).exists()


def test_R_LR_8_formaliseer_afspraken_is_done_only_when_the_agreement_is_active():
    overeenkomst = OvereenkomstFactory()  # concept
    route = _route_in_voorbereiding(overeenkomst=overeenkomst)
    beheerder = gebruiker_met_rol("beheerder", instelling=overeenkomst.mbo_instelling)
    stap = route.stappen.get(code=StapCode.FORMALISEER_AFSPRAKEN)
    stap.status = "gereed"
    with pytest.raises(ValidationError) as exc:
        services.stap_opslaan(stap=stap, door=beheerder)
    assert exc.value.message_dict["status"][0].startswith("R-LR-8")
    assert Stap.objects.get(pk=stap.pk).status == "open"

    actief = OvereenkomstFactory.build(actief=True)
    for veld in ("status", "inhoud_leerroute", "dagelijkse_leiding", "betrokkenheid_bedrijfsleven"):
        setattr(overeenkomst, veld, getattr(actief, veld))
    for veld in ("overstapoptie", "medezeggenschap", "advies_medezeggenschap", "dekt_volledige_route"):
        setattr(overeenkomst, veld, getattr(actief, veld))
    overeenkomst.save()
    stap.refresh_from_db()
    stap.status = "gereed"
    services.stap_opslaan(stap=stap, door=beheerder)
    assert Stap.objects.get(pk=stap.pk).status == "gereed"


def test_R_LR_6_uitvoering_concreet_needs_the_route_in_rio():
    route = _route_in_voorbereiding()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    stap = route.stappen.get(code=StapCode.UITVOERING_CONCREET)
    stap.status = "gereed"
    with pytest.raises(ValidationError) as exc:
        services.stap_opslaan(stap=stap, door=beheerder)
    assert exc.value.message_dict["status"][0].startswith("R-LR-6")


def test_the_owner_of_a_step_works_at_either_school_or_coordinates():
    route = _route_in_voorbereiding()
    o = route.overeenkomst
    stap = route.stappen.get(code=StapCode.PARTNERS)
    vreemde = gebruiker_met_rol("beheerder", instelling=OvereenkomstFactory().vo_instelling)
    stap.eigenaar = vreemde
    with pytest.raises(ValidationError) as exc:
        services.stap_opslaan(stap=stap, door=vreemde)
    assert "eigenaar" in exc.value.message_dict
    for eigenaar in (
        gebruiker_met_rol("lezer", instelling=o.mbo_instelling),
        gebruiker_met_rol("coordinator", overeenkomst=o),
    ):
        stap.eigenaar = eigenaar
        services.stap_opslaan(stap=stap, door=eigenaar)
        assert Stap.objects.get(pk=stap.pk).eigenaar == eigenaar


def test_activation_needs_every_step_then_the_route_takes_students():
    route = _route_in_voorbereiding(rio_status="aangemeld", rio_gemeld_op=datetime.date(2027, 3, 1))
    coordinator = gebruiker_met_rol("coordinator", overeenkomst=route.overeenkomst)
    with pytest.raises(ValidationError) as exc:
        services.route_activeren(route=route, door=coordinator)
    assert "Bepaal doel en doelgroep" in " ".join(exc.value.messages)
    assert Leerroute.objects.get(pk=route.pk).status == "in_voorbereiding"

    _alles_gereed(route, coordinator)
    services.route_activeren(route=route, door=coordinator)
    route.refresh_from_db()
    assert route.status == "actief"
    assert AuditRegel.objects.filter(
        model="leerroute.Leerroute", object_id=str(route.pk), nieuw__status="actief", gebruiker=coordinator
    ).exists()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    leerling = LeerlingFactory(instelling=route.overeenkomst.vo_instelling)
    inschrijving = InschrijvingFactory.build(
        leerroute=route, leerling=leerling, startdatum=datetime.date(2027, 8, 1)
    )
    registratie_services.inschrijving_opslaan(inschrijving=inschrijving, door=beheerder)
    assert Inschrijving.objects.filter(leerroute=route).count() == 1


def test_who_edits_the_step_plan():
    route = _route_in_voorbereiding()
    o = route.overeenkomst
    mag = {
        rol: selectors.mag_bewerken(gebruiker_met_rol(rol, **kw), route)
        for rol, kw in (
            ("beheerder", {"instelling": o.vo_instelling}),
            ("coordinator", {"overeenkomst": o}),
            ("lezer", {"instelling": o.vo_instelling}),
        )
    }
    mag["beheerder mbo"] = selectors.mag_bewerken(
        gebruiker_met_rol("beheerder", instelling=o.mbo_instelling), route
    )
    mag["andere school"] = selectors.mag_bewerken(
        gebruiker_met_rol("beheerder", instelling=OvereenkomstFactory().vo_instelling), route
    )
    assert mag == {
        "beheerder": True,
        "coordinator": True,
        "lezer": False,
        "beheerder mbo": True,
        "andere school": False,
    }


def test_the_step_form_shows_the_rule_beside_its_field_and_keeps_what_was_typed(client):
    route = _route_in_voorbereiding(overeenkomst=OvereenkomstFactory())
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    inloggen(client, beheerder)
    stap = route.stappen.get(code=StapCode.FORMALISEER_AFSPRAKEN)
    r = client.post(
        reverse("kwaliteit:stap", args=[stap.pk]),
        {"status": "gereed", "notities": "Getekend door beide besturen", "streefdatum": "2027-05-01"},
    )
    assert r.status_code == 400
    assert "R-LR-8" in " ".join(r.context["form"].errors["status"])
    inhoud = r.content.decode()
    assert "Getekend door beide besturen" in inhoud and 'value="2027-05-01"' in inhoud
    assert Stap.objects.get(pk=stap.pk).notities == ""


def test_a_lezer_reads_the_step_plan_but_cannot_change_it(client):
    route = _route_in_voorbereiding()
    lezer = gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling)
    inloggen(client, lezer)
    assert client.get(reverse("kwaliteit:stappenplan", args=[route.pk])).status_code == 200
    stap = route.stappen.first()
    assert client.post(reverse("kwaliteit:stap", args=[stap.pk]), {"status": "bezig"}).status_code == 403
    assert Stap.objects.get(pk=stap.pk).status == "open"


def test_documents_are_stored_and_listed_with_who_added_them(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    route = _route_in_voorbereiding()
    beheerder = gebruiker_met_rol(
        "beheerder", instelling=route.overeenkomst.mbo_instelling, first_name="Fatima", last_name="El Idrissi"
    )
    inloggen(client, beheerder)
    stap = route.stappen.get(code=StapCode.PROJECTORGANISATIE)
    bestand = SimpleUploadedFile("stuurgroep.pdf", b"%PDF-1.4 stuurgroep", content_type="application/pdf")
    r = client.post(reverse("kwaliteit:stap-document", args=[stap.pk]), {"bestand": bestand})
    assert r.status_code == 302
    document = StapDocument.objects.get(stap=stap)
    assert document.toegevoegd_door == beheerder and document.bestand.read() == b"%PDF-1.4 stuurgroep"
    pagina = client.get(reverse("kwaliteit:stap", args=[stap.pk])).content.decode()
    assert "stuurgroep.pdf" in pagina and "Fatima El Idrissi" in pagina
    assert AuditRegel.objects.filter(model="kwaliteit.StapDocument", gebruiker=beheerder).exists()
    download = client.get(reverse("kwaliteit:document", args=[document.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 stuurgroep"

    exe = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    r = client.post(reverse("kwaliteit:stap-document", args=[stap.pk]), {"bestand": exe})
    assert r.status_code == 400 and StapDocument.objects.filter(stap=stap).count() == 1


def test_the_home_page_of_both_schools_shows_the_routes_in_preparation_with_progress(client):
    route = _route_in_voorbereiding(naam="DLR Zorg in voorbereiding")
    stap = route.stappen.get(code=StapCode.DOEL_DOELGROEP)
    stap.status = "gereed"
    stap.save()
    o = route.overeenkomst
    for instelling in (o.vo_instelling, o.mbo_instelling):
        inloggen(client, gebruiker_met_rol("beheerder", instelling=instelling))
        inhoud = client.get(reverse("home")).content.decode()
        assert "DLR Zorg in voorbereiding" in inhoud and "1 van 10 stappen" in inhoud
    inloggen(client, gebruiker_met_rol("beheerder", instelling=OvereenkomstFactory().vo_instelling))
    assert "DLR Zorg in voorbereiding" not in client.get(reverse("home")).content.decode()


def test_the_step_plan_shows_what_the_agreement_still_lacks_and_the_programme_years(client):
    route = _route_in_voorbereiding(overeenkomst=OvereenkomstFactory())  # concept, nothing filled in
    route.programma.create(routejaar=1, beschrijving="Leerjaar 3")
    inloggen(client, gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling))
    inhoud = client.get(reverse("kwaliteit:stappenplan", args=[route.pk])).content.decode()
    assert "ontbreekt nog (R-SOK-2)" in inhoud and "advies medezeggenschapsorganen" in inhoud
    assert "PTA/OER beschreven voor leerjaar: 1" in inhoud
