"""The ROD message format, version 2: one message per enrolment with its periods, a separate
deletion message, and the batch file of the file transport.

Everything that knows what a message looks like is in this module, its reading side
(bericht_lezen: the XSD check and reading a message back) and the XSD beside them
(leerroute-rod-bericht-v2.xsd, described element by element in FORMAT.md), so that DUO's own
schema can replace ours later without touching the queue or the transports.

Periods: a new period begins at the start, at each fase change (Fasewissel), at each 1 August
for vo (the vmbo leerjaar goes up) and, when the previous message of the enrolment is given
(``vorige``), at the date a vestiging, crebo, niveau, leertraject or leerweg changed: before that
date the period keeps what was delivered. A correction (``correctie``) rewrites the whole history
with the current values instead.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import uuid
from pathlib import Path

from registratie.fase import schooljaar, schooljaar_start

FORMAATVERSIE = "2"
NS = "https://leerroute.nl/rod/bericht/v2"
XSD = Path(__file__).resolve().parent / "leerroute-rod-bericht-v2.xsd"
ONTVANGER = "DUO"
# DUO documents DLP for a doorlopende leerroute; a GLR has no public code: we chose GLP (FORMAT.md).
LEERROUTE_CODE = {"DLR": "DLP", "GLR": "GLP"}
OPLEIDINGSKENMERK = {v: k for k, v in LEERROUTE_CODE.items()}
MAX_PERIODEN = 100
CORRECTIE = "correctie"  # RedenEinde.CORRECTIE: the enrolment was a mistake; a deletion message

_SCHEMA_OPTS = {"remove_blank_text": True, "resolve_entities": False, "no_network": True}


def _q(naam: str) -> str:
    return f"{{{NS}}}{naam}"


@dataclasses.dataclass(slots=True)
class Periode:
    begin: datetime.date
    einde: datetime.date | None
    vestiging: str
    leerroute: str  # DLP / GLP
    leerroutefase: str  # VO / MBO
    indicatie_bekostigbaar: bool = True
    leerjaar: int | None = None  # vo
    leerweg: str | None = None  # vo
    crebo: str | None = None  # mbo (opleidingcode)
    niveau: int | None = None  # mbo
    leervorm: str | None = None  # mbo (leertraject BOL/BBL)

    def inhoud(self) -> tuple:
        """Everything but the dates: two periods with the same content are one."""
        return (
            self.vestiging,
            self.leerroute,
            self.leerroutefase,
            self.indicatie_bekostigbaar,
            self.leerjaar,
            self.leerweg,
            self.crebo,
            self.niveau,
            self.leervorm,
        )


@dataclasses.dataclass
class InschrijvingBericht:
    document_id: uuid.UUID
    verzender: str
    ontvanger: str
    tijd: datetime.datetime
    nummer: str
    brin: str
    volgnummer: str
    datum_inschrijving: datetime.date
    geplande_einddatum: datetime.date | None
    datum_uitschrijving: datetime.date | None
    reden_uitschrijving: str | None
    sector: str  # VO / MBO
    perioden: list[Periode]
    correctie: str | None = None
    nummersoort: str = "bsn"  # or "onderwijsnummer"


@dataclasses.dataclass
class VerwijderBericht:
    document_id: uuid.UUID
    verzender: str
    ontvanger: str
    tijd: datetime.datetime
    nummer: str
    brin: str
    volgnummer: str
    nummersoort: str = "bsn"


# ------------------------------------------------------------------------------------ from our data


@dataclasses.dataclass
class Bron:
    """What a message is built from: one enrolment's fields, plain values (from a model instance
    via bron_van, or from a streamed row in the sending job)."""

    brin: str
    sleutel: str
    sector: str  # vo / mbo
    bsn: str | None
    onderwijsnummer: str | None
    opleidingskenmerk: str
    fase: str
    startdatum: datetime.date
    geplande_einddatum: datetime.date | None
    einddatum: datetime.date | None
    reden_einde: str
    vestiging: str | None
    leerjaar: int | None = None
    leerweg: str | None = None
    crebo: str | None = None
    niveau: int | None = None
    leervorm: str | None = None
    wissels: list = dataclasses.field(default_factory=list)  # [(ingangsdatum, van_fase, naar_fase)]


def bron_van(inschrijving) -> Bron:
    """The Bron of a model instance (a few queries; the sending job streams rows instead)."""
    ins = inschrijving
    route = ins.leerroute
    route_vestiging = route.vo_vestiging if ins.sector == "vo" else route.mbo_vestiging
    vestiging = ins.vestiging or route_vestiging
    kwal = ins.kwalificatie
    return Bron(
        brin=ins.instelling.brin,
        sleutel=ins.inschrijvingsvolgnummer,
        sector=ins.sector,
        bsn=ins.leerling.bsn,
        onderwijsnummer=ins.leerling.onderwijsnummer,
        opleidingskenmerk=ins.opleidingskenmerk,
        fase=ins.fase,
        startdatum=ins.startdatum,
        geplande_einddatum=ins.geplande_einddatum,
        einddatum=ins.einddatum,
        reden_einde=ins.reden_einde,
        vestiging=vestiging.code if vestiging else None,
        leerjaar=ins.leerjaar,
        leerweg=ins.leerweg or None,
        crebo=kwal.crebo if kwal else None,
        niveau=kwal.niveau if kwal else None,
        leervorm=ins.leervorm or None,
        # .all(): a caller that prefetched the fasewissels pays no query per enrolment
        wissels=[
            (w.ingangsdatum, w.van_fase, w.naar_fase)
            for w in sorted(ins.fasewissels.all(), key=lambda w: (w.ingangsdatum, w.id))
        ],
    )


def bericht_van(
    inschrijving,
    *,
    document_id: uuid.UUID,
    correctie: str | None = None,
    tijd: datetime.datetime | None = None,
    vorige: InschrijvingBericht | None = None,
    per: datetime.date | None = None,
) -> InschrijvingBericht:
    """The message for a model instance (see bericht_uit)."""
    return bericht_uit(
        bron_van(inschrijving),
        document_id=document_id,
        correctie=correctie,
        tijd=tijd,
        vorige=vorige,
        per=per,
    )


def _nummer(bron) -> tuple[str, str]:
    return (bron.bsn, "bsn") if bron.bsn else (bron.onderwijsnummer or "", "onderwijsnummer")


def bericht_uit(
    bron: Bron,
    *,
    document_id: uuid.UUID,
    correctie: str | None = None,
    tijd: datetime.datetime | None = None,
    vorige: InschrijvingBericht | None = None,
    per: datetime.date | None = None,
) -> InschrijvingBericht:
    """The whole current state of one enrolment. ``vorige`` (the last message sent) and ``per``
    (the date of the change): before ``per`` the periods keep what was delivered."""
    tijd = tijd or datetime.datetime.now(datetime.UTC)
    nummer, soort = _nummer(bron)
    eind = bron.einddatum if bron.reden_einde != CORRECTIE else None
    return InschrijvingBericht(
        document_id=document_id,
        verzender=bron.brin,
        ontvanger=ONTVANGER,
        tijd=tijd,
        nummer=nummer,
        nummersoort=soort,
        brin=bron.brin,
        volgnummer=bron.sleutel,
        datum_inschrijving=bron.startdatum,
        geplande_einddatum=bron.geplande_einddatum,
        datum_uitschrijving=eind,
        reden_uitschrijving=bron.reden_einde if eind else None,
        sector=bron.sector.upper(),
        perioden=perioden(bron, tot=_lokale_datum(tijd), vorige=None if correctie else vorige, per=per),
        correctie=correctie or None,
    )


def _lokale_datum(tijd: datetime.datetime) -> datetime.date:
    """The school's date of ``tijd`` (the periods run in local dates, like every date we hold;
    the header's time is UTC)."""
    from django.utils import timezone

    return timezone.localdate(tijd)


