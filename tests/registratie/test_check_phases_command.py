"""``manage.py check_phases`` and the Celery task run the same check (in-process here; the real
worker is in test_tasks_worker.py)."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command

from registratie import checks, locks, tasks
from registratie.models import Inschrijving, JobRun, Signaal
from tests.factories import route_leerling
from tests.slot_helpers import slot_elders

D = datetime.date


@pytest.fixture(autouse=True)
def geen_oud_slot():
    cache.delete(f"leerroute:lock:{checks.LOCK_NAAM}")
    yield
    cache.delete(f"leerroute:lock:{checks.LOCK_NAAM}")


def _run(*args) -> str:
    out = io.StringIO()
    call_command("check_phases", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_reports_findings_adds_nothing_twice_and_reports_what_closed():
    due, _ = route_leerling()
    vo, mbo = route_leerling()
    Inschrijving.objects.filter(pk=mbo.pk).update(fase="mbo")  # R-INS-6

    first = _run("--date", "2027-06-15")
    assert "Fasecontrole op 2027-06-15" in first
    assert f"[nieuw] R-INS-1 overgang per 2027-08-01 leerling {due.leerling_id}" in first
    assert f"[nieuw] R-INS-6 leerling {vo.leerling_id}" in first
    assert vo.leerling.bsn not in first
    assert "waarvan 2 voorgestelde overgang(en)" in first and "3 nieuw" in first
    count = Signaal.objects.count()

    second = _run("--date", "2027-06-15")
    assert "[nieuw]" not in second and "0 nieuw" in second
    assert f"[open] R-INS-6 leerling {vo.leerling_id}" in second
    assert Signaal.objects.count() == count

    Inschrijving.objects.filter(pk=mbo.pk).update(fase="vo")
    third = _run("--date", "2027-06-15")
    assert "[opgelost] R-INS-6" in third and "1 gesloten" in third
    assert Signaal.objects.get(regel="R-INS-6").status == "opgelost"


@pytest.mark.django_db
def test_the_command_defaults_to_today_and_rejects_a_bad_date():
    assert f"Fasecontrole op {datetime.date.today().isoformat()}" in _run()
    with pytest.raises(CommandError, match="JJJJ-MM-DD"):
        _run("--date", "1-8-2027")


@pytest.mark.django_db
def test_a_second_run_while_another_holds_the_lock_is_refused_and_recorded():
    route_leerling()
    with slot_elders(checks.LOCK_NAAM):
        with pytest.raises(CommandError, match="loopt al"):
            _run("--date", "2027-06-15")
        # In-process (no worker to come back later) the task says so instead of reporting success;
        # on a worker it waits and retries (tests/registratie/test_taken_storingen.py).
        with pytest.raises(locks.AlBezig):
            tasks.check_phases_task.apply(args=["2027-06-15"], throw=True)
    assert not Signaal.objects.exists()
    runs = list(JobRun.objects.filter(taak="check_phases").values_list("status", "reden"))
    assert runs == [("overgeslagen", "Een andere run van deze taak loopt nog.")] * 2
    # The lock died with its holder: the next run does the work and says so.
    assert "1 nieuw" in _run("--date", "2027-06-15")
    assert JobRun.objects.filter(taak="check_phases", status="klaar").get().aantallen["nieuw"] == 1


@pytest.mark.django_db
def test_the_task_runs_the_same_check_and_returns_its_summary():
    route_leerling()
    summary = tasks.check_phases_task.apply(args=["2027-06-15"]).get()
    assert summary == {
        "peildatum": "2027-06-15",
        "bevindingen": 1,
        "nieuw": 1,
        "gesloten": 0,
        "overgangen": 1,
        "per_regel": {"R-INS-1": 1},
    }
    assert tasks.check_phases_task.apply(args=["2027-06-15"]).get()["nieuw"] == 0


def test_the_task_is_scheduled_nightly_with_late_acknowledgement():
    entry = settings.CELERY_BEAT_SCHEDULE["check-phases-nightly"]
    assert entry["task"] == tasks.check_phases_task.name == "registratie.tasks.check_phases_task"
    assert settings.CELERY_TASK_ACKS_LATE is True
