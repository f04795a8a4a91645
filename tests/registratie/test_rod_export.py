"""ROD delivery: format and XSD, incremental mutations, determinism, held records with signals,
the invariant 'delivered or held with a signal', concurrency and crash safety."""

from __future__ import annotations

import collections
import datetime
import hashlib
import io
import itertools
import random
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from lxml import etree

from registratie import locks
from registratie.models import (
    Inschrijving,
    Leerling,
    RodLevering,
    RodStand,
    Signaal,
)
from registratie.rod import format, format_lezen, selectors, services, v1_bouwen
from registratie.rod.tasks import rod_export_task
from samenwerking.audit import mask
from samenwerking.models import AuditRegel, Instelling, Kanaal
from tests.factories import (
    InschrijvingFactory,
    KwalificatieFactory,
    _valid_bsn,
)
from tests.registratie.rod_helpers import (
    DAG_DAARNA,
    PEILDATUM,
    VOLGENDE_DAG,
    KapotteOpslag,
    geldig,
    leerling_in_route,
    levering_bytes,
    ongeldig_bsn,
    open_rod_signalen,
    records,
    route_met_vestigingen,
    stand,
    vestiging,
)
from tests.slot_helpers import slot_elders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rod_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def route():
    return route_met_vestigingen()


def exporteer(datum=PEILDATUM, **kwargs) -> dict[str, services.Resultaat]:
    return {r.instelling.brin: r for r in services.rod_exporteren(peildatum=datum, **kwargs)}


def vo_brin(route) -> str:
    return route.overeenkomst.vo_instelling.brin


def mbo_brin(route) -> str:
    return route.overeenkomst.mbo_instelling.brin


# --- format and XSD ----------------------------------------------------------------------------------


def test_first_delivery_holds_every_enrolment_and_validates_against_the_repo_xsd(route, tmp_path):
    vo1, mbo1 = leerling_in_route(route)
    vo2, _mbo2 = leerling_in_route(route, leerling__zonder_bsn=True)
    out = io.StringIO()

    call_command("rod_export", "--date", "2025-10-01", "--out", str(tmp_path / "uit"), stdout=out)

    schema = etree.XMLSchema(etree.parse(str(Path(format.__file__).parent / "leerroute-rod-levering-v1.xsd")))
    geschreven = sorted((tmp_path / "uit").glob("*.xml"))
    assert [p.name for p in geschreven] == sorted(
        [f"{vo_brin(route)}-rod-000001-20251001.xml", f"{mbo_brin(route)}-rod-000001-20251001.xml"]
    )
    for pad in geschreven:
        assert schema.validate(etree.parse(str(pad))), schema.error_log
        assert str(pad) in out.getvalue()

    vo_levering = RodLevering.objects.get(instelling=route.overeenkomst.vo_instelling)
    data = levering_bytes(vo_levering)
    assert data == (tmp_path / "uit" / vo_levering.bestandsnaam).read_bytes()
    assert (
        vo_levering.volgnummer == 1 and vo_levering.soort == "volledig" and vo_levering.status == "aangemaakt"
    )
    assert vo_levering.sha256 == hashlib.sha256(data).hexdigest()
    assert vo_levering.aantal_records == 2 and vo_levering.peildatum == PEILDATUM
    assert vo_levering.bestand.name == f"rod/{vo_brin(route)}/{vo_levering.bestandsnaam}"
    assert AuditRegel.objects.filter(model="registratie.RodLevering", object_id=str(vo_levering.pk)).exists()

    root = etree.fromstring(data)
    kop = root.find("kop")
    assert (kop.findtext("brin"), kop.findtext("volgnummer"), kop.findtext("peildatum")) == (
        vo_brin(route),
        "1",
        "2025-10-01",
    )
    assert root.find("slot").findtext("aantalRecords") == "2"
    r = records(data)
    el = r[vo1.inschrijvingsvolgnummer]
    assert el.get("mutatie") == "nieuw"
    assert el.findtext("persoon/bsn") == vo1.leerling.bsn
    assert el.findtext("vestiging") == f"{vo_brin(route)}01"
    assert el.findtext("opleidingskenmerk") == "GLR" and el.findtext("fase") == "vo"
    assert el.findtext("partnerBrin") == mbo_brin(route)
    assert el.findtext("startdatum") == "2025-08-01"
    assert (el.findtext("vo/leerjaar"), el.findtext("vo/leerweg")) == ("3", "BB")
    assert el.find("mbo") is None
    assert r[vo2.inschrijvingsvolgnummer].findtext("persoon/onderwijsnummer") == vo2.leerling.onderwijsnummer
    assert r[vo2.inschrijvingsvolgnummer].find("persoon/bsn") is None

    m = records(levering_bytes(RodLevering.objects.get(instelling=route.overeenkomst.mbo_instelling)))
    el = m[mbo1.inschrijvingsvolgnummer]
    assert (el.findtext("mbo/crebo"), el.findtext("mbo/niveau"), el.findtext("mbo/leervorm")) == (
        route.kwalificatie.crebo,
        "2",
        "BOL",
    )
    assert el.findtext("partnerBrin") == vo_brin(route) and el.find("vo") is None


