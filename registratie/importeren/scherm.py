"""Screen: upload an export, see the dry run (what each row would do, every error with row,
column and rule id), then import it for real. The file travels in the POST, never in a URL."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registratie.importeren import importeer
from samenwerking import scope
from samenwerking.models import Instelling


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


@login_required
def importeren(request):
    if not scope.scope_for(request.user).beheer:
        raise PermissionDenied(_("Alleen de beheerder van een instelling importeert leerlingen."))
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    rapport = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rapport = importeer(
                d["bestand"].read(),
                d["bestand"].name,
                instelling=d["instelling"],
                door=request.user,
                dry_run=not d["echt"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if rapport.doorgevoerd:
                messages.success(request, _("Het bestand is ingelezen."))
    status = 400 if form.errors or (rapport and rapport.fouten) else 200
    return render(request, "registratie/importeren.html", {"form": form, "rapport": rapport}, status=status)
