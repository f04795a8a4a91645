"""Fault tests of the nightly jobs with real processes (issue 11): the command or the Celery worker
is killed with SIGKILL in the middle of the ROD export, the fase check and the anonymisation; Redis
is stopped during a run and started again; the job's PostgreSQL backend is terminated. Each time
the next run (or the same task, handed on) completes: every enrolment delivered exactly once, no
signal doubled, nobody anonymised twice, no half-written delivery.

The demo data (seed_demo) is loaded once into a template database; each test works on its own
copy, which the commands and workers (other processes) see like the test itself. To hit "the
middle" of a run whatever the machine's speed, the test holds a lock in its own transaction on
what the job needs near its end (the last instelling's row, the last student's row, the signal
table): the job does its first part, commits it, and waits there, in PostgreSQL, until the fault.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from lxml import etree

from registratie.rod import format, opslag
from tests.conftest import missing_service
from tests.processen import (
    RedisServer,
    Vasthouder,
    backend_beeindigen,
    database_maken,
    database_url,
    database_weg,
    manage,
    manage_klaar,
    omgeving,
    opgeruimd,
    unieke_naam,
    verbinden,
    wacht_op_wachtende_taak,
    wacht_tot,
    worker,
)

pytestmark = pytest.mark.postgres

PEIL = "2026-10-01"  # seed_demo's peildatum
LEERLINGEN = 6000  # more than one anonymisation chunk (5000 per transaction)
WACHT = "1"  # LEERROUTE_TAAK_WACHT_SECONDEN in the workers: a task that meets a live run retries soon
# What the test holds so that the job waits in its middle:
MET_INSCHRIJVINGEN = (  # the instellingen the ROD export delivers for (in the order of their BRIN)
    "FROM samenwerking_instelling i "
    "WHERE EXISTS (SELECT 1 FROM registratie_inschrijving s WHERE s.instelling_id = i.id)"
)
# The export's last delivery locks this row first (select_for_update per instelling).
LAATSTE_INSTELLING = f"SELECT i.id {MET_INSCHRIJVINGEN} ORDER BY i.brin DESC LIMIT 1 FOR UPDATE"
LAATSTE_LEERLING = "SELECT id FROM registratie_leerling ORDER BY id DESC LIMIT 1 FOR UPDATE"
SIGNAALTABEL = "LOCK TABLE registratie_signaal IN SHARE MODE"  # the fase check's insert waits


@pytest.fixture(scope="module")
def sjabloon(tmp_path_factory):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing_service("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute")
    naam = f"lr_storing_sjabloon_{os.getpid()}"
    database_maken(naam)
    env = omgeving(DATABASE_URL=database_url(naam), REDIS_URL="")
    map_ = tmp_path_factory.mktemp("sjabloon")
    try:
        manage_klaar(env, map_ / "migrate.log", "migrate", "--noinput", "-v", "0")
        manage_klaar(env, map_ / "seed.log", "seed_demo", "--students", str(LEERLINGEN))
        yield naam
    finally:
        database_weg(naam)


@pytest.fixture
def kopie(sjabloon, tmp_path):
    """(database name, environment for commands and workers, media folder, connection)."""
    naam = unieke_naam("lr_storing")
    database_maken(naam, sjabloon=sjabloon)
    media = tmp_path / "media"
    env = omgeving(DATABASE_URL=database_url(naam), REDIS_URL="", MEDIA_ROOT=media)
    db = verbinden(naam)
    try:
        yield naam, env, media, db
    finally:
        db.close()
        database_weg(naam)


def _app(url: str) -> Celery:
    """A client of the worker's broker, to queue a task the way beat or the button does."""
    return Celery("leerroute-test", broker=url, backend=url)


def _waarde(db, sql: str, *params):
    rij = db.execute(sql, params).fetchone()
    return rij[0] if rij else None


def _runs(db, taak: str) -> list[tuple]:
    return db.execute(
        "SELECT status, fout, poging, aantallen FROM registratie_jobrun WHERE taak = %s ORDER BY id", [taak]
    ).fetchall()


def _zonder_taakslot(db, naam: str) -> None:
    """Until no backend holds a job's advisory lock in ``naam``: a killed process's backend ends
    once it notices its client is gone (client_connection_check_interval), and its lock with it."""
    wacht_tot(
        lambda: (
            not db.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND d.datname = %s",
                [naam],
            ).fetchone()
        ),
        timeout=60,
        wat="het slot van de gedode taak is vrij",
    )


def _leveringen(db) -> int:
    return _waarde(db, "SELECT count(*) FROM registratie_rodlevering WHERE peildatum = %s", PEIL)


def _te_leveren_instellingen(db) -> int:
    return _waarde(db, f"SELECT count(*) {MET_INSCHRIJVINGEN}")


