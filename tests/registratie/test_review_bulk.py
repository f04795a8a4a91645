"""The coordinator's review queue (filters, counts, one-line summaries) and bulk decisions as a
background task (issue 13), driven through the pages as the demo coordinator."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from config.celery import app as celery_app
from registratie.jobs.models import JobStatus
from registratie.management import bench_paginas
from registratie.models import BulkActie, Fasewissel, Signaal, SignaalStatus
from registratie.review import selectors, services
from samenwerking.models import AuditRegel, Gebruiker
from tests.achtergrond import levende_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Run the task in-process (as the embedded default does), also when Redis is configured.
    Returns a context that runs the on_commit hooks enqueuing it (the test's transaction never
    commits)."""
    voor = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    celery_app.conf.task_always_eager = voor


@pytest.fixture
def wereld(demo_coordinator):
    return demo_coordinator


def _voorstellen(user):
    return selectors.afhandelbaar(
        user, Signaal.objects.filter(status="open", voorgestelde_datum__isnull=False)
    )


def _route_met_voorstellen(user):
    return (
        _voorstellen(user)
        .values_list("inschrijving__leerroute_id", flat=True)
        .order_by("inschrijving__leerroute_id")
        .first()
    )


def test_queue_counts_filters_and_summaries(wereld):
    coordinator, client = wereld
    route = _route_met_voorstellen(coordinator)
    assert route is not None, "the demo data proposes transitions"
    antwoord = client.get(reverse("registratie:signalen"), {"leerroute": route})
    assert antwoord.status_code == 200
    html = antwoord.content.decode()
    rijen = antwoord.context["pagina"].object_list
    assert rijen and all(s.inschrijving.leerroute_id == route for s in rijen)
    # The count per rule is what the filter finds: the proposals of that route.
    per_regel = {r["regel"]: r["n"] for r in antwoord.context["aantallen"]["per_regel"]}
    verwacht = Signaal.objects.filter(
        status__in=("open", "overgedragen"), inschrijving__leerroute_id=route, regel="R-INS-1"
    ).count()
    assert per_regel.get("R-INS-1") == verwacht
    # One line per row says what to do; no bare "afwijking".
    assert "afwijking</td>" not in html
    assert all(len(s.samenvatting) <= 200 for s in rijen)


def test_summary_names_problem_and_action():
    tekst = (
        "De leerling heeft geen mbo-inschrijving. Lang verhaal hier. "
        "Oplossing: leg de inschrijving vast; of niet."
    )
    verwacht = "De leerling heeft geen mbo-inschrijving. → leg de inschrijving vast"
    assert selectors.samenvatting(tekst) == verwacht
    voorstel = (
        "Routejaar 3 begint op 1 augustus 2027. Voorstel: zet beide inschrijvingen in de mbo-fase. Klopt"
    )
    assert selectors.samenvatting(voorstel).endswith("→ zet beide inschrijvingen in de mbo-fase")


def test_bad_filter_values_fall_back_instead_of_failing(wereld):
    _, client = wereld
    antwoord = client.get(
        reverse("registratie:signalen"), {"leerroute": "x", "cohort": "';", "sorteer": "hack", "status": "?"}
    )
    assert antwoord.status_code == 200


