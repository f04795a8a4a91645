"""Screen: an instelling's beheerder makes and revokes the API keys of its school systems. The key
itself is shown once, on the page that answers the POST that made it (never stored, never in a URL)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samenwerking import scope
from samenwerking.api.sleutels import sleutel_aanmaken, sleutel_intrekken
from samenwerking.models import ApiScope, ApiSleutel, Instelling


class SleutelForm(forms.Form):
    instelling = forms.ModelChoiceField(queryset=Instelling.objects.none(), label=gettext_lazy("Instelling"))
    naam = forms.CharField(
        max_length=100, label=gettext_lazy("Naam"), help_text=gettext_lazy("Bijvoorbeeld: Magister.")
    )
    bevoegdheid = forms.ChoiceField(choices=ApiScope.choices, label=gettext_lazy("Bevoegdheid"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instelling"].queryset = Instelling.objects.filter(pk__in=scope.scope_for(user).beheer)


def _beheerder(request):
    if not scope.scope_for(request.user).beheer:
        raise PermissionDenied(_("Alleen de beheerder van een instelling beheert haar API-sleutels."))


@login_required
def overzicht(request):
    """The keys of the instellingen this user is beheerder of; POST makes a new one."""
    _beheerder(request)
    form = SleutelForm(request.POST or None, user=request.user)
    nieuwe_sleutel = None
    if request.method == "POST" and form.is_valid():
        try:
            _rij, nieuwe_sleutel = sleutel_aanmaken(**form.cleaned_data, door=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = SleutelForm(user=request.user)
    sleutels = ApiSleutel.objects.for_user(request.user).select_related("instelling", "aangemaakt_door")
    return render(
        request,
        "samenwerking/api_sleutels.html",
        {"form": form, "sleutels": sleutels, "nieuwe_sleutel": nieuwe_sleutel},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def intrekken(request, pk):
    _beheerder(request)
    sleutel = get_object_or_404(ApiSleutel.objects.for_user(request.user, scope.CHANGE), pk=pk)
    sleutel_intrekken(sleutel=sleutel, door=request.user)
    messages.success(request, _("De API-sleutel %(naam)s is ingetrokken.") % {"naam": sleutel.naam})
    return redirect("api-sleutels")
