"""The nightly fase check on a real Celery worker, with Redis as broker and result backend.

Needs REDIS_URL (settings then point Celery at Redis and turn eager execution off); in CI a
missing Redis fails the test (tests/conftest.py), locally it skips.
"""

import datetime

import celery.contrib.testing.tasks  # noqa: F401 - registers celery.ping for the worker's ping check
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app
from registratie import checks, locks
from registratie.jobs import services
from registratie.models import Inschrijving, JobRun, Signaal
from registratie.tasks import check_phases_task
from tests.factories import route_leerling
from tests.processen import wacht_tot
from tests.slot_helpers import slot_elders


def _sluit_verbindingen(**kwargs):
    # The worker thread has its own database connections: close them so that the test database
    # can be flushed and dropped afterwards.
    connections.close_all()


@pytest.fixture
def worker(redis_url):
    assert app.conf.broker_url == redis_url, "REDIS_URL is set: Celery must use it as broker"
    assert app.conf.result_backend == redis_url
    assert not app.conf.task_always_eager, "with Redis the task must go through the broker"
    app.control.purge()  # nothing left over from an earlier run
    task_postrun.connect(_sluit_verbindingen, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=30) as w:
            yield w
    finally:
        task_postrun.disconnect(_sluit_verbindingen)


@pytest.mark.redis
# serialized_rollback: the flush after this test must not take away rows that migrations load
# (the kwalificaties) from the transactional tests that run after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_real_task_runs_on_a_real_worker_against_redis(worker):
    due, _ = route_leerling()
    _vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")  # R-INS-6

    result = check_phases_task.delay("2027-06-15")
    summary = result.get(timeout=60)
    assert summary["nieuw"] == 3  # two proposed transitions and one R-INS-6
    assert summary["per_regel"] == {"R-INS-1": 2, "R-INS-6": 1}
    assert Signaal.objects.filter(
        leerling=due.leerling, voorgestelde_datum=datetime.date(2027, 8, 1)
    ).exists()

    # Idempotent: the same task again adds nothing; fixed data closes its signal.
    assert check_phases_task.delay("2027-06-15").get(timeout=60)["nieuw"] == 0
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="vo")
    assert check_phases_task.delay("2027-06-15").get(timeout=60)["gesloten"] == 1
    assert Signaal.objects.get(regel="R-INS-6").status == "opgelost"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_that_meets_a_live_run_waits_and_then_does_the_work(worker, settings):
    """Issue 11: a task that finds the job running (a redelivery, or beat while someone pressed
    "nu uitvoeren") never reports success for work it did not do: it waits and retries."""
    settings.LEERROUTE_TAAK_WACHT_SECONDEN = 1
    route_leerling()
    with slot_elders(checks.LOCK_NAAM):
        result = check_phases_task.delay("2027-06-15")
        wacht_tot(
            lambda: JobRun.objects.filter(status="gepland", reden__startswith="Een andere run").exists(),
            timeout=30,
            wat="de taak wacht op de lopende run",
        )
        assert not Signaal.objects.exists()
    assert result.get(timeout=60)["nieuw"] == 1
    run = JobRun.objects.get()  # one task, one run, however many tries it took
    assert (run.status, run.reden, run.aantallen["nieuw"]) == ("klaar", "", 1)
    assert Signaal.objects.count() == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nu_uitvoeren_queues_the_run_after_commit_and_the_worker_completes_it(worker):
    route_leerling()
    run = services.inplannen("check_phases", door=None)
    wacht_tot(lambda: JobRun.objects.filter(pk=run.pk, status="klaar").exists(), timeout=60, wat="run klaar")
    run.refresh_from_db()
    assert (run.kanaal, run.poging, run.aantallen["nieuw"]) == ("ui", 1, 1)
    assert JobRun.objects.count() == 1  # the worker finished the queued row, it made no other


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_that_keeps_meeting_a_live_run_gives_up_as_failed_never_as_done(worker, settings):
    settings.LEERROUTE_TAAK_WACHT_SECONDEN = 0
    settings.LEERROUTE_TAAK_MAX_POGINGEN = 2
    with slot_elders(checks.LOCK_NAAM):
        result = check_phases_task.delay("2027-06-15")
        with pytest.raises(locks.AlBezig):
            result.get(timeout=60)
    run = JobRun.objects.get()
    assert run.status == "mislukt" and "na 2 pogingen opgegeven" in run.fout
