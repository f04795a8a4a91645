"""A ROD run with no changes costs what changed: the keys whose data is the same as when they
were last looked at, with nothing open, are not even read (registratie.rod.selectors.bron_hash)."""

import datetime

import pytest
from django.db import transaction

from registratie.models import Leerling
from registratie.rod import selectors, services
from tests.registratie.rod_helpers import (
    DAG_DAARNA,
    PEILDATUM,
    VOLGENDE_DAG,
    leerling_in_route,
    route_met_vestigingen,
)

pytestmark = pytest.mark.django_db


def _gelezen(instelling, peildatum) -> set[str]:
    """The keys a run on ``peildatum`` reads for ``instelling`` (both streams)."""
    zout = services.zout(instelling, peildatum)
    with transaction.atomic():
        return {r.sleutel for r in selectors.inschrijvingen_stroom(instelling, zout=zout)} | {
            r.sleutel for r in selectors.standen_stroom(instelling, zout=zout)
        }


def _exporteer(datum):
    return {r.instelling.brin: r for r in services.rod_exporteren(peildatum=datum)}


def test_after_a_delivery_a_run_reads_only_what_changed():
    route = route_met_vestigingen()
    vo_a, _mbo_a = leerling_in_route(route)
    vo_b, _mbo_b = leerling_in_route(route)
    instelling = route.overeenkomst.vo_instelling
    assert _gelezen(instelling, PEILDATUM) == {vo_a.inschrijvingsvolgnummer, vo_b.inschrijvingsvolgnummer}
    eerste = _exporteer(PEILDATUM)[instelling.brin]
    assert eerste.aantal_records == 2

    # Nothing changed: nothing is read, nothing is delivered.
    assert _gelezen(instelling, VOLGENDE_DAG) == set()
    assert _exporteer(VOLGENDE_DAG)[instelling.brin].aantal_records == 0

    # One student's name changes: only that student's key is read, and delivered as a change.
    Leerling.objects.filter(pk=vo_a.leerling_id).update(achternaam="Anders")
    assert _gelezen(instelling, DAG_DAARNA) == {vo_a.inschrijvingsvolgnummer}
    r = _exporteer(DAG_DAARNA)[instelling.brin]
    assert (r.aantal_records, r.per_mutatie["gewijzigd"]) == (1, 1)


def test_a_new_school_year_looks_at_every_key_again():
    """The vmbo leerjaar in a record follows the school year of the peildatum."""
    route = route_met_vestigingen()
    vo, _mbo = leerling_in_route(route)
    instelling = route.overeenkomst.vo_instelling
    _exporteer(PEILDATUM)
    assert _gelezen(instelling, datetime.date(PEILDATUM.year + 1, 8, 2)) == {vo.inschrijvingsvolgnummer}
