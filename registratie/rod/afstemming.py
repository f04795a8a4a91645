"""Reconciliation: DUO's snapshot of one instelling (terugkoppeling_xml.momentopname_lezen)
against our own data, every difference a RodVerschil.

Our side is the message we would send for each enrolment at the snapshot's moment (bericht.
bericht_uit, from the same rows the sending job reads: rod.bronrijen), so both sides are the
same dataclass and compare field by field:
- a key only we have: ``ontbreekt_bij_duo``; a key only DUO has: ``ontbreekt_bij_ons``;
- the enrolment's fields (number, sector, dates, reason);
- the periods by date: for every date on which either side begins a period, the period in force
  on that date on both sides, field by field. How each side splits its periods does not matter;
  what was registered for a day does.
Not at DUO belong: enrolments withdrawn as a mistake (reden ``correctie``) and students
anonymised after the retention period.

"Opnieuw in de wachtrij" (per difference, or all of one reconciliation): our enrolment is queued
again (wachtrij.in_wachtrij, its whole current state goes out); a key DUO has and we do not gets
a deletion message built from DUO's own record of it. Personal numbers are stored masked.

In flat memory however large the snapshot (100 MB for 100,000 enrolments): DUO's records stream
in blocks, each compared with our enrolments of those keys (one query) and its differences
written; only the keys seen are kept, to find afterwards, streaming our keys, what DUO lacks.
A key that comes twice in the snapshot is compared once (the first).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import io
import itertools
import uuid
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registratie.models import (
    Inschrijving,
    RedenEinde,
    RodAfstemming,
    RodVerschil,
    VerschilSoort,
)
from registratie.rod import bericht, bericht_lezen, bronrijen, wachtrij
from registratie.rod import terugkoppeling_xml as tx
from samenwerking import audit
from samenwerking.identifiers import mask
from samenwerking.models import AuditActie, Instelling, Kanaal

BLOK = 2000
# The enrolment's own fields, in the order the screen and the CSV show them.
VELDEN = {
    "nummer": gettext_lazy("burgerservicenummer/onderwijsnummer"),
    "sector": gettext_lazy("sector"),
    "datum_inschrijving": gettext_lazy("datum inschrijving"),
    "geplande_einddatum": gettext_lazy("geplande datum uitschrijving"),
    "datum_uitschrijving": gettext_lazy("datum uitschrijving"),
    "reden_uitschrijving": gettext_lazy("reden uitschrijving"),
}
PERIODE_VELDEN = (
    "vestiging",
    "leerroute",
    "leerroutefase",
    "indicatie_bekostigbaar",
    "leerjaar",
    "leerweg",
    "crebo",
    "niveau",
    "leervorm",
)


@dataclasses.dataclass(frozen=True)
class Verschil:
    sleutel: str
    soort: str
    veld: str = ""
    ons: str = ""
    duo: str = ""


def _tekst(waarde) -> str:
    if waarde is None:
        return ""
    if isinstance(waarde, bool):
        return "J" if waarde else "N"
    if isinstance(waarde, datetime.date):
        return waarde.isoformat()
    return str(waarde)


def _op(perioden: list[bericht.Periode], datum: datetime.date) -> bericht.Periode | None:
    gevonden = None
    for p in perioden:
        if p.begin <= datum and (p.einde is None or datum <= p.einde):
            gevonden = p
    return gevonden


def vergelijken(ons: bericht.InschrijvingBericht, duo: bericht.InschrijvingBericht) -> list[Verschil]:
    """Every field that differs between our message and DUO's record of one enrolment."""
    uit = []
    for veld in VELDEN:
        a, b = getattr(ons, veld), getattr(duo, veld)
        if _tekst(a) != _tekst(b):
            if veld == "nummer":
                a, b = mask(a), mask(b)
            uit.append(Verschil(ons.volgnummer, VerschilSoort.VELD, str(VELDEN[veld]), _tekst(a), _tekst(b)))
    data = sorted({p.begin for p in ons.perioden} | {p.begin for p in duo.perioden})
    for datum in data:
        a, b = _op(ons.perioden, datum), _op(duo.perioden, datum)
        for veld in PERIODE_VELDEN:
            wa = _tekst(getattr(a, veld)) if a else ""
            wb = _tekst(getattr(b, veld)) if b else ""
            if wa != wb:
                naam = _("periode vanaf %(d)s: %(veld)s") % {
                    "d": datum.strftime("%d-%m-%Y"),
                    "veld": veld.replace("_", " "),
                }
                uit.append(Verschil(ons.volgnummer, VerschilSoort.VELD, naam, wa or "—", wb or "—"))
    return uit


