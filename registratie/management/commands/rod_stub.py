"""``python manage.py rod_stub [--poort N] [--certificaat PEM]``: run the stub DUO service
(registratie/rod/stub.py) on 127.0.0.1 until Ctrl-C, to try the SOAP transport by hand:

    python manage.py rod_stub --poort 8089
    LEERROUTE_ROD_SOAP_ENDPOINT=http://127.0.0.1:8089/rod/v2 python manage.py rod_verzenden

It validates every message against our XSD, answers with a receipt and serves the feedback
(``/rod/v2/terugkoppeling?brin=…&teldatum=…``) and the snapshot (``/rod/v2/momentopname?brin=…``)
of what it received. Nothing is kept after it stops. Only for development: never in production.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from registratie.rod.stub import DuoStub


class Command(BaseCommand):
    help = "Start de stub van DUO's ROD-dienst op 127.0.0.1 (alleen voor ontwikkeling)."

    def add_arguments(self, parser):
        parser.add_argument("--poort", type=int, default=0, help="Poort (standaard: een vrije).")
        parser.add_argument(
            "--certificaat", type=Path, help="PEM-certificaat: alleen berichten die hiermee zijn ondertekend."
        )

    def handle(self, *args, poort: int, certificaat: Path | None, **options):
        stub = DuoStub(certificaat=certificaat.read_bytes() if certificaat else None, poort=poort).start()
        self.stdout.write(f"Stub van DUO luistert op {stub.url} (Ctrl-C stopt)")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write(f"Gestopt; {stub.verwerkt} berichten verwerkt.")
        finally:
            stub.stop()