def verwijderbericht_uit(
    bron: Bron, *, document_id: uuid.UUID, tijd: datetime.datetime | None = None
) -> VerwijderBericht:
    nummer, soort = _nummer(bron)
    return VerwijderBericht(
        document_id=document_id,
        verzender=bron.brin,
        ontvanger=ONTVANGER,
        tijd=tijd or datetime.datetime.now(datetime.UTC),
        nummer=nummer,
        nummersoort=soort,
        brin=bron.brin,
        volgnummer=bron.sleutel,
    )


# ------------------------------------------------------------------------------------------ periods


def _fase_op(bron: Bron, datum: datetime.date) -> str:
    wissels = sorted(bron.wissels)
    fase = wissels[0][1] if wissels else bron.fase
    for ingang, _van, naar in wissels:
        if ingang <= datum:
            fase = naar
    return fase


def _leerjaar_op(bron: Bron, datum: datetime.date) -> int | None:
    if bron.leerjaar is None:
        return None
    return bron.leerjaar + schooljaar(datum) - schooljaar(bron.startdatum)


def _grenzen(bron: Bron, tot: datetime.date, vorige: list[Periode], per: datetime.date | None) -> list:
    eind = min(bron.einddatum, tot) if bron.einddatum else tot
    grenzen = {bron.startdatum}
    if bron.sector == "vo":  # the leerjaar goes up every 1 August
        grenzen |= {schooljaar_start(j) for j in range(schooljaar(bron.startdatum) + 1, schooljaar(eind) + 1)}
    grenzen |= {ingang for ingang, _v, _n in bron.wissels}
    if per is not None and vorige:
        grenzen |= {p.begin for p in vorige if p.begin < per} | {per}
    return sorted(g for g in grenzen if bron.startdatum <= g <= max(eind, bron.startdatum))


