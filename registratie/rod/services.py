"""ROD delivery: the nightly export per instelling and the import of ROD's response.

Export (``rod_exporteren`` / ``levering_maken``), per instelling, in one transaction:

1. the inschrijvingen and the delivery state (RodStand) are streamed, both sorted by key, and
   merged: a key without state is new, a changed hash is a change (or an end), a key whose
   enrolment is gone or corrected is withdrawn; unchanged keys cost nothing;
2. each record is checked (format.controleren, then the XSD); one that cannot go out is held
   back with a signal naming the field, the rest is written incrementally to a temporary file,
   and the state changes go to a second temporary file, so memory stays flat;
3. the whole file is validated against the XSD; then the RodLevering row is created (the unique
   constraints on (instelling, volgnummer) and (instelling, peildatum) refuse a concurrent run),
   the state changes and signals are applied in batches, and the file is stored with Django's
   storage API. Only then does the transaction commit. Anything failing on the way rolls all of
   it back (and removes a file already stored): no delivery is recorded and every mutation goes
   out with the next run.

One delivery per instelling per peildatum: a second run for the same date returns the stored
file (the same bytes). ``proef=True`` builds the file without recording anything.

BSNs go into the file (ROD needs them) but never into a log line, a signal or printed output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import logging
import pickle
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import locks
from registratie.fase import schooljaar
from registratie.models import (
    RodLevering,
    RodLeveringSoort,
    RodLeveringStatus,
    RodMutatie,
    RodStand,
    RodTerugkoppeling,
    RodTerugkoppelingStatus,
    Signaal,
    SignaalStatus,
)
from registratie.rod import format, opslag, selectors
from samenwerking import audit
from samenwerking.models import AuditActie, Instelling, Kanaal

logger = logging.getLogger(__name__)

BRON = "rod"
LOCK = "rod_export"
BATCH = 2000
SIGNAAL_OPEN = (SignaalStatus.OPEN, SignaalStatus.OVERGEDRAGEN)
INGETROKKEN_HASH = "-"  # RodStand.hash of a withdrawn key
DEZE_LEVERING = -1  # placeholder for the delivery's id until its row exists


def signaal_sleutel_vastgehouden(brin: str, sleutel: str) -> str:
    return f"rod:{brin}:{sleutel}"


def signaal_sleutel_afgekeurd(brin: str, sleutel: str) -> str:
    return f"rod-afkeur:{brin}:{sleutel}"


@dataclasses.dataclass
class Resultaat:
    """What one export did for one instelling. No personal data: safe to print and log."""

    instelling: Instelling
    peildatum: datetime.date
    levering: RodLevering | None = None
    volgnummer: int | None = None
    soort: str = ""
    bestaand: bool = False  # a delivery for this peildatum existed: its file is returned
    proef: bool = False
    aantal_records: int = 0
    aantal_vastgehouden: int = 0
    per_mutatie: dict = dataclasses.field(default_factory=dict)
    sha256: str = ""
    pad: Path | None = None  # the copy in --out / uitvoer
    fout: str = ""

    def regel(self) -> str:
        brin = self.instelling.brin
        if self.fout:
            return _("%(brin)s: MISLUKT: %(fout)s") % {"brin": brin, "fout": self.fout}
        if self.volgnummer is None:
            return _("%(brin)s: geen mutaties; geen levering (%(vast)s vastgehouden)") % {
                "brin": brin,
                "vast": self.aantal_vastgehouden,
            }
        soort = _("bestaande levering") if self.bestaand else (_("proef") if self.proef else _("levering"))
        mutaties = ", ".join(f"{k} {v}" for k, v in sorted(self.per_mutatie.items()) if v)
        return _(
            "%(brin)s: %(soort)s %(nr)s (%(s)s, peildatum %(d)s): %(n)s records%(m)s, "
            "%(vast)s vastgehouden, sha256 %(sha)s"
        ) % {
            "brin": brin,
            "soort": soort,
            "nr": self.volgnummer,
            "s": self.soort,
            "d": self.peildatum.isoformat(),
            "n": self.aantal_records,
            "m": f" ({mutaties})" if mutaties else "",
            "vast": self.aantal_vastgehouden,
            "sha": self.sha256,
        }


# ------------------------------------------------------------------------------------------ export


def rod_exporteren(
    *,
    peildatum: datetime.date,
    brin: str | None = None,
    door=None,
    kanaal: str = Kanaal.JOB,
    uitvoer: Path | None = None,
    proef: bool = False,
    voortgang=None,
) -> list[Resultaat]:
    """The nightly delivery: one file per instelling with something for ROD (or only ``brin``).

    Takes the run lock (locks.AlBezig when another run holds it). One instelling failing does not
    stop the others; its Resultaat carries the error and nothing of it is recorded.
    """
    with locks.enkele_run(LOCK):
        instellingen = list(selectors.te_leveren_instellingen(brin))
        if brin and not instellingen:
            raise ValidationError(_("Er is geen instelling met BRIN %(brin)s.") % {"brin": brin})
        resultaten = []
        for instelling in instellingen:
            try:
                r = levering_maken(
                    instelling=instelling,
                    peildatum=peildatum,
                    door=door,
                    kanaal=kanaal,
                    uitvoer=uitvoer,
                    proef=proef,
                )
            except (ValidationError, format.FormaatFout) as exc:
                r = Resultaat(instelling=instelling, peildatum=peildatum, fout=" ".join(_berichten(exc)))
                logger.warning("rod_export %s: %s", instelling.brin, r.fout)
            except Exception as exc:
                r = Resultaat(instelling=instelling, peildatum=peildatum, fout=type(exc).__name__)
                logger.exception("rod_export %s mislukt; er is niets vastgelegd", instelling.brin)
            else:
                logger.info("rod_export %s", r.regel())
            resultaten.append(r)
            if voortgang is not None:  # the job's progress (registratie.jobs), between transactions
                voortgang(_("%(i)s van %(n)s instellingen") % {"i": len(resultaten), "n": len(instellingen)})
        return resultaten


def _berichten(exc) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def bestandsnaam(brin: str, volgnummer: int, peildatum: datetime.date) -> str:
    return f"{brin}-rod-{volgnummer:06d}-{peildatum:%Y%m%d}.xml"


def levering_maken(
    *,
    instelling: Instelling,
    peildatum: datetime.date,
    door=None,
    kanaal: str = Kanaal.JOB,
    uitvoer: Path | None = None,
    proef: bool = False,
) -> Resultaat:
    """Build, validate, store and record the delivery of one instelling for ``peildatum``."""
    resultaat = Resultaat(instelling=instelling, peildatum=peildatum, proef=proef)
    opgeslagen: list[str] = []
    storage = RodLevering._meta.get_field("bestand").storage
    with tempfile.TemporaryDirectory(prefix="rod-") as tmp:
        try:
            with transaction.atomic():
                # Serialises runs per instelling on PostgreSQL; the unique constraints on
                # RodLevering are the guard everywhere.
                list(Instelling.objects.select_for_update().filter(pk=instelling.pk).values_list("pk"))
                bestaand = RodLevering.objects.filter(instelling=instelling, peildatum=peildatum).first()
                if bestaand is not None:
                    return _bestaande(resultaat, bestaand, uitvoer)
                laatste = RodLevering.objects.filter(instelling=instelling).order_by("-volgnummer").first()
                if laatste is not None and laatste.peildatum > peildatum:
                    raise ValidationError(
                        _(
                            "%(brin)s heeft al een levering met een latere peildatum (%(d)s); een levering "
                            "kan niet terug in de tijd."
                        )
                        % {"brin": instelling.brin, "d": laatste.peildatum.isoformat()}
                    )
                kop = format.Kop(
                    brin=instelling.brin,
                    volgnummer=laatste.volgnummer + 1 if laatste else 1,
                    peildatum=peildatum,
                    soort=RodLeveringSoort.MUTATIES if laatste else RodLeveringSoort.VOLLEDIG,
                )
                naam = bestandsnaam(kop.brin, kop.volgnummer, peildatum)
                xml_pad, wijzigingen_pad = Path(tmp) / naam, Path(tmp) / "wijzigingen.pickle"
                telling = _bouwen(instelling, kop, xml_pad, wijzigingen_pad)
                resultaat.per_mutatie = telling.per_mutatie
                resultaat.aantal_vastgehouden = telling.vastgehouden
                if telling.records == 0:
                    if not proef:
                        _toepassen(wijzigingen_pad, instelling=instelling, levering=None)
                    return resultaat
                resultaat.volgnummer, resultaat.soort = kop.volgnummer, kop.soort
                resultaat.aantal_records, resultaat.sha256 = telling.records, telling.sha256
                format.levering_valideren(xml_pad)
                if proef:
                    resultaat.pad = _kopie(xml_pad, uitvoer, naam)
                    return resultaat

                levering = RodLevering.objects.create(
                    instelling=instelling,
                    volgnummer=kop.volgnummer,
                    peildatum=peildatum,
                    soort=kop.soort,
                    sha256=telling.sha256,
                    aantal_records=telling.records,
                    aantal_vastgehouden=telling.vastgehouden,
                    aangemaakt_door=door if getattr(door, "is_authenticated", False) else None,
                    kanaal=kanaal,
                )
                _toepassen(wijzigingen_pad, instelling=instelling, levering=levering)
                levering.bestand.name = opslag.opslaan(levering, naam, xml_pad)  # encrypted at rest
                opgeslagen.append(levering.bestand.name)
                levering.save(update_fields=["bestand"])
                audit.record(
                    levering,
                    actie=AuditActie.AANGEMAAKT,
                    door=door,
                    kanaal=kanaal,
                    nieuw={
                        "volgnummer": levering.volgnummer,
                        "peildatum": peildatum.isoformat(),
                        "soort": levering.soort,
                        "aantal_records": levering.aantal_records,
                        "aantal_vastgehouden": levering.aantal_vastgehouden,
                        "sha256": levering.sha256,
                        "bestand": levering.bestand.name,
                    },
                )
                resultaat.levering = levering
                resultaat.pad = _kopie(xml_pad, uitvoer, naam)
        except BaseException:
            for name in opgeslagen:  # the row is gone with the rollback: so is its file
                with contextlib.suppress(Exception):
                    storage.delete(name)
            raise
    return resultaat


def _bestaande(resultaat: Resultaat, levering: RodLevering, uitvoer: Path | None) -> Resultaat:
    resultaat.levering = levering
    resultaat.bestaand = True
    resultaat.volgnummer, resultaat.soort = levering.volgnummer, levering.soort
    resultaat.aantal_records, resultaat.sha256 = levering.aantal_records, levering.sha256
    resultaat.aantal_vastgehouden = levering.aantal_vastgehouden
    if uitvoer is not None:
        uitvoer.mkdir(parents=True, exist_ok=True)
        doel = uitvoer / levering.bestandsnaam
        opslag.kopieren(levering, doel)  # the plain XML, for sending
        resultaat.pad = doel
    return resultaat


def _kopie(pad: Path, uitvoer: Path | None, naam: str) -> Path | None:
    if uitvoer is None:
        return None
    uitvoer.mkdir(parents=True, exist_ok=True)
    doel = uitvoer / naam
    shutil.copyfile(pad, doel)
    return doel


class _HashendBestand:
    """A binary file that also computes the sha256 of everything written to it."""

    def __init__(self, fh):
        self.fh = fh
        self.sha = hashlib.sha256()

    def write(self, data) -> int:
        self.sha.update(data)
        return self.fh.write(data)


class _Stapels:
    """Pickled batches in a temporary file: the state changes of a run, however many."""

    def __init__(self, pad: Path):
        self.pad = pad
        self.fh = open(pad, "wb")  # noqa: SIM115 - closed in close()
        self.stapel: list = []

    def add(self, item) -> None:
        self.stapel.append(item)
        if len(self.stapel) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.stapel:
            pickle.dump(self.stapel, self.fh, protocol=pickle.HIGHEST_PROTOCOL)
            self.stapel = []

    def close(self) -> None:
        self.flush()
        self.fh.close()

    @staticmethod
    def lezen(pad: Path) -> Iterator[list]:
        if not pad.exists():
            return
        with open(pad, "rb") as fh:
            while True:
                try:
                    yield pickle.load(fh)  # our own temporary file
                except EOFError:
                    return


@dataclasses.dataclass
class _Telling:
    records: int = 0
    vastgehouden: int = 0
    sha256: str = ""
    per_mutatie: dict = dataclasses.field(default_factory=dict)


_FRIS = {
    "inschrijving_id": None,
    "sector": "",
    "hash": "",
    "bron_hash": "",
    "mutatie": "",
    "levering_id": None,
    "bij_rod": False,
    "einddatum_geleverd": False,
    "terugkoppeling": RodTerugkoppelingStatus.GEEN,
    "afkeurcode": "",
    "afkeurmelding": "",
    "vastgehouden": False,
    "signaal_id": None,
}
assert tuple(_FRIS) == selectors.STAND_VELDEN


def _samenvoegen(inschrijvingen: Iterable, standen: Iterable) -> Iterator[tuple]:
    """Merge the two key-sorted streams: (key, inschrijving or None, stand or None)."""
    a, b = iter(inschrijvingen), iter(standen)
    x, y = next(a, None), next(b, None)
    vorige = None
    while x is not None or y is not None:
        if y is None or (x is not None and x.sleutel < y.sleutel):
            sleutel, paar, x = x.sleutel, (x, None), next(a, None)
        elif x is None or y.sleutel < x.sleutel:
            sleutel, paar, y = y.sleutel, (None, y), next(b, None)
        else:
            sleutel, paar, x, y = x.sleutel, (x, y), next(a, None), next(b, None)
        if vorige is not None and sleutel <= vorige:  # the database sorted otherwise: never merge wrongly
            raise RuntimeError("ROD-export: sleutels niet oplopend gesorteerd")
        vorige = sleutel
        yield sleutel, *paar


def _vestiging(ins, enige_vestiging: str | None) -> str | None:
    """The inschrijving's vestiging; else the route's vestiging for this side; else the
    instelling's only vestiging."""
    route = ins.vo_vestiging_code if ins.sector == "vo" else ins.mbo_vestiging_code
    return ins.vestiging_code or route or enige_vestiging


