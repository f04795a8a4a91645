"""The ROD queue (transactional outbox, format v2).

Every change to a field that a message carries queues the enrolment, in the same database
transaction as the change, whatever made it: ``samenwerking.services.opslaan`` is the one write
path of the screens, the admin, the API, the import and the jobs, and runs the hooks registered
here (samenwerking.afhankelijkheden.bij_signaleren) after the save, inside its transaction.
Deleting an enrolment (any way, also a queryset delete) queues its deletion message through
Django's pre_delete signal, in the delete's transaction.

A queued message holds no content yet: the sending job (registratie.rod.verzenden) builds it from
the enrolment's state at send time, so ten changes before the night are one message. Only a
deletion message is built when it is queued, because the enrolment is gone by then.

The status of a message changes only through ``status_zetten`` (or its set-based twin for the
job), which writes one RodBerichtStatus row per change, with its time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Lookup, Q
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie.models import (
    BerichtStatus,
    Fasewissel,
    Inschrijving,
    RodBericht,
    RodBerichtSoort,
    RodBerichtStatus,
)
from samenwerking import afhankelijkheden, versleuteling

ANALYSEREN_VANAF = 10_000  # queued in one fill: refresh the planner's statistics
BLOK = 500  # ids per query (SQLite allows 999 parameters)
GELEVERD = (BerichtStatus.VERZONDEN, BerichtStatus.ONTVANGEN, BerichtStatus.GEACCEPTEERD)
# The same set as a filter that leaves the planner only the enrolment's index: with status IN
# (…) it may take the screen's status index (rodbericht_status_idx) and read every delivered
# message of the country per lookup; during a first delivery its statistics say "none delivered
# yet", and each block's lookup read every message the run had sent so far (19 s of the run).
GELEVERD_Q = ~Q(status__in=[s for s in BerichtStatus.values if s not in GELEVERD])
EINDSTATUS = (BerichtStatus.GEACCEPTEERD, BerichtStatus.AFGEKEURD, BerichtStatus.INGETROKKEN)

# Inschrijving fields no message carries: a change of only these queues nothing.
NIET_GELEVERD = frozenset({"vmbo_diploma_datum", "vo_activiteiten_afgerond_op", "id"})


def _blokken(ids: list) -> Iterable[list]:
    blok = BLOK if connection.vendor != "postgresql" else 5000
    for start in range(0, len(ids), blok):
        yield ids[start : start + blok]


@models.Field.register_lookup
class InIds(Lookup):
    """``veld__in_ids=[…]``: a block of ids. On PostgreSQL ``= ANY(%s)`` with one array parameter
    instead of a placeholder per id (psycopg's client-side binding parses the SQL text per
    placeholder, which cost more than the query itself for 2,000 ids; ``IN (SELECT unnest(…))``
    made the planner expect 200 rows and scan the whole table per block). Elsewhere ``IN (…)``."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = [int(i) for i in self.rhs]
        if not ids:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*params, *ids]

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, [int(i) for i in self.rhs]]


models.ForeignObject.register_lookup(InIds)  # a foreign key keeps its own set of lookups


# ------------------------------------------------------------------------------------------ statuses


def status_zetten(
    bericht: RodBericht, status: str, *, toelichting: str = "", tijd=None, **velden
) -> RodBericht:
    """The only way a message's status changes: the row and its history in one step. A withdrawn
    message stays withdrawn. ``velden``: other fields to save with it (pogingen, inhoud, …)."""
    if bericht.status == BerichtStatus.INGETROKKEN and status != BerichtStatus.INGETROKKEN:
        raise ValidationError(_("Een ingetrokken ROD-bericht krijgt geen nieuwe status."))
    tijd = tijd or timezone.now()
    with transaction.atomic():
        bericht.status, bericht.toelichting = status, toelichting
        for k, v in velden.items():
            setattr(bericht, k, v)
        bericht.save(update_fields=["status", "toelichting", "gewijzigd", *velden])
        RodBerichtStatus.objects.create(bericht=bericht, status=status, tijd=tijd, toelichting=toelichting)
    return bericht