def _elke_inschrijving_een_keer_geleverd(db, media: Path) -> None:
    """Every delivery has its whole file (decrypting to its sha256 and record count), each
    enrolment that is not held back is in exactly one file, once."""
    leveringen = db.execute(
        "SELECT instelling_id, bestand, sha256, aantal_records FROM registratie_rodlevering "
        "WHERE peildatum = %s",
        [PEIL],
    ).fetchall()
    instellingen = [instelling for instelling, *_ in leveringen]
    assert len(instellingen) == len(set(instellingen)), "een instelling heeft twee leveringen"
    geleverd = []
    for instelling, bestand, sha256, aantal in leveringen:
        assert bestand, "een levering zonder bestand"
        with open(media / bestand, "rb") as fh:
            xml = b"".join(opslag.ontsleutelen(fh))
        assert hashlib.sha256(xml).hexdigest() == sha256
        sleutels = [
            (instelling, el.findtext(format.E.SLEUTEL))
            for el in etree.fromstring(xml)
            if el.tag == format.E.INSCHRIJVING
        ]
        assert len(sleutels) == aantal
        geleverd += sleutels
    assert len(geleverd) == len(set(geleverd)), "een inschrijving is twee keer geleverd"
    te_leveren = set(
        db.execute(
            "SELECT i.instelling_id, i.inschrijvingsvolgnummer FROM registratie_inschrijving i "
            "WHERE NOT EXISTS (SELECT 1 FROM registratie_rodstand s WHERE s.instelling_id = i.instelling_id "
            "AND s.sleutel = i.inschrijvingsvolgnummer AND s.vastgehouden)"
        ).fetchall()
    )
    assert set(geleverd) == te_leveren
    bestanden = {str(p.relative_to(media)) for p in media.rglob("*.xml")}
    assert bestanden == {bestand for _, bestand, *_ in leveringen}, "een bestand zonder levering"


def _afgebroken_en_daarna_klaar(runs: list[tuple]) -> None:
    assert [r[0] for r in runs] == ["mislukt", "klaar"], runs
    assert runs[0][1].startswith("Afgebroken")


# --- SIGKILL ---------------------------------------------------------------------------------------------


def test_rod_export_command_killed_mid_run_then_run_again_delivers_every_enrolment_once(kopie, tmp_path):
    naam, env, media, db = kopie
    slot = Vasthouder(naam, LAATSTE_INSTELLING)
    eerste = manage(env, tmp_path / "eerste.log", "rod_export", "--date", PEIL)
    with opgeruimd(eerste, slot):
        wacht_op_wachtende_taak(naam)
        eerste.doden()
        slot.loslaten()
    # Killed in the middle: all but the last delivery committed, the run never marked done.
    assert 0 < _leveringen(db) == _te_leveren_instellingen(db) - 1
    assert _waarde(db, "SELECT status FROM registratie_jobrun WHERE taak = 'rod_export'") == "bezig"
    _zonder_taakslot(db, naam)

    # At once: the lock died with the process, so no "loopt al" and no wait.
    uit = manage_klaar(env, tmp_path / "tweede.log", "rod_export", "--date", PEIL)
    assert "loopt al" not in uit and "MISLUKT" not in uit
    _afgebroken_en_daarna_klaar(_runs(db, "rod_export"))
    _elke_inschrijving_een_keer_geleverd(db, media)


def test_fase_check_worker_killed_mid_run_the_task_is_handed_on_and_completes(kopie, redis_url, tmp_path):
    naam, env, _, db = kopie
    queue = unieke_naam("storing")
    # A short visibility timeout: Redis hands the killed worker's task on within seconds.
    env = {
        **env,
        "REDIS_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "LEERROUTE_TAAK_WACHT_SECONDEN": WACHT,
    }
    slot = Vasthouder(naam, SIGNAALTABEL)
    eerste = worker(env, tmp_path / "w1.log", queue)
    with opgeruimd(eerste, slot):
        _app(redis_url).send_task("registratie.tasks.check_phases_task", kwargs={"datum": PEIL}, queue=queue)
        wacht_op_wachtende_taak(naam)  # its findings made, its signals about to be written
        eerste.doden()
        slot.loslaten()
    assert _waarde(db, "SELECT status FROM registratie_jobrun WHERE taak = 'check_phases'") == "bezig"

    tweede = worker(env, tmp_path / "w2.log", queue)  # no new task: the same one comes back
    with opgeruimd(tweede):
        wacht_tot(
            lambda: _waarde(
                db, "SELECT 1 FROM registratie_jobrun WHERE taak = 'check_phases' AND status = 'klaar'"
            ),
            timeout=120,
            wat="fasecontrole klaar",
        )
    runs = _runs(db, "check_phases")
    _afgebroken_en_daarna_klaar(runs)
    signalen = _waarde(db, "SELECT count(*) FROM registratie_signaal WHERE bron = 'fasecontrole'")
    assert signalen == runs[1][3]["nieuw"] == runs[1][3]["bevindingen"] > 0  # the killed run wrote none
    assert not db.execute(
        "SELECT sleutel FROM registratie_signaal GROUP BY sleutel HAVING count(*) > 1"
    ).fetchall(), "een signaal staat er twee keer"