def _record(ins, peildatum: datetime.date, enige_vestiging: str | None) -> format.Record:
    return format.record_maken(
        sleutel=ins.sleutel,
        sector=ins.sector,
        bsn=ins.bsn,
        onderwijsnummer=ins.onderwijsnummer,
        achternaam=ins.achternaam,
        tussenvoegsel=ins.tussenvoegsel,
        voorletters=ins.voorletters,
        geboortedatum=ins.geboortedatum,
        vestiging=_vestiging(ins, enige_vestiging),
        opleidingskenmerk=ins.opleidingskenmerk,
        fase=ins.fase,
        partner_brin=ins.mbo_brin if ins.sector == "vo" else ins.vo_brin,
        startdatum=ins.startdatum,
        geplande_einddatum=ins.geplande_einddatum,
        einddatum=ins.einddatum,
        reden_einde=ins.reden_einde,
        leerjaar=ins.leerjaar,
        leerweg=ins.leerweg,
        vmbo_diploma_datum=ins.vmbo_diploma_datum,
        crebo=ins.crebo,
        niveau=ins.niveau,
        leervorm=ins.leervorm,
        peildatum=peildatum,
    )


def _toelichting_vastgehouden(sector: str, sleutel: str, fouten: list[format.Fout]) -> str:
    velden = "; ".join(
        _("veld '%(label)s' (%(veld)s): %(melding)s")
        % {"label": f.label, "veld": f.veld, "melding": f.melding}
        for f in fouten
    )
    return _(
        "Niet geleverd aan ROD: de %(kant)s-inschrijving %(sleutel)s kan niet mee: %(velden)s. Herstel "
        "dit; de inschrijving gaat mee met de eerste levering daarna."
    ) % {"kant": sector, "sleutel": sleutel, "velden": velden}


