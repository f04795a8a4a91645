"""ROD delivery (format 1) over time: incremental mutations (changed, ended, corrected, deleted and
renumbered enrolments, a reused key), records held with a signal naming the field, and the
invariant that every enrolment is delivered as it is now or held with an open signal (through
random changes, and a full cycle on PostgreSQL)."""

from __future__ import annotations

import collections
import datetime
import io
import itertools
import random

import pytest
from django.core.management import call_command
from lxml import etree

from registratie.models import (
    Inschrijving,
    Leerling,
    RodLevering,
)
from samenwerking.models import Instelling, Kanaal
from tests.factories import (
    InschrijvingFactory,
    KwalificatieFactory,
    _valid_bsn,
)
from tests.registratie.rod_helpers import (
    DAG_DAARNA,
    PEILDATUM,
    VOLGENDE_DAG,
    exporteer,
    geldig,
    leerling_in_route,
    levering_bytes,
    mbo_brin,
    ongeldig_bsn,
    open_rod_signalen,
    records,
    route_met_vestigingen,
    stand,
    vestiging,
    vo_brin,
)

# The ``route`` (with a vestiging on both sides) and ``rod_media`` fixtures: tests/registratie/conftest.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rod_media")]


# --- incremental ----------------------------------------------------------------------------------------


def test_a_changed_enrolment_is_a_mutation_in_the_next_delivery_only(route):
    vo1, _ = leerling_in_route(route)
    vo2, _ = leerling_in_route(route)
    exporteer(PEILDATUM)

    vo1.geplande_einddatum = datetime.date(2027, 7, 31)
    from registratie.services import inschrijving_opslaan

    inschrijving_opslaan(inschrijving=vo1, door=None, kanaal=Kanaal.ADMIN)
    tweede_run = exporteer(VOLGENDE_DAG)
    tweede = tweede_run[vo_brin(route)]

    assert (tweede.volgnummer, tweede.soort) == (2, "mutaties")
    r = records(levering_bytes(tweede.levering))
    assert list(r) == [vo1.inschrijvingsvolgnummer]
    assert r[vo1.inschrijvingsvolgnummer].get("mutatie") == "gewijzigd"
    assert r[vo1.inschrijvingsvolgnummer].findtext("geplandeEinddatum") == "2027-07-31"
    assert tweede.aantal_records == 1
    assert tweede_run[mbo_brin(route)].levering is None  # the mbo side had nothing new
    assert RodLevering.objects.filter(instelling__brin=mbo_brin(route)).count() == 1

    vo2.leerling.achternaam = "Pietersen"
    vo2.leerling.save()
    derde = exporteer(DAG_DAARNA)[vo_brin(route)]
    assert list(records(levering_bytes(derde.levering))) == [vo2.inschrijvingsvolgnummer]


def test_no_changes_make_no_delivery(route):
    leerling_in_route(route)
    exporteer(PEILDATUM)
    resultaat = exporteer(VOLGENDE_DAG)[vo_brin(route)]
    assert resultaat.levering is None and resultaat.volgnummer is None
    assert RodLevering.objects.count() == 2


def test_ended_corrected_deleted_and_renumbered_enrolments(route):
    beeindigd, _ = leerling_in_route(route)
    correctie, _ = leerling_in_route(route)
    verwijderd, _ = leerling_in_route(route)
    hernummerd, _ = leerling_in_route(route)
    exporteer(PEILDATUM)

    Inschrijving.objects.filter(pk=beeindigd.pk).update(
        einddatum=datetime.date(2025, 10, 1), reden_einde="overstap"
    )
    Inschrijving.objects.filter(pk=correctie.pk).update(
        einddatum=datetime.date(2025, 8, 1), reden_einde="correctie"
    )
    oud_nummer = hernummerd.inschrijvingsvolgnummer
    Inschrijving.objects.filter(pk=hernummerd.pk).update(inschrijvingsvolgnummer="NIEUW-1")
    verwijderd.fasewissels.all().delete()
    verwijderd.delete()

    r = records(levering_bytes(exporteer(VOLGENDE_DAG)[vo_brin(route)].levering))
    assert r[beeindigd.inschrijvingsvolgnummer].get("mutatie") == "beeindigd"
    assert r[beeindigd.inschrijvingsvolgnummer].findtext("redenEinde") == "overstap"
    assert f"{correctie.inschrijvingsvolgnummer}!ingetrokken" in r
    assert f"{verwijderd.inschrijvingsvolgnummer}!ingetrokken" in r
    assert f"{oud_nummer}!ingetrokken" in r
    assert r["NIEUW-1"].get("mutatie") == "nieuw"
    assert len(r) == 5

    # ended and withdrawn keys are not delivered again
    assert exporteer(DAG_DAARNA)[vo_brin(route)].levering is None


