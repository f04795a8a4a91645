"""Thin Celery tasks: arguments in, a function of registratie.checks or .bewaartermijn called.

Beat runs ``check_phases_task`` and ``anonimiseren_task`` nightly (settings.CELERY_BEAT_SCHEDULE,
times from LEERROUTE_CHECK_PHASES_TIME and LEERROUTE_ANONIMISEREN_TIME). Each task is idempotent
(a re-run adds no signal twice, anonymises nobody twice), acknowledged late (CELERY_TASK_ACKS_LATE),
retried with exponential backoff when the database is unavailable, and a lock in the cache (Redis)
keeps two runs from overlapping.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from registratie import bewaartermijn, checks, locks

logger = logging.getLogger(__name__)


@shared_task(
    name="registratie.tasks.check_phases_task",
    **locks.NACHTTAAK,
)
def check_phases_task(datum: str | None = None) -> dict:
    """Run the fase check for ``datum`` (ISO date; default today) and return its summary."""
    peildatum = datetime.date.fromisoformat(datum) if datum else None
    try:
        resultaat = checks.draai(peildatum)
    except locks.AlBezig:
        logger.warning("check_phases: een andere run loopt nog; deze run slaat over")
        return {"overgeslagen": True}
    samenvatting = resultaat.samenvatting()
    logger.info("check_phases: %s", samenvatting)
    return samenvatting


@shared_task(
    name="registratie.tasks.anonimiseren_task",
    **locks.NACHTTAAK,
)
def anonimiseren_task(datum: str | None = None) -> dict:
    """Retention: anonymise the students whose route ended more than LEERROUTE_BEWAARTERMIJN_JAREN
    years before ``datum`` (ISO date; default today). Idempotent: chunks that finished stay done,
    a re-run continues with the rest and then finds nothing."""
    peildatum = datetime.date.fromisoformat(datum) if datum else None
    try:
        samenvatting = bewaartermijn.draai(peildatum)
    except locks.AlBezig:
        logger.warning("anonimiseren: een andere run loopt nog; deze run slaat over")
        return {"overgeslagen": True}
    logger.info("anonimiseren: %s", samenvatting)
    return samenvatting
