"""Long lists are paged, and the next-page link keeps the filter the user chose."""

import pytest
from django.test import Client
from django.urls import reverse

from registratie.models import Signaal
from tests.factories import InschrijvingFactory, gebruiker_met_rol
from tests.login import inloggen

pytestmark = pytest.mark.django_db


def test_signal_list_pages_and_keeps_the_filter_in_the_next_link():
    i = InschrijvingFactory()
    o = i.leerroute.overeenkomst
    Signaal.objects.bulk_create(
        Signaal(
            regel="R-INS-6",
            sleutel=f"test:{n}",
            toelichting="verschil",
            overeenkomst=o,
            instelling=o.vo_instelling,
            partner_instelling=o.mbo_instelling,
            leerling=i.leerling,
        )
        for n in range(120)
    )
    client = Client()
    inloggen(client, gebruiker_met_rol("coordinator", overeenkomst=o))
    html = client.get(
        reverse("registratie:signalen"), {"regel": "R-INS-6", "status": "open"}
    ).content.decode()
    assert "pagina 1" in html and "pagina 1 van" not in html  # no total: no COUNT over the set
    assert "?regel=R-INS-6&amp;status=open&amp;pagina=2" in html


def test_student_list_and_api_page_by_next_and_previous_without_a_total(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 2}
    route = InschrijvingFactory().leerroute
    for _ in range(4):
        InschrijvingFactory(leerroute=route)
    client = Client()
    inloggen(client, gebruiker_met_rol("applicatiebeheerder"))

    eerste = client.get("/api/leerlingen/").json()
    assert "count" not in eerste and len(eerste["results"]) == 2
    assert eerste["previous"] is None and eerste["next"].endswith("?page=2")
    laatste = client.get("/api/leerlingen/", {"page": 3}).json()
    assert len(laatste["results"]) == 1 and laatste["next"] is None
    paginas = [client.get("/api/leerlingen/", {"page": p}).json()["results"] for p in (1, 2, 3)]
    gezien = {r["id"] for pagina in paginas for r in pagina}
    assert len(gezien) == 5  # every student once over the pages

    # Not a page number: the first page, with all five (they fit on one page, so no next link).
    html = client.get(reverse("registratie:leerlingen"), {"pagina": "x"}).content.decode()
    assert html.count('class="nummer"') == 5 and "volgende" not in html