def test_records_are_sorted_by_key_in_code_point_order(route):
    for volgnummer in ["b-2", "B-1", "a10", "a9", "_z", "Z"]:
        InschrijvingFactory(leerroute=route, inschrijvingsvolgnummer=volgnummer)
    exporteer()
    keys = list(records(levering_bytes(RodLevering.objects.get(instelling__brin=vo_brin(route)))))
    assert keys == sorted(["b-2", "B-1", "a10", "a9", "_z", "Z"])


def test_every_element_and_attribute_of_both_xsds_is_documented_in_dutch():
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for naam in (format.XSD_LEVERING, format.XSD_TERUGKOPPELING):
        schema = etree.parse(str(naam))
        for el in schema.iter(f"{xs}element", f"{xs}attribute"):
            if el.get("ref"):
                continue
            doc = el.findtext(f"{xs}annotation/{xs}documentation")
            assert doc and doc.strip(), f"{naam.name}: {el.get('name')} heeft geen documentatie"


def test_the_examples_in_format_md_validate_against_their_xsd():
    tekst = (Path(format.__file__).parent / "FORMAT.md").read_text(encoding="utf-8")
    blokken = [b.split("```", 1)[0] for b in tekst.split("```xml\n")[1:]]
    assert len(blokken) == 2
    levering, terugkoppeling = (etree.fromstring(b.encode()) for b in blokken)
    assert format.schema_levering().validate(levering), format.schema_levering().error_log
    assert format.schema_terugkoppeling().validate(terugkoppeling)
    assert format_lezen.levering_valideren(io.BytesIO(blokken[0].encode())).volgnummer == 2


