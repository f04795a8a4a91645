"""ROD delivery (format 1), the file itself: what a first delivery holds and that it validates
against the XSD in the repository, record order, the Dutch documentation of both XSDs and the
examples in FORMAT.md, the vmbo leerjaar on the peildatum, refusing a file that breaks the format,
and determinism (same data and date, byte-identical files; no delivery back in time)."""

from __future__ import annotations

import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from registratie.models import (
    RodLevering,
    RodStand,
)
from registratie.rod import format, format_lezen
from samenwerking.models import AuditRegel
from tests.factories import (
    InschrijvingFactory,
)
from tests.registratie.rod_helpers import (
    PEILDATUM,
    VOLGENDE_DAG,
    exporteer,
    geldig,
    leerling_in_route,
    levering_bytes,
    mbo_brin,
    records,
    vo_brin,
)

# The ``route`` (with a vestiging on both sides) and ``rod_media`` fixtures: tests/registratie/conftest.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rod_media")]


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
