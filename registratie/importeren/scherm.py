"""Screen: upload an export; it runs as a background task (registratie.importeren.taak) with a
progress bar (htmx polling), then shows the summary and the preview: what each row does, every
error with row, column and rule id. A dry run without errors can then be imported for real
without a new upload. The file travels in the POST, never in a URL."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registratie import achtergrond
from registratie.importeren import taak
from registratie.importeren.models import ImportRun
from samenwerking import scope
from samenwerking.models import Instelling

MAX_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    instelling = forms.ModelChoiceField(queryset=Instelling.objects.none(), label=gettext_lazy("Instelling"))
    bestand = forms.FileField(label=gettext_lazy("Export (CSV of XLSX)"))
    echt = forms.BooleanField(
        required=False,
        label=gettext_lazy("Echt inlezen"),
        help_text=gettext_lazy(
            "Zonder vinkje alleen controleren (dry run); met vinkje alles of niets opslaan."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instelling"].queryset = Instelling.objects.filter(pk__in=scope.scope_for(user).beheer)

    def clean_bestand(self):
        bestand = self.cleaned_data["bestand"]
        if bestand.size > MAX_BYTES:
            raise ValidationError(_("Het bestand is groter dan 20 MB."))
        return bestand


def _beheerder(request) -> None:
    if not scope.scope_for(request.user).beheer:
        raise PermissionDenied(_("Alleen de beheerder van een instelling importeert leerlingen."))


def _run(request, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.for_user(request.user, scope.CHANGE), pk=pk)


@login_required
def importeren(request):
    _beheerder(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            run = taak.starten(
                instelling=d["instelling"],
                door=request.user,
                bestandsnaam=d["bestand"].name,
                inhoud=d["bestand"].read(),
                dry_run=not d["echt"],
            )
        except achtergrond.NogOpen as exc:
            messages.warning(request, _("Voor deze instelling loopt al een import; die ziet u hier."))
            run = exc.run
        return redirect("import-run", pk=run.pk)
    runs = ImportRun.objects.for_user(request.user, scope.CHANGE).select_related("instelling")[:10]
    status = 400 if form.errors else 200
    return render(request, "registratie/importeren.html", {"form": form, "runs": runs}, status=status)


@login_required
def import_run(request, pk: int):
    """The run: its progress bar while it runs, the summary and the preview when it is done."""
    _beheerder(request)
    run = _run(request, pk)
    taak.afgebroken_sluiten(run)
    verwerkt, totaal = taak.voortgang(run)
    context = {"run": run, "verwerkt": verwerkt, "totaal": totaal, "rapport": run.rapport}
    status = 400 if run.rapport and run.rapport["fouten"] else 200
    return render(request, "registratie/import_run.html", context, status=status)


@login_required
def import_voortgang(request, pk: int):
    """htmx polls this while the run is open; once it is done the page reloads with the result."""
    _beheerder(request)
    run = _run(request, pk)
    if taak.afgebroken_sluiten(run) or not run.open:
        antwoord = HttpResponse(status=204)
        antwoord["HX-Refresh"] = "true"
        return antwoord
    verwerkt, totaal = taak.voortgang(run)
    return render(
        request, "registratie/_import_voortgang.html", {"run": run, "verwerkt": verwerkt, "totaal": totaal}
    )


@login_required
@require_POST
def import_echt(request, pk: int):
    """Import a checked file for real (all or nothing), without uploading it again."""
    _beheerder(request)
    run = _run(request, pk)
    try:
        nieuw = taak.echt_inlezen(run, door=request.user)
    except achtergrond.NogOpen as exc:
        messages.warning(request, _("Voor deze instelling loopt al een import; die ziet u hier."))
        nieuw = exc.run
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("import-run", pk=run.pk)
    return redirect("import-run", pk=nieuw.pk)


@login_required
@require_POST
def import_annuleren(request, pk: int):
    """Cancel a run still in the queue (its task may never come: registratie.achtergrond)."""
    _beheerder(request)
    run = _run(request, pk)
    achtergrond.annuleren_melden(request, taak.annuleren(run, door=request.user))
    return redirect("import-run", pk=run.pk)
