"""The school administrator's screens (issue 12) through the real views: intake at the vo-school,
the mbo worklist, the dual list and its CSV, ending and recording on the student page. Each test
checks what is stored, the audit row (channel UI), and that a broken rule comes back beside its
field with its id while keeping what was typed."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from registratie.models import Inschrijving, Leerling
from samenwerking.models import AuditRegel
from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db

BSN = "123456782"


def _client(user) -> Client:
    return inloggen(Client(), user)


def _aanmelding(route, **extra) -> dict:
    return {
        "nummer": BSN,
        "achternaam": "Bakker",
        "voornamen": "Noor",
        "geboortedatum": "2010-05-01",
        "leerroute": route.pk,
        "inschrijvingsvolgnummer": "VO-77",
        "startdatum": "2025-08-01",
        "leerjaar": "3",
        **extra,
    }


def test_vo_intake_creates_the_student_and_the_enrolment_from_the_route():
    route = LeerrouteFactory(dlr4=True)
    vo_school = route.overeenkomst.vo_instelling
    beheerder = gebruiker_met_rol("beheerder", instelling=vo_school)

    response = _client(beheerder).post(reverse("registratie:vo-aanmelden"), _aanmelding(route))

    leerling = Leerling.objects.get(achternaam="Bakker")
    assert response.status_code == 302 and response.url == reverse("registratie:leerling", args=[leerling.pk])
    i = Inschrijving.objects.get(leerling=leerling)
    # Everything the route fixes came from the route, not from the form.
    assert (i.instelling, i.sector, i.opleidingskenmerk, i.leerweg, i.fase) == (
        vo_school,
        "vo",
        "DLR",
        "KB",
        "vo",
    )
    assert leerling.instelling == vo_school and leerling.bsn == BSN
    assert AuditRegel.objects.filter(
        model="registratie.Inschrijving", object_id=str(i.pk), kanaal="ui"
    ).exists()


def test_vo_intake_shows_the_broken_rule_beside_its_field_and_keeps_the_input():
    route = LeerrouteFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)

    # R-LR-8: the agreement is not active before its start (the factory's is active from 2024).
    response = _client(beheerder).post(
        reverse("registratie:vo-aanmelden"), _aanmelding(route, startdatum="2001-08-01")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "R-LR-8" in html and 'id="id_startdatum_fout"' in html
    assert 'value="Bakker"' in html and 'value="VO-77"' in html  # what was typed stays
    assert not Leerling.objects.filter(achternaam="Bakker").exists()  # nothing half-saved


def test_vo_intake_is_refused_for_a_reader():
    route = LeerrouteFactory()
    lezer = gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling)
    assert _client(lezer).get(reverse("registratie:vo-aanmelden")).status_code == 403


def test_the_mbo_worklist_completes_one_student_from_the_route():
    vo, _ = route_leerling(met_mbo=False)
    mbo_school = vo.leerroute.overeenkomst.mbo_instelling
    beheerder = gebruiker_met_rol("beheerder", instelling=mbo_school)
    client = _client(beheerder)

    lijst = client.get(reverse("registratie:werklijst-mbo")).content.decode()
    assert vo.leerling.achternaam in lijst

    response = client.post(
        reverse("registratie:mbo-aanvullen", args=[vo.pk]),
        {"inschrijvingsvolgnummer": "MBO-1", "startdatum": "2025-08-01", "leervorm": "BBL"},
    )
    assert response.status_code == 302
    mbo = Inschrijving.objects.get(leerling=vo.leerling, sector="mbo")
    assert (mbo.instelling, mbo.kwalificatie_id, mbo.opleidingskenmerk, mbo.fase, mbo.leervorm) == (
        mbo_school,
        vo.leerroute.kwalificatie_id,
        vo.opleidingskenmerk,
        vo.fase,
        "BBL",
    )
    daarna = client.get(reverse("registratie:werklijst-mbo")).content.decode()
    assert reverse("registratie:leerling", args=[vo.leerling_id]) not in daarna


def test_the_mbo_worklist_completes_selected_rows_together():
    route = LeerrouteFactory()
    eerste, _ = route_leerling(route, met_mbo=False)
    tweede, _ = route_leerling(route, met_mbo=False)
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.mbo_instelling)

    response = _client(beheerder).post(
        reverse("registratie:mbo-samen"),
        {"gekozen": [eerste.pk, tweede.pk], "voorvoegsel": "M", "leervorm": "BOL"},
    )

    assert response.status_code == 302
    nummers = set(Inschrijving.objects.filter(sector="mbo").values_list("inschrijvingsvolgnummer", flat=True))
    assert nummers == {f"M{eerste.inschrijvingsvolgnummer}", f"M{tweede.inschrijvingsvolgnummer}"}
    # R-INS-3: each starts at the latest when its mbo-fase begins (route year 3).
    assert set(Inschrijving.objects.filter(sector="mbo").values_list("startdatum", flat=True)) == {
        datetime.date(2027, 8, 1)
    }


def test_the_vo_school_has_no_mbo_worklist_rows_of_its_own_routes():
    vo, _ = route_leerling(met_mbo=False)
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling)
    assert (
        vo.leerling.achternaam
        not in _client(beheerder).get(reverse("registratie:werklijst-mbo")).content.decode()
    )


def test_the_dual_list_flags_a_disagreement_and_downloads_what_is_filtered():
    route = LeerrouteFactory()
    eens, _ = route_leerling(route)
    oneens, mbo = route_leerling(route)
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")  # as a bad import would leave it
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    client = _client(beheerder)

    alles = client.get(reverse("registratie:dubbele-lijst")).content.decode()
    assert eens.leerling.achternaam in alles and oneens.leerling.achternaam in alles
    assert "R-INS-6" in alles

    alleen = client.get(reverse("registratie:dubbele-lijst"), {"afwijkingen": "on"}).content.decode()
    assert oneens.leerling.achternaam in alleen and eens.leerling.achternaam not in alleen

    csv = b"".join(
        client.get(reverse("registratie:dubbele-lijst-csv"), {"afwijkingen": "on"}).streaming_content
    )
    regels = csv.decode().strip().splitlines()
    assert len(regels) == 2 and "R-INS-6" in regels[1] and oneens.leerling.achternaam in regels[1]
    assert oneens.leerling.bsn not in csv.decode()


def test_ending_an_enrolment_from_the_student_page():
    vo, mbo = route_leerling()
    beheerder = gebruiker_met_rol("beheerder", instelling=mbo.instelling)
    url = reverse("registratie:beeindigen", args=[vo.leerling_id])

    response = _client(beheerder).post(
        url, {"einde-inschrijving": mbo.pk, "einde-einddatum": "2026-01-31", "einde-reden": "correctie"}
    )

    assert response.status_code == 302
    mbo.refresh_from_db()
    assert mbo.einddatum == datetime.date(2026, 1, 31) and mbo.reden_einde == "correctie"


def test_ending_the_vo_side_while_the_mbo_side_runs_on_names_the_rule():
    vo, _mbo = route_leerling()
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling)

    response = _client(beheerder).post(
        reverse("registratie:beeindigen", args=[vo.leerling_id]),
        {"einde-inschrijving": vo.pk, "einde-einddatum": "2026-01-31", "einde-reden": "correctie"},
    )

    assert response.status_code == 400
    assert "R-INS-2" in response.content.decode()
    vo.refresh_from_db()
    assert vo.einddatum is None


def test_recording_the_vmbo_diploma_and_vo_activities_completed():
    vo, _ = route_leerling()
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.instelling)
    client = _client(beheerder)

    client.post(
        reverse("registratie:vmbo-diploma", args=[vo.leerling_id]),
        {"diploma-inschrijving": vo.pk, "diploma-datum": "2027-07-01"},
    )
    client.post(
        reverse("registratie:vo-afgerond", args=[vo.leerling_id]),
        {"afgerond-inschrijving": vo.pk, "afgerond-datum": "2027-07-15"},
    )

    vo.refresh_from_db()
    assert vo.vmbo_diploma_datum == datetime.date(2027, 7, 1)
    assert vo.vo_activiteiten_afgerond_op == datetime.date(2027, 7, 15)


def test_the_dashboard_links_its_counts_to_the_filtered_lists():
    vo, _ = route_leerling(met_mbo=False)
    beheerder = gebruiker_met_rol("beheerder", instelling=vo.leerroute.overeenkomst.mbo_instelling)
    html = _client(beheerder).get(reverse("home")).content.decode()
    assert reverse("registratie:werklijst-mbo") in html
    assert "nog in te schrijven aan de mbo-kant" in html
    assert reverse("registratie:dubbele-lijst") in html
