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


class ApiTokenAdmin(ApplicatiebeheerMixin, TokenAdmin):
    kan_toevoegen = True


class AuthenticatorAdmin(ApplicatiebeheerMixin, TOTPDeviceAdmin):
    pass


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