def _geleverd_op(vorige: list[Periode], datum: datetime.date) -> Periode | None:
    for p in reversed(vorige):
        if p.begin <= datum:
            return p
    return None


def perioden(
    bron: Bron,
    *,
    tot: datetime.date,
    vorige: InschrijvingBericht | None = None,
    per: datetime.date | None = None,
) -> list[Periode]:
    """The enrolment's periods from its start up to ``tot`` (the send date) or its end."""
    oud = vorige.perioden if vorige is not None else []
    grenzen = _grenzen(bron, tot, oud, per)
    rijen: list[Periode] = []
    for i, begin in enumerate(grenzen):
        einde = grenzen[i + 1] - datetime.timedelta(days=1) if i + 1 < len(grenzen) else bron.einddatum
        p = Periode(
            begin=begin,
            einde=einde,
            vestiging=bron.vestiging or "",
            leerroute=LEERROUTE_CODE.get(bron.opleidingskenmerk, bron.opleidingskenmerk),
            leerroutefase=_fase_op(bron, begin).upper(),
            leerjaar=_leerjaar_op(bron, begin) if bron.sector == "vo" else None,
            leerweg=bron.leerweg if bron.sector == "vo" else None,
            crebo=bron.crebo if bron.sector == "mbo" else None,
            niveau=bron.niveau if bron.sector == "mbo" else None,
            leervorm=bron.leervorm if bron.sector == "mbo" else None,
        )
        geleverd = _geleverd_op(oud, begin) if per is not None and begin < per else None
        if geleverd is not None:  # what was delivered for this date stays, fase and leerjaar aside
            p.vestiging, p.leerweg = geleverd.vestiging, geleverd.leerweg
            p.crebo, p.niveau, p.leervorm = geleverd.crebo, geleverd.niveau, geleverd.leervorm
        if rijen and rijen[-1].inhoud() == p.inhoud():
            rijen[-1].einde = p.einde
        else:
            rijen.append(p)
    return rijen[-MAX_PERIODEN:]


