from django import forms
from django.utils.translation import gettext_lazy as _


class TerugkoppelingForm(forms.Form):
    bestand = forms.FileField(
        label=_("Terugkoppelingsbestand (XML)"),
        help_text=_("Het antwoord van ROD op deze levering, volgens leerroute-rod-terugkoppeling-v1.xsd."),
    )


def correctiereden_veld() -> forms.CharField:
    """The reason for a change after a ROD count date's deadline that alters what was registered
    on it (registratie.rod.teldata asks for it by this name: ``teldata.VELD``). Every form that
    changes a delivered enrolment has it: the screens and the admin."""
    return forms.CharField(
        label=_("Correctiereden (ROD)"),
        required=False,
        max_length=1000,
        help_text=_(
            "Alleen nodig als de uiterste leverdatum van een ROD-teldatum voorbij is en deze wijziging "
            "verandert wat op die teldatum geregistreerd stond."
        ),
    )
