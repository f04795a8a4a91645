from django.contrib import admin

from leerroute.models import Kwalificatie, LeerjaarProgramma, Leerroute, Programmaonderdeel
from samenwerking.admin_base import ScopedAdmin, ScopedInline


@admin.register(Kwalificatie)
class KwalificatieAdmin(ScopedAdmin):
    list_display = ["crebo", "naam", "niveau", "domein"]
    list_filter = ["niveau"]
    search_fields = ["crebo", "naam", "domein"]
    add_requires_alles = True


class LeerjaarProgrammaInline(ScopedInline):
    model = LeerjaarProgramma
    fields = ["routejaar", "beschrijving"]


@admin.register(Leerroute)
class LeerrouteAdmin(ScopedAdmin):
    list_display = [
        "naam",
        "soort",
        "leerweg",
        "kwalificatie",
        "overeenkomst",
        "status",
        "rio_status",
        "startdatum",
    ]
    list_filter = ["soort", "leerweg", "status", "rio_status", "kwalificatie__niveau"]
    # A route leaves preparation only through its step plan (kwaliteit.services.route_activeren).
    readonly_fields = ["status"]
    search_fields = ["naam", "kwalificatie__crebo", "kwalificatie__naam", "overeenkomst__naam"]
    list_select_related = ["kwalificatie", "overeenkomst"]
    autocomplete_fields = ["kwalificatie"]
    inlines = [LeerjaarProgrammaInline]
    own_fk_fields = ["overeenkomst", "leerwerktraject_overeenkomst"]


class ProgrammaonderdeelInline(ScopedInline):
    model = Programmaonderdeel
    fields = ["naam", "examinering_door", "teambevoegdheid"]


@admin.register(LeerjaarProgramma)
class LeerjaarProgrammaAdmin(ScopedAdmin):
    list_display = ["leerroute", "routejaar"]
    list_filter = ["routejaar"]
    search_fields = ["leerroute__naam", "beschrijving"]
    list_select_related = ["leerroute"]
    inlines = [ProgrammaonderdeelInline]
    own_fk_fields = ["leerroute"]
