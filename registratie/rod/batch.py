"""The batch file of the file transport (format 2): stored encrypted as a RodLevering, like the
format 1 files, so the same screens list and download it."""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.db import connection
from django.utils import timezone

from registratie.models import RodBericht, RodLevering, RodLeveringSoort
from registratie.rod import opslag
from samenwerking import audit
from samenwerking.models import AuditActie, Instelling, Kanaal


def bestandsnaam(brin: str, volgnummer: int, datum) -> str:
    return f"{brin}-rod-berichten-{volgnummer:06d}-{datum:%Y%m%d}.xml"


def batch_opslaan(
    instelling: Instelling, pad: Path, *, sha256: str, plaatsen: tuple, door=None, kanaal: str = Kanaal.JOB
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
        aantal_records=len(plaatsen[0]),
        aangemaakt_door=door if getattr(door, "is_authenticated", False) else None,
        kanaal=kanaal,
        formaatversie="2",
    )
    naam = bestandsnaam(instelling.brin, levering.volgnummer, vandaag)
    levering.bestand.name = opslag.opslaan(levering, naam, pad)
    try:
        levering.save(update_fields=["bestand"])
        _plaatsen_opslaan(levering, *plaatsen)
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


def _plaatsen_opslaan(levering: RodLevering, ids, posities, lengtes) -> None:
    """Link each message to the batch with its place in it: on PostgreSQL one UPDATE … FROM
    unnest(arrays) per 5,000 messages, elsewhere one UPDATE per message."""
    if connection.vendor != "postgresql":
        for pk, positie, lengte in zip(ids, posities, lengtes, strict=True):
            RodBericht.objects.filter(pk=pk).update(levering=levering, positie=positie, lengte=lengte)
        return
    tabel = connection.ops.quote_name(RodBericht._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            eind = start + 5000
            cursor.execute(
                f"UPDATE {tabel} AS b SET levering_id = %s, positie = v.positie, lengte = v.lengte "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS v(id, positie, lengte) "
                "WHERE b.id = v.id",
                [levering.pk, list(ids[start:eind]), list(posities[start:eind]), list(lengtes[start:eind])],
            )
