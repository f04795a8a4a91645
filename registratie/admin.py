import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from registratie import rules, services
from registratie.models import Fase, Fasewissel, Inschrijving, Leerling, Signaal, Uitstroom
from registratie.rod import teldata
from registratie.rod.forms import correctiereden_veld
from samenwerking import afhankelijkheden, audit, scope
from samenwerking.admin_base import ScopedAdmin, ScopedInline, WaardenFilter
from samenwerking.identifiers import is_persoonsnummer
from samenwerking.models import Kanaal
from samenwerking.services import verwijderen

NUMMER_NIET_IN_URL = _(
    "Zoek hier niet op BSN of onderwijsnummer: een zoekterm komt in de adresbalk. Gebruik 'Zoeken op "
    "nummer' op de pagina Leerlingen."
)


class GeenNummerZoekenMixin:
    """Refuses a BSN or onderwijsnummer as admin search term (it would sit in the URL)."""

    def get_search_results(self, request, queryset, search_term):
        if is_persoonsnummer(search_term.strip()):
            messages.warning(request, NUMMER_NIET_IN_URL)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class InschrijvingForm(forms.ModelForm):
    """A rule error on a field this screen does not show (read-only ``fase``, or a date the inline
    leaves out) is shown above the form instead of failing with a server error.

    ``correctiereden``: the reason for a change after a ROD count date's deadline that alters what
    was registered on it (registratie.rod.teldata, which asks for it by this field's name). It goes
    with the instance to the save, into the message and the audit trail."""

    correctiereden = correctiereden_veld()

    def clean(self):
        cleaned = super().clean()
        self.instance._rod_correctie = cleaned.get("correctiereden", "")
        return cleaned

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            verborgen = [f for f in errors.error_dict if f != NON_FIELD_ERRORS and f not in self.fields]
            if verborgen:
                error_dict = dict(errors.error_dict)
                error_dict[NON_FIELD_ERRORS] = [
                    *error_dict.get(NON_FIELD_ERRORS, []),
                    *(e for f in verborgen for e in error_dict.pop(f)),
                ]
                errors = ValidationError(error_dict)
        super()._update_errors(errors)


class CorrectieredenMixin:
    """The correction reason is a form field, not a column: a page that only shows the row (no
    right to change it) leaves it out, as it cannot show it."""

    def get_fields(self, request, obj=None):
        velden = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            velden = [v for v in velden if v != teldata.VELD]
        return velden


class InschrijvingAdminForm(InschrijvingForm):
    """The enrolment screen checks R-INS-2 across the student's stored enrolments, as the inline
    formset does, so a refusal is a form error and not a server error in save_model()."""

    def _post_clean(self):
        super()._post_clean()
        i = self.instance
        if self.errors or not i.leerling_id:
            return
        try:
            rules.check_vo_kant_aanwezig([*services.lopende_inschrijvingen(i.leerling, behalve=i), i])
        except ValidationError as exc:
            self._update_errors(exc)