def test_anonymisation_killed_mid_run_then_run_again_anonymises_everybody_once(kopie, tmp_path):
    naam, env, _, db = kopie
    # Every route ended long ago: everybody is past the retention period on 1 January 2100.
    db.execute(
        "UPDATE registratie_inschrijving SET einddatum = startdatum, reden_einde = 'overstap' "
        "WHERE einddatum IS NULL"
    )
    totaal = _waarde(db, "SELECT count(*) FROM registratie_leerling")
    slot = Vasthouder(naam, LAATSTE_LEERLING)
    eerste = manage(env, tmp_path / "eerste.log", "anonimiseren", "--datum", "2100-01-01")
    with opgeruimd(eerste, slot):
        wacht_op_wachtende_taak(naam)  # the first chunk committed, the last one waits
        eerste.doden()
        slot.loslaten()
    al_gedaan = _waarde(db, "SELECT count(*) FROM registratie_leerling WHERE geanonimiseerd_op IS NOT NULL")
    assert 0 < al_gedaan < totaal
    _zonder_taakslot(db, naam)

    manage_klaar(env, tmp_path / "tweede.log", "anonimiseren", "--datum", "2100-01-01")
    runs = _runs(db, "anonimiseren")
    _afgebroken_en_daarna_klaar(runs)
    assert runs[1][3]["geanonimiseerd"] == totaal - al_gedaan
    assert _waarde(db, "SELECT count(*) FROM registratie_leerling WHERE geanonimiseerd_op IS NULL") == 0
    per_leerling = db.execute(
        "SELECT object_id, count(*) FROM samenwerking_auditregel WHERE model = 'registratie.Leerling' "
        "AND nieuw @> '{\"geanonimiseerd\": true}' GROUP BY object_id"
    ).fetchall()
    assert len(per_leerling) == totaal and {n for _, n in per_leerling} == {1}  # nobody twice


# --- Redis away, PostgreSQL connection dropped ------------------------------------------------------


@pytest.mark.redis
def test_redis_stopped_during_a_run_and_started_again_the_task_completes(kopie, tmp_path):
    if not shutil.which("redis-server"):
        missing_service("needs redis-server (apt-get install redis-server)")
    naam, env, media, db = kopie
    redis = RedisServer(tmp_path)
    redis.starten()
    queue = unieke_naam("storing")
    env = {
        **env,
        "REDIS_URL": redis.url,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "LEERROUTE_TAAK_WACHT_SECONDEN": WACHT,
    }
    slot = Vasthouder(naam, LAATSTE_INSTELLING)
    w = worker(env, tmp_path / "worker.log", queue)
    app = _app(redis.url)
    with opgeruimd(w, redis, slot):
        taak = app.send_task("registratie.rod.tasks.rod_export_task", kwargs={"peildatum": PEIL}, queue=queue)
        wacht_op_wachtende_taak(naam)
        redis.stoppen()
        slot.loslaten()  # the run goes on while Redis is away
        wacht_tot(lambda: _leveringen(db) == _te_leveren_instellingen(db), wat="alle leveringen gemaakt")
        redis.starten()
        uitkomst = taak.get(timeout=180)
        # The worker is back on the broker: the next task (the night's fase check) runs as well.
        fase = app.send_task("registratie.tasks.check_phases_task", kwargs={"datum": PEIL}, queue=queue)
        assert fase.get(timeout=120)["nieuw"] > 0
    assert uitkomst["mislukt"] == 0 and uitkomst["leveringen"]
    assert {r[0] for r in _runs(db, "rod_export")} == {"klaar"}
    _elke_inschrijving_een_keer_geleverd(db, media)


def test_database_connection_dropped_mid_export_the_task_retries_without_half_deliveries(
    kopie, redis_url, tmp_path
):
    naam, env, media, db = kopie
    queue = unieke_naam("storing")
    env = {**env, "REDIS_URL": redis_url, "LEERROUTE_TAAK_WACHT_SECONDEN": WACHT}
    slot = Vasthouder(naam, LAATSTE_INSTELLING)
    w = worker(env, tmp_path / "worker.log", queue)
    with opgeruimd(w, slot):
        taak = _app(redis_url).send_task(
            "registratie.rod.tasks.rod_export_task", kwargs={"peildatum": PEIL}, queue=queue
        )
        wacht_op_wachtende_taak(naam)
        backend_beeindigen(naam)  # the job's own connection, in the middle of its last delivery
        slot.loslaten()
        uitkomst = taak.get(timeout=180)
    assert uitkomst["mislukt"] == 0
    [(status, fout, poging, _)] = _runs(db, "rod_export")  # one task, one run, two attempts
    assert status == "klaar" and poging >= 2, (status, fout, poging)
    assert "OperationalError" in fout or "Databaseverbinding" in fout
    _elke_inschrijving_een_keer_geleverd(db, media)