def statussen_zetten(
    bericht_ids: list[int], status: str, *, toelichting: str = "", tijd=None, plaatsen=None, **velden
) -> int:
    """status_zetten for many messages at once (the sending job): one UPDATE, one INSERT.
    ``plaatsen``: per message (levering_id, positie, lengte) in the batch file it went out in, set
    in the same UPDATE (a second UPDATE of the row cost as much again at a first delivery)."""
    if not bericht_ids:
        return 0
    tijd = tijd or timezone.now()
    if plaatsen is not None:
        return _statussen_met_plaats(bericht_ids, plaatsen, status, toelichting, tijd, velden)
    n = 0
    for blok in _blokken(bericht_ids):
        n += (
            RodBericht.objects.filter(pk__in_ids=blok)
            .exclude(status=BerichtStatus.INGETROKKEN)
            .update(status=status, toelichting=toelichting, gewijzigd=tijd, **velden)
        )
        _statusregels(blok, status, tijd, toelichting)
    return n


def _statussen_met_plaats(ids: list[int], plaatsen: list[tuple], status, toelichting, tijd, velden) -> int:
    """statussen_zetten with each message's place: on PostgreSQL one UPDATE … FROM unnest(arrays)
    per block; elsewhere one UPDATE per message (SQLite: tests and small installations)."""
    if connection.vendor != "postgresql":
        n = 0
        for pk, (levering_id, positie, lengte) in zip(ids, plaatsen, strict=True):
            n += (
                RodBericht.objects.filter(pk=pk)
                .exclude(status=BerichtStatus.INGETROKKEN)
                .update(
                    status=status,
                    toelichting=toelichting,
                    gewijzigd=tijd,
                    levering_id=levering_id,
                    positie=positie,
                    lengte=lengte,
                    **velden,
                )
            )
        _statusregels(ids, status, tijd, toelichting)
        return n
    # The ORM's update() cannot join an unnest(); the other fields go in as plain values.
    extra = {k: v for k, v in velden.items() if k not in ("pogingen", "volgende_poging")}
    if extra:
        raise ValueError(f"niet ondersteund met plaatsen: {sorted(extra)}")
    pogingen = "b.pogingen + 1" if "pogingen" in velden else "b.pogingen"
    tabel = connection.ops.quote_name(RodBericht._meta.db_table)
    n = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            deel, plaats = ids[start : start + 5000], plaatsen[start : start + 5000]
            cursor.execute(
                f"UPDATE {tabel} AS b SET status = %s, toelichting = %s, gewijzigd = %s, "
                f"pogingen = {pogingen}, volgende_poging = %s, levering_id = v.levering_id, "
                "positie = v.positie, lengte = v.lengte "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::integer[]) "
                "AS v(id, levering_id, positie, lengte) WHERE b.id = v.id AND b.status <> %s",
                [
                    status,
                    toelichting,
                    tijd,
                    velden.get("volgende_poging"),
                    list(deel),
                    [p[0] for p in plaats],
                    [p[1] for p in plaats],
                    [p[2] for p in plaats],
                    BerichtStatus.INGETROKKEN,
                ],
            )
            n += cursor.rowcount
            _statusregels(deel, status, tijd, toelichting)
    return n


def _statusregels(ids: list[int], status: str, tijd, toelichting: str) -> None:
    """One history row per message: on PostgreSQL one INSERT … SELECT unnest (no model instance per
    row: a first full delivery writes half a million)."""
    if connection.vendor != "postgresql":
        RodBerichtStatus.objects.bulk_create(
            [RodBerichtStatus(bericht_id=pk, status=status, tijd=tijd, toelichting=toelichting) for pk in ids]
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RodBerichtStatus._meta.db_table} (bericht_id, status, tijd, toelichting) "
            "SELECT unnest(%s::bigint[]), %s, %s, %s",
            [list(ids), status, tijd, toelichting],
        )