class InschrijvingFormSet(BaseInlineFormSet):
    """R-INS-2 across the enrolments entered together (vo and mbo side on one screen)."""

    gebruiker = None  # set per request by InschrijvingInline.get_formset

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        self._check_eigen_kant()
        nieuw = [f.instance for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        # Rows deleted in this step no longer count, neither as entered nor as stored.
        weg = {f.instance.pk for f in self.forms if f.cleaned_data.get("DELETE") and f.instance.pk}
        opgeslagen = (
            [
                i
                for i in services.lopende_inschrijvingen(self.instance)
                if i.pk not in {n.pk for n in nieuw} | weg
            ]
            if self.instance.pk
            else []
        )
        for i in nieuw:
            i.leerling = self.instance
        try:
            rules.check_vo_kant_aanwezig(opgeslagen + nieuw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def _check_eigen_kant(self):
        """The student page shows both sides of a route student; a beheerder adds, changes or
        deletes only the rows of their own instelling (the partner's rows are left as they are)."""
        s = scope.scope_for(self.gebruiker)
        if self.gebruiker is None or s.alles:
            return
        stored = [f.instance.pk for f in self.forms if f.instance.pk]
        eigen = set(
            Inschrijving.objects.for_user(self.gebruiker, scope.CHANGE)
            .filter(pk__in=stored)
            .values_list("pk", flat=True)
        )
        for form in self.forms:
            deleted = bool(form.cleaned_data.get("DELETE"))
            if not (form.has_changed() or deleted):
                continue
            i = form.instance
            if (i.pk and i.pk not in eigen) or (not deleted and i.instelling_id not in s.beheer):
                raise ValidationError(
                    _(
                        "U legt alleen inschrijvingen van uw eigen instelling vast of wijzigt ze; "
                        "inschrijving %(nr)s hoort bij de partnerinstelling."
                    )
                    % {"nr": i.inschrijvingsvolgnummer or "(nieuw)"}
                )


class InschrijvingInline(CorrectieredenMixin, ScopedInline):
    model = Inschrijving
    form = InschrijvingForm
    formset = InschrijvingFormSet
    fk_name = "leerling"
    extra = 0
    fields = [
        "leerroute",
        "sector",
        "instelling",
        "inschrijvingsvolgnummer",
        "opleidingskenmerk",
        "fase",
        "startdatum",
        "leerjaar",
        "leerweg",
        "kwalificatie",
        "leervorm",
        "einddatum",
        "reden_einde",
        "correctiereden",
    ]
    # The partner's rows are shown here too, so the instelling choice is not limited to one's own:
    # InschrijvingFormSet refuses a row of another instelling when it is added or changed.
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # R-INS-4: the fase of a stored enrolment changes only through a fasewissel.
        return ["fase"] if obj is not None and obj.pk else []

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.gebruiker = request.user  # a class made for this request
        return formset


LEERLING_VELDEN = [
    "instelling",
    "bsn",
    "onderwijsnummer",
    "voornamen",
    "voorletters",
    "roepnaam",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
]


class LeerlingAdminForm(forms.ModelForm):
    """The change form never shows a stored number (DOMAIN.md, 'Identifiers'): the number fields
    start empty, and left empty they keep what is stored. Typing a number of the other kind
    replaces the stored one (a student has exactly one)."""

    NUMMERS = ("bsn", "onderwijsnummer")

    class Meta:
        model = Leerling
        fields = LEERLING_VELDEN

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            return
        for naam in self.NUMMERS:
            if naam not in self.fields:
                continue
            self.initial[naam] = ""
            huidig = getattr(self.instance, naam)
            if huidig:
                self.fields[naam].help_text = _("Opgeslagen: %(nummer)s. Leeg laten om het te behouden.") % {
                    "nummer": audit.mask(huidig)
                }

    def validate_unique(self):
        # The number rules are constraints on columns this form does not show (the hashes,
        # geanonimiseerd_op), which a ModelForm would skip: check every constraint here.
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)
        super().validate_unique()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not any(cleaned.get(n) for n in self.NUMMERS):
            for naam in self.NUMMERS:
                cleaned[naam] = getattr(self.instance, naam)
        return cleaned


@admin.register(Leerling)
class LeerlingAdmin(GeenNummerZoekenMixin, ScopedAdmin):
    list_per_page = 50  # a page of a list over hundreds of thousands of rows
    form = LeerlingAdminForm
    list_display = ["achternaam", "voorletters", "tussenvoegsel", "geboortedatum", "nummer", "instelling"]
    # No search on numbers here: the admin searches through the URL (?q=), and a BSN never goes
    # into a URL. The student list's 'Zoeken op nummer' form searches by POST.
    search_fields = ["achternaam", "voornamen"]
    list_select_related = ["instelling"]
    inlines = [InschrijvingInline]
    own_fk_fields = ["instelling"]
    fields = LEERLING_VELDEN

    def get_readonly_fields(self, request, obj=None):
        # The partner school may correct a shared route student, but the instelling that
        # registered the student stays theirs (it is not in the partner's own choice list).
        s = scope.scope_for(request.user)
        if obj is not None and not s.alles and obj.instelling_id not in s.beheer:
            return ["instelling"]
        return []

    @admin.display(description=_("persoonsgebonden nummer"))
    def nummer(self, obj):
        return obj.nummer_gemaskeerd

    def save_formset(self, request, form, formset, change):
        if formset.model is not Inschrijving:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            verwijderen(obj, door=request.user, kanaal=Kanaal.ADMIN)
        with afhankelijkheden.gebundeld():  # both sides saved in one step are re-checked together
            for obj in sorted(instances, key=lambda i: i.sector != "vo"):
                services.inschrijving_opslaan(inschrijving=obj, door=request.user, kanaal=Kanaal.ADMIN)
        formset.save_m2m()


def volgende_1_augustus(vandaag: datetime.date) -> datetime.date:
    jaar = vandaag.year if vandaag < datetime.date(vandaag.year, 8, 1) else vandaag.year + 1
    return datetime.date(jaar, 8, 1)


@admin.register(Inschrijving)
class InschrijvingAdmin(CorrectieredenMixin, GeenNummerZoekenMixin, ScopedAdmin):
    list_per_page = 50  # a page of a list over hundreds of thousands of rows
    form = InschrijvingAdminForm
    list_display = [
        "inschrijvingsvolgnummer",
        "leerling",
        "sector",
        "instelling",
        "opleidingskenmerk",
        "fase",
        "startdatum",
        "einddatum",
    ]
    list_filter = ["sector", "opleidingskenmerk", "fase", "leervorm", "leerweg"]
    search_fields = [
        "inschrijvingsvolgnummer",
        "leerling__achternaam",
    ]
    list_select_related = ["leerling", "instelling"]
    raw_id_fields = ["leerling"]
    own_fk_fields = ["instelling"]
    actions = ["naar_mbo_fase"]
    # By the student's key, not the student's name (Meta.ordering via the foreign key joins and
    # sorts every student): the order of the index inschrijving_lijst_idx.
    ordering = ["leerling_id", "sector", "startdatum", "id"]

    def get_readonly_fields(self, request, obj=None):
        return ["fase"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        services.inschrijving_opslaan(inschrijving=obj, door=request.user, kanaal=Kanaal.ADMIN)

    @admin.action(description=_("Fasewissel naar de mbo-fase per komende 1 augustus (R-INS-4)"))
    def naar_mbo_fase(self, request, queryset):
        datum = volgende_1_augustus(datetime.date.today())
        wissels = services.fase_wijzigen(
            inschrijvingen=list(queryset.for_user(request.user, "change")),
            naar_fase=Fase.MBO,
            ingangsdatum=datum,
            door=request.user,
            kanaal=Kanaal.ADMIN,
        )
        self.message_user(
            request,
            _("%(n)s inschrijving(en) naar de mbo-fase per %(d)s.") % {"n": len(wissels), "d": datum},
            messages.SUCCESS,
        )


@admin.register(Fasewissel)
class FasewisselAdmin(ScopedAdmin):
    list_display = [
        "inschrijving",
        "van_fase",
        "naar_fase",
        "ingangsdatum",
        "geregistreerd_door",
        "geregistreerd_op",
    ]
    list_filter = ["naar_fase", "ingangsdatum"]
    list_select_related = ["inschrijving", "geregistreerd_door"]

    def has_add_permission(self, request):
        return False  # recorded by the fasewissel action, with who and when

    def has_change_permission(self, request, obj=None):
        return False


class UitstroomAdminForm(forms.ModelForm):
    """An uitstroom ends the route's enrolments on its date: what that meets (a ROD count date's
    lock without a correction reason) is checked here, as the service will, so it is a form error
    beside the reason and not a server error in save_model()."""

    correctiereden = correctiereden_veld()

    def _post_clean(self):
        super()._post_clean()
        u = self.instance
        if self.errors or not (u.leerling_id and u.leerroute_id and u.datum):
            return
        try:
            with teldata.correctie(self.cleaned_data.get(teldata.VELD, "")):
                services.uitstroom_weigeringen(u)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Uitstroom)
class UitstroomAdmin(CorrectieredenMixin, ScopedAdmin):
    list_display = ["leerling", "leerroute", "datum", "reden", "bestemming"]
    list_filter = ["reden", "bestemming"]
    search_fields = ["leerling__achternaam", "leerroute__naam"]
    list_select_related = ["leerling", "leerroute"]
    raw_id_fields = ["leerling"]
    form = UitstroomAdminForm
    fields = ["leerling", "leerroute", "datum", "reden", "bestemming", "toelichting", "correctiereden"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        with teldata.correctie(form.cleaned_data.get(teldata.VELD, "")):
            services.uitstroom_vastleggen(uitstroom=obj, door=request.user, kanaal=Kanaal.ADMIN)


@admin.register(Signaal)
class SignaalAdmin(ScopedAdmin):
    list_per_page = 50  # a page of a list over hundreds of thousands of rows
    list_display = ["regel", "toelichting", "leerling", "instelling", "status", "aangemaakt_op"]
    list_filter = [("regel", WaardenFilter), "status", ("bron", WaardenFilter)]
    search_fields = ["toelichting", "leerling__achternaam"]
    list_select_related = ["leerling", "instelling"]
    readonly_fields = [
        "regel",
        "sleutel",
        "bron",
        "leerling",
        "inschrijving",
        "overeenkomst",
        "instelling",
        "partner_instelling",
        "toelichting",
        "aangemaakt_op",
        "gesloten_op",
        "voorgestelde_datum",
    ]

    def has_add_permission(self, request):
        return False


# The ROD exchange's read-only lists (registered there; the admin's autodiscovery imports only
# this module of the app).
from registratie.rod import admin as rod_admin  # noqa: E402,F401
