"""The bulk import: a dry run reports every bad row with row, column and rule id and saves
nothing; a real run is all or nothing; importing the same file twice changes nothing; the mbo
school's file links the vo school's students; XLSX, the column mapping, the command and the API."""

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook
from rest_framework.test import APIClient

from registratie.importeren import importeer
from registratie.management.commands import bench_import
from registratie.models import ImportKoppeling, Inschrijving, Leerling
from samenwerking.models import AuditRegel, Kanaal
from tests.factories import (
    InstellingFactory,
    KwalificatieFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    _valid_bsn,
    gebruiker_met_rol,
)

pytestmark = pytest.mark.django_db
# The LAS columns of the benchmark's file (bsn … leerweg), semicolon separated.
KOP = bench_import.KOP


@pytest.fixture
def w():
    vo, mbo = InstellingFactory(), InstellingFactory(mbo=True)
    route = LeerrouteFactory(
        overeenkomst=OvereenkomstFactory(actief=True, vo_instelling=vo, mbo_instelling=mbo)
    )
    return vo, mbo, route, gebruiker_met_rol("beheerder", instelling=vo)


def vo_csv(route, rijen: int, *, fout_op: set = frozenset()) -> bytes:
    regels = [KOP]
    for n in range(rijen):
        leerjaar = "2" if n in fout_op else "3"  # R-INS-1: a route starts in vmbo leerjaar 3 or later
        regels.append(
            f"{_valid_bsn(500 + n)};A.;Import{n};03-02-2011;{route.naam};VO-{n};2025-08-01;vo;{leerjaar};BB"
        )
    return ("\n".join(regels) + "\n").encode()


def test_dry_run_reports_bad_rows_and_saves_nothing_then_the_fixed_file_imports_once(w):
    vo, _mbo, route, beheerder = w
    rapport = importeer(
        vo_csv(route, 6, fout_op={2, 4}), "las.csv", instelling=vo, door=beheerder, dry_run=True
    )
    assert rapport.rijen == 6 and rapport.aangemaakt == 4
    assert sorted({f.rij for f in rapport.fouten}) == [4, 6]  # data rows 3 and 5, after the header
    assert {(f.kolom, f.regel) for f in rapport.fouten} == {("leerjaar", "R-INS-1")}
    assert not Leerling.objects.exists() and not AuditRegel.objects.filter(kanaal=Kanaal.IMPORT).exists()

    # A real run of the bad file: all or nothing.
    assert not importeer(
        vo_csv(route, 6, fout_op={2}), "las.csv", instelling=vo, door=beheerder, dry_run=False
    ).doorgevoerd
    assert not Inschrijving.objects.exists()

    rapport = importeer(vo_csv(route, 6), "las.csv", instelling=vo, door=beheerder, dry_run=False)
    assert rapport.doorgevoerd and rapport.aangemaakt == 6
    assert Inschrijving.objects.filter(instelling=vo, sector="vo").count() == 6
    audit = AuditRegel.objects.filter(kanaal=Kanaal.IMPORT).count()

    opnieuw = importeer(vo_csv(route, 6), "las.csv", instelling=vo, door=beheerder, dry_run=False)
    assert (opnieuw.aangemaakt, opnieuw.gewijzigd, opnieuw.ongewijzigd) == (0, 0, 6)
    assert AuditRegel.objects.filter(kanaal=Kanaal.IMPORT).count() == audit


def test_a_bad_value_names_its_column(w):
    vo, _mbo, route, beheerder = w
    csv = f"{KOP}\n{_valid_bsn(9)};A.;Fout;31-02-2011;{route.naam};VO-9;2025-08-01;vo;3;BB\n".encode()
    rapport = importeer(csv, "las.csv", instelling=vo, door=beheerder, dry_run=True)
    assert [(f.rij, f.kolom) for f in rapport.fouten] == [(2, "geboortedatum")]


def test_the_mbo_file_links_the_vo_schools_students_through_a_mapping_in_xlsx(w):
    vo, mbo, route, beheerder = w
    importeer(vo_csv(route, 2), "las.csv", instelling=vo, door=beheerder, dry_run=False)
    kwalificatie = KwalificatieFactory(crebo=route.kwalificatie.crebo)
    ImportKoppeling.objects.create(
        instelling=mbo, kolommen={"bsn": "Burgerservicenummer", "crebo": "Opleiding"}
    )
    boek = Workbook()
    blad = boek.active
    blad.append(
        [
            "Burgerservicenummer",
            "achternaam",
            "geboortedatum",
            "leerroute",
            "inschrijvingsvolgnummer",
            "startdatum",
            "fase",
            "Opleiding",
            "leervorm",
        ]
    )
    for n in range(2):
        blad.append(
            [
                _valid_bsn(500 + n),
                f"Import{n}",
                "2011-02-03",
                route.naam,
                f"MBO-{n}",
                "2025-08-01",
                "vo",
                kwalificatie.crebo,
                "BOL",
            ]
        )
    data = io.BytesIO()
    boek.save(data)
    rapport = importeer(
        data.getvalue(),
        "eduarte.xlsx",
        instelling=mbo,
        door=gebruiker_met_rol("beheerder", instelling=mbo),
        dry_run=False,
    )
    assert rapport.doorgevoerd, rapport.fouten
    assert Leerling.objects.count() == 2
    assert Inschrijving.objects.filter(sector="mbo", instelling=mbo).count() == 2


def test_the_command_and_the_api(w, tmp_path, capsys):
    vo, _mbo, route, beheerder = w
    bestand = tmp_path / "las.csv"
    bestand.write_bytes(vo_csv(route, 3, fout_op={1}))
    with pytest.raises(SystemExit):
        call_command("import_inschrijvingen", str(bestand), "--dry-run", "--instelling", vo.brin)
    uitvoer = capsys.readouterr().out
    assert "rij 3, kolom leerjaar, regel R-INS-1" in uitvoer and _valid_bsn(501) not in uitvoer
    bestand.write_bytes(vo_csv(route, 3))
    call_command("import_inschrijvingen", str(bestand), "--instelling", vo.brin)
    assert Inschrijving.objects.count() == 3

    api = APIClient()
    api.force_authenticate(beheerder)
    bestand.write_bytes(vo_csv(route, 4, fout_op={3}))
    with bestand.open("rb") as f:
        r = api.post(
            "/api/v1/import/", {"bestand": f, "instelling": vo.pk, "dry_run": "true"}, format="multipart"
        )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["rijen"] == 4 and body["ongewijzigd"] == 3
    assert [(f["rij"], f["regel"]) for f in body["fouten"]] == [(5, "R-INS-1")]
