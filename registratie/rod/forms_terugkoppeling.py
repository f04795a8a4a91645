from django import forms
from django.utils.translation import gettext_lazy as _


class BestandForm(forms.Form):
    bestand = forms.FileField(
        label=_("Bestand van DUO (XML)"),
        help_text=_(
            "Een terugkoppeling (leerroute-rod-terugkoppeling-v2.xsd) of een momentopname "
            "(leerroute-rod-momentopname-v2.xsd); de BRIN in het bestand moet een eigen instelling zijn."
        ),
    )


class AccepterenForm(forms.Form):
    opmerking = forms.CharField(
        label=_("Opmerking"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Waarom de waarschuwing terecht kan blijven staan; komt in de auditlog."),
    )