# ------------------------------------------------------------------------------------------ XML


# The XML is written as text: a message is small and flat, and lxml's tree building cost ten
# times more per message than the message itself at a first full delivery (500,000 messages).
# Every value is escaped; free text (correctie) loses the control characters XML cannot carry.
_ONGELDIG = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(tekst) -> str:
    t = str(tekst)
    if "&" in t or "<" in t or ">" in t:
        t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return t


def _el(naam: str, tekst) -> str:
    """One element, or nothing for an empty value."""
    if tekst is None or tekst == "":
        return ""
    return f"<{naam}>{_esc(tekst)}</{naam}>"


def _d(waarde: datetime.date | None) -> str | None:
    return waarde.isoformat() if waarde else None


@functools.lru_cache(maxsize=8)
def _tijd(t: datetime.datetime) -> str:
    # Cached: every message of a sending run has the run's time.
    return t.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _kop(b) -> str:
    return (
        f"<kop>{_el('documentId', str(b.document_id))}{_el('verzender', b.verzender)}"
        f"{_el('ontvanger', b.ontvanger)}{_el('tijd', _tijd(b.tijd))}</kop>"
    )


def _leerling(b) -> str:
    naam = "burgerservicenummer" if b.nummersoort == "bsn" else "onderwijsnummer"
    return f"<leerling>{_el(naam, b.nummer)}</leerling>"


def _periode(p: Periode) -> str:
    if p.crebo is None and p.niveau is None and p.leervorm is None:
        opleiding = _el("leerjaar", p.leerjaar) + _el("leerweg", p.leerweg)
    else:
        opleiding = _el("opleidingcode", p.crebo) + _el("niveau", p.niveau) + _el("leertraject", p.leervorm)
    return (
        f"<inschrijvingPeriode>{_el('datumBegin', _d(p.begin))}{_el('datumEinde', _d(p.einde))}"
        f"{_el('vestiging', p.vestiging)}{_el('leerroute', p.leerroute)}"
        f"{_el('leerroutefase', p.leerroutefase)}"
        f"<indicatieBekostigbaar>{'J' if p.indicatie_bekostigbaar else 'N'}</indicatieBekostigbaar>"
        f"{opleiding}</inschrijvingPeriode>"
    )


def naar_tekst(bericht: InschrijvingBericht | VerwijderBericht) -> str:
    """The message element as text, without XML declaration (the file batch joins these)."""
    inschrijving = isinstance(bericht, InschrijvingBericht)
    wortel = "inschrijvingBericht" if inschrijving else "verwijderBericht"
    delen = [f'<{wortel} xmlns="{NS}" formaatversie="{FORMAATVERSIE}">', _kop(bericht)]
    if inschrijving and bericht.correctie:
        delen.append(_el("correctie", _ONGELDIG.sub("", bericht.correctie)))
    delen.append(_leerling(bericht))
    delen.append(_el("brin", bericht.brin) + _el("inschrijvingvolgnummer", bericht.volgnummer))
    if inschrijving:
        delen.append(
            _el("sector", bericht.sector)
            + _el("datumInschrijving", _d(bericht.datum_inschrijving))
            + _el("geplandeDatumUitschrijving", _d(bericht.geplande_einddatum))
            + _el("datumUitschrijving", _d(bericht.datum_uitschrijving))
            + _el("redenUitschrijving", bericht.reden_uitschrijving)
        )
        delen.extend(_periode(p) for p in bericht.perioden)
    delen.append(f"</{wortel}>")
    return "".join(delen)


def naar_xml(bericht: InschrijvingBericht | VerwijderBericht) -> bytes:
    return b"<?xml version='1.0' encoding='UTF-8'?>\n" + naar_tekst(bericht).encode("utf-8")


