"""`make run` on the embedded default: a real Celery worker with beat on kombu's filesystem
transport (a folder is the broker and the result backend) and SQLite, no server installed. The
test starts the worker as `make run` does and queues a task from another process."""

import sqlite3

from tests.processen import CELERY, Proces, manage_klaar, omgeving


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
            "print('UITKOMST', t.delay().get(timeout=60))",
        )
    finally:
        worker.stoppen()
    assert "UITKOMST {'peildatum'" in uit and "'geanonimiseerd': 0" in uit
    with sqlite3.connect(database) as db:
        runs = db.execute("SELECT taak, status, task_id FROM registratie_jobrun").fetchall()
    assert len(runs) == 1 and runs[0][:2] == ("anonimiseren", "klaar") and runs[0][2]
