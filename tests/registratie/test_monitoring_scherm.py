"""The monitoring page for a board (issue 13, R-MON-2): charts with their numbers, route and
cohort choice, the reference date, CSV and XLSX of exactly what is shown, and a print layout."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registratie import demo, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(demo_coordinator):
    return demo_coordinator


def _peil():
    return {"peildatum": demo.PEILDATUM.isoformat()}


def test_page_shows_charts_with_their_numbers(coordinator):
    _, client = coordinator
    antwoord = client.get(reverse("registratie:monitoring"), _peil())
    html = antwoord.content.decode()
    assert antwoord.status_code == 200
    assert html.count("<svg") == 3 and "<rect" in html
    # No inline style: the CSP would block it.
    assert "style=" not in html.split("<main", 1)[1]
    rijen = antwoord.context["rijen"]
    assert rijen and all(str(r.instroom) in html for r in rijen)


def test_route_and_cohort_choice_filters_rows(coordinator):
    user, client = coordinator
    alle = selectors.monitoring(user, peildatum=demo.PEILDATUM)
    doel = next(r for r in alle if r.cohort is not None)
    antwoord = client.get(
        reverse("registratie:monitoring"), {**_peil(), "leerroute": doel.leerroute.pk, "cohort": doel.cohort}
    )
    rijen = antwoord.context["rijen"]
    assert [(r.leerroute.pk, r.cohort) for r in rijen] == [(doel.leerroute.pk, doel.cohort)]


def test_csv_and_xlsx_hold_exactly_the_table_shown(coordinator):
    user, client = coordinator
    route = selectors.monitoring(user, peildatum=demo.PEILDATUM)[0].leerroute.pk
    params = {**_peil(), "leerroute": route}
    getoond = client.get(reverse("registratie:monitoring"), params).context["tabel"]
    antwoord = client.get(reverse("registratie:monitoring"), {**params, "formaat": "csv"})
    assert antwoord["Content-Type"].startswith("text/csv")
    regels = list(csv.reader(io.StringIO(antwoord.content.decode("utf-8-sig")), delimiter=";"))
    assert regels[0] == ["Peildatum", demo.PEILDATUM.isoformat()]
    assert regels[2:] == [[str(c) for c in rij] for rij in getoond]
    xlsx = client.get(reverse("registratie:monitoring"), {**params, "formaat": "xlsx"})
    blad = load_workbook(io.BytesIO(xlsx.content)).active
    rijen = [list(r) for r in blad.iter_rows(min_row=3, values_only=True)]
    assert [[c if c is not None else "" for c in r] for r in rijen] == [list(r) for r in getoond]


def test_print_layout_has_no_navigation(coordinator):
    _, client = coordinator
    html = client.get(reverse("registratie:monitoring"), {**_peil(), "afdrukken": "1"}).content.decode()
    assert "<nav" not in html and "Uitloggen" not in html and "<svg" in html


def test_bad_reference_date_is_named_not_a_500(coordinator):
    _, client = coordinator
    antwoord = client.get(reverse("registratie:monitoring"), {"peildatum": "31-02-2026", "cohort": "x"})
    assert antwoord.status_code == 200 and "Peildatum" in antwoord.content.decode()