def test_the_readme_names_the_format_and_its_xsds():
    readme = (Path(format.__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "leerroute-rod-levering-v1.xsd" in readme and "FORMAT.md" in readme


def test_leerjaar_is_the_vmbo_leerjaar_on_the_peildatum_and_moves_on_1_august(route):
    vo = InschrijvingFactory(leerroute=route, leerjaar=3, startdatum=datetime.date(2025, 8, 1))
    exporteer(datetime.date(2026, 7, 31))
    lev = RodLevering.objects.get(instelling__brin=vo_brin(route))
    assert records(levering_bytes(lev))[vo.inschrijvingsvolgnummer].findtext("vo/leerjaar") == "3"

    exporteer(datetime.date(2026, 8, 1))
    lev2 = RodLevering.objects.get(instelling__brin=vo_brin(route), volgnummer=2)
    el = records(levering_bytes(lev2))[vo.inschrijvingsvolgnummer]
    assert (el.get("mutatie"), el.findtext("vo/leerjaar")) == ("gewijzigd", "4")


def _record(**kwargs) -> format.Record:
    velden = {
        "sleutel": "I1",
        "sector": "vo",
        "bsn": "123456782",
        "onderwijsnummer": None,
        "achternaam": "Jansen",
        "tussenvoegsel": "",
        "voorletters": "S.",
        "geboortedatum": datetime.date(2011, 3, 14),
        "vestiging": "25LG01",
        "opleidingskenmerk": "DLR",
        "fase": "vo",
        "partner_brin": "30XY",
        "startdatum": datetime.date(2025, 8, 1),
        "geplande_einddatum": None,
        "einddatum": None,
        "reden_einde": "",
        "leerjaar": 3,
        "leerweg": "KB",
        "vmbo_diploma_datum": None,
        "crebo": None,
        "niveau": None,
        "leervorm": "",
        "peildatum": PEILDATUM,
    }
    return format.record_maken(**{**velden, **kwargs})


def test_a_file_that_breaks_the_xsd_is_refused_without_quoting_its_values():
    el, fouten = format.record_element(_record(), "nieuw")
    assert not fouten
    buf = io.BytesIO()
    with format.LeveringSchrijver(buf, format.Kop("25LG", 1, PEILDATUM, "volledig")) as w:
        w.inschrijving(el)
    assert format_lezen.levering_valideren(io.BytesIO(buf.getvalue())).brin == "25LG"
    kapot = buf.getvalue().replace(b"<bsn>123456782</bsn>", b"<bsn>98765432</bsn>")
    with pytest.raises(format.FormaatFout) as exc:
        format_lezen.levering_valideren(io.BytesIO(kapot))
    assert "bsn" in str(exc.value) and "98765432" not in str(exc.value)
    with pytest.raises(format.FormaatFout, match="aantalRecords"):
        format_lezen.levering_valideren(
            io.BytesIO(buf.getvalue().replace(b"<aantalRecords>1", b"<aantalRecords>2"))
        )
    # the skeleton is checked too: root, order, stray text, the version attribute
    intrekking = b"<intrekking><inschrijvingsvolgnummer>X</inschrijvingsvolgnummer></intrekking>"
    for kapot in (
        buf.getvalue().replace(b"</rodLevering>", intrekking + b"</rodLevering>"),  # after the slot
        buf.getvalue().replace(b"<inschrijving ", b"losse tekst<inschrijving "),
        buf.getvalue().replace(b'formaatversie="1"', b'formaatversie="2"'),
        buf.getvalue().replace(b"rodLevering", b"andereLevering"),
        buf.getvalue().replace(b"<kop>", b"<slot><aantalRecords>0</aantalRecords></slot><kop>"),
        buf.getvalue()[:-30],  # cut off
    ):
        with pytest.raises(format.FormaatFout, match="volgt het formaat niet"):
            format_lezen.levering_valideren(io.BytesIO(kapot))


def test_the_xsd_checks_each_record_after_the_field_checks():
    """A value the field checks would let through is still caught by the XSD per record."""
    el = format.element_maken(_record(vestiging="25LG1"), "nieuw")
    assert [(f.element, f.veld) for f in format.xsd_fouten(el)] == [("vestiging", "vestiging")]
    el, fouten = format.record_element(_record(achternaam="Jan\x01sen"), "nieuw")
    assert el is None and [(f.element, f.melding) for f in fouten] == [
        ("achternaam", "bevat een teken dat niet in XML past")
    ]
    el, fouten = format.record_element(_record(sector="mbo", crebo="2518", niveau=1, leervorm=""), "nieuw")
    assert {(f.element, f.regel) for f in fouten} == {
        ("crebo", "R-INS-3"),
        ("niveau", "R-LR-2"),
        ("leervorm", "R-INS-3"),
    }


# --- determinism --------------------------------------------------------------------------------------


def test_same_data_and_date_give_byte_identical_files(route, tmp_path):
    for _ in range(3):
        leerling_in_route(route)
    call_command(
        "rod_export", "--date", "2025-10-01", "--proef", "--out", str(tmp_path / "a"), stdout=io.StringIO()
    )
    call_command(
        "rod_export", "--date", "2025-10-01", "--proef", "--out", str(tmp_path / "b"), stdout=io.StringIO()
    )
    assert not RodLevering.objects.exists() and not RodStand.objects.exists()  # a proef records nothing

    call_command("rod_export", "--date", "2025-10-01", "--out", str(tmp_path / "c"), stdout=io.StringIO())
    out = io.StringIO()
    call_command("rod_export", "--date", "2025-10-01", "--out", str(tmp_path / "d"), stdout=out)

    assert "bestaande levering" in out.getvalue()
    assert RodLevering.objects.count() == 2  # the second run for the date made no new delivery
    for naam in sorted(p.name for p in (tmp_path / "a").iterdir()):
        bytes_a = (tmp_path / "a" / naam).read_bytes()
        assert bytes_a == (tmp_path / "b" / naam).read_bytes()
        assert bytes_a == (tmp_path / "c" / naam).read_bytes()
        assert bytes_a == (tmp_path / "d" / naam).read_bytes()
        assert geldig(bytes_a)


def test_a_delivery_cannot_go_back_in_time(route):
    leerling_in_route(route)
    exporteer(VOLGENDE_DAG)
    err = io.StringIO()
    with pytest.raises(CommandError, match="mislukt"):
        call_command("rod_export", "--date", PEILDATUM.isoformat(), stdout=io.StringIO(), stderr=err)
    assert "latere peildatum" in err.getvalue()
    assert RodLevering.objects.filter(peildatum=PEILDATUM).count() == 0


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


# --- runs: command, task, lock, constraint, crash -----------------------------------------------------------


def test_the_command_filters_on_instelling_and_refuses_a_proef_without_out(route, tmp_path):
    leerling_in_route(route)
    out = io.StringIO()
    call_command("rod_export", "--date", "2025-10-01", "--instelling", vo_brin(route).lower(), stdout=out)
    assert list(RodLevering.objects.values_list("instelling__brin", flat=True)) == [vo_brin(route)]
    with pytest.raises(CommandError, match="--out"):
        call_command("rod_export", "--proef")
    with pytest.raises(CommandError, match="99ZZ"):
        call_command("rod_export", "--instelling", "99ZZ", stdout=io.StringIO())


def test_the_beat_task_runs_the_same_export_and_is_idempotent(route):
    vo, _ = leerling_in_route(route)
    eerste = rod_export_task.apply(args=[PEILDATUM.isoformat()]).get()
    tweede = rod_export_task(PEILDATUM.isoformat())
    assert [x["volgnummer"] for x in eerste["leveringen"]] == [1, 1]
    assert all(x["bestaand"] for x in tweede["leveringen"])
    assert vo.leerling.bsn not in repr(eerste)
    assert RodLevering.objects.count() == 2


def test_a_second_run_while_one_runs_is_refused_by_the_lock(route):
    leerling_in_route(route)
    with slot_elders(services.LOCK):
        with pytest.raises(CommandError, match="loopt al"):
            call_command("rod_export", "--date", PEILDATUM.isoformat(), stdout=io.StringIO())
        with pytest.raises(locks.AlBezig):
            rod_export_task.apply(args=[PEILDATUM.isoformat()], throw=True)
    assert not RodLevering.objects.exists()


def test_the_database_refuses_two_deliveries_with_one_number_or_one_date(route):
    leerling_in_route(route)
    lev = exporteer()[vo_brin(route)].levering
    with pytest.raises(IntegrityError), transaction.atomic():
        RodLevering.objects.create(
            instelling=lev.instelling, volgnummer=1, peildatum=VOLGENDE_DAG, soort="mutaties", sha256="0" * 64
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RodLevering.objects.create(
            instelling=lev.instelling, volgnummer=2, peildatum=PEILDATUM, soort="mutaties", sha256="0" * 64
        )


def test_a_crash_halfway_records_no_delivery_and_loses_no_mutation(route, settings, rod_media):
    vo, _ = leerling_in_route(route)
    ander, _ = leerling_in_route(route)
    exporteer(PEILDATUM)
    voor = {s.pk: (s.hash, s.levering_id, s.vastgehouden) for s in RodStand.objects.all()}
    signalen_voor = Signaal.objects.count()
    bestanden_voor = sorted(p.name for p in Path(rod_media).rglob("*.xml"))

    Leerling.objects.filter(pk=vo.leerling_id).update(achternaam="Gewijzigd")
    Leerling.objects.filter(pk=ander.leerling_id).update(bsn="111111111")  # held: would get a signal
    nieuw, _ = leerling_in_route(route)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.registratie.rod_helpers.KapotteOpslag"},
    }
    err = io.StringIO()
    with pytest.raises(CommandError, match="mislukt"):
        call_command("rod_export", "--date", VOLGENDE_DAG.isoformat(), stdout=io.StringIO(), stderr=err)
    assert "OSError" in err.getvalue() and KapotteOpslag.pogingen >= 1

    assert RodLevering.objects.filter(peildatum=VOLGENDE_DAG).count() == 0
    assert {s.pk: (s.hash, s.levering_id, s.vastgehouden) for s in RodStand.objects.all()} == voor
    assert Signaal.objects.count() == signalen_voor
    assert sorted(p.name for p in Path(rod_media).rglob("*.xml")) == bestanden_voor

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    r = records(levering_bytes(exporteer(VOLGENDE_DAG)[vo_brin(route)].levering))
    assert r[vo.inschrijvingsvolgnummer].get("mutatie") == "gewijzigd"
    assert r[nieuw.inschrijvingsvolgnummer].get("mutatie") == "nieuw"
    assert ander.inschrijvingsvolgnummer not in r and open_rod_signalen(inschrijving=ander).count() == 1
    assert RodLevering.objects.get(instelling__brin=vo_brin(route), peildatum=VOLGENDE_DAG).volgnummer == 2


def test_one_failing_instelling_does_not_stop_the_others(route, monkeypatch):
    leerling_in_route(route)
    leerling_in_route(route_met_vestigingen())
    brin = vo_brin(route)
    echte = v1_bouwen._bouwen

    def bouwen(instelling, *args):
        if instelling.brin == brin:
            raise OSError("schijf vol")
        return echte(instelling, *args)

    monkeypatch.setattr(v1_bouwen, "_bouwen", bouwen)
    resultaten = exporteer()
    assert resultaten[brin].fout == "OSError" and resultaten[brin].levering is None
    assert sum(1 for r in resultaten.values() if r.levering) == 3


def test_no_bsn_in_printed_output_or_log_lines(route, caplog, tmp_path):
    vo, _mbo = leerling_in_route(route)
    kapot, _ = leerling_in_route(route)
    Leerling.objects.filter(pk=kapot.leerling_id).update(bsn="222222222")
    out, err = io.StringIO(), io.StringIO()
    with caplog.at_level("DEBUG"):
        call_command(
            "rod_export", "--date", PEILDATUM.isoformat(), "--out", str(tmp_path), stdout=out, stderr=err
        )
    tekst = out.getvalue() + err.getvalue() + caplog.text
    for bsn in (vo.leerling.bsn, "222222222"):
        assert bsn not in tekst
    assert mask(vo.leerling.bsn) not in tekst  # not even masked: nothing personal is printed


# --- PostgreSQL ---------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_rows_stream_through_a_server_side_cursor_inside_the_transaction(require_postgres, route):
    for _ in range(5):
        leerling_in_route(route)
    instelling = route.overeenkomst.vo_instelling
    with transaction.atomic():
        stroom = selectors.inschrijvingen_stroom(instelling, chunk_size=2)
        eerste = next(stroom)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors WHERE NOT is_holdable")
            assert cursor.fetchone()[0] >= 1
        assert [eerste.sleutel, *(r.sleutel for r in stroom)] == sorted(
            Inschrijving.objects.filter(instelling=instelling).values_list(
                "inschrijvingsvolgnummer", flat=True
            )
        )


@pytest.mark.postgres
# serialized_rollback: the flush afterwards must leave the migrated rows (content types,
# kwalificaties) as the later serialized tests expect them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_runs_make_one_delivery(require_postgres):
    route = route_met_vestigingen()
    for _ in range(20):
        leerling_in_route(route)
    instelling = route.overeenkomst.vo_instelling
    start = threading.Barrier(2)
    uitkomsten: list = []

    def run():
        try:
            start.wait()
            uitkomsten.append(services.levering_maken(instelling=instelling, peildatum=PEILDATUM))
        except Exception as exc:  # pragma: no cover - reported below
            uitkomsten.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(isinstance(u, services.Resultaat) for u in uitkomsten), uitkomsten
    assert RodLevering.objects.filter(instelling=instelling).count() == 1
    assert sorted(u.bestaand for u in uitkomsten) == [False, True]
    assert len({u.levering.pk for u in uitkomsten}) == 1
    assert RodStand.objects.filter(instelling=instelling, levering__volgnummer=1).count() == 20


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
