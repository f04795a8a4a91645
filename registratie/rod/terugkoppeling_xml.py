"""The two files DUO sends back, format version 2: the feedback per enrolment and count date
(leerroute-rod-terugkoppeling-v2.xsd) and the snapshot of everything DUO holds
(leerroute-rod-momentopname-v2.xsd, built from the v2 message elements). Reading and writing both
is here, in one place; FORMAT-TERUGKOPPELING.md describes them. The writers serve the stub
service in the tests and the examples; Leerroute itself only reads.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

from registratie.rod import bericht, bericht_lezen

NS = "https://leerroute.nl/rod/terugkoppeling/v2"
NS_MOMENTOPNAME = "https://leerroute.nl/rod/momentopname/v2"
HIER = Path(__file__).resolve().parent
XSD = HIER / "leerroute-rod-terugkoppeling-v2.xsd"
XSD_MOMENTOPNAME = HIER / "leerroute-rod-momentopname-v2.xsd"
FORMAATVERSIE = "2"
AFKEUR, WAARSCHUWING = "afkeur", "waarschuwing"

_PARSER = {"remove_blank_text": True, "resolve_entities": False, "no_network": True, "huge_tree": False}


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
    brin: str
    aangemaakt: datetime.datetime
    regels: list[Regel]


@dataclasses.dataclass
class Momentopname:
    brin: str
    aangemaakt: datetime.datetime
    inschrijvingen: list[bericht.InschrijvingBericht]


def _q(naam: str, ns: str = NS) -> str:
    return f"{{{ns}}}{naam}"


@functools.cache
def _schema(pad: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(pad)))


def _parse(data: bytes, pad: Path, wat: str) -> etree._Element:
    """Parse and validate; a Dutch ValidationError naming the line (never a value: it may be a BSN)."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER))
    except etree.XMLSyntaxError as exc:
        raise ValidationError(
            _("Het %(wat)s is geen geldige XML (regel %(r)s).") % {"wat": wat, "r": exc.lineno}
        ) from exc
    schema = _schema(pad)
    if not schema.validate(root):
        fouten = [
            f"regel {e.line}: {bericht_lezen.zonder_waarde(e.message)}" for e in list(schema.error_log)[:5]
        ]
        raise ValidationError(
            _("Het %(wat)s volgt het schema %(xsd)s niet: %(f)s")
            % {"wat": wat, "xsd": pad.name, "f": "; ".join(fouten)}
        )
    return root


def _tijd(tekst: str) -> datetime.datetime:
    t = datetime.datetime.fromisoformat(tekst.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=datetime.UTC)


def _jn(tekst: str | None) -> bool | None:
    return None if tekst is None else tekst == "J"


# ------------------------------------------------------------------------------------- feedback


def lezen(data: bytes) -> Terugkoppeling:
    root = _parse(data, XSD, _("terugkoppelingsbestand"))
    kop = root.find(_q("kop"))
    return Terugkoppeling(
        brin=kop.findtext(_q("brin")),
        aangemaakt=_tijd(kop.findtext(_q("aangemaakt"))),
        regels=[_regel(el) for el in root.iterfind(_q("inschrijving"))],
    )


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


def momentopname_lezen(data: bytes) -> Momentopname:
    root = _parse(data, XSD_MOMENTOPNAME, _("momentopnamebestand"))
    kop = root.find(_q("kop", NS_MOMENTOPNAME))
    return Momentopname(
        brin=kop.findtext(_q("brin", NS_MOMENTOPNAME)),
        aangemaakt=_tijd(kop.findtext(_q("aangemaakt", NS_MOMENTOPNAME))),
        inschrijvingen=[
            bericht_lezen.lezen_element(el) for el in root.iterfind(_q("inschrijvingBericht", bericht.NS))
        ],
    )


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
