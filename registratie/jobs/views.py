"""The Taken screen of the applicatiebeheerder: the nightly jobs, their run history with progress,
and a "nu uitvoeren" button per job that queues a run for the worker."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registratie.jobs import selectors, services
from registratie.jobs.models import Taak
from samenwerking import scope
from samenwerking.models import Kanaal

VERVERS_SECONDEN = 5


def _alleen_applicatiebeheer(request) -> None:
    if not scope.scope_for(request.user).alles:
        raise PermissionDenied


@login_required
@require_GET
def taken(request):
    _alleen_applicatiebeheer(request)
    runs = list(selectors.recente_runs())
    return render(
        request,
        "registratie/taken.html",
        {
            "standen": selectors.standen(),
            "runs": runs,
            # Progress without a script (the CSP allows only our own files): while a run is queued
            # or running, the page reloads itself.
            "verversen": VERVERS_SECONDEN if any(r.loopt for r in runs) else None,
        },
    )


@login_required
@require_POST
def taak_uitvoeren(request, taak: str):
    _alleen_applicatiebeheer(request)
    if taak not in Taak.values:
        raise Http404(_("Onbekende taak."))
    run = services.inplannen(taak, door=request.user, kanaal=Kanaal.UI)
    messages.success(
        request,
        _("%(taak)s staat in de wachtrij; de voortgang staat hieronder.") % {"taak": run.get_taak_display()},
    )
    return redirect("taken:lijst")
