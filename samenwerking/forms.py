"""Forms of the agreement screens (issue 12, item 2): a short guided form to start an agreement,
and one to fill in the R-SOK-2 elements. The rules themselves are in samenwerking.rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samenwerking import scope
from samenwerking.models import (
    VERPLICHTE_ONDERDELEN,
    Instelling,
    InstellingSoort,
    OvereenkomstSoort,
    Samenwerkingsovereenkomst,
)

DATUM = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
VO_SOORTEN = (InstellingSoort.VO, InstellingSoort.AOC, InstellingSoort.VSG)
MBO_SOORTEN = (InstellingSoort.MBO, InstellingSoort.AOC, InstellingSoort.VSG)


class OvereenkomstNieuwForm(forms.ModelForm):
    """The two partners, what it is about, and from when. Soort follows R-SOK-1 (one board: an
    interne regeling) unless chosen; a leerwerktraject gets its own agreement (R-SOK-3)."""

    class Meta:
        model = Samenwerkingsovereenkomst
        fields = ["naam", "vo_instelling", "mbo_instelling", "onderwerp", "soort", "ingangsdatum"]
        widgets = {"ingangsdatum": DATUM, "onderwerp": forms.RadioSelect}
        help_texts = {
            "onderwerp": _(
                "R-SOK-3: een leerwerktraject heeft een eigen overeenkomst naast die voor de route."
            )
        }

    soort = forms.ChoiceField(
        label=_("Soort"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("", _("volgt uit de besturen (R-SOK-1)")), *OvereenkomstSoort.choices],
        help_text=_(
            "R-SOK-1: een AOC of VSG met één bestuur legt een interne regeling vast; tussen twee "
            "besturen is een samenwerkingsovereenkomst verplicht."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        instellingen = Instelling.objects.select_related("bestuur").order_by("naam")
        self.fields["vo_instelling"].queryset = instellingen.filter(soort__in=VO_SOORTEN)
        self.fields["mbo_instelling"].queryset = instellingen.filter(soort__in=MBO_SOORTEN)

    def clean(self):
        data = super().clean()
        vo, mbo = data.get("vo_instelling"), data.get("mbo_instelling")
        s = scope.scope_for(self.user)
        if vo and mbo and not s.alles and not ({vo.pk, mbo.pk} & s.beheer):
            self.add_error("vo_instelling", _("Een van beide partijen is een instelling die u beheert."))
        if vo and mbo and not data.get("soort"):  # R-SOK-1: one board runs both parts
            data["soort"] = "intern" if vo.bestuur_id == mbo.bestuur_id else "sok"
        return data


class OnderdelenForm(forms.ModelForm):
    """The R-SOK-2 elements (and R-SOK-4), filled in step by step while the agreement is a concept."""

    class Meta:
        model = Samenwerkingsovereenkomst
        fields = [*VERPLICHTE_ONDERDELEN, "financiele_afspraken", "dekt_volledige_route", "einddatum"]
        widgets = {
            **{veld: forms.Textarea(attrs={"rows": 3}) for veld in VERPLICHTE_ONDERDELEN},
            "financiele_afspraken": forms.Textarea(attrs={"rows": 3}),
            "einddatum": DATUM,
        }
