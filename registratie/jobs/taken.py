"""The Celery side of a nightly job: what every task body does (registratie/tasks.py,
registratie/rod/tasks.py) and the map from job to task.

A task that finds another live run holding the lock waits and retries (countdown
LEERROUTE_TAAK_WACHT_SECONDEN); a dropped database connection is retried with growing pauses.
Retries carry the run's id, so one task invocation is one JobRun row, however many attempts it
takes. A task never reports success for work it did not do.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from registratie import locks
from registratie.jobs import services
from registratie.jobs.models import Taak


def taak_voor(taak: str):
    """The Celery task of a job (imported here, not at the top: the task modules import this one)."""
    from registratie.rod.tasks import rod_export_task, rod_verzenden_task
    from registratie.tasks import anonimiseren_task, check_phases_task

    return {
        Taak.CHECK_PHASES: check_phases_task,
        Taak.ROD_EXPORT: rod_export_task,
        Taak.ROD_VERZENDEN: rod_verzenden_task,
        Taak.ANONIMISEREN: anonimiseren_task,
    }[taak]


# Options of every nightly task (retries are explicit in als_taak, see there).
NACHTTAAK = {"bind": True, "max_retries": None}


def als_taak(task, taak: str, *, run_id: int | None, **args) -> services.Uitkomst:
    """Run ``taak`` from a Celery task; retry on a held lock or a lost database connection."""
    task_id = task.request.id or ""
    try:
        if run_id is None:
            run_id = services.run_aanmaken(taak, task_id=task_id).pk
        return services.uitvoeren(
            taak, run_id=run_id, task_id=task_id, wachten=not task.request.is_eager, **args
        )
    except locks.AlBezig as exc:
        if task.request.is_eager:  # in-process: nobody would come back later
            raise
        if task.request.retries >= settings.LEERROUTE_TAAK_MAX_POGINGEN:
            services.opgeven(
                run_id,
                _("De vorige run bleef bezig; na %(n)s pogingen opgegeven.") % {"n": task.request.retries},
            )
            raise
        _opnieuw(task, exc, run_id, settings.LEERROUTE_TAAK_WACHT_SECONDEN)
    except (OperationalError, InterfaceError) as exc:
        if task.request.is_eager or task.request.retries >= settings.LEERROUTE_TAAK_MAX_POGINGEN:
            raise  # the run is recorded as failed (services.uitvoeren)
        _opnieuw(task, exc, run_id, min(600, 2 ** min(task.request.retries, 9)) + random.uniform(0, 1))


def _opnieuw(task, exc: Exception, run_id: int | None, countdown: float):
    """Retry the task later, with the run's id, so the retry continues the same JobRun."""
    kwargs = {**(task.request.kwargs or {}), "run_id": run_id}
    raise task.retry(exc=exc, kwargs=kwargs, countdown=countdown, max_retries=None) from exc
