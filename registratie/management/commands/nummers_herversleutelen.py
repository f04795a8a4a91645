"""Re-encrypt every BSN and onderwijsnummer and every stored ROD delivery file with the current first
key, and recompute the numbers' hashes.

Key rotation: put the new Fernet key first in LEERROUTE_VERSLEUTELSLEUTELS and keep the old one
after it, run this command, then drop the old key. After changing LEERROUTE_BSN_HASHSLEUTEL the
same run recomputes the hashes (the numbers are read with the encryption keys, not the hash).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from registratie.models import Leerling, RodLevering
from registratie.rod import opslag
from samenwerking.versleuteling import zoekhash

VELDEN = ["bsn", "bsn_hash", "onderwijsnummer", "onderwijsnummer_hash"]


class Command(BaseCommand):
    help = (
        "Versleutelt alle BSN's en onderwijsnummers opnieuw met de eerste sleutel "
        "en herberekent de zoekhashes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, batch: int, **options):
        ids = list(Leerling.objects.filter(geanonimiseerd_op__isnull=True).values_list("pk", flat=True))
        klaar = 0
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                leerlingen = list(
                    Leerling.objects.filter(pk__in=ids[start : start + batch]).only("pk", *VELDEN)
                )
                for leerling in leerlingen:  # in memory; the writes are one bulk_update per batch
                    leerling.bsn_hash = zoekhash(leerling.bsn)
                    leerling.onderwijsnummer_hash = zoekhash(leerling.onderwijsnummer)
                Leerling.objects.bulk_update(leerlingen, VELDEN)
            klaar += len(leerlingen)
            self.stdout.write(f"{klaar} van {len(ids)} leerlingen herversleuteld")
        bestanden = 0
        for levering in RodLevering.objects.exclude(bestand="").only("pk", "bestand").iterator():
            opslag.herversleutelen(levering)  # chunk by chunk; atomic replace on a local disk
            bestanden += 1
        self.stdout.write(self.style.SUCCESS(f"Klaar: {klaar} leerlingen, {bestanden} leveringsbestanden."))