def test_a_key_reused_by_another_enrolment_is_withdrawn_then_delivered_as_new(route):
    oud, _ = leerling_in_route(route)
    exporteer(PEILDATUM)
    sleutel = oud.inschrijvingsvolgnummer
    Inschrijving.objects.filter(pk=oud.pk).update(inschrijvingsvolgnummer="ANDER-1")
    nieuw = InschrijvingFactory(leerroute=route, inschrijvingsvolgnummer=sleutel)

    data = levering_bytes(exporteer(VOLGENDE_DAG)[vo_brin(route)].levering)
    root = etree.fromstring(data)
    volgorde = [(el.tag, el.findtext("inschrijvingsvolgnummer"), el.get("mutatie")) for el in root][1:-1]
    assert volgorde == [
        ("inschrijving", "ANDER-1", "nieuw"),
        ("intrekking", sleutel, None),
        ("inschrijving", sleutel, "nieuw"),
    ]
    assert stand(nieuw).inschrijving_id == nieuw.pk


# --- held records ----------------------------------------------------------------------------------------


def test_an_invalid_record_is_held_with_a_signal_naming_the_field_while_the_rest_goes_out(route):
    goed, _ = leerling_in_route(route)
    fout, _ = leerling_in_route(route)
    ongeldig_bsn = "123456789"  # fails the elfproef; arrived without validation (an import, SQL)
    Leerling.objects.filter(pk=fout.leerling_id).update(bsn=ongeldig_bsn)
    out, err = io.StringIO(), io.StringIO()

    call_command("rod_export", "--date", PEILDATUM.isoformat(), stdout=out, stderr=err)

    lev = RodLevering.objects.get(instelling__brin=vo_brin(route))
    r = records(levering_bytes(lev))
    assert list(r) == [goed.inschrijvingsvolgnummer]
    assert (lev.aantal_records, lev.aantal_vastgehouden) == (1, 1)
    signaal = open_rod_signalen().get(inschrijving=fout)
    assert signaal.regel == "ROD" and signaal.instelling_id == fout.instelling_id
    assert signaal.leerling_id == fout.leerling_id
    # Issue 9: the partner school and the coordinator see it (read-only).
    assert signaal.overeenkomst_id == route.overeenkomst_id
    assert signaal.partner_instelling_id == route.overeenkomst.mbo_instelling_id
    assert "'BSN' (bsn)" in signaal.toelichting and fout.inschrijvingsvolgnummer in signaal.toelichting
    assert ongeldig_bsn not in signaal.toelichting
    assert ongeldig_bsn not in out.getvalue() + err.getvalue()
    assert stand(fout).vastgehouden and stand(fout).signaal_id == signaal.pk and not stand(fout).bij_rod

    # Still broken the next night: held again, the same signal, nothing delivered.
    assert exporteer(VOLGENDE_DAG)[vo_brin(route)].levering is None
    assert open_rod_signalen(inschrijving=fout).count() == 1

    # Fixed: it goes out as new in the first delivery after, and the signal is closed.
    Leerling.objects.filter(pk=fout.leerling_id).update(bsn=_valid_bsn(424242))
    derde = exporteer(DAG_DAARNA)[vo_brin(route)]
    r = records(levering_bytes(derde.levering))
    assert (
        list(r) == [fout.inschrijvingsvolgnummer]
        and r[fout.inschrijvingsvolgnummer].get("mutatie") == "nieuw"
    )
    signaal.refresh_from_db()
    assert signaal.status == "opgelost" and signaal.gesloten_op is not None
    assert "levering 2" in signaal.afhandeling
    assert not stand(fout).vastgehouden and stand(fout).bij_rod


