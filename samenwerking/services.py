"""Writes on samenwerking data. Every entry point (admin, views, API, import, jobs) uses these."""

from __future__ import annotations

from django.db import transaction

from samenwerking import afhankelijkheden, audit
from samenwerking.models import AuditActie, Kanaal, Samenwerkingsovereenkomst


@transaction.atomic
def opslaan(instance, *, door, kanaal: str = Kanaal.UI, velden: list[str] | None = None):
    """Validate (every row rule, with its rule id), save and audit one instance.

    The one generic write: named services below add what a domain action needs on top.
    """
    is_new = instance._state.adding
    oud = None if is_new else afhankelijkheden.oude_waarden(instance)
    instance.full_clean()
    afhankelijkheden.weigeren(instance, oud)  # rules of the rows that depend on this one
    instance.save(update_fields=velden if not is_new and velden else None)
    nieuw = audit.snapshot(instance, masked=False)
    if oud is not None and oud == nieuw:
        return instance  # saved unchanged (the admin saves the parent of every inline): no audit row
    audit.record(
        instance,
        actie=AuditActie.AANGEMAAKT if is_new else AuditActie.GEWIJZIGD,
        door=door,
        kanaal=kanaal,
        oud=oud,
        nieuw=nieuw,
    )
    afhankelijkheden.signaleren(instance, oud, door=door, kanaal=kanaal)
    return instance


@transaction.atomic
def verwijderen(instance, *, door, kanaal: str = Kanaal.UI) -> None:
    """Delete and audit. Related domain rows are PROTECTed, so nothing disappears by cascade."""
    oud = audit.snapshot(instance)
    pk = instance.pk
    instance.delete()
    instance.pk = pk  # keep the id for the audit row
    audit.record(instance, actie=AuditActie.VERWIJDERD, door=door, kanaal=kanaal, oud=oud)


def overeenkomst_activeren(
    *, overeenkomst: Samenwerkingsovereenkomst, door, kanaal: str = Kanaal.UI
) -> Samenwerkingsovereenkomst:
    """R-SOK-2 / R-SOK-4 are checked by the model's clean() inside opslaan()."""
    overeenkomst.status = "actief"
    return opslaan(overeenkomst, door=door, kanaal=kanaal)