# ------------------------------------------------------------------------------------------ queueing


@transaction.atomic
def in_wachtrij(inschrijving_ids: Iterable[int], *, reden: str = "") -> int:
    """Queue the enrolments (set-based): one queued message per enrolment at most; one already
    queued stays (it is built at send time), with ``reden`` (a correction) added. Returns how
    many messages were created."""
    ids = sorted({i for i in inschrijving_ids if i})
    gemaakt = 0
    for blok in _blokken(ids):
        al = RodBericht.objects.filter(
            inschrijving_id__in=blok, status=BerichtStatus.IN_WACHTRIJ, soort=RodBerichtSoort.INSCHRIJVING
        )
        if reden:
            for b in al.exclude(correctie__contains=reden):
                b.correctie = f"{b.correctie}\n{reden}".strip()
                b.save(update_fields=["correctie", "gewijzigd"])
        # Locked (PostgreSQL): while the sending job holds a message, this waits; once the job
        # committed, that message is no longer queued and a new one is made for this change.
        bekend = set(al.select_for_update().values_list("inschrijving_id", flat=True))
        rijen = (
            Inschrijving.objects.filter(pk__in=[i for i in blok if i not in bekend])
            .filter(leerling__geanonimiseerd_op__isnull=True)
            .values_list("pk", "instelling_id", "inschrijvingsvolgnummer", "sector")
        )
        nieuw = [
            RodBericht(
                document_id=uuid.uuid4(),
                instelling_id=inst,
                inschrijving_id=pk,
                sleutel=sleutel,
                sector=sector,
                soort=RodBerichtSoort.INSCHRIJVING,
                correctie=reden,
            )
            for pk, inst, sleutel, sector in rijen
        ]
        gemaakt += _aanmaken(nieuw)
    return gemaakt


def _aanmaken(nieuw: list[RodBericht], toelichting: str = "") -> int:
    """Insert queued messages and their first status row. A concurrent transaction that queued the
    same enrolment first wins (the partial unique constraint): ours is skipped."""
    if not nieuw:
        return 0
    RodBericht.objects.bulk_create(nieuw, ignore_conflicts=True)
    docs = [b.document_id for b in nieuw]
    pks = list(RodBericht.objects.filter(document_id__in=docs).values_list("pk", flat=True))
    nu = timezone.now()
    RodBerichtStatus.objects.bulk_create(
        [
            RodBerichtStatus(
                bericht_id=pk, status=BerichtStatus.IN_WACHTRIJ, tijd=nu, toelichting=toelichting
            )
            for pk in pks
        ]
    )
    return len(pks)


def is_geleverd(inschrijving_id: int) -> bool:
    """Did ROD get (or may it have got) a message of this enrolment?"""
    return RodBericht.objects.filter(
        GELEVERD_Q, inschrijving_id=inschrijving_id, soort=RodBerichtSoort.INSCHRIJVING
    ).exists()


def intrekken_in_wachtrij(inschrijving_id: int, toelichting: str) -> None:
    """Withdraw the queued (unsent) messages of an enrolment."""
    for b in RodBericht.objects.filter(inschrijving_id=inschrijving_id, status=BerichtStatus.IN_WACHTRIJ):
        status_zetten(b, BerichtStatus.INGETROKKEN, toelichting=toelichting)


def verwijdering_in_wachtrij(inschrijving: Inschrijving, *, sleutel: str | None = None) -> RodBericht | None:
    """Queue the deletion message of an enrolment that ROD got (built now: the row goes away or
    changes its key). ``sleutel``: the key ROD knows, when it was changed since."""
    from registratie.rod import bericht as fmt

    intrekken_in_wachtrij(inschrijving.pk, _("De inschrijving is verwijderd of kreeg een ander volgnummer."))
    if not is_geleverd(inschrijving.pk):
        return None
    bron = fmt.bron_van(inschrijving)
    if sleutel:
        bron.sleutel = sleutel
    document_id = uuid.uuid4()
    xml = fmt.naar_xml(fmt.verwijderbericht_uit(bron, document_id=document_id))
    return verwijdering_van(
        instelling_id=inschrijving.instelling_id,
        sleutel=bron.sleutel,
        sector=inschrijving.sector,
        xml=xml,
        document_id=document_id,
    )


