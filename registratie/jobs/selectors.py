"""Reads of the job history: the Taken screen and /gezond/."""

from __future__ import annotations

import dataclasses

from django.conf import settings

from registratie.jobs.models import JobRun, JobStatus, Taak

SCHEMA_INSTELLING = {
    Taak.CHECK_PHASES: "check-phases-nightly",
    Taak.ROD_VERZENDEN: "rod-verzenden-nightly",
    Taak.ANONIMISEREN: "anonymise-nightly",
}


@dataclasses.dataclass
class TaakStand:
    taak: str
    naam: str
    tijd: str  # the nightly time, HH:MM
    laatste: JobRun | None

    @property
    def in_orde(self) -> bool:
        """Never run yet (a new installation), or the last run did not fail and is not late."""
        if self.laatste is None:
            return True
        return self.laatste.status != JobStatus.MISLUKT and not self.laatste.te_laat


def _tijd(taak: str) -> str:
    schema = settings.CELERY_BEAT_SCHEDULE[SCHEMA_INSTELLING[taak]]["schedule"]
    return f"{min(schema.hour):02d}:{min(schema.minute):02d}"


def standen() -> list[TaakStand]:
    """Per nightly job its last run (one indexed query per job: three jobs). The format 1 ROD
    export is no longer nightly (the ROD queue is): it has no place here."""
    return [
        TaakStand(
            taak=taak.value,
            naam=str(taak.label),
            tijd=_tijd(taak),
            laatste=JobRun.objects.filter(taak=taak).order_by("-aangemaakt_op", "-id").first(),
        )
        for taak in (Taak(t) for t in SCHEMA_INSTELLING)
    ]


def recente_runs(aantal: int = 50):
    return JobRun.objects.select_related("aangevraagd_door").order_by("-aangemaakt_op", "-id")[:aantal]
