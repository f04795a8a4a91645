"""Running a nightly job: the one path for the Celery task, the command and the "nu uitvoeren"
button. Each run leaves a JobRun row: queued, running (with progress), then done with its counts,
failed with its error, or skipped with the reason.

``uitvoeren`` takes the job's lock (registratie.locks: it dies with its holder). Once it holds
the lock, any other run of the same job still marked "bezig" was left behind by a process that
died (a live one would hold the lock): it is closed as failed, so the history says what happened.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import bewaartermijn, checks, locks
from registratie.jobs.models import JobRun, JobStatus, Taak
from samenwerking import audit
from samenwerking.logfilter import maskeer_nummers
from samenwerking.models import AuditActie, Kanaal

# Errors of one delivery that mean the database connection went away, not bad data: the run as a
# whole is then retried (rod_exporteren catches per instelling and carries on).
VERBINDINGSFOUTEN = {"OperationalError", "InterfaceError"}


class VerbindingVerbroken(OperationalError):
    """The database connection dropped during a run; the task retries it."""


def verwachte_duur() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LEERROUTE_TAAK_VERWACHTE_MINUTEN)


# --- the work of each job: (run arguments, progress callback) -> (result, counts) ---------------------


def _fasecontrole(voortgang, *, datum: datetime.date | None = None, details: bool = False, **_opties):
    voortgang(_("signalen zoeken en bijwerken"))
    resultaat = checks.draai(datum, details=details)
    return resultaat, resultaat.samenvatting()


def _anonimiseren(voortgang, *, datum: datetime.date | None = None, **_opties):
    samenvatting = bewaartermijn.draai(datum, voortgang=voortgang)
    return samenvatting, samenvatting


def _rod_export(voortgang, *, datum: datetime.date | None = None, **opties):
    from registratie.rod import services as rod

    peildatum = datum or timezone.localdate()
    resultaten = rod.rod_exporteren(peildatum=peildatum, voortgang=voortgang, **opties)
    verbroken = [r.instelling.brin for r in resultaten if r.fout in VERBINDINGSFOUTEN]
    if verbroken:
        # Nothing of these deliveries was recorded; the retry makes them (the others stay).
        raise VerbindingVerbroken(
            _("Databaseverbinding verbroken tijdens de levering van %(n)s instelling(en).")
            % {"n": len(verbroken)}
        )
    aantallen = {
        "peildatum": peildatum.isoformat(),
        "leveringen": sum(1 for r in resultaten if r.volgnummer is not None and not r.fout),
        "records": sum(r.aantal_records for r in resultaten),
        "vastgehouden": sum(r.aantal_vastgehouden for r in resultaten),
        "mislukt": sum(1 for r in resultaten if r.fout),
    }
    return resultaten, aantallen


def _rod_verzenden(voortgang, *, brin: str | None = None, **opties):
    from registratie.rod import verzenden

    resultaten = verzenden.verzenden(brin=brin, voortgang=voortgang)
    aantallen: dict = {"instellingen": len(resultaten), "mislukt": sum(1 for r in resultaten if r.fout)}
    for r in resultaten:
        for status, n in r.per_status.items():
            aantallen[status] = aantallen.get(status, 0) + n
    return resultaten, aantallen


WERK: dict[str, Callable] = {
    Taak.CHECK_PHASES: _fasecontrole,
    Taak.ROD_EXPORT: _rod_export,
    Taak.ROD_VERZENDEN: _rod_verzenden,
    Taak.ANONIMISEREN: _anonimiseren,
}


@dataclasses.dataclass
class Uitkomst:
    run: JobRun
    resultaat: Any


# --- the run ---------------------------------------------------------------------------------------


def run_aanmaken(taak: str, *, kanaal: str = Kanaal.JOB, door=None, task_id: str = "") -> JobRun:
    nu = timezone.now()
    return JobRun.objects.create(
        taak=taak,
        kanaal=kanaal,
        aangevraagd_door=door if getattr(door, "is_authenticated", False) else None,
        aangemaakt_op=nu,
        verwacht_klaar_op=nu + verwachte_duur(),
        task_id=task_id,
    )


def uitvoeren(
    taak: str,
    *,
    run_id: int | None = None,
    kanaal: str = Kanaal.JOB,
    door=None,
    task_id: str = "",
    wachten: bool = False,
    **args,
) -> Uitkomst:
    """Run ``taak`` now, under its lock, and record the run.

    Raises ``locks.AlBezig`` when another live run holds the lock: with ``wachten`` the run stays
    queued (the task retries later), otherwise it is recorded as skipped (the command).
    Any other error is recorded as the run's failure and raised again.
    """
    run = _run(taak, run_id=run_id, kanaal=kanaal, door=door, task_id=task_id)
    try:
        with locks.enkele_run(taak):
            _achtergelaten_runs_sluiten(run)
            _start(run)
            resultaat, aantallen = WERK[taak](_voortgang(run), **args)
    except locks.AlBezig:
        _bijwerken(
            run,
            status=JobStatus.GEPLAND if wachten else JobStatus.OVERGESLAGEN,
            reden=_("Een andere run van deze taak loopt nog; deze wacht en probeert het straks opnieuw.")
            if wachten
            else _("Een andere run van deze taak loopt nog."),
            geeindigd_op=None if wachten else timezone.now(),
        )
        raise
    except BaseException as exc:
        _verbinding_herstellen()
        _bijwerken(run, status=JobStatus.MISLUKT, fout=_fouttekst(exc), geeindigd_op=timezone.now())
        raise
    _bijwerken(
        run,
        status=JobStatus.KLAAR,
        aantallen=aantallen,
        voortgang=_("klaar"),
        reden="",
        geeindigd_op=timezone.now(),
    )
    return Uitkomst(run=run, resultaat=resultaat)


def _run(taak: str, *, run_id, kanaal, door, task_id) -> JobRun:
    if run_id is not None:
        run = JobRun.objects.filter(pk=run_id, taak=taak).first()
        if run is not None:
            if task_id and run.task_id != task_id:
                _bijwerken(run, task_id=task_id)
            return run
    return run_aanmaken(taak, kanaal=kanaal, door=door, task_id=task_id)


def _start(run: JobRun) -> None:
    nu = timezone.now()
    _bijwerken(
        run,
        status=JobStatus.BEZIG,
        reden="",
        gestart_op=nu,
        geeindigd_op=None,
        verwacht_klaar_op=nu + verwachte_duur(),
        poging=run.poging + 1,
    )


def _achtergelaten_runs_sluiten(run: JobRun) -> None:
    JobRun.objects.filter(taak=run.taak, status=JobStatus.BEZIG).exclude(pk=run.pk).update(
        status=JobStatus.MISLUKT,
        geeindigd_op=timezone.now(),
        fout=_("Afgebroken: het proces stopte tijdens de run. Een volgende run maakt het werk af."),
    )


def _voortgang(run: JobRun) -> Callable[[str], None]:
    def melden(tekst: str) -> None:
        # Written outside the job's own transactions (between chunks, between instellingen), so
        # the screen sees it at once; an update of one row, no read.
        JobRun.objects.filter(pk=run.pk).update(voortgang=str(tekst)[:120], bijgewerkt_op=timezone.now())

    return melden


def _bijwerken(run: JobRun, **velden) -> None:
    velden["bijgewerkt_op"] = timezone.now()
    for naam, waarde in velden.items():
        setattr(run, naam, waarde)
    JobRun.objects.filter(pk=run.pk).update(**velden)


def _fouttekst(exc: BaseException) -> str:
    """The error's type and first line, personal numbers masked: it is shown and may be logged."""
    regel = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return maskeer_nummers(f"{type(exc).__name__}: {regel}"[:500])


