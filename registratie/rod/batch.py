"""The batch file of the file transport (format 2): stored encrypted as a RodLevering, like the
format 1 files, so the same screens list and download it."""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.utils import timezone

from registratie.models import RodBericht, RodLevering, RodLeveringSoort
from registratie.rod import opslag
from samenwerking import audit
from samenwerking.models import AuditActie, Instelling, Kanaal


def bestandsnaam(brin: str, volgnummer: int, datum) -> str:
    return f"{brin}-rod-berichten-{volgnummer:06d}-{datum:%Y%m%d}.xml"


def batch_opslaan(
    instelling: Instelling, pad: Path, *, sha256: str, berichten: list, door=None, kanaal: str = Kanaal.JOB
) -> RodLevering:
    """Record the batch file at ``pad`` as the instelling's next delivery and link its messages.
    Call inside the sending run's transaction: a failure leaves neither row nor file."""
    laatste = RodLevering.objects.filter(instelling=instelling).order_by("-volgnummer").first()
    vandaag = timezone.localdate()
    levering = RodLevering.objects.create(
        instelling=instelling,
        volgnummer=laatste.volgnummer + 1 if laatste else 1,
        peildatum=vandaag,
        soort=RodLeveringSoort.MUTATIES if laatste else RodLeveringSoort.VOLLEDIG,
        sha256=sha256,
        aantal_records=len(berichten),
        aangemaakt_door=door if getattr(door, "is_authenticated", False) else None,
        kanaal=kanaal,
        formaatversie="2",
    )
    naam = bestandsnaam(instelling.brin, levering.volgnummer, vandaag)
    levering.bestand.name = opslag.opslaan(levering, naam, pad)
    try:
        levering.save(update_fields=["bestand"])
        ids = [b.pk for b in berichten]
        for start in range(0, len(ids), 500):
            RodBericht.objects.filter(pk__in=ids[start : start + 500]).update(levering=levering)
        audit.record(
            levering,
            actie=AuditActie.AANGEMAAKT,
            door=door,
            kanaal=kanaal,
            nieuw={
                "volgnummer": levering.volgnummer,
                "formaatversie": "2",
                "aantal_records": levering.aantal_records,
                "sha256": sha256,
                "bestand": levering.bestand.name,
            },
        )
    except BaseException:
        with contextlib.suppress(Exception):
            levering.bestand.storage.delete(levering.bestand.name)
        raise
    return levering