def test_held_records_name_their_rule_and_field(route):
    zonder_vestiging_route = route_met_vestigingen()
    zonder_vestiging_route.vo_vestiging = None
    zonder_vestiging_route.save()
    vestiging(zonder_vestiging_route.overeenkomst.vo_instelling, 2)  # two: no obvious default
    vo_zonder, _ = leerling_in_route(zonder_vestiging_route)
    entree = route_met_vestigingen(kwalificatie=KwalificatieFactory(niveau=2))
    _, mbo_entree = leerling_in_route(entree)
    type(entree.kwalificatie).objects.filter(pk=entree.kwalificatie_id).update(niveau=1)

    exporteer()

    s = open_rod_signalen().get(inschrijving=vo_zonder)
    assert s.regel == "ROD" and "'vestiging'" in s.toelichting
    s = open_rod_signalen().get(inschrijving=mbo_entree)
    assert s.regel == "R-LR-2" and "'niveau van de kwalificatie'" in s.toelichting


def test_a_delivered_record_that_becomes_invalid_is_held_and_its_change_waits(route):
    vo, _ = leerling_in_route(route)
    exporteer(PEILDATUM)
    Leerling.objects.filter(pk=vo.leerling_id).update(achternaam="", voorletters="X.")
    assert exporteer(VOLGENDE_DAG)[vo_brin(route)].levering is None
    st = stand(vo)
    assert st.vastgehouden and st.bij_rod and st.mutatie == "nieuw"
    assert "'achternaam'" in open_rod_signalen().get(inschrijving=vo).toelichting

    Leerling.objects.filter(pk=vo.leerling_id).update(achternaam="Visser")
    r = records(levering_bytes(exporteer(DAG_DAARNA)[vo_brin(route)].levering))
    assert r[vo.inschrijvingsvolgnummer].get("mutatie") == "gewijzigd"
    assert r[vo.inschrijvingsvolgnummer].findtext("persoon/voorletters") == "X."
    assert not open_rod_signalen(inschrijving=vo).exists()


def test_a_hold_that_ends_by_reverting_to_the_delivered_data_closes_the_signal(route):
    vo, _ = leerling_in_route(route)
    exporteer(PEILDATUM)
    naam = vo.leerling.achternaam
    Leerling.objects.filter(pk=vo.leerling_id).update(achternaam="")
    exporteer(VOLGENDE_DAG)
    Leerling.objects.filter(pk=vo.leerling_id).update(achternaam=naam)
    assert exporteer(DAG_DAARNA)[vo_brin(route)].levering is None  # nothing changed for ROD
    assert not open_rod_signalen(inschrijving=vo).exists() and not stand(vo).vastgehouden


# --- the invariant: nothing lost --------------------------------------------------------------------------


def _afspelen(instelling) -> dict[str, etree._Element]:
    """What ROD has, by replaying every delivery of the instelling in order."""
    bij_rod: dict[str, etree._Element] = {}
    for lev in RodLevering.objects.filter(instelling=instelling).order_by("volgnummer"):
        for el in etree.fromstring(levering_bytes(lev)):
            sleutel = el.findtext("inschrijvingsvolgnummer")
            if el.tag == "inschrijving":
                bij_rod[sleutel] = el
            elif el.tag == "intrekking":
                bij_rod.pop(sleutel, None)
    return bij_rod


def _klopt(el, ins) -> bool:
    leerling = ins.leerling
    nummer = el.findtext("persoon/bsn") or el.findtext("persoon/onderwijsnummer")
    return (
        nummer == (leerling.bsn or leerling.onderwijsnummer)
        and el.findtext("persoon/achternaam") == leerling.achternaam
        and el.findtext("startdatum") == ins.startdatum.isoformat()
        and el.findtext("einddatum") == (ins.einddatum.isoformat() if ins.einddatum else None)
        and el.findtext("fase") == ins.fase
        and el.findtext("opleidingskenmerk") == ins.opleidingskenmerk
    )