def _enige_vestiging(instelling: Instelling) -> str | None:
    from samenwerking.models import Vestiging

    vestigingen = list(Vestiging.objects.filter(instelling=instelling).values_list("code", flat=True)[:2])
    return vestigingen[0] if len(vestigingen) == 1 else None


def zout(instelling: Instelling, peildatum: datetime.date, enige_vestiging: str | None = "") -> str:
    """What a run adds to every record besides the enrolment's own data (selectors.bron_hash):
    the school year of the peildatum (the vmbo leerjaar follows it) and the only vestiging."""
    if enige_vestiging == "":
        enige_vestiging = _enige_vestiging(instelling)
    return f"{schooljaar(peildatum)}|{enige_vestiging or ''}"


def _bouwen(instelling: Instelling, kop: format.Kop, xml_pad: Path, wijzigingen_pad: Path) -> _Telling:
    """Stream, compare, check and write; returns the counts. Reads only: the state changes go
    to ``wijzigingen_pad`` as (key, new state, action, leerling id) for _toepassen."""
    enige_vestiging = _enige_vestiging(instelling)
    telling = _Telling(per_mutatie={m: 0 for m in RodMutatie.values})
    wijzigingen = _Stapels(wijzigingen_pad)
    try:
        with open(xml_pad, "wb") as raw:
            fh = _HashendBestand(raw)
            with format.LeveringSchrijver(fh, kop) as w:
                # Only keys whose data changed since they were last looked at, or with something
                # open: a run costs what changed (selectors.bron_hash).
                z = zout(instelling, kop.peildatum, enige_vestiging)
                stromen = _samenvoegen(
                    selectors.inschrijvingen_stroom(instelling, zout=z),
                    selectors.standen_stroom(instelling, zout=z),
                )
                for sleutel, ins, stand in stromen:
                    _sleutel_verwerken(sleutel, ins, stand, kop, enige_vestiging, w, wijzigingen, telling)
                telling.records = w.aantal
            telling.sha256 = fh.sha.hexdigest()
    finally:
        wijzigingen.close()
    return telling


