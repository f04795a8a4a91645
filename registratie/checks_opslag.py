"""Storing the fase check's findings as signals, with their audit rows (registratie.checks).

Two ways, one outcome (the same signals and the same audit rows; tests run both):

- PostgreSQL, set-based: the findings stream into a temporary table by ``COPY``; one statement
  then adds the signals of the new findings together with their audit rows (``INSERT … SELECT``
  in a CTE), and the keys to close are compared in the database. Python holds one finding at a
  time, so memory does not grow with the number of findings (1,000,000 inschrijvingen: issue 10).
- any other database (SQLite in the tests and the embedded default): batches of findings, each
  looked up by key and added with ``bulk_create``; the keys found are kept to close the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from registratie import checks
from registratie.models import Signaal, SignaalStatus
from samenwerking import audit
from samenwerking.models import AuditActie, AuditRegel, Kanaal

_CHUNK = 500  # ids per UPDATE or IN (SQLite allows 999 parameters)
_BATCH = 1000  # signals per INSERT (PostgreSQL allows 65535 parameters)
_COPY_PER = 5000  # findings per COPY (memory: one part at a time)
_TABEL = "fasecontrole_bevinding"
_KOLOMMEN = (
    *("seq", "regel", "sleutel", "toelichting", "overeenkomst_id", "leerling_id", "inschrijving_id"),
    *("instelling_id", "partner_instelling_id", "voorgestelde_datum", "leerroute_id"),
)


def opslaan(bevindingen: Iterable, resultaat) -> None:
    """Add the signals of the new findings (an open or dismissed one stays as it is) and close the
    open signals of the fase check whose cause was not found again."""
    if connection.vendor == "postgresql":
        _opslaan_in_database(bevindingen, resultaat)
    else:
        _opslaan_per_batch(bevindingen, resultaat)


def planner_instellen() -> None:
    """PostgreSQL, for the fase check's transaction only (set_config(…, true) = SET LOCAL): no JIT.
    The rules' per-row subqueries make the planner's cost estimates huge, so it JIT-compiled each
    big rule query and the monitoring's: EXPLAIN ANALYZE showed 0.8–2.0 s of compiling per query
    at a million enrolments, for queries that run 3–6 s (docs/benchmarks.md, section fase).
    And cursor_tuple_fraction 1: the rules stream through server-side cursors, which PostgreSQL
    plans for the first 10 % of the rows (nested loops); the check reads every row, so plan for
    all of them (first run at 499,000 inschrijvingen 15.2/14.2 s → 13.8/13.0 s, quiet machine).
    (More work_mem was tried: the in-memory sorts were no faster than the spilled ones.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('cursor_tuple_fraction', '1', true)"
            )


# --- PostgreSQL: COPY into a temporary table, then set-based ---------------------------------------


