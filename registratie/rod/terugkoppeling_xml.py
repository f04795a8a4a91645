"""The two files DUO sends back, format version 2: the feedback per enrolment and count date
(leerroute-rod-terugkoppeling-v2.xsd) and the snapshot of everything DUO holds
(leerroute-rod-momentopname-v2.xsd, built from the v2 message elements). Reading and writing both
is here, in one place; FORMAT-TERUGKOPPELING.md describes them. The writers serve the stub
service in the tests and the examples; Leerroute itself only reads.

Both readers stream: a snapshot of a large instelling is 100 MB, so a file is never held as a
tree (nor as a list of its records). ``lezen``/``momentopname_lezen`` give the header (Kop) at
once and an iterator over the records, each checked against the XSD before it is given;
``kop_lezen``/``momentopname_kop`` read only the header (the screens' BRIN check).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import io
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from registratie.rod import bericht, bericht_lezen

NS = "https://leerroute.nl/rod/terugkoppeling/v2"
NS_MOMENTOPNAME = "https://leerroute.nl/rod/momentopname/v2"
HIER = Path(__file__).resolve().parent
XSD = HIER / "leerroute-rod-terugkoppeling-v2.xsd"
XSD_MOMENTOPNAME = HIER / "leerroute-rod-momentopname-v2.xsd"
FORMAATVERSIE = "2"
AFKEUR, WAARSCHUWING = "afkeur", "waarschuwing"

_PARSER = {
    "remove_blank_text": True,
    "remove_comments": True,
    "remove_pis": True,
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
}


@dataclasses.dataclass(frozen=True)
class Melding:
    """One of DUO's signals on an enrolment: a rejection or a warning."""

    code: str
    ernst: str  # AFKEUR / WAARSCHUWING
    tekst: str
    parameters: dict = dataclasses.field(default_factory=dict, hash=False)


@dataclasses.dataclass
class Regel:
    """DUO's judgement of one enrolment on one count date."""

    volgnummer: str
    teldatum: datetime.date
    status: str  # V (voorlopig) / D (definitief)
    document_id: uuid.UUID | None = None
    indicatie_bekostigbaar: bool | None = None  # as the school delivered it
    bekostigd: bool | None = None  # DUO's bekostigingsstatus
    leerroute: str = ""
    leerroutefase: str = ""
    meldingen: list[Melding] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Terugkoppeling:
    """A whole feedback file, for the writer (the stub, the tests); reading streams instead."""

    brin: str
    aangemaakt: datetime.datetime
    regels: list[Regel]


@dataclasses.dataclass
class Momentopname:
    """A whole snapshot, for the writer (the stub, the tests); reading streams instead."""

    brin: str
    aangemaakt: datetime.datetime
    inschrijvingen: list[bericht.InschrijvingBericht]


def _q(naam: str, ns: str = NS) -> str:
    return f"{{{ns}}}{naam}"


@functools.cache
def _schema(pad: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(pad)))


def _tijd(tekst: str) -> datetime.datetime:
    t = datetime.datetime.fromisoformat(tekst.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=datetime.UTC)


def _jn(tekst: str | None) -> bool | None:
    return None if tekst is None else tekst == "J"


# ------------------------------------------------------------------------------------- feedback


def _regel(el) -> Regel:
    doc = el.findtext(_q("documentId"))
    return Regel(
        volgnummer=el.findtext(_q("inschrijvingvolgnummer")),
        document_id=uuid.UUID(doc) if doc else None,
        teldatum=datetime.date.fromisoformat(el.findtext(_q("teldatum"))),
        status=el.findtext(_q("status")),
        indicatie_bekostigbaar=_jn(el.findtext(_q("indicatieBekostigbaar"))),
        bekostigd=_jn(el.findtext(_q("bekostigingsstatus"))),
        leerroute=el.findtext(_q("leerroute")) or "",
        leerroutefase=el.findtext(_q("leerroutefase")) or "",
        meldingen=[
            Melding(
                code=s.findtext(_q("code")),
                ernst=s.findtext(_q("ernst")),
                tekst=s.findtext(_q("tekst")),
                parameters={p.get("naam"): p.text or "" for p in s.iterfind(_q("parameter"))},
            )
            for s in el.iterfind(_q("signaal"))
        ],
    )


