"""`make run` on the embedded default: a real Celery worker with beat on kombu's filesystem
transport (a folder is the broker and the result backend) and SQLite, no server installed. The
test starts the worker as `make run` does and queues runs from another process: a task as beat
sends it, and a run as the "nu uitvoeren" button queues it (after its commit)."""

import sqlite3

from tests.processen import CELERY, Proces, manage_klaar, omgeving, wacht_tot


def test_a_worker_with_beat_on_the_filesystem_transport_runs_a_queued_task(tmp_path):
    taken = tmp_path / "taken"
    database = tmp_path / "db.sqlite3"
    env = omgeving(
        DATABASE_URL=f"sqlite:///{database}",
        REDIS_URL="",
        LEERROUTE_TAKEN_MAP=taken,
        MEDIA_ROOT=tmp_path / "media",
    )
    manage_klaar(env, tmp_path / "migrate.log", "migrate", "--noinput", "-v", "0")
    worker = Proces(
        [CELERY, "-A", "config", "worker", "-B", "--concurrency", "1", "--loglevel=INFO",
         "--schedule", str(taken / "beat-schedule")],
        env,
        tmp_path / "worker.log",
    )  # fmt: skip
    try:
        worker.wacht_op_regel(" ready.")
        assert "filesystem://" in worker.tekst() and "beat: Starting" in worker.tekst()
        uit = manage_klaar(
            env,
            tmp_path / "wachtrij.log",
            "shell",
            "-c",
            "from registratie.tasks import anonimiseren_task as t; "
            "print('UITKOMST', t.delay().get(timeout=60)); "
            "from registratie.jobs import services; services.inplannen('check_phases', door=None)",
        )
        with sqlite3.connect(database) as db:
            wacht_tot(
                lambda: db.execute(
                    "SELECT 1 FROM registratie_jobrun WHERE taak = 'check_phases' AND status = 'klaar'"
                ).fetchone(),
                timeout=60,
                wat="de ingeplande fasecontrole is klaar",
            )
            runs = db.execute(
                "SELECT taak, status, kanaal, task_id FROM registratie_jobrun ORDER BY id"
            ).fetchall()
    finally:
        worker.stoppen()
    assert "UITKOMST {'peildatum'" in uit and "'geanonimiseerd': 0" in uit
    assert [r[:3] for r in runs] == [("anonimiseren", "klaar", "job"), ("check_phases", "klaar", "ui")]
    assert all(r[3] for r in runs)  # each run knows its Celery task