def _verbinding_herstellen() -> None:
    """After a dropped connection, a fresh one to record the failure (never inside a transaction:
    there the caller's rollback comes first)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def opgeven(run_id: int, reden: str) -> None:
    """A task that waited too long for a live run gives up: its run failed, with the reason."""
    JobRun.objects.filter(pk=run_id).update(
        status=JobStatus.MISLUKT, fout=reden, geeindigd_op=timezone.now(), bijgewerkt_op=timezone.now()
    )


# --- "nu uitvoeren": queue a run for the worker --------------------------------------------------------


def inplannen(taak: str, *, door, kanaal: str = Kanaal.UI) -> JobRun:
    """Queue a run of ``taak`` now (the applicatiebeheerder's button); the worker picks it up after
    the commit. Recorded in the audit trail."""
    from registratie.jobs.taken import taak_voor

    task_id = uuid.uuid4().hex
    with transaction.atomic():
        run = run_aanmaken(taak, kanaal=kanaal, door=door, task_id=task_id)
        audit.record(run, actie=AuditActie.AANGEMAAKT, door=door, kanaal=kanaal, nieuw={"taak": taak})
        transaction.on_commit(lambda: taak_voor(taak).apply_async(kwargs={"run_id": run.pk}, task_id=task_id))
    return run