def test_bulk_apply_all_of_one_route_through_the_single_service(wereld, eager):
    coordinator, client = wereld
    route = _route_met_voorstellen(coordinator)
    ids = set(_voorstellen(coordinator).filter(inschrijving__leerroute_id=route).values_list("id", flat=True))
    wissels_voor = Fasewissel.objects.count()
    with eager():
        antwoord = client.post(
            reverse("registratie:bulk-starten"),
            {
                "keuze": "filter",
                "soort": "toepassen",
                "leerroute": route,
                "regel": "R-INS-1",
                "status": "open",
            },
        )
    bulk = BulkActie.objects.get(aangevraagd_door=coordinator)
    assert antwoord.status_code == 302 and antwoord.url == reverse("registratie:bulk", args=[bulk.pk])
    assert bulk.status == JobStatus.KLAAR and bulk.totaal == len(ids) == bulk.verwerkt
    assert bulk.gelukt + bulk.mislukt == len(ids)
    opgelost = Signaal.objects.filter(pk__in=ids, status=SignaalStatus.OPGELOST)
    assert opgelost.count() == bulk.gelukt > 0
    assert Fasewissel.objects.count() > wissels_voor
    # Same audit rows as a single apply: each closed signal has its own audit row, by the coordinator.
    assert (
        AuditRegel.objects.filter(
            gebruiker=coordinator, object_id__in=[str(i) for i in opgelost.values_list("id", flat=True)]
        ).count()
        >= bulk.gelukt
    )
    # Each refusal names its rule.
    assert all(f["melding"].startswith("R-") for f in bulk.fouten)
    # The progress page shows the summary, and no polling once finished.
    html = client.get(reverse("registratie:bulk", args=[bulk.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in html and f"{bulk.gelukt} gelukt" in html


def test_dismiss_selected_rows_with_one_reason(wereld, eager):
    coordinator, client = wereld
    ids = list(_voorstellen(coordinator).values_list("id", flat=True)[:3])
    with eager():
        client.post(
            reverse("registratie:bulk-starten"),
            {
                "keuze": "selectie",
                "ids": ids,
                "soort": "afwijzen",
                "reden": "Blijft een jaar langer in de vo-fase",
            },
        )
    for s in Signaal.objects.filter(pk__in=ids):
        assert s.status == SignaalStatus.AFGEWEZEN and s.afhandeling == "Blijft een jaar langer in de vo-fase"


def test_dismiss_without_reason_is_refused_and_changes_nothing(wereld, eager):
    coordinator, client = wereld
    ids = list(_voorstellen(coordinator).values_list("id", flat=True)[:3])
    antwoord = client.post(
        reverse("registratie:bulk-starten"),
        {"keuze": "selectie", "ids": ids, "soort": "afwijzen"},
        follow=True,
    )
    assert "Geef de reden" in antwoord.content.decode()
    assert not BulkActie.objects.exists()
    assert Signaal.objects.filter(pk__in=ids, status="open").count() == 3


def test_second_click_while_running_starts_no_second_run(wereld):
    coordinator, client = wereld
    ids = list(_voorstellen(coordinator).values_list("id", flat=True)[:4])
    # Not eager here: with Redis the task waits in the broker, on the embedded default it runs at
    # once; either way a run still marked as running must block a second one.
    eerste = BulkActie.objects.create(
        soort="toepassen", aangevraagd_door=coordinator, signaal_ids=ids, totaal=4
    )
    antwoord = client.post(
        reverse("registratie:bulk-starten"), {"keuze": "selectie", "ids": ids, "soort": "toepassen"}
    )
    assert antwoord.url == reverse("registratie:bulk", args=[eerste.pk])
    assert BulkActie.objects.count() == 1
    with pytest.raises(services.AlBezig):
        services.starten(door=coordinator, soort="toepassen", signalen=Signaal.objects.filter(pk__in=ids))


def test_another_users_run_is_not_found(wereld):
    coordinator, _ = wereld
    bulk = BulkActie.objects.create(soort="toepassen", aangevraagd_door=coordinator, signaal_ids=[], totaal=0)
    lezer = bench_paginas.ingelogd(Gebruiker.objects.get(username="demo-lezer"))
    assert lezer.get(reverse("registratie:bulk", args=[bulk.pk])).status_code == 404


# --- the year's transitions per route and cohort -----------------------------------------------------


def test_transitions_per_route_and_cohort_add_up_to_the_open_proposals(wereld):
    coordinator, client = wereld
    antwoord = client.get(reverse("registratie:overgangen"))
    assert antwoord.status_code == 200
    groepen = antwoord.context["groepen"]
    totaal = sum(g.klaar + g.zonder_mbo + sum(g.geblokkeerd.values()) for g in groepen)
    assert totaal == _voorstellen(coordinator).count() > 0


def test_the_national_view_asks_for_a_route_first_and_each_route_shows_its_groups(wereld):
    """The applicatiebeheerder sees every instelling: a list of routes with their open proposals;
    each route's own page then has the groups of that route, adding up to the same number."""
    beheer = bench_paginas.ingelogd(Gebruiker.objects.get(username="demo-applicatiebeheer"))
    antwoord = beheer.get(reverse("registratie:overgangen"))
    assert antwoord.status_code == 200 and "groepen" not in antwoord.context
    routes = antwoord.context["routes"]
    assert routes and sum(n for _, _, n in routes) == _voorstellen_van(
        Gebruiker.objects.get(username="demo-applicatiebeheer")
    )
    for pk, naam, n in routes:
        assert f'<a href="?leerroute={pk}">{escape(naam)}</a>' in antwoord.content.decode()
        route = beheer.get(reverse("registratie:overgangen"), {"leerroute": pk})
        assert '<a href="?">Alle routes</a>' in route.content.decode()
        groepen = route.context["groepen"]
        assert {g.leerroute for g in groepen} == {pk}
        assert sum(g.klaar + g.zonder_mbo + sum(g.geblokkeerd.values()) for g in groepen) == n


def _voorstellen_van(user) -> int:
    from registratie.review import overgangen

    return overgangen._voorstellen(user).count()


def test_applying_a_ready_group_moves_every_student_of_it(wereld, eager):
    coordinator, client = wereld
    groep = next(g for g in client.get(reverse("registratie:overgangen")).context["groepen"] if g.klaar)
    with eager():
        client.post(
            reverse("registratie:bulk-starten"),
            {"leerroute": groep.leerroute, "cohort": groep.cohort, "groep": "klaar", "soort": "toepassen"},
        )
    bulk = BulkActie.objects.get(aangevraagd_door=coordinator)
    # The ready group has an mbo enrolment and nothing blocking: every one goes through.
    assert bulk.totaal == groep.klaar and bulk.gelukt == groep.klaar and bulk.mislukt == 0
    na = {
        (g.leerroute, g.cohort): g for g in client.get(reverse("registratie:overgangen")).context["groepen"]
    }
    assert (groep.leerroute, groep.cohort) not in na or na[(groep.leerroute, groep.cohort)].klaar == 0


def test_progress_polls_while_the_run_goes_on(wereld):
    coordinator, client = wereld
    bulk = BulkActie.objects.create(
        soort="afwijzen",
        aangevraagd_door=coordinator,
        signaal_ids=list(range(10)),
        totaal=10,
        verwerkt=3,
        status=JobStatus.BEZIG,
    )
    with levende_worker(bulk):
        html = client.get(
            reverse("registratie:bulk", args=[bulk.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
    assert 'hx-trigger="every 1s"' in html and "3 van 10 verwerkt (30%)" in html
    assert "<html" not in html  # the bar alone, swapped into the page


def test_hand_over_selected_rows_to_a_named_colleague(wereld, eager):
    """Each signal goes to the colleague when she is a beheerder of a school of its agreement
    (same service, same audit row as a single hand-over); any other fails with its message. A
    colleague outside the coordinator's agreements is not accepted at all."""
    coordinator, client = wereld
    collega = Gebruiker.objects.get(username="demo-beheer-mbo")
    open_ = selectors.afhandelbaar(coordinator, Signaal.objects.filter(status="open"))
    signalen = list(open_.select_related("overeenkomst").order_by("id")[:6])
    buiten = Gebruiker.objects.create_user("buiten", password="x-geheim-1")
    client.post(
        reverse("registratie:bulk-starten"),
        {
            "keuze": "selectie",
            "ids": [s.pk for s in signalen],
            "soort": "overdragen",
            "aan_persoon": buiten.pk,
        },
    )
    assert not BulkActie.objects.exists()

    with eager():
        client.post(
            reverse("registratie:bulk-starten"),
            {
                "keuze": "selectie",
                "ids": [s.pk for s in signalen],
                "soort": "overdragen",
                "aan_persoon": collega.pk,
                "reden": "Graag nalopen",
            },
        )
    bulk = BulkActie.objects.get()
    assert bulk.status == JobStatus.KLAAR and bulk.aan_persoon == collega
    mbo = collega.lidmaatschappen.get().instelling_id
    hare = [
        s
        for s in signalen
        if s.overeenkomst and mbo in (s.overeenkomst.vo_instelling_id, s.overeenkomst.mbo_instelling_id)
    ]
    assert hare and bulk.gelukt == len(hare) and bulk.mislukt == len(signalen) - len(hare)
    for s in Signaal.objects.filter(pk__in=[s.pk for s in hare]):
        assert (s.status, s.toegewezen_persoon_id, s.toegewezen_aan_id) == ("overgedragen", collega.pk, mbo)
        rij = AuditRegel.objects.filter(model="registratie.Signaal", object_id=str(s.pk)).latest("id")
        assert rij.gebruiker == coordinator and rij.nieuw["toegewezen_persoon"] == collega.pk
