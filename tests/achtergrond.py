"""A live worker for the tests of runs that a screen starts (registratie.achtergrond): a thread
with its own database connection holds a run's lock, as the worker that carries out the run does,
until the block ends. It then lets go without storing an outcome, which is what a killed worker
leaves behind (the lock itself dying with a killed process is tested in test_locks.py and
test_taken_storingen.py, and with a real SIGKILL in test_achtergrond.py)."""

from __future__ import annotations

import contextlib
import threading

from django.db import connection

from registratie import achtergrond


@contextlib.contextmanager
def levende_worker(run):
    houdt, klaar = threading.Event(), threading.Event()

    def houden():
        try:
            with achtergrond.uitvoeren(run):
                houdt.set()
                klaar.wait(60)
        finally:
            connection.close()  # the thread's own connection

    draad = threading.Thread(target=houden, daemon=True)
    draad.start()
    assert houdt.wait(10), "de worker kreeg het slot van de run niet"
    try:
        yield
    finally:
        klaar.set()
        draad.join(10)