def _bij_duo(instelling: Instelling):
    """Our enrolments that belong at DUO."""
    return Inschrijving.objects.filter(
        instelling=instelling, leerling__geanonimiseerd_op__isnull=True
    ).exclude(reden_einde=RedenEinde.CORRECTIE)


def onze_berichten(
    instelling: Instelling, sleutels: list[str], tijd: datetime.datetime
) -> dict[str, tuple[int, bericht.InschrijvingBericht]]:
    """(inschrijving id, our message) per key, for those of ``sleutels`` that belong at DUO: one
    query for the enrolments, one for their fase changes."""
    velden = bronrijen.velden()
    rijen = list(
        _bij_duo(instelling)
        .filter(inschrijvingsvolgnummer__in=sleutels)
        .annotate(**velden)
        .values_list("pk", *velden)
    )
    wissels = bronrijen.wissels([r[0] for r in rijen])
    nul = uuid.UUID(int=0)  # never sent: only compared
    uit = {}
    for pk, *waarden in rijen:
        bron = bronrijen.bron(dict(zip(velden, waarden, strict=True)), wissels.get(pk, []))
        uit[bron.sleutel] = (pk, bericht.bericht_uit(bron, document_id=nul, tijd=tijd))
    return uit


def afstemmen(
    bron, *, instelling: Instelling | None = None, door=None, kanaal: str = Kanaal.IMPORT
) -> RodAfstemming:
    """Read DUO's snapshot (a path, bytes or a binary file such as an upload) and record every
    difference with our data. All or nothing: a file that breaks its XSD halfway leaves nothing."""
    sha256 = hashlib.sha256()
    kop, records = tx.momentopname_lezen(bron, sha256=sha256)
    inst = Instelling.objects.filter(brin=kop.brin).first()
    if inst is None or (instelling is not None and inst.pk != instelling.pk):
        raise ValidationError(
            _("De momentopname is voor BRIN %(brin)s; die instelling is hier niet bekend of niet de uwe.")
            % {"brin": kop.brin}
        )
    with transaction.atomic():
        afstemming = RodAfstemming.objects.create(
            instelling=inst, momentopname_van=kop.aangemaakt, aangemaakt_door=door, kanaal=kanaal
        )
        gezien: set[str] = set()
        for blok in _blokken(records):
            afstemming.aantal_duo += len(blok)
            afstemming.aantal_verschillen += _opslaan(
                afstemming, _blok_vergelijken(inst, blok, gezien, kop.aangemaakt)
            )
        ontbrekend = _ontbrekend_bij_duo(inst, gezien, afstemming)
        for blok in _blokken(ontbrekend):
            afstemming.aantal_verschillen += _opslaan(afstemming, blok)
        afstemming.sha256 = sha256.hexdigest()
        afstemming.save(update_fields=["aantal_duo", "aantal_ons", "aantal_verschillen", "sha256"])
        audit.record(
            afstemming,
            actie=AuditActie.AANGEMAAKT,
            door=door,
            kanaal=kanaal,
            nieuw=audit.snapshot(afstemming),
        )
    return afstemming


def _blokken(rijen: Iterable) -> Iterator[list]:
    rijen = iter(rijen)
    while blok := list(itertools.islice(rijen, BLOK)):
        yield blok


def _blok_vergelijken(inst: Instelling, blok: list, gezien: set[str], tijd: datetime.datetime) -> list[tuple]:
    """The differences of one block of DUO's records: (Verschil, inschrijving id, DUO's record
    encrypted for a key only DUO has)."""
    hun_per_sleutel = {}
    for hun in blok:
        if hun.volgnummer not in gezien:
            gezien.add(hun.volgnummer)
            hun_per_sleutel[hun.volgnummer] = hun
    ons = onze_berichten(inst, list(hun_per_sleutel), tijd)
    uit = []
    for sleutel, hun in hun_per_sleutel.items():
        if sleutel in ons:
            pk, mijn = ons[sleutel]
            uit += [(v, pk, "") for v in vergelijken(mijn, hun)]
        else:
            record = wachtrij.inhoud_versleutelen(bericht.naar_xml(hun))
            uit.append((Verschil(sleutel, VerschilSoort.ONTBREEKT_BIJ_ONS), None, record))
    return uit


