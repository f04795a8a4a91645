from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KwaliteitConfig(AppConfig):
    """Setting up a route (the step plan), its yearly evaluation and the inspection dossier."""

    name = "kwaliteit"
    verbose_name = _("Voorbereiding, evaluatie en inspectie")
