"""Every daily page runs a fixed number of queries: the same for each role at two data sizes, so
it does not grow with the rows shown or the size of the tables (issue 10). The pages are the
ones ``make bench`` times (registratie.management.bench_paginas), opened as the demo users of
every role; timings belong in that benchmark, never here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registratie import checks, demo
from registratie.management import bench_paginas
from registratie.rod import wachtrij
from samenwerking.models import Gebruiker

pytestmark = pytest.mark.django_db

KLEIN, GROOT = 40, 160

# The review queue's other filters, orders and pages (issue 13): each reads its page by keys
# first and counts with one GROUP BY (open signals) or over at most a fixed number of rows.
WACHTRIJ = [
    (f"signalen {status or 'alle'} {sorteer}{extra}", f"/signalen/?status={status}&sorteer={sorteer}{extra}")
    for status in ("open", "", "opgelost")
    for sorteer in ("nieuw", "oud", "regel", "datum")
    for extra in ("", "&cohort=2024", "&mij=1&pagina=2")
]


def _aantallen() -> dict[tuple[str, str], tuple[int, int]]:
    """{(role, page): (status, queries)} for every role and page, on the data now present."""
    checks.check_phases(peildatum=demo.PEILDATUM)
    wachtrij.alles_in_wachtrij()  # the ROD queue screen has messages to list
    uitkomst = {}
    for rol, username in bench_paginas.ROLLEN:
        user = Gebruiker.objects.get(username=username)
        client = bench_paginas.ingelogd(user)
        for naam, url in bench_paginas.paginas(user) + WACHTRIJ:
            client.get(url)  # the session and the user's scope are as in any later request
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(url).status_code
            uitkomst[(rol, naam)] = (status, len(ctx.captured_queries))
    return uitkomst


def test_each_page_runs_the_same_number_of_queries_at_two_data_sizes():
    demo.genereer(studenten=KLEIN, seed=5)
    klein = _aantallen()
    demo.wis_alles()
    demo.genereer(studenten=GROOT, seed=5)
    groot = _aantallen()

    assert set(klein) == set(groot)
    verschil = {k: (klein[k], groot[k]) for k in klein if klein[k] != groot[k]}
    assert not verschil, f"query count or status changes with the data size: {verschil}"
    # Every page answers: 200, or 403/404 where the role may not see it (never a 500).
    assert {status for status, _ in klein.values()} <= {200, 403, 404}
    assert sum(status == 200 for status, _ in klein.values()) >= 0.8 * len(klein)


# --- the lists of issue 12 whose queries used to walk far more rows than they show ----------------


def test_the_mbo_worklist_of_a_beheerder_without_an_mbo_side_reads_no_enrolment():
    """The worklist's routes are read first: a vo school's beheerder manages no mbo side, so the
    page is empty without a query over the enrolments (it walked every running vo row)."""
    demo.genereer(studenten=KLEIN, seed=5)
    client = bench_paginas.ingelogd(Gebruiker.objects.get(username="demo-beheer-vo"))
    client.get("/werklijst-mbo/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/werklijst-mbo/").status_code == 200
    assert not [q["sql"] for q in ctx.captured_queries if "registratie_inschrijving" in q["sql"]]


def _subplannen(knoop: dict) -> int:
    eigen = 1 if "Subplan Name" in knoop else 0
    return eigen + sum(_subplannen(k) for k in knoop.get("Plans", []))


def test_only_disagreements_probes_the_mbo_side_once_per_row(require_postgres):
    """The filter is one comparison over one probe of the mbo side, so the walk to fill a page
    costs one index probe per scanned row (``x IS NULL OR x <> y`` over a subquery ran it twice)."""
    from django.http import QueryDict

    from registratie import dubbel

    demo.genereer(studenten=KLEIN, seed=5)
    user = Gebruiker.objects.get(username="demo-applicatiebeheer")
    qs = dubbel.DubbeleLijstFilter(
        QueryDict("afwijkingen=on"), queryset=dubbel.dubbele_lijst(user), user=user
    ).qs.values("pk")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan[0]["Plan"] if isinstance(plan, list) else plan
    assert _subplannen(plan) == 1
