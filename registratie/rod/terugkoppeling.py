"""DUO's feedback per enrolment and count date (format v2), read into RodTerugkoppelingRegel.

Per line of a feedback file (terugkoppeling_xml.lezen, streamed in blocks), in one transaction for
the whole file:
- the line is kept per (instelling, inschrijvingsvolgnummer, teldatum): a later file for the
  same count date (voorlopig, then definitief) replaces it; reading a file twice changes nothing;
- a rejection (ernst ``afkeur``) opens a Signaal for the instelling's beheerders (registratie.
  rod.signalen, as a message refused before or when sending does) and sets the judged message
  to afgekeurd; when a later line no longer rejects, the signal is closed;
- a warning is kept; a beheerder may accept it with a remark (``waarschuwing_accepteren``). A
  warning accepted before stays accepted when the same warning comes back;
- without an open rejection or warning the judged message becomes geaccepteerd.
Message statuses only change through wachtrij.status_zetten. Texts from DUO may quote a number:
valid BSNs and onderwijsnummers are masked before they reach a signal.

Sources: a file (``manage.py rod_terugkoppeling BESTAND`` or the upload on /rod/terugkoppeling/),
or a URL that serves the file (``--url``: the stub service in the tests).
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie.models import (
    BerichtStatus,
    Inschrijving,
    MeldingErnst,
    RodBericht,
    RodBerichtSoort,
    RodTerugkoppelingMelding,
    RodTerugkoppelingRegel,
    Signaal,
)
from registratie.rod import selectors, signalen, wachtrij
from registratie.rod import terugkoppeling_xml as tx
from samenwerking import audit
from samenwerking.logfilter import maskeer_nummers
from samenwerking.models import AuditActie, Instelling, Kanaal

BLOK = 500  # keys per query (SQLite allows 999 parameters)
BEOORDEELBAAR = (BerichtStatus.VERZONDEN, BerichtStatus.ONTVANGEN)  # may still become final


def signaal_sleutel(brin: str, sleutel: str, teldatum) -> str:
    return f"rod-terugkoppeling:{brin}:{sleutel}:{teldatum:%Y%m%d}"


@dataclasses.dataclass
class Resultaat:
    """What one feedback file did. No personal data: safe to print and log."""

    brin: str
    regels: int = 0
    zonder_meldingen: int = 0
    afgekeurd: int = 0
    met_waarschuwing: int = 0
    onbekend: int = 0  # a key we do not have (any more)

    def regel(self) -> str:
        return _(
            "%(brin)s: %(n)s regels ingelezen: %(ok)s zonder meldingen, %(af)s afgekeurd, "
            "%(w)s met een waarschuwing, %(x)s onbekende inschrijvingen."
        ) % {
            "brin": self.brin,
            "n": self.regels,
            "ok": self.zonder_meldingen,
            "af": self.afgekeurd,
            "w": self.met_waarschuwing,
            "x": self.onbekend,
        }


OPHALEN_IN_GEHEUGEN = 8 * 1024 * 1024  # a larger file goes to a temporary file while it arrives


def ophalen(url: str, *, timeout: float = 30.0) -> tempfile.SpooledTemporaryFile:
    """The feedback file from a service that serves it (the stub service in the tests), streamed
    into a temporary file (in memory up to 8 MB): the file of a large instelling never sits in
    memory whole. Use it as a context manager; inlezen() reads it as a stream."""
    bestand = tempfile.SpooledTemporaryFile(max_size=OPHALEN_IN_GEHEUGEN)  # noqa: SIM115 - returned
    try:
        with requests.get(url, timeout=timeout, stream=True) as antwoord:
            antwoord.raise_for_status()
            for deel in antwoord.iter_content(chunk_size=1024 * 1024):
                bestand.write(deel)
    except requests.RequestException as exc:
        bestand.close()
        raise ValidationError(
            _("De terugkoppeling kon niet worden opgehaald (%(f)s).") % {"f": type(exc).__name__}
        ) from exc
    bestand.seek(0)
    return bestand


def inlezen(
    bron, *, door=None, kanaal: str = Kanaal.IMPORT, instelling: Instelling | None = None
) -> Resultaat:
    """Read one feedback file (a path, bytes or a binary file such as an upload), streamed block
    by block; ``instelling``: the file must be about this one (the upload). All or nothing: a
    file that breaks its XSD halfway changes nothing."""
    kop, regels = tx.lezen(bron)
    inst = Instelling.objects.filter(brin=kop.brin).first()
    if inst is None or (instelling is not None and inst.pk != instelling.pk):
        raise ValidationError(
            _("De terugkoppeling is voor BRIN %(brin)s; die instelling is hier niet bekend of niet de uwe.")
            % {"brin": kop.brin}
        )
    resultaat = Resultaat(brin=kop.brin)
    with transaction.atomic():
        while blok := list(itertools.islice(regels, BLOK)):
            _blok_verwerken(inst, blok, resultaat, door=door, kanaal=kanaal)
    return resultaat


def _blok_verwerken(
    inst: Instelling, regels: list[tx.Regel], resultaat: Resultaat, *, door, kanaal: str
) -> None:
    """One block of lines, set-based: a fixed number of queries however long the block; only a
    rejection (rare) costs queries of its own (its signal and its message). A line that comes
    twice in the block counts once: the last one wins."""
    regels = list({(r.volgnummer, r.teldatum): r for r in regels}.values())
    sleutels = {r.volgnummer for r in regels}
    inschrijvingen = {
        i.inschrijvingsvolgnummer: i
        for i in Inschrijving.objects.filter(instelling=inst, inschrijvingsvolgnummer__in=sleutels)
    }
    berichten = _berichten(inst, regels, inschrijvingen)
    paren = _regels_opslaan(inst, regels, inschrijvingen, berichten, kanaal=kanaal)
    meldingen = _meldingen_bijwerken(paren)
    resultaat.regels += len(paren)
    resultaat.onbekend += sum(1 for rij, _r, _b in paren if rij.inschrijving_id is None)
    partijen = None
    te_sluiten, te_accepteren = [], []
    for rij, _r, b in paren:
        afkeur = [m for m in meldingen[rij.pk] if m.ernst == MeldingErnst.AFKEUR]
        if afkeur:
            resultaat.afgekeurd += 1
            if partijen is None:
                partijen = selectors.partijen([i.pk for i in inschrijvingen.values()])
            _afkeuren(inst, rij, afkeur, b, partijen, door=door, kanaal=kanaal)
            continue
        te_sluiten.append(rij)
        if meldingen[rij.pk]:
            resultaat.met_waarschuwing += 1
        else:
            resultaat.zonder_meldingen += 1
        if b is not None and b.status in BEOORDEELBAAR and all(m.geaccepteerd_op for m in meldingen[rij.pk]):
            te_accepteren.append((rij.teldatum, b.pk))
    _signalen_sluiten(inst, te_sluiten, door=door, kanaal=kanaal)
    for teldatum in sorted({t for t, _pk in te_accepteren}):
        wachtrij.statussen_zetten(
            [pk for t, pk in te_accepteren if t == teldatum],
            BerichtStatus.GEACCEPTEERD,
            toelichting=_("DUO accepteerde de inschrijving voor teldatum %(d)s.")
            % {"d": teldatum.strftime("%d-%m-%Y")},
        )


def _berichten(inst: Instelling, regels: list[tx.Regel], inschrijvingen: dict) -> dict:
    """The judged messages: by document id when the line names one, else the enrolment's latest
    message that went out (by key)."""
    docs = [r.document_id for r in regels if r.document_id]
    uit = {str(b.document_id): b for b in RodBericht.objects.filter(instelling=inst, document_id__in=docs)}
    zonder = [
        inschrijvingen[r.volgnummer].pk
        for r in regels
        if not r.document_id and r.volgnummer in inschrijvingen
    ]
    for b in (
        RodBericht.objects.filter(inschrijving_id__in=zonder, soort=RodBerichtSoort.INSCHRIJVING)
        .exclude(status__in=[BerichtStatus.IN_WACHTRIJ, BerichtStatus.INGETROKKEN])
        .order_by("id")
    ):
        uit[b.sleutel] = b  # ordered by id: the latest wins
    return uit


REGEL_VELDEN = ("inschrijving", "bericht", "status", "indicatie_bekostigbaar", "bekostigd", "leerroute")
REGEL_VELDEN += ("leerroutefase", "kanaal", "ingelezen_op")


def _regels_opslaan(
    inst, regels: list[tx.Regel], inschrijvingen: dict, berichten: dict, *, kanaal: str
) -> list:
    """Update or create the lines of a block (one read, one bulk insert, one bulk update).
    Returns (row, line, judged message) per line, the row's current meldingen prefetched."""
    bestaand = {
        (rij.sleutel, rij.teldatum): rij
        for rij in RodTerugkoppelingRegel.objects.filter(
            instelling=inst,
            sleutel__in={r.volgnummer for r in regels},
            teldatum__in={r.teldatum for r in regels},
        ).prefetch_related("meldingen")
    }
    nu = timezone.now()
    nieuw, gewijzigd, paren = [], [], []
    for r in regels:
        b = berichten.get(str(r.document_id)) if r.document_id else berichten.get(r.volgnummer)
        waarden = {
            "inschrijving": inschrijvingen.get(r.volgnummer),
            "bericht": b,
            "status": r.status,
            "indicatie_bekostigbaar": r.indicatie_bekostigbaar,
            "bekostigd": r.bekostigd,
            "leerroute": r.leerroute,
            "leerroutefase": r.leerroutefase,
            "kanaal": kanaal,
            "ingelezen_op": nu,
        }
        rij = bestaand.get((r.volgnummer, r.teldatum))
        if rij is None:
            rij = RodTerugkoppelingRegel(
                instelling=inst, sleutel=r.volgnummer, teldatum=r.teldatum, **waarden
            )
            rij.oude_meldingen = []
            nieuw.append(rij)
            bestaand[(r.volgnummer, r.teldatum)] = rij
        else:
            for veld, waarde in waarden.items():
                setattr(rij, veld, waarde)
            rij.oude_meldingen = list(rij.meldingen.all())
            gewijzigd.append(rij)
        paren.append((rij, r, b))
    RodTerugkoppelingRegel.objects.bulk_create(nieuw, batch_size=BLOK)
    RodTerugkoppelingRegel.objects.bulk_update(gewijzigd, REGEL_VELDEN, batch_size=BLOK)
    return paren


