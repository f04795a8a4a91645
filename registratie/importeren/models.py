"""One upload on the import screen, run as a background task (registratie.importeren.taak)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samenwerking import scope
from samenwerking.models import Instelling


class ImportStatus(models.TextChoices):
    WACHTEND = "wachtend", _("in de wachtrij")
    BEZIG = "bezig", _("bezig")
    KLAAR = "klaar", _("klaar")
    MISLUKT = "mislukt", _("mislukt")


OPEN = (ImportStatus.WACHTEND, ImportStatus.BEZIG)


class ImportRun(models.Model):
    """An uploaded export and what its run did. The file holds BSNs: it is stored encrypted and
    emptied once no run needs it any more (after a real run, or when the next file comes)."""

    instelling = models.ForeignKey(
        Instelling, on_delete=models.CASCADE, related_name="import_runs", verbose_name=_("instelling")
    )
    door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door"),
    )
    bestandsnaam = models.CharField(_("bestand"), max_length=200)
    inhoud = models.BinaryField(_("inhoud (versleuteld)"), blank=True, editable=False)
    dry_run = models.BooleanField(_("alleen controleren"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.WACHTEND
    )
    verwerkt = models.PositiveIntegerField(_("verwerkte rijen"), default=0)
    totaal = models.PositiveIntegerField(_("rijen"), default=0)
    rapport = models.JSONField(_("rapport"), null=True, blank=True)
    fout = models.TextField(_("fout"), blank=True)
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    klaar_op = models.DateTimeField(_("klaar op"), null=True, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return Q(instelling__in=s.beheer)

    class Meta:
        verbose_name = _("importrun")
        verbose_name_plural = _("importruns")
        ordering = ["-aangemaakt_op", "-id"]
        constraints = [
            # A second click while a file runs starts no second run (the view shows the open one).
            models.UniqueConstraint(
                fields=["instelling"],
                condition=Q(status__in=["wachtend", "bezig"]),
                name="importrun_een_open_per_instelling",
                violation_error_message=_("Voor deze instelling loopt al een import."),
            ),
        ]

    def __str__(self):
        return f"{self.bestandsnaam} ({self.get_status_display()})"

    def audit_instellingen(self):
        return self.instelling_id, None

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def procent(self) -> int:
        return int(100 * self.verwerkt / self.totaal) if self.totaal else 0
