"""The ROD delivery format, version 1: element names, record building, checks and the incremental
writer; reading a delivery or a response (terugkoppeling) is in format_lezen.py.

Everything that knows what the XML looks like is in this module and the two XSDs beside it
(leerroute-rod-levering-v1.xsd, leerroute-rod-terugkoppeling-v1.xsd; described in FORMAT.md), so
that an adapter for DUO's own message format can sit beside it without touching the rest.

Determinism: records are written in the order the caller gives (sorted by key), attributes in a
fixed order, no timestamps (only the peildatum), and the same input gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import re
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from lxml import etree
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import onderwijsnummer as stdnum_onderwijsnummer

FORMAATVERSIE = "1"
HIER = Path(__file__).resolve().parent
XSD_LEVERING = HIER / "leerroute-rod-levering-v1.xsd"
XSD_TERUGKOPPELING = HIER / "leerroute-rod-terugkoppeling-v1.xsd"

# Mutation kinds. INGETROKKEN is written as an <intrekking> element, the others as the
# 'mutatie' attribute of <inschrijving>.
NIEUW = "nieuw"
GEWIJZIGD = "gewijzigd"
BEEINDIGD = "beeindigd"
INGETROKKEN = "ingetrokken"

VOLLEDIG = "volledig"
MUTATIES = "mutaties"

GEACCEPTEERD = "geaccepteerd"
AFGEKEURD = "afgekeurd"


class E:
    """Element and attribute names, in one place."""

    LEVERING = "rodLevering"
    TERUGKOPPELING = "rodTerugkoppeling"
    FORMAATVERSIE = "formaatversie"
    KOP = "kop"
    BRIN = "brin"
    VOLGNUMMER = "volgnummer"
    PEILDATUM = "peildatum"
    SOORT = "soortLevering"
    SLOT = "slot"
    AANTAL = "aantalRecords"
    INSCHRIJVING = "inschrijving"
    INTREKKING = "intrekking"
    MUTATIE = "mutatie"
    SLEUTEL = "inschrijvingsvolgnummer"
    PERSOON = "persoon"
    BSN = "bsn"
    ONDERWIJSNUMMER = "onderwijsnummer"
    ACHTERNAAM = "achternaam"
    TUSSENVOEGSEL = "tussenvoegsel"
    VOORLETTERS = "voorletters"
    GEBOORTEDATUM = "geboortedatum"
    VESTIGING = "vestiging"
    OPLEIDINGSKENMERK = "opleidingskenmerk"
    FASE = "fase"
    PARTNER = "partnerBrin"
    STARTDATUM = "startdatum"
    GEPLANDE_EINDDATUM = "geplandeEinddatum"
    EINDDATUM = "einddatum"
    REDEN_EINDE = "redenEinde"
    VO = "vo"
    MBO = "mbo"
    LEERJAAR = "leerjaar"
    LEERWEG = "leerweg"
    VMBO_DIPLOMA = "vmboDiplomaDatum"
    CREBO = "crebo"
    NIVEAU = "niveau"
    LEERVORM = "leervorm"
    # response
    SHA256 = "sha256"
    VERWERKINGSDATUM = "verwerkingsdatum"
    GEACCEPTEERD = "geaccepteerd"
    AFGEKEURD = "afgekeurd"
    CODE = "code"
    MELDING = "melding"
    ELEMENT = "element"


# Element → (field on the inschrijving or leerling, Dutch label): how a signal names the field.
VELDEN = {
    E.SLEUTEL: ("inschrijvingsvolgnummer", "inschrijvingsvolgnummer"),
    E.BSN: ("bsn", "BSN"),
    E.ONDERWIJSNUMMER: ("onderwijsnummer", "onderwijsnummer"),
    E.ACHTERNAAM: ("achternaam", "achternaam"),
    E.TUSSENVOEGSEL: ("tussenvoegsel", "tussenvoegsel"),
    E.VOORLETTERS: ("voorletters", "voorletters"),
    E.GEBOORTEDATUM: ("geboortedatum", "geboortedatum"),
    E.VESTIGING: ("vestiging", "vestiging"),
    E.OPLEIDINGSKENMERK: ("opleidingskenmerk", "opleidingskenmerk"),
    E.FASE: ("fase", "fase"),
    E.PARTNER: ("leerroute", "partnerinstelling (BRIN)"),
    E.STARTDATUM: ("startdatum", "startdatum"),
    E.GEPLANDE_EINDDATUM: ("geplande_einddatum", "geplande einddatum"),
    E.EINDDATUM: ("einddatum", "einddatum"),
    E.REDEN_EINDE: ("reden_einde", "reden einde"),
    E.LEERJAAR: ("leerjaar", "vmbo-leerjaar"),
    E.LEERWEG: ("leerweg", "leerweg"),
    E.VMBO_DIPLOMA: ("vmbo_diploma_datum", "vmbo-diploma behaald op"),
    E.CREBO: ("kwalificatie", "mbo-kwalificatie (crebo)"),
    E.NIVEAU: ("kwalificatie", "niveau van de kwalificatie"),
    E.LEERVORM: ("leervorm", "leervorm"),
}

BRIN_RE = re.compile(r"^[0-9]{2}[A-Z]{2}$")
VESTIGING_RE = re.compile(r"^[0-9]{2}[A-Z]{2}[0-9]{2}$")
SLEUTEL_RE = re.compile(r"^\S{1,20}$")
CREBO_RE = re.compile(r"^[0-9]{5}$")
REDENEN_EINDE = frozenset({"diploma", "vo_afgerond", "glr_mbo_fase", "overstap"})
CORRECTIE = "correctie"  # RedenEinde.CORRECTIE: delivered as an <intrekking>
LEERJAAR_MAX = 8


@functools.cache
def schema_levering() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_LEVERING)))


@functools.cache
def schema_terugkoppeling() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_TERUGKOPPELING)))


class FormaatFout(ValueError):
    """A file does not follow its XSD. The message names element and line, never a value (values
    can be BSNs)."""


# ------------------------------------------------------------------------------------------ records


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """The data of one <inschrijving>, as the strings that go into the file.

    The field order is the element order; ``hash`` is computed over exactly these values, so a
    record's hash changes if and only if what would be delivered changes.
    """

    sleutel: str
    sector: str
    bsn: str | None
    onderwijsnummer: str | None
    achternaam: str
    tussenvoegsel: str | None
    voorletters: str | None
    geboortedatum: str | None
    vestiging: str | None
    opleidingskenmerk: str
    fase: str
    partner_brin: str | None
    startdatum: str | None
    geplande_einddatum: str | None
    einddatum: str | None
    reden_einde: str | None
    leerjaar: str | None
    leerweg: str | None
    vmbo_diploma_datum: str | None
    crebo: str | None
    niveau: str | None
    leervorm: str | None

    @property
    def hash(self) -> str:
        parts = ("" if v is None else v for v in map(self.__getattribute__, _RECORD_VELDEN))
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


_RECORD_VELDEN = tuple(f.name for f in dataclasses.fields(Record))


def _d(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _s(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def vmbo_leerjaar_op(
    leerjaar_bij_start: int | None,
    startdatum: datetime.date | None,
    einddatum: datetime.date | None,
    peildatum: datetime.date,
) -> int | None:
    """The vmbo leerjaar on the peildatum (R-INS-1: the leerjaar is recorded on the start date;
    each 1 August adds one). Before the start: the leerjaar at the start; after the end: the
    leerjaar on the end date."""
    from registratie.fase import schooljaar

    if leerjaar_bij_start is None or startdatum is None:
        return leerjaar_bij_start
    datum = max(startdatum, min(peildatum, einddatum) if einddatum else peildatum)
    return leerjaar_bij_start + schooljaar(datum) - schooljaar(startdatum)


def record_maken(
    *,
    sleutel: str,
    sector: str,
    bsn: str | None,
    onderwijsnummer: str | None,
    achternaam: str,
    tussenvoegsel: str,
    voorletters: str,
    geboortedatum: datetime.date | None,
    vestiging: str | None,
    opleidingskenmerk: str,
    fase: str,
    partner_brin: str | None,
    startdatum: datetime.date | None,
    geplande_einddatum: datetime.date | None,
    einddatum: datetime.date | None,
    reden_einde: str,
    leerjaar: int | None,
    leerweg: str,
    vmbo_diploma_datum: datetime.date | None,
    crebo: str | None,
    niveau: int | None,
    leervorm: str,
    peildatum: datetime.date,
) -> Record:
    """One inschrijving's data as it goes into the file on ``peildatum``."""
    is_vo = sector == "vo"
    return Record(
        sleutel=sleutel or "",
        sector=sector,
        bsn=_s(bsn),
        onderwijsnummer=_s(onderwijsnummer),
        achternaam=(achternaam or "").strip(),
        tussenvoegsel=_s(tussenvoegsel),
        voorletters=_s(voorletters),
        geboortedatum=_d(geboortedatum),
        vestiging=_s(vestiging),
        opleidingskenmerk=opleidingskenmerk or "",
        fase=fase or "",
        partner_brin=_s(partner_brin),
        startdatum=_d(startdatum),
        geplande_einddatum=_d(geplande_einddatum),
        einddatum=_d(einddatum),
        reden_einde=_s(reden_einde) if einddatum else None,
        leerjaar=_s(vmbo_leerjaar_op(leerjaar, startdatum, einddatum, peildatum)) if is_vo else None,
        leerweg=_s(leerweg) if is_vo else None,
        vmbo_diploma_datum=_d(vmbo_diploma_datum) if is_vo else None,
        crebo=_s(crebo) if not is_vo else None,
        niveau=_s(niveau) if not is_vo else None,
        leervorm=_s(leervorm) if not is_vo else None,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Fout:
    """Why a record cannot be delivered: the element, the rule id (or "ROD") and a Dutch text
    that names the field but never its value."""

    element: str
    regel: str
    melding: str

    @property
    def veld(self) -> str:
        return VELDEN.get(self.element, (self.element, self.element))[0]

    @property
    def label(self) -> str:
        return VELDEN.get(self.element, (self.element, self.element))[1]


def controleren(r: Record) -> list[Fout]:
    """The checks that decide whether a record can be delivered (the XSD's constraints, in Dutch
    and per field; the XSD itself checks each record again after this)."""
    regel = "R-INS-2" if r.sector == "vo" else "R-INS-3"
    fouten: list[Fout] = []

    def fout(element: str, melding: str, regel_id: str = "ROD") -> None:
        fouten.append(Fout(element, regel_id, melding))

    if not SLEUTEL_RE.match(r.sleutel):
        fout(E.SLEUTEL, _("1 tot 20 tekens zonder spaties"))
    if r.bsn and r.onderwijsnummer:
        fout(E.BSN, _("een leerling heeft een BSN of een onderwijsnummer, niet beide"))
    elif r.bsn:
        if not stdnum_bsn.is_valid(r.bsn):
            fout(E.BSN, _("ongeldig BSN (9 cijfers die de elfproef doorstaan)"))
    elif r.onderwijsnummer:
        if not stdnum_onderwijsnummer.is_valid(r.onderwijsnummer):
            fout(E.ONDERWIJSNUMMER, _("ongeldig onderwijsnummer (begint met 10, elfproef met rest 5)"))
    else:
        fout(E.BSN, _("ontbreekt: vul het BSN in, of het onderwijsnummer als er geen BSN is"))
    if not r.achternaam:
        fout(E.ACHTERNAAM, _("ontbreekt"))
    elif len(r.achternaam) > 200:
        fout(E.ACHTERNAAM, _("langer dan 200 tekens"))
    if r.tussenvoegsel and len(r.tussenvoegsel) > 20:
        fout(E.TUSSENVOEGSEL, _("langer dan 20 tekens"))
    if r.voorletters and len(r.voorletters) > 20:
        fout(E.VOORLETTERS, _("langer dan 20 tekens"))
    if not r.geboortedatum:
        fout(E.GEBOORTEDATUM, _("ontbreekt"))
    if not r.vestiging:
        fout(
            E.VESTIGING,
            _(
                "ontbreekt: leg de vestiging vast op de inschrijving of op de leerroute "
                "(ROD vraagt BRIN en vestiging)"
            ),
        )
    elif not VESTIGING_RE.match(r.vestiging):
        fout(E.VESTIGING, _("geen geldige vestigingscode (BRIN plus twee cijfers)"))
    if r.opleidingskenmerk not in ("DLR", "GLR"):
        fout(E.OPLEIDINGSKENMERK, _("DLR of GLR ontbreekt"), regel)
    if r.fase not in ("vo", "mbo"):
        fout(E.FASE, _("vo of mbo ontbreekt"), regel)
    if not r.partner_brin or not BRIN_RE.match(r.partner_brin):
        fout(E.PARTNER, _("de BRIN van de partnerschool ontbreekt of is ongeldig"))
    if not r.startdatum:
        fout(E.STARTDATUM, _("ontbreekt"))
    if r.einddatum:
        if r.startdatum and r.einddatum < r.startdatum:
            fout(E.EINDDATUM, _("ligt vóór de startdatum"))
        if not r.reden_einde:
            fout(E.REDEN_EINDE, _("een beëindigde inschrijving heeft een reden van einde"))
        elif r.reden_einde not in REDENEN_EINDE:
            fout(E.REDEN_EINDE, _("onbekende reden van einde"))
    if r.sector == "vo":
        if r.leerjaar is None:
            fout(E.LEERJAAR, _("ontbreekt (3 of hoger)"), "R-INS-2")
        elif not 3 <= int(r.leerjaar) <= LEERJAAR_MAX:
            fout(
                E.LEERJAAR,
                _("het leerjaar op de peildatum ligt buiten 3 tot en met %(max)s") % {"max": LEERJAAR_MAX},
                "R-INS-1",
            )
        if r.leerweg not in ("BB", "KB", "GL", "TL"):
            fout(E.LEERWEG, _("ontbreekt (BB, KB, GL of TL)"), "R-INS-2")
    elif r.sector == "mbo":
        if not r.crebo:
            fout(E.CREBO, _("ontbreekt"), "R-INS-3")
        elif not CREBO_RE.match(r.crebo):
            fout(E.CREBO, _("geen geldige crebo-code (vijf cijfers)"), "R-INS-3")
        if r.niveau not in ("2", "3", "4"):
            fout(E.NIVEAU, _("een leerroute leidt tot niveau 2, 3 of 4"), "R-LR-2")
        if r.leervorm not in ("BOL", "BBL"):
            fout(E.LEERVORM, _("ontbreekt (BOL of BBL)"), "R-INS-3")
    else:
        fout(E.SLEUTEL, _("onbekende kant (vo of mbo)"))
    return fouten


def _sub(parent, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, name).text = text


def element_maken(r: Record, mutatie: str) -> etree._Element:
    """The <inschrijving> element. Raises ValueError (lxml) on text that XML cannot carry."""
    el = etree.Element(E.INSCHRIJVING, {E.MUTATIE: mutatie})
    _sub(el, E.SLEUTEL, r.sleutel)
    p = etree.SubElement(el, E.PERSOON)
    _sub(p, E.BSN, r.bsn)
    _sub(p, E.ONDERWIJSNUMMER, None if r.bsn else r.onderwijsnummer)
    _sub(p, E.ACHTERNAAM, r.achternaam)
    _sub(p, E.TUSSENVOEGSEL, r.tussenvoegsel)
    _sub(p, E.VOORLETTERS, r.voorletters)
    _sub(p, E.GEBOORTEDATUM, r.geboortedatum)
    _sub(el, E.VESTIGING, r.vestiging)
    _sub(el, E.OPLEIDINGSKENMERK, r.opleidingskenmerk)
    _sub(el, E.FASE, r.fase)
    _sub(el, E.PARTNER, r.partner_brin)
    _sub(el, E.STARTDATUM, r.startdatum)
    _sub(el, E.GEPLANDE_EINDDATUM, r.geplande_einddatum)
    _sub(el, E.EINDDATUM, r.einddatum)
    _sub(el, E.REDEN_EINDE, r.reden_einde)
    if r.sector == "vo":
        vo = etree.SubElement(el, E.VO)
        _sub(vo, E.LEERJAAR, r.leerjaar)
        _sub(vo, E.LEERWEG, r.leerweg)
        _sub(vo, E.VMBO_DIPLOMA, r.vmbo_diploma_datum)
    else:
        mbo = etree.SubElement(el, E.MBO)
        _sub(mbo, E.CREBO, r.crebo)
        _sub(mbo, E.NIVEAU, r.niveau)
        _sub(mbo, E.LEERVORM, r.leervorm)
    return el


def intrekking_maken(sleutel: str) -> etree._Element:
    el = etree.Element(E.INTREKKING)
    _sub(el, E.SLEUTEL, sleutel)
    return el


_ELEMENT_IN_MELDING = re.compile(r"Element '([^']+)'")


def xsd_fouten(el: etree._Element) -> list[Fout]:
    """The XSD's verdict on one record element, as field-naming errors without values."""
    schema = schema_levering()
    if schema.validate(el):
        return []
    fouten = []
    for e in schema.error_log:
        naam = (e.path or "").rsplit("/", 1)[-1].split("[", 1)[0]
        m = _ELEMENT_IN_MELDING.search(e.message or "")
        naam = m.group(1) if m else naam or E.INSCHRIJVING
        fouten.append(Fout(naam, "ROD", _("voldoet niet aan het leveringsformaat (XSD)")))
    return fouten


def record_element(r: Record, mutatie: str) -> tuple[etree._Element | None, list[Fout]]:
    """Check and build one record: the element when it can be delivered, else the errors."""
    fouten = controleren(r)
    if fouten:
        return None, fouten
    try:
        el = element_maken(r, mutatie)
    except ValueError:
        # A character that XML cannot carry; find the field by trying each value on its own.
        return None, [_onbruikbaar_teken(r)]
    fouten = xsd_fouten(el)
    return (None, fouten) if fouten else (el, [])


def _onbruikbaar_teken(r: Record) -> Fout:
    el = etree.Element("x")
    element_per_veld = {
        "sleutel": E.SLEUTEL,
        "achternaam": E.ACHTERNAAM,
        "tussenvoegsel": E.TUSSENVOEGSEL,
        "voorletters": E.VOORLETTERS,
        "vestiging": E.VESTIGING,
    }
    for veld, element in element_per_veld.items():
        try:
            el.text = getattr(r, veld) or ""
        except ValueError:
            return Fout(element, "ROD", _("bevat een teken dat niet in XML past"))
    return Fout(E.INSCHRIJVING, "ROD", _("bevat een teken dat niet in XML past"))


# ------------------------------------------------------------------------------------------ writer


@dataclasses.dataclass(frozen=True, slots=True)
class Kop:
    brin: str
    volgnummer: int
    peildatum: datetime.date
    soort: str


class LeveringSchrijver:
    """Writes one delivery file incrementally (lxml's etree.xmlfile): nothing but the current
    record is held in memory. Use as a context manager; ``aantal`` counts the records written.

        with LeveringSchrijver(fh, kop) as w:
            w.inschrijving(element)   # from record_element()
            w.intrekking(sleutel)
    """

    def __init__(self, fh: BinaryIO, kop: Kop):
        self.fh = fh
        self.kop = kop
        self.aantal = 0
        self._xf = None
        self._root = None

    def __enter__(self):
        self._xf_cm = etree.xmlfile(self.fh, encoding="UTF-8")
        self._xf = self._xf_cm.__enter__()
        self._xf.write_declaration()
        self._root = self._xf.element(E.LEVERING, {E.FORMAATVERSIE: FORMAATVERSIE})
        self._root.__enter__()
        self._xf.write("\n")
        kop = etree.Element(E.KOP)
        _sub(kop, E.BRIN, self.kop.brin)
        _sub(kop, E.VOLGNUMMER, str(self.kop.volgnummer))
        _sub(kop, E.PEILDATUM, self.kop.peildatum.isoformat())
        _sub(kop, E.SOORT, self.kop.soort)
        self._schrijf(kop)
        return self

    def _schrijf(self, el) -> None:
        self._xf.write(el)
        self._xf.write("\n")

    def inschrijving(self, el: etree._Element) -> None:
        self._schrijf(el)
        self.aantal += 1

    def intrekking(self, sleutel: str) -> None:
        self._schrijf(intrekking_maken(sleutel))
        self.aantal += 1

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            slot = etree.Element(E.SLOT)
            _sub(slot, E.AANTAL, str(self.aantal))
            self._schrijf(slot)
        self._root.__exit__(exc_type, exc, tb)
        return self._xf_cm.__exit__(exc_type, exc, tb)