def _sleutel_verwerken(sleutel, ins, stand, kop, enige_vestiging, w, wijzigingen, telling) -> None:
    """Decide what one key needs: nothing, a record, a withdrawal, or holding it back."""
    oud = {k: getattr(stand, k) for k in selectors.STAND_VELDEN} if stand is not None else None
    st = dict(oud or _FRIS)
    signaal_open = bool(stand and stand.signaal_open)
    wacht_op_herstel = st["terugkoppeling"] == RodTerugkoppelingStatus.AFGEKEURD and signaal_open
    sluiten = False
    houd = None

    def intrekken() -> None:
        nonlocal sluiten
        w.intrekking(sleutel)
        telling.per_mutatie[RodMutatie.INGETROKKEN] += 1
        st.update(
            hash=INGETROKKEN_HASH,
            mutatie=RodMutatie.INGETROKKEN,
            levering_id=DEZE_LEVERING,
            bij_rod=False,
            einddatum_geleverd=False,
            terugkoppeling=RodTerugkoppelingStatus.VERWACHT,
            afkeurcode="",
            afkeurmelding="",
            vastgehouden=False,
            signaal_id=None,
        )
        sluiten = True

    def loslaten() -> None:
        """Nothing (more) to deliver for this key: close what held it."""
        nonlocal sluiten
        if st["vastgehouden"] or st["signaal_id"] or signaal_open:
            st.update(vastgehouden=False, signaal_id=None)
            sluiten = True

    if ins is not None and stand is not None and stand.inschrijving_id != ins.id:
        # Another enrolment now uses this key (the old one was deleted or renumbered): ROD
        # forgets the old one first, then hears of this one as new.
        if st["bij_rod"]:
            intrekken()
        else:
            loslaten()
        wacht_op_herstel = False

    if ins is None or ins.reden_einde == format.CORRECTIE:
        # The key is gone (deleted, renumbered, moved) or its enrolment was a mistake.
        if st["bij_rod"] and not (wacht_op_herstel and st["mutatie"] == RodMutatie.INGETROKKEN):
            intrekken()
        elif not st["bij_rod"]:
            loslaten()
        if ins is not None:
            st.update(inschrijving_id=ins.id, sector=ins.sector)
    else:
        st.update(inschrijving_id=ins.id, sector=ins.sector)
        record = _record(ins, kop.peildatum, enige_vestiging)
        h = record.hash
        actueel = st["hash"] == h and st["mutatie"] != RodMutatie.INGETROKKEN
        if actueel and (wacht_op_herstel or st["terugkoppeling"] != RodTerugkoppelingStatus.AFGEKEURD):
            if not wacht_op_herstel:
                loslaten()  # delivered as it is now; a hold from an intermediate state ends
        else:
            if not st["bij_rod"]:
                mutatie = RodMutatie.NIEUW
            elif record.einddatum and not st["einddatum_geleverd"]:
                mutatie = RodMutatie.BEEINDIGD
            else:
                mutatie = RodMutatie.GEWIJZIGD
            el, fouten = format.record_element(record, mutatie)
            if fouten:
                regel = next((f.regel for f in fouten if f.regel != "ROD"), "ROD")
                houd = (regel, _toelichting_vastgehouden(ins.sector, sleutel, fouten), ins.leerling_id)
                st["vastgehouden"] = True
                telling.vastgehouden += 1
            else:
                w.inschrijving(el)
                telling.per_mutatie[mutatie] += 1
                sluiten = sluiten or bool(
                    st["vastgehouden"] or st["signaal_id"] or st["terugkoppeling"] == "afgekeurd"
                )
                st.update(
                    hash=h,
                    mutatie=mutatie,
                    levering_id=DEZE_LEVERING,
                    bij_rod=True,
                    einddatum_geleverd=bool(record.einddatum),
                    terugkoppeling=RodTerugkoppelingStatus.VERWACHT,
                    afkeurcode="",
                    afkeurmelding="",
                    vastgehouden=False,
                    signaal_id=None,
                )

    st["bron_hash"] = ins.bron if ins is not None and ins.reden_einde != format.CORRECTIE else ""
    if houd is not None or st != oud:
        wijzigingen.add((sleutel, st, sluiten, houd))


