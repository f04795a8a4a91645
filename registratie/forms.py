"""Forms of the coordinator's review, the student page and uitstroom (R-INS-10)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from leerroute.models import Leerroute
from registratie.models import Bestemming, Uitstroom, UitstroomReden
from registratie.rod.forms import correctiereden_veld
from samenwerking import scope
from samenwerking.models import Instelling


class DatumForm(forms.Form):
    datum = forms.DateField(
        label=_("Situatie op datum"),
        required=False,
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class NummerZoekenForm(forms.Form):
    """Find a student by BSN or onderwijsnummer. Always sent by POST: a number never goes into a
    URL, the browser history or an access log."""

    nummer = forms.RegexField(
        label=_("BSN of onderwijsnummer"),
        regex=r"^\s*[0-9]{9}\s*$",
        error_messages={"invalid": _("Vul de 9 cijfers van het BSN of onderwijsnummer in.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 11}),
    )


class AfwijzenForm(forms.Form):
    reden = forms.CharField(
        label=_("Reden van afwijzen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class CollegaKeuze(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from registratie.services import persoon_naam

        return persoon_naam(obj)


class OverdragenForm(forms.Form):
    """Hand a signal to a named colleague: a beheerder of the vo-school or the mbo-instelling."""

    aan_persoon = CollegaKeuze(label=_("Overdragen aan collega"), queryset=Instelling.objects.none())
    toelichting = forms.CharField(
        label=_("Toelichting voor de collega"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, signaal, **kwargs):
        from registratie.selectors import overdracht_collegas

        super().__init__(*args, **kwargs)
        o = signaal.overeenkomst
        ids = [o.vo_instelling_id, o.mbo_instelling_id] if o is not None else []
        self.fields["aan_persoon"].queryset = overdracht_collegas(ids)


class UitstroomForm(forms.ModelForm):
    """R-INS-10: a student stops or switches; the service ends the route enrolments."""

    correctiereden = correctiereden_veld()

    class Meta:
        model = Uitstroom
        fields = ["leerroute", "datum", "reden", "bestemming", "toelichting"]
        widgets = {
            "datum": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "toelichting": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, leerling, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.leerling = leerling
        self.fields["leerroute"].queryset = (
            Leerroute.objects.for_user(user, scope.CHANGE)
            .filter(pk__in=leerling.inschrijvingen.filter(einddatum__isnull=True).values("leerroute"))
            .order_by("naam")
        )


class SignaalUitstroomForm(forms.Form):
    """A half-registered switch or stop: the coordinator records the uitstroom (R-INS-10)."""

    datum = forms.DateField(
        label=_("Datum van uitstroom"),
        required=False,
        help_text=_("Leeg: de einddatum van de beëindigde inschrijving."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reden = forms.ChoiceField(label=_("Reden"), choices=UitstroomReden.choices)
    bestemming = forms.ChoiceField(label=_("Bestemming"), choices=Bestemming.choices)
    toelichting = forms.CharField(
        label=_("Toelichting (overstapoptie)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    correctiereden = correctiereden_veld()


class CorrectieForm(forms.Form):
    """Only the ROD correction reason: for an action that asks nothing else (reopening an ended
    enrolment), when it changes what was registered on a count date past its deadline."""

    correctiereden = correctiereden_veld()
