"""The one lock of the nightly jobs: it keeps two runs of the same job from overlapping, and it dies
with its holder, so a killed process never blocks or silently skips the next run.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on the job's own database
  connection. The server releases it when that connection ends: the process exits or is killed,
  or the backend is terminated.
- SQLite (the embedded default, one machine): an exclusive ``flock`` on a file beside the
  database; the kernel releases it when the process that holds it dies.

Re-entrant within one thread: the job runner (registratie.jobs.services) takes the job's lock and
the job's own code (checks.draai, bewaartermijn.draai, rod_exporteren) takes it again.

``vrij`` asks whether a live process holds a lock: a run marked "bezig" whose lock is free was left
behind by a process that died (registratie.achtergrond).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
from pathlib import Path

from django.db import DatabaseError, connection

_gehouden = threading.local()  # naam -> depth, for re-entrance within one thread
EENMALIG = "run:"  # prefix of a lock that belongs to one run (registratie.achtergrond)


class AlBezig(RuntimeError):
    """Another live run holds the lock."""


def _sleutel(naam: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"leerroute:{naam}".encode()).digest()[:8], "big", signed=True)


def lockbestand(naam: str) -> Path:
    """The file whose flock is the lock on SQLite: one per database and job."""
    database = str(connection.settings_dict["NAME"])
    if database == ":memory:" or "mode=memory" in database:
        database = f"{database}:{os.getpid()}"  # an in-memory database is private to its process
    elif not database.startswith("file:"):
        database = os.path.abspath(database)
    tag = hashlib.sha256(database.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"leerroute-{tag}-{naam}.lock"


@contextlib.contextmanager
def _advisory(naam: str):
    sleutel = _sleutel(naam)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [sleutel])
        if not cursor.fetchone()[0]:
            raise AlBezig(f"{naam} loopt al")
    try:
        yield
    finally:
        # A dropped connection took the lock with it; nothing left to release then.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [sleutel])


def _open_en_vergrendeld(pad: Path, naam: str):
    """The lock file, opened and flocked; again when the locked file was removed meanwhile (a run's
    lock file goes with its holder, so a lock on a removed file would lock nothing)."""
    while True:
        fh = open(pad, "a+b")  # noqa: SIM115 - the caller closes it
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.close()
            raise AlBezig(f"{naam} loopt al") from exc
        with contextlib.suppress(FileNotFoundError):
            if os.stat(pad).st_ino == os.fstat(fh.fileno()).st_ino:
                return fh
        fh.close()


@contextlib.contextmanager
def _bestand(naam: str):
    pad = lockbestand(naam)
    fh = _open_en_vergrendeld(pad, naam)
    try:
        try:
            yield
        finally:
            if naam.startswith(EENMALIG):
                # A run's own lock is taken once: its file goes with it, removed while still held
                # (whoever opened it meanwhile sees it gone and opens the path again).
                pad.unlink(missing_ok=True)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


@contextlib.contextmanager
def enkele_run(naam: str):
    """Hold the job's lock for the block; ``AlBezig`` when another live run holds it. The lock
    lives exactly as long as its holder, so it needs no expiry."""
    diepte = getattr(_gehouden, naam, 0)
    if diepte:
        setattr(_gehouden, naam, diepte + 1)
        try:
            yield
        finally:
            setattr(_gehouden, naam, diepte)
        return
    slot = _advisory if connection.vendor == "postgresql" else _bestand
    with slot(naam):
        setattr(_gehouden, naam, 1)
        try:
            yield
        finally:
            setattr(_gehouden, naam, 0)


def vrij(naam: str) -> bool:
    """True when no live process holds the lock ``naam``: probed by taking it and letting go."""
    if getattr(_gehouden, naam, 0):
        return False  # this thread holds it
    if connection.vendor != "postgresql" and not lockbestand(naam).exists():
        return True  # never taken, or its run has ended (the file goes with a run's lock)
    try:
        with enkele_run(naam):
            return True
    except AlBezig:
        return False
