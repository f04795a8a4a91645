"""A bulk decision on many signals: one row per run, with its progress (CONVENTIONS "Jobs": long
work leaves a row with its status, counts and progress). Imported at the end of
registratie/models.py, so it belongs to the registratie app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registratie.jobs.models import JobStatus
from samenwerking import scope

__all__ = ["BulkActie", "BulkSoort"]

LOPEND = (JobStatus.GEPLAND, JobStatus.BEZIG)


class BulkSoort(models.TextChoices):
    TOEPASSEN = "toepassen", _("voorgestelde overgangen toepassen")
    AFWIJZEN = "afwijzen", _("afwijzen met één reden")
    OVERDRAGEN = "overdragen", _("overdragen aan een collega")


class BulkActie(models.Model):
    """One bulk decision: the signals chosen when it was started (their ids, so the run handles
    exactly what the coordinator saw), and how far it got. Each signal goes through the same
    service as a single decision (registratie.review.services.uitvoeren)."""

    soort = models.CharField(_("soort"), max_length=12, choices=BulkSoort.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.GEPLAND
    )
    aangevraagd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("door")
    )
    reden = models.CharField(_("reden"), max_length=500, blank=True)
    # Handing over: to a named colleague (a beheerder of a party of each signal's agreement), or
    # to the vo-school or the mbo-instelling of each signal's own agreement (aan_kant).
    aan_persoon = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overdragen aan collega"),
    )
    aan_kant = models.CharField(_("overdragen aan"), max_length=3, blank=True)
    signaal_ids = models.JSONField(_("signalen"), default=list)
    totaal = models.PositiveIntegerField(_("totaal"), default=0)
    verwerkt = models.PositiveIntegerField(_("verwerkt"), default=0)
    gelukt = models.PositiveIntegerField(_("gelukt"), default=0)
    mislukt = models.PositiveIntegerField(_("mislukt"), default=0)
    fouten = models.JSONField(_("fouten"), default=list, blank=True)
    filter_omschrijving = models.CharField(_("filter"), max_length=500, blank=True)
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    geeindigd_op = models.DateTimeField(_("geëindigd op"), null=True, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """A run is its requester's: the views look it up by aangevraagd_door; through the scope
        only the applicatiebeheerder (scope.alles) sees runs."""
        return Q(pk__in=[])

    class Meta:
        verbose_name = _("bulkbeslissing")
        verbose_name_plural = _("bulkbeslissingen")
        ordering = ["-aangemaakt_op", "-id"]
        constraints = [
            # A second click while a run is going does not start a second run.
            models.UniqueConstraint(
                fields=["aangevraagd_door"],
                condition=Q(status__in=["gepland", "bezig"]),
                name="bulkactie_een_lopend_per_gebruiker",
                violation_error_message=_("Er loopt al een bulkbeslissing van u."),
            )
        ]

    def __str__(self):
        return f"{self.get_soort_display()} ({self.verwerkt}/{self.totaal})"

    def audit_instellingen(self):
        return None, None

    @property
    def loopt(self) -> bool:
        return self.status in LOPEND

    @property
    def procent(self) -> int:
        return round(100 * self.verwerkt / self.totaal) if self.totaal else 100