# --------------------------------------------------------------------------------------- checks

_BRIN = re.compile(r"^[0-9]{2}[A-Z]{2}$")
_VESTIGING = re.compile(r"^[0-9]{2}[A-Z]{2}[0-9]{2}$")
_SLEUTEL = re.compile(r"^\S{1,20}$")
_CREBO = re.compile(r"^[0-9]{5}$")
REDENEN = frozenset({"diploma", "vo_afgerond", "glr_mbo_fase", "overstap"})


def _nummer_geldig(nummer: str, soort: str) -> bool:
    """The elfproef: BSN remainder 0, onderwijsnummer (starting 10) remainder 5 (stdnum.nl's
    rules, inline: this runs for every message)."""
    if len(nummer) != 9 or not nummer.isdigit():
        return False
    som = sum(int(c) * w for c, w in zip(nummer, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11
    return som == 0 if soort == "bsn" else (som == 5 and nummer.startswith("10"))


def controleren(b: InschrijvingBericht | VerwijderBericht) -> list[str]:
    """What the XSD checks (and the elfproef DUO applies), per element in Dutch, never a value: a
    message that fails is not sent. Cheap enough for every message of a first full delivery."""
    fouten = []
    if not _nummer_geldig(b.nummer or "", b.nummersoort):
        veld = "burgerservicenummer" if b.nummersoort == "bsn" else "onderwijsnummer"
        fouten.append(f"{veld}: ontbreekt of is ongeldig (9 cijfers, elfproef)")
    if not _BRIN.match(b.brin or ""):
        fouten.append("brin: ongeldig")
    if not _SLEUTEL.match(b.volgnummer or ""):
        fouten.append("inschrijvingvolgnummer: 1 tot 20 tekens zonder spaties")
    if isinstance(b, VerwijderBericht):
        return fouten
    if b.datum_uitschrijving and b.reden_uitschrijving not in REDENEN:
        fouten.append("redenUitschrijving: ontbreekt of onbekend")
    if not 1 <= len(b.perioden) <= MAX_PERIODEN:
        fouten.append("inschrijvingPeriode: 1 tot 100 perioden")
    for p in b.perioden:
        fouten += _periode_fouten(p, b.sector)
    return sorted(set(fouten))


def _periode_fouten(p: Periode, sector: str) -> list[str]:
    fouten = []
    if not _VESTIGING.match(p.vestiging or ""):
        fouten.append("vestiging: ontbreekt of ongeldig (BRIN plus twee cijfers)")
    if p.leerroute not in OPLEIDINGSKENMERK:
        fouten.append("leerroute: DLR of GLR ontbreekt")
    if p.leerroutefase not in ("VO", "MBO"):
        fouten.append("leerroutefase: vo of mbo ontbreekt")
    if sector == "VO":
        if p.leerjaar is None or not 3 <= p.leerjaar <= 8:
            fouten.append("leerjaar: ontbreekt of buiten 3 tot en met 8")
        if p.leerweg not in ("BB", "KB", "GL", "TL"):
            fouten.append("leerweg: ontbreekt (BB, KB, GL of TL)")
    else:
        if not _CREBO.match(p.crebo or ""):
            fouten.append("opleidingcode: ontbreekt of geen crebo (vijf cijfers)")
        if p.niveau not in (2, 3, 4):
            fouten.append("niveau: 2, 3 of 4")
        if p.leervorm not in ("BOL", "BBL"):
            fouten.append("leertraject: BOL of BBL ontbreekt")
    return fouten


def batch_kop(brin: str, aangemaakt: datetime.datetime) -> str:
    """The opening of a batch file up to its first message (the file transport)."""
    return (
        f'<berichtenBatch xmlns="{NS}" formaatversie="{FORMAATVERSIE}"><brin>{_esc(brin)}</brin>'
        f"<aangemaakt>{_tijd(aangemaakt)}</aangemaakt>"
    )