def verwijdering_van(*, instelling_id: int, sleutel: str, sector: str, xml: bytes, document_id) -> RodBericht:
    """Queue a deletion message whose XML is built already (``xml`` carries ``document_id``):
    the enrolment is gone, or only DUO has it (reconciliation)."""
    b = RodBericht(
        document_id=document_id,
        instelling_id=instelling_id,
        inschrijving=None,
        sleutel=sleutel,
        sector=sector,
        soort=RodBerichtSoort.VERWIJDERING,
        inhoud=inhoud_versleutelen(xml),
    )
    _aanmaken([b])
    return b


def inhoud_versleutelen(xml: bytes) -> str:
    return versleuteling.fernet().encrypt(xml).decode("ascii")


def inhoud_ontsleutelen(token: str) -> bytes:
    """The counterpart of inhoud_versleutelen."""
    return versleuteling.fernet().decrypt(token.encode("ascii"))


def inhoud(bericht) -> bytes:
    """The XML as sent (decrypted; it holds the BSN: callers mask or audit): from the row, or from
    its place in the batch file it went out in. ``bericht``: a RodBericht or the sending job's
    plain row of one."""
    plaats = (bericht.inhoud, bericht.levering_id, bericht.positie, bericht.lengte)
    return inhouden({bericht.pk: plaats}).get(bericht.pk, b"")


def inhouden(plaatsen: dict) -> dict:
    """inhoud() of many messages at once: per key its (inhoud, levering_id, positie, lengte), the
    XML of each that has one; each batch file is opened once and each chunk decrypted once
    (opslag.delen_lezen), not once per message."""
    from registratie.models import RodLevering
    from registratie.rod import opslag

    uit, per_levering = {}, defaultdict(list)
    for sleutel, (token, levering_id, positie, lengte) in plaatsen.items():
        if token:
            uit[sleutel] = inhoud_ontsleutelen(token)
        elif levering_id and positie is not None:
            per_levering[levering_id].append((sleutel, positie, lengte))
    for levering in RodLevering.objects.filter(pk__in=list(per_levering)):
        delen = per_levering[levering.pk]
        gelezen = opslag.delen_lezen(levering, [(positie, lengte) for _s, positie, lengte in delen])
        uit.update(zip([sleutel for sleutel, _p, _l in delen], gelezen, strict=True))
    return uit


@transaction.atomic
def opnieuw(bericht: RodBericht) -> RodBericht:
    """The screen's retry. A queued message waiting for its next try goes with the next run (same
    document id); a rejected or withdrawn one is queued as a new message (a new document id: DUO
    answers a known id with its earlier verdict). Returns the message that is now queued."""
    if bericht.status == BerichtStatus.IN_WACHTRIJ:
        return status_zetten(
            bericht, BerichtStatus.IN_WACHTRIJ, toelichting=_("Opnieuw ingepland."), volgende_poging=None
        )
    if bericht.status not in (BerichtStatus.AFGEKEURD, BerichtStatus.INGETROKKEN):
        raise ValidationError(_("Dit bericht is verzonden en wacht op DUO; opnieuw versturen kan niet."))
    if bericht.soort == RodBerichtSoort.INSCHRIJVING:
        if bericht.inschrijving_id is None:
            raise ValidationError(_("De inschrijving bestaat niet meer; er is niets opnieuw te versturen."))
        in_wachtrij([bericht.inschrijving_id])
        return RodBericht.objects.get(
            inschrijving_id=bericht.inschrijving_id, status=BerichtStatus.IN_WACHTRIJ, soort=bericht.soort
        )
    from registratie.rod import bericht as fmt
    from registratie.rod import bericht_lezen

    oud = bericht_lezen.lezen(inhoud(bericht))
    oud.document_id, oud.tijd = uuid.uuid4(), timezone.now()
    return verwijdering_van(
        instelling_id=bericht.instelling_id,
        sleutel=bericht.sleutel,
        sector=bericht.sector,
        xml=fmt.naar_xml(oud),
        document_id=oud.document_id,
    )


