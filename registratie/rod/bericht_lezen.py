"""The ROD message format, version 2, read back: the XSD check of a message or of a block of a
batch, and a message (or a batch file) back into its dataclasses. The writing side, and what a
message holds, is ``registratie.rod.bericht``."""

from __future__ import annotations

import datetime
import functools
import threading
import uuid

from lxml import etree

from registratie.rod.bericht import (
    _SCHEMA_OPTS,
    NS,
    XSD,
    InschrijvingBericht,
    Periode,
    VerwijderBericht,
    _q,
)


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(**_SCHEMA_OPTS))


def _fouten(xml: bytes, xsd: etree.XMLSchema) -> list[str]:
    """The XSD's errors (element and line, never a value), empty when the document is valid."""
    try:
        el = _parse(xml)
    except etree.XMLSyntaxError as exc:
        return [f"geen geldige XML: regel {exc.lineno}"]
    if xsd.validate(el):
        return []
    return [f"regel {e.line}: {zonder_waarde(e.message)}" for e in xsd.error_log]


def valideren(xml: bytes) -> list[str]:
    """One message against the XSD (a transport that sends one by one)."""
    return _fouten(xml, schema())


_DRAAD = threading.local()


def blok_valideren(kop: str, berichten: list[bytes]) -> list[str]:
    """A block of a batch's messages against the XSD, as a batch of their own with the file's
    opening (bericht.batch_kop; lines count within the block). Runs in the file transport's
    validator thread: a schema of its own there, since an lxml validator keeps its error log."""
    if not hasattr(_DRAAD, "schema"):
        _DRAAD.schema = etree.XMLSchema(etree.parse(str(XSD)))
    xml = b"".join([kop.encode(), b"\n", b"\n".join(berichten), b"\n</berichtenBatch>"])
    return _fouten(xml, _DRAAD.schema)


def zonder_waarde(melding: str) -> str:
    """libxml2 quotes the offending value ("Element 'x': [facet 'pattern'] The value '123…' is
    not…"): keep the element and the kind of error only (a value can be a BSN)."""
    melding = melding.replace(f"{{{NS}}}", "")
    if "The value '" in melding:
        melding = melding.split("The value '")[0] + "de waarde voldoet niet."
    return melding


def _t(el, naam: str) -> str | None:
    x = el.find(_q(naam))
    return x.text if x is not None else None


def _date(tekst: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(tekst) if tekst else None


def _int(tekst: str | None) -> int | None:
    return int(tekst) if tekst else None


def _kop_lezen(el) -> dict:
    kop = el.find(_q("kop"))
    leerling = el.find(_q("leerling"))
    bsn = _t(leerling, "burgerservicenummer")
    return {
        "document_id": uuid.UUID(_t(kop, "documentId")),
        "verzender": _t(kop, "verzender"),
        "ontvanger": _t(kop, "ontvanger"),
        "tijd": datetime.datetime.fromisoformat(_t(kop, "tijd").replace("Z", "+00:00")),
        "nummer": bsn or _t(leerling, "onderwijsnummer"),
        "nummersoort": "bsn" if bsn else "onderwijsnummer",
        "brin": _t(el, "brin"),
        "volgnummer": _t(el, "inschrijvingvolgnummer"),
    }


def _periode_lezen(pe) -> Periode:
    return Periode(
        begin=_date(_t(pe, "datumBegin")),
        einde=_date(_t(pe, "datumEinde")),
        vestiging=_t(pe, "vestiging"),
        leerroute=_t(pe, "leerroute"),
        leerroutefase=_t(pe, "leerroutefase"),
        indicatie_bekostigbaar=_t(pe, "indicatieBekostigbaar") == "J",
        leerjaar=_int(_t(pe, "leerjaar")),
        leerweg=_t(pe, "leerweg"),
        crebo=_t(pe, "opleidingcode"),
        niveau=_int(_t(pe, "niveau")),
        leervorm=_t(pe, "leertraject"),
    )


def lezen_element(el) -> InschrijvingBericht | VerwijderBericht:
    if el.tag == _q("verwijderBericht"):
        return VerwijderBericht(**_kop_lezen(el))
    if el.tag != _q("inschrijvingBericht"):
        raise ValueError(f"onbekend bericht: {etree.QName(el).localname}")
    return InschrijvingBericht(
        **_kop_lezen(el),
        datum_inschrijving=_date(_t(el, "datumInschrijving")),
        geplande_einddatum=_date(_t(el, "geplandeDatumUitschrijving")),
        datum_uitschrijving=_date(_t(el, "datumUitschrijving")),
        reden_uitschrijving=_t(el, "redenUitschrijving"),
        sector=_t(el, "sector"),
        perioden=[_periode_lezen(pe) for pe in el.iterfind(_q("inschrijvingPeriode"))],
        correctie=_t(el, "correctie"),
    )


def lezen(xml: bytes) -> InschrijvingBericht | VerwijderBericht:
    """A message back into its dataclass (the stub, the screen, the next message's history)."""
    return lezen_element(_parse(xml))


def batch_lezen(xml: bytes) -> list[InschrijvingBericht | VerwijderBericht]:
    """The messages of a batch file (file transport)."""
    root = _parse(xml)
    return [lezen_element(el) for el in root if el.tag in (_q("inschrijvingBericht"), _q("verwijderBericht"))]
