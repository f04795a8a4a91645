"""Holding a job's lock as another run would: in another thread, so on its own database
connection (PostgreSQL) or its own open lock file (SQLite), never re-entered by the test's own."""

from __future__ import annotations

import contextlib
import threading

from django.db import connection

from registratie import locks


@contextlib.contextmanager
def slot_elders(naam: str):
    genomen, klaar, fouten = threading.Event(), threading.Event(), []

    def houden():
        try:
            with locks.enkele_run(naam):
                genomen.set()
                klaar.wait(60)
        except BaseException as exc:  # surfaced in the test below
            fouten.append(exc)
            genomen.set()
        finally:
            connection.close()

    draad = threading.Thread(target=houden, daemon=True)
    draad.start()
    genomen.wait(30)
    assert not fouten, fouten
    try:
        yield
    finally:
        klaar.set()
        draad.join(30)
