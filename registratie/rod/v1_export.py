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
import logging
import shutil
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registratie import locks
from registratie.models import (
    RodLevering,
    RodLeveringSoort,
)
from registratie.rod import format, format_lezen, opslag, selectors, v1_bouwen, v1_stand
from registratie.rod.v1_bouwen import (
    LOCK,
)
from samenwerking import audit
from samenwerking.models import AuditActie, Instelling, Kanaal

logger = logging.getLogger(__name__)


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
                telling = v1_bouwen._bouwen(instelling, kop, xml_pad, wijzigingen_pad)
                resultaat.per_mutatie = telling.per_mutatie
                resultaat.aantal_vastgehouden = telling.vastgehouden
                if telling.records == 0:
                    if not proef:
                        v1_stand._toepassen(wijzigingen_pad, instelling=instelling, levering=None)
                    return resultaat
                resultaat.volgnummer, resultaat.soort = kop.volgnummer, kop.soort
                resultaat.aantal_records, resultaat.sha256 = telling.records, telling.sha256
                format_lezen.levering_valideren(xml_pad)
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
                v1_stand._toepassen(wijzigingen_pad, instelling=instelling, levering=levering)
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
