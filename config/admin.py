"""The admin site: open to every user with a role (not only is_staff), scoped by role."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from samenwerking.scope import scope_for


class LeerrouteAdminSite(admin.AdminSite):
    site_header = _("Leerroute – beheer")
    site_title = _("Leerroute")
    index_title = _("Beheer van samenwerking, leerroutes en inschrijvingen")

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or scope_for(user).heeft_rol)


class LeerrouteAdminConfig(AdminConfig):
    default_site = "config.admin.LeerrouteAdminSite"