def _meldingen_bijwerken(paren: list) -> dict[int, list[RodTerugkoppelingMelding]]:
    """Each line's signals become those of the file; one that was there already (same code,
    severity and text) keeps its row, and so its acceptance. One delete and one insert per block."""
    weg, maken, uit = [], [], {}
    for rij, r, _b in paren:
        bestaand = {(m.code, m.ernst, m.tekst): m for m in rij.oude_meldingen}
        gewenst = {(m.code, m.ernst, maskeer_nummers(m.tekst)): m for m in r.meldingen}
        weg += [m.pk for k, m in bestaand.items() if k not in gewenst]
        uit[rij.pk] = []
        for k, m in gewenst.items():
            rij_melding = bestaand.get(k)
            if rij_melding is None:
                rij_melding = RodTerugkoppelingMelding(
                    regel=rij, code=m.code, ernst=m.ernst, tekst=k[2], parameters=_parameters(m.parameters)
                )
                maken.append(rij_melding)
            uit[rij.pk].append(rij_melding)
    if weg:
        RodTerugkoppelingMelding.objects.filter(pk__in=weg).delete()
    RodTerugkoppelingMelding.objects.bulk_create(maken, batch_size=BLOK)
    return uit


def _afkeuren(inst, rij, afkeur: list, b: RodBericht | None, partijen, *, door, kanaal) -> None:
    signaal = _signaal_openen(inst, rij, afkeur, partijen, door=door, kanaal=kanaal)
    if any(m.signaal_id != signaal.pk for m in afkeur):
        RodTerugkoppelingMelding.objects.filter(pk__in=[m.pk for m in afkeur]).update(signaal=signaal)
    if b is not None and b.status in (*BEOORDEELBAAR, BerichtStatus.GEACCEPTEERD):
        wachtrij.status_zetten(b, BerichtStatus.AFGEKEURD, toelichting=signaal.toelichting)