# ------------------------------------------------------------------------------------------ hooks


def _correctie(instance, *, door, kanaal) -> str:
    """The correction reason, when the change hit a locked count date (registratie.rod.teldata
    checked it before the save): marked in the audit trail here, and in the message."""
    from registratie.rod import teldata
    from samenwerking import audit
    from samenwerking.models import AuditActie

    geraakt = getattr(instance, "_rod_teldata", None)
    if not geraakt:
        return ""
    reden = teldata.correctiereden(instance)
    audit.record(
        instance,
        actie=AuditActie.GEWIJZIGD,
        door=door,
        kanaal=kanaal,
        nieuw={"rod_correctie": reden, "rod_teldata": [t.datum.isoformat() for t in geraakt]},
    )
    instance._rod_teldata = instance._rod_correctie = None  # a later save of it gives its own
    return reden


@afhankelijkheden.bij_signaleren("registratie.inschrijving")
def _inschrijving_gewijzigd(instance, gewijzigd, oud, *, door, kanaal) -> None:
    if not (gewijzigd - NIET_GELEVERD):
        return
    if oud and "inschrijvingsvolgnummer" in gewijzigd and is_geleverd(instance.pk):
        verwijdering_in_wachtrij(instance, sleutel=oud["inschrijvingsvolgnummer"])  # ROD forgets the old key
    in_wachtrij([instance.pk], reden=_correctie(instance, door=door, kanaal=kanaal))


def een_voor_een(instance, oud: dict | None) -> bool:
    """Must this change of an enrolment be queued on its own? A changed row may need a deletion
    message (a new key) and one that touched a locked count date carries its correction reason;
    only a new enrolment that touches no locked date can join a set-based call."""
    return oud is not None or bool(getattr(instance, "_rod_teldata", None))


@afhankelijkheden.samen_voor(_inschrijving_gewijzigd)
def _inschrijvingen_gewijzigd(rijen: list, *, door, kanaal) -> None:
    """The same for many enrolments saved in one step (a bulk import): the new ones are queued in
    one set-based call, instead of a call per row; the rest go through the hook one by one."""
    in_wachtrij([i.pk for i, _gewijzigd, oud in rijen if not een_voor_een(i, oud)])
    for i, gewijzigd, oud in rijen:
        if een_voor_een(i, oud):
            _inschrijving_gewijzigd(i, gewijzigd, oud, door=door, kanaal=kanaal)


@afhankelijkheden.bij_signaleren("registratie.leerling")
def _leerling_gewijzigd(instance, gewijzigd, oud, *, door, kanaal) -> None:
    if oud is not None and gewijzigd & {"bsn", "onderwijsnummer"}:
        in_wachtrij(instance.inschrijvingen.values_list("pk", flat=True))


@afhankelijkheden.bij_signaleren("registratie.fasewissel")
def _fasewissel_gewijzigd(instance, gewijzigd, oud, *, door, kanaal) -> None:
    in_wachtrij([instance.inschrijving_id], reden=_correctie(instance, door=door, kanaal=kanaal))


@afhankelijkheden.bij_signaleren("samenwerking.vestiging")
def _vestiging_gewijzigd(instance, gewijzigd, oud, *, door, kanaal) -> None:
    if oud is not None and "code" in gewijzigd:
        ids = Inschrijving.objects.filter(
            Q(vestiging=instance) | Q(leerroute__vo_vestiging=instance) | Q(leerroute__mbo_vestiging=instance)
        ).values_list("pk", flat=True)
        in_wachtrij(ids)


