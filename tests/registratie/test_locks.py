"""The job lock on the embedded default (SQLite: a flock on a file) dies with its holder: while the
holding process lives another process is refused; after SIGKILL the next one gets it at once.
(On PostgreSQL the advisory lock is put to the same test by tests/registratie/test_taken_storingen.py.)"""

from tests.processen import manage, manage_klaar, omgeving, opgeruimd

HOUDEN = """
import time
from registratie import locks
with locks.enkele_run("check_phases"):
    print("HOUDT", flush=True)
    time.sleep(120)
"""

PROBEREN = """
from registratie import locks
try:
    with locks.enkele_run("check_phases"):
        print("VRIJ")
except locks.AlBezig:
    print("BEZET")
"""


def test_the_sqlite_lock_refuses_a_second_process_and_dies_with_its_holder(tmp_path):
    env = omgeving(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="")
    houder = manage(env, tmp_path / "houder.log", "shell", "-c", HOUDEN)
    with opgeruimd(houder):
        houder.wacht_op_regel("HOUDT")
        assert "BEZET" in manage_klaar(env, tmp_path / "tweede.log", "shell", "-c", PROBEREN)
        houder.doden()
    assert "VRIJ" in manage_klaar(env, tmp_path / "derde.log", "shell", "-c", PROBEREN)