def _parameters(parameters: dict) -> dict:
    return {k: maskeer_nummers(v) for k, v in parameters.items()}


def _toelichting(inst: Instelling, regel: RodTerugkoppelingRegel, afkeur: list) -> str:
    redenen = "; ".join(f"{m.code} {m.tekst}" for m in afkeur)
    return _(
        "DUO keurde inschrijving %(sleutel)s af voor teldatum %(d)s (%(status)s): %(redenen)s. Herstel de "
        "gegevens: de wijziging gaat als nieuw bericht naar DUO. Kloppen de gegevens toch, zet de "
        "inschrijving dan opnieuw in de wachtrij op het ROD-scherm."
    ) % {
        "sleutel": regel.sleutel,
        "d": regel.teldatum.strftime("%d-%m-%Y"),
        "status": regel.get_status_display(),
        "redenen": redenen,
    }


def _signaal_openen(inst, regel, afkeur, partijen, *, door, kanaal) -> Signaal:
    return signalen.openen(
        inst,
        sleutel=signaal_sleutel(inst.brin, regel.sleutel, regel.teldatum),
        inschrijving_id=regel.inschrijving_id,
        leerling_id=regel.inschrijving.leerling_id if regel.inschrijving else None,
        partijen=partijen,
        toelichting=_toelichting(inst, regel, afkeur),
        door=door,
        kanaal=kanaal,
    )


