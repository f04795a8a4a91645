"""ROD message format v2 (registratie/rod/bericht.py): one message per enrolment with its
periods, a deletion message, valid against our XSD and readable back."""

from __future__ import annotations

import datetime
import uuid

import pytest

from registratie.rod import bericht, bericht_lezen
from registratie.services import fase_wijzigen
from tests.factories import GebruikerFactory
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen

pytestmark = pytest.mark.django_db

TIJD = datetime.datetime(2027, 10, 20, 9, 30, tzinfo=datetime.UTC)
D = datetime.date


def _bron(**kw) -> bericht.Bron:
    basis = {
        "brin": "25LG",
        "sleutel": "V1",
        "sector": "vo",
        "bsn": "123456782",
        "onderwijsnummer": None,
        "opleidingskenmerk": "DLR",
        "fase": "vo",
        "startdatum": D(2025, 8, 1),
        "geplande_einddatum": D(2029, 7, 31),
        "einddatum": None,
        "reden_einde": "",
        "vestiging": "25LG01",
        "leerjaar": 3,
        "leerweg": "KB",
    }
    return bericht.Bron(**{**basis, **kw})


def test_vo_message_has_a_period_per_school_year_and_validates():
    b = bericht.bericht_uit(_bron(), document_id=uuid.uuid4(), tijd=TIJD)
    assert [(p.begin, p.einde, p.leerjaar) for p in b.perioden] == [
        (D(2025, 8, 1), D(2026, 7, 31), 3),
        (D(2026, 8, 1), D(2027, 7, 31), 4),
        (D(2027, 8, 1), None, 5),
    ]
    assert {p.leerroute for p in b.perioden} == {"DLP"}
    xml = bericht.naar_xml(b)
    assert bericht_lezen.valideren(xml) == []
    assert bericht_lezen.lezen(xml) == b


def test_fase_change_starts_a_new_period_with_the_fase():
    bron = _bron(
        sector="mbo",
        opleidingskenmerk="GLR",
        fase="mbo",
        leerjaar=None,
        leerweg=None,
        crebo="25180",
        niveau=2,
        leervorm="BOL",
        wissels=[(D(2026, 8, 1), "vo", "mbo")],
    )
    b = bericht.bericht_uit(bron, document_id=uuid.uuid4(), tijd=TIJD)
    assert [(p.begin, p.leerroutefase, p.leerroute) for p in b.perioden] == [
        (D(2025, 8, 1), "VO", "GLP"),
        (D(2026, 8, 1), "MBO", "GLP"),
    ]
    assert b.perioden[0].crebo == "25180" and b.perioden[0].leervorm == "BOL"
    assert bericht_lezen.valideren(bericht.naar_xml(b)) == []


def test_a_changed_vestiging_starts_a_period_and_keeps_what_was_delivered_before():
    vorige = bericht.bericht_uit(_bron(), document_id=uuid.uuid4(), tijd=TIJD)
    nu = bericht.bericht_uit(
        _bron(vestiging="25LG02"), document_id=uuid.uuid4(), tijd=TIJD, vorige=vorige, per=D(2027, 10, 15)
    )
    assert [(p.begin, p.vestiging, p.leerjaar) for p in nu.perioden] == [
        (D(2025, 8, 1), "25LG01", 3),
        (D(2026, 8, 1), "25LG01", 4),
        (D(2027, 8, 1), "25LG01", 5),
        (D(2027, 10, 15), "25LG02", 5),
    ]
    # A correction rewrites the history with the current values.
    gecorrigeerd = bericht.bericht_uit(
        _bron(vestiging="25LG02"),
        document_id=uuid.uuid4(),
        tijd=TIJD,
        vorige=vorige,
        per=D(2027, 10, 15),
        correctie="verkeerde vestiging ingevoerd",
    )
    assert {p.vestiging for p in gecorrigeerd.perioden} == {"25LG02"}
    xml = bericht.naar_xml(gecorrigeerd)
    assert b"<correctie>verkeerde vestiging ingevoerd</correctie>" in xml
    assert bericht_lezen.valideren(xml) == []


def test_ended_enrolment_carries_exit_date_and_reason():
    b = bericht.bericht_uit(
        _bron(einddatum=D(2026, 9, 30), reden_einde="overstap"), document_id=uuid.uuid4(), tijd=TIJD
    )
    assert (b.datum_uitschrijving, b.reden_uitschrijving) == (D(2026, 9, 30), "overstap")
    assert b.perioden[-1].einde == D(2026, 9, 30)
    assert bericht_lezen.valideren(bericht.naar_xml(b)) == []


def test_deletion_message_and_onderwijsnummer():
    v = bericht.verwijderbericht_uit(
        _bron(bsn=None, onderwijsnummer="101234564"), document_id=uuid.uuid4(), tijd=TIJD
    )
    xml = bericht.naar_xml(v)
    assert bericht_lezen.valideren(xml) == []
    assert b"<onderwijsnummer>101234564</onderwijsnummer>" in xml
    assert bericht_lezen.lezen(xml) == v


def test_errors_name_the_element_never_the_value():
    b = bericht.bericht_uit(_bron(vestiging="", bsn="12345678X"), document_id=uuid.uuid4(), tijd=TIJD)
    fouten = bericht_lezen.valideren(bericht.naar_xml(b))
    assert fouten
    assert not any("12345678X" in f for f in fouten)
    assert any("burgerservicenummer" in f for f in fouten)


def test_message_from_a_stored_enrolment_with_fase_change():
    route = route_met_vestigingen()
    vo, mbo = leerling_in_route(route, startdatum=D(2024, 8, 1))
    fase_wijzigen(
        inschrijvingen=[vo, mbo], naar_fase="mbo", ingangsdatum=D(2026, 8, 1), door=GebruikerFactory()
    )
    mbo.refresh_from_db()
    b = bericht.bericht_van(mbo, document_id=uuid.uuid4(), tijd=TIJD)
    assert b.brin == mbo.instelling.brin and b.sector == "MBO"
    assert [p.leerroutefase for p in b.perioden] == ["VO", "MBO"]
    assert b.perioden[0].vestiging == route.mbo_vestiging.code
    assert bericht_lezen.valideren(bericht.naar_xml(b)) == []
