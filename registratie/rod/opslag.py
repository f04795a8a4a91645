"""ROD delivery files at rest: encrypted with the project's keys (samenwerking/versleuteling.py, the
same Fernet keys and rotation as the personal numbers), decrypted only to download or send.

Format: a header line, then a sequence of chunks, each a 4-byte big-endian length and a Fernet
token of at most 1 MiB of the XML. Both ways stream chunk by chunk, so memory stays flat for a
file of hundreds of MB. The sha256 recorded with the delivery is that of the plain XML (what DUO
receives), computed while the file was built.

A file without the header is an older plain file: it is read as it is, and
``nummers_herversleutelen`` encrypts it.

Names: the file is stored under its documented name (FORMAT.md) and never gets a storage suffix.
A file of that name that no delivery row refers to (left by a database reset, or by a run that
was killed between storing the file and committing) is replaced; one that belongs to another
delivery is never overwritten: the delivery is refused with a clear message.
"""

from __future__ import annotations

import io
import logging
import os
import struct
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _

from samenwerking import versleuteling

logger = logging.getLogger(__name__)

KOP = b"LEERROUTE-VERSLEUTELD-1\n"
BLOK = 1024 * 1024  # plaintext bytes per Fernet token
_LENGTE = struct.Struct(">I")


# --- the format ---------------------------------------------------------------------------------------


def versleutelen(bron: BinaryIO, doel: BinaryIO) -> None:
    """Write the encrypted form of everything in ``bron`` to ``doel``, one token per chunk."""
    fernet = versleuteling.fernet()
    doel.write(KOP)
    while blok := bron.read(BLOK):
        token = fernet.encrypt(blok)
        doel.write(_LENGTE.pack(len(token)))
        doel.write(token)


def _tokens(fh: BinaryIO) -> Iterator[bytes]:
    while kop := fh.read(_LENGTE.size):
        if len(kop) != _LENGTE.size:
            raise ValueError("afgebroken leveringsbestand")
        (lengte,) = _LENGTE.unpack(kop)
        token = fh.read(lengte)
        if len(token) != lengte:
            raise ValueError("afgebroken leveringsbestand")
        yield token


def ontsleutelen(fh: BinaryIO) -> Iterator[bytes]:
    """The plain bytes of an encrypted (or an older plain) file, chunk by chunk."""
    begin = fh.read(len(KOP))
    if begin != KOP:  # an older plain file
        yield begin
        while blok := fh.read(BLOK):
            yield blok
        return
    fernet = versleuteling.fernet()
    for token in _tokens(fh):
        yield fernet.decrypt(token)


class _Ontsleuteld(io.RawIOBase):
    """ontsleutelen() as a readable file, for a reader that streams (iterparse)."""

    def __init__(self, fh: BinaryIO):
        self._delen = ontsleutelen(fh)
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            self._rest = next(self._delen, b"")
            if not self._rest:
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def ontsleuteld(fh: BinaryIO) -> BinaryIO:
    """The plain bytes of an encrypted file as a readable stream (a chunk at a time in memory)."""
    return io.BufferedReader(_Ontsleuteld(fh), buffer_size=BLOK)


def _herversleutelen(bron: BinaryIO, doel: BinaryIO) -> None:
    """Every chunk with the current first key (rotation); a plain file is encrypted."""
    begin = bron.read(len(KOP))
    if begin != KOP:
        bron.seek(0)
        versleutelen(bron, doel)
        return
    fernet = versleuteling.fernet()
    doel.write(KOP)
    for token in _tokens(bron):
        nieuw = fernet.rotate(token)
        doel.write(_LENGTE.pack(len(nieuw)))
        doel.write(nieuw)


# --- the delivery's file ----------------------------------------------------------------------------------


