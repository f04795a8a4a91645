from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeerrouteConfig(AppConfig):
    name = "leerroute"
    verbose_name = _("Leerroutes")
