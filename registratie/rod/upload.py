"""The ROD screens' uploads (DUO's feedback file, DUO's snapshot for the reconciliation) as a
background task, like the enrolment import (registratie.importeren.taak): the screen checks the
header, stores the file encrypted in a RodUpload and queues ``rod_upload_task`` after the commit;
the worker streams the file through terugkoppeling.inlezen or afstemming.afstemmen and stores the
result line or the Dutch error. Without a broker (CELERY_TASK_ALWAYS_EAGER) the task runs
in-process right after the upload's commit.

Both readers are one transaction, so the row shows the status only (no counts while it runs)."""

from __future__ import annotations

import logging
import tempfile
import uuid
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import achtergrond
from registratie.rod import afstemming, opslag, terugkoppeling
from registratie.rod.upload_models import OPEN, RodUpload, RodUploadSoort, RodUploadStatus
from samenwerking.logfilter import maskeer_nummers
from samenwerking.models import Kanaal

logger = logging.getLogger(__name__)


def starten(*, soort: str, instelling, door, bestandsnaam: str, bron: BinaryIO) -> RodUpload:
    """Store the file ``bron`` (encrypted, as a stream) and queue its run after the commit; raises
    achtergrond.NogOpen while a file of the same kind for the instelling is still being read."""
    from registratie.rod.tasks import rod_upload_task  # the task module imports this one

    velden = {"soort": soort, "instelling": instelling, "door": door, "bestandsnaam": bestandsnaam[:200]}
    # One transaction: a file that cannot be stored leaves no queued run behind (it would block
    # the next upload of its kind).
    with transaction.atomic():
        run = achtergrond.aanmaken(
            lambda: RodUpload.objects.create(**velden),
            lambda: RodUpload.objects.get(soort=soort, instelling=instelling, status__in=OPEN),
            afgebroken_sluiten,
        )
        with tempfile.TemporaryFile() as versleuteld:
            opslag.versleutelen(bron, versleuteld)
            versleuteld.seek(0)
            run.bestand.save(f"{uuid.uuid4().hex}.bin", File(versleuteld), save=True)
        transaction.on_commit(lambda: rod_upload_task.delay(run.pk))
    return run


def _klaar(run: RodUpload, **velden) -> None:
    # The run has ended: the file (with its BSNs) is no longer needed.
    if run.bestand:
        run.bestand.delete(save=False)
    RodUpload.objects.filter(pk=run.pk).update(klaar_op=timezone.now(), bestand="", **velden)


def _lezen(run: RodUpload) -> dict:
    """Run the reader of the upload's kind; the fields that record what it did."""
    with run.bestand.open("rb") as fh, opslag.ontsleuteld(fh) as bron:
        if run.soort == RodUploadSoort.MOMENTOPNAME:
            a = afstemming.afstemmen(bron, instelling=run.instelling, door=run.door, kanaal=Kanaal.UI)
            return {
                "afstemming": a,
                "uitkomst": _("%(n)s verschillen gevonden.") % {"n": a.aantal_verschillen},
            }
        resultaat = terugkoppeling.inlezen(bron, door=run.door, kanaal=Kanaal.UI, instelling=run.instelling)
        return {"uitkomst": resultaat.regel()}


def afgebroken_sluiten(run: RodUpload) -> bool:
    """Close a run whose worker died (registratie.achtergrond); nothing was read in."""
    fout = f"{achtergrond.AFGEBROKEN} {_('Upload het bestand opnieuw.')}"
    return _bestand_weg(run, achtergrond.afgebroken_sluiten(run, fout=fout, klaar_op=timezone.now()))


def annuleren(run: RodUpload, *, door) -> bool:
    """Cancel a run that has not begun (registratie.achtergrond); nothing is read in."""
    fout = achtergrond.GEANNULEERD % {"door": door}
    gesloten = achtergrond.annuleren(run, RodUploadStatus.GEPLAND, fout=fout, klaar_op=timezone.now())
    return _bestand_weg(run, gesloten)


def _bestand_weg(run: RodUpload, gesloten: bool) -> bool:
    """Once a run is closed without its worker, the stored file (with its BSNs) goes."""
    if gesloten and run.bestand:
        run.bestand.delete(save=False)
        RodUpload.objects.filter(pk=run.pk).update(bestand="")
    return gesloten


def uitvoeren(run_id: int) -> None:
    """The task's body: read one uploaded file and record the outcome on its run. A task delivered
    again after its worker died closes the run as broken off instead of reading it twice."""
    run = RodUpload.objects.select_related("instelling", "door").get(pk=run_id)
    achtergrond.draaien(run, RodUploadStatus.GEPLAND, _inlezen, afgebroken_sluiten)


def _inlezen(run: RodUpload) -> None:
    try:
        velden = _lezen(run)
    except ValidationError as exc:  # the file: its schema, its BRIN (the message names the line)
        _klaar(run, status=RodUploadStatus.MISLUKT, fout=maskeer_nummers(" ".join(exc.messages)))
        return
    except Exception as exc:  # never a silent failure; the message is masked (it may hold a BSN)
        logger.exception("ROD-upload %s mislukt", run.pk)
        _klaar(
            run, status=RodUploadStatus.MISLUKT, fout=maskeer_nummers(f"{type(exc).__name__}: {exc}")[:500]
        )
        return
    _klaar(run, status=RodUploadStatus.KLAAR, **velden)