def opslaan(levering, naam: str, bron: Path) -> str:
    """Encrypt the plain file ``bron`` into the storage under ``naam`` (the documented name, in the
    instelling's folder); returns the stored name. Call it inside the delivery's transaction."""
    from registratie.rod.models import RodLevering

    storage = levering.bestand.storage
    doel = levering.bestand.field.generate_filename(levering, naam)
    if storage.exists(doel):
        if RodLevering.objects.filter(bestand=doel).exclude(pk=levering.pk).exists():
            raise ValidationError(
                _("Het leveringsbestand %(naam)s hoort al bij een andere levering; er is niets overschreven.")
                % {"naam": naam}
            )
        logger.warning("ROD-bestand %s bestond zonder levering (databaseherstel?); wordt vervangen", doel)
        storage.delete(doel)
    with tempfile.TemporaryFile() as tijdelijk:
        with open(bron, "rb") as fh:
            versleutelen(fh, tijdelijk)
        tijdelijk.seek(0)
        opgeslagen = storage.save(doel, File(tijdelijk, name=naam))
    if opgeslagen != doel:  # a concurrent writer took the name: never a renamed file for DUO
        storage.delete(opgeslagen)
        raise ValidationError(_("Het leveringsbestand %(naam)s bestaat al.") % {"naam": naam})
    return opgeslagen


def lezen(levering) -> Iterator[bytes]:
    """The plain XML of a delivery, chunk by chunk (download, sending, a copy in --out)."""
    with levering.bestand.storage.open(levering.bestand.name, "rb") as fh:
        yield from ontsleutelen(fh)


def deel_lezen(levering, positie: int, lengte: int) -> bytes:
    """``lengte`` plain bytes from ``positie`` of a delivery's file (a message of a large batch,
    for the screen)."""
    return delen_lezen(levering, [(positie, lengte)])[0]


def delen_lezen(levering, plaatsen: list[tuple[int, int]]) -> list[bytes]:
    """The plain bytes at each (positie, lengte) of a delivery's file, decrypting only the chunks
    that hold them, each once: every chunk but the last holds BLOK plain bytes, so its token has
    one length and chunk k starts at a computable offset. The places are read in file order and
    a chunk is dropped once passed, so memory stays at a chunk or two (the sending job reads the
    previous messages of a block of enrolments: one decrypt per message cost 7 ms each)."""
    uit = [b""] * len(plaatsen)
    volgorde = sorted(range(len(plaatsen)), key=lambda i: plaatsen[i][0])
    with levering.bestand.storage.open(levering.bestand.name, "rb") as fh:
        if fh.read(len(KOP)) != KOP:  # an older plain file
            for i in volgorde:
                fh.seek(plaatsen[i][0])
                uit[i] = fh.read(plaatsen[i][1])
            return uit
        (toklen,) = _LENGTE.unpack(fh.read(_LENGTE.size))
        fernet = versleuteling.fernet()
        open_blokken: dict[int, bytes] = {}
        for i in volgorde:
            positie, lengte = plaatsen[i]
            eerste, laatste = positie // BLOK, (positie + lengte - 1) // BLOK
            for k in [k for k in open_blokken if k < eerste]:
                del open_blokken[k]
            delen = []
            for k in range(eerste, laatste + 1):
                if k not in open_blokken:
                    fh.seek(len(KOP) + k * (_LENGTE.size + toklen))
                    (n,) = _LENGTE.unpack(fh.read(_LENGTE.size))
                    open_blokken[k] = fernet.decrypt(fh.read(n))
                delen.append(open_blokken[k][max(positie - k * BLOK, 0) : positie + lengte - k * BLOK])
            uit[i] = b"".join(delen)
    return uit


def kopieren(levering, doel: Path) -> None:
    """Write the plain XML of a delivery to ``doel`` (the command's --out: for sending)."""
    with open(doel, "wb") as fh:
        for blok in lezen(levering):
            fh.write(blok)


def herversleutelen(levering) -> None:
    """Rewrite a delivery's file with the current first key. On a local disk the new file replaces
    the old one atomically (os.replace), so an interrupted rotation leaves a readable file."""
    storage = levering.bestand.storage
    naam = levering.bestand.name
    try:
        pad = Path(storage.path(naam))
    except NotImplementedError:
        pad = None
    if pad is None:
        with tempfile.TemporaryFile() as tijdelijk:
            with storage.open(naam, "rb") as bron:
                _herversleutelen(bron, tijdelijk)
            tijdelijk.seek(0)
            storage.delete(naam)
            storage.save(naam, File(tijdelijk, name=Path(naam).name))
        return
    tijdelijk_pad = pad.with_name(f".{pad.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(pad, "rb") as bron, open(tijdelijk_pad, "wb") as doel:
            _herversleutelen(bron, doel)
            doel.flush()
            os.fsync(doel.fileno())
        os.replace(tijdelijk_pad, pad)
    finally:
        tijdelijk_pad.unlink(missing_ok=True)