def _toepassen(pad: Path, *, instelling: Instelling, levering: RodLevering | None) -> None:
    """Apply the state changes of a run in batches: close signals of what went out, open or
    update signals of what is held, upsert the RodStand rows."""
    nu = timezone.now()
    brin = instelling.brin
    afhandeling = (
        _("Geleverd aan ROD in levering %(nr)s (peildatum %(d)s).")
        % {"nr": levering.volgnummer, "d": levering.peildatum.isoformat()}
        if levering
        else _("Er is niets meer te leveren voor deze inschrijving.")
    )
    for stapel in _Stapels.lezen(pad):
        # 1. signals of keys that went out (or need nothing any more) are resolved
        te_sluiten = [
            s
            for sleutel, _st, sluiten, _h in stapel
            if sluiten
            for s in (signaal_sleutel_vastgehouden(brin, sleutel), signaal_sleutel_afgekeurd(brin, sleutel))
        ]
        if te_sluiten:
            gesloten = list(
                Signaal.objects.filter(bron=BRON, sleutel__in=te_sluiten, status__in=SIGNAAL_OPEN)
            )
            if gesloten:
                Signaal.objects.filter(pk__in=[s.pk for s in gesloten]).update(
                    status=SignaalStatus.OPGELOST,
                    gesloten_op=nu,
                    afhandeling=afhandeling,
                    afgehandeld_door=None,
                )
                audit.record_changed_bulk(
                    (
                        (
                            s,
                            {"status": s.status, "gesloten_op": s.gesloten_op, "afhandeling": s.afhandeling},
                            {"status": SignaalStatus.OPGELOST, "gesloten_op": nu, "afhandeling": afhandeling},
                        )
                        for s in gesloten
                    ),
                    door=None,
                    kanaal=Kanaal.JOB,
                )
        # 2. held keys get (or keep) one open signal naming the field
        vast = {sleutel: (st, houd) for sleutel, st, _s, houd in stapel if houd is not None}
        if vast:
            _signalen_vastgehouden(instelling, vast)
        # 3. the new state of every changed key
        nu_db = connection.ops.adapt_datetimefield_value(nu)
        rijen = []
        for sleutel, st, _s, _h in stapel:
            if st["levering_id"] == DEZE_LEVERING:
                st["levering_id"] = levering.pk
            rijen.append((instelling.pk, sleutel, *(st[k] for k in selectors.STAND_VELDEN), nu_db))
        _standen_opslaan(rijen)
        if settings.DEBUG:
            reset_queries()  # DEBUG keeps every query: not for a million rows


UPSERT_RIJEN = 500  # rows per INSERT statement (× 15 parameters: within SQLite's limit)
_STAND_KOLOMMEN = ("instelling", "sleutel", *selectors.STAND_VELDEN, "gewijzigd_op")


def _kolommen() -> list[str]:
    return [RodStand._meta.get_field(v).column for v in _STAND_KOLOMMEN]


def _bijwerken(qn) -> str:
    return ", ".join(f"{qn(k)} = excluded.{qn(k)}" for k in _kolommen()[2:])


