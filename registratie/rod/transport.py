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

import collections
import dataclasses
import datetime
import hashlib
import tempfile
from concurrent.futures import ThreadPoolExecutor
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
    answer comes back as feedback.

    Every message is held to the XSD once more before the file is stored (the safety net behind
    bericht.controleren): per block of messages, in a thread beside the job (lxml validates
    without the GIL), so the check costs the job almost nothing. At most a few blocks wait."""

    # The batch file keeps each message (encrypted at rest): the job stores no copy per row.
    bewaart_inhoud = True
    BLOK = 2000  # messages per validation
    WACHTEND = 2  # blocks waiting for the validator at most (memory stays flat)

    def __init__(self, instelling: Instelling):
        self.instelling = instelling
        self._tmp = tempfile.TemporaryDirectory(prefix="rod-batch-")
        self.pad = Path(self._tmp.name) / "batch.xml"
        self._fh = None
        self._sha = hashlib.sha256()
        self.aantal = 0
        self.levering = None
        self._positie = 0
        self._kop = ""
        self._blok: list[bytes] = []
        self._validator = None
        self._wachtend: collections.deque = collections.deque()
        self._fouten: list[str] = []

    def _schrijf(self, data: bytes) -> None:
        self._sha.update(data)
        self._fh.write(data)
        self._positie += len(data)

    def verzenden(self, bericht, xml: bytes) -> Ontvangst:
        from registratie.rod import batch
        from registratie.rod.bericht import batch_kop

        if self._fh is None:
            self.levering = batch.levering_aanmaken(self.instelling)
            self._fh = open(self.pad, "wb")  # noqa: SIM115 - closed in afronden()
            self._kop = batch_kop(self.instelling.brin, timezone.now())
            self._schrijf(f'<?xml version="1.0" encoding="UTF-8"?>\n{self._kop}\n'.encode())
        if xml.startswith(b"<?xml"):
            xml = xml[xml.index(b"?>") + 2 :].lstrip()
        plaats = (self.levering.pk, self._positie, len(xml))
        self.aantal += 1
        self._schrijf(xml + b"\n")
        self._blok.append(xml)
        if len(self._blok) >= self.BLOK:
            self._valideren()
        return Ontvangst(document_id=bericht.document_id, ontvangen=False, tijd=timezone.now(), plaats=plaats)

    def _valideren(self) -> None:
        """Hand the block to the validator thread; wait for the oldest when too many wait."""
        from registratie.rod.bericht_lezen import blok_valideren

        if self._validator is None:
            self._validator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rod-xsd")
        self._wachtend.append(self._validator.submit(blok_valideren, self._kop, self._blok))
        self._blok = []
        while len(self._wachtend) > self.WACHTEND or (self._wachtend and self._wachtend[0].done()):
            self._fouten += self._wachtend.popleft().result()

    def _gevalideerd(self) -> list[str]:
        """The XSD's errors of every message of the batch (empty: all valid)."""
        if self._blok:
            self._valideren()
        while self._wachtend:
            self._fouten += self._wachtend.popleft().result()
        return self._fouten

    def afronden(self, *, door=None, kanaal: str = Kanaal.JOB):
        """Store the batch file with its RodLevering (format 2; the messages point at it already)."""
        from registratie.rod import batch

        try:
            if self._fh is None:
                return None
            self._schrijf(b"</berichtenBatch>\n")
            self._fh.close()
            fouten = self._gevalideerd()
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
            if self._validator is not None:
                self._validator.shutdown(cancel_futures=True)
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
