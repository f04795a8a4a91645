import datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from registratie import rules, services
from registratie.models import Fase, Fasewissel, Inschrijving, Leerling, Signaal, Uitstroom
from samenwerking import audit
from samenwerking.admin_base import ScopedAdmin, ScopedInline
from samenwerking.models import Kanaal
from samenwerking.services import verwijderen


class InschrijvingFormSet(BaseInlineFormSet):
    """R-INS-2 across the enrolments entered together (vo and mbo side on one screen)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        nieuw = [f.instance for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        opgeslagen = (
            [i for i in services.lopende_inschrijvingen(self.instance) if i.pk not in {n.pk for n in nieuw}]
            if self.instance.pk
            else []
        )
        for i in nieuw:
            i.leerling = self.instance
        try:
            rules.check_vo_kant_aanwezig(opgeslagen + nieuw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class InschrijvingInline(ScopedInline):
    model = Inschrijving
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
    ]
    own_fk_fields = ["instelling"]
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        # R-INS-4: the fase of a stored enrolment changes only through a fasewissel.
        return ["fase"] if obj is not None and obj.pk else []


@admin.register(Leerling)
class LeerlingAdmin(ScopedAdmin):
    list_display = ["achternaam", "voorletters", "tussenvoegsel", "geboortedatum", "nummer", "instelling"]
    search_fields = ["achternaam", "voornamen", "=bsn", "=onderwijsnummer"]
    list_select_related = ["instelling"]
    inlines = [InschrijvingInline]
    own_fk_fields = ["instelling"]
    fields = [
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

    @admin.display(description=_("persoonsgebonden nummer"))
    def nummer(self, obj):
        # A BSN is shown masked in lists (DOMAIN.md, 'Identifiers').
        return audit.mask(obj.bsn) if obj.bsn else obj.onderwijsnummer

    def save_formset(self, request, form, formset, change):
        if formset.model is not Inschrijving:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            verwijderen(obj, door=request.user, kanaal=Kanaal.ADMIN)
        for obj in sorted(instances, key=lambda i: i.sector != "vo"):
            services.inschrijving_opslaan(inschrijving=obj, door=request.user, kanaal=Kanaal.ADMIN)
        formset.save_m2m()


def volgende_1_augustus(vandaag: datetime.date) -> datetime.date:
    jaar = vandaag.year if vandaag < datetime.date(vandaag.year, 8, 1) else vandaag.year + 1
    return datetime.date(jaar, 8, 1)


@admin.register(Inschrijving)
class InschrijvingAdmin(ScopedAdmin):
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
        "=leerling__bsn",
        "=leerling__onderwijsnummer",
    ]
    list_select_related = ["leerling", "instelling"]
    raw_id_fields = ["leerling"]
    own_fk_fields = ["instelling"]
    actions = ["naar_mbo_fase"]
    show_full_result_count = False

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


@admin.register(Uitstroom)
class UitstroomAdmin(ScopedAdmin):
    list_display = ["leerling", "leerroute", "datum", "reden", "bestemming"]
    list_filter = ["reden", "bestemming"]
    search_fields = ["leerling__achternaam", "leerroute__naam"]
    list_select_related = ["leerling", "leerroute"]
    raw_id_fields = ["leerling"]
    fields = ["leerling", "leerroute", "datum", "reden", "bestemming", "toelichting"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.uitstroom_vastleggen(uitstroom=obj, door=request.user, kanaal=Kanaal.ADMIN)


@admin.register(Signaal)
class SignaalAdmin(ScopedAdmin):
    list_display = ["regel", "toelichting", "leerling", "instelling", "status", "aangemaakt_op"]
    list_filter = ["regel", "status", "bron"]
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