def _sub(parent, naam: str, tekst, ns: str = NS):
    if tekst is None or tekst == "":
        return None
    el = etree.SubElement(parent, _q(naam, ns))
    el.text = str(tekst)
    return el


def _utc(t: datetime.datetime) -> str:
    return t.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def schrijven(t: Terugkoppeling) -> bytes:
    root = etree.Element(_q("rodTerugkoppeling"), formaatversie=FORMAATVERSIE, nsmap={None: NS})
    kop = etree.SubElement(root, _q("kop"))
    _sub(kop, "brin", t.brin)
    _sub(kop, "aangemaakt", _utc(t.aangemaakt))
    for r in t.regels:
        el = etree.SubElement(root, _q("inschrijving"))
        _sub(el, "inschrijvingvolgnummer", r.volgnummer)
        _sub(el, "documentId", r.document_id)
        _sub(el, "teldatum", r.teldatum.isoformat())
        _sub(el, "status", r.status)
        for naam, waarde in (
            ("indicatieBekostigbaar", r.indicatie_bekostigbaar),
            ("bekostigingsstatus", r.bekostigd),
        ):
            _sub(el, naam, None if waarde is None else ("J" if waarde else "N"))
        _sub(el, "leerroute", r.leerroute)
        _sub(el, "leerroutefase", r.leerroutefase)
        for m in r.meldingen:
            s = etree.SubElement(el, _q("signaal"))
            _sub(s, "code", m.code)
            _sub(s, "ernst", m.ernst)
            _sub(s, "tekst", m.tekst)
            for naam, waarde in m.parameters.items():
                etree.SubElement(s, _q("parameter"), naam=naam).text = str(waarde)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------------------------- snapshot


