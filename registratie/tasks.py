"""Thin Celery tasks: arguments in, the job runner (registratie.jobs) called.

Beat runs ``check_phases_task`` and ``anonimiseren_task`` nightly (settings.CELERY_BEAT_SCHEDULE,
times from LEERROUTE_CHECK_PHASES_TIME and LEERROUTE_ANONIMISEREN_TIME). Each task is idempotent
(a re-run adds no signal twice, anonymises nobody twice), acknowledged late (CELERY_TASK_ACKS_LATE),
and leaves a JobRun. The job's lock dies with its holder (registratie.locks); a task that finds a
live run waits and retries, and a lost database connection is retried (registratie.jobs.taken).
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from registratie.jobs import taken
from registratie.jobs.models import Taak

logger = logging.getLogger(__name__)


def _datum(waarde: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(waarde) if waarde else None


@shared_task(name="registratie.tasks.check_phases_task", **taken.NACHTTAAK)
def check_phases_task(self, datum: str | None = None, run_id: int | None = None) -> dict:
    """Run the fase check for ``datum`` (ISO date; default today) and return its summary."""
    uitkomst = taken.als_taak(self, Taak.CHECK_PHASES, run_id=run_id, datum=_datum(datum))
    logger.info("check_phases: %s", uitkomst.run.aantallen)
    return uitkomst.run.aantallen


@shared_task(name="registratie.tasks.anonimiseren_task", **taken.NACHTTAAK)
def anonimiseren_task(self, datum: str | None = None, run_id: int | None = None) -> dict:
    """Retention: anonymise the students whose route ended more than LEERROUTE_BEWAARTERMIJN_JAREN
    years before ``datum`` (ISO date; default today). Idempotent: chunks that finished stay done,
    a re-run continues with the rest and then finds nothing."""
    uitkomst = taken.als_taak(self, Taak.ANONIMISEREN, run_id=run_id, datum=_datum(datum))
    logger.info("anonimiseren: %s", uitkomst.run.aantallen)
    return uitkomst.run.aantallen


@shared_task(name="registratie.tasks.bulk_actie_task", acks_late=True)
def bulk_actie_task(bulk_id: int) -> dict:
    """Run a coordinator's bulk decision on signals (registratie.review.services.uitvoeren)."""
    from registratie.review.services import uitvoeren

    bulk = uitvoeren(bulk_id)
    return {"gelukt": bulk.gelukt, "mislukt": bulk.mislukt}


# The upload screen's import (its own module, discovered through this one).
from registratie.importeren.taak import import_task  # noqa: E402,F401
