"""Every daily page runs a fixed number of queries: the same for each role at two data sizes, so
it does not grow with the rows shown or the size of the tables (issue 10). The pages are the
ones ``make bench`` times (registratie.management.bench_paginas), opened as the demo users of
every role; timings belong in that benchmark, never here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registratie import checks, demo
from registratie.management import bench_paginas
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
