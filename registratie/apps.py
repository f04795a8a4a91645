from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistratieConfig(AppConfig):
    name = "registratie"
    verbose_name = _("Registratie")
