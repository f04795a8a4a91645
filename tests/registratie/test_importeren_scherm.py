"""The upload screen (issue 14): the file runs as a background task with a progress bar (htmx
polling); the run's page shows the summary and, per row, what happens and every error with its
rule; a checked file is imported for real without a new upload; a second click while a file runs
starts nothing; the stored file is encrypted and emptied once a real run is done."""

import io

import pytest
from django.test import Client

from registratie.importeren import taak
from registratie.models import ImportRun, Inschrijving
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen
from tests.registratie.test_importeren import vo_csv, w  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _bestand(inhoud: bytes):
    bestand = io.BytesIO(inhoud)
    bestand.name = "las.csv"
    return bestand


@pytest.fixture
def scherm(w):  # noqa: F811
    vo, _mbo, route, beheerder = w
    client = Client()
    inloggen(client, beheerder)
    return client, vo, route


def _uploaden(client, vo, inhoud: bytes, capture, **extra):
    with capture() as wachtrij:
        r = client.post("/importeren/", {"instelling": vo.pk, "bestand": _bestand(inhoud), **extra})
    return r, wachtrij


def test_a_dry_run_runs_in_the_background_with_progress_then_shows_each_bad_row(
    scherm, django_capture_on_commit_callbacks
):
    client, vo, route = scherm
    r, wachtrij = _uploaden(client, vo, vo_csv(route, 3, fout_op={1}), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/importeren/{run.pk}/"
    assert len(wachtrij) == 1  # queued for the worker once the upload is committed
    assert (run.status, run.dry_run) == ("wachtend", True)
    pagina = client.get(f"/importeren/{run.pk}/").content.decode()
    assert "<progress" in pagina and f'hx-get="/importeren/{run.pk}/voortgang/"' in pagina
    assert client.get(f"/importeren/{run.pk}/voortgang/").status_code == 200

    taak.uitvoeren(run.pk)  # what the worker does

    klaar = client.get(f"/importeren/{run.pk}/voortgang/")
    assert klaar.status_code == 204 and klaar["HX-Refresh"] == "true"
    r = client.get(f"/importeren/{run.pk}/")
    pagina = r.content.decode()
    assert r.status_code == 400 and "R-INS-1" in pagina and "<progress" not in pagina
    assert "2 aan te maken" in pagina and "Nu echt inlezen" not in pagina
    assert not Inschrijving.objects.exists()


def test_a_second_click_while_a_file_runs_starts_no_second_run(scherm, django_capture_on_commit_callbacks):
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    eerste = ImportRun.objects.get()
    r, wachtrij = _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks, echt="on")
    assert r["Location"] == f"/importeren/{eerste.pk}/" and not wachtrij
    assert ImportRun.objects.count() == 1


def test_a_checked_file_is_imported_for_real_without_a_new_upload(scherm, django_capture_on_commit_callbacks):
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 3), django_capture_on_commit_callbacks)
    controle = ImportRun.objects.get()
    assert b"Import0" not in bytes(controle.inhoud)  # stored encrypted
    taak.uitvoeren(controle.pk)
    pagina = client.get(f"/importeren/{controle.pk}/").content.decode()
    assert "3 aan te maken" in pagina and "Nu echt inlezen" in pagina

    with django_capture_on_commit_callbacks() as wachtrij:
        r = client.post(f"/importeren/{controle.pk}/inlezen/")
    echt = ImportRun.objects.exclude(pk=controle.pk).get()
    assert r["Location"] == f"/importeren/{echt.pk}/" and len(wachtrij) == 1 and not echt.dry_run
    taak.uitvoeren(echt.pk)
    assert Inschrijving.objects.filter(instelling=vo).count() == 3
    pagina = client.get(f"/importeren/{echt.pk}/").content.decode()
    assert "3 aangemaakt" in pagina
    # The file is no longer kept: neither the real run nor the dry run before it holds it.
    assert not any(bytes(r.inhoud) for r in ImportRun.objects.all())


def test_another_schools_beheerder_cannot_see_the_run(scherm, django_capture_on_commit_callbacks):
    client, vo, route = scherm
    _uploaden(client, vo, vo_csv(route, 2), django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    ander = Client()
    inloggen(ander, gebruiker_met_rol("beheerder", instelling=InstellingFactory()))
    assert ander.get(f"/importeren/{run.pk}/").status_code == 404
    assert ander.post(f"/importeren/{run.pk}/inlezen/").status_code == 404


def test_a_file_that_cannot_be_read_fails_with_a_message_and_saves_nothing(
    scherm, django_capture_on_commit_callbacks
):
    client, vo, _route = scherm
    with django_capture_on_commit_callbacks():
        client.post("/importeren/", {"instelling": vo.pk, "bestand": _bestand(b"naam;iets\nA;B\n")})
    run = ImportRun.objects.get()
    taak.uitvoeren(run.pk)
    run.refresh_from_db()
    assert run.status == "mislukt" and "inschrijvingsvolgnummer" in run.fout and not bytes(run.inhoud)
    pagina = client.get(f"/importeren/{run.pk}/").content.decode()
    assert "De import is mislukt" in pagina