def _opslaan_in_database(bevindingen: Iterable, resultaat) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_TABEL}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_TABEL} (seq bigint, regel varchar(20), sleutel varchar(200), "
            "toelichting text, overeenkomst_id bigint, leerling_id bigint, inschrijving_id bigint, "
            "instelling_id bigint, partner_instelling_id bigint, voorgestelde_datum date, "
            "leerroute_id bigint, cohort integer)"
        )
        gezien: set[str] = set()  # only with details: the command prints each finding once
        deel: list[tuple] = []
        for seq, b in enumerate(bevindingen):
            deel.append((seq, *(getattr(b, k) for k in _KOLOMMEN[1:])))
            if resultaat.details and b.sleutel not in gezien:
                gezien.add(b.sleutel)
                resultaat.bevindingen.append(b)
            if len(deel) >= _COPY_PER:
                _copy(cursor, deel)
                deel = []
        _copy(cursor, deel)
        cursor.execute(f"CREATE INDEX ON {_TABEL} (sleutel)")
        # Statistics first: without them the cohort's UPDATE plans for ~900,000 rows.
        cursor.execute(f"ANALYZE {_TABEL}")
        _cohort_invullen(cursor)
        _tellen(cursor, resultaat)
        _nieuwe_signalen(cursor, resultaat)
        if resultaat.details:
            cursor.execute(
                f"SELECT DISTINCT b.sleutel FROM {_TABEL} b WHERE "
                + _signaal_met_sleutel("b", [SignaalStatus.AFGEWEZEN])
                + " AND NOT "
                + _signaal_met_sleutel("b", checks.OPEN),
                [checks.BRON, SignaalStatus.AFGEWEZEN, checks.BRON, *checks.OPEN],
            )
            resultaat.afgewezen = {r[0] for r in cursor.fetchall()}
        cursor.execute(
            f"SELECT s.id FROM {Signaal._meta.db_table} s WHERE s.bron = %s AND s.status IN (%s, %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {_TABEL} b WHERE b.sleutel = s.sleutel) ORDER BY s.id",
            [checks.BRON, *checks.OPEN],
        )
        te_sluiten = [r[0] for r in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {_TABEL}")
    sluiten(te_sluiten, resultaat)


def _copy(cursor, rijen: list[tuple]) -> None:
    """One COPY per part: the rules' queries stream on the same connection in between (a COPY
    holds the connection until it ends)."""
    if rijen:
        with cursor.cursor.copy(f"COPY {_TABEL} ({', '.join(_KOLOMMEN)}) FROM STDIN") as copy:
            for rij in rijen:
                copy.write_row(rij)


def _cohort_invullen(cursor) -> None:
    """The findings' cohort from their enrolment, as Signaal.objects.bulk_create fills it (the
    same query, models.route_en_cohort, joined by enrolment id): one UPDATE."""
    from registratie.models import route_en_cohort_qs

    sql, params = route_en_cohort_qs().query.sql_with_params()
    cursor.execute(
        f"UPDATE {_TABEL} b SET cohort = i.c FROM ({sql}) i (id, route, c) WHERE i.id = b.inschrijving_id",
        params,
    )


def _signaal_met_sleutel(alias: str, statussen) -> str:
    plekken = ", ".join(["%s"] * len(statussen))
    return (
        f"EXISTS (SELECT 1 FROM {Signaal._meta.db_table} s WHERE s.sleutel = {alias}.sleutel "
        f"AND s.bron = %s AND s.status IN ({plekken}))"
    )


def _tellen(cursor, resultaat) -> None:
    """Per rule, once per key (a key found twice counts once: the first finding)."""
    cursor.execute(
        f"SELECT regel, count(*), count(voorgestelde_datum) FROM (SELECT DISTINCT ON (sleutel) regel, "
        f"voorgestelde_datum FROM {_TABEL} ORDER BY sleutel, seq) b GROUP BY regel"
    )
    for regel, n, overgangen in cursor.fetchall():
        resultaat.per_regel[regel] += n
        resultaat.aantal_overgangen += overgangen


def _snapshot_sql(alias: str) -> str:
    """samenwerking.audit.snapshot() of a Signaal row, in SQL: the fields model_to_dict() takes,
    by name, with the row's values (ids, text, dates as ISO text; JSON like DjangoJSONEncoder)."""
    velden = [f for f in Signaal._meta.concrete_fields if f.editable]
    assert set(model_to_dict(Signaal())) == {f.name for f in velden}
    return "jsonb_build_object(" + ", ".join(f"'{f.name}', {alias}.{f.column}" for f in velden) + ")"


def _nieuwe_signalen(cursor, resultaat) -> None:
    """One statement: the first finding per key that has no open or dismissed signal becomes a
    signal, and each new signal its audit row ('aangemaakt' by the job, like audit.record_created_bulk)."""
    s = Signaal._meta.db_table
    kolommen = (
        *("regel", "sleutel", "toelichting", "overeenkomst_id", "leerling_id", "inschrijving_id"),
        *("instelling_id", "partner_instelling_id", "voorgestelde_datum", "leerroute_id", "cohort"),
    )
    nu = timezone.now()
    cursor.execute(
        f"""
        WITH bevinding AS (
            SELECT DISTINCT ON (sleutel) * FROM {_TABEL} ORDER BY sleutel, seq
        ), nieuw AS (
            INSERT INTO {s} ({", ".join(kolommen)}, bron, status, aangemaakt_op, afhandeling)
            SELECT {", ".join("b." + k for k in kolommen)}, %s, %s, %s, ''
            FROM bevinding b
            WHERE NOT {_signaal_met_sleutel("b", [*checks.OPEN, SignaalStatus.AFGEWEZEN])}
            ORDER BY b.seq
            RETURNING *
        )
        INSERT INTO {AuditRegel._meta.db_table} (tijdstip, gebruiker_id, kanaal, actie, model, object_id,
            object_repr, oud, nieuw, instelling_id, partner_instelling_id, api_sleutel)
        SELECT %s, NULL, %s, %s, %s, n.id::text, left(n.regel || ': ' || left(n.toelichting, 80), 200),
            NULL, {_snapshot_sql("n")}, n.instelling_id, n.partner_instelling_id, ''
        FROM nieuw n
        RETURNING nieuw ->> 'sleutel'
        """,
        [
            checks.BRON,
            SignaalStatus.OPEN,
            nu,
            checks.BRON,
            *checks.OPEN,
            SignaalStatus.AFGEWEZEN,
            nu,
            Kanaal.JOB,
            AuditActie.AANGEMAAKT,
            Signaal._meta.label,
        ],
    )
    if resultaat.details:
        resultaat.nieuw = {r[0] for r in cursor.fetchall()}
        resultaat.aantal_nieuw += len(resultaat.nieuw)
    else:
        resultaat.aantal_nieuw += cursor.rowcount


# --- any other database: per batch ------------------------------------------------------------------


def _opslaan_per_batch(bevindingen: Iterable, resultaat) -> None:
    gevonden: set[str] = set()
    batch: list = []
    for b in bevindingen:
        if b.sleutel in gevonden:
            continue
        gevonden.add(b.sleutel)
        batch.append(b)
        if len(batch) >= _CHUNK:
            _batch_verwerken(batch, resultaat)
            batch = []
    _batch_verwerken(batch, resultaat)
    open_ = Signaal.objects.filter(bron=checks.BRON, status__in=checks.OPEN)
    # Read first, then write: SQLite has no isolation between a running read and a write.
    ids = [
        pk
        for pk, sleutel in open_.order_by("pk").values_list("pk", "sleutel").iterator(chunk_size=_BATCH)
        if sleutel not in gevonden
    ]
    sluiten(ids, resultaat)


def _batch_verwerken(batch: list, resultaat) -> None:
    """Add the signals of the new findings in ``batch``; an open one or a dismissed one stays."""
    if not batch:
        return
    bestaand = list(
        Signaal.objects.filter(
            bron=checks.BRON,
            sleutel__in=[b.sleutel for b in batch],
            status__in=[*checks.OPEN, SignaalStatus.AFGEWEZEN],
        ).values_list("sleutel", "status")
    )
    open_ = {sleutel for sleutel, status in bestaand if status in checks.OPEN}
    afgewezen = {sleutel for sleutel, status in bestaand if status == SignaalStatus.AFGEWEZEN} - open_
    nieuw = [b.als_signaal() for b in batch if b.sleutel not in open_ and b.sleutel not in afgewezen]
    if nieuw:
        Signaal.objects.bulk_create(nieuw, batch_size=_BATCH)
        audit.record_created_bulk(nieuw, door=None, kanaal=Kanaal.JOB)
    resultaat.aantal_nieuw += len(nieuw)
    resultaat.per_regel.update(b.regel for b in batch)
    resultaat.aantal_overgangen += sum(1 for b in batch if b.voorgestelde_datum is not None)
    if resultaat.details:
        resultaat.bevindingen += batch
        resultaat.nieuw |= {s.sleutel for s in nieuw}
        resultaat.afgewezen |= afgewezen


# --- closing: the same on every database (few rows: the causes fixed since the last run) -----------


def sluiten(ids: list[int], resultaat) -> None:
    """Close these open signals of the fase check (their cause is gone), with the date and an
    audit row each holding the old values."""
    if not ids:
        return
    nu = timezone.now()
    afhandeling = checks._("Automatisch gesloten: de oorzaak is opgelost (controle van %(datum)s).") % {
        "datum": checks._datum(resultaat.peildatum)
    }
    velden = (
        *("id", "sleutel", "status", "regel", "toelichting", "afhandeling", "gesloten_op"),
        *("instelling_id", "partner_instelling_id"),  # the audit row's instellingen
    )
    open_ = Signaal.objects.filter(bron=checks.BRON, status__in=checks.OPEN)
    for start in range(0, len(ids), _CHUNK):
        deel = list(open_.filter(pk__in=ids[start : start + _CHUNK]).only(*velden).order_by("pk"))
        Signaal.objects.filter(pk__in=[s.pk for s in deel], status__in=checks.OPEN).update(
            status=SignaalStatus.OPGELOST, gesloten_op=nu, afhandeling=afhandeling, afgehandeld_door=None
        )
        # Old values per signal: an 'overgedragen' one keeps its status and notes in the trail.
        audit.record_changed_bulk(
            (
                (
                    s,
                    {"status": s.status, "gesloten_op": s.gesloten_op, "afhandeling": s.afhandeling},
                    {"status": SignaalStatus.OPGELOST, "gesloten_op": nu, "afhandeling": afhandeling},
                )
                for s in deel
            ),
            door=None,
            kanaal=Kanaal.JOB,
        )
        resultaat.aantal_gesloten += len(deel)
        if resultaat.details:
            for s in deel:
                s.status, s.gesloten_op, s.afhandeling = SignaalStatus.OPGELOST, nu, afhandeling
            resultaat.gesloten += deel