def assert_nothing_lost():
    """Every inschrijving is delivered as it is now, or held with an open signal; a correction or a
    deleted enrolment is not (or no longer) at ROD."""
    for instelling in Instelling.objects.all():
        bij_rod = _afspelen(instelling)
        sleutels = set()
        for ins in Inschrijving.objects.filter(instelling=instelling).select_related("leerling"):
            if ins.reden_einde == "correctie":
                assert ins.inschrijvingsvolgnummer not in bij_rod
                continue
            sleutels.add(ins.inschrijvingsvolgnummer)
            el = bij_rod.get(ins.inschrijvingsvolgnummer)
            geleverd = el is not None and _klopt(el, ins)
            gesignaleerd = open_rod_signalen(inschrijving=ins).exists()
            assert geleverd or gesignaleerd, (
                f"{ins.inschrijvingsvolgnummer} is niet geleverd en heeft geen signaal"
            )
            if gesignaleerd:
                st = stand(ins)
                assert st.vastgehouden or st.terugkoppeling == "afgekeurd"
        assert set(bij_rod) <= sleutels, "ROD heeft een sleutel die niet (meer) bestaat"


def test_every_enrolment_is_delivered_or_held_with_a_signal_through_random_changes(route):
    rng = random.Random(20251001)
    tweede_route = route_met_vestigingen(dlr4=True)
    for i in range(12):
        leerling_in_route(route if i % 2 else tweede_route, leerling__zonder_bsn=(i % 5 == 0))
    datum = PEILDATUM
    kapot: set[int] = set()
    gezien: collections.Counter = collections.Counter()
    uniek = itertools.count()
    for ronde in range(6):
        alle = list(Inschrijving.objects.exclude(reden_einde="correctie").order_by("pk"))
        for _ in range(4):
            ins = rng.choice(alle)
            actie = rng.choice(
                ["naam", "bsn_kapot", "herstel", "einde", "correctie", "nieuw", "hernummer", "weg"]
            )
            leerling = Leerling.objects.filter(pk=ins.leerling_id)
            if actie == "naam":
                leerling.update(achternaam=f"Naam{ronde}{rng.randrange(1000)}")
            elif actie == "bsn_kapot" and ins.leerling.bsn:
                leerling.update(bsn=ongeldig_bsn(next(uniek)))
                kapot.add(ins.leerling_id)
            elif actie == "herstel" and kapot:
                pk = kapot.pop()
                Leerling.objects.filter(pk=pk).update(bsn=_valid_bsn(900000 + next(uniek)))
            elif actie == "einde" and ins.einddatum is None:
                Inschrijving.objects.filter(pk=ins.pk).update(einddatum=datum, reden_einde="overstap")
            elif actie == "correctie":
                Inschrijving.objects.filter(pk=ins.pk).update(
                    einddatum=ins.startdatum, reden_einde="correctie"
                )
            elif actie == "nieuw":
                leerling_in_route(rng.choice([route, tweede_route]))
            elif actie == "hernummer":
                Inschrijving.objects.filter(pk=ins.pk).update(inschrijvingsvolgnummer=f"R{ronde}-{ins.pk}")
            elif actie == "weg":
                Inschrijving.objects.filter(pk=ins.pk).delete()
        resultaten = exporteer(datum)
        assert not [r for r in resultaten.values() if r.fout]
        for r in resultaten.values():
            gezien.update(r.per_mutatie)
            gezien["vastgehouden"] += r.aantal_vastgehouden
            if r.levering:
                assert geldig(levering_bytes(r.levering))
        assert_nothing_lost()
        datum += datetime.timedelta(days=1)
    # the changes exercised every kind of mutation and a hold
    assert all(gezien[k] for k in ("nieuw", "gewijzigd", "beeindigd", "ingetrokken", "vastgehouden")), gezien
    assert RodLevering.objects.filter(instelling__brin=vo_brin(route)).count() >= 3


# --- PostgreSQL ---------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_full_cycle_on_postgresql(require_postgres, route, tmp_path):
    vo, _ = leerling_in_route(route)
    InschrijvingFactory(leerroute=route, inschrijvingsvolgnummer="a-1")
    InschrijvingFactory(leerroute=route, inschrijvingsvolgnummer="B-1")
    exporteer(PEILDATUM)
    Leerling.objects.filter(pk=vo.leerling_id).update(achternaam="Anders")
    r = records(levering_bytes(exporteer(VOLGENDE_DAG)[vo_brin(route)].levering))
    assert list(r) == [vo.inschrijvingsvolgnummer]
    assert_nothing_lost()
