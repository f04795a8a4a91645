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
        _plaatsen_opslaan(levering, berichten)
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


def _plaatsen_opslaan(levering: RodLevering, berichten: list) -> None:
    """Link each message to the batch with its place in it: on PostgreSQL one UPDATE … FROM
    (VALUES …) per thousand messages, elsewhere bulk_update."""
    if connection.vendor != "postgresql":
        rijen = []
        for b, positie, lengte in berichten:
            b.levering, b.positie, b.lengte = levering, positie, lengte
            rijen.append(b)
        RodBericht.objects.bulk_update(rijen, ["levering", "positie", "lengte"], batch_size=200)
        return
    tabel = connection.ops.quote_name(RodBericht._meta.db_table)
    for start in range(0, len(berichten), 1000):
        deel = berichten[start : start + 1000]
        waarden = ", ".join(["(%s, %s, %s)"] * len(deel))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {tabel} AS b SET levering_id = %s, positie = v.positie::bigint, "
                f"lengte = v.lengte::integer FROM (VALUES {waarden}) AS v(id, positie, lengte) "
                "WHERE b.id = v.id::bigint",
                [levering.pk, *(x for b, positie, lengte in deel for x in (b.pk, positie, lengte))],
            )