def momentopname_schrijven(m: Momentopname) -> bytes:
    root = etree.Element(
        _q("rodMomentopname", NS_MOMENTOPNAME),
        formaatversie=FORMAATVERSIE,
        nsmap={None: NS_MOMENTOPNAME, "b": bericht.NS},
    )
    kop = etree.SubElement(root, _q("kop", NS_MOMENTOPNAME))
    _sub(kop, "brin", m.brin, NS_MOMENTOPNAME)
    _sub(kop, "aangemaakt", _utc(m.aangemaakt), NS_MOMENTOPNAME)
    for ins in m.inschrijvingen:
        root.append(etree.fromstring(bericht.naar_xml(ins)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------------------------- reading


@dataclasses.dataclass(frozen=True)
class Kop:
    """The header of either file: whose it is and when DUO made it."""

    brin: str
    aangemaakt: datetime.datetime


@dataclasses.dataclass(frozen=True)
class _Formaat:
    """One kind of file: its XSD (which also says what a record is), the namespace of its kop,
    its name in a message, and how a record becomes its dataclass."""

    xsd: Path
    ns: str
    wat: str  # the file's name in a message
    lezer: Callable  # a record's element into its dataclass


TERUGKOPPELING = _Formaat(XSD, NS, gettext_lazy("terugkoppelingsbestand"), _regel)
MOMENTOPNAME = _Formaat(
    XSD_MOMENTOPNAME,
    NS_MOMENTOPNAME,
    gettext_lazy("momentopnamebestand"),
    bericht_lezen.lezen_element,
)


def lezen(bron, *, sha256=None) -> tuple[Kop, Iterator[Regel]]:
    """A feedback file (a path, bytes or a binary file such as an upload, read from its start):
    its header, checked, and an iterator over its lines. ``sha256``: a hashlib object that sees
    every byte of the file by the time the iterator is done. See _stroom for the errors."""
    return _openen(bron, TERUGKOPPELING, sha256)


def kop_lezen(bron) -> Kop:
    """Only the header of a feedback file (the rest is not read)."""
    return _kop(bron, TERUGKOPPELING)


def momentopname_lezen(bron, *, sha256=None) -> tuple[Kop, Iterator[bericht.InschrijvingBericht]]:
    """A snapshot, as ``lezen``: its header and an iterator over DUO's records."""
    return _openen(bron, MOMENTOPNAME, sha256)


def momentopname_kop(bron) -> Kop:
    """Only the header of a snapshot (the rest is not read)."""
    return _kop(bron, MOMENTOPNAME)


def _openen(bron, formaat: _Formaat, sha256) -> tuple[Kop, Iterator]:
    stroom = _stroom(bron, formaat, sha256)
    kop = next(stroom, None)
    if kop is None:  # pragma: no cover - a file without a kop fails the XSD first
        raise ValidationError(_("Het %(wat)s heeft geen kop.") % {"wat": formaat.wat})
    return kop, stroom


def _kop(bron, formaat: _Formaat) -> Kop:
    kop, stroom = _openen(bron, formaat, None)
    stroom.close()
    return kop


def _geopend(bron):
    """The source as a binary file: a path is opened (and closed after), bytes are wrapped, a
    file object (Django's UploadedFile too) is read from its start and left open."""
    if isinstance(bron, (bytes, bytearray, memoryview)):
        return io.BytesIO(bron)
    if isinstance(bron, (str, os.PathLike)):
        return open(bron, "rb")  # closed by _stroom's with
    if bron.seekable():
        bron.seek(0)
    return contextlib.nullcontext(bron)


class _MetHash:
    """Shows every byte the parser reads to a hash: the file's sha256 in the same pass."""

    def __init__(self, fh, hasj):
        self.fh, self.hasj = fh, hasj

    def read(self, n: int = -1) -> bytes:
        deel = self.fh.read(n)
        self.hasj.update(deel)
        return deel


def _stroom(bron, formaat: _Formaat, sha256=None) -> Iterator:
    """The file in flat memory: first its Kop, then each record as its dataclass.

    Each top-level element is checked against the XSD as soon as it has been parsed, inside a
    skeleton of the file (the root with its attributes, and the kop), and then dropped: the
    kop alone when it ends, every record in turn after it, and at the end the text left in the
    root. Together that is exactly the XSD's content model. (libxml2's own validation while
    parsing, iterparse's ``schema=``, reports its errors only at the end of the file and
    without a line.) An error is a Dutch ValidationError naming the line and never a value,
    raised where the parser meets it: records given before it are the caller's to undo, so
    consume the iterator inside a transaction."""
    schema = _schema(formaat.xsd)
    skelet = None
    with _geopend(bron) as fh:
        lezer = fh if sha256 is None else _MetHash(fh, sha256)
        try:
            for _event, el in etree.iterparse(lezer, events=("end",), **_PARSER):
                wortel = el.getparent()
                if wortel is None:  # the root ends: all it can still hold is text
                    skelet = _skelet(el) if skelet is None else skelet
                    skelet.text = el.text
                    _valideren(schema, skelet, formaat)
                    break
                if wortel.getparent() is not None:
                    continue  # inside the kop or a record: checked with it
                if skelet is None:
                    skelet = _skelet(wortel)
                    skelet.append(el)  # moves it out of the file's tree, with its tail
                    _valideren(schema, skelet, formaat)
                    yield Kop(
                        brin=el.findtext(_q("brin", formaat.ns)),
                        aangemaakt=_tijd(el.findtext(_q("aangemaakt", formaat.ns))),
                    )
                    continue
                skelet.append(el)
                _valideren(schema, skelet, formaat)
                yield formaat.lezer(el)
                skelet.remove(el)
            if sha256 is not None:
                while lezer.read(1 << 16):  # whatever follows the root: the hash covers the file
                    pass
        except etree.XMLSyntaxError as exc:
            raise ValidationError(
                _("Het %(wat)s is geen geldige XML (regel %(r)s).") % {"wat": formaat.wat, "r": exc.lineno}
            ) from None


def _skelet(wortel) -> etree._Element:
    skelet = etree.Element(wortel.tag, dict(wortel.attrib), nsmap=wortel.nsmap)
    skelet.text = wortel.text
    return skelet


def _valideren(schema: etree.XMLSchema, doc, formaat: _Formaat) -> None:
    if schema.validate(doc):
        return
    fouten = [f"regel {e.line}: {bericht_lezen.zonder_waarde(e.message)}" for e in list(schema.error_log)[:5]]
    raise ValidationError(
        _("Het %(wat)s volgt het schema %(xsd)s niet: %(f)s")
        % {"wat": formaat.wat, "xsd": formaat.xsd.name, "f": "; ".join(fouten)}
    )
