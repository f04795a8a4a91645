"""Explicit audit rows, written by services (never by signals or middleware), so that bulk work
and jobs are recorded too."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.forms.models import model_to_dict

from samenwerking.identifiers import mask
from samenwerking.models import AuditActie, AuditRegel, Kanaal

__all__ = ["mask", "record", "record_bulk", "record_created_bulk", "snapshot"]

# Personal numbers never enter the trail in full: a change is recorded, the value masked.
MASKED_FIELDS = frozenset({"bsn", "onderwijsnummer", "password"})


def _masked(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {k: mask(v) if k in MASKED_FIELDS else v for k, v in data.items()}


def snapshot(instance, *, masked: bool = True) -> dict:
    """The instance's field values as JSON-safe data, with personal numbers masked.

    ``masked=False`` is for comparing before and after (record() masks what it stores), so that a
    new BSN with the same last digits still shows up as a change.
    """
    data = json.loads(json.dumps(model_to_dict(instance), cls=DjangoJSONEncoder))
    return _masked(data) if masked else data


def diff(old: dict | None, new: dict | None) -> tuple[dict | None, dict | None]:
    """Only the fields that changed, on both sides."""
    if old is None or new is None:
        return old, new
    changed = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in changed}, {k: new[k] for k in changed}


def _row(instance, *, actie, door, kanaal, oud, nieuw) -> AuditRegel:
    instelling, partner = getattr(instance, "audit_instellingen", lambda: (None, None))()
    return AuditRegel(
        gebruiker=door if getattr(door, "is_authenticated", False) else None,
        kanaal=kanaal,
        actie=actie,
        model=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        oud=oud,
        nieuw=nieuw,
        instelling_id=instelling,
        partner_instelling_id=partner,
        api_sleutel=getattr(door, "api_sleutel_naam", ""),  # set by the API's key authentication
    )


def record(
    instance, *, actie: str, door, kanaal: str, oud: dict | None = None, nieuw: dict | None = None
) -> AuditRegel:
    oud, nieuw = diff(oud, nieuw)
    oud, nieuw = _masked(oud), _masked(nieuw)  # mask() is idempotent: masked input stays masked
    row = _row(instance, actie=actie, door=door, kanaal=kanaal, oud=oud, nieuw=nieuw)
    row.save()
    return row


def record_toegang(*, model: str, omschrijving: str, eigenaar, actie: str, door, kanaal: str) -> AuditRegel:
    """An API token or authenticator app created or removed. Filed under the user it belongs to:
    the row itself is a secret (a token's primary key is the token), so nothing of it is stored."""
    return AuditRegel.objects.create(
        gebruiker=door if getattr(door, "is_authenticated", False) else None,
        kanaal=kanaal,
        actie=actie,
        model=model,
        object_id=str(eigenaar.pk),
        object_repr=f"{omschrijving} van {eigenaar}"[:200],
    )


def _insert(rows: list[AuditRegel], batch_size: int) -> int:
    AuditRegel.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def record_created_bulk(
    instances: Iterable, *, door, kanaal: str = Kanaal.JOB, batch_size: int = 5000
) -> int:
    """One audit row per created instance, inserted in batches (for imports and jobs)."""
    rows = [
        _row(i, actie=AuditActie.AANGEMAAKT, door=door, kanaal=kanaal, oud=None, nieuw=snapshot(i))
        for i in instances
    ]
    return _insert(rows, batch_size)


def record_bulk(
    instances: Iterable,
    *,
    actie: str,
    door,
    kanaal: str = Kanaal.JOB,
    oud: dict | None = None,
    nieuw: dict | None = None,
    batch_size: int = 5000,
) -> int:
    """One audit row per instance with the same old and new values: for a job's update() on many
    rows (one insert, not one per row). Personal numbers are masked as in record()."""
    oud, nieuw = _masked(oud), _masked(nieuw)
    rows = [_row(i, actie=actie, door=door, kanaal=kanaal, oud=oud, nieuw=nieuw) for i in instances]
    return _insert(rows, batch_size)


def _json(data: dict | None) -> dict | None:
    return None if data is None else json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def record_changed_bulk(
    wijzigingen: Iterable[tuple], *, door, kanaal: str = Kanaal.JOB, batch_size: int = 5000
) -> int:
    """One 'update' row per ``(instance, oud, nieuw)``, each diffed and masked as in record(), in
    one insert: for a set-based update() or bulk_update() whose old values differ per row."""
    rows = []
    for instance, oud, nieuw in wijzigingen:
        oud, nieuw = diff(_json(oud), _json(nieuw))
        if not nieuw and not oud:
            continue
        rows.append(
            _row(
                instance,
                actie=AuditActie.GEWIJZIGD,
                door=door,
                kanaal=kanaal,
                oud=_masked(oud),
                nieuw=_masked(nieuw),
            )
        )
    return _insert(rows, batch_size)


# --- nobody edits the trail -----------------------------------------------------------------------
#
# On PostgreSQL a trigger refuses every UPDATE and DELETE of an audit row, from the application and
# from a psql session alike. Two exceptions:
# - deleting a user or an instelling sets the row's reference to it to NULL (on_delete=SET_NULL);
#   that UPDATE passes as long as nothing else in the row changes;
# - maintenance (a retention job that scrubs personal values) runs inside ``audit_onderhoud()``,
#   which sets the transaction-local setting ``leerroute.audit_onderhoud`` to 'on'.
# Migration samenwerking/0002_audit_onveranderlijk installs it (PostgreSQL only).

AUDIT_ONDERHOUD_SETTING = "leerroute.audit_onderhoud"


@contextlib.contextmanager
def audit_onderhoud(using: str = DEFAULT_DB_ALIAS):
    """A transaction in which audit rows may be changed or deleted (retention: scrubbing personal
    values). The permission ends with the block; when the block fails, the rollback ends it."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [AUDIT_ONDERHOUD_SETTING])
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [AUDIT_ONDERHOUD_SETTING])
