"""Keeps the route and cohort an open signal copies from its enrolment (Signaal.leerroute and
Signaal.cohort) current when that enrolment is corrected, so the review queue's route and cohort
filters and counts show the signal where the enrolment now is.

Every change to an enrolment goes through ``samenwerking.services.opslaan``, which runs the hook
below after the save, in the same transaction (registered with samenwerking.afhankelijkheden,
imported by RegistratieConfig.ready()); a bundled step (admin inlines, an import) runs its
set-based twin once. A closed signal keeps the route and cohort it had when it was dealt with:
it is history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from registratie.models import SIGNAAL_OPEN, Signaal, route_en_cohort
from samenwerking.afhankelijkheden import bij_signaleren, samen_voor

# The enrolment fields route_en_cohort reads: the route, and the side, start date and vmbo
# leerjaar the cohort comes from (fase.routestartjaar_expr). A change of any other field leaves
# the signals alone (no query).
VELDEN = frozenset({"leerroute", "sector", "startdatum", "leerjaar"})
_PER_KEER = 500  # enrolments per query (SQLite allows 999 parameters)


def _geraakt(gewijzigd: set[str], oud: dict | None) -> bool:
    """A stored enrolment whose route or cohort may have changed (a new one has no signals yet)."""
    return oud is not None and bool(gewijzigd & VELDEN)


@bij_signaleren("registratie.Inschrijving")
def inschrijving_gewijzigd(inschrijving, gewijzigd, oud, *, door, kanaal) -> None:
    if _geraakt(gewijzigd, oud):
        bijwerken([inschrijving.pk])


@samen_voor(inschrijving_gewijzigd)
def inschrijvingen_gewijzigd(rijen: list, *, door, kanaal) -> None:
    bijwerken([i.pk for i, gewijzigd, oud in rijen if _geraakt(gewijzigd, oud)])


def bijwerken(inschrijving_ids: Iterable[int]) -> int:
    """Give the open signals of these enrolments their enrolment's route and cohort as stored now:
    per 500 enrolments one query for the values (route_en_cohort, the rule the creators use) and
    one UPDATE per distinct (route, cohort) among them; one enrolment is one UPDATE. Returns the
    number of signals updated."""
    ids = sorted(set(inschrijving_ids))
    n = 0
    for start in range(0, len(ids), _PER_KEER):
        per_waarde: dict[tuple, list[int]] = defaultdict(list)
        for pk, waarde in route_en_cohort(ids[start : start + _PER_KEER]).items():
            per_waarde[waarde].append(pk)
        for (route, cohort), pks in per_waarde.items():
            n += Signaal.objects.filter(inschrijving_id__in=pks, status__in=SIGNAAL_OPEN).update(
                leerroute_id=route, cohort=cohort
            )
    return n
