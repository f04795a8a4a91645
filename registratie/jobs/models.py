"""The history of the nightly jobs: one JobRun per run, written by the task and the command alike
(registratie.jobs.services). Imported at the end of registratie/models.py, so it belongs to the
registratie app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenwerking import scope
from samenwerking.models import Kanaal

__all__ = ["JobRun", "JobStatus", "Taak"]


class Taak(models.TextChoices):
    CHECK_PHASES = "check_phases", _("fasecontrole")
    ROD_EXPORT = "rod_export", _("ROD-levering (formaat 1, batch)")
    ROD_VERZENDEN = "rod_verzenden", _("ROD-berichten verzenden")
    ANONIMISEREN = "anonimiseren", _("anonimiseren (bewaartermijn)")


class JobStatus(models.TextChoices):
    GEPLAND = "gepland", _("in de wachtrij")
    BEZIG = "bezig", _("bezig")
    KLAAR = "klaar", _("klaar")
    MISLUKT = "mislukt", _("mislukt")
    OVERGESLAGEN = "overgeslagen", _("overgeslagen")


class JobRun(models.Model):
    """One run of one nightly job: when, how it ended, what it counted. No personal data: the
    counts and the error text are safe to show to the applicatiebeheerder and to log."""

    taak = models.CharField(_("taak"), max_length=20, choices=Taak.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.GEPLAND
    )
    reden = models.CharField(_("reden"), max_length=255, blank=True)
    kanaal = models.CharField(_("kanaal"), max_length=10, choices=Kanaal.choices, default=Kanaal.JOB)
    aangevraagd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    gestart_op = models.DateTimeField(_("gestart op"), null=True, blank=True)
    geeindigd_op = models.DateTimeField(_("geëindigd op"), null=True, blank=True)
    verwacht_klaar_op = models.DateTimeField(_("verwacht klaar op"), null=True, blank=True)
    bijgewerkt_op = models.DateTimeField(_("laatste teken van leven"), null=True, blank=True)
    poging = models.PositiveSmallIntegerField(_("poging"), default=0)
    aantallen = models.JSONField(_("aantallen"), default=dict, blank=True)
    voortgang = models.CharField(_("voortgang"), max_length=120, blank=True)
    fout = models.TextField(_("fout"), blank=True)
    task_id = models.CharField(_("Celery-taak"), max_length=64, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Runs cover every instelling: the applicatiebeheerder only (scope.alles)."""
        return Q(pk__in=[])

    class Meta:
        verbose_name = _("taakrun")
        verbose_name_plural = _("taakruns")
        ordering = ["-aangemaakt_op", "-id"]
        indexes = [models.Index(fields=["taak", "-aangemaakt_op"], name="jobrun_taak_recent")]

    def __str__(self):
        return f"{self.get_taak_display()} {self.aangemaakt_op:%d-%m-%Y %H:%M} ({self.get_status_display()})"

    def audit_instellingen(self):
        return None, None

    @property
    def te_laat(self) -> bool:
        """Still queued or running past the time it should have finished."""
        return (
            self.status in (JobStatus.GEPLAND, JobStatus.BEZIG)
            and self.verwacht_klaar_op is not None
            and timezone.now() > self.verwacht_klaar_op
        )

    @property
    def loopt(self) -> bool:
        return self.status in (JobStatus.GEPLAND, JobStatus.BEZIG)
