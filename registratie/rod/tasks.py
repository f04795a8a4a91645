"""Thin Celery task for the nightly ROD delivery (settings.CELERY_BEAT_SCHEDULE, time from
LEERROUTE_ROD_EXPORT_TIME). The work is registratie.rod.services.rod_exporteren, which the
``rod_export`` command runs too; its lock keeps two runs from overlapping and the unique
constraints on RodLevering refuse a second delivery with the same number or date.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from registratie import locks
from registratie.rod import services

logger = logging.getLogger(__name__)


@shared_task(
    name="registratie.rod.tasks.rod_export_task",
    **locks.NACHTTAAK,
)
def rod_export_task(peildatum: str | None = None) -> dict:
    """Build the deliveries for ``peildatum`` (ISO date; default today). Idempotent: a re-run for
    the same date returns the deliveries already made."""
    datum = datetime.date.fromisoformat(peildatum) if peildatum else timezone.localdate()
    try:
        resultaten = services.rod_exporteren(peildatum=datum)
    except locks.AlBezig:
        logger.warning("rod_export: een andere run loopt nog; deze run slaat over")
        return {"overgeslagen": True}
    return {
        "peildatum": datum.isoformat(),
        "leveringen": [
            {
                "brin": r.instelling.brin,
                "volgnummer": r.volgnummer,
                "records": r.aantal_records,
                "vastgehouden": r.aantal_vastgehouden,
                "bestaand": r.bestaand,
                "fout": r.fout,
            }
            for r in resultaten
        ],
    }
