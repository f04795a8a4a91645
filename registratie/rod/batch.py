"""The batch file of the file transport (format 2): stored encrypted as a RodLevering, like the
format 1 files, so the same screens list and download it."""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.utils import timezone

from registratie.models import RodLevering, RodLeveringSoort
from registratie.rod import opslag
from samenwerking import audit
from samenwerking.models import AuditActie, Instelling, Kanaal


def bestandsnaam(brin: str, volgnummer: int, datum) -> str:
    return f"{brin}-rod-berichten-{volgnummer:06d}-{datum:%Y%m%d}.xml"


def levering_aanmaken(instelling: Instelling) -> RodLevering:
    """The instelling's next delivery row, made when the first message of a run goes into the
    batch, so each message's status and place in the file are written in one UPDATE. Inside the
    sending run's transaction (the instelling is locked): a run that fails leaves no row."""
    laatste = RodLevering.objects.filter(instelling=instelling).order_by("-volgnummer").first()
    return RodLevering.objects.create(
        instelling=instelling,
        volgnummer=laatste.volgnummer + 1 if laatste else 1,
        peildatum=timezone.localdate(),
        soort=RodLeveringSoort.MUTATIES if laatste else RodLeveringSoort.VOLLEDIG,
        kanaal=Kanaal.JOB,
        formaatversie="2",
    )


def batch_opslaan(
    levering: RodLevering, pad: Path, *, sha256: str, aantal: int, door=None, kanaal: str = Kanaal.JOB
) -> RodLevering:
    """Store the batch file at ``pad`` as ``levering`` (made by levering_aanmaken; its messages
    point at it already). Call inside the sending run's transaction: a failure leaves neither row
    nor file."""
    levering.sha256, levering.aantal_records, levering.kanaal = sha256, aantal, kanaal
    levering.aangemaakt_door = door if getattr(door, "is_authenticated", False) else None
    naam = bestandsnaam(levering.instelling.brin, levering.volgnummer, levering.peildatum)
    levering.bestand.name = opslag.opslaan(levering, naam, pad)
    try:
        levering.save(update_fields=["bestand", "sha256", "aantal_records", "kanaal", "aangemaakt_door"])
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
