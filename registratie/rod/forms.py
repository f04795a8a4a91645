from django import forms
from django.utils.translation import gettext_lazy as _


class TerugkoppelingForm(forms.Form):
    bestand = forms.FileField(
        label=_("Terugkoppelingsbestand (XML)"),
        help_text=_("Het antwoord van ROD op deze levering, volgens leerroute-rod-terugkoppeling-v1.xsd."),
    )
