"""The route screen (issue 12, item 3): the PTA/OER per leerjaar as an editable table saved in
one step (R-LR-7), and the route's own fields with the crebo typed by number."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from leerroute.models import LeerjaarProgramma, Programmaonderdeel
from samenwerking.models import AuditRegel
from tests.factories import KwalificatieFactory, LeerrouteFactory, gebruiker_met_rol
from tests.login import inloggen

pytestmark = pytest.mark.django_db


def _tabel(jaren: dict, onderdelen: list) -> dict:
    data = {
        "jaar-TOTAL_FORMS": "4",
        "jaar-INITIAL_FORMS": "4",
        "onderdeel-TOTAL_FORMS": str(len(onderdelen)),
        "onderdeel-INITIAL_FORMS": "0",
    }
    for i in range(4):
        data[f"jaar-{i}-routejaar"] = str(i + 1)
        data[f"jaar-{i}-beschrijving"] = jaren.get(i + 1, "")
    for i, (jaar, naam, door, team) in enumerate(onderdelen):
        data.update(
            {
                f"onderdeel-{i}-routejaar": str(jaar),
                f"onderdeel-{i}-naam": naam,
                f"onderdeel-{i}-examinering_door": door,
            }
        )
        if team:
            data[f"onderdeel-{i}-teambevoegdheid"] = "on"
    return data


def test_the_programme_table_is_saved_in_one_step_and_audited():
    route = LeerrouteFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    client = inloggen(Client(), beheerder)

    response = client.post(
        reverse("leerroutes:programma", args=[route.pk]),
        _tabel(
            {1: "Oriëntatie techniek", 2: "Verdieping"},
            [(1, "Lassen", "mbo", True), (2, "Nederlands", "vo", False)],
        ),
    )

    assert response.status_code == 302
    assert list(LeerjaarProgramma.objects.filter(leerroute=route).values_list("routejaar", flat=True)) == [
        1,
        2,
    ]
    lassen = Programmaonderdeel.objects.get(naam="Lassen")
    assert (lassen.programma.routejaar, lassen.examinering_door, lassen.teambevoegdheid) == (1, "mbo", True)
    assert AuditRegel.objects.filter(model="leerroute.Programmaonderdeel", kanaal="ui").count() == 2
    # The table shows what was saved.
    assert "Oriëntatie techniek" in client.get(reverse("leerroutes:detail", args=[route.pk])).content.decode()


def test_a_part_in_an_undescribed_year_names_r_lr_7_and_nothing_is_saved():
    route = LeerrouteFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    response = inloggen(Client(), beheerder).post(
        reverse("leerroutes:programma", args=[route.pk]), _tabel({1: "Jaar 1"}, [(3, "BPV", "mbo", False)])
    )
    assert response.status_code == 400 and "R-LR-7" in response.content.decode()
    assert 'value="BPV"' in response.content.decode()
    assert not LeerjaarProgramma.objects.filter(leerroute=route).exists()


def test_the_crebo_is_typed_and_a_wrong_niveau_names_the_route_rule():
    route = LeerrouteFactory()  # GLR BB
    KwalificatieFactory(crebo="25999", naam="Technicus", niveau=4)
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.mbo_instelling)
    data = {"soort": "GLR", "leerweg": "BB", "crebo": "25999", "rio_status": "niet_gemeld"}
    response = inloggen(Client(), beheerder).post(reverse("leerroutes:detail", args=[route.pk]), data)
    assert response.status_code == 400 and "R-LR-3" in response.content.decode()
    # beside the field where the crebo was typed, which keeps it
    fout = re.search(r'<p class="fout" id="id_crebo_fout">([^<]*)</p>', response.content.decode())
    assert fout and "R-LR-3" in fout.group(1)
    assert 'value="25999"' in response.content.decode()
    route.refresh_from_db()
    assert route.kwalificatie.crebo != "25999"


def test_a_reader_sees_the_route_but_may_not_change_the_programme():
    route = LeerrouteFactory()
    lezer = gebruiker_met_rol("lezer", instelling=route.overeenkomst.vo_instelling)
    client = inloggen(Client(), lezer)
    assert client.get(reverse("leerroutes:detail", args=[route.pk])).status_code == 200
    assert (
        client.post(reverse("leerroutes:programma", args=[route.pk]), _tabel({1: "x"}, [])).status_code == 403
    )
