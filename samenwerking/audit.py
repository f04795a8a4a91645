"""Explicit audit rows, written by services (never by signals or middleware), so that bulk work
and jobs are recorded too."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from samenwerking.models import AuditActie, AuditRegel, Kanaal

# Personal numbers never enter the trail in full: a change is recorded, the value masked.
MASKED_FIELDS = frozenset({"bsn", "onderwijsnummer", "password"})


def mask(value) -> str | None:
    if not value:
        return value
    value = str(value)
    return "•" * (len(value) - 3) + value[-3:]


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
    )


def record(
    instance, *, actie: str, door, kanaal: str, oud: dict | None = None, nieuw: dict | None = None
) -> AuditRegel:
    oud, nieuw = diff(oud, nieuw)
    oud, nieuw = _masked(oud), _masked(nieuw)  # mask() is idempotent: masked input stays masked
    row = _row(instance, actie=actie, door=door, kanaal=kanaal, oud=oud, nieuw=nieuw)
    row.save()
    return row


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