@afhankelijkheden.bij_signaleren("leerroute.leerroute")
def _leerroute_gewijzigd(instance, gewijzigd, oud, *, door, kanaal) -> None:
    if oud is not None and gewijzigd & {"vo_vestiging", "mbo_vestiging"}:
        in_wachtrij(instance.inschrijvingen.filter(vestiging__isnull=True).values_list("pk", flat=True))


@afhankelijkheden.bij_signaleren("leerroute.kwalificatie")
def _kwalificatie_gewijzigd(instance, gewijzigd, oud, *, door, kanaal) -> None:
    if oud is not None and gewijzigd & {"crebo", "niveau"}:
        in_wachtrij(Inschrijving.objects.filter(kwalificatie=instance).values_list("pk", flat=True))


@receiver(pre_delete, sender=Inschrijving, dispatch_uid="rod_inschrijving_verwijderd")
def _inschrijving_verwijderd(sender, instance, **kwargs) -> None:
    verwijdering_in_wachtrij(instance)


@receiver(post_delete, sender=Fasewissel, dispatch_uid="rod_fasewissel_verwijderd")
def _fasewissel_verwijderd(sender, instance, origin=None, **kwargs) -> None:
    # Only a fase change deleted on its own: one that goes with its enrolment needs no message.
    if isinstance(origin, Fasewissel) or getattr(origin, "model", None) is Fasewissel:
        in_wachtrij([instance.inschrijving_id])


# ------------------------------------------------------------------------------------------ first fill


@transaction.atomic
def alles_in_wachtrij(instelling=None) -> int:
    """Queue every enrolment (of ``instelling``) that never had a message: the first full delivery
    when an instelling moves to format v2. Set-based: on PostgreSQL one INSERT … SELECT."""
    toelichting = _("Eerste volledige levering.")
    qs = Inschrijving.objects.filter(leerling__geanonimiseerd_op__isnull=True).exclude(
        reden_einde="correctie"
    )
    qs = qs.exclude(pk__in=RodBericht.objects.filter(inschrijving__isnull=False).values("inschrijving_id"))
    qs = qs.order_by("pk")  # not the list's order (by name): a sort of every enrolment for nothing
    if instelling is not None:
        qs = qs.filter(instelling=instelling)
    if connection.vendor != "postgresql":
        return in_wachtrij(qs.values_list("pk", flat=True))
    sql, params = qs.values_list(
        "pk", "instelling_id", "inschrijvingsvolgnummer", "sector"
    ).query.sql_with_params()
    b, s = RodBericht._meta.db_table, RodBerichtStatus._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH bron (id, instelling_id, sleutel, sector) AS ({sql}), "
            f"nieuw AS (INSERT INTO {b} (document_id, instelling_id, inschrijving_id, sleutel, "
            "sector, soort, status, inhoud, pogingen, correctie, toelichting, aangemaakt, gewijzigd) "
            "SELECT gen_random_uuid(), instelling_id, id, sleutel, sector, %s, %s, '', 0, '', '', "
            "now(), now() FROM bron ON CONFLICT DO NOTHING RETURNING id) "
            f"INSERT INTO {s} (bericht_id, status, tijd, toelichting) SELECT id, %s, now(), %s FROM nieuw",
            [
                *params,
                RodBerichtSoort.INSCHRIJVING,
                BerichtStatus.IN_WACHTRIJ,
                BerichtStatus.IN_WACHTRIJ,
                toelichting,
            ],
        )
        n = cursor.rowcount
        if n > ANALYSEREN_VANAF:
            # The sending job picks its plans from the table's statistics; autovacuum would take a
            # while, and until then a lookup per block of the messages just queued scanned the
            # whole table (half a million rows, 250 blocks). ANALYZE sees this transaction's rows.
            cursor.execute(f"ANALYZE {b}")
        return n