@functools.cache
def _upsert_sql(vendor: str, aantal: int) -> str:
    """INSERT … VALUES (…), (…) ON CONFLICT DO UPDATE of ``aantal`` RodStand rows (SQLite, and
    PostgreSQL's fallback; ``vendor`` is part of the cache key because quoting differs)."""
    qn = connection.ops.quote_name
    kolommen = _kolommen()
    rij = f"({', '.join(['%s'] * len(kolommen))})"
    return (
        f"INSERT INTO {qn(RodStand._meta.db_table)} ({', '.join(map(qn, kolommen))}) "
        f"VALUES {', '.join([rij] * aantal)} "
        f"ON CONFLICT ({qn(kolommen[0])}, {qn(kolommen[1])}) DO UPDATE SET {_bijwerken(qn)}"
    )


def _standen_opslaan(rijen: list[tuple]) -> None:
    """Upsert a batch of RodStand rows. Plain SQL: the ORM's bulk_create builds a model instance
    per row, which dominated the export at a million rows. On PostgreSQL the rows go through COPY
    into a temporary table and one INSERT … SELECT … ON CONFLICT (several times faster)."""
    if not rijen:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _standen_kopieren(cursor, rijen)
            return
        for start in range(0, len(rijen), UPSERT_RIJEN):
            deel = rijen[start : start + UPSERT_RIJEN]
            cursor.execute(_upsert_sql(connection.vendor, len(deel)), [v for rij in deel for v in rij])


def _standen_kopieren(cursor, rijen: list[tuple]) -> None:
    qn = connection.ops.quote_name
    tabel, tijdelijk = qn(RodStand._meta.db_table), qn("rod_stand_batch")
    kolommen = ", ".join(map(qn, _kolommen()))
    sleutel = ", ".join(map(qn, _kolommen()[:2]))
    # Lives until the end of the export's transaction; emptied for every batch.
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {tijdelijk} ON COMMIT DROP AS "
        f"SELECT {kolommen} FROM {tabel} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {tijdelijk}")
    with cursor.cursor.copy(f"COPY {tijdelijk} ({kolommen}) FROM STDIN") as copy:
        for rij in rijen:
            copy.write_row(rij)
    cursor.execute(
        f"INSERT INTO {tabel} ({kolommen}) SELECT {kolommen} FROM {tijdelijk} "
        f"ON CONFLICT ({sleutel}) DO UPDATE SET {_bijwerken(qn)}"
    )


def _signaal_velden(s: Signaal) -> dict:
    return {
        "regel": s.regel,
        "toelichting": s.toelichting,
        "inschrijving": s.inschrijving_id,
        "leerling": s.leerling_id,
    }


def _signalen_vastgehouden(instelling: Instelling, vast: dict) -> None:
    brin = instelling.brin
    sleutels = {signaal_sleutel_vastgehouden(brin, k): k for k in vast}
    bestaand = {
        s.sleutel: s for s in Signaal.objects.filter(bron=BRON, sleutel__in=sleutels, status__in=SIGNAAL_OPEN)
    }
    nieuw, gewijzigd = [], []
    partijen = selectors.partijen(vast[k][0]["inschrijving_id"] for k in sleutels.values())
    for ssleutel, sleutel in sleutels.items():
        st, (regel, toelichting, leerling_id) = vast[sleutel]
        s = bestaand.get(ssleutel)
        if s is None:
            overeenkomst_id, partner_id = partijen.get(st["inschrijving_id"], (None, None))
            s = Signaal(
                regel=regel,
                sleutel=ssleutel,
                bron=BRON,
                instelling=instelling,
                overeenkomst_id=overeenkomst_id,
                partner_instelling_id=partner_id,
                inschrijving_id=st["inschrijving_id"],
                leerling_id=leerling_id,
                toelichting=toelichting,
            )
            nieuw.append(s)
        elif (s.regel, s.toelichting, s.inschrijving_id) != (regel, toelichting, st["inschrijving_id"]):
            oud = _signaal_velden(s)
            s.regel, s.toelichting = regel, toelichting
            s.inschrijving_id, s.leerling_id = st["inschrijving_id"], leerling_id
            gewijzigd.append((s, oud, _signaal_velden(s)))
        vast[sleutel] = (st, s)
    if nieuw:
        Signaal.objects.bulk_create(nieuw)
        audit.record_created_bulk(nieuw, door=None, kanaal=Kanaal.JOB)
    if gewijzigd:
        Signaal.objects.bulk_update(
            [s for s, _o, _n in gewijzigd], ["regel", "toelichting", "inschrijving", "leerling"]
        )
        audit.record_changed_bulk(gewijzigd, door=None, kanaal=Kanaal.JOB)
    for st, s in vast.values():
        st["signaal_id"] = s.pk


# ------------------------------------------------------------------------------------------ response


