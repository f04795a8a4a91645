"""Forms of the school administrator's screens (issue 12). They ask only what varies; the route
fixes the rest (registratie.intake). A rule the service refuses comes back beside its field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from leerroute.models import Leerroute
from registratie.models import Inschrijving, Leervorm, RedenEinde, Sector
from registratie.rod.forms import correctiereden_veld
from samenwerking import scope
from samenwerking.models import Vestiging

DATUM = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def fouten_bij_velden(form: forms.Form, exc: ValidationError, vertaling: dict | None = None) -> None:
    """Put each message of a service's ValidationError beside its field (renamed through
    ``vertaling`` where the model's field has another name in the form); the rest on top."""
    vertaling = vertaling or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for veld, fouten in exc.message_dict.items():
        veld = vertaling.get(veld, veld)
        form.add_error(veld if veld in form.fields else None, fouten)


def routes_aan_kant(user, kant: str):
    """Active routes whose vo (or mbo) side is one of the user's instellingen to change."""
    s = scope.scope_for(user)
    qs = Leerroute.objects.for_user(user, scope.CHANGE).filter(status="actief")
    if not s.alles:
        qs = qs.filter(**{f"overeenkomst__{kant}_instelling__in": s.beheer})
    return qs.select_related("overeenkomst__vo_instelling").order_by("naam")


class VoAanmeldenForm(forms.Form):
    """ "Leerling aanmelden voor een route": the student by exact number (or new), the route,
    and what varies per student."""

    nummer = forms.RegexField(
        label=_("BSN of onderwijsnummer"),
        regex=r"^\s*[0-9]{9}\s*$",
        error_messages={"invalid": _("Vul de 9 cijfers van het BSN of onderwijsnummer in.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    achternaam = forms.CharField(label=_("Achternaam (nieuwe leerling)"), required=False, max_length=200)
    voornamen = forms.CharField(label=_("Voornamen (nieuwe leerling)"), required=False, max_length=200)
    geboortedatum = forms.DateField(label=_("Geboortedatum (nieuwe leerling)"), required=False, widget=DATUM)
    leerroute = forms.ModelChoiceField(label=_("Leerroute"), queryset=Leerroute.objects.none())
    vestiging = forms.ModelChoiceField(
        label=_("Vestiging"), queryset=Vestiging.objects.none(), required=False
    )
    inschrijvingsvolgnummer = forms.CharField(label=_("Inschrijvingsvolgnummer"), max_length=20)
    startdatum = forms.DateField(label=_("Startdatum"), widget=DATUM)
    leerjaar = forms.TypedChoiceField(
        label=_("vmbo-leerjaar bij start"), coerce=int, choices=[(j, j) for j in (3, 4, 5, 6)]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        routes = routes_aan_kant(user, "vo")
        self.fields["leerroute"].queryset = routes
        self.fields["vestiging"].queryset = Vestiging.objects.filter(
            instelling__in=routes.values("overeenkomst__vo_instelling")
        ).order_by("code")


class MboAanvullenForm(forms.Form):
    """The mbo side of one route student; crebo, opleidingskenmerk and fase come from the route."""

    # autofocus: opened inline from the worklist (htmx focuses it), a keyboard user types on
    inschrijvingsvolgnummer = forms.CharField(
        label=_("Inschrijvingsvolgnummer mbo"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    startdatum = forms.DateField(label=_("Startdatum"), widget=DATUM)
    leervorm = forms.ChoiceField(label=_("Leervorm"), choices=Leervorm.choices)
    vestiging = forms.ModelChoiceField(
        label=_("Vestiging"), queryset=Vestiging.objects.none(), required=False
    )

    def __init__(self, *args, vo: Inschrijving, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vestiging"].queryset = Vestiging.objects.filter(
            instelling_id=vo.leerroute.overeenkomst.mbo_instelling_id
        ).order_by("code")


class MboSamenForm(forms.Form):
    """Several rows of the worklist at once."""

    gekozen = forms.ModelMultipleChoiceField(queryset=Inschrijving.objects.none())
    voorvoegsel = forms.CharField(
        label=_("Voorvoegsel inschrijvingsvolgnummer"),
        max_length=6,
        help_text=_("Het mbo-nummer wordt dit voorvoegsel plus het vo-nummer."),
    )
    leervorm = forms.ChoiceField(label=_("Leervorm"), choices=Leervorm.choices)

    def __init__(self, *args, werklijst, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gekozen"].queryset = werklijst
        self.fields["gekozen"].error_messages["required"] = _("Kies een of meer leerlingen uit de werklijst.")


def _lopend_te_wijzigen(user, leerling, **filters):
    return (
        Inschrijving.objects.for_user(user, scope.CHANGE)
        .filter(leerling=leerling, einddatum__isnull=True, **filters)
        .select_related("leerroute")
        .order_by("leerroute__naam", "sector")
    )


class InschrijvingKeuze(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.leerroute.naam} – {obj.get_sector_display()} ({obj.inschrijvingsvolgnummer})"


class BeeindigenForm(forms.Form):
    inschrijving = InschrijvingKeuze(label=_("Inschrijving"), queryset=Inschrijving.objects.none())
    einddatum = forms.DateField(label=_("Einddatum"), widget=DATUM)
    reden = forms.ChoiceField(label=_("Reden van einde"), choices=RedenEinde.choices)
    correctiereden = correctiereden_veld()

    def __init__(self, *args, user, leerling, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inschrijving"].queryset = _lopend_te_wijzigen(user, leerling)


class VoDatumForm(forms.Form):
    """One date on the vo-inschrijving: the vmbo diploma, or "vo-activiteiten afgerond"."""

    inschrijving = InschrijvingKeuze(label=_("vo-inschrijving"), queryset=Inschrijving.objects.none())
    datum = forms.DateField(label=_("Datum"), widget=DATUM)

    def __init__(self, *args, user, leerling, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inschrijving"].queryset = _lopend_te_wijzigen(user, leerling, sector=Sector.VO)
