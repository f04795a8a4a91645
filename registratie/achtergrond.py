"""Runs that a screen starts and a worker carries out (an import, a ROD upload, a bulk decision),
and a worker that may die mid-run (SIGKILL, an OOM kill, a restart).

A queued run whose task never reaches a worker (a broker that lost its queue) can be cancelled by
the user on its page (``annuleren``): it then neither blocks the next run nor starts later.

The worker holds the run's own lock (registratie.locks: it dies with its holder) from before it
marks the run "bezig" until after it has stored the outcome. A run marked "bezig" whose lock nobody
holds was therefore left behind by a process that died: ``afgebroken_sluiten`` closes it as failed
with a message that says so. The run's page does this when it polls, and the next start does it
before it refuses with "loopt al", so a dead worker never leaves a page that says "bezig" for ever
or blocks the next run of that instelling or user.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from registratie import locks

BEZIG = "bezig"
MISLUKT = "mislukt"  # the same values in ImportStatus, RodUploadStatus and JobStatus

# The callers add what it means for their run (nothing read in, or the signals done so far).
AFGEBROKEN = _("De verwerking is afgebroken: het proces dat haar uitvoerde, stopte voordat ze klaar was.")
GEANNULEERD = _("Geannuleerd door %(door)s voordat de verwerking begon.")


Run = TypeVar("Run", bound=models.Model)


class NogOpen(Exception):
    """The instelling (or user) still has an open run of this kind: ``run``, whose page to show."""

    def __init__(self, run: models.Model):
        super().__init__(str(run))
        self.run = run


def _slot(run: models.Model) -> str:
    return f"{locks.EENMALIG}{run._meta.label_lower}:{run.pk}"


@contextlib.contextmanager
def uitvoeren(run: models.Model):
    """Hold ``run``'s own lock for the block; ``locks.AlBezig`` when a live worker holds it (the task
    was delivered twice). Mark the run "bezig" and store its outcome inside the block."""
    with locks.enkele_run(_slot(run)):
        yield


def aanmaken(maken: Callable[[], Run], open_run: Callable[[], Run], sluiten: Callable[[Run], bool]) -> Run:
    """The screen's side: ``maken()`` the run's row, which a one-open-run constraint refuses
    (IntegrityError) while ``open_run()`` is open. That run is closed first when its worker died
    (``sluiten``: the caller's afgebroken_sluiten) and the row made after all; else NogOpen."""
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            return maken()
    except IntegrityError:
        bestaand = open_run()
        if not sluiten(bestaand):
            raise NogOpen(bestaand) from None
    with transaction.atomic():
        return maken()


def draaien(run: Run, gepland: str, werk: Callable[[Run], None], sluiten: Callable[[Run], bool]) -> None:
    """The worker's side: take ``run``'s lock, move it from ``gepland`` to "bezig" and do ``werk``.
    A task delivered again after its worker died closes the run (``sluiten``) instead of doing the
    work twice; one that meets a live worker, or a run no longer queued (done, cancelled), does
    nothing."""
    sluiten(run)
    try:
        with uitvoeren(run):
            if type(run).objects.filter(pk=run.pk, status=gepland).update(status=BEZIG):
                run.status = BEZIG
                werk(run)
    except locks.AlBezig:
        pass  # delivered twice (acks_late) while the first delivery runs it


def afgebroken_sluiten(run: models.Model, **velden) -> bool:
    """Close ``run`` as failed when it is marked "bezig" and no live process holds its lock; set
    ``velden`` too (the end time, the error field with AFGEBROKEN). True when it closed the run."""
    if run.status != BEZIG or not locks.vrij(_slot(run)):
        return False
    # Only a run still "bezig" after the probe: a worker stores its outcome before it lets go.
    gesloten = type(run).objects.filter(pk=run.pk, status=BEZIG).update(status=MISLUKT, **velden)
    if gesloten:
        run.refresh_from_db()
    return bool(gesloten)


def annuleren(run: models.Model, gepland: str, **velden) -> bool:
    """Close ``run`` as failed (with ``velden``: GEANNULEERD, the end time) if it is still queued,
    status ``gepland``; a run that has begun goes on. True when it closed the run. The task, when it
    comes, finds the run closed and leaves it."""
    gesloten = type(run).objects.filter(pk=run.pk, status=gepland).update(status=MISLUKT, **velden)
    if gesloten:
        run.refresh_from_db()
    return bool(gesloten)


def annuleren_melden(request, geannuleerd: bool) -> None:
    """The message after a click on "Annuleren"."""
    if geannuleerd:
        messages.success(request, _("De verwerking is geannuleerd."))
    else:
        messages.warning(request, _("De verwerking was al begonnen of klaar; annuleren kon niet meer."))
