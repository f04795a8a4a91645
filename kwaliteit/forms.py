"""Forms of the step plan and the evaluations. Rule errors (clean() and the services) land beside
their field with the rule id; what was typed stays."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kwaliteit import rules
from kwaliteit.models import Evaluatie, Stap, StapDocument
from leerroute.models import Leerroute
from samenwerking.models import Gebruiker

DATUM = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RouteNieuwForm(forms.ModelForm):
    """A route in preparation: what it will be, under which agreement, from when."""

    class Meta:
        model = Leerroute
        fields = ["naam", "soort", "overeenkomst", "leerweg", "kwalificatie", "startdatum"]
        labels = {"startdatum": _("eerste instroomdatum")}
        widgets = {"startdatum": DATUM}

    def __init__(self, *args, overeenkomsten, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overeenkomst"].queryset = overeenkomsten.order_by("naam")


class StapForm(forms.ModelForm):
    class Meta:
        model = Stap
        fields = ["eigenaar", "status", "streefdatum", "notities"]
        widgets = {"streefdatum": DATUM, "notities": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eigenaar"].queryset = Gebruiker.objects.filter(
            rules.eigenaar_q(self.instance.leerroute)
        ).order_by("last_name", "first_name", "username")
        self.fields["eigenaar"].label_from_instance = lambda u: u.get_full_name() or u.username


MAX_DOCUMENT_MB = 20


class DocumentForm(forms.ModelForm):
    class Meta:
        model = StapDocument
        fields = ["bestand"]

    def clean_bestand(self):
        bestand = self.cleaned_data["bestand"]
        if bestand.size > MAX_DOCUMENT_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("Een document is hoogstens %(mb)s MB.") % {"mb": MAX_DOCUMENT_MB}, code="te_groot"
            )
        return bestand


class EvaluatieForm(forms.ModelForm):
    class Meta:
        model = Evaluatie
        fields = ["schooljaar", "doelen", "behaald", "besluiten", "deelnemers"]
        widgets = {
            k: forms.Textarea(attrs={"rows": 3}) for k in ("doelen", "behaald", "besluiten", "deelnemers")
        }


class EvaluatieBijwerkenForm(EvaluatieForm):
    class Meta(EvaluatieForm.Meta):
        fields = ["doelen", "behaald", "besluiten", "deelnemers"]