@dataclasses.dataclass
class TerugkoppelingResultaat:
    terugkoppeling: RodTerugkoppeling
    geaccepteerd: int = 0
    afgekeurd: int = 0
    overgeslagen: int = 0

    def regel(self) -> str:
        lev = self.terugkoppeling.levering
        return _(
            "Terugkoppeling op levering %(nr)s van %(brin)s: %(a)s geaccepteerd, %(r)s afgekeurd "
            "(signaal), %(o)s overgeslagen."
        ) % {
            "nr": lev.volgnummer,
            "brin": lev.instelling.brin,
            "a": self.geaccepteerd,
            "r": self.afgekeurd,
            "o": self.overgeslagen,
        }


def terugkoppeling_inlezen(
    *,
    bestand,
    naam: str = "terugkoppeling.xml",
    door=None,
    kanaal: str = Kanaal.IMPORT,
    levering: RodLevering | None = None,
) -> TerugkoppelingResultaat:
    """Read ROD's response to one delivery (``bestand``: a binary file or a path).

    Accepted records are marked accepted; a rejected one gets an open signal with the code and
    the message for the instelling's beheerders and waits: it goes out again with the first
    delivery after its data changed, or after the signal was closed (data confirmed correct).
    All or nothing: a file that does not follow the XSD, or belongs to another delivery
    (``levering``, when given, e.g. the upload screen's), changes nothing.
    """
    storage = RodTerugkoppeling._meta.get_field("bestand").storage
    opgeslagen: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rod-tk-") as tmp:
        pad = Path(tmp) / "terugkoppeling.xml"
        sha = hashlib.sha256()
        with open(pad, "wb") as out:
            bron = open(bestand, "rb") if isinstance(bestand, str | Path) else contextlib.nullcontext(bestand)  # noqa: SIM115
            with bron as fh:
                for blok in iter(lambda: fh.read(1024 * 1024), b""):
                    sha.update(blok)
                    out.write(blok)
        try:
            with transaction.atomic():
                resultaat = _terugkoppeling_verwerken(
                    pad, sha.hexdigest(), naam, door, kanaal, levering, opgeslagen
                )
        except format.FormaatFout as exc:
            for name in opgeslagen:
                with contextlib.suppress(Exception):
                    storage.delete(name)
            raise ValidationError(str(exc)) from None
        except BaseException:
            for name in opgeslagen:
                with contextlib.suppress(Exception):
                    storage.delete(name)
            raise
    return resultaat


def _terugkoppeling_verwerken(
    pad, sha256, naam, door, kanaal, verwacht, opgeslagen
) -> TerugkoppelingResultaat:
    kop, beoordelingen = format.terugkoppeling_lezen(str(pad))
    levering = (
        RodLevering.objects.select_for_update()
        .select_related("instelling")
        .filter(instelling__brin=kop.brin, volgnummer=kop.volgnummer)
        .first()
    )
    if levering is None:
        raise ValidationError(
            _("Er is geen levering %(nr)s van %(brin)s.") % {"nr": kop.volgnummer, "brin": kop.brin}
        )
    if verwacht is not None and levering.pk != verwacht.pk:
        raise ValidationError(
            _("Deze terugkoppeling hoort bij levering %(nr)s van %(brin)s, niet bij deze levering.")
            % {"nr": kop.volgnummer, "brin": kop.brin}
        )
    if kop.sha256 and kop.sha256 != levering.sha256:
        raise ValidationError(
            _("De sha256 in de terugkoppeling hoort niet bij het bestand van levering %(nr)s.")
            % {"nr": levering.volgnummer}
        )
    if RodTerugkoppeling.objects.filter(levering=levering, sha256=sha256).exists():
        raise ValidationError(_("Deze terugkoppeling is al ingelezen."))

    tk = RodTerugkoppeling(
        levering=levering,
        sha256=sha256,
        ingelezen_door=door if getattr(door, "is_authenticated", False) else None,
        kanaal=kanaal,
    )
    resultaat = TerugkoppelingResultaat(terugkoppeling=tk)
    stapel: list[format.Beoordeling] = []
    for b in beoordelingen:
        stapel.append(b)
        if len(stapel) >= BATCH:
            _beoordelingen_verwerken(levering, stapel, resultaat, door=door, kanaal=kanaal)
            stapel = []
    _beoordelingen_verwerken(levering, stapel, resultaat, door=door, kanaal=kanaal)

    levering_oud = _levering_velden(levering)
    levering.aantal_geaccepteerd += resultaat.geaccepteerd
    levering.aantal_afgekeurd += resultaat.afgekeurd
    if resultaat.geaccepteerd or resultaat.afgekeurd:
        levering.status = (
            RodLeveringStatus.DEELS_AFGEKEURD if levering.aantal_afgekeurd else RodLeveringStatus.GEACCEPTEERD
        )
    levering.save(update_fields=["aantal_geaccepteerd", "aantal_afgekeurd", "status"])
    if _levering_velden(levering) != levering_oud:
        audit.record(
            levering,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            oud=levering_oud,
            nieuw=_levering_velden(levering),
        )

    tk.aantal_geaccepteerd = resultaat.geaccepteerd
    tk.aantal_afgekeurd = resultaat.afgekeurd
    tk.aantal_overgeslagen = resultaat.overgeslagen
    with open(pad, "rb") as fh:
        tk.bestand.save(Path(naam).name or "terugkoppeling.xml", File(fh), save=False)
    opgeslagen.append(tk.bestand.name)
    tk.save()
    audit.record(
        tk,
        actie=AuditActie.AANGEMAAKT,
        door=door,
        kanaal=kanaal,
        nieuw={
            "levering": levering.volgnummer,
            "sha256": sha256,
            "geaccepteerd": tk.aantal_geaccepteerd,
            "afgekeurd": tk.aantal_afgekeurd,
            "overgeslagen": tk.aantal_overgeslagen,
        },
    )
    return resultaat


