"""The ROD exchange in the Django admin: read-only lists for the applicatiebeheerder (support: what
went to DUO, what came back, what differs). A school's beheerders work on the ROD screens
(/rod/…), which hold the actions; nothing here changes a row.

Lists over the queue can hold millions of rows (half a million messages in a first full
delivery): no exact count (ScopedAdmin's bounded paginator, ``show_full_result_count = False``),
every foreign key a row shows in one join (``list_select_related``), ordered by an indexed key.
Encrypted content (a message's XML, DUO's record: both hold a BSN) is never shown.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from registratie.models import (
    RodAfstemming,
    RodBericht,
    RodBerichtStatus,
    RodTerugkoppeling,
    RodTerugkoppelingMelding,
    RodTerugkoppelingRegel,
    RodVerschil,
)
from samenwerking import scope
from samenwerking.admin_base import ScopedAdmin, WaardenFilter


class AlleenLezenVoorApplicatiebeheer(ScopedAdmin):
    """Visible to the applicatiebeheerder only (403 for every other role, also for a row of their
    own instelling); no add, change or delete."""

    list_per_page = 50
    show_full_result_count = False

    def has_module_permission(self, request):
        return scope.scope_for(request.user).alles

    def has_view_permission(self, request, obj=None):
        return scope.scope_for(request.user).alles

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        # Refused before the row is looked up: a 403, not a 404 that tells whether it exists.
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().get_object(request, object_id, from_field)


@admin.register(RodBericht)
class RodBerichtAdmin(AlleenLezenVoorApplicatiebeheer):
    list_display = ["sleutel", "soort", "status", "instelling", "sector", "pogingen", "gewijzigd"]
    list_filter = ["status", "soort", "sector", "instelling"]
    search_fields = ["=sleutel"]
    list_select_related = ["instelling"]
    ordering = ["-id"]
    readonly_fields = ["document_id"]
    exclude = ["inhoud"]  # the XML as sent, encrypted: it holds the BSN


@admin.register(RodBerichtStatus)
class RodBerichtStatusAdmin(AlleenLezenVoorApplicatiebeheer):
    list_display = ["bericht", "status", "tijd", "toelichting"]
    list_filter = ["status"]
    search_fields = ["=bericht__sleutel"]
    list_select_related = ["bericht"]
    ordering = ["-id"]


@admin.register(RodTerugkoppeling)
class RodTerugkoppelingAdmin(AlleenLezenVoorApplicatiebeheer):
    """Format 1: DUO's answer to a batch file."""

    list_display = [
        "levering",
        "aantal_geaccepteerd",
        "aantal_afgekeurd",
        "aantal_overgeslagen",
        "ingelezen_op",
        "ingelezen_door",
        "kanaal",
    ]
    list_filter = ["kanaal", "levering__instelling"]
    list_select_related = ["levering__instelling", "ingelezen_door"]


@admin.register(RodTerugkoppelingRegel)
class RodTerugkoppelingRegelAdmin(AlleenLezenVoorApplicatiebeheer):
    list_display = [
        "sleutel",
        "teldatum",
        "status",
        "instelling",
        "indicatie_bekostigbaar",
        "bekostigd",
        "leerroute",
        "leerroutefase",
        "ingelezen_op",
    ]
    list_filter = ["status", "teldatum", "leerroutefase", "bekostigd", "instelling"]
    search_fields = ["=sleutel"]
    list_select_related = ["instelling"]
    ordering = ["-id"]


@admin.register(RodTerugkoppelingMelding)
class RodTerugkoppelingMeldingAdmin(AlleenLezenVoorApplicatiebeheer):
    list_display = ["code", "ernst", "tekst", "regel", "geaccepteerd_op", "geaccepteerd_door"]
    list_filter = ["ernst", ("code", WaardenFilter), ("geaccepteerd_op", admin.EmptyFieldListFilter)]
    search_fields = ["=regel__sleutel"]
    list_select_related = ["regel", "geaccepteerd_door"]
    ordering = ["-id"]


@admin.register(RodAfstemming)
class RodAfstemmingAdmin(AlleenLezenVoorApplicatiebeheer):
    list_display = [
        "instelling",
        "momentopname_van",
        "aantal_duo",
        "aantal_ons",
        "aantal_verschillen",
        "aangemaakt_op",
        "aangemaakt_door",
        "kanaal",
    ]
    list_filter = ["kanaal", "instelling"]
    list_select_related = ["instelling", "aangemaakt_door"]


@admin.register(RodVerschil)
class RodVerschilAdmin(AlleenLezenVoorApplicatiebeheer):
    list_display = ["sleutel", "soort", "veld", "ons", "duo", "afstemming", "opnieuw_in_wachtrij_op"]
    list_filter = ["soort", ("veld", WaardenFilter), ("opnieuw_in_wachtrij_op", admin.EmptyFieldListFilter)]
    search_fields = ["=sleutel"]
    list_select_related = ["afstemming__instelling"]
    ordering = ["-id"]
    exclude = ["duo_record"]  # DUO's record, encrypted: it holds the BSN
