"""ROD delivery (format 1), how it runs: the command and its filters, the beat task, the lock
against a second run, the database constraints on number and date, a crash halfway, one failing
instelling, no BSN in output or logs; on PostgreSQL the streamed cursor and two concurrent runs."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction

from registratie import locks
from registratie.models import (
    Inschrijving,
    Leerling,
    RodLevering,
    RodStand,
    Signaal,
)
from registratie.rod import selectors, services, v1_bouwen
from registratie.rod.tasks import rod_export_task
from samenwerking.audit import mask
from tests.registratie.rod_helpers import (
    PEILDATUM,
    VOLGENDE_DAG,
    KapotteOpslag,
    exporteer,
    leerling_in_route,
    levering_bytes,
    open_rod_signalen,
    records,
    route_met_vestigingen,
    vo_brin,
)
from tests.slot_helpers import slot_elders

# The ``route`` (with a vestiging on both sides) and ``rod_media`` fixtures: tests/registratie/conftest.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rod_media")]


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
