"""The lists of issue 12 (django-tables2 + django-filter): the dual list, the mbo worklist, the
agreements and the routes sort by a column header, page by previous/next without counting the
whole set, and ignore a sort or page size the screen does not offer."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LeerrouteFactory, gebruiker_met_rol, route_leerling
from tests.login import inloggen

pytestmark = pytest.mark.django_db

RIJ = re.compile(r'href="/leerlingen/\d+/"')  # one per row: the student's link


def _html(user, naam, **params) -> str:
    response = inloggen(Client(), user).get(reverse(naam), params)
    assert response.status_code == 200
    return response.content.decode()


def _volgorde(html: str, namen: list[str]) -> list[str]:
    return sorted(namen, key=html.index)


@pytest.fixture
def route_met_drie():
    route = LeerrouteFactory()
    starts = {"Midden": "2025-08-01", "Vroeg": "2024-08-01", "Laat": "2026-08-01"}
    for naam, start in starts.items():
        route_leerling(route, met_mbo=False, leerling__achternaam=naam, startdatum=start)
    return route


def test_the_dual_list_sorts_by_the_vo_start_date_both_ways(route_met_drie):
    beheerder = gebruiker_met_rol("beheerder", instelling=route_met_drie.overeenkomst.vo_instelling)
    namen = ["Vroeg", "Midden", "Laat"]

    oplopend = _html(beheerder, "registratie:dubbele-lijst", sort="startdatum")
    aflopend = _html(beheerder, "registratie:dubbele-lijst", sort="-startdatum")

    assert _volgorde(oplopend, namen) == namen
    assert _volgorde(aflopend, namen) == namen[::-1]
    assert 'aria-sort="ascending"' in oplopend and 'aria-sort="descending"' in aflopend


def test_the_dual_list_ignores_a_sort_it_does_not_offer(route_met_drie):
    beheerder = gebruiker_met_rol("beheerder", instelling=route_met_drie.overeenkomst.vo_instelling)
    # The student's name would need a sort over every route student: not offered, newest first.
    html = _html(beheerder, "registratie:dubbele-lijst", sort="leerling")
    assert _volgorde(html, ["Midden", "Vroeg", "Laat"]) == ["Laat", "Vroeg", "Midden"]


def test_the_dual_list_csv_follows_the_filter_and_the_sort(route_met_drie):
    beheerder = gebruiker_met_rol("beheerder", instelling=route_met_drie.overeenkomst.vo_instelling)
    response = inloggen(Client(), beheerder).get(
        reverse("registratie:dubbele-lijst-csv"), {"sort": "-startdatum", "status": "lopend"}
    )
    regels = b"".join(response.streaming_content).decode().strip().splitlines()[1:]
    namen = ["Laat", "Midden", "Vroeg"]
    assert [next(n for n in namen if n in r) for r in regels] == namen


def test_a_list_pages_without_counting_and_keeps_its_filter_and_sort(settings):
    route = LeerrouteFactory()
    for n in range(51):
        route_leerling(route, met_mbo=False, leerling__achternaam=f"Leerling{n:02d}")
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.vo_instelling)
    client = inloggen(Client(), beheerder)
    url = reverse("registratie:dubbele-lijst")

    with CaptureQueriesContext(connection) as ctx:
        eerste = client.get(url, {"status": "lopend", "sort": "startdatum"}).content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    volgende = re.search(r'href="([^"]*pagina=2[^"]*)"', eerste).group(1).replace("&amp;", "&")
    assert "status=lopend" in volgende and "sort=startdatum" in volgende
    tweede = client.get(url + volgende).content.decode()
    assert len(RIJ.findall(tweede)) == 1 and "vorige" in tweede and "volgende" not in tweede
    # A page size asked for in the address is not taken: a page stays 50 rows.
    groot = client.get(url, {"per_page": 500}).content.decode()
    assert len(RIJ.findall(groot)) == 50


def test_the_mbo_worklist_sorts_by_when_the_mbo_fase_starts():
    route = LeerrouteFactory()
    route_leerling(route, met_mbo=False, leerling__achternaam="Later", startdatum=datetime.date(2025, 8, 1))
    route_leerling(route, met_mbo=False, leerling__achternaam="Eerder", startdatum=datetime.date(2024, 8, 1))
    beheerder = gebruiker_met_rol("beheerder", instelling=route.overeenkomst.mbo_instelling)

    standaard = _html(beheerder, "registratie:werklijst-mbo")
    omgekeerd = _html(beheerder, "registratie:werklijst-mbo", sort="-cohort")

    assert _volgorde(standaard, ["Later", "Eerder"]) == ["Eerder", "Later"]
    assert _volgorde(omgekeerd, ["Later", "Eerder"]) == ["Later", "Eerder"]
    assert "1-8-2026" in standaard  # the mbo-fase of the 2024 cohort starts in route year 3


def test_the_agreement_and_route_lists_sort_by_any_column():
    a = LeerrouteFactory(naam="Alfa route", overeenkomst__naam="Zulu SOK")
    z = LeerrouteFactory(naam="Zulu route", overeenkomst__naam="Alfa SOK")
    beheerder = gebruiker_met_rol("applicatiebeheerder")

    routes = _html(beheerder, "leerroutes:lijst", sort="-naam")
    overeenkomsten = _html(beheerder, "overeenkomsten:lijst", sort="naam")

    assert _volgorde(routes, [a.naam, z.naam]) == [z.naam, a.naam]
    assert _volgorde(overeenkomsten, ["Zulu SOK", "Alfa SOK"]) == ["Alfa SOK", "Zulu SOK"]
    assert reverse("leerroutes:detail", args=[a.pk]) in routes
    assert reverse("overeenkomsten:detail", args=[a.overeenkomst_id]) in overeenkomsten


def test_only_disagreements_selects_exactly_the_rows_flagged_with_a_rule():
    from django.http import QueryDict

    from registratie import dubbel
    from registratie.models import Inschrijving

    route = LeerrouteFactory()
    route_leerling(route)  # agrees
    _, fase = route_leerling(route)
    Inschrijving.objects.filter(pk=fase.pk).update(fase="mbo")  # R-INS-6: fase
    _, kenmerk = route_leerling(route)
    Inschrijving.objects.filter(pk=kenmerk.pk).update(opleidingskenmerk="DLR")  # R-INS-6: kenmerk
    zonder, _ = route_leerling(route, met_mbo=False)
    Inschrijving.objects.filter(pk=zonder.pk).update(fase="mbo")  # R-INS-3: no mbo side
    route_leerling(route, met_mbo=False)  # vo-fase without mbo side: no disagreement yet
    gestopt, g_mbo = route_leerling(route)
    Inschrijving.objects.filter(pk=gestopt.pk).update(einddatum="2026-01-31", reden_einde="overstap")
    Inschrijving.objects.filter(pk=g_mbo.pk).update(fase="mbo")  # ended vo side: not flagged
    beheerder = gebruiker_met_rol("applicatiebeheerder")

    alle = dubbel.dubbele_lijst(beheerder)
    gefilterd = dubbel.DubbeleLijstFilter(QueryDict("afwijkingen=on"), queryset=alle, user=beheerder).qs
    verwacht = {i.pk: i.afwijking for i in alle if i.afwijking}
    assert {i.pk: i.afwijking for i in gefilterd} == verwacht
    assert sorted(verwacht.values()) == ["R-INS-3", "R-INS-6", "R-INS-6"]
