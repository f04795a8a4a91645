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

from registratie import locks
from registratie.jobs import services
from registratie.jobs.models import Taak


def taak_voor(taak: str):
    """The Celery task of a job (imported here, not at the top: the task modules import this one)."""
    from registratie.rod.tasks import rod_export_task
    from registratie.tasks import anonimiseren_task, check_phases_task

    return {
        Taak.CHECK_PHASES: check_phases_task,
        Taak.ROD_EXPORT: rod_export_task,
        Taak.ANONIMISEREN: anonimiseren_task,
    }[taak]


# Options of every nightly task (retries are explicit in als_taak, see there).
NACHTTAAK = {"bind": True, "max_retries": None}


def als_taak(task, taak: str, *, run_id: int | None, **args) -> services.Uitkomst:
    """Run ``taak`` from a Celery task; retry on a held lock or a lost database connection."""
    if run_id is None:
        run_id = services.run_aanmaken(taak, task_id=task.request.id or "").pk
    kwargs = {**(task.request.kwargs or {}), "run_id": run_id}
    try:
        return services.uitvoeren(
            taak, run_id=run_id, task_id=task.request.id or "", wachten=not task.request.is_eager, **args
        )
    except locks.AlBezig as exc:
        if task.request.is_eager:  # in-process: nobody would come back later
            raise
        raise task.retry(
            exc=exc,
            kwargs=kwargs,
            countdown=settings.LEERROUTE_TAAK_WACHT_SECONDEN,
            max_retries=settings.LEERROUTE_TAAK_MAX_POGINGEN,
        ) from exc
    except (OperationalError, InterfaceError) as exc:
        if task.request.is_eager:
            raise
        pauze = min(600, 2 ** min(task.request.retries, 9)) + random.uniform(0, 1)
        raise task.retry(
            exc=exc, kwargs=kwargs, countdown=pauze, max_retries=settings.LEERROUTE_TAAK_MAX_POGINGEN
        ) from exc
