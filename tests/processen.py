"""Real processes for the fault tests: management commands, Celery workers and a private
redis-server, each with its own log file, and a PostgreSQL database that they and the test share.

Nothing here is mocked: a kill is SIGKILL to the process, an outage is a stopped server, a dropped
connection is pg_terminate_backend.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from django.conf import settings

BASIS = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))


def wacht_tot(voorwaarde, *, timeout: float = 60, interval: float = 0.05, wat: str = "voorwaarde"):
    """Poll ``voorwaarde()`` until it returns something truthy; fail after ``timeout`` seconds."""
    einde = time.monotonic() + timeout
    while True:
        uitkomst = voorwaarde()
        if uitkomst:
            return uitkomst
        if time.monotonic() > einde:
            raise AssertionError(f"na {timeout} s nog steeds niet: {wat}")
        time.sleep(interval)


def vrije_poort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def omgeving(**waarden) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
    env.update({k: str(v) for k, v in waarden.items()})
    return env


class Proces:
    """A child process whose output goes to a log file (read back in a failure message)."""

    def __init__(self, argv: list[str], env: dict, log: Path):
        self.log = log
        self._begin = log.stat().st_size if log.exists() else 0  # a restart appends to the same log
        self._fh = open(log, "ab")  # noqa: SIM115 - closed in stoppen()
        self.popen = subprocess.Popen(argv, env=env, cwd=BASIS, stdout=self._fh, stderr=subprocess.STDOUT)

    def tekst(self) -> str:
        with open(self.log, "rb") as fh:
            fh.seek(self._begin)
            return fh.read().decode(errors="replace")

    def wacht_op_regel(self, tekst: str, timeout: float = 60) -> None:
        wacht_tot(lambda: tekst in self.tekst() or self.popen.poll() is not None, timeout=timeout, wat=tekst)
        assert tekst in self.tekst(), f"{tekst!r} niet in de uitvoer:\n{self.tekst()[-3000:]}"

    def doden(self) -> None:
        """SIGKILL: no handler, no cleanup, exactly what a crash or an OOM kill does."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(30)

    def wachten(self, timeout: float = 120) -> int:
        try:
            return self.popen.wait(timeout)
        finally:
            self._fh.close()

    def stoppen(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.doden()
        self._fh.close()


def manage(env: dict, log: Path, *args: str) -> Proces:
    return Proces([sys.executable, "manage.py", *args], env, log)


def manage_klaar(env: dict, log: Path, *args: str, timeout: float = 180) -> str:
    proces = manage(env, log, *args)
    code = proces.wachten(timeout)
    assert code == 0, f"manage.py {' '.join(args)} gaf {code}:\n{proces.tekst()[-3000:]}"
    return proces.tekst()


def worker(env: dict, log: Path, queue: str) -> Proces:
    """A real Celery worker (solo pool: the task runs in the worker process itself, so SIGKILL to
    it is a kill in the middle of the task) on its own queue, so no other test's task reaches it."""
    proces = Proces(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env,
        log,
    )
    proces.wacht_op_regel(" ready.")
    return proces


class RedisServer:
    """A private redis-server on a free port that a test may stop and start again (never the
    shared one). Its append-only file survives the restart, as a production Redis's would."""

    def __init__(self, map_: Path):
        self.map = map_
        self.poort = vrije_poort()
        self.proces: Proces | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.poort}/0"

    def starten(self) -> None:
        self.proces = Proces(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.poort),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.map),
            ],
            omgeving(),
            self.map / "redis.log",
        )
        self.proces.wacht_op_regel("Ready to accept connections")

    def stoppen(self) -> None:
        if self.proces is not None:
            self.proces.stoppen()  # SIGTERM: Redis writes its append-only file and exits
            self.proces = None


# --- a PostgreSQL database that the test, the commands and the workers all see --------------------


def _beheer() -> psycopg.Connection:
    """The maintenance database, for CREATE and DROP DATABASE and pg_terminate_backend."""
    return verbinden("postgres")


def database_url(naam: str) -> str:
    db = settings.DATABASES["default"]
    wachtwoord = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{wachtwoord}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{naam}"


def database_maken(naam: str, *, sjabloon: str | None = None) -> None:
    with _beheer() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{naam}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{naam}"' + (f' TEMPLATE "{sjabloon}"' if sjabloon else ""))


def database_weg(naam: str) -> None:
    with _beheer() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{naam}" WITH (FORCE)')


def verbinden(naam: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=naam,
        autocommit=True,
    )


def backend_beeindigen(naam: str) -> int:
    """pg_terminate_backend for the connection that holds a job's advisory lock in ``naam``."""
    with _beheer() as c:
        rij = c.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = %s",
            [naam],
        ).fetchone()
        assert rij, "geen taak houdt een lock"
        c.execute("SELECT pg_terminate_backend(%s)", [rij[0]])
        return rij[0]


def unieke_naam(voorvoegsel: str) -> str:
    return f"{voorvoegsel}_{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def opgeruimd(*processen):
    try:
        yield
    finally:
        for p in processen:
            with contextlib.suppress(Exception):
                p.stoppen()


class Vasthouder:
    """Holds row or table locks in the test's own open transaction, so that a job that needs them
    waits there: a run stopped at a known point in its middle, by PostgreSQL itself."""

    def __init__(self, naam: str, sql: str):
        self.verbinding = verbinden(naam)
        self.verbinding.autocommit = False
        self.verbinding.execute(sql)

    def loslaten(self) -> None:
        if not self.verbinding.closed:
            self.verbinding.rollback()
            self.verbinding.close()

    def stoppen(self) -> None:  # for opgeruimd()
        self.loslaten()


def wacht_op_wachtende_taak(naam: str, timeout: float = 120) -> None:
    """Until a connection to ``naam`` (the job's) waits for a lock the test holds."""
    with verbinden(naam) as c:
        wacht_tot(
            lambda: c.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [naam]
            ).fetchone(),
            timeout=timeout,
            wat="de taak wacht op de vastgehouden rij",
        )
