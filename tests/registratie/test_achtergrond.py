"""A run that a screen starts (an import, a ROD upload, a bulk decision) and whose worker dies
mid-run (registratie.achtergrond). While the worker lives, its page polls and a second start is
refused; once it is gone without an outcome, the page says the run was broken off and why, the
stored file (with its BSNs) is emptied, and the next run of that instelling or user can start.
A task delivered again after its worker died closes the run instead of running it twice.

A queued run whose task never comes (a broker that lost its queue) is cancelled on its page: it
then no longer blocks the next run, and the task, should it still come, does nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from registratie.importeren import taak
from registratie.models import BulkActie, ImportRun, Inschrijving, RodUpload, Signaal
from registratie.review import selectors, services
from registratie.rod import upload
from tests.achtergrond import levende_worker
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.processen import database_url, manage, omgeving, opgeruimd
from tests.registratie.test_importeren import vo_csv, w  # noqa: F401 (fixture)
from tests.registratie.test_importeren_scherm import _uploaden, scherm  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

AFGEBROKEN = "De verwerking is afgebroken"


def _bezig(run) -> None:
    """What the worker does first, under the run's lock: mark the run running."""
    type(run).objects.filter(pk=run.pk).update(status="bezig")


# --------------------------------------------------------------------------------------- import


def test_an_import_whose_worker_died_is_broken_off_and_the_instelling_can_import_again(
    scherm,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks, echt="on")
    run = ImportRun.objects.get()
    with levende_worker(run):
        _bezig(run)
        assert client.get(f"/importeren/{run.pk}/voortgang/").status_code == 200  # still polling
        r, wachtrij = _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
        assert r["Location"] == f"/importeren/{run.pk}/" and not wachtrij  # "loopt al"

    klaar = client.get(f"/importeren/{run.pk}/voortgang/")
    assert klaar.status_code == 204 and klaar["HX-Refresh"] == "true"
    pagina = client.get(f"/importeren/{run.pk}/").content.decode()
    assert "De import is mislukt; er is niets opgeslagen." in pagina and AFGEBROKEN in pagina
    assert "Upload het bestand opnieuw." in pagina and "<progress" not in pagina
    run.refresh_from_db()
    assert (run.status, bytes(run.inhoud)) == ("mislukt", b"")  # the file with its BSNs is gone

    r, wachtrij = _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    nieuw = ImportRun.objects.exclude(pk=run.pk).get()
    assert r["Location"] == f"/importeren/{nieuw.pk}/" and len(wachtrij) == 1


