from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class BestandForm(forms.Form):
    bestand = forms.FileField(
        label=_("Bestand van DUO (XML)"),
        help_text=_(
            "Een terugkoppeling (leerroute-rod-terugkoppeling-v2.xsd) of een momentopname "
            "(leerroute-rod-momentopname-v2.xsd); de BRIN in het bestand moet een eigen instelling zijn."
        ),
    )

    def clean_bestand(self):
        # The file is stored until its run ends: a limit keeps a wrong file from filling the disk.
        bestand = self.cleaned_data["bestand"]
        grens = settings.LEERROUTE_ROD_UPLOAD_MAX_MB
        if bestand.size > grens * 1024 * 1024:
            raise ValidationError(
                _("Het bestand is %(mb)s MB; een bestand van DUO mag hier hoogstens %(grens)s MB zijn.")
                % {"mb": -(-bestand.size // (1024 * 1024)), "grens": grens},
                code="te_groot",
            )
        return bestand

    def fout(self, kies: str) -> str:
        """The message for an invalid form: the file's own error, or ``kies`` when none was chosen."""
        if self.has_error("bestand", "te_groot"):
            return " ".join(self.errors["bestand"])
        return kies


class AccepterenForm(forms.Form):
    opmerking = forms.CharField(
        label=_("Opmerking"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Waarom de waarschuwing terecht kan blijven staan; komt in de auditlog."),
    )
