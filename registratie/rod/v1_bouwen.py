"""ROD format 1, the export's core: merge the two key-sorted streams (inschrijvingen and RodStand),
decide per key (nothing, a record, a withdrawal, or hold it back), write the file incrementally and
the state changes to a temporary file for v1_stand. Reads only."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from registratie.fase import schooljaar
from registratie.models import (
    RodMutatie,
    RodTerugkoppelingStatus,
)
from registratie.rod import format, selectors
from samenwerking.models import Instelling

BRON = "rod"
LOCK = "rod_export"
BATCH = 2000
INGETROKKEN_HASH = "-"  # RodStand.hash of a withdrawn key
DEZE_LEVERING = -1  # placeholder for the delivery's id until its row exists


def signaal_sleutel_vastgehouden(brin: str, sleutel: str) -> str:
    return f"rod:{brin}:{sleutel}"


def signaal_sleutel_afgekeurd(brin: str, sleutel: str) -> str:
    return f"rod-afkeur:{brin}:{sleutel}"


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
