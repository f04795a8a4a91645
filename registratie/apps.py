from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistratieConfig(AppConfig):
    name = "registratie"
    verbose_name = _("Registratie")

    def ready(self):
        # Registers the re-checks of the rules that read other rows (samenwerking.afhankelijkheden).
        from registratie import afhankelijkheden  # noqa: F401

        # Keeps the route and cohort of an enrolment's open signals current when it is corrected.
        from registratie.review import signaal_route  # noqa: F401

        # Queues a ROD message in the transaction of every change to a delivered field.
        from registratie.rod import teldata, wachtrij  # noqa: F401
