from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import BLANK_CHOICE_DASH
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

import samenwerking.admin_toegang  # noqa: F401  (registers the login-security admins)
from samenwerking import scope
from samenwerking.admin_base import ScopedAdmin, ScopedInline
from samenwerking.geschiedenis import mag_geschiedenis_lezen
from samenwerking.models import (
    AuditRegel,
    Bestuur,
    Gebruiker,
    Instelling,
    Lidmaatschap,
    Rol,
    Samenwerkingsovereenkomst,
    Vestiging,
)

# Roles are Lidmaatschappen, not Django groups: the Group admin would only show a screen nobody
# may use.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Bestuur)
class BestuurAdmin(ScopedAdmin):
    list_display = ["naam", "bevoegd_gezag_nummer"]
    search_fields = ["naam", "bevoegd_gezag_nummer"]


class VestigingInline(ScopedInline):
    model = Vestiging
    fields = ["code", "naam", "plaats"]


@admin.register(Instelling)
class InstellingAdmin(ScopedAdmin):
    list_display = ["naam", "brin", "soort", "plaats", "bestuur"]
    list_filter = ["soort"]
    search_fields = ["naam", "brin", "plaats", "bestuur__naam"]
    list_select_related = ["bestuur"]
    inlines = [VestigingInline]


@admin.register(Vestiging)
class VestigingAdmin(ScopedAdmin):
    list_display = ["code", "naam", "plaats", "instelling"]
    search_fields = ["code", "naam", "plaats"]
    list_select_related = ["instelling"]
    own_fk_fields = ["instelling"]


@admin.register(Samenwerkingsovereenkomst)
class OvereenkomstAdmin(ScopedAdmin):
    list_display = [
        "naam",
        "soort",
        "onderwerp",
        "vo_instelling",
        "mbo_instelling",
        "status",
        "ingangsdatum",
        "einddatum",
    ]
    list_filter = ["status", "soort", "onderwerp"]
    search_fields = [
        "naam",
        "vo_instelling__naam",
        "vo_instelling__brin",
        "mbo_instelling__naam",
        "mbo_instelling__brin",
    ]
    list_select_related = ["vo_instelling", "mbo_instelling"]
    date_hierarchy = "ingangsdatum"

    def get_form(self, request, obj=None, **kwargs):
        """A beheerder signs agreements for their own instelling: one of the two parties is theirs
        (otherwise they could create, or move, an agreement they then no longer see)."""
        form = super().get_form(request, obj, **kwargs)
        s = scope.scope_for(request.user)
        if s.alles:
            return form

        class EigenPartijForm(form):
            def clean(self):
                cleaned = super().clean()
                vo, mbo = cleaned.get("vo_instelling"), cleaned.get("mbo_instelling")
                if vo and mbo and not {vo.pk, mbo.pk} & s.beheer:
                    raise ValidationError(
                        _(
                            "Een overeenkomst legt u vast namens uw eigen instelling: kies die als "
                            "vo-school of als mbo-instelling."
                        )
                    )
                return cleaned

        return EigenPartijForm

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "naam",
                    "soort",
                    "onderwerp",
                    "vo_instelling",
                    "mbo_instelling",
                    "status",
                    "ingangsdatum",
                    "einddatum",
                ]
            },
        ),
        (
            _("Inhoud (R-SOK-2)"),
            {
                "fields": [
                    "inhoud_leerroute",
                    "dagelijkse_leiding",
                    "betrokkenheid_bedrijfsleven",
                    "overstapoptie",
                    "medezeggenschap",
                    "advies_medezeggenschap",
                    "financiele_afspraken",
                    "dekt_volledige_route",
                ]
            },
        ),
    ]


class RolKeuzeMixin:
    """Only an applicatiebeheerder hands out the applicatiebeheerder role; a beheerder grants roles
    at their own instelling (own_fk_fields) or for their own agreements."""

    own_fk_fields = ["instelling", "overeenkomst"]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "rol" and not scope.scope_for(request.user).alles:
            kwargs["choices"] = BLANK_CHOICE_DASH + [
                c for c in Rol.choices if c[0] != Rol.APPLICATIEBEHEERDER
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(Lidmaatschap)
class LidmaatschapAdmin(RolKeuzeMixin, ScopedAdmin):
    list_display = ["gebruiker", "rol", "instelling", "overeenkomst"]
    list_filter = ["rol"]
    search_fields = ["gebruiker__username", "gebruiker__last_name", "instelling__naam"]
    list_select_related = ["gebruiker", "instelling", "overeenkomst"]
    autocomplete_fields = []


class LidmaatschapInline(RolKeuzeMixin, ScopedInline):
    model = Lidmaatschap
    fk_name = "gebruiker"
    fields = ["rol", "instelling", "overeenkomst"]

    def get_min_num(self, request, obj=None, **kwargs):
        # A beheerder sees a user through a role within their reach: a user added (or left)
        # without one would vanish from their view at once.
        return 0 if scope.scope_for(request.user).alles else 1

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("validate_min", not scope.scope_for(request.user).alles)
        return super().get_formset(request, obj, **kwargs)


@admin.register(Gebruiker)
class GebruikerAdmin(ScopedAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["is_active"]
    inlines = [LidmaatschapInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if scope.scope_for(request.user).alles:
            return fieldsets
        # Only application administrators hand out superuser rights and Django permissions.
        return (
            [fs for fs in fieldsets if fs[0] != _("Permissions")] + [(_("Status"), {"fields": ["is_active"]})]
            if obj
            else fieldsets
        )


@admin.register(AuditRegel)
class AuditRegelAdmin(ScopedAdmin):
    """Read-only for administrators (applicatiebeheerder, beheerders of an instelling: their own
    instelling's trail); nobody adds, changes or deletes a row, superusers included."""

    list_display = ["tijdstip", "gebruiker", "kanaal", "actie", "model", "object_repr", "geschiedenis_link"]
    list_filter = ["kanaal", "actie", "model"]
    search_fields = ["object_repr", "object_id", "gebruiker__username"]
    date_hierarchy = "tijdstip"
    list_select_related = ["gebruiker"]

    def _is_beheerder(self, request) -> bool:
        return mag_geschiedenis_lezen(request.user)

    def has_module_permission(self, request):
        return self._is_beheerder(request)

    def has_view_permission(self, request, obj=None):
        return self._is_beheerder(request)

    def history_view(self, request, object_id, extra_context=None):
        raise Http404  # the trail has no history of its own: nobody changes it

    @admin.display(description=_("geschiedenis van het object"))
    def geschiedenis_link(self, obj):
        # No query per row: the page itself answers 404 for a deleted or invisible object.
        url = reverse("geschiedenis", args=[obj.model.lower(), obj.object_id])
        return format_html('<a href="{}">{}</a>', url, _("bekijken"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