def _ontbrekend_bij_duo(inst: Instelling, gezien: set[str], afstemming: RodAfstemming) -> Iterator[tuple]:
    """Our enrolments whose key DUO lacks, streamed; counts ours into ``afstemming.aantal_ons``."""
    for pk, sleutel in (
        _bij_duo(inst)
        .order_by("inschrijvingsvolgnummer")
        .values_list("pk", "inschrijvingsvolgnummer")
        .iterator(chunk_size=BLOK)
    ):
        afstemming.aantal_ons += 1
        if sleutel not in gezien:
            yield Verschil(sleutel, VerschilSoort.ONTBREEKT_BIJ_DUO), pk, ""


def _opslaan(afstemming: RodAfstemming, verschillen: list[tuple]) -> int:
    RodVerschil.objects.bulk_create(
        [
            RodVerschil(
                afstemming=afstemming,
                sleutel=v.sleutel,
                inschrijving_id=pk,
                soort=v.soort,
                veld=v.veld,
                ons=v.ons[:200],
                duo=v.duo[:200],
                duo_record=record,
            )
            for v, pk, record in verschillen
        ],
        batch_size=BLOK,
    )
    return len(verschillen)


def opnieuw_in_wachtrij(verschillen, *, door=None, kanaal: str = Kanaal.UI) -> int:
    """Queue again what the differences (a queryset) are about: our enrolments (their whole
    current state; one already queued stays queued), and for keys only DUO has a deletion
    message built from DUO's record. Returns how many messages were queued. In blocks of BLOK
    differences read as plain values: a first reconciliation can hold one per enrolment (100,000
    with DUO's records), so memory stays flat."""
    aantal, vanaf = 0, 0
    with transaction.atomic():
        while blok := list(
            verschillen.filter(pk__gt=vanaf)
            .order_by("pk")
            .values_list("pk", "inschrijving_id", "soort", "duo_record", "afstemming__instelling_id")[:BLOK]
        ):
            vanaf = blok[-1][0]
            aantal += wachtrij.in_wachtrij({ins for _pk, ins, *_rest in blok if ins})
            alleen_duo = [
                (pk, record, inst)
                for pk, ins, soort, record, inst in blok
                if soort == VerschilSoort.ONTBREEKT_BIJ_ONS and record
            ]
            aantal += _verwijderingen(alleen_duo)
            geregeld = [pk for pk, ins, *_rest in blok if ins] + [pk for pk, _r, _i in alleen_duo]
            RodVerschil.objects.filter(pk__in=geregeld).update(opnieuw_in_wachtrij_op=timezone.now())
    return aantal


def _verwijderingen(verschillen: list[tuple]) -> int:
    """A deletion message per key that DUO has and we do not, built from DUO's own record
    (``verschillen``: (pk, encrypted record, instelling id))."""
    for _pk, record, instelling_id in verschillen:
        hun = bericht_lezen.lezen(wachtrij.inhoud_ontsleutelen(record))
        document_id = uuid.uuid4()
        verwijder = bericht.VerwijderBericht(
            document_id=document_id,
            verzender=hun.brin,
            ontvanger=bericht.ONTVANGER,
            tijd=timezone.now(),
            nummer=hun.nummer,
            nummersoort=hun.nummersoort,
            brin=hun.brin,
            volgnummer=hun.volgnummer,
        )
        wachtrij.verwijdering_van(
            instelling_id=instelling_id,
            sleutel=hun.volgnummer,
            sector=hun.sector.lower(),
            xml=bericht.naar_xml(verwijder),
            document_id=document_id,
        )
    return len(verschillen)


CSV_KOLOMMEN = (
    "inschrijvingsvolgnummer",
    "soort",
    "veld",
    "in Leerroute",
    "bij DUO",
    "opnieuw in de wachtrij",
)


def csv_regels(afstemming: RodAfstemming):
    """The differences as CSV lines (streamed; numbers are stored masked)."""
    buffer = io.StringIO()
    schrijver = csv.writer(buffer, delimiter=";")

    def regel(rij) -> str:
        buffer.seek(0)
        buffer.truncate()
        schrijver.writerow(rij)
        return buffer.getvalue()

    yield regel(CSV_KOLOMMEN)
    for v in afstemming.verschillen.order_by("sleutel", "veld", "id").iterator(chunk_size=BLOK):
        wanneer = (
            timezone.localtime(v.opnieuw_in_wachtrij_op).strftime("%d-%m-%Y %H:%M")
            if v.opnieuw_in_wachtrij_op
            else ""
        )
        yield regel([v.sleutel, v.get_soort_display(), v.veld, v.ons, v.duo, wanneer])
