"""The import's bulk path (registratie.importeren.snel): it leaves exactly what the row-by-row path
through the services leaves (rows, audit rows, signals), its number of queries does not grow with
the file, and the rules it checks in memory refuse the same rows with the same rule."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registratie.importeren import importeer
from registratie.importeren.bestand import lees
from registratie.importeren.uitvoeren import _uitvoeren
from registratie.models import Inschrijving, Leerling, RodBericht, Signaal
from samenwerking.models import AuditRegel, Kanaal
from tests.factories import (
    InstellingFactory,
    KwalificatieFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    _valid_bsn,
    gebruiker_met_rol,
)
from tests.registratie.test_importeren import KOP, vo_csv

pytestmark = pytest.mark.django_db
MBO_KOP = "bsn;achternaam;geboortedatum;leerroute;inschrijvingsvolgnummer;startdatum;fase;crebo;leervorm"


def _wereld():
    vo, mbo = InstellingFactory(), InstellingFactory(mbo=True)
    route = LeerrouteFactory(
        overeenkomst=OvereenkomstFactory(actief=True, vo_instelling=vo, mbo_instelling=mbo)
    )
    return vo, mbo, route


def _mbo_csv(route, rijen: int, *, fase: str = "vo") -> bytes:
    regels = [MBO_KOP]
    for n in range(rijen):
        regels.append(
            f"{_valid_bsn(500 + n)};Import{n};2011-02-03;{route.naam};MBO-{n};2025-08-01;{fase};"
            f"{route.kwalificatie.crebo};BOL"
        )
    return ("\n".join(regels) + "\n").encode()


class _Terug(Exception):
    pass


def _wat_er_staat() -> dict:
    """What an import left, without primary keys (they differ between two runs)."""
    return {
        "leerlingen": sorted(Leerling.objects.values_list("bsn_hash", "achternaam", "instelling_id")),
        "inschrijvingen": sorted(
            Inschrijving.objects.values_list(
                "leerling__bsn_hash", "instelling_id", "sector", "inschrijvingsvolgnummer", "fase", "leerjaar"
            )
        ),
        "audit": sorted(
            AuditRegel.objects.filter(kanaal=Kanaal.IMPORT).values_list("model", "actie", "gebruiker_id")
        ),
        "signalen": sorted(Signaal.objects.values_list("regel", "leerling__bsn_hash", "toelichting")),
        "rod_wachtrij": sorted(
            RodBericht.objects.values_list(
                "inschrijving__leerling__bsn_hash", "inschrijving__sector", "status"
            )
        ),
    }


def test_the_bulk_path_leaves_what_the_services_row_by_row_leave():
    vo, mbo, route = _wereld()
    KwalificatieFactory(crebo=route.kwalificatie.crebo)
    vo_beheerder = gebruiker_met_rol("beheerder", instelling=vo)
    mbo_beheerder = gebruiker_met_rol("beheerder", instelling=mbo)
    # The mbo side in the mbo-fase while the vo side stays in the vo-fase: R-INS-6 signals.
    bestanden = [
        (vo, vo_beheerder, lees(vo_csv(route, 4), "las.csv")),
        (mbo, mbo_beheerder, lees(_mbo_csv(route, 4, fase="mbo"), "eduarte.csv")),
    ]
    uitkomst = {}
    for bundelen in (False, True):
        try:
            with transaction.atomic():
                for instelling, door, rijen in bestanden:
                    rapport = _uitvoeren(rijen, {}, instelling, door, False, None, bundelen=bundelen)
                    assert rapport.doorgevoerd and rapport.aangemaakt == 4, rapport.fouten
                uitkomst[bundelen] = _wat_er_staat()
                raise _Terug
        except _Terug:
            pass
    assert uitkomst[True]["signalen"], "the file should raise signals (R-INS-6)"
    assert {r[0] for r in uitkomst[True]["signalen"]} >= {"R-INS-6"}
    assert len(uitkomst[True]["rod_wachtrij"]) == 8, "each new enrolment is queued for ROD once"
    assert uitkomst[True] == uitkomst[False]


def _queries(rijen: int) -> int:
    """The queries of a real run of ``rijen`` new students (rolled back afterwards)."""
    vo, _mbo, route = _wereld()
    door = gebruiker_met_rol("beheerder", instelling=vo)
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as q:
                rapport = importeer(vo_csv(route, rijen), "las.csv", instelling=vo, door=door, dry_run=False)
            assert rapport.doorgevoerd and rapport.aangemaakt == rijen
            raise _Terug
    except _Terug:
        return len(q.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_file():
    assert _queries(3) == _queries(30)


def test_the_same_student_twice_on_one_side_of_a_route_is_refused_at_the_second_row():
    vo, _mbo, route = _wereld()
    bsn = _valid_bsn(77)
    regels = [KOP] + [f"{bsn};A.;Dubbel;03-02-2011;{route.naam};VO-{n};2025-08-01;vo;3;BB" for n in range(2)]
    rapport = importeer(
        ("\n".join(regels) + "\n").encode(),
        "las.csv",
        instelling=vo,
        door=gebruiker_met_rol("beheerder", instelling=vo),
        dry_run=True,
    )
    assert [f.rij for f in rapport.fouten] == [3]
    assert "al een lopende inschrijving aan deze kant" in rapport.fouten[0].melding


def test_a_changed_row_and_new_rows_in_one_file():
    vo, _mbo, route = _wereld()
    door = gebruiker_met_rol("beheerder", instelling=vo)
    importeer(vo_csv(route, 2), "las.csv", instelling=vo, door=door, dry_run=False)
    gewijzigd = vo_csv(route, 5).replace(b"Import0;", b"Anders0;")
    rapport = importeer(gewijzigd, "las.csv", instelling=vo, door=door, dry_run=False)
    assert (rapport.aangemaakt, rapport.gewijzigd, rapport.ongewijzigd) == (3, 1, 1), rapport.fouten
    assert Leerling.objects.filter(achternaam="Anders0").exists()
    assert Inschrijving.objects.filter(instelling=vo).count() == 5
    opnieuw = importeer(gewijzigd, "las.csv", instelling=vo, door=door, dry_run=False)
    assert (opnieuw.aangemaakt, opnieuw.gewijzigd, opnieuw.ongewijzigd) == (0, 0, 5)


def test_the_benchmark_reports_the_bad_rows_then_imports_the_fixed_file_completely(capsys):
    """issue 14's "Done when" at a small size (the benchmark runs it at 10,000 rows): the dry run
    reports each bad row, the fixed file imports completely, the same file again changes nothing."""
    call_command("bench_import", rijen=60, fouten=3)
    regels = capsys.readouterr().out.splitlines()
    assert "aangemaakt 57, gewijzigd 0, ongewijzigd 0, fouten 3" in regels[0]
    assert "aangemaakt 60, gewijzigd 0, ongewijzigd 0, fouten 0" in regels[1]
    assert "aangemaakt 0, gewijzigd 0, ongewijzigd 60, fouten 0" in regels[2]
    assert not Leerling.objects.exists()  # the benchmark rolls everything back


def _zonder_leerweg(route) -> bytes:
    leerwegen = ["BB", "", "BB"]  # the second data row (row 3) has none
    regels = [KOP] + [
        f"{_valid_bsn(600 + n)};A.;Rij{n};03-02-2011;{route.naam};VO-{n};2025-08-01;vo;3;{leerweg}"
        for n, leerweg in enumerate(leerwegen)
    ]
    return ("\n".join(regels) + "\n").encode()


def test_a_check_constraint_is_checked_in_memory_and_names_the_row():
    """A vo side without leerweg breaks the model's check constraint (R-INS-2): the bulk path
    evaluates it before writing, like full_clean() would."""
    vo, _mbo, route = _wereld()
    door = gebruiker_met_rol("beheerder", instelling=vo)
    rapport = importeer(_zonder_leerweg(route), "las.csv", instelling=vo, door=door, dry_run=True)
    assert [(f.rij, f.regel) for f in rapport.fouten] == [(3, "R-INS-2")]
    assert rapport.aangemaakt == 2


def test_when_the_database_refuses_a_bulk_insert_the_import_starts_again_row_by_row(monkeypatch):
    """A constraint the bulk path could not evaluate (simulated: every condition 'unknown') is
    refused by the database; the import then runs row by row and reports the row."""
    from registratie.importeren import snel

    monkeypatch.setattr(snel, "_waar", lambda q, obj: None)
    vo, _mbo, route = _wereld()
    door = gebruiker_met_rol("beheerder", instelling=vo)
    rapport = importeer(_zonder_leerweg(route), "las.csv", instelling=vo, door=door, dry_run=False)
    assert [(f.rij, f.regel) for f in rapport.fouten] == [(3, "R-INS-2")]
    assert not rapport.doorgevoerd and not Inschrijving.objects.exists()