def test_a_new_start_closes_a_run_left_behind_without_waiting_for_its_page(
    scherm,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    with levende_worker(run):
        _bezig(run)
    r, wachtrij = _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    nieuw = ImportRun.objects.exclude(pk=run.pk).get()
    assert r["Location"] == f"/importeren/{nieuw.pk}/" and len(wachtrij) == 1
    assert ImportRun.objects.get(pk=run.pk).status == "mislukt"


def test_a_task_delivered_again_after_its_worker_died_does_not_import_twice(scherm):  # noqa: F811
    _client, vo, route = scherm
    run = taak.starten(
        instelling=vo, door=None, bestandsnaam="las.csv", inhoud=vo_csv(route, 3), dry_run=False
    )
    with levende_worker(run):
        _bezig(run)
        taak.uitvoeren(run.pk)  # the second delivery meets the live worker: it leaves the run alone
        assert ImportRun.objects.get(pk=run.pk).status == "bezig"
    taak.uitvoeren(run.pk)  # delivered again once the worker has died
    run.refresh_from_db()
    assert run.status == "mislukt" and AFGEBROKEN in run.fout
    assert not Inschrijving.objects.exists()


def test_an_import_worker_killed_with_sigkill_leaves_a_page_that_says_so(
    require_postgres,
    scherm,  # noqa: F811
    django_capture_on_commit_callbacks,
    tmp_path,
):
    """The real thing: another process holds the run's lock as its worker, and gets SIGKILL. (On
    PostgreSQL: the test's in-memory SQLite database is not one another process can open.)"""
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    _bezig(run)
    houden = (
        "import time\n"
        "from registratie import achtergrond\n"
        "from registratie.importeren.models import ImportRun\n"
        f"with achtergrond.uitvoeren(ImportRun(pk={run.pk})):\n"
        "    print('HOUDT', flush=True)\n"
        "    time.sleep(120)\n"
    )
    env = omgeving(DATABASE_URL=database_url(connection.settings_dict["NAME"]), REDIS_URL="")
    worker = manage(env, tmp_path / "worker.log", "shell", "-c", houden)
    with opgeruimd(worker):
        worker.wacht_op_regel("HOUDT")
        assert client.get(f"/importeren/{run.pk}/voortgang/").status_code == 200
        worker.doden()
    assert client.get(f"/importeren/{run.pk}/voortgang/").status_code == 204
    assert AFGEBROKEN in client.get(f"/importeren/{run.pk}/").content.decode()


# ----------------------------------------------------------------------------------- ROD upload


@pytest.fixture
def rod_upload(rod_media):
    """A queued upload (its file stored encrypted), where it is kept, and its beheerder's client."""
    instelling = InstellingFactory()
    beheerder = gebruiker_met_rol("beheerder", instelling=instelling)
    run = upload.starten(
        soort="momentopname",
        instelling=instelling,
        door=beheerder,
        bestandsnaam="duo.xml",
        bron=io.BytesIO(b"<momentopname/>"),
    )
    client = Client()
    inloggen(client, beheerder)
    return run, Path(run.bestand.path), client


def test_a_rod_upload_whose_worker_died_is_broken_off_and_its_file_removed(rod_upload):
    run, pad, client = rod_upload
    status = reverse("rod:upload_status", args=[run.pk])
    with levende_worker(run):
        _bezig(run)
        assert client.get(status).status_code == 200
    assert client.get(status).status_code == 204
    pagina = client.get(reverse("rod:upload", args=[run.pk])).content.decode()
    assert "Het inlezen is mislukt; er is niets opgeslagen." in pagina and AFGEBROKEN in pagina
    run.refresh_from_db()
    assert run.status == "mislukt" and not run.bestand
    assert not pad.exists()


# -------------------------------------------------------------------------------- bulk decision


def test_a_bulk_decision_whose_worker_died_is_broken_off_and_the_coordinator_can_start_again(
    demo_coordinator,
):
    coordinator, client = demo_coordinator
    signalen = selectors.afhandelbaar(coordinator, Signaal.objects.filter(status="open"))
    bulk = services.starten(door=coordinator, soort="afwijzen", reden="dubbel", signalen=signalen)
    with levende_worker(bulk):
        _bezig(bulk)
        with pytest.raises(services.AlBezig):
            services.starten(door=coordinator, soort="afwijzen", reden="dubbel", signalen=signalen)

    html = client.get(reverse("registratie:bulk", args=[bulk.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' not in html and AFGEBROKEN in html
    assert "de rest staat nog open" in html
    opnieuw = services.starten(door=coordinator, soort="afwijzen", reden="dubbel", signalen=signalen)
    assert BulkActie.objects.get(pk=bulk.pk).status == "mislukt" and opnieuw.status == "gepland"


# --------------------------------------------------------------------------- cancelling a queued run


def test_a_queued_import_is_cancelled_on_its_page_and_its_late_task_imports_nothing(
    scherm,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks, echt="on")
    run = ImportRun.objects.get()
    pagina = client.get(f"/importeren/{run.pk}/").content.decode()
    assert f'action="/importeren/{run.pk}/annuleren/"' in pagina  # the task may never come

    r = client.post(f"/importeren/{run.pk}/annuleren/")
    assert r.status_code == 302 and r["Location"] == f"/importeren/{run.pk}/"
    pagina = client.get(r["Location"]).content.decode()
    assert "De verwerking is geannuleerd." in pagina and "Geannuleerd door" in pagina
    assert "annuleren/" not in pagina
    run.refresh_from_db()
    assert (run.status, bytes(run.inhoud)) == ("mislukt", b"")

    taak.uitvoeren(run.pk)  # the task comes after all: it leaves the cancelled run alone
    assert ImportRun.objects.get(pk=run.pk).status == "mislukt" and not Inschrijving.objects.exists()
    r, wachtrij = _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    assert ImportRun.objects.count() == 2 and len(wachtrij) == 1


def test_a_run_that_has_begun_is_not_cancelled(scherm, django_capture_on_commit_callbacks):  # noqa: F811
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    with levende_worker(run):
        _bezig(run)
        r = client.post(f"/importeren/{run.pk}/annuleren/")
        assert "annuleren kon niet meer" in client.get(r["Location"]).content.decode()
        assert ImportRun.objects.get(pk=run.pk).status == "bezig"


def test_a_queued_rod_upload_is_cancelled_and_its_file_removed(rod_upload):
    run, pad, client = rod_upload
    assert (
        reverse("rod:upload_annuleren", args=[run.pk])
        in client.get(reverse("rod:upload", args=[run.pk])).content.decode()
    )
    r = client.post(reverse("rod:upload_annuleren", args=[run.pk]))
    assert "Geannuleerd door" in client.get(r["Location"]).content.decode()
    run.refresh_from_db()
    assert run.status == "mislukt" and not run.bestand and not pad.exists()
    upload.uitvoeren(run.pk)
    laat = RodUpload.objects.get(pk=run.pk)  # the late task read nothing
    assert (laat.status, laat.uitkomst, laat.fout) == ("mislukt", "", run.fout)


def test_a_queued_bulk_decision_is_cancelled_and_handles_no_signal(demo_coordinator):
    coordinator, client = demo_coordinator
    signalen = selectors.afhandelbaar(coordinator, Signaal.objects.filter(status="open"))
    open_ = signalen.count()
    bulk = services.starten(door=coordinator, soort="afwijzen", reden="dubbel", signalen=signalen)
    assert (
        reverse("registratie:bulk-annuleren", args=[bulk.pk])
        in client.get(reverse("registratie:bulk", args=[bulk.pk])).content.decode()
    )
    r = client.post(reverse("registratie:bulk-annuleren", args=[bulk.pk]))
    assert "Geannuleerd door" in client.get(r["Location"]).content.decode()
    services.uitvoeren(bulk.pk)  # the late task
    assert BulkActie.objects.get(pk=bulk.pk).status == "mislukt" and signalen.count() == open_
    assert (
        services.starten(door=coordinator, soort="afwijzen", reden="dubbel", signalen=signalen).pk != bulk.pk
    )
