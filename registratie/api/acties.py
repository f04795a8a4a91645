"""Writes the API needs that no shared service offers yet. Each is a thin, atomic, audited wrapper
around the existing services, so every rule is still checked in one place; the lead may fold them
into registratie/services.py (wt12 adds a diploma-date service for the screens)."""

from __future__ import annotations

import datetime

from django.db import transaction

from registratie import services
from registratie.models import Inschrijving
from samenwerking.models import Kanaal


@transaction.atomic
def diplomadatum_vastleggen(
    *, inschrijving: Inschrijving, datum: datetime.date | None, door, kanaal: str = Kanaal.API
) -> Inschrijving:
    """Record (or clear) the date the vmbo diploma was obtained; the enrolment's rules (R-INS-…)
    are checked by inschrijving_opslaan as for any other change of the row."""
    inschrijving = Inschrijving.objects.select_for_update().get(pk=inschrijving.pk)
    inschrijving.vmbo_diploma_datum = datum
    return services.inschrijving_opslaan(inschrijving=inschrijving, door=door, kanaal=kanaal)
