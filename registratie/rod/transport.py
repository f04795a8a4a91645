"""How a ROD message reaches DUO: one interface, a transport per instelling from the settings.

``settings.LEERROUTE_ROD_TRANSPORT = {"standaard": "bestand", "per_brin": {"00XX": "soap"}}``
names a key of TRANSPORTEN per instelling. A transport is built once per sending run with the
instelling (``cls(instelling)``) and gets each message with ``verzenden(bericht, xml)``:

- it answers an ``Ontvangst`` (``ontvangen=True``: DUO confirmed receipt; ``False``: handed over,
  no receipt yet, as with a file that is uploaded by hand);
- ``TijdelijkeFout``: try again later (timeout, 5xx, a malformed answer); the job retries with
  exponential backoff and the same document id, so DUO never processes a message twice;
- ``DefinitieveFout``: DUO refused the message; it becomes afgekeurd with the reason.

A transport may have ``afronden(*, door, kanaal)``: the job calls it once after the last message of
the run, inside the run's transaction (the file transport writes its batch file there).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import tempfile
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from samenwerking.models import Instelling, Kanaal


@dataclasses.dataclass
class Ontvangst:
    document_id: object  # uuid.UUID
    ontvangen: bool
    tijd: datetime.datetime
    melding: str = ""
    # A file transport: (levering_id, positie, lengte), the message's place in its batch file,
    # written with the status (one UPDATE per message).
    plaats: tuple | None = None


class TijdelijkeFout(Exception):
    """Sending failed in a way that may pass (timeout, 5xx, malformed answer): retry later."""


class DefinitieveFout(Exception):
    """DUO refused the message: it will not pass by sending it again."""


class Transport(Protocol):
    def verzenden(self, bericht, xml: bytes) -> Ontvangst: ...


class BestandTransport:
    """The file batch: every message of a run in one batch file (format 2, ``berichtenBatch``),
    stored encrypted as a RodLevering for upload by hand. Messages get status verzonden; DUO's
    answer comes back as feedback."""

    def __init__(self, instelling: Instelling):
        self.instelling = instelling
        self._tmp = tempfile.TemporaryDirectory(prefix="rod-batch-")
        self.pad = Path(self._tmp.name) / "batch.xml"
        self._fh = None
        self._sha = hashlib.sha256()
        self.aantal = 0
        self.levering = None
        self._positie = 0

    # The batch file keeps each message (encrypted at rest): the job stores no copy per row.
    bewaart_inhoud = True

    def _schrijf(self, data: bytes) -> None:
        self._sha.update(data)
        self._fh.write(data)
        self._positie += len(data)

    def verzenden(self, bericht, xml: bytes) -> Ontvangst:
        from registratie.rod import batch
        from registratie.rod.bericht import FORMAATVERSIE, NS

        if self._fh is None:
            self.levering = batch.levering_aanmaken(self.instelling)
            self._fh = open(self.pad, "wb")  # noqa: SIM115 - closed in afronden()
            nu = timezone.now().astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
            self._schrijf(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<berichtenBatch xmlns="{NS}" '
                f'formaatversie="{FORMAATVERSIE}"><brin>{self.instelling.brin}</brin>'
                f"<aangemaakt>{nu}Z</aangemaakt>\n".encode()
            )
        if xml.startswith(b"<?xml"):
            xml = xml[xml.index(b"?>") + 2 :].lstrip()
        plaats = (self.levering.pk, self._positie, len(xml))
        self.aantal += 1
        self._schrijf(xml + b"\n")
        return Ontvangst(document_id=bericht.document_id, ontvangen=False, tijd=timezone.now(), plaats=plaats)

    def afronden(self, *, door=None, kanaal: str = Kanaal.JOB):
        """Store the batch file with its RodLevering (format 2; the messages point at it already)."""
        from registratie.rod import batch
        from registratie.rod.bericht import batch_valideren as bericht_valideren

        try:
            if self._fh is None:
                return None
            self._schrijf(b"</berichtenBatch>\n")
            self._fh.close()
            fouten = bericht_valideren(self.pad)
            if fouten:  # controleren() let something through: send nothing rather than a bad file
                raise ValueError("batchbestand voldoet niet aan de XSD: " + "; ".join(fouten[:3]))
            return batch.batch_opslaan(
                self.levering,
                self.pad,
                sha256=self._sha.hexdigest(),
                aantal=self.aantal,
                door=door,
                kanaal=kanaal,
            )
        finally:
            self._tmp.cleanup()


TRANSPORTEN: dict[str, type | str] = {
    "bestand": BestandTransport,
    "soap": "registratie.rod.soap.SoapTransport",
}


def transport_naam(instelling: Instelling) -> str:
    instellingen = getattr(settings, "LEERROUTE_ROD_TRANSPORT", {}) or {}
    return (
        (instellingen.get("per_brin") or {}).get(instelling.brin)
        or instellingen.get("standaard")
        or "bestand"
    )


def transport_voor(instelling: Instelling) -> Transport:
    cls = TRANSPORTEN[transport_naam(instelling)]
    if isinstance(cls, str):
        cls = import_string(cls)
    return cls(instelling)
