"""The applicatiebeheerder's Taken screen (history, "nu uitvoeren", late runs) and /gezond/."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registratie.jobs import services
from registratie.models import JobRun
from samenwerking.models import AuditRegel, Lidmaatschap
from tests.factories import route_leerling
from tests.login import inloggen


@pytest.fixture
def beheer(db, django_user_model):
    user = django_user_model.objects.create_user("appbeheer", password="x" * 12)
    Lidmaatschap.objects.create(gebruiker=user, rol="applicatiebeheerder")
    client = Client()
    inloggen(client, user)
    return client, user


def test_the_button_queues_a_run_after_commit_and_the_screen_shows_it(
    beheer, django_capture_on_commit_callbacks
):
    client, user = beheer
    with django_capture_on_commit_callbacks() as wachtrij:
        antwoord = client.post(reverse("taken:uitvoeren", args=["check_phases"]))
    assert antwoord.status_code == 302
    assert len(wachtrij) == 1  # sent to the worker only once the run's row is committed
    run = JobRun.objects.get()
    assert (run.taak, run.status, run.kanaal, run.aangevraagd_door) == ("check_phases", "gepland", "ui", user)
    assert run.task_id
    assert AuditRegel.objects.filter(
        model="registratie.JobRun", object_id=str(run.pk), gebruiker=user
    ).exists()

    pagina = client.get(reverse("taken:lijst")).content.decode()
    assert "in de wachtrij" in pagina
    assert 'http-equiv="refresh"' in pagina  # progress: the page reloads while a run is open


def test_a_run_records_counts_and_the_screen_shows_them_without_reloading(beheer):
    client, _ = beheer
    route_leerling()
    uitkomst = services.uitvoeren("check_phases", datum=datetime.date(2027, 6, 15))
    run = JobRun.objects.get(pk=uitkomst.run.pk)
    assert run.status == "klaar" and run.aantallen["nieuw"] == 1 and run.poging == 1
    assert run.gestart_op <= run.geeindigd_op
    pagina = client.get(reverse("taken:lijst")).content.decode()
    assert "nieuw: 1" in pagina and "http-equiv" not in pagina


def test_a_run_not_finished_by_its_expected_time_shows_as_late(beheer):
    client, _ = beheer
    run = services.run_aanmaken("rod_verzenden")
    JobRun.objects.filter(pk=run.pk).update(
        status="bezig", verwacht_klaar_op=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert "niet op tijd klaar" in client.get(reverse("taken:lijst")).content.decode()
    antwoord = Client().get("/gezond/")
    assert antwoord.status_code == 503
    assert antwoord.json()["taken"]["rod_verzenden"] == {
        "status": "storing",
        "laatste_run": "bezig",
        "sinds": run.aangemaakt_op.isoformat(),
        "te_laat": True,
    }


def test_an_unknown_job_is_404_and_queues_nothing(beheer):
    client, _ = beheer
    assert client.post(reverse("taken:uitvoeren", args=["bestaat_niet"])).status_code == 404
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_health_reports_database_broker_and_jobs_without_personal_data(settings):
    antwoord = Client().get("/gezond/")
    assert antwoord.status_code == 200
    body = antwoord.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["broker"] == "ok"
    assert set(body["taken"]) == {"check_phases", "rod_verzenden", "anonimiseren"}
    assert all(
        t == {"status": "ok", "laatste_run": None, "sinds": None, "te_laat": False}
        for t in body["taken"].values()
    )

    mislukt = services.run_aanmaken("anonimiseren")
    JobRun.objects.filter(pk=mislukt.pk).update(status="mislukt", fout="OperationalError: weg")
    antwoord = Client().get("/gezond/")
    assert antwoord.status_code == 503 and antwoord.json()["taken"]["anonimiseren"]["status"] == "storing"
    assert "OperationalError" not in antwoord.content.decode()  # states only, no error text

    services.uitvoeren("anonimiseren", datum=datetime.date(2026, 1, 15))  # a later run that worked
    assert Client().get("/gezond/").status_code == 200


@pytest.mark.django_db
def test_health_answers_503_when_the_broker_does_not_answer(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    antwoord = Client().get("/gezond/")
    assert antwoord.status_code == 503
    assert antwoord.json()["broker"] == "storing" and antwoord.json()["database"] == "ok"
