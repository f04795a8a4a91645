"""Admin for login security, for applicatiebeheerders (and superusers) only: API tokens for school
software, authenticator apps (remove one when a phone is lost), and django-axes' lockouts (delete
an attempt to lift a lockout early).

Third-party admins check Django model permissions, which role-based users here do not have; these
subclasses let the role decide instead. Registered from samenwerking/admin.py.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from samenwerking import audit
from samenwerking.models import AuditActie, Kanaal
from samenwerking.scope import scope_for


def _applicatiebeheer(request) -> bool:
    return scope_for(request.user).alles


class ApplicatiebeheerMixin:
    """Open to applicatiebeheerders; ``kan_toevoegen`` says whether they may add rows here."""

    kan_toevoegen = False

    def has_module_permission(self, request):
        return _applicatiebeheer(request)

    def has_view_permission(self, request, obj=None):
        return _applicatiebeheer(request)

    def has_add_permission(self, request, *args):
        return self.kan_toevoegen and _applicatiebeheer(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return _applicatiebeheer(request)


class ToegangAuditMixin:
    """Creating or removing a way in (API token, authenticator app) goes into the audit trail."""

    omschrijving = ""

    def _audit(self, request, obj, actie):
        audit.record_toegang(
            model=obj._meta.label,
            omschrijving=self.omschrijving,
            eigenaar=obj.user,
            actie=actie,
            door=request.user,
            kanaal=Kanaal.ADMIN,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, obj, AuditActie.GEWIJZIGD if change else AuditActie.AANGEMAAKT)

    def delete_model(self, request, obj):
        self._audit(request, obj, AuditActie.VERWIJDERD)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user"):  # a handful of rows, chosen by hand
            self._audit(request, obj, AuditActie.VERWIJDERD)
        super().delete_queryset(request, queryset)


class ApiTokenAdmin(ApplicatiebeheerMixin, ToegangAuditMixin, TokenAdmin):
    kan_toevoegen = True
    omschrijving = "API-token"


class AuthenticatorAdmin(ApplicatiebeheerMixin, ToegangAuditMixin, TOTPDeviceAdmin):
    omschrijving = "authenticator-app"


class InlogblokkadeAdmin(ApplicatiebeheerMixin, AccessAttemptAdmin):
    pass


class InloglogAdmin(ApplicatiebeheerMixin, AccessLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class MislukteInlogLogAdmin(ApplicatiebeheerMixin, AccessFailureLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


for model, model_admin in [
    (TokenProxy, ApiTokenAdmin),
    (TOTPDevice, AuthenticatorAdmin),
    (AccessAttempt, InlogblokkadeAdmin),
    (AccessLog, InloglogAdmin),
    (AccessFailureLog, MislukteInlogLogAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
