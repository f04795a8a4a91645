"""Thin Celery task for the nightly ROD delivery (settings.CELERY_BEAT_SCHEDULE, time from
LEERROUTE_ROD_EXPORT_TIME). The work is registratie.rod.services.rod_exporteren, which the
``rod_export`` command runs too, through the job runner (registratie.jobs): one lock that dies
with its holder, a JobRun per run. The unique constraints on RodLevering refuse a second delivery
with the same number or date.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from registratie.jobs import taken
from registratie.jobs.models import Taak
from registratie.rod import upload

logger = logging.getLogger(__name__)


@shared_task(name="registratie.rod.tasks.rod_export_task", **taken.NACHTTAAK)
def rod_export_task(self, peildatum: str | None = None, run_id: int | None = None) -> dict:
    """Build the deliveries for ``peildatum`` (ISO date; default today). Idempotent: a re-run for
    the same date returns the deliveries already made."""
    datum = datetime.date.fromisoformat(peildatum) if peildatum else None
    uitkomst = taken.als_taak(self, Taak.ROD_EXPORT, run_id=run_id, datum=datum)
    return {
        **uitkomst.run.aantallen,
        "leveringen": [
            {
                "brin": r.instelling.brin,
                "volgnummer": r.volgnummer,
                "records": r.aantal_records,
                "vastgehouden": r.aantal_vastgehouden,
                "bestaand": r.bestaand,
                "fout": r.fout,
            }
            for r in uitkomst.resultaat
        ],
    }


@shared_task(name="registratie.rod.tasks.rod_verzenden_task", **taken.NACHTTAAK)
def rod_verzenden_task(self, brin: str | None = None, run_id: int | None = None) -> dict:
    """Send the queued ROD messages (format v2), nightly and for "nu leveren" on the screen."""
    uitkomst = taken.als_taak(self, Taak.ROD_VERZENDEN, run_id=run_id, brin=brin)
    return {**uitkomst.run.aantallen, "instellingen": [r.regel() for r in uitkomst.resultaat]}


@shared_task(name="registratie.rod.tasks.rod_upload_task", acks_late=True)
def rod_upload_task(upload_id: int) -> None:
    """Read one file uploaded on the ROD screens (registratie.rod.upload)."""
    upload.uitvoeren(upload_id)
