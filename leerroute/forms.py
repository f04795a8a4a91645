"""Forms of the route screen (issue 12, item 3): the route's own fields (crebo typed by number or
name, vestigingen, RIO status) and the PTA/OER table per leerjaar (R-LR-7)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leerroute.models import Examinering, Kwalificatie, Leerroute
from samenwerking.models import Vestiging

DATUM = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_JAREN = 6


class RouteForm(forms.ModelForm):
    crebo = forms.CharField(
        label=_("Kwalificatie (crebo of naam)"),
        max_length=200,
        help_text=_("Typ het crebonummer of (een deel van) de naam; het niveau komt mee."),
    )

    class Meta:
        model = Leerroute
        fields = [
            "soort",
            "leerweg",
            "vo_vestiging",
            "mbo_vestiging",
            "rio_status",
            "rio_gemeld_op",
            "rio_kenmerk",
        ]
        widgets = {"rio_gemeld_op": DATUM}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        o = self.instance.overeenkomst
        self.fields["vo_vestiging"].queryset = Vestiging.objects.filter(instelling_id=o.vo_instelling_id)
        self.fields["mbo_vestiging"].queryset = Vestiging.objects.filter(instelling_id=o.mbo_instelling_id)
        if self.instance.kwalificatie_id and not self.is_bound:
            self.initial["crebo"] = self.instance.kwalificatie.crebo

    def add_error(self, field, error):
        """The model's rules name ``kwalificatie``: beside the crebo typed here; a rule on a field
        this form does not show goes on top."""
        if field is None and hasattr(error, "error_dict"):
            fouten = error.error_dict
            if "kwalificatie" in fouten:
                fouten["crebo"] = fouten.pop("kwalificatie")
            for veld in [v for v in fouten if v not in self.fields and v != NON_FIELD_ERRORS]:
                fouten.setdefault(NON_FIELD_ERRORS, []).extend(fouten.pop(veld))
        super().add_error(field, error)

    def clean_crebo(self):
        tekst = self.cleaned_data["crebo"].strip()
        treffers = list(
            Kwalificatie.objects.filter(Q(crebo=tekst) | Q(naam__iexact=tekst)).order_by("crebo")[:2]
        ) or list(Kwalificatie.objects.filter(naam__icontains=tekst).order_by("crebo")[:2])
        if not treffers:
            raise forms.ValidationError(_("Geen kwalificatie met dit crebonummer of deze naam."))
        if len(treffers) > 1:
            raise forms.ValidationError(_("Meer kwalificaties passen; typ het crebonummer."))
        self.instance.kwalificatie = treffers[0]
        return tekst


class JaarForm(forms.Form):
    routejaar = forms.IntegerField(widget=forms.HiddenInput)
    beschrijving = forms.CharField(
        label=_("Programma en examinering (PTA/OER)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OnderdeelForm(forms.Form):
    routejaar = forms.TypedChoiceField(
        label=_("Leerjaar"), coerce=int, choices=[(j, j) for j in range(1, MAX_JAREN + 1)]
    )
    naam = forms.CharField(label=_("Onderdeel"), max_length=200, required=False)
    examinering_door = forms.ChoiceField(label=_("Geëxamineerd door"), choices=Examinering.choices)
    teambevoegdheid = forms.BooleanField(label=_("Gemengd team"), required=False)


JaarFormSet = forms.formset_factory(JaarForm, extra=0)
OnderdeelFormSet = forms.formset_factory(OnderdeelForm, extra=3)


def programma_formsets(route, data=None):
    """The PTA/OER table as two formsets: one row per leerjaar, and the parts (plus empty rows)."""
    programma = {p.routejaar: p for p in route.programma.prefetch_related("onderdelen")}
    jaren = [
        {"routejaar": j, "beschrijving": getattr(programma.get(j), "beschrijving", "")} for j in range(1, 5)
    ]
    onderdelen = [
        {
            "routejaar": p.routejaar,
            "naam": o.naam,
            "examinering_door": o.examinering_door,
            "teambevoegdheid": o.teambevoegdheid,
        }
        for p in programma.values()
        for o in p.onderdelen.all()
    ]
    return (
        JaarFormSet(data, initial=jaren, prefix="jaar"),
        OnderdeelFormSet(data, initial=onderdelen, prefix="onderdeel"),
    )
