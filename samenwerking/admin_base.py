"""The base of every ModelAdmin: scoped by samenwerking.scope, writes through services."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from samenwerking import afhankelijkheden, scope, services
from samenwerking.models import Kanaal
from samenwerking.paginering import (
    GRENS,
    PAGINAS_VOORUIT,
    BegrensdePaginator,
    paginanummer,
    verschillende_waarden,
)


def met_weigeringen(form):
    """The form also runs the refusals of the rows that depend on this one (samenwerking.
    afhankelijkheden), so such a refusal is a form error and not a server error in save_model()
    or save_formset()."""

    class AfhankelijkhedenForm(form):
        def _post_clean(self):
            super()._post_clean()
            if self.errors or not afhankelijkheden.heeft_weigeringen(self.instance):
                return
            try:
                afhankelijkheden.weigeren(self.instance, afhankelijkheden.oude_waarden(self.instance))
            except ValidationError as exc:
                self._update_errors(exc)

    AfhankelijkhedenForm.__name__ = form.__name__
    return AfhankelijkhedenForm


class ScopedRowsMixin:
    """Rows and foreign-key choice lists through the model's scope, for admins and inlines alike.

    ``own_fk_fields`` names the foreign keys whose choices are what the user may change (their own
    instelling); every other choice list shows what the user may see.
    """

    own_fk_fields: tuple | list = ()

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user, scope.VIEW)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "for_user"):
            action = scope.CHANGE if db_field.name in self.own_fk_fields else scope.VIEW
            kwargs["queryset"] = related.objects.for_user(request.user, action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdmin(ScopedRowsMixin, admin.ModelAdmin):
    """Lists and forms show only what the user may see; changes only what they may change."""

    # Roles that may add rows of this model: beheerders (of some instelling) by default.
    add_requires_alles = False
    # No exact COUNT over a huge scoped set: the page links stop at a bounded count, and the
    # unfiltered total is not counted next to a filtered one.
    paginator = BegrensdePaginator
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        pagina = paginanummer(request.GET.get("p"))
        grens = max(GRENS, (pagina + PAGINAS_VOORUIT) * per_page)
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, grens=grens)

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """Django's row checkbox, the same HTML written directly: Django renders a CheckboxInput
        through the form renderer's templates for every row, a third of a list page's time."""
        label = format_html(_("Select this object for an action - {}"), obj)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def _may_change(self, request, obj) -> bool:
        s = scope.scope_for(request.user)
        if s.alles:
            return True
        if not s.beheer:
            return False
        if obj is None:
            return True
        return self.model.objects.for_user(request.user, scope.CHANGE).filter(pk=obj.pk).exists()

    def get_form(self, request, obj=None, **kwargs):
        return met_weigeringen(super().get_form(request, obj, **kwargs))

    def get_object(self, request, object_id, from_field=None):
        """Outside the user's scope (or no such row) an object answers 404 on its change, delete
        and history pages, as everywhere else; not Django's redirect saying it does not exist."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        """The "Geschiedenis" button shows the audit trail of the object (samenwerking.geschiedenis),
        not Django's LogEntry: every channel writes the trail, the admin's log only knows itself."""
        obj = self.get_object(request, unquote(object_id))
        return redirect("geschiedenis", obj._meta.label_lower, obj.pk)

    def has_module_permission(self, request):
        return scope.scope_for(request.user).heeft_rol

    def has_view_permission(self, request, obj=None):
        return scope.scope_for(request.user).heeft_rol

    def has_add_permission(self, request):
        s = scope.scope_for(request.user)
        return s.alles or (bool(s.beheer) and not self.add_requires_alles)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_change(request, obj)

    def save_model(self, request, obj, form, change):
        services.opslaan(obj, door=request.user, kanaal=Kanaal.ADMIN)

    def delete_model(self, request, obj):
        services.verwijderen(obj, door=request.user, kanaal=Kanaal.ADMIN)

    def delete_queryset(self, request, queryset):
        for obj in queryset.for_user(request.user, scope.CHANGE):
            services.verwijderen(obj, door=request.user, kanaal=Kanaal.ADMIN)

    def save_formset(self, request, form, formset, change):
        """Inline rows are written through the services too, so each one is audited."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.verwijderen(obj, door=request.user, kanaal=Kanaal.ADMIN)
        for obj in instances:
            services.opslaan(obj, door=request.user, kanaal=Kanaal.ADMIN)
        formset.save_m2m()


class WaardenFilter(admin.AllValuesFieldListFilter):
    """Django's filter on the values of a column, with its choices read by a loose index scan
    (samenwerking.paginering.verschillende_waarden) instead of a DISTINCT over every row."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        # Django's choices are a lazy DISTINCT queryset, replaced before it runs.
        self.lookup_choices = verschillende_waarden(model_admin.get_queryset(request), field_path)


class ScopedInline(ScopedRowsMixin, admin.TabularInline):
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", met_weigeringen(self.form))  # a refusal beside its row
        return super().get_formset(request, obj, **kwargs)

    def has_view_permission(self, request, obj=None):
        return scope.scope_for(request.user).heeft_rol

    def has_add_permission(self, request, obj=None):
        s = scope.scope_for(request.user)
        return s.alles or bool(s.beheer)

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission
