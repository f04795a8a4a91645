"""ROD format 1: apply a run's state changes in batches (close and open signals, upsert RodStand rows
through COPY on PostgreSQL)."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.db import connection, reset_queries
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie.models import (
    SIGNAAL_OPEN,
    RodLevering,
    RodStand,
    Signaal,
    SignaalStatus,
)
from registratie.rod import selectors
from registratie.rod.v1_bouwen import (
    BRON,
    DEZE_LEVERING,
    _Stapels,
    signaal_sleutel_afgekeurd,
    signaal_sleutel_vastgehouden,
)
from samenwerking import audit
from samenwerking.models import Instelling, Kanaal


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
