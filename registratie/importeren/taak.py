"""The upload screen's import as a background task: the screen stores the file (encrypted) in an
ImportRun and queues ``import_task`` after the commit; the worker runs registratie.importeren and
stores the report; the screen polls the progress (htmx). Without a broker (the embedded default,
CELERY_TASK_ALWAYS_EAGER) the task runs in-process right after the upload's commit.

The import is one transaction, so its progress cannot travel through the run's row (nobody else
would see it before the commit): it goes through the cache, and the row gets the totals at the end."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import achtergrond
from registratie.importeren.models import OPEN, ImportRun, ImportStatus
from registratie.importeren.uitvoeren import importeer
from samenwerking.logfilter import maskeer_nummers
from samenwerking.versleuteling import fernet

logger = logging.getLogger(__name__)
STAPPEN = 100  # progress updates per run, however many rows


def _sleutel(run_id: int) -> str:
    return f"import-voortgang-{run_id}"


def voortgang(run: ImportRun) -> tuple[int, int]:
    """(rows done, rows) of a run: from the cache while it runs, from its row afterwards."""
    if run.open:
        return cache.get(_sleutel(run.pk)) or (run.verwerkt, run.totaal)
    return run.verwerkt, run.totaal


def starten(*, instelling, door, bestandsnaam: str, inhoud: bytes, dry_run: bool) -> ImportRun:
    """Store the file and queue its run; raises achtergrond.NogOpen when the instelling's previous
    run is still open (a second click starts nothing). Earlier files of the instelling are emptied."""

    def maken() -> ImportRun:
        ImportRun.objects.filter(instelling=instelling).exclude(status__in=OPEN).update(inhoud=b"")
        return ImportRun.objects.create(
            instelling=instelling,
            door=door,
            bestandsnaam=bestandsnaam[:200],
            inhoud=fernet().encrypt(inhoud),
            dry_run=dry_run,
        )

    run = achtergrond.aanmaken(
        maken, lambda: ImportRun.objects.get(instelling=instelling, status__in=OPEN), afgebroken_sluiten
    )
    transaction.on_commit(lambda: import_task.delay(run.pk))
    return run


def afgebroken_sluiten(run: ImportRun) -> bool:
    """Close a run whose worker died (registratie.achtergrond); nothing was imported."""
    fout = f"{achtergrond.AFGEBROKEN} {_('Upload het bestand opnieuw.')}"
    if not achtergrond.afgebroken_sluiten(run, fout=fout, inhoud=b"", klaar_op=timezone.now()):
        return False
    cache.delete(_sleutel(run.pk))
    return True


def annuleren(run: ImportRun, *, door) -> bool:
    """Cancel a run that has not begun (registratie.achtergrond); nothing is imported."""
    fout = achtergrond.GEANNULEERD % {"door": door}
    if not achtergrond.annuleren(run, ImportStatus.WACHTEND, fout=fout, inhoud=b"", klaar_op=timezone.now()):
        return False
    cache.delete(_sleutel(run.pk))
    return True


def _klaar(run: ImportRun, **velden) -> None:
    velden |= {"klaar_op": timezone.now()}
    ImportRun.objects.filter(pk=run.pk).update(**velden)
    cache.delete(_sleutel(run.pk))


def uitvoeren(run_id: int) -> None:
    """The task's body: run the import of one ImportRun and store its report. A task delivered
    again after its worker died closes the run as broken off instead of importing it twice."""
    run = ImportRun.objects.select_related("instelling", "door").get(pk=run_id)
    achtergrond.draaien(run, ImportStatus.WACHTEND, _importeren, afgebroken_sluiten)


def _importeren(run: ImportRun) -> None:
    def melden(n: int, totaal: int) -> None:
        if n == totaal or n % max(totaal // STAPPEN, 1) == 0:
            cache.set(_sleutel(run.pk), (n, totaal), timeout=24 * 3600)

    try:
        rapport = importeer(
            fernet().decrypt(bytes(run.inhoud)),
            run.bestandsnaam,
            instelling=run.instelling,
            door=run.door,
            dry_run=run.dry_run,
            voortgang=melden,
        )
    except ValidationError as exc:  # the file itself (not a row): no CSV/XLSX, missing columns
        _klaar(run, status=ImportStatus.MISLUKT, fout=" ".join(exc.messages), inhoud=b"")
        return
    except Exception as exc:  # never a silent failure; the message is masked (it may hold a BSN)
        logger.exception("import %s mislukt", run.pk)
        _klaar(run, status=ImportStatus.MISLUKT, fout=maskeer_nummers(f"{type(exc).__name__}: {exc}")[:500])
        return
    _klaar(
        run,
        status=ImportStatus.KLAAR,
        verwerkt=rapport.rijen,
        totaal=rapport.rijen,
        rapport=rapport.als_dict(),
        # A real run is done with the file; a dry run keeps it for "nu echt inlezen".
        **({} if run.dry_run else {"inhoud": b""}),
    )


def echt_inlezen(run: ImportRun, *, door) -> ImportRun:
    """Import the file of a dry run for real (all or nothing), without uploading it again."""
    if not run.dry_run or not run.inhoud:
        raise ValidationError(_("Dit bestand is niet meer bewaard; upload het opnieuw."))
    return starten(
        instelling=run.instelling,
        door=door,
        bestandsnaam=run.bestandsnaam,
        inhoud=fernet().decrypt(bytes(run.inhoud)),
        dry_run=False,
    )


@shared_task(name="registratie.importeren.import_task", acks_late=True)
def import_task(run_id: int) -> None:
    uitvoeren(run_id)
