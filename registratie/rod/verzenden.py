"""The sending job of the ROD queue (format v2): nightly (Celery beat) or "nu leveren" on the screen.

Per instelling, inside one transaction: the queued messages that are due (oldest first, in
blocks), each built from the enrolment's state now (bericht.bericht_uit), checked against the XSD,
encrypted into ``RodBericht.inhoud`` and handed to the instelling's transport. The outcome:

- ``Ontvangst`` → verzonden (handed over, e.g. a file) or ontvangen (DUO confirmed receipt);
- ``TijdelijkeFout`` → stays queued, ``pogingen`` + 1, next try after an exponential backoff;
  the same document id goes out again, so DUO never processes it twice. After a few temporary
  errors in a row the run stops for this instelling (DUO is down): the rest waits, untouched;
- ``DefinitieveFout`` → afgekeurd with DUO's reason; a message our own XSD refuses → afgekeurd
  with the element (never a value); either opens a Signaal for the beheerders (rod.signalen);
- the enrolment was withdrawn (reden correctie) → the message becomes its deletion message if ROD
  had it, else ingetrokken; an anonymised student's message → ingetrokken.

A file transport's batch is written in the same transaction (transport.afronden): a run that
fails leaves no file and every message queued.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import locks
from registratie.models import (
    BerichtStatus,
    RodBericht,
    RodBerichtSoort,
    RodLevering,
)
from registratie.rod import bericht as fmt
from registratie.rod import bericht_lezen, bronrijen, signalen, wachtrij
from registratie.rod import transport as tp
from samenwerking.models import Instelling, Kanaal

logger = logging.getLogger(__name__)

LOCK = "rod_verzenden"
BLOK = 2000
MAX_TIJDELIJK_OP_RIJ = 3
BACKOFF_BASIS = datetime.timedelta(minutes=5)
BACKOFF_MAX = datetime.timedelta(hours=12)


def backoff(pogingen: int) -> datetime.timedelta:
    """Wait before try ``pogingen + 1``: 5 min, 10, 20, … at most 12 h."""
    return min(BACKOFF_BASIS * (2 ** max(pogingen - 1, 0)), BACKOFF_MAX)


@dataclasses.dataclass
class Resultaat:
    """What one run did for one instelling. No personal data: safe to print and log."""

    instelling: Instelling
    per_status: dict = dataclasses.field(default_factory=lambda: defaultdict(int))
    levering_id: int | None = None
    gestopt: str = ""  # why the run stopped early for this instelling
    fout: str = ""
    # Open signals of earlier refusals, by cause: solved when their message goes out after all.
    weigeringen: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def aantal(self) -> int:
        return sum(self.per_status.values())

    def regel(self) -> str:
        brin = self.instelling.brin
        if self.fout:
            return _("%(brin)s: MISLUKT: %(fout)s") % {"brin": brin, "fout": self.fout}
        delen = ", ".join(f"{k} {v}" for k, v in sorted(self.per_status.items()) if v) or _(
            "niets te verzenden"
        )
        extra = f" ({self.gestopt})" if self.gestopt else ""
        return f"{brin}: {delen}{extra}"


def verzenden(
    *, brin: str | None = None, door=None, kanaal: str = Kanaal.JOB, voortgang=None
) -> list[Resultaat]:
    """Send what is queued, per instelling (or only ``brin``). One failing instelling does not stop
    the others; nothing of it is recorded."""
    with locks.enkele_run(LOCK):
        nu = timezone.now()
        due = Q(volgende_poging__isnull=True) | Q(volgende_poging__lte=nu)
        qs = RodBericht.objects.filter(due, status=BerichtStatus.IN_WACHTRIJ)
        if brin:
            qs = qs.filter(instelling__brin=brin.strip().upper())
        instellingen = list(Instelling.objects.filter(pk__in=qs.values("instelling_id")).order_by("brin"))
        resultaten = []
        for instelling in instellingen:
            try:
                r = instelling_verzenden(instelling, door=door, kanaal=kanaal)
            except Exception as exc:
                r = Resultaat(instelling=instelling, fout=type(exc).__name__)
                logger.exception("rod_verzenden %s mislukt; er is niets vastgelegd", instelling.brin)
            else:
                logger.info("rod_verzenden %s", r.regel())
            resultaten.append(r)
            if voortgang is not None:
                voortgang(_("%(i)s van %(n)s instellingen") % {"i": len(resultaten), "n": len(instellingen)})
        return resultaten


def instelling_verzenden(instelling: Instelling, *, door=None, kanaal: str = Kanaal.JOB) -> Resultaat:
    resultaat = Resultaat(instelling=instelling)
    transport = tp.transport_voor(instelling)
    opgeslagen = None
    try:
        with transaction.atomic():
            # One run per instelling at a time (PostgreSQL); the lock above guards the job as a whole.
            list(Instelling.objects.select_for_update().filter(pk=instelling.pk).values_list("pk"))
            nu = timezone.now()
            resultaat.weigeringen = signalen.open_weigeringen(instelling)
            vanaf = 0
            while not resultaat.gestopt:
                # Locked: a change committed meanwhile waits, then queues a new message (wachtrij).
                blok = _blok_lezen(instelling, vanaf, nu)
                if not blok:
                    break
                vanaf = blok[-1][0].pk
                _blok_verzenden(blok, transport, resultaat, nu)
                if settings.DEBUG:
                    reset_queries()
            afronden = getattr(transport, "afronden", None)
            if afronden is not None:
                levering = afronden(door=door, kanaal=kanaal)
                if levering is not None:
                    opgeslagen = levering.bestand.name
                    resultaat.levering_id = levering.pk
    except BaseException:
        if opgeslagen:  # the row is gone with the rollback: so is its file
            with contextlib.suppress(Exception):
                RodLevering._meta.get_field("bestand").storage.delete(opgeslagen)
        raise
    return resultaat


# ------------------------------------------------------------------------------------------ building


@dataclasses.dataclass(slots=True)
class Wachtend:
    """A queued message as the job reads it: plain values, no model instance (a first full
    delivery reads half a million). The rare paths that change one (a temporary error, a
    refusal's signal) load the model instance."""

    pk: int
    document_id: uuid.UUID
    soort: str
    inschrijving_id: int | None
    sleutel: str
    correctie: str
    aangemaakt: datetime.datetime
    pogingen: int
    inhoud: str
    levering_id: int | None
    positie: int | None
    lengte: int | None


_BERICHT_VELDEN = tuple(f.name for f in dataclasses.fields(Wachtend) if f.name != "pk")
# What a message is built from, read with the queued message in the same query.
_BRON_VELDEN = bronrijen.velden("inschrijving__")


def _blok_lezen(instelling: Instelling, vanaf: int, nu) -> list[tuple[Wachtend, fmt.Bron | None, bool]]:
    """The next block of due messages (locked), each with its Bron and whether the student is
    anonymised: one query for the block, one for its fase changes."""
    rijen = list(
        RodBericht.objects.select_for_update(of=("self",))
        .filter(instelling=instelling, status=BerichtStatus.IN_WACHTRIJ, pk__gt=vanaf)
        .filter(Q(volgende_poging__isnull=True) | Q(volgende_poging__lte=nu))
        .order_by("pk")
        .annotate(**_BRON_VELDEN)
        .values_list("pk", *_BERICHT_VELDEN, *_BRON_VELDEN)[:BLOK]
    )
    n = 1 + len(_BERICHT_VELDEN)
    wissels = bronrijen.wissels([r[3] for r in rijen if r[n] is not None])
    return [_uit_rij(r[:n], dict(zip(_BRON_VELDEN, r[n:], strict=True)), wissels) for r in rijen]


def _uit_rij(bericht: tuple, r: dict, wissels: dict) -> tuple[Wachtend, fmt.Bron | None, bool]:
    b = Wachtend(*bericht)
    if r["i_brin"] is None or b.soort != RodBerichtSoort.INSCHRIJVING:  # gone, or a deletion
        return b, None, True
    return b, bronrijen.bron(r, wissels.get(b.inschrijving_id, [])), r["i_geanonimiseerd"] is not None


def _vorige(ids: list[int]) -> dict[int, bytes]:
    """Per enrolment the XML of the last message that went out (its periods are the history to
    keep), all of the block's at once (wachtrij.inhouden)."""
    laatste = {}
    for ins_id, *plaats in (
        RodBericht.objects.filter(
            wachtrij.GELEVERD_Q, inschrijving_id__in_ids=ids, soort=RodBerichtSoort.INSCHRIJVING
        )
        .filter(Q(inhoud__gt="") | Q(positie__isnull=False))
        .order_by("inschrijving_id", "pk")
        .values_list("inschrijving_id", "inhoud", "levering_id", "positie", "lengte")
    ):
        laatste[ins_id] = plaats
    return wachtrij.inhouden(laatste)


def _bericht_voor(b: Wachtend, bron: fmt.Bron, vorige: bytes | None, tijd):
    """The message of one queued row (a withdrawn enrolment: its deletion)."""
    if bron.reden_einde == fmt.CORRECTIE:
        return fmt.verwijderbericht_uit(bron, document_id=b.document_id, tijd=tijd)
    oud = bericht_lezen.lezen(vorige) if vorige is not None else None
    per = timezone.localdate(b.aangemaakt) if oud is not None else None
    return fmt.bericht_uit(
        bron, document_id=b.document_id, correctie=b.correctie or None, tijd=tijd, vorige=oud, per=per
    )


def _blok_verzenden(blok: list[tuple], transport, resultaat: Resultaat, nu) -> None:
    ids = [b.inschrijving_id for b, bron, _anoniem in blok if bron is not None]
    vorige = _vorige(ids) if ids else {}
    uitkomst: dict[tuple, list] = defaultdict(list)  # (status, toelichting) -> messages
    plaatsen: dict[int, tuple] = {}  # message pk -> its place in a batch file (file transport)
    per_batch = getattr(transport, "bewaart_inhoud", False)
    tijdelijk_op_rij = 0
    for b, bron, anoniem in blok:
        if resultaat.gestopt:
            break
        if b.soort == RodBerichtSoort.VERWIJDERING:
            xml = wachtrij.inhoud(b)
        else:
            if bron is None or anoniem:
                uitkomst[(BerichtStatus.INGETROKKEN, _("De inschrijving is er niet meer."))].append(b)
                continue
            if bron.reden_einde == fmt.CORRECTIE and b.inschrijving_id not in vorige:
                uitkomst[(BerichtStatus.INGETROKKEN, _("Als correctie beëindigd en nooit geleverd."))].append(
                    b
                )
                continue
            m = _bericht_voor(b, bron, vorige.get(b.inschrijving_id), nu)
            # A batch joins the elements: no XML declaration to write and strip per message.
            xml = fmt.naar_tekst(m).encode() if per_batch else fmt.naar_xml(m)
            # Every message is checked; a transport that sends one by one also holds it to the XSD
            # (the file batch validates its blocks beside the job, see transport.BestandTransport).
            fouten = fmt.controleren(m) or ([] if per_batch else bericht_lezen.valideren(xml))
            if fouten:
                toelichting = _("Niet verzonden: het bericht voldoet niet aan het schema: %(f)s") % {
                    "f": "; ".join(fouten[:5])
                }
                uitkomst[(BerichtStatus.AFGEKEURD, toelichting)].append(b)
                continue
            b.soort = RodBerichtSoort.VERWIJDERING if isinstance(m, fmt.VerwijderBericht) else b.soort
            if not per_batch:
                b.inhoud = wachtrij.inhoud_versleutelen(xml)
        try:
            ontvangst = transport.verzenden(b, xml)
        except tp.TijdelijkeFout as exc:
            tijdelijk_op_rij += 1
            _tijdelijk(b, str(exc), nu)
            resultaat.per_status["tijdelijke fout"] += 1
            if tijdelijk_op_rij >= MAX_TIJDELIJK_OP_RIJ:
                resultaat.gestopt = _("gestopt na %(n)s tijdelijke fouten op rij") % {"n": tijdelijk_op_rij}
            continue
        except tp.DefinitieveFout as exc:
            uitkomst[(BerichtStatus.AFGEKEURD, str(exc)[:1000])].append(b)
            continue
        tijdelijk_op_rij = 0
        status = BerichtStatus.ONTVANGEN if ontvangst.ontvangen else BerichtStatus.VERZONDEN
        uitkomst[(status, ontvangst.melding or "")].append(b)
        if ontvangst.plaats is not None:
            plaatsen[b.pk] = ontvangst.plaats
    _vastleggen(uitkomst, resultaat, nu, plaatsen)


def _tijdelijk(b: Wachtend, melding: str, nu) -> None:
    pogingen = b.pogingen + 1
    volgende = nu + backoff(pogingen)
    toelichting = _("Tijdelijke fout bij poging %(n)s (%(m)s); nieuwe poging na %(t)s.") % {
        "n": pogingen,
        "m": melding[:300],
        "t": timezone.localtime(volgende).strftime("%d-%m-%Y %H:%M"),
    }
    wachtrij.status_zetten(
        RodBericht.objects.get(pk=b.pk),
        BerichtStatus.IN_WACHTRIJ,
        toelichting=toelichting,
        tijd=nu,
        pogingen=pogingen,
        volgende_poging=volgende,
    )


def _vastleggen(uitkomst: dict, resultaat: Resultaat, nu, plaatsen: dict) -> None:
    """The outcome of a block: per status one set-based update of status and history (with the
    place in the batch file, for a file transport), and the content of the messages that went out."""
    for (status, toelichting), berichten in uitkomst.items():
        resultaat.per_status[status] += len(berichten)
        _inhoud_opslaan([b for b in berichten if b.inhoud or b.soort == RodBerichtSoort.VERWIJDERING])
        verstuurd = status in (BerichtStatus.VERZONDEN, BerichtStatus.ONTVANGEN)
        extra = {"pogingen": F("pogingen") + 1} if verstuurd else {}  # one UPDATE with the status
        met_plaats = [b.pk for b in berichten if b.pk in plaatsen]
        zonder = [b.pk for b in berichten if b.pk not in plaatsen]
        for ids, plaats in ((met_plaats, [plaatsen[pk] for pk in met_plaats]), (zonder, None)):
            wachtrij.statussen_zetten(
                ids, status, toelichting=toelichting, tijd=nu, plaatsen=plaats, volgende_poging=None, **extra
            )
        if verstuurd and resultaat.weigeringen:
            signalen.alsnog_verzonden(resultaat.weigeringen, resultaat.instelling, berichten)
        if status == BerichtStatus.AFGEKEURD:  # refused before or when sending: never unseen
            geweigerd = RodBericht.objects.filter(pk__in_ids=[b.pk for b in berichten]).order_by("pk")
            signalen.niet_verzonden(resultaat.instelling, list(geweigerd), toelichting)


def _inhoud_opslaan(berichten: list[Wachtend]) -> None:
    """The content (and kind) as sent. PostgreSQL: one UPDATE … FROM (VALUES …) per block."""
    if not berichten:
        return
    if connection.vendor != "postgresql":
        for b in berichten:  # SQLite: tests and small installations
            RodBericht.objects.filter(pk=b.pk).update(inhoud=b.inhoud, soort=b.soort)
        return
    tabel = connection.ops.quote_name(RodBericht._meta.db_table)
    for start in range(0, len(berichten), 1000):
        deel = berichten[start : start + 1000]
        waarden = ", ".join(["(%s, %s, %s)"] * len(deel))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {tabel} AS b SET inhoud = v.inhoud, soort = v.soort "
                f"FROM (VALUES {waarden}) AS v(id, inhoud, soort) WHERE b.id = v.id::bigint",
                [x for b in deel for x in (b.pk, b.inhoud, b.soort)],
            )


def nu_leveren(instelling: Instelling, *, door, kanaal: str = Kanaal.UI):
    """ "Nu leveren" on the screen: a run of the sending job for one instelling, queued for the
    worker after the commit, recorded as a JobRun and in the audit trail."""
    from registratie.jobs import services as jobs
    from registratie.jobs.models import Taak
    from registratie.rod.tasks import rod_verzenden_task
    from samenwerking import audit
    from samenwerking.models import AuditActie

    task_id = uuid.uuid4().hex
    with transaction.atomic():
        run = jobs.run_aanmaken(Taak.ROD_VERZENDEN, kanaal=kanaal, door=door, task_id=task_id)
        audit.record(
            run,
            actie=AuditActie.AANGEMAAKT,
            door=door,
            kanaal=kanaal,
            nieuw={"taak": Taak.ROD_VERZENDEN, "brin": instelling.brin},
        )
        transaction.on_commit(
            lambda: rod_verzenden_task.apply_async(
                kwargs={"run_id": run.pk, "brin": instelling.brin}, task_id=task_id
            )
        )
    return run