def _signalen_sluiten(inst, rijen: list, *, door, kanaal) -> None:
    """DUO no longer rejects these enrolments on these count dates: their open signals (found in
    one query; usually none) are solved."""
    sleutels = [signaal_sleutel(inst.brin, rij.sleutel, rij.teldatum) for rij in rijen]
    afhandeling = _("DUO keurt de inschrijving niet meer af (terugkoppeling van %(d)s).") % {
        "d": timezone.localdate().strftime("%d-%m-%Y")
    }
    for start in range(0, len(sleutels), BLOK):
        signalen.sluiten(
            Signaal.objects.filter(sleutel__in=sleutels[start : start + BLOK]),
            afhandeling,
            door=door,
            kanaal=kanaal,
        )


def _accepteren_als_klaar(regel: RodTerugkoppelingRegel, toelichting: str = "") -> None:
    """The judged message is accepted once nothing on the line is open."""
    b = regel.bericht
    if b is None or b.status not in BEOORDEELBAAR:
        return
    if regel.meldingen.filter(geaccepteerd_op__isnull=True).exists():
        return
    wachtrij.status_zetten(
        b,
        BerichtStatus.GEACCEPTEERD,
        toelichting=toelichting
        or _("DUO accepteerde de inschrijving voor teldatum %(d)s.")
        % {"d": regel.teldatum.strftime("%d-%m-%Y")},
    )


def waarschuwing_accepteren(
    melding: RodTerugkoppelingMelding, *, opmerking: str, door, kanaal: str = Kanaal.UI
) -> None:
    """A beheerder accepts one of DUO's warnings, with a remark (recorded in the audit trail)."""
    opmerking = (opmerking or "").strip()
    if melding.ernst != MeldingErnst.WAARSCHUWING:
        raise ValidationError(_("Een afkeur kan niet worden geaccepteerd: herstel de gegevens."))
    if not opmerking:
        raise ValidationError(
            {
                "opmerking": _("Geef een opmerking bij het accepteren van waarschuwing %(code)s.")
                % {"code": melding.code}
            }
        )
    if melding.geaccepteerd_op is not None:
        return
    with transaction.atomic():
        melding.geaccepteerd_op = timezone.now()
        melding.geaccepteerd_door = door
        melding.opmerking = opmerking
        melding.save(update_fields=["geaccepteerd_op", "geaccepteerd_door", "opmerking"])
        audit.record(
            melding,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            oud={"opmerking": ""},
            nieuw={"opmerking": opmerking},
        )
        regel = melding.regel
        if not regel.meldingen.filter(ernst=MeldingErnst.AFKEUR).exists():
            _accepteren_als_klaar(
                regel,
                _("Waarschuwing %(code)s geaccepteerd: %(opmerking)s")
                % {"code": melding.code, "opmerking": opmerking},
            )