def _levering_velden(levering: RodLevering) -> dict:
    return {
        "aantal_geaccepteerd": levering.aantal_geaccepteerd,
        "aantal_afgekeurd": levering.aantal_afgekeurd,
        "status": levering.status,
    }


def _beoordelingen_verwerken(
    levering: RodLevering, stapel: list, resultaat: TerugkoppelingResultaat, *, door, kanaal: str
) -> None:
    if not stapel:
        return
    instelling = levering.instelling
    # Only what this delivery carried as the key's latest record: a later delivery's answer decides
    # for a key that went out again since.
    standen = RodStand.objects.filter(instelling=instelling, levering=levering)
    geaccepteerd = {b.sleutel for b in stapel if b.status == format.GEACCEPTEERD}
    if geaccepteerd:
        n = standen.filter(sleutel__in=geaccepteerd).update(
            terugkoppeling=RodTerugkoppelingStatus.GEACCEPTEERD, afkeurcode="", afkeurmelding=""
        )
        resultaat.geaccepteerd += n
        resultaat.overgeslagen += len(geaccepteerd) - n
    for b in stapel:
        if b.status != format.AFGEKEURD:
            continue
        stand = standen.filter(sleutel=b.sleutel).select_related("inschrijving").first()
        if stand is None:
            resultaat.overgeslagen += 1
            continue
        _afkeuren(levering, stand, b, door=door, kanaal=kanaal)
        resultaat.afgekeurd += 1


def _afkeuren(levering: RodLevering, stand: RodStand, b: format.Beoordeling, *, door, kanaal: str) -> None:
    instelling = levering.instelling
    sleutel = signaal_sleutel_afgekeurd(instelling.brin, stand.sleutel)
    element = _(", element %(e)s") % {"e": b.element} if b.element else ""
    toelichting = _(
        "ROD keurde de %(kant)s-inschrijving %(sleutel)s af in levering %(nr)s (code %(code)s%(element)s): "
        "%(melding)s. Herstel de gegevens; de inschrijving gaat opnieuw mee met de eerste levering "
        "daarna. Kloppen de gegevens toch (bijvoorbeeld hersteld bij DUO), sluit dan dit signaal: "
        "dan gaat het record ongewijzigd opnieuw mee."
    ) % {
        "kant": stand.sector,
        "sleutel": stand.sleutel,
        "nr": levering.volgnummer,
        "code": b.code,
        "element": element,
        "melding": b.melding,
    }
    signaal = Signaal.objects.filter(bron=BRON, sleutel=sleutel, status__in=SIGNAAL_OPEN).first()
    leerling_id = stand.inschrijving.leerling_id if stand.inschrijving else None
    if signaal is None:
        overeenkomst_id, partner_id = selectors.partijen([stand.inschrijving_id]).get(
            stand.inschrijving_id, (None, None)
        )
        signaal = Signaal.objects.create(
            regel="ROD",
            sleutel=sleutel,
            bron=BRON,
            instelling=instelling,
            overeenkomst_id=overeenkomst_id,
            partner_instelling_id=partner_id,
            inschrijving_id=stand.inschrijving_id,
            leerling_id=leerling_id,
            toelichting=toelichting,
        )
        audit.record(
            signaal,
            actie=AuditActie.AANGEMAAKT,
            door=door,
            kanaal=kanaal,
            nieuw=audit.snapshot(signaal),
        )
    elif signaal.toelichting != toelichting:
        oud = {"toelichting": signaal.toelichting}
        signaal.toelichting = toelichting
        signaal.save(update_fields=["toelichting"])
        audit.record(
            signaal,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            oud=oud,
            nieuw={"toelichting": toelichting},
        )
    # What ROD now has of this key: a rejected new record is unknown to ROD, a rejected end
    # leaves the enrolment running there, a rejected withdrawal leaves it known.
    if stand.mutatie == RodMutatie.NIEUW:
        stand.bij_rod = False
    elif stand.mutatie == RodMutatie.BEEINDIGD:
        stand.einddatum_geleverd = False
    elif stand.mutatie == RodMutatie.INGETROKKEN:
        stand.bij_rod = True
    stand.terugkoppeling = RodTerugkoppelingStatus.AFGEKEURD
    stand.afkeurcode = b.code[:20]
    stand.afkeurmelding = b.melding
    stand.signaal = signaal
    stand.save()


def levering_gedownload(*, levering: RodLevering, door, kanaal: str = Kanaal.UI) -> None:
    """Record that someone took the delivery file: it holds the students' BSNs."""
    audit.record(levering, actie=AuditActie.BSN_BEKEKEN, door=door, kanaal=kanaal)
